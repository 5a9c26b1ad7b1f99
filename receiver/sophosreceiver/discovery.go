// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosreceiver // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver"

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"
)

var errNoTenants = errors.New("no tenant left after tenants.include, tenants.exclude and tenant_id")

// tenant is one tenant to poll and what the records say about it.
type tenant struct {
	ID         string
	Name       string // partner and organization credentials only
	DataRegion string // where known
	APIHost    string
}

// discover finds the tenants to poll.
//
// Limitation: partner and organization tenants are listed once, at start: a tenant added
// later is polled from the next restart, and a tenant removed keeps failing with 403s until
// then. The token is fetched first in every case, which checks
// the credential and learns the API's clock before any position is judged by it.
func (r *sophosReceiver) discover(ctx context.Context) ([]tenant, error) {
	if err := r.client.EnsureToken(ctx); err != nil {
		return nil, err
	}
	if r.cfg.TenantID != "" && r.cfg.APIHost != "" {
		return []tenant{{
			ID:         r.cfg.TenantID,
			APIHost:    r.cfg.APIHost,
			DataRegion: regionOfHost(r.cfg.APIHost),
		}}, nil
	}

	id, err := r.client.Whoami(ctx)
	if err != nil {
		return nil, err
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
			return nil, fmt.Errorf("sophos whoami: no data region host for tenant %s, set api_host", t.ID)
		}
		t.DataRegion = regionOfHost(t.APIHost)
		return []tenant{t}, nil
	}

	listed, err := r.client.Tenants(ctx, id)
	if err != nil {
		return nil, err
	}
	var tenants []tenant
	for _, lt := range listed {
		if !r.cfg.Tenants.selects(lt.ID) || (r.cfg.TenantID != "" && lt.ID != r.cfg.TenantID) {
			continue
		}
		t := tenant{ID: lt.ID, Name: lt.Name, DataRegion: lt.DataRegion, APIHost: lt.APIHost}
		if t.APIHost == "" {
			return nil, fmt.Errorf("sophos tenants: tenant %s has no apiHost", t.ID)
		}
		tenants = append(tenants, t)
	}
	return tenants, nil
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
