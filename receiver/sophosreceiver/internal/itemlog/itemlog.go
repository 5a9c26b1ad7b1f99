// Copyright The otelcol-sophos Authors
// SPDX-License-Identifier: Apache-2.0

// Package itemlog turns the body of a Sophos SIEM page into log records, one per item,
// decoding the JSON straight into pdata values.
package itemlog // import "github.com/otelcol-sophos/otelcol-sophos/receiver/sophosreceiver/internal/itemlog"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Attribute and resource attribute names of the records.
const (
	AttrStream     = "sophos.stream"
	AttrUID        = "log.record.uid"
	AttrEventName  = "event.name"
	AttrTenantID   = "sophos.tenant.id"
	AttrTenantName = "sophos.tenant.name"
	AttrDataRegion = "sophos.data_region"
)

// Page is what a SIEM page says besides its items.
type Page struct {
	HasMore    bool
	NextCursor string
	// Items is the number of items on the page.
	Items int
	// LastCreatedAt is the newest created_at among the items, zero when none had one.
	LastCreatedAt time.Time
}

// DecodePage appends one log record per item of a SIEM page body to dst, as the receiver
// and exporter contract describes, and returns the page's paging fields. On error dst may
// hold some of the records and must be discarded.
func DecodePage(body []byte, stream string, observed time.Time, dst plog.LogRecordSlice) (Page, error) {
	var page Page
	var seenCursor bool
	obs := pcommon.NewTimestampFromTime(observed)
	d := newDecoder(body)

	err := d.object(func(key string) error {
		switch key {
		case "has_more":
			return d.hasMore(&page.HasMore)
		case "next_cursor":
			seenCursor = true
			return d.nextCursor(&page.NextCursor)
		case "items":
			if d.peek() == 'n' {
				return d.literal("null")
			}
			return d.array(func() error {
				if d.peek() != '{' {
					return d.errorf("an item is not an object")
				}
				rec := dst.AppendEmpty()
				body := rec.Body().SetEmptyMap()
				if err := d.mapValue(body, "", 1); err != nil {
					return err
				}
				createdAt := fillRecord(rec, body, stream, obs)
				if createdAt.After(page.LastCreatedAt) {
					page.LastCreatedAt = createdAt
				}
				page.Items++
				return nil
			})
		default:
			return d.value(pcommon.NewValueEmpty(), key, 1)
		}
	})
	if err == nil && d.peek() != 0 {
		err = d.errorf("data after the page")
	}
	if err != nil {
		return page, fmt.Errorf("sophos page: %w", err)
	}
	if !seenCursor {
		return page, errors.New("sophos page: no next_cursor")
	}
	return page, nil
}

func (d *decoder) hasMore(dst *bool) error {
	v := pcommon.NewValueEmpty()
	if err := d.value(v, "has_more", 1); err != nil {
		return err
	}
	switch v.Type() {
	case pcommon.ValueTypeBool:
		*dst = v.Bool()
	case pcommon.ValueTypeEmpty:
		*dst = false
	default:
		return d.errorf("has_more is not a boolean")
	}
	return nil
}

func (d *decoder) nextCursor(dst *string) error {
	if d.peek() != '"' {
		return d.errorf("next_cursor is not a string")
	}
	s, err := d.str()
	*dst = s
	return err
}

// fillRecord sets everything but the body from the item, and returns its created_at.
func fillRecord(rec plog.LogRecord, item pcommon.Map, stream string, obs pcommon.Timestamp) time.Time {
	rec.SetObservedTimestamp(obs)
	attrs := rec.Attributes()
	attrs.EnsureCapacity(3)
	attrs.PutStr(AttrStream, stream)

	var createdAt time.Time
	for key, v := range item.All() {
		if v.Type() != pcommon.ValueTypeStr {
			continue
		}
		switch key {
		case "id":
			attrs.PutStr(AttrUID, v.Str())
		case "type":
			attrs.PutStr(AttrEventName, v.Str())
		case "severity":
			rec.SetSeverityText(v.Str())
			rec.SetSeverityNumber(severityNumber(v.Str()))
		case "when":
			if when, ok := parseTime(v.Str()); ok {
				rec.SetTimestamp(pcommon.NewTimestampFromTime(when))
			}
		case "created_at":
			createdAt, _ = parseTime(v.Str())
		}
	}
	return createdAt
}

func severityNumber(sev string) plog.SeverityNumber {
	switch sev {
	case "low":
		return plog.SeverityNumberInfo
	case "medium":
		return plog.SeverityNumberWarn
	case "high":
		return plog.SeverityNumberError
	case "critical":
		return plog.SeverityNumberFatal
	default:
		return plog.SeverityNumberUnspecified
	}
}

// parseTime reads an RFC 3339 time, the layout Sophos sends first.
func parseTime(s string) (time.Time, bool) {
	if t, ok := parseMillis(s); ok {
		return t, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// parseMillis reads the one layout Sophos sends, 2006-01-02T15:04:05.000Z, several times
// faster than time.Parse.
func parseMillis(s string) (time.Time, bool) {
	if len(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
		s[16] != ':' || s[19] != '.' || s[23] != 'Z' {
		return time.Time{}, false
	}
	var f [7]int
	for i, span := range [7][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}, {20, 23}} {
		for _, c := range []byte(s[span[0]:span[1]]) {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			f[i] = f[i]*10 + int(c-'0')
		}
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1e6, time.UTC)
	if t.Day() != f[2] {
		return time.Time{}, false // February 30th and the like
	}
	return t, true
}
