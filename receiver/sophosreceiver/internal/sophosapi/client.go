// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

// Package sophosapi is a client of the Sophos Central APIs the receiver needs: the OAuth2
// token, whoami, the tenant listings of partners and organizations, and the SIEM pages.
package sophosapi // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Config is where the client finds Sophos Central and with which credential.
type Config struct {
	ClientID       string
	ClientSecret   string
	TokenURL       string
	GlobalEndpoint string
}

// Options holds optional hooks of a Client.
type Options struct {
	// Clock is the clock whose offset to the API the client keeps up to date; a new one
	// on the local clock when nil.
	Clock *Clock
	// OnTokenRequest is called before each token request with TokenInitial, TokenExpiring
	// or TokenUnauthorized.
	OnTokenRequest func(reason string)
}

// Client calls Sophos Central. It is safe for concurrent use.
type Client struct {
	http   *http.Client
	clock  *Clock
	tokens *tokenCache
	global string
}

// NewClient returns a Client that sends its requests with httpClient.
func NewClient(cfg Config, httpClient *http.Client, opts Options) *Client {
	clock := opts.Clock
	if clock == nil {
		clock = NewClock(nil)
	}
	next := httpClient.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc := *httpClient
	hc.Transport = &dateTransport{next: next, clock: clock}

	return &Client{
		http:  &hc,
		clock: clock,
		tokens: &tokenCache{
			conf: clientcredentials.Config{
				ClientID:     cfg.ClientID,
				ClientSecret: cfg.ClientSecret,
				TokenURL:     cfg.TokenURL,
				Scopes:       []string{"token"},
				AuthStyle:    oauth2.AuthStyleInParams,
			},
			http:      &hc,
			now:       clock.Local,
			onRequest: opts.OnTokenRequest,
		},
		global: strings.TrimRight(cfg.GlobalEndpoint, "/"),
	}
}

// Clock returns the clock the client keeps in step with the API.
func (c *Client) Clock() *Clock { return c.clock }

// CloseIdleConnections closes the connections the client keeps open.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// get sends a GET with a bearer token and reads a 200 body into dst. A 401 renews the
// token once and sends the request again. It returns the Date of the response.
func (c *Client) get(ctx context.Context, endpoint, url string, header http.Header,
	dst *bytes.Buffer,
) (time.Time, error) {
	tok, err := c.tokens.get(ctx)
	if err != nil {
		return time.Time{}, err
	}
	for attempt := 0; ; attempt++ {
		date, status, err := c.send(ctx, endpoint, url, header, tok, dst)
		if status != http.StatusUnauthorized || attempt > 0 {
			return date, err
		}
		if tok, err = c.tokens.renew(ctx, tok); err != nil {
			return time.Time{}, err
		}
	}
}

func (c *Client) send(ctx context.Context, endpoint, url string, header http.Header, tok string,
	dst *bytes.Buffer,
) (time.Time, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("sophos %s: %w", endpoint, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)

	resp, err := c.http.Do(req)
	if err != nil {
		return time.Time{}, 0, &Error{Endpoint: endpoint, Err: err}
	}
	defer func() { _ = resp.Body.Close() }()

	date, _ := http.ParseTime(resp.Header.Get("Date"))
	dst.Reset()
	if _, err := dst.ReadFrom(resp.Body); err != nil {
		return date, 0, &Error{Endpoint: endpoint, Date: date, Err: err}
	}
	if resp.StatusCode == http.StatusOK {
		return date, resp.StatusCode, nil
	}

	e := &Error{
		Endpoint:   endpoint,
		StatusCode: resp.StatusCode,
		Date:       date,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Local()),
	}
	var body sophosErrorBody
	if json.Unmarshal(dst.Bytes(), &body) == nil {
		e.Code, e.Message = body.code(), body.Message
	}
	return date, resp.StatusCode, e
}

// getJSON is get followed by decoding the body into v.
func (c *Client) getJSON(ctx context.Context, endpoint, url string, header http.Header, v any) error {
	var buf bytes.Buffer
	if _, err := c.get(ctx, endpoint, url, header, &buf); err != nil {
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), v); err != nil {
		return malformed(endpoint, err)
	}
	return nil
}

// malformed returns the error of an endpoint's body that could not be read.
func malformed(endpoint string, err error) error {
	return &Error{Endpoint: endpoint, StatusCode: http.StatusOK, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
}

// IsMalformed reports whether err is a response body the client could not read.
func IsMalformed(err error) bool { return errors.Is(err, ErrMalformed) }

// EnsureToken fetches an access token unless the client holds a valid one.
func (c *Client) EnsureToken(ctx context.Context) error {
	_, err := c.tokens.get(ctx)
	return err
}
