package logsingestion

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// jwtBearer is the client_assertion_type of a certificate (or federated) credential.
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// monitorAudiences are the Logs Ingestion API's token audiences in the public, US Government
// and China clouds. The emulator serves all three.
var monitorAudiences = map[string]bool{
	"https://monitor.azure.com": true,
	"https://monitor.azure.us":  true,
	"https://monitor.azure.cn":  true,
}

type token struct {
	audience string
	expires  time.Time
	revoked  bool
}

// ExpireTokens makes every token issued so far invalid: ingestion requests that carry one
// are answered 401 until the client gets a new token.
func (s *Server) ExpireTokens() {
	s.tokensMu.Lock()
	defer s.tokensMu.Unlock()
	for k, t := range s.tokens {
		t.revoked = true
		s.tokens[k] = t
	}
}

func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func (s *Server) knownTenant(tenant string) bool {
	return strings.EqualFold(tenant, s.cfg.TenantID)
}

// serveOpenIDConfig answers the tenant discovery that MSAL does before its first token request:
// GET {authority}/{tenant}/v2.0/.well-known/openid-configuration.
func (s *Server) serveOpenIDConfig(w http.ResponseWriter, r *http.Request, tenant string) {
	if r.Method != http.MethodGet {
		writeEntraError(w, http.StatusMethodNotAllowed, "invalid_request", 900561,
			"The endpoint only accepts GET requests.")
		return
	}
	if !s.knownTenant(tenant) {
		writeEntraError(w, http.StatusBadRequest, "invalid_tenant", 90002, tenantNotFound(tenant))
		return
	}

	base := baseURL(r) + "/" + s.cfg.TenantID
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                        base + "/v2.0",
		"token_endpoint":                base + "/oauth2/v2.0/token",
		"authorization_endpoint":        base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
		"jwks_uri":                      base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{
			"client_secret_post", "private_key_jwt", "client_secret_basic",
		},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

// serveInstanceDiscovery answers MSAL's instance discovery, for clients that do not disable it.
func (s *Server) serveInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	tenant := s.cfg.TenantID
	if ae, err := url.Parse(r.URL.Query().Get("authorization_endpoint")); err == nil {
		if p := strings.Split(strings.Trim(ae.Path, "/"), "/"); p[0] != "" {
			tenant = p[0]
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": baseURL(r) + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{
			{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}},
		},
	})
}

// serveToken is the v2.0 token endpoint, client credentials grant only.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, tenant string) {
	if r.Method != http.MethodPost {
		writeEntraError(w, http.StatusMethodNotAllowed, "invalid_request", 900561,
			"The endpoint only accepts POST requests.")
		return
	}
	if !s.knownTenant(tenant) {
		writeEntraError(w, http.StatusBadRequest, "invalid_request", 90002, tenantNotFound(tenant))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeEntraError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'grant_type'.")
		return
	}

	if code, status, errCode, msg := s.checkTokenRequest(r.PostForm); code != "" {
		writeEntraError(w, status, code, errCode, msg)
		return
	}

	audience, ok := scopeAudience(r.PostForm.Get("scope"))
	if !ok {
		writeEntraError(w, http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf(
			"The resource principal named %s was not found in the tenant named %s. This can "+
				"happen if the application has not been installed by the administrator of the "+
				"tenant or consented to by any user in the tenant. You might have sent your "+
				"authentication request to the wrong tenant.",
			strings.TrimSuffix(r.PostForm.Get("scope"), "/.default"), s.cfg.TenantID))
		return
	}

	access := s.issue(r, audience)
	secs := int(s.cfg.TokenTTL / time.Second)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     secs,
		"ext_expires_in": secs,
		"access_token":   access,
	})
}

