package httpserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// syncBuffer is a log destination the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type fixture struct {
	srv *Server
	reg *prometheus.Registry
	log *syncBuffer
	url string
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{reg: prometheus.NewRegistry(), log: &syncBuffer{}}
	opts.Gatherer, opts.Registerer = f.reg, f.reg
	opts.Logger = slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

func (f *fixture) get(t *testing.T, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// app is a small application: a mux with a few routes.
func app() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "thing "+r.PathValue("id")+" "+RequestID(r.Context()))
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("the impossible happened") })
	mux.HandleFunc("GET /panic-late", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "half an answer")
		w.(http.Flusher).Flush()
		panic("after the answer began")
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		http.Error(w, r.Context().Err().Error(), http.StatusServiceUnavailable)
	})
	return mux
}

func TestProbes(t *testing.T) {
	f := newFixture(t, Options{})
	if resp, body := f.get(t, "/healthz"); resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", resp.StatusCode, body)
	}
	if resp, body := f.get(t, "/readyz"); resp.StatusCode != 200 || body != "ready\n" {
		t.Errorf("/readyz without checks = %d %q", resp.StatusCode, body)
	}
	f.srv.AddReadyCheck("store", func(context.Context) error { return errors.New("database is locked") })
	f.srv.AddReadyCheck("kafka", func(context.Context) error { return nil })
	f.srv.AddReadyCheck("bus", func(context.Context) error { return errors.New("no broker") })
	resp, body := f.get(t, "/readyz")
	if resp.StatusCode != 503 || body != "bus: no broker\nstore: database is locked\n" {
		t.Errorf("/readyz with failing checks = %d %q, want 503 naming bus and store", resp.StatusCode, body)
	}
	f.srv.AddReadyCheck("store", func(context.Context) error { return nil })
	f.srv.AddReadyCheck("bus", func(context.Context) error { return nil })
	if resp, body := f.get(t, "/readyz"); resp.StatusCode != 200 || body != "ready\n" {
		t.Errorf("/readyz after recovery = %d %q", resp.StatusCode, body)
	}
	if resp, _ := f.get(t, "/api/things/1"); resp.StatusCode != 404 {
		t.Errorf("a path without an App = %d, want 404", resp.StatusCode)
	}
	if resp, body := f.get(t, "/metrics"); resp.StatusCode != 200 || !strings.Contains(body, "yuqing_console_requests_total") {
		t.Errorf("/metrics = %d %.300s", resp.StatusCode, body)
	}
}

func TestRequestID(t *testing.T) {
	f := newFixture(t, Options{App: app()})
	resp, body := f.get(t, "/api/things/7")
	id := resp.Header.Get(RequestIDHeader)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) || body != "thing 7 "+id {
		t.Errorf("generated request ID %q, body %q", id, body)
	}
	if resp2, _ := f.get(t, "/api/things/7"); resp2.Header.Get(RequestIDHeader) == id {
		t.Errorf("two requests got the same ID %q", id)
	}
	resp, body = f.get(t, "/api/things/8", RequestIDHeader, "lb-42:abc")
	if got := resp.Header.Get(RequestIDHeader); got != "lb-42:abc" || body != "thing 8 lb-42:abc" {
		t.Errorf("a sane request ID is not kept: %q, body %q", got, body)
	}
	for _, bad := range []string{"two words", "line\tbreak", strings.Repeat("x", 129), "<script>"} {
		resp, _ := f.get(t, "/api/things/9", RequestIDHeader, bad)
		if got := resp.Header.Get(RequestIDHeader); got == bad || len(got) != 16 {
			t.Errorf("request ID %q kept as %q, want a new one", bad, got)
		}
	}
	// Probes have an ID too, and the access log names it.
	resp, _ = f.get(t, "/healthz")
	if id := resp.Header.Get(RequestIDHeader); id == "" || !strings.Contains(f.log.String(), "request_id="+id) {
		t.Errorf("access log lacks the probe's request ID %q:\n%s", id, f.log.String())
	}
}

func TestPanicRecovery(t *testing.T) {
	f := newFixture(t, Options{App: app()})
	resp, body := f.get(t, "/panic")
	id := resp.Header.Get(RequestIDHeader)
	if resp.StatusCode != 500 || body != "internal error (request ID "+id+")\n" {
		t.Errorf("panic = %d %q", resp.StatusCode, body)
	}
	log := f.log.String()
	for _, want := range []string{`msg="HTTP handler panicked"`, `panic="the impossible happened"`, "request_id=" + id, "goroutine ", "httpserver_test.go"} {
		if !strings.Contains(log, want) {
			t.Errorf("panic log lacks %q:\n%s", want, log)
		}
	}
	// A panic after the answer began cuts the connection.
	if r, err := http.Get(f.url + "/panic-late"); err == nil {
		_, err = io.ReadAll(r.Body)
		r.Body.Close()
		if err == nil {
			t.Errorf("a panic after the answer began left a complete answer")
		}
	}
	if got := testutil.ToFloat64(f.srv.metrics.panics); got != 2 {
		t.Errorf("panics counted = %v, want 2", got)
	}
	if resp, _ := f.get(t, "/api/things/1"); resp.StatusCode != 200 {
		t.Errorf("after panics the server answers %d", resp.StatusCode)
	}
	if got := testutil.ToFloat64(f.srv.metrics.requests.WithLabelValues("/panic", "500")); got != 1 {
		t.Errorf("the panic's 500 counted %v times, want 1", got)
	}
}

