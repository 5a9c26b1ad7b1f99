// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosapi // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// tenantsPageSize is the largest page the tenant listings serve.
const tenantsPageSize = 100

// Tenant is one tenant of a partner or organization.
type Tenant struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	DataRegion string `json:"dataRegion"`
	APIHost    string `json:"apiHost"`
}

type tenantsBody struct {
	Pages struct {
		Total int `json:"total"`
	} `json:"pages"`
	Items []Tenant `json:"items"`
}

// Tenants lists every tenant of a partner or organization identity, page by page.
func (c *Client) Tenants(ctx context.Context, id Identity) ([]Tenant, error) {
	var path, header string
	switch id.Type {
	case IdentityPartner:
		path, header = "/partner/v1/tenants", "X-Partner-ID"
	case IdentityOrganization:
		path, header = "/organization/v1/tenants", "X-Organization-ID"
	default:
		return nil, fmt.Errorf("sophos tenants: a %q identity has no tenant listing", id.Type)
	}
	base := strings.TrimRight(id.GlobalHost, "/") + path
	h := http.Header{header: []string{id.ID}}

	var tenants []Tenant
	for page := 1; ; page++ {
		q := url.Values{
			"page":      {strconv.Itoa(page)},
			"pageSize":  {strconv.Itoa(tenantsPageSize)},
			"pageTotal": {"true"},
		}
		var body tenantsBody
		if err := c.getJSON(ctx, "tenants", base+"?"+q.Encode(), h, &body); err != nil {
			return nil, err
		}
		tenants = append(tenants, body.Items...)
		if page >= body.Pages.Total || len(body.Items) == 0 {
			return tenants, nil
		}
	}
}
