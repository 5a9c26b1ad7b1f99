// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

package sophosapi // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/sophosapi"

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PageRequest asks for one page of a SIEM stream. Cursor wins over FromDate when both are set.
type PageRequest struct {
	APIHost        string
	TenantID       string
	Stream         string // events or alerts
	Limit          int
	Cursor         string
	FromDate       time.Time
	ExcludeTypes   []string // events only
	FromDateOffset time.Duration
}

// URL returns the request's address.
func (r PageRequest) URL() string {
	q := url.Values{"limit": {strconv.Itoa(r.Limit)}}
	if r.Cursor != "" {
		q.Set("cursor", r.Cursor)
	} else if !r.FromDate.IsZero() {
		q.Set("from_date", strconv.FormatInt(r.FromDate.Unix(), 10))
	}
	if r.Stream == "events" && len(r.ExcludeTypes) > 0 {
		q.Set("exclude_types", strings.Join(r.ExcludeTypes, ","))
	}
	if r.FromDateOffset > 0 {
		q.Set("from_date_offset_minutes", strconv.Itoa(int(r.FromDateOffset/time.Minute)))
	}
	return strings.TrimRight(r.APIHost, "/") + "/siem/v1/" + r.Stream + "?" + q.Encode()
}

// SIEMPage fetches one page of a SIEM stream into body, which it resets first, and returns
// the server's Date. The body is left undecoded: the caller turns it into log records.
func (c *Client) SIEMPage(ctx context.Context, req PageRequest, body *bytes.Buffer) (time.Time, error) {
	h := http.Header{"X-Tenant-Id": {req.TenantID}}
	return c.get(ctx, req.Stream, req.URL(), h, body)
}
