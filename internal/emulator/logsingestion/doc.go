// Package logsingestion emulates Microsoft Entra ID (as a token issuer) and the Azure Monitor
// Logs Ingestion API on one http.Handler, for tests, the demo and benchmarks of the sentinel
// exporter. Serve it over TLS (httptest.NewTLSServer): azidentity talks only to https
// authorities. Point the exporter's endpoint at the server's URL and its credential's
// authority_host at the URL followed by "/", with instance discovery disabled.
//
// # Entra ID
//
// One tenant and one application. The routes are those MSAL uses:
//
//   - GET /{tenant}/v2.0/.well-known/openid-configuration, the tenant discovery document, with
//     issuer, token_endpoint and authorization_endpoint on the emulator's own host;
//   - GET /common/discovery/instance, instance discovery, for clients that do not disable it;
//   - POST /{tenant}/oauth2/v2.0/token, the client credentials grant with client_secret, or
//     with a client_assertion (jwt-bearer) whose iss and sub are the client id.
//
// Errors carry Entra's document (error, error_description starting "AADSTSnnnn:",
// error_codes, trace_id, correlation_id, timestamp): an unknown tenant is 400 invalid_request
// AADSTS90002 (400 invalid_tenant on the discovery document), an unknown client id 400
// unauthorized_client AADSTS700016, a missing secret 401 invalid_client AADSTS7000216, a wrong
// secret 401 invalid_client AADSTS7000215, a scope other than the Logs Ingestion API's 400
// invalid_resource AADSTS500011. The scopes accepted are https://monitor.azure.com//.default
// and its US Government (.us) and China (.cn) twins; the token's audience is the scope without
// "/.default" and trailing slashes. Tokens are JWT-shaped (the claims aud, iss, tid, appid, iat,
// nbf, exp are real) and expire after Config.TokenTTL by Config.Clock. ExpireTokens revokes
// every token issued so far.
//
// # Logs Ingestion API
//
// POST /dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01 checks, in order:
//
//  1. the method is POST (405);
//  2. a bearer token this emulator issued, not expired, for a monitor audience
//     (401, x-ms-error-code InvalidToken);
//  3. api-version present (400 MissingApiVersionParameter) and one of 2021-11-01-preview,
//     2023-01-01 (400 InvalidApiVersionParameter);
//  4. the DCR immutable id (404 InvalidDataCollectionRule);
//  5. the stream is declared by the DCR (404 InvalidStream);
//  6. then a queued Fault, if any, applies (see below);
//  7. Content-Type application/json (415 UnsupportedMediaType);
//  8. Content-Encoding gzip, identity or none (415 UnsupportedContentEncoding);
//  9. the body as sent, compressed when gzipped, is at most Config.MaxBodyBytes (413
//     ContentLengthLimitExceeded, with the message Azure sends: "Maximum allowed content
//     length: 1048576 bytes (1 MB). Provided content length: N bytes.");
//     A gzipped body that decompresses to more than 256 MiB is also refused with 413;
//  10. the body is a JSON array of objects and every declared column's value fits its type
//     (400 InvalidContent, naming the row and column).
//
// A request is taken whole or not at all. On success the answer is 204 No Content and the rows
// are kept with only their declared columns, in declared order; undeclared columns are dropped,
// as Azure drops them, and counted in Stats.Dropped. Every answer carries x-ms-request-id and
// echoes x-ms-client-request-id; error answers carry x-ms-error-code and the body
// {"error":{"code":...,"message":...}}. RequestLog records each request's client request id.
//
// Column checks, chosen to catch exporter bugs while taking what Azure's conversion takes:
// null fits every type; string takes any JSON scalar but not an object or array; int and long
// take integers (also integral numbers such as 3.0 and strings holding an integer) in the
// 32- or 64-bit range; real takes numbers and numeric strings; boolean takes true and false
// and the strings "true" and "false" in any case; datetime takes an ISO 8601 string (RFC 3339
// with or without zone or fraction, a space instead of T, or a bare date) but not a number;
// dynamic takes anything.
//
// Accepted rows are kept in memory (Rows, RowCount) and, when Config.OutputDir is set,
// appended per request to OutputDir/<stream>.jsonl, one object per line, so a person can
// follow them with tail -f. GET /stats returns Stats as JSON.
//
// # Faults
//
// AddFault queues failures for the next requests that pass the token and routing checks:
// FaultThrottle (429 TooManyRequests with Retry-After), FaultStatus (500, 502, 503, 504...),
// FaultSlow (a delay, then normal handling) and FaultDropConnection (the rows are stored, then
// the connection is closed with no response, so the client can not know they arrived).
//
// # What it does not emulate
//
// Azure is more lenient than this emulator with values: the service converts what it can and
// leaves a column empty when it can not, where the emulator answers 400. That strictness is on
// purpose: the exporter should send values of the declared types.
//
// Limitation: the exact error codes and messages of 401, 404, 415 and 400 answers are not
// documented by Microsoft; the emulator's are plausible stand-ins. Only the 413 message is
// copied from a real answer.
//
// Limitation: no 403 (missing Monitoring Metrics Publisher role), no WWW-Authenticate
// challenges, no transformation (transformKql) and no destination table: rows are kept as the
// stream received them. Field values over 64 KB are not truncated. No rate limit is enforced
// unless a FaultThrottle is queued. Token signatures are random bytes, and client assertions
// are not verified. Only the configured tenant is known ("common" and "organizations" are not).
package logsingestion
