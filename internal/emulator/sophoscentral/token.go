package sophoscentral

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// token answers POST /api/v2/oauth2/token like id.sophos.com. Credentials
// come from the form or from HTTP Basic authentication.
func (s *Server) token(r *http.Request, now time.Time) response {
	if r.Method != http.MethodPost {
		return errorResponse(http.StatusMethodNotAllowed, "methodNotAllowed", "use POST", now)
	}
	if err := r.ParseForm(); err != nil {
		return oauthError(http.StatusBadRequest, "oauth.invalid_request", "malformed form body")
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		return oauthError(http.StatusBadRequest, "oauth.unsupported_grant_type",
			"grant_type must be client_credentials")
	}
	if r.PostForm.Get("scope") != "token" {
		return oauthError(http.StatusBadRequest, "oauth.invalid_scope", "scope must be token")
	}

	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case id == "":
		return oauthError(http.StatusBadRequest, "oauth.missing_client_id", "client_id is required")
	case !equal(id, s.cfg.ClientID):
		return oauthError(http.StatusUnauthorized, "oauth.client_app_does_not_exist",
			"Client application does not exist")
	case !equal(secret, s.cfg.ClientSecret):
		return oauthError(http.StatusUnauthorized, "oauth.invalid_client_secret",
			"Invalid client secret")
	}

	access := randomHex(96)
	s.mu.Lock()
	s.tokens[access] = now.Add(s.cfg.TokenTTL)
	s.stats.TokensIssued++
	s.mu.Unlock()
	return jsonResponse(http.StatusOK, map[string]any{
		"access_token":  access,
		"refresh_token": randomHex(32),
		"token_type":    "bearer",
		"expires_in":    int(s.cfg.TokenTTL / time.Second),
		"errorCode":     "success",
		"message":       "OK",
		"trackingId":    randomUUID(),
	})
}

func oauthError(status int, code, message string) response {
	return jsonResponse(status, map[string]any{
		"errorCode":  code,
		"message":    message,
		"trackingId": randomUUID(),
	})
}

// authorized reports whether r carries a token that is valid at now.
func (s *Server) authorized(r *http.Request, now time.Time) bool {
	auth := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(auth) <= len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return false
	}
	s.mu.Lock()
	expiry, ok := s.tokens[auth[len(prefix):]]
	s.mu.Unlock()
	return ok && now.Before(expiry)
}

func unauthorized(now time.Time) response {
	return errorResponse(http.StatusUnauthorized, "unauthorized",
		"Access token is missing, invalid or expired", now)
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
