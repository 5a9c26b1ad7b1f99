// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosapi // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"

import (
	"context"
	"errors"
)

// The kinds of credential whoami reports.
const (
	IdentityTenant       = "tenant"
	IdentityPartner      = "partner"
	IdentityOrganization = "organization"
)

// Identity is what whoami says about the credential.
type Identity struct {
	// ID is the tenant, partner or organization id.
	ID string
	// Type is IdentityTenant, IdentityPartner or IdentityOrganization.
	Type string
	// GlobalHost is the base URL of the global API.
	GlobalHost string
	// DataRegionHost is the base URL of the tenant's data region; tenants only.
	DataRegionHost string
}

type whoamiBody struct {
	ID       string `json:"id"`
	IDType   string `json:"idType"`
	APIHosts struct {
		Global     string `json:"global"`
		DataRegion string `json:"dataRegion"`
	} `json:"apiHosts"`
}

// Whoami asks Sophos Central who the credential belongs to.
func (c *Client) Whoami(ctx context.Context) (Identity, error) {
	var body whoamiBody
	if err := c.getJSON(ctx, "whoami", c.global+"/whoami/v1", nil, &body); err != nil {
		return Identity{}, err
	}
	if body.ID == "" || body.IDType == "" {
		return Identity{}, malformed("whoami", errors.New("no id or idType"))
	}
	id := Identity{
		ID:             body.ID,
		Type:           body.IDType,
		GlobalHost:     body.APIHosts.Global,
		DataRegionHost: body.APIHosts.DataRegion,
	}
	if id.GlobalHost == "" {
		id.GlobalHost = c.global
	}
	return id, nil
}
