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
	fmt.Fprintf(out, "Sophos Central emulator   https://%s  (%s credential, %d tenant(s))\n",
		o.sophosAddr, o.identity, len(sophos.Tenants()))
	fmt.Fprintf(out, "Logs Ingestion emulator   https://%s  (Entra ID tenant and DCE)\n", o.ingestAddr)
	fmt.Fprintf(out, "CA certificate            %s\n", caPath)
	fmt.Fprintf(out, "Accepted rows             %s/<stream>.jsonl\n", o.dir)
	fmt.Fprintf(out, "Backlog per tenant        %d events, %d alerts; then %.1f events/s, %.1f alerts/s\n",
		o.eventsBacklog, o.alertsBacklog, o.eventsRate, o.alertsRate)
	if len(o.faults) > 0 {
		fmt.Fprintf(out, "Faults                    %s\n", o.faults.String())
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
	fmt.Fprintf(out, "%s  %s  %s\n", time.Now().Format("15:04:05"), strings.Join(parts, ", "),
		formatStatuses(s.Statuses))
}

func printSummary(out io.Writer, s logsingestion.Stats, src sophoscentral.Stats) {
	fmt.Fprintln(out, "\nWhat arrived in Logs Ingestion:")
	fmt.Fprintf(out, "  %-28s %10s %9s %12s %12s\n", "stream", "rows", "requests", "wire bytes", "json bytes")
	for _, stream := range sortedKeys(s.Requests) {
		fmt.Fprintf(out, "  %-28s %10d %9d %12d %12d\n", stream, s.Rows[stream], s.Requests[stream],
			s.WireBytes[stream], s.RawBytes[stream])
	}
	fmt.Fprintf(out, "  responses: %s; largest request %d bytes on the wire\n",
		formatStatuses(s.Statuses), s.MaxWireBytes)
	for _, stream := range sortedKeys(s.Dropped) {
		for _, col := range sortedKeys(s.Dropped[stream]) {
			fmt.Fprintf(out, "  dropped column %s.%s: %d rows\n", stream, col, s.Dropped[stream][col])
		}
	}
	fmt.Fprintln(out, "What Sophos Central served:")
	for _, key := range sortedKeys(src.ItemsServed) {
		fmt.Fprintf(out, "  %-50s %10d items\n", key, src.ItemsServed[key])
	}
	fmt.Fprintf(out, "  responses: %s; tokens issued %d\n", formatStatuses(src.Statuses), src.TokensIssued)
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
