// Package console owns yuqing's JSON API and pages: what the web UI, the
// briefs and outside systems read, and what people add. It serves on top
// of httpserver, which runs the probes, /metrics and the middleware; the
// console is the application handler it is given.
//
// Handlers are thin: they parse the request, call one view of readmodel
// (or one store method), and render. The console never writes posts: what
// people add (requests on incidents, incidents opened by hand, sentiment
// corrections, user dictionary words) goes to tables of their own, which
// the stages read.
package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/console/ui"
	"github.com/yuqing-project/yuqing/httpserver"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/scheme"
	"github.com/yuqing-project/yuqing/store"
)

// Store is what the console reads and writes: the views' reads, and the
// store methods its handlers call themselves. store.Store satisfies it,
// and so does any value with the store roles' methods of the same names.
type Store interface {
	readmodel.Store
	// ListEvents returns events last seen at or after since, most
	// recently seen first, at most limit.
	ListEvents(ctx context.Context, since time.Time, limit int) ([]model.Event, error)
	// AppendHistory appends entries to incidents' histories, idempotent
	// by ID: how a person's request reaches the responder.
	AppendHistory(ctx context.Context, entries []model.HistoryEntry) error
	// UpsertIncidents writes incidents by ID, higher Version winning: for
	// an incident opened by hand, a row nobody else writes yet.
	UpsertIncidents(ctx context.Context, incidents []model.Incident) error
	// AppendCorrections appends sentiment corrections, idempotent by ID.
	AppendCorrections(ctx context.Context, cs []model.SentimentCorrection) error
	// ListCorrections returns the latest correction of every corrected
	// post, oldest first.
	ListCorrections(ctx context.Context) ([]model.SentimentCorrection, error)
	// QueryCandidates returns what a scheme back-test reads of the posts
	// matching a filter, newest first.
	QueryCandidates(ctx context.Context, q store.CandidateQuery) (store.CandidatePage, error)
	// AppendDictionary appends user dictionary changes, idempotent by ID.
	AppendDictionary(ctx context.Context, entries []model.DictionaryEntry) error
	// The settings people change at run time (schemes, duty shifts,
	// sources).
	store.Settings
	// The outcome of the crawler's polls: the sources' status.
	SourceStatus(ctx context.Context, since time.Time) ([]model.SourceStatus, error)
	// QueryDeliveries returns a page of the delivery log with its totals.
	QueryDeliveries(ctx context.Context, q store.DeliveryQuery) (store.DeliveryPage, error)
}

// RequestPublisher hands people's requests to the responder (bus.Producer
// does, over bus.TopicRequests). PublishRequests returns once the entries
// are durable on the bus; an error means the responder will not see them.
type RequestPublisher interface {
	PublishRequests(ctx context.Context, reqs ...bus.Request) error
}

// Options are what the console is built from. Store, Requests and
// Registerer are required.
type Options struct {
	Store Store
	// Requests carries people's requests (and incidents opened by hand)
	// to the responder, the one writer of incidents.
	Requests RequestPublisher
	// Rules are the rules in force: /api/v1/rules lists them and an
	// incident's page quotes their sources. Nil: /api/v1/rules answers
	// 404 and the page quotes nothing.
	Rules *rules.Set
	// Acker verifies the acknowledgement links of alerts at /api/v1/ack.
	// Nil: the links answer that acknowledgement is not enabled.
	Acker *notify.Acker
	// SchemeOptions are how a scheme back-test compiles terms; the
	// wiring passes the analyzer's, so that terms are normalised as live
	// matching normalises them.
	SchemeOptions scheme.Options
	// Now is the console's clock: what "the last days" of a back-test,
	// the time of a person's request and the countdowns on the pages are
	// counted from. Nil is time.Now.
	Now func() time.Time
	// Briefs are the briefs' archive, generation and formats (the
	// /briefs pages and /api/v1/briefs). Nil: they answer 404.
	Briefs Briefs
	// Settings are what the settings page shows of the configuration;
	// zero shows none of it.
	Settings Settings
	// Logger receives what the console logs; nil is slog.Default().
	Logger *slog.Logger
	// Registerer receives the console's metrics.
	Registerer prometheus.Registerer
	// Auth authenticates every request but the login page, the static
	// files and the acknowledgement links, and keeps the accounts.
	// Required.
	Auth *auth.Service
	// Hosts are the host names (or host:port) the console answers to
	// besides IP addresses and localhost, e.g. yuqing.example.gov.cn: a
	// request for another name is refused (DNS rebinding).
	Hosts []string
	// Secure marks the session cookie Secure and sends HSTS: set when the
	// console is served over TLS (by itself or by a proxy in front).
	Secure bool
	// OIDC, when set, offers single sign-on at /login/oidc.
	OIDC *OIDCOptions
}

