// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

// tenant is one tenant to poll and what the records say about it.
type tenant struct {
	ID         string
	Name       string // partner and organization credentials only
	DataRegion string // where known
	APIHost    string
}

// discover finds the tenants to poll: those of the credential that tenant_id, tenants.include,
// tenants.exclude and tenants.shard keep. listed reports whether they come from the tenant
// listing of a partner or organization, which may change. The token is fetched first in
// every case, which checks the credential and learns the API's clock before any position is
// judged by it.
func (r *sophosReceiver) discover(ctx context.Context) (tenants []tenant, listed bool, err error) {
	if err := r.client.EnsureToken(ctx); err != nil {
		return nil, false, err
	}
	if r.cfg.TenantID != "" && r.cfg.APIHost != "" {
		t := tenant{ID: r.cfg.TenantID, APIHost: r.cfg.APIHost, DataRegion: regionOfHost(r.cfg.APIHost)}
		return r.keep(t), false, nil
	}

	id, err := r.client.Whoami(ctx)
	if err != nil {
		return nil, false, err
	}
	if id.Type == sophosapi.IdentityTenant {
		t := tenant{ID: id.ID, APIHost: id.DataRegionHost}
		if r.cfg.TenantID != "" {
			t.ID = r.cfg.TenantID
		}
		if r.cfg.APIHost != "" {
			t.APIHost = r.cfg.APIHost
		}
		if t.APIHost == "" {
			return nil, false, fmt.Errorf("sophos whoami: no data region host for tenant %s, set api_host", t.ID)
		}
		t.DataRegion = regionOfHost(t.APIHost)
		return r.keep(t), false, nil
	}

	listing, err := r.client.Tenants(ctx, id)
	if err != nil {
		return nil, false, err
	}
	var noHost []string
	for _, lt := range listing {
		if r.cfg.TenantID != "" && !strings.EqualFold(lt.ID, r.cfg.TenantID) {
			continue
		}
		if lt.APIHost == "" {
			noHost = append(noHost, lt.ID)
			continue
		}
		t := tenant{ID: lt.ID, Name: lt.Name, DataRegion: lt.DataRegion, APIHost: lt.APIHost}
		tenants = append(tenants, r.keep(t)...)
	}
	if len(noHost) > 0 {
		// Sophos lists a tenant without apiHost until its data region is set up.
		r.set.Logger.Warn("Tenants without a data region host are not polled yet",
			zap.Int("count", len(noHost)), zap.Strings("tenants", firstIDs(noHost)))
	}
	return tenants, true, nil
}

// keep returns t alone when the tenant filter and the shard keep it, else nothing.
func (r *sophosReceiver) keep(t tenant) []tenant {
	if !r.cfg.Tenants.selects(t.ID, t.Name) {
		return nil
	}
	return []tenant{t}
}

// regionOfHost returns the data region of a Sophos data-region host such as
// https://api-eu01.central.sophos.com, or "" for any other host.
func regionOfHost(host string) string {
	u, err := url.Parse(host)
	if err != nil {
		return ""
	}
	name, ok := strings.CutSuffix(u.Hostname(), ".central.sophos.com")
	if !ok {
		return ""
	}
	region, ok := strings.CutPrefix(name, "api-")
	if !ok {
		return ""
	}
	return region
}
