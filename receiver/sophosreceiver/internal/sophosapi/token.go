// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosapi // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Reasons for requesting a token, as passed to Options.OnTokenRequest.
const (
	TokenInitial      = "initial"
	TokenExpiring     = "expiring"
	TokenUnauthorized = "unauthorized"
)

// renewBefore is how long before its expiry a token is replaced, or a quarter of its life
// for tokens that live less than eight minutes.
const renewBefore = 2 * time.Minute

// tokenCache holds the current access token and fetches a new one when it nears its expiry
// or when the API refused it.
type tokenCache struct {
	mu        sync.Mutex
	conf      clientcredentials.Config
	http      *http.Client
	now       func() time.Time
	onRequest func(reason string)
	tok       *oauth2.Token
	renewAt   time.Time
}

// get returns a token that is valid for at least renewBefore.
func (tc *tokenCache) get(ctx context.Context) (string, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()

	if tc.tok != nil && tc.now().Before(tc.renewAt) {
		return tc.tok.AccessToken, nil
	}
	reason := TokenExpiring
	if tc.tok == nil {
		reason = TokenInitial
	}
	return tc.fetch(ctx, reason)
}

// renew replaces the token the API refused, unless another caller already did.
func (tc *tokenCache) renew(ctx context.Context, refused string) (string, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()

	if tc.tok != nil && tc.tok.AccessToken != refused {
		return tc.tok.AccessToken, nil
	}
	return tc.fetch(ctx, TokenUnauthorized)
}

func (tc *tokenCache) fetch(ctx context.Context, reason string) (string, error) {
	if tc.onRequest != nil {
		tc.onRequest(reason)
	}
	// The token must outlive the request that fetched it, so only the client comes from ctx.
	ctx = context.WithValue(ctx, oauth2.HTTPClient, tc.http)
	fetched := tc.now()
	tok, err := tc.conf.Token(ctx)
	if err != nil {
		return "", tokenError(err)
	}
	if tok.Expiry.IsZero() {
		// Sophos always sends expires_in; without it assume its documented hour.
		tok.Expiry = fetched.Add(time.Hour)
	}
	life := tok.Expiry.Sub(fetched)
	tc.tok = tok
	tc.renewAt = tok.Expiry.Add(-min(renewBefore, life/4))
	return tok.AccessToken, nil
}

// tokenError turns an oauth2 error into an *Error carrying the status and Sophos error body.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return &Error{Endpoint: "token", Err: err}
	}
	e := &Error{Endpoint: "token", StatusCode: re.Response.StatusCode}
	if e.StatusCode == http.StatusOK {
		// A 200 the oauth2 package could not read: no access_token, or not JSON.
		return malformed("token", err)
	}
	e.Date, _ = http.ParseTime(re.Response.Header.Get("Date"))
	e.RetryAfter = parseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
	var body sophosErrorBody
	if json.Unmarshal(re.Body, &body) == nil {
		e.Code, e.Message = body.code(), body.Message
	}
	return e
}

// sophosErrorBody is the error JSON of Sophos Central; the token endpoint and the APIs
// name the code differently.
type sophosErrorBody struct {
	ErrorCode string `json:"errorCode"`
	Error     string `json:"error"`
	Message   string `json:"message"`
}

func (b sophosErrorBody) code() string {
	if b.ErrorCode != "" {
		return b.ErrorCode
	}
	return b.Error
}
