package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

func printBanner(out io.Writer, o options, caPath string, sophos *sophoscentral.Server) {
	tenants := sophos.Tenants()
	_, _ = fmt.Fprintf(out, "Sophos Central emulator   https://%s  (%s credential, %d tenant(s))\n",
		o.sophosAddr, o.identity, len(tenants))
	if o.identity != "tenant" {
		_, _ = fmt.Fprintf(out, "Data regions              %s  (apiHost https://%s/region/<region>)\n",
			strings.Join(tenantRegions(tenants), ", "), o.sophosAddr)
	}
	_, _ = fmt.Fprintf(out, "Logs Ingestion emulator   https://%s  (Entra ID tenant and DCE)\n", o.ingestAddr)
	_, _ = fmt.Fprintf(out, "CA certificate            %s\n", caPath)
	_, _ = fmt.Fprintf(out, "Accepted rows             %s/<stream>.jsonl\n", o.dir)
	if o.uneven {
		events, alerts := 0, 0
		for _, t := range tenants {
			events += sophos.Backlog(t.ID, sophoscentral.EndpointEvents)
			alerts += sophos.Backlog(t.ID, sophoscentral.EndpointAlerts)
		}
		_, _ = fmt.Fprintf(out, "Backlog per tenant        uneven around %d events, %d alerts (x10, x1/10 or none "+
			"for some tenants; %d events, %d alerts in all); then %.1f events/s, %.1f alerts/s\n",
			o.eventsBacklog, o.alertsBacklog, events, alerts, o.eventsRate, o.alertsRate)
	} else {
		_, _ = fmt.Fprintf(out, "Backlog per tenant        %d events, %d alerts; then %.1f events/s, %.1f alerts/s\n",
			o.eventsBacklog, o.alertsBacklog, o.eventsRate, o.alertsRate)
	}
	if len(o.faults) > 0 {
		_, _ = fmt.Fprintf(out, "Faults                    %s\n", o.faults.String())
	}
}

func printProgress(out io.Writer, s logsingestion.Stats) {
	var parts []string
	for _, stream := range sortedKeys(s.Rows) {
		parts = append(parts, fmt.Sprintf("%s %d rows in %d requests",
			stream, s.Rows[stream], s.Requests[stream]))
	}
	if len(parts) == 0 {
		parts = append(parts, "no rows yet")
	}
	_, _ = fmt.Fprintf(out, "%s  %s  %s\n", time.Now().Format("15:04:05"), strings.Join(parts, ", "),
		formatStatuses(s.Statuses))
}

func printSummary(out io.Writer, s logsingestion.Stats, src sophoscentral.Stats) {
	_, _ = fmt.Fprintln(out, "\nWhat arrived in Logs Ingestion:")
	_, _ = fmt.Fprintf(out, "  %-28s %10s %9s %12s %12s\n", "stream", "rows", "requests", "wire bytes", "json bytes")
	for _, stream := range sortedKeys(s.Requests) {
		_, _ = fmt.Fprintf(out, "  %-28s %10d %9d %12d %12d\n", stream, s.Rows[stream], s.Requests[stream],
			s.WireBytes[stream], s.RawBytes[stream])
	}
	_, _ = fmt.Fprintf(out, "  responses: %s; largest request %d bytes on the wire\n",
		formatStatuses(s.Statuses), s.MaxWireBytes)
	for _, stream := range sortedKeys(s.Dropped) {
		for _, col := range sortedKeys(s.Dropped[stream]) {
			_, _ = fmt.Fprintf(out, "  dropped column %s.%s: %d rows\n", stream, col, s.Dropped[stream][col])
		}
	}
	_, _ = fmt.Fprintln(out, "What Sophos Central served:")
	for _, key := range sortedKeys(src.ItemsServed) {
		_, _ = fmt.Fprintf(out, "  %-50s %10d items\n", key, src.ItemsServed[key])
	}
	_, _ = fmt.Fprintf(out, "  responses: %s; tokens issued %d; SIEM requests for %d tenant(s)\n",
		formatStatuses(src.Statuses), src.TokensIssued, len(src.RequestsByTenant))
}

// tenantRegions lists the data regions of tenants, each once, in order of first appearance.
func tenantRegions(tenants []sophoscentral.Tenant) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tenants {
		if !seen[t.DataRegion] {
			seen[t.DataRegion] = true
			out = append(out, t.DataRegion)
		}
	}
	return out
}

func formatStatuses(m map[int]int) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, m[c])
	}
	if len(parts) == 0 {
		return "(no responses)"
	}
	return "HTTP " + strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
