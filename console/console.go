// Package console owns yuqing's HTTP surface: the JSON API that the web UI,
// the briefs and outside systems read, the health and readiness probes, and
// /metrics. It never writes posts: what people add (requests on incidents,
// incidents opened by hand, sentiment corrections, user dictionary words)
// goes to tables of their own, which the stages read.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

// Server is the HTTP server of one yuqing process. Every target serves
// /metrics, /healthz and /readyz; the console target also serves the API.
type Server struct {
	mux      *http.ServeMux
	st       store.Store // nil unless the API is served
	log      *slog.Logger
	mu       sync.Mutex
	checks   map[string]func(context.Context) error
	rules    *rules.Set
	acker    *notify.Acker
	reqs     *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	officers officerMetrics
	// now is the clock of the API: what "the last days" and the time of a
	// person's request are counted from.
	now func() time.Time
}

// New returns a server exposing the metrics of g. If st is not nil, the
// API is served from it.
func New(st store.Store, g prometheus.Gatherer, reg prometheus.Registerer, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{mux: http.NewServeMux(), st: st, log: log, now: time.Now, checks: map[string]func(context.Context) error{},
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_console_requests_total",
			Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_console_request_duration_seconds",
			Help:    "HTTP request latency, by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"route"}),
	}
	reg.MustRegister(s.reqs, s.latency)
	if st != nil {
		s.officers = newOfficerMetrics(reg)
	}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	s.handle("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.handle("GET /readyz", s.ready)
	// Profiling, as Prometheus and Loki expose it: the server listens on
	// loopback by default, and a profile is how a slow stage is diagnosed.
	s.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	s.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	s.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	if st != nil {
		s.handle("GET /api/v1/posts", s.posts)
		s.handle("GET /api/v1/posts/{id}", s.post)
		s.handle("GET /api/v1/events", s.events)
		s.handle("GET /api/v1/incidents", s.incidents)
		s.handle("GET /api/v1/incidents/{id}", s.incident)
		s.handle("GET /{$}", s.home)
		s.handle("GET /incidents/{id}", s.incidentPage)
		s.registerIncidentActions()
		s.registerOfficerRoutes()
	}
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// AddReadyCheck adds a check that /readyz runs; the process is ready when
// every check returns nil.
func (s *Server) AddReadyCheck(name string, check func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = check
}

func (s *Server) handle(pattern string, h http.HandlerFunc) {
	route := pattern[strings.IndexByte(pattern, ' ')+1:]
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h(rw, r)
		s.reqs.WithLabelValues(route, strconv.Itoa(rw.code)).Inc()
		s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	checks := make(map[string]func(context.Context) error, len(s.checks))
	for k, v := range s.checks {
		checks[k] = v
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var failed []string
	for name, check := range checks {
		if err := check(ctx); err != nil {
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

// apiError is the body of every API error: what was wrong with which input.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing to do
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var bad *badParam
	switch {
	case errors.As(err, &bad):
		writeJSON(w, http.StatusBadRequest, apiError{bad.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{"not found: " + r.URL.Path})
	default:
		s.log.Error("API request failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{"internal error: " + err.Error()})
	}
}

type badParam struct{ name, value, why string }

func (e *badParam) Error() string {
	return fmt.Sprintf("invalid query parameter %s=%q: %s", e.name, e.value, e.why)
}

func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &badParam{name, v, "not an integer"}
	}
	if n < lo || n > hi {
		return 0, &badParam{name, v, fmt.Sprintf("must be between %d and %d", lo, hi)}
	}
	return n, nil
}

func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &badParam{name, v, "not an RFC 3339 time such as 2026-11-21T08:00:00+08:00"}
	}
	return t, nil
}

// PostItem is a post as the API shows it.
type PostItem struct {
	ID                string    `json:"id"`
	URL               string    `json:"url"`
	Source            string    `json:"source"`
	SourceName        string    `json:"source_name"`
	SourceKind        string    `json:"source_kind"`
	Authority         string    `json:"authority"`
	Title             string    `json:"title"`
	Author            string    `json:"author,omitempty"`
	Origin            string    `json:"origin,omitempty"`
	PublishedAt       time.Time `json:"published_at"`
	PublishedAtSource string    `json:"published_at_source"`
	FetchedAt         time.Time `json:"fetched_at"`
	// Sentiment is the officer's correction where there is one, else the
	// analyzer's; ModelSentiment is always the analyzer's.
	Sentiment      SentimentView     `json:"sentiment"`
	ModelSentiment model.Sentiment   `json:"model_sentiment"`
	Topics         []model.Topic     `json:"topics"`
	Keywords       []model.Keyword   `json:"keywords"`
	Regions        []model.Region    `json:"regions"`
	Flags          []string          `json:"flags"`
	Schemes        []model.SchemeHit `json:"schemes"`
	Summary        string            `json:"summary"`
	Body           string            `json:"body,omitempty"`
}

// postItem is p as the API shows it, with its latest sentiment correction
// c (nil if none) overlaid.
func postItem(p model.Post, withBody bool, c *model.SentimentCorrection) PostItem {
	it := PostItem{ID: p.ID, URL: p.URL, Source: p.SourceID, SourceName: p.SourceName, SourceKind: p.SourceKind,
		Authority: p.Authority, Title: p.Title, Author: p.Author, Origin: p.Origin, PublishedAt: p.PublishedAt,
		PublishedAtSource: p.PublishedAtSource, FetchedAt: p.FetchedAt, Sentiment: sentimentView(p.Sentiment, c),
		ModelSentiment: p.Sentiment, Topics: nonNil(p.Topics), Keywords: nonNil(p.Keywords), Regions: nonNil(p.Regions),
		Flags: nonNil(p.Flags), Schemes: make([]model.SchemeHit, len(p.Schemes)), Summary: summary(p.Body, 120)}
	for i, h := range p.Schemes {
		h.Terms = nonNil(h.Terms)
		it.Schemes[i] = h
	}
	if withBody {
		it.Body = p.Body
	}
	return it
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func summary(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

func (s *Server) posts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var pq store.PostQuery
	var err error
	pq.Text = strings.TrimSpace(q.Get("q"))
	pq.SourceID = q.Get("source")
	pq.Scheme = q.Get("scheme")
	pq.Sentiment = q.Get("sentiment")
	switch pq.Sentiment {
	case "", model.Positive, model.Neutral, model.Negative:
	default:
		s.fail(w, r, &badParam{"sentiment", pq.Sentiment, "must be positive, neutral or negative"})
		return
	}
	if pq.Limit, err = intParam(r, "limit", 50, 1, 1000); err != nil {
		s.fail(w, r, err)
		return
	}
	if pq.Offset, err = intParam(r, "offset", 0, 0, 1_000_000); err != nil {
		s.fail(w, r, err)
		return
	}
	if pq.Since, err = timeParam(r, "since"); err != nil {
		s.fail(w, r, err)
		return
	}
	if pq.Until, err = timeParam(r, "until"); err != nil {
		s.fail(w, r, err)
		return
	}
	page, corrections, err := s.queryPosts(r.Context(), pq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]PostItem, len(page.Items))
	for i, p := range page.Items {
		items[i] = postItem(p, false, correctionOf(corrections, p.ID))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": page.Total, "limit": pq.Limit, "offset": pq.Offset, "items": items})
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	p, err := s.st.GetPost(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	corrections, err := s.st.PostCorrections(r.Context(), []string{p.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, postItem(p, true, correctionOf(corrections, p.ID)))
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	since, err := timeParam(r, "since")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.st.ListEvents(r.Context(), since, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(evs)})
}

func (s *Server) incidents(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := store.IncidentQuery{Limit: limit}
	switch v := r.URL.Query().Get("open"); v {
	case "", "false":
	case "true":
		q.OnlyOpen = true
	default:
		s.fail(w, r, &badParam{"open", v, "must be true or false"})
		return
	}
	incs, err := s.st.ListIncidents(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(incs)})
}

func (s *Server) incident(w http.ResponseWriter, r *http.Request) {
	inc, err := s.st.GetIncident(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ev, err := s.st.GetEvent(r.Context(), inc.EventID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"incident": inc, "event": ev})
}