func TestRequestTimeout(t *testing.T) {
	f := newFixture(t, Options{App: app(), RequestTimeout: 50 * time.Millisecond})
	start := time.Now()
	resp, body := f.get(t, "/slow")
	if resp.StatusCode != 503 || !strings.Contains(body, "context deadline exceeded") || time.Since(start) > 5*time.Second {
		t.Errorf("slow request = %d %q after %v", resp.StatusCode, body, time.Since(start))
	}
	if got := testutil.ToFloat64(f.srv.metrics.timeouts); got != 1 {
		t.Errorf("timeouts counted = %v, want 1", got)
	}
	// The probes are not bound by the request timeout.
	f.srv.AddReadyCheck("slow", func(ctx context.Context) error {
		select {
		case <-time.After(100 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if resp, body := f.get(t, "/readyz"); resp.StatusCode != 200 {
		t.Errorf("/readyz with a check slower than the request timeout = %d %q", resp.StatusCode, body)
	}
}

func TestMiddlewareAndRouteMetrics(t *testing.T) {
	var order []string
	var mu sync.Mutex
	mark := func(name string) Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				if r.Header.Get("Authorization") == "" && name == "auth" {
					http.Error(w, "unauthorized", http.StatusUnauthorized)
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	f := newFixture(t, Options{App: app(), Middleware: []Middleware{mark("session"), mark("auth"), mark("role")}})
	if resp, _ := f.get(t, "/api/things/1", "Authorization", "x"); resp.StatusCode != 200 {
		t.Fatalf("authorised request = %d", resp.StatusCode)
	}
	if got := strings.Join(order, ","); got != "session,auth,role" {
		t.Errorf("middleware ran in order %s, want session,auth,role", got)
	}
	if resp, _ := f.get(t, "/api/things/2"); resp.StatusCode != 401 {
		t.Errorf("refused request = %d, want 401", resp.StatusCode)
	}
	f.get(t, "/healthz")
	f.get(t, "/metrics")
	f.get(t, "/no/such/route")
	f.get(t, "/debug/pprof/")
	want := `
# HELP yuqing_console_requests_total HTTP requests served, by route and status code.
# TYPE yuqing_console_requests_total counter
yuqing_console_requests_total{code="200",route="/api/things/{id}"} 1
yuqing_console_requests_total{code="200",route="/healthz"} 1
yuqing_console_requests_total{code="401",route="/api/things/{id}"} 1
`
	if err := testutil.GatherAndCompare(f.reg, strings.NewReader(want), "yuqing_console_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(f.srv.metrics.latency); n != 2 {
		t.Errorf("latency series = %d, want the 2 routes", n)
	}
}

func TestPprofListener(t *testing.T) {
	// Without a debug listener pprof is nowhere: never on the main one.
	f := newFixture(t, Options{})
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=2", "/debug/pprof/profile?seconds=1"} {
		if resp, body := f.get(t, p); resp.StatusCode == 200 || strings.Contains(body, "goroutine") {
			t.Errorf("pprof on the main listener: GET %s = %d", p, resp.StatusCode)
		}
	}
	if f.srv.DebugHandler() != nil {
		t.Error("a debug handler without a debug listener")
	}

	// With one, it moves there.
	reg := prometheus.NewRegistry()
	srv, err := New(Options{Listen: "127.0.0.1:0", DebugListen: "127.0.0.1:0", Gatherer: reg, Registerer: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), App: app()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	main, debug := "http://"+srv.Addr().String(), "http://"+srv.DebugAddr().String()
	for _, tc := range []struct {
		url  string
		code int
	}{
		{main + "/debug/pprof/", 404},
		{main + "/healthz", 200},
		{main + "/api/things/1", 200},
		{debug + "/debug/pprof/", 200},
		{debug + "/debug/pprof/trace?seconds=0.1", 200},
		{debug + "/healthz", 404},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s = %d, want %d", tc.url, resp.StatusCode, tc.code)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after its context ended = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := http.Get(main + "/healthz"); err == nil {
		t.Error("the main listener still answers after the shutdown")
	}
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	reg := prometheus.NewRegistry()
	srv, err := New(Options{Listen: ln.Addr().String(), Gatherer: reg, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Serve(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "cannot listen for HTTP on "+ln.Addr().String()+": ") {
		t.Errorf("Serve on an address in use = %v", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without a Gatherer and Registerer succeeded")
	}
	if _, err := New(Options{Gatherer: reg, Registerer: reg}); err == nil {
		t.Error("a second server on the same Registerer registered its metrics twice")
	}
}

func TestAccessLogLevelsAndThrottle(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	var buf syncBuffer
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	al := newAccessLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})), m, 2, func() time.Time { return now })
	code := 200
	h := withRequestID(al.wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })))
	serve := func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x?token=secret", nil))
	}
	serve() // 200: debug, not written at info
	if buf.String() != "" {
		t.Errorf("a 200 was logged at info: %s", buf.String())
	}
	code = 403
	serve()
	if !strings.Contains(buf.String(), "level=INFO") || !strings.Contains(buf.String(), "code=403") || strings.Contains(buf.String(), "secret") {
		t.Errorf("a 403 logged as %q, want info without the query", buf.String())
	}
	code = 502
	for range 4 {
		serve()
	}
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Errorf("%d lines in the first second, want the limit 2:\n%s", n, buf.String())
	}
	if got := testutil.ToFloat64(m.suppressed); got != 3 {
		t.Errorf("suppressed lines = %v, want 3", got)
	}
	now = now.Add(time.Second)
	serve()
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "suppressed_before=3") {
		t.Errorf("the first line of the next second does not sum up the lines left out:\n%s", buf.String())
	}
}