// checkTokenRequest returns the OAuth error of a bad client credentials request, or "" when the
// request is good.
func (s *Server) checkTokenRequest(form url.Values) (oauthErr string, status, code int, msg string) {
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			return "invalid_request", 400, 900144,
				"The request body must contain the following parameter: 'grant_type'."
		}
		return "unsupported_grant_type", 400, 70003,
			fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt)
	}
	if form.Get("scope") == "" {
		return "invalid_request", 400, 900144,
			"The request body must contain the following parameter: 'scope'."
	}

	clientID := form.Get("client_id")
	if clientID != s.cfg.ClientID {
		return "unauthorized_client", 400, 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can "+
				"happen if the application has not been installed by the administrator of the "+
				"tenant or consented to by any user in the tenant. You may have sent your "+
				"authentication request to the wrong tenant.", clientID, s.cfg.TenantID)
	}

	if form.Get("client_assertion_type") == jwtBearer {
		if !assertionFrom(form.Get("client_assertion"), clientID) {
			return "invalid_client", 401, 700027,
				"Client assertion failed signature validation."
		}
		return "", 0, 0, ""
	}

	secret := form.Get("client_secret")
	if secret == "" {
		return "invalid_client", 401, 7000216,
			"'client_assertion', 'client_secret' or 'request' is required for the " +
				"'client_credentials' grant type."
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) != 1 {
		return "invalid_client", 401, 7000215, fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the "+
				"client secret value, not the client secret ID, for a secret added to app '%s'.",
			s.cfg.ClientID)
	}
	return "", 0, 0, ""
}

// assertionFrom reports whether assertion is a JWT whose issuer and subject are clientID.
// Limitation: the signature is not verified; no certificate is registered with the emulator.
func assertionFrom(assertion, clientID string) bool {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return false
	}
	return claims.Iss == clientID && claims.Sub == clientID
}

// scopeAudience maps a scope such as "https://monitor.azure.com//.default" to the audience of
// the token Entra ID issues for it ("https://monitor.azure.com").
func scopeAudience(scope string) (string, bool) {
	for _, sc := range strings.Fields(scope) {
		res, ok := strings.CutSuffix(sc, "/.default")
		if !ok {
			continue
		}
		aud := strings.TrimRight(res, "/")
		if monitorAudiences[aud] {
			return aud, true
		}
	}
	return "", false
}

func (s *Server) issue(r *http.Request, audience string) string {
	now := s.cfg.Clock()
	exp := now.Add(s.cfg.TokenTTL)
	header, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "kid": "emulator"})
	claims, _ := json.Marshal(map[string]any{
		"aud":   audience,
		"iss":   "https://sts.windows.net/" + s.cfg.TenantID + "/",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   exp.Unix(),
		"appid": s.cfg.ClientID,
		"tid":   s.cfg.TenantID,
		"oid":   s.cfg.ClientID,
		"sub":   s.cfg.ClientID,
		"idtyp": "app",
		"ver":   "1.0",
		"uti":   newUUID(),
	})
	var sig [32]byte
	_, _ = rand.Read(sig[:])
	enc := base64.RawURLEncoding
	access := enc.EncodeToString(header) + "." + enc.EncodeToString(claims) + "." +
		enc.EncodeToString(sig[:])

	s.tokensMu.Lock()
	s.tokens[access] = token{audience: audience, expires: exp}
	s.tokensMu.Unlock()

	s.statsMu.Lock()
	s.stats.TokensIssued++
	s.statsMu.Unlock()
	return access
}

// checkBearer validates the Authorization header of an ingestion request. It returns "" when
// the token is good, else the message of the 401.
func (s *Server) checkBearer(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "Authorization header is missing or empty."
	}
	raw, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return "Authorization header must use the Bearer scheme."
	}

	s.tokensMu.Lock()
	t, ok := s.tokens[strings.TrimSpace(raw)]
	s.tokensMu.Unlock()
	switch {
	case !ok:
		return "The access token is invalid."
	case t.revoked || !s.cfg.Clock().Before(t.expires):
		return "The access token has expired."
	case !monitorAudiences[t.audience]:
		return fmt.Sprintf("The access token audience '%s' is not valid for this endpoint.",
			t.audience)
	}
	return ""
}

func tenantNotFound(tenant string) string {
	return fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID "+
		"and are signing into the correct cloud. Check with your subscription administrator, "+
		"this may happen if there are no active subscriptions for the tenant.", tenant)
}

// writeEntraError answers with the error document of Entra ID's v2.0 endpoints.
func writeEntraError(w http.ResponseWriter, status int, oauthErr string, code int, msg string) {
	now := time.Now().UTC()
	trace, corr := newUUID(), newUUID()
	desc := fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
		code, msg, trace, corr, now.Format("2006-01-02 15:04:05Z"))
	writeJSON(w, status, map[string]any{
		"error":             oauthErr,
		"error_description": desc,
		"error_codes":       []int{code},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", code),
	})
}
