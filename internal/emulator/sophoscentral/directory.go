package sophoscentral

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// whoami answers GET /whoami/v1.
func (s *Server) whoami(r *http.Request, now time.Time) response {
	if !s.authorized(r, now) {
		return unauthorized(now)
	}
	base := baseURL(r)
	if s.cfg.Identity == identityTenant {
		return jsonResponse(http.StatusOK, map[string]any{
			"id":       s.self.ID,
			"idType":   identityTenant,
			"apiHosts": map[string]string{"global": base, "dataRegion": base},
		})
	}
	return jsonResponse(http.StatusOK, map[string]any{
		"id":       s.cfg.IdentityID,
		"idType":   s.cfg.Identity,
		"apiHosts": map[string]string{"global": base},
	})
}

// listTenants answers GET /partner/v1/tenants and /organization/v1/tenants.
func (s *Server) listTenants(r *http.Request, now time.Time) response {
	if !s.authorized(r, now) {
		return unauthorized(now)
	}
	kind, header := identityPartner, "X-Partner-ID"
	if strings.HasPrefix(r.URL.Path, "/organization/") {
		kind, header = identityOrganization, "X-Organization-ID"
	}
	if s.cfg.Identity != kind {
		return errorResponse(http.StatusForbidden, "forbidden",
			"a "+s.cfg.Identity+" credential cannot list "+kind+" tenants", now)
	}
	switch got := r.Header.Get(header); {
	case got == "":
		return errorResponse(http.StatusBadRequest, "badRequest", header+" header is required", now)
	case !strings.EqualFold(got, s.cfg.IdentityID):
		return errorResponse(http.StatusForbidden, "forbidden", header+" does not match the caller", now)
	}

	q := r.URL.Query()
	page, ok := intParam(q.Get("page"), 1)
	if !ok || page < 1 {
		return errorResponse(http.StatusBadRequest, "badRequest", "page must be a positive integer", now)
	}
	size, ok := intParam(q.Get("pageSize"), 50)
	if !ok || size < 1 {
		return errorResponse(http.StatusBadRequest, "badRequest",
			"pageSize must be a positive integer", now)
	}
	size = min(size, s.cfg.TenantPageSize)

	// One snapshot for the page and its totals, whatever AddTenant and
	// RemoveTenant do meanwhile.
	tenants := s.tenantList()
	base := baseURL(r)
	first := min((page-1)*size, len(tenants))
	last := min(first+size, len(tenants))
	items := make([]map[string]any, 0, last-first)
	for _, t := range tenants[first:last] {
		item := map[string]any{
			"id":            t.ID,
			"showAs":        t.Name,
			"name":          t.Name,
			"dataGeography": dataGeography(t.DataRegion),
			"dataRegion":    t.DataRegion,
			"billingType":   "trial",
			"partner":       map[string]string{"id": s.cfg.IdentityID},
			"apiHost":       regionHost(base, t.DataRegion),
			"status":        "active",
		}
		if kind == identityOrganization {
			item["organization"] = map[string]string{"id": s.cfg.IdentityID}
		}
		items = append(items, item)
	}
	pages := map[string]any{"current": page, "size": size, "maxSize": s.cfg.TenantPageSize}
	if q.Get("pageTotal") == "true" {
		pages["total"] = (len(tenants) + size - 1) / size
		pages["items"] = len(tenants)
	}
	return jsonResponse(http.StatusOK, map[string]any{"pages": pages, "items": items})
}

// intParam parses a query parameter, def when it is absent.
func intParam(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}
