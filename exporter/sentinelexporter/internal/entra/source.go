package entra

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// refreshBefore renews a cached token this long before it expires.
const refreshBefore = 5 * time.Minute

// Source hands out bearer tokens for one scope, cached until shortly before they expire.
type Source struct {
	newCredential func() (azcore.TokenCredential, error)
	scope         string
	now           func() time.Time

	mu    sync.Mutex
	cred  azcore.TokenCredential
	token azcore.AccessToken
}

// NewSource returns a Source that gets tokens for scope from the credentials newCredential
// builds. It builds one now, and a fresh one when Renew must bypass a credential's own cache.
func NewSource(scope string, newCredential func() (azcore.TokenCredential, error)) (*Source, error) {
	cred, err := newCredential()
	if err != nil {
		return nil, err
	}
	return &Source{newCredential: newCredential, scope: scope, now: time.Now, cred: cred}, nil
}

// Token returns a valid token, from the cache when it has one.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token.Token != "" && s.now().Add(refreshBefore).Before(s.token.ExpiresOn) {
		return s.token.Token, nil
	}
	return s.fetch(ctx)
}

// Renew replaces a token the API refused. When another caller has renewed it already, Renew
// returns that newer token instead of asking again.
func (s *Source) Renew(ctx context.Context, refused string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token.Token != "" && s.token.Token != refused {
		return s.token.Token, nil
	}
	// azidentity caches tokens inside the credential; only a new credential asks Entra ID again.
	cred, err := s.newCredential()
	if err != nil {
		return "", err
	}
	s.cred = cred
	return s.fetch(ctx)
}

func (s *Source) fetch(ctx context.Context) (string, error) {
	tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}})
	if err != nil {
		return "", fmt.Errorf("entra token: %w", err)
	}
	s.token = tok
	return tok.Token, nil
}
