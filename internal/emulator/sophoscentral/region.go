package sophoscentral

import (
	"net/url"
	"strings"
)

// regionPrefix is the path under which the emulator plays the API host of a
// data region: <base>/region/<dataRegion> stands for
// https://api-<dataRegion>.central.sophos.com, on the same server.
const regionPrefix = "/region/"

// splitRegion splits a path under a region's host into the region and the
// path on that host; ok is false for a path not under one.
func splitRegion(path string) (region, rest string, ok bool) {
	after, ok := strings.CutPrefix(path, regionPrefix)
	if !ok {
		return "", path, false
	}
	region, rest, _ = strings.Cut(after, "/")
	return region, "/" + rest, true
}

// regionHost is the API host of a data region as the tenant listing gives
// it.
func regionHost(base, region string) string {
	return base + regionPrefix + url.PathEscape(region)
}

// servesTenant reports whether the host a SIEM request reached serves the
// tenant. region is the request's region prefix, "" for the un-prefixed
// paths, which stand for a tenant credential's own data region host: a
// partner or organization must use its tenants' region hosts.
func (s *Server) servesTenant(region string, ts *tenantState) bool {
	if region == "" {
		return s.cfg.Identity == identityTenant
	}
	return strings.EqualFold(region, ts.DataRegion)
}