// Settings are the parts of the configuration people look up on the
// settings page: the sources crawled, the notification channels and the
// duty roster.
type Settings struct {
	Sources  []SourceInfo
	Channels []ChannelInfo
	// Roster says who is on duty; nil when none is configured.
	Roster *notify.Roster
}

// SourceInfo is a configured source.
type SourceInfo struct{ ID, Name, Kind, Authority, URL string }

// ChannelInfo is a configured notification channel: its name and type,
// and where it sends, with any token or address hidden (Target, for the
// notifications page; "" when there is nothing to show).
type ChannelInfo struct{ Name, Type, Target string }

// Console is the API and the pages. Build it with New and give Handler to
// httpserver as its App.
type Console struct {
	st       Store
	requests RequestPublisher
	views    *readmodel.Views
	rules    *rules.Set
	acker    *notify.Acker
	schemes  scheme.Options
	now      func() time.Time
	log      *slog.Logger
	pages    *ui.Renderer
	officers officerMetrics
	briefs   Briefs
	settings Settings
	mux      *http.ServeMux
	auth     *auth.Service
	hosts    []string
	secure   bool
	logins   loginLimiter
	oidc     *oidcLogin
}

// New returns the console built from opts. It parses the pages' templates
// and registers the console's metrics; either failing is an error.
func New(opts Options) (*Console, error) {
	if opts.Store == nil || opts.Requests == nil || opts.Registerer == nil || opts.Auth == nil {
		return nil, errors.New("cannot build the console: a Store, a request publisher, a Registerer and the accounts service are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	pages, err := ui.New(opts.Now)
	if err != nil {
		return nil, fmt.Errorf("cannot build the console's pages: %w", err)
	}
	officers, err := newOfficerMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	c := &Console{st: opts.Store, requests: opts.Requests, views: readmodel.New(opts.Store, opts.Rules), rules: opts.Rules, acker: opts.Acker,
		schemes: opts.SchemeOptions, now: opts.Now, log: opts.Logger, pages: pages, officers: officers, briefs: opts.Briefs, settings: opts.Settings,
		auth: opts.Auth, hosts: opts.Hosts, secure: opts.Secure}
	if opts.OIDC != nil {
		c.oidc = &oidcLogin{opts: *opts.OIDC}
	}
	c.mux = c.routes()
	return c, nil
}

// Handler returns the console's handler: the API, the pages and their
// static files behind the guard (guard.go). It has the mux's Handler
// method, so httpserver labels its metrics by route.
func (c *Console) Handler() http.Handler { return guarded{c} }

// guarded is the routes behind the guard.
type guarded struct{ c *Console }

func (g guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.c.guard(g.c.mux).ServeHTTP(w, r)
}

// Handler returns the route's handler and pattern, as http.ServeMux does.
func (g guarded) Handler(r *http.Request) (http.Handler, string) { return g.c.mux.Handler(r) }

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

// fail answers err: 400 for a bad parameter, 404 for what is not stored,
// 503 when the request ran out of time, else 500 (logged with the
// request's ID).
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	var bad *badParam
	switch {
	case errors.As(err, &bad):
		writeJSON(w, http.StatusBadRequest, apiError{bad.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{"not found: " + r.URL.Path})
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() != nil:
		c.log.Warn("API request timed out", "path", r.URL.Path, "request_id", httpserver.RequestID(r.Context()), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{"request timed out"})
	default:
		c.log.Error("API request failed", "path", r.URL.Path, "request_id", httpserver.RequestID(r.Context()), "err", err)
		// The details are in the log under the request's ID, never in
		// the answer (they may name internal addresses).
		writeJSON(w, http.StatusInternalServerError, apiError{"internal error (request ID " + httpserver.RequestID(r.Context()) + ")"})
	}
}

// render answers a page, or fails when it cannot be rendered. The page's
// data gets the request's CSRF token and user (fillSession), and its
// template the functions can, csrfToken and user for them.
func (c *Console) render(w http.ResponseWriter, r *http.Request, code int, page string, data any) {
	p := principal(r)
	csrf := ""
	if p.Session != nil {
		csrf = p.Session.CSRF
	}
	if err := c.pages.RenderFor(w, code, page, fillSession(data, r), ui.Session{CSRFToken: csrf, User: userOf(p), Can: p.Can}); err != nil {
		c.fail(w, r, err)
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

// decodeBody decodes a JSON request body strictly (unknown fields are
// errors) into v; on failure it answers 400 naming the problem and returns
// false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid request body: " + err.Error()})
		return false
	}
	// The JSON decoder would turn invalid UTF-8 into U+FFFD silently.
	if !utf8.Valid(body) {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid request body: not valid UTF-8"})
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid request body: " + err.Error()})
		return false
	}
	return true
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func asBad(err error, bad **badParam) bool { return errors.As(err, bad) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
