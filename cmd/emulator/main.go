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
	fs.IntVar(&o.tenants, "tenants", 1, "number of Sophos tenants (partner and organization identities)")
	fs.IntVar(&o.eventsBacklog, "events-backlog", 2000, "events per tenant already waiting at start")
	fs.IntVar(&o.alertsBacklog, "alerts-backlog", 200, "alerts per tenant already waiting at start")
	fs.Float64Var(&o.eventsRate, "events-rate", 5, "new events per second per tenant")
	fs.Float64Var(&o.alertsRate, "alerts-rate", 0.5, "new alerts per second per tenant")
	fs.DurationVar(&o.summaryInterval, "summary-interval", 5*time.Second, "how often to print what arrived (0: only at exit)")
	fs.Var(&o.faults, "fault", "a fault to inject, repeatable: see faults.go (e.g. ingest:503:20, sophos:429:5:2s)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.identity != "tenant" && o.tenants < 1 {
		return o, errors.New("-tenants must be at least 1")
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
		Tenants:         makeTenants(opts.identity, opts.tenants),
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
	defer ingest.Close()
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

func makeTenants(identity string, n int) []sophoscentral.Tenant {
	if identity == "tenant" {
		n = 1
	}
	regions := []string{"eu01", "us01", "us03", "de01"}
	tenants := make([]sophoscentral.Tenant, n)
	for i := range tenants {
		tenants[i] = sophoscentral.Tenant{
			ID:         fmt.Sprintf("5e1a6c0e-0000-4000-8000-%012d", i+1),
			Name:       fmt.Sprintf("Customer %03d", i+1),
			DataRegion: regions[i%len(regions)],
		}
	}
	return tenants
}
