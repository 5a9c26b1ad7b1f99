package logsingestion

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

// Defaults applied by New to the zero fields of a Config.
const (
	DefaultTenantID       = "00000000-0000-0000-0000-0000000000aa"
	DefaultClientID       = "emulator-app"
	DefaultClientSecret   = "emulator-secret"
	DefaultTokenTTL       = time.Hour
	DefaultDCRImmutableID = "dcr-00000000000000000000000000000000"
	DefaultMaxBodyBytes   = 1_048_576
)

// Config describes the one tenant, application and data collection rule the emulator serves.
type Config struct {
	// TenantID, ClientID and ClientSecret are the Entra ID tenant and the application
	// (service principal) allowed to get tokens.
	TenantID, ClientID, ClientSecret string
	// TokenTTL is how long an issued token stays valid, by Clock.
	TokenTTL time.Duration
	// DCRImmutableID is the immutable id of the one data collection rule.
	DCRImmutableID string
	// Streams are the rule's stream declarations; dcr.Sophos() when nil.
	Streams map[string]dcr.Stream
	// OutputDir, when set, receives accepted rows as JSON Lines in OutputDir/<stream>.jsonl.
	OutputDir string
	// MaxBodyBytes is the largest request body accepted, as sent on the wire (the
	// compressed size when the body is gzipped).
	MaxBodyBytes int
	// Clock gives the time used for token issue and expiry; time.Now when nil.
	Clock func() time.Time
}

// Server is an http.Handler that serves Entra ID token issuance and the Logs Ingestion API
// for one tenant and one data collection rule. It is safe for concurrent use.
type Server struct {
	cfg Config

	tokensMu sync.Mutex
	tokens   map[string]token

	faultsMu sync.Mutex
	faults   []*Fault

	statsMu sync.Mutex
	stats   Stats
	log     []RequestRecord

	schemas map[string]schema

	storeMu sync.Mutex
	stores  map[string]*streamStore
}

// Stats counts what the emulator has seen since it started.
type Stats struct {
	Requests     map[string]int            // ingestion requests by stream
	Rows         map[string]int            // accepted rows by stream
	WireBytes    map[string]int64          // request bytes as sent, by stream
	RawBytes     map[string]int64          // decompressed JSON bytes, by stream
	MaxWireBytes int                       // the largest accepted request body on the wire
	Statuses     map[int]int               // ingestion responses by status; 0 = dropped connection
	Dropped      map[string]map[string]int // stream -> undeclared column -> count
	TokensIssued int
}

// RequestRecord describes one ingestion request, in arrival order.
type RequestRecord struct {
	Stream          string
	ClientRequestID string // the client's x-ms-client-request-id, "" when absent
	RequestID       string // the x-ms-request-id the emulator answered with
	Status          int    // 0 when the connection was dropped
	ErrorCode       string // the x-ms-error-code answered, "" on success
	Rows            int    // rows accepted
	WireBytes       int64
	Gzip            bool
}

// New returns a Server for cfg, with defaults for its zero fields. When cfg.OutputDir is set it
// is created if needed.
func New(cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	if len(cfg.Streams) == 0 {
		return nil, errors.New("logsingestion: no streams declared")
	}
	if cfg.MaxBodyBytes < 0 || cfg.TokenTTL < 0 {
		return nil, errors.New("logsingestion: MaxBodyBytes and TokenTTL must not be negative")
	}
	if cfg.OutputDir != "" {
		if err := os.MkdirAll(cfg.OutputDir, 0o755); err != nil {
			return nil, fmt.Errorf("logsingestion: output dir: %w", err)
		}
	}

	s := &Server{
		cfg:     cfg,
		tokens:  map[string]token{},
		stats:   newStats(),
		schemas: make(map[string]schema, len(cfg.Streams)),
		stores:  map[string]*streamStore{},
	}
	for name, st := range cfg.Streams {
		s.schemas[name] = newSchema(st)
		// Open every stream's file now, so that a person can tail it before rows arrive.
		if _, err := s.store(name); err != nil {
			return nil, errors.Join(fmt.Errorf("logsingestion: %w", err), s.Close())
		}
	}
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.TenantID == "" {
		cfg.TenantID = DefaultTenantID
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.DCRImmutableID == "" {
		cfg.DCRImmutableID = DefaultDCRImmutableID
	}
	if cfg.Streams == nil {
		cfg.Streams = dcr.Sophos()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return cfg
}

func newStats() Stats {
	return Stats{
		Requests:  map[string]int{},
		Rows:      map[string]int{},
		WireBytes: map[string]int64{},
		RawBytes:  map[string]int64{},
		Statuses:  map[int]int{},
		Dropped:   map[string]map[string]int{},
	}
}

// Config returns the configuration in use, defaults applied.
func (s *Server) Config() Config {
	return s.cfg
}

// ServeHTTP routes a request to the Entra ID, ingestion or stats handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")

	switch {
	case len(parts) == 4 && parts[0] == "dataCollectionRules" && parts[2] == "streams":
		s.serveIngest(w, r, parts[1], parts[3])
	case len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" &&
		parts[3] == "openid-configuration":
		s.serveOpenIDConfig(w, r, parts[0])
	case len(parts) == 4 && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "token":
		s.serveToken(w, r, parts[0])
	case len(parts) == 3 && parts[1] == "discovery" && parts[2] == "instance":
		s.serveInstanceDiscovery(w, r)
	case len(parts) == 1 && parts[0] == "stats":
		s.serveStats(w, r)
	default:
		writeAzureError(w, http.StatusNotFound, "NotFound",
			fmt.Sprintf("The requested path %q does not exist.", r.URL.Path))
	}
}

func (s *Server) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeAzureError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use GET.")
		return
	}
	writeJSON(w, http.StatusOK, s.Stats())
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()

	out := s.stats
	out.Requests = maps.Clone(s.stats.Requests)
	out.Rows = maps.Clone(s.stats.Rows)
	out.WireBytes = maps.Clone(s.stats.WireBytes)
	out.RawBytes = maps.Clone(s.stats.RawBytes)
	out.Statuses = maps.Clone(s.stats.Statuses)
	out.Dropped = make(map[string]map[string]int, len(s.stats.Dropped))
	for stream, cols := range s.stats.Dropped {
		out.Dropped[stream] = maps.Clone(cols)
	}
	return out
}

// RequestLog returns one record per ingestion request, in arrival order.
func (s *Server) RequestLog() []RequestRecord {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return append([]RequestRecord(nil), s.log...)
}

// Close flushes and closes the JSON Lines files. Rows stay readable with Rows.
func (s *Server) Close() error {
	s.storeMu.Lock()
	defer s.storeMu.Unlock()

	var errs []error
	for _, st := range s.stores {
		errs = append(errs, st.close())
	}
	return errors.Join(errs...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeAzureError answers in the shape Azure data-plane services use:
// an x-ms-error-code header and {"error":{"code":..., "message":...}}.
func writeAzureError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("x-ms-error-code", code)
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
