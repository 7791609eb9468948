package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RequestIDHeader carries a request's ID, in the request (from a proxy or
// a client that has one) and in every response.
const RequestIDHeader = "X-Request-Id"

// state is what the middleware learn about one request as it passes: its
// ID and the route that served it.
type state struct {
	id    string
	route string
}

type stateKey struct{}

func stateOf(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// RequestID returns the ID of the request ctx belongs to, or "" outside
// a request the Server serves. Handlers log it with what they log about
// the request.
func RequestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// withRequestID gives each request its ID: the one in X-Request-Id when
// it is sane (what a proxy in front generated), else a new one. The ID is
// set on the response before the handler runs, so that even a panic's
// 500 carries it.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, &state{id: id})))
	})
}

// saneRequestID reports whether a client's request ID may be used as it
// is: 1–128 characters that cannot break a log line or a header.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.:/+=@", c) >= 0) {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// routed names the route of the requests h serves, for the metrics.
func routed(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := stateOf(r.Context()); st != nil {
			st.route = route
		}
		h.ServeHTTP(w, r)
	})
}

// routeOf is the route label of a ServeMux pattern: the pattern without
// its method ("GET /api/v1/posts/{id}" → "/api/v1/posts/{id}"), as the
// console counted its routes before this package existed.
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return pattern[i+1:]
	}
	return pattern
}

// resolver is what *http.ServeMux has: the handler and pattern a request
// would be routed to, without serving it.
type resolver interface {
	Handler(r *http.Request) (http.Handler, string)
}

// resolveRoute labels a request to app with the pattern app would route
// it to, before the middleware in h run, so that a request a middleware
// refuses is counted under its route too.
func resolveRoute(app, h http.Handler) http.Handler {
	res, ok := app.(resolver)
	if !ok {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := stateOf(r.Context()); st != nil {
			if _, pattern := res.Handler(r); pattern != "" {
				st.route = routeOf(pattern)
			}
		}
		h.ServeHTTP(w, r)
	})
}

// routeOfApp serves with app and, when the route is not known yet, takes
// it from the pattern app's mux matched (a ServeMux sets it on the request
// it was given).
func routeOfApp(app http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app.ServeHTTP(w, r)
		if st := stateOf(r.Context()); st != nil && st.route == "" && r.Pattern != "" {
			st.route = routeOf(r.Pattern)
		}
	})
}

// withTimeout ends the request's context after d and counts the requests
// whose handler returned after their time was up.
func withTimeout(d time.Duration, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			m.timeouts.Inc()
		}
	})
}

// recoverPanics answers a handler's panic with 500 "internal error" and
// the request ID, logs the panic with its stack and counts it. When the
// handler had already begun its answer, the connection is cut instead,
// so that the client sees a broken answer rather than a short one.
// http.ErrAbortHandler passes through: it is how a handler asks net/http
// to cut the connection.
func recoverPanics(log *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			m.panics.Inc()
			id := RequestID(r.Context())
			log.Error("HTTP handler panicked", "method", r.Method, "path", r.URL.Path, "request_id", id,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.wrote {
				panic(http.ErrAbortHandler)
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Del("Content-Length")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "internal error (request ID %s)\n", id)
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status code and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush through, for handlers that stream.
func (w *statusWriter) Flush() {
	w.wrote = true
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// metrics are the server's own. The request counter and histogram keep
// the names the console gave them before this package existed (the
// shipped Grafana dashboard reads them); they count every routed request
// of every target, probes included, but not /metrics or pprof. Their
// route label is a route pattern, so it is bounded; requests no route
// matched are not counted.
type metrics struct {
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	panics     prometheus.Counter
	timeouts   prometheus.Counter
	suppressed prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_console_requests_total",
			Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_console_request_duration_seconds",
			Help:    "HTTP request latency, by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"route"}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yuqing_http_panics_total",
			Help: "HTTP handler panics recovered and answered 500.",
		}),
		timeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yuqing_http_request_timeouts_total",
			Help: "HTTP requests whose handler returned after the request timeout.",
		}),
		suppressed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yuqing_http_access_log_suppressed_total",
			Help: "Access log lines not written because more than the limit a second were due.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.panics, m.timeouts, m.suppressed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("cannot register the HTTP server's metrics: %w", err)
		}
	}
	return m, nil
}

// accessLog writes a line per request, at a level that says how much it
// matters: a 5xx at warn, a refusal (401, 403, 429) or a request slower
// than slowRequest at info, the rest at debug. At most limit lines a
// second are written; the others are counted, and the next line written
// says how many were left out.
type accessLog struct {
	log   *slog.Logger
	m     *metrics
	limit int
	now   func() time.Time

	mu         sync.Mutex
	window     time.Time
	written    int
	suppressed int
}

// slowRequest is how long a request takes before its line is info.
const slowRequest = 2 * time.Second

func newAccessLog(log *slog.Logger, m *metrics, limit int, now func() time.Time) *accessLog {
	return &accessLog{log: log, m: m, limit: limit, now: now}
}

func (a *accessLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		st := stateOf(r.Context())
		if st != nil && st.route != "" {
			a.m.requests.WithLabelValues(st.route, strconv.Itoa(sw.code)).Inc()
			a.m.latency.WithLabelValues(st.route).Observe(took.Seconds())
		}
		level := slog.LevelDebug
		switch {
		case sw.code >= 500:
			level = slog.LevelWarn
		case sw.code == http.StatusUnauthorized || sw.code == http.StatusForbidden || sw.code == http.StatusTooManyRequests || took >= slowRequest:
			level = slog.LevelInfo
		}
		ctx := r.Context()
		if !a.log.Enabled(ctx, level) {
			return
		}
		left, ok := a.admit()
		if !ok {
			a.m.suppressed.Inc()
			return
		}
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("code", sw.code),
			slog.Int64("bytes", sw.bytes), slog.Duration("took", took), slog.String("remote", r.RemoteAddr)}
		if st != nil {
			attrs = append(attrs, slog.String("route", st.route), slog.String("request_id", st.id))
		}
		if left > 0 {
			attrs = append(attrs, slog.Int("suppressed_before", left))
		}
		a.log.LogAttrs(ctx, level, "HTTP request", attrs...)
	})
}

// admit reports whether a line may be written in this second, and how
// many lines were left out since the last one written.
func (a *accessLog) admit() (left int, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if now.Sub(a.window) >= time.Second {
		a.window, a.written = now, 0
	}
	if a.written >= a.limit {
		a.suppressed++
		return 0, false
	}
	a.written++
	left, a.suppressed = a.suppressed, 0
	return left, true
}
