package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

// faultFlags collects -fault values. Each is TARGET:KIND[:TIMES[:DURATION]]:
//
//	TARGET   sophos, sophos/<endpoint> (token, whoami, tenants, events, alerts),
//	         sophos@<tenant-id>, sophos/events@<tenant-id>, sophos/alerts@<tenant-id>,
//	         ingest or ingest/<stream>
//	KIND     429, a 5xx status, slow, truncated, malformed (sophos) or drop (ingest)
//	TIMES    how many requests it hits, default 1
//	DURATION Retry-After for 429 (none when left out), the delay for slow
//
// A target with @<tenant-id> hits only that tenant's SIEM requests (both streams, or the one
// named); other tenants' requests neither take it nor count towards TIMES, so
// "-fault sophos/events@<tenant-id>:500:20" fails one tenant's events while the rest flow.
// Faults of one target apply in the order given, so "-fault ingest:503:30 -fault
// ingest:429:20:2s" is an outage followed by throttling, then recovery.
type faultFlags []string

func (f *faultFlags) String() string { return strings.Join(*f, ",") }

func (f *faultFlags) Set(v string) error {
	if _, _, err := parseFault(v); err != nil {
		return err
	}
	*f = append(*f, v)
	return nil
}

type fault struct {
	target, scope, kind string
	tenant              string // the Sophos tenant a fault is aimed at, "" for any
	status, times       int
	duration            time.Duration
}

func parseFault(spec string) (fault, bool, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 4 {
		return fault{}, false, fmt.Errorf("-fault %q: want TARGET:KIND[:TIMES[:DURATION]]", spec)
	}
	f := fault{kind: parts[1], times: 1}
	target, tenant, aimed := strings.Cut(parts[0], "@")
	f.target, f.scope, _ = strings.Cut(target, "/")
	if f.target != "sophos" && f.target != "ingest" {
		return f, false, fmt.Errorf("-fault %q: target must be sophos or ingest", spec)
	}
	if aimed {
		switch {
		case f.target != "sophos":
			return f, false, fmt.Errorf("-fault %q: only sophos faults can be aimed at a tenant", spec)
		case tenant == "":
			return f, false, fmt.Errorf("-fault %q: want a tenant id after @", spec)
		case f.scope != "" && f.scope != "events" && f.scope != "alerts":
			return f, false, fmt.Errorf("-fault %q: a tenant's fault is for sophos, sophos/events "+
				"or sophos/alerts", spec)
		}
		f.tenant = tenant
	}
	if len(parts) > 2 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 {
			return f, false, fmt.Errorf("-fault %q: TIMES must be a positive number", spec)
		}
		f.times = n
	}
	if len(parts) > 3 {
		d, err := time.ParseDuration(parts[3])
		if err != nil {
			return f, false, fmt.Errorf("-fault %q: DURATION: %w", spec, err)
		}
		f.duration = d
	}
	if status, err := strconv.Atoi(f.kind); err == nil {
		if status != 429 && (status < 500 || status > 599) {
			return f, false, fmt.Errorf("-fault %q: status must be 429 or 5xx", spec)
		}
		f.status = status
	}
	return f, f.target == "sophos", nil
}

func (f faultFlags) apply(sophos *sophoscentral.Server, ingest *logsingestion.Server) error {
	for _, spec := range f {
		ft, isSophos, err := parseFault(spec)
		if err != nil {
			return err
		}
		if isSophos {
			sf, err := ft.sophosFault()
			if err != nil {
				return fmt.Errorf("-fault %q: %w", spec, err)
			}
			sophos.AddFault(sf)
			continue
		}
		lf, err := ft.ingestFault()
		if err != nil {
			return fmt.Errorf("-fault %q: %w", spec, err)
		}
		ingest.AddFault(lf)
	}
	return nil
}

func (f fault) sophosFault() (sophoscentral.Fault, error) {
	out := sophoscentral.Fault{Endpoint: f.scope, Times: f.times, TenantID: f.tenant}
	switch {
	case f.status == 429:
		out.Kind, out.RetryAfter = sophoscentral.FaultRateLimit, f.duration
	case f.status != 0:
		out.Kind, out.Status = sophoscentral.FaultStatus, f.status
	case f.kind == "slow":
		out.Kind, out.Delay = sophoscentral.FaultSlow, f.duration
	case f.kind == "truncated":
		out.Kind = sophoscentral.FaultTruncated
	case f.kind == "malformed":
		out.Kind = sophoscentral.FaultMalformed
	default:
		return out, fmt.Errorf("unknown Sophos fault %q", f.kind)
	}
	return out, nil
}

func (f fault) ingestFault() (logsingestion.Fault, error) {
	out := logsingestion.Fault{Stream: f.scope, Times: f.times}
	switch {
	case f.status == 429:
		out.Kind, out.RetryAfter = logsingestion.FaultThrottle, f.duration
	case f.status != 0:
		out.Kind, out.Status = logsingestion.FaultStatus, f.status
	case f.kind == "slow":
		out.Kind, out.Delay = logsingestion.FaultSlow, f.duration
	case f.kind == "drop":
		out.Kind = logsingestion.FaultDropConnection
	default:
		return out, fmt.Errorf("unknown ingestion fault %q", f.kind)
	}
	return out, nil
}
