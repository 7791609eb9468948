// Package httpserver owns the HTTP server every yuqing target runs: /metrics
// from an injected Gatherer, /healthz, /readyz with named readiness checks,
// pprof, and the middleware every request passes (request ID, access log,
// panic recovery, a per-request timeout). A target that serves more (the
// console's API and pages) hands its handler over as Options.App, wrapped
// by the middleware the caller lists in Options.Middleware; the server
// itself knows nothing of the application.
//
// It guarantees that a panic in a handler never takes the process down
// (it is answered 500, logged with its stack and counted), and that every
// request has an ID: the caller's X-Request-Id when it sent a sane one,
// else a generated one, echoed in the response and in every log line
// about the request.
//
// pprof (goroutine stacks, heap, CPU profiles) is served only on a separate
// debug listener, when Options.DebugListen is set: never on the main
// listener, which is the console's (DESIGN.md's security section). The
// main listener serves HTTPS when Options.TLSCertFile and TLSKeyFile are
// set.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Defaults of Options: used where a field is zero.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	// DefaultWriteTimeout is longer than DefaultRequestTimeout, so that a
	// handler that ran out of time can still send its answer, and longer
	// than pprof's default 30 s CPU profile on the main listener.
	DefaultWriteTimeout    = 60 * time.Second
	DefaultIdleTimeout     = 120 * time.Second
	DefaultMaxHeaderBytes  = 64 << 10
	DefaultRequestTimeout  = 30 * time.Second
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultAccessLogLimit is how many access log lines a second are
	// written at most; the rest are counted and summed up in one line.
	DefaultAccessLogLimit = 20
	// readyTimeout bounds all the readiness checks of one /readyz.
	readyTimeout = 5 * time.Second
)

// Middleware wraps a handler in another, e.g. one that authenticates the
// request and answers 401 without calling the next handler.
type Middleware func(next http.Handler) http.Handler

// Check is a readiness check: nil when the part it checks can serve, else
// why not. It must return by the time ctx ends.
type Check func(ctx context.Context) error

// Options configure a Server. Gatherer and Registerer are required; a zero
// duration or size takes its default.
type Options struct {
	// Listen is the main listener's address (host:port). Only Listen and
	// Serve read it: a test may use Handler without it.
	Listen string
	// DebugListen, when set, is the address of a second listener that
	// serves only /debug/pprof/ (without a write timeout, so long
	// profiles work). When empty, pprof is not served.
	DebugListen string
	// TLSCertFile and TLSKeyFile, when set, make the main listener serve
	// HTTPS with this certificate and key (PEM files).
	TLSCertFile, TLSKeyFile string

	// Gatherer is what /metrics exposes.
	Gatherer prometheus.Gatherer
	// Registerer receives the server's own metrics.
	Registerer prometheus.Registerer
	// Logger receives the access log and panics; nil is slog.Default().
	Logger *slog.Logger

	// App serves every path the server does not own (/metrics, /healthz,
	// /readyz, /debug/pprof/); nil answers them 404. When App has the
	// method Handler(*http.Request) (http.Handler, string), as
	// *http.ServeMux does, the pattern it returns labels the request
	// metrics even when a middleware answers before App runs; else the
	// request's Pattern after App ran does.
	App http.Handler
	// Middleware wrap App in order: the first is the outermost and sees
	// the request first, after the server's own request ID, access log,
	// panic recovery and timeout. This is where authentication, CSRF and
	// role checks go.
	Middleware []Middleware

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// RequestTimeout ends the context of a request to App after this
	// long; a handler that reads the store with it then fails with
	// context.DeadlineExceeded. Probes, /metrics and pprof are not bound
	// by it.
	RequestTimeout time.Duration
	// ShutdownTimeout is how long in-flight requests get to finish once
	// Serve's context ends; the rest are cut.
	ShutdownTimeout time.Duration
	// AccessLogLimit is the most access log lines written a second.
	AccessLogLimit int
}

// Server is one process's HTTP server. Build it with New, add readiness
// checks with AddReadyCheck, bind with Listen and serve with Serve.
type Server struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics
	handler http.Handler
	debug   http.Handler

	app    atomic.Pointer[http.Handler] // see Mount
	mu     sync.Mutex
	checks map[string]Check
	ln     net.Listener
	dln    net.Listener
}

