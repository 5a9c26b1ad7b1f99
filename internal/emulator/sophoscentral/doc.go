// Package sophoscentral emulates the parts of Sophos Central that a SIEM
// collector talks to, as one http.Handler on one base URL:
//
//   - POST /api/v2/oauth2/token: the id.sophos.com client-credentials token
//     endpoint (form fields or HTTP Basic), with tokens that expire by the
//     emulator's clock.
//   - GET /whoami/v1: the caller's identity (tenant, partner or organization)
//     and its API hosts: the emulator's own base URL is the global host and
//     a tenant credential's data-region host.
//   - GET /partner/v1/tenants and /organization/v1/tenants: the paged tenant
//     listing of partner and organization credentials. Each tenant's apiHost
//     names its data region as a path on the same server,
//     <base>/region/<dataRegion>, standing for
//     https://api-<dataRegion>.central.sophos.com.
//   - GET /siem/v1/events and /siem/v1/alerts: the SIEM API with opaque
//     cursors, has_more, the limit bounds (200 to 1000), HTTP 400 for a
//     from_date older than 24 hours, the silent reset of a cursor older than
//     24 hours, exclude_types and X-Tenant-ID checks. A tenant credential
//     reads them at the base URL; the tenants of a partner or organization
//     at their region's host, /region/<dataRegion>/siem/v1/..., and get 403,
//     as from Sophos, at any other host (another region or the base URL).
//
// The tenants of a partner or organization change while the emulator
// serves with AddTenant and RemoveTenant; a removed tenant's SIEM requests
// get 403. Each tenant may carry its own backlogs (Tenant.EventsBacklog and
// Tenant.AlertsBacklog) instead of Config's.
//
// Every response carries a Date header from Config.Clock, so a client can
// judge the 24-hour window by the API's clock. Faults (429 with or without
// Retry-After, 5xx, slow answers, truncated and malformed bodies) are injected
// on demand with AddFault, for any request or aimed at one endpoint and at
// one tenant's SIEM requests.
//
// Items are generated on demand from their index in a stream, never held in
// memory: a backlog spread over Config.BacklogSpan before the emulator
// started (or before AddTenant added the tenant), then new items at
// Config.EventsPerSecond and Config.AlertsPerSecond. An item exists when its created_at is not after the
// clock. Each item is one of a set of templates: the licence-clean real
// samples under samples/real (see samples/SOURCES.md) and templates written
// for this package under samples/own, which add the event and alert types and
// shapes real tenants send. Identifiers, times, host names, endpoints, users,
// addresses, paths and threat names are drawn deterministically from pools of
// hundreds to thousands of values, with the locality of a real estate (a
// few endpoints busy at a time, a threat hitting several machines at once),
// so that a page compresses with gzip like real data: about 7 times, and
// never the 50 times of copies of one item. TestGzipRatioIsRealistic logs
// the figure.
//
// Limitations of the emulation:
//   - Backlog items lie in (start-BacklogSpan, start]; a from_date taken
//     later than start-BacklogSpan misses the oldest of them, as it would on
//     the real API. Use a lookback longer than BacklogSpan to read them all.
//   - from_date_offset_minutes is validated (a non-negative integer) and then
//     ignored: emulated endpoints' clocks agree with the API's, so no item
//     arrives late.
//   - A request with neither cursor nor from_date starts 12 hours before the
//     clock.
//   - Cursors encode a position in the stream and a time; a cursor of one
//     tenant given for another is read as the same position there.
//   - Rate limits and server errors happen only when injected with AddFault.
//   - Region hosts are paths on one server, not host names: a client that
//     keeps only the host of an apiHost reaches the base URL and gets 403.
//   - The tenant listing pages a snapshot per request: a tenant removed
//     while a client pages moves the later tenants one place up, so the
//     client may miss one until it lists again, as paging a changing list
//     would on the real API.
//   - Each item carries a random UUID, about a third of its compressed size;
//     the gzip ratio stays under the 10 to 15 times sometimes quoted for
//     real tenants whose items are larger.
package sophoscentral
