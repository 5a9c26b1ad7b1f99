// Command emulator serves the Sophos Central and the Entra ID + Logs Ingestion emulators on
// loopback, for the demo (`make run`), the end-to-end tests and the benchmarks.
//
// Both listen with TLS under a throwaway certificate authority whose certificate is written to
// <dir>/ca.pem; rows the Logs Ingestion emulator accepts are appended to <dir>/<stream>.jsonl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/logsingestion"
	"github.com/otelcol-sophos/otelcol-sophos/internal/emulator/sophoscentral"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.SetFlags(0)
		log.Fatalf("emulator: %v", err)
	}
}

type options struct {
	dir             string
	sophosAddr      string
	ingestAddr      string
	identity        string
	tenants         int
	uneven          bool
	eventsBacklog   int
	alertsBacklog   int
	eventsRate      float64
	alertsRate      float64
	summaryInterval time.Duration
	faults          faultFlags
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.StringVar(&o.dir, "dir", ".run/emulator", "folder for ca.pem and the accepted rows (<stream>.jsonl)")
	fs.StringVar(&o.sophosAddr, "sophos-addr", "127.0.0.1:18443", "address of the Sophos Central emulator")
	fs.StringVar(&o.ingestAddr, "ingest-addr", "127.0.0.1:18444", "address of the Entra ID and Logs Ingestion emulator")
	fs.StringVar(&o.identity, "identity", "tenant", "Sophos credential kind: tenant, partner or organization")
	fs.IntVar(&o.tenants, "tenants", 1, "number of Sophos tenants (partner and organization identities), "+
		"spread in turn over the data regions "+strings.Join(regions, ", "))
	fs.BoolVar(&o.uneven, "uneven", false, "give tenants uneven backlogs (partner and organization identities): "+
		"tenant n, counting from 1, has ten times -events-backlog and -alerts-backlog when n%20 is 2, "+
		"none when n%10 is 4, a tenth when n is odd, and the backlogs as given otherwise")
	fs.IntVar(&o.eventsBacklog, "events-backlog", 2000, "events per tenant already waiting at start")
	fs.IntVar(&o.alertsBacklog, "alerts-backlog", 200, "alerts per tenant already waiting at start")
	fs.Float64Var(&o.eventsRate, "events-rate", 5, "new events per second per tenant")
	fs.Float64Var(&o.alertsRate, "alerts-rate", 0.5, "new alerts per second per tenant")
	fs.DurationVar(&o.summaryInterval, "summary-interval", 5*time.Second, "how often to print what arrived (0: only at exit)")
	fs.Var(&o.faults, "fault", "a fault to inject, repeatable: see faults.go "+
		"(e.g. ingest:503:20, sophos:429:5:2s, sophos/events@<tenant-id>:500:20)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.identity != "tenant" && o.tenants < 1 {
		return o, errors.New("-tenants must be at least 1")
	}
	if o.uneven && o.identity == "tenant" {
		return o, errors.New("-uneven needs -identity partner or organization")
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	opts, err := parseFlags(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", opts.dir, err)
	}
	caPath := filepath.Join(opts.dir, "ca.pem")
	tlsConfig, err := newLoopbackTLS(caPath)
	if err != nil {
		return err
	}

	clock := newShiftedClock()
	sophos := sophoscentral.New(sophoscentral.Config{
		Identity:        opts.identity,
		Tenants:         makeTenants(opts),
		EventsBacklog:   opts.eventsBacklog,
		AlertsBacklog:   opts.alertsBacklog,
		EventsPerSecond: opts.eventsRate,
		AlertsPerSecond: opts.alertsRate,
		Clock:           clock.Now,
	})
	ingest, err := logsingestion.New(logsingestion.Config{OutputDir: opts.dir})
	if err != nil {
		return fmt.Errorf("logs ingestion emulator: %w", err)
	}
	defer func() { _ = ingest.Close() }()
	if err := opts.faults.apply(sophos, ingest); err != nil {
		return err
	}

	servers := []*http.Server{
		{Addr: opts.sophosAddr, Handler: withAdmin(sophos, clock), TLSConfig: tlsConfig},
		{Addr: opts.ingestAddr, Handler: ingest, TLSConfig: tlsConfig},
	}
	errc := make(chan error, len(servers))
	for _, srv := range servers {
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", srv.Addr, err)
		}
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	}
	printBanner(out, opts, caPath, sophos)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = waitAndReport(ctx, out, opts.summaryInterval, ingest, errc)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdownCtx)
	}
	printSummary(out, ingest.Stats(), sophos.Stats())
	return err
}

func waitAndReport(ctx context.Context, out io.Writer, every time.Duration, ingest *logsingestion.Server, errc <-chan error) error {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-tick:
			printProgress(out, ingest.Stats())
		}
	}
}

// regions are the data regions the tenants are spread over, in turn.
var regions = []string{"eu01", "us01", "us03", "de01", "ca01", "au01"}

func makeTenants(o options) []sophoscentral.Tenant {
	n := o.tenants
	if o.identity == "tenant" {
		n = 1
	}
	tenants := make([]sophoscentral.Tenant, n)
	for i := range tenants {
		tenants[i] = sophoscentral.Tenant{
			ID:         fmt.Sprintf("5e1a6c0e-0000-4000-8000-%012d", i+1),
			Name:       fmt.Sprintf("Customer %03d", i+1),
			DataRegion: regions[i%len(regions)],
		}
		if o.uneven {
			tenants[i].EventsBacklog = ownBacklog(unevenBacklog(i+1, o.eventsBacklog))
			tenants[i].AlertsBacklog = ownBacklog(unevenBacklog(i+1, o.alertsBacklog))
		}
	}
	return tenants
}

// unevenBacklog is tenant n's backlog under -uneven, n counting from 1: ten times backlog for
// tenants 2, 22, 42, ...; none for 4, 14, 24, ...; a tenth for odd n; backlog otherwise.
func unevenBacklog(n, backlog int) int {
	switch {
	case n%20 == 2:
		return 10 * backlog
	case n%10 == 4:
		return 0
	case n%2 == 1:
		return backlog / 10
	}
	return backlog
}

// ownBacklog spells a tenant's own backlog for sophoscentral.Tenant, where 0 means the
// Config's.
func ownBacklog(n int) int {
	if n <= 0 {
		return sophoscentral.NoBacklog
	}
	return n
}