// New returns a server with opts; it registers the server's metrics with
// opts.Registerer and does not listen yet.
func New(opts Options) (*Server, error) {
	if opts.Gatherer == nil || opts.Registerer == nil {
		return nil, errors.New("cannot build the HTTP server: a Gatherer and a Registerer are required")
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&opts.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&opts.ReadTimeout, DefaultReadTimeout)
	def(&opts.WriteTimeout, DefaultWriteTimeout)
	def(&opts.IdleTimeout, DefaultIdleTimeout)
	def(&opts.RequestTimeout, DefaultRequestTimeout)
	def(&opts.ShutdownTimeout, DefaultShutdownTimeout)
	if opts.MaxHeaderBytes == 0 {
		opts.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if opts.AccessLogLimit == 0 {
		opts.AccessLogLimit = DefaultAccessLogLimit
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, metrics: m, checks: map[string]Check{}}
	al := newAccessLog(s.log, m, opts.AccessLogLimit, time.Now)

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.Handle("GET /healthz", routed("/healthz", http.HandlerFunc(healthz)))
	mux.Handle("GET /readyz", routed("/readyz", http.HandlerFunc(s.readyz)))
	if opts.DebugListen != "" {
		dmux := http.NewServeMux()
		registerPprof(dmux)
		s.debug = chain(dmux, al, s.log, m)
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if app := s.app.Load(); app != nil {
			(*app).ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	s.handler = chain(mux, al, s.log, m)
	if opts.App != nil {
		s.Mount(opts.App)
	}
	return s, nil
}

// Mount makes h the app: it serves every path the server does not own,
// behind Options.Middleware and the request timeout. Until an app is
// mounted those paths answer 404, so a process can listen (and answer its
// probes) while the module that owns the app is still starting. Mounting
// again replaces the app.
func (s *Server) Mount(h http.Handler) {
	app := routeOfApp(h)
	for i := len(s.opts.Middleware) - 1; i >= 0; i-- {
		app = s.opts.Middleware[i](app)
	}
	app = withTimeout(s.opts.RequestTimeout, s.metrics, resolveRoute(h, app))
	s.app.Store(&app)
}

// chain puts the middleware every request passes around h: the request
// ID first, then the access log and request metrics, then panic recovery,
// so that a recovered panic is logged and counted as the 500 it answers.
func chain(h http.Handler, al *accessLog, log *slog.Logger, m *metrics) http.Handler {
	return withRequestID(al.wrap(recoverPanics(log, m, h)))
}

// registerPprof serves the profiles as Prometheus and Loki expose them:
// the index (with the heap, goroutine, mutex … profiles), the CPU profile
// and the execution trace.
func registerPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// Handler returns the main listener's handler: the probes, /metrics and
// App.
func (s *Server) Handler() http.Handler { return s.handler }

// DebugHandler returns the debug listener's handler (pprof), or nil when
// Options.DebugListen is empty and pprof is not served.
func (s *Server) DebugHandler() http.Handler { return s.debug }

// AddReadyCheck adds a check that /readyz runs under name; the process is
// ready when every check returns nil. A check added under a name already
// used replaces it. It is safe to call while the server serves, so a
// module can add its check when it starts.
func (s *Server) AddReadyCheck(name string, check Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = check
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz runs the checks one after the other, in the order of their
// names, within readyTimeout, and answers 503 with a line per failed
// check ("name: why") or 200 "ready".
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	names := make([]string, 0, len(s.checks))
	checks := make(map[string]Check, len(s.checks))
	for name, check := range s.checks {
		names = append(names, name)
		checks[name] = check
	}
	s.mu.Unlock()
	slices.Sort(names)
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	var failed []string
	for _, name := range names {
		if err := checks[name](ctx); err != nil {
			failed = append(failed, name+": "+err.Error())
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(failed, "\n"))
		return
	}
	fmt.Fprintln(w, "ready")
}

// Listen binds the main listener and, when configured, the debug
// listener. Call it while starting, so that an address in use fails the
// start with the address named; Serve calls it when it was not called.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen for HTTP on %s: %w", s.opts.Listen, err)
	}
	if s.opts.DebugListen != "" {
		dln, err := net.Listen("tcp", s.opts.DebugListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("cannot listen for HTTP debug endpoints on %s: %w", s.opts.DebugListen, err)
		}
		s.dln = dln
		s.log.Info("HTTP debug endpoints (pprof) listening", "addr", dln.Addr().String())
	}
	s.ln = ln
	return nil
}

// Addr returns the main listener's address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// DebugAddr returns the debug listener's address, or nil when there is
// none or before Listen.
func (s *Server) DebugAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dln == nil {
		return nil
	}
	return s.dln.Addr()
}

// Serve serves until ctx ends, then shuts down: the listeners close at
// once, in-flight requests get ShutdownTimeout to finish and the rest are
// cut. It returns nil after such a shutdown, or the error that stopped a
// listener (having shut the other down). It blocks; run it in the run
// group's actor.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	ln, dln := s.ln, s.dln
	s.mu.Unlock()
	servers := []*http.Server{s.httpServer(s.handler, s.opts.WriteTimeout)}
	listeners := []net.Listener{ln}
	if dln != nil {
		// A CPU profile or trace streams for as long as it was asked
		// to; the debug listener has no write timeout.
		servers = append(servers, s.httpServer(s.debug, 0))
		listeners = append(listeners, dln)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() {
			var err error
			if i == 0 && s.opts.TLSCertFile != "" {
				err = srv.ServeTLS(listeners[i], s.opts.TLSCertFile, s.opts.TLSKeyFile)
			} else {
				err = srv.Serve(listeners[i])
			}
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			} else {
				err = fmt.Errorf("HTTP server on %s stopped: %w", listeners[i].Addr(), err)
			}
			errc <- err
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		if serr := srv.Shutdown(sctx); serr != nil {
			// In-flight requests had ShutdownTimeout; the rest are cut.
			_ = srv.Close()
		}
	}
	return err
}

func (s *Server) httpServer(h http.Handler, writeTimeout time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    s.opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}
