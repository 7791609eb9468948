// Package inspector is the inspector target: it inspects the configured
// own portals on a schedule (and on demand, `yuqing inspect`), probes their
// home pages for availability, keeps the findings in the store (first
// seen, last seen, open or fixed), and alerts the responsible unit when a
// 单项否决 item appears or a 网民留言 passes its reply deadline, with a
// reminder the working day before.
//
// It guarantees: findings are stored before anyone is alerted about them,
// and an alert has a fixed key per finding, so the dispatcher's delivery
// log sends it once however often the inspection sees the finding; a
// failed store write fails the run (the next run repeats it), a failed
// alert is retried at the next run. It imports no other stage.
package inspector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/inspect"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
)

// Dispatcher sends alerts (notify.Dispatcher does). Dispatch blocks until
// each delivery is final or held; an error means some deliveries should be
// tried again.
type Dispatcher interface {
	Dispatch(ctx context.Context, m notify.Message) ([]notify.Delivery, error)
}

// Options build a Service.
type Options struct {
	Inspector *inspect.Inspector
	Census    *inspect.Census
	Portals   []inspect.Portal
	Store     store.Inspections
	// Dispatcher sends the alerts; nil records findings and alerts nobody.
	Dispatcher Dispatcher
	// Recipients returns who is alerted about a portal of a unit at t:
	// the unit's person, or the duty officer.
	Recipients func(unit string, t time.Time) []notify.Recipient
	// Interval between inspections and ProbeInterval between availability
	// probes of each portal.
	Interval, ProbeInterval time.Duration
	// ConsoleURL is the console's address alerts link to.
	ConsoleURL string
	Now        func() time.Time
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Service runs the inspections. Its methods are safe for concurrent use.
type Service struct {
	o     Options
	avail map[string]*inspect.Availability
	runMu sync.Mutex // one inspection round at a time

	alerts *prometheus.CounterVec
	runs   *prometheus.CounterVec
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Inspector == nil || o.Store == nil {
		return nil, errors.New("cannot build the inspector: an Inspector and a Store are required")
	}
	if o.Census == nil {
		o.Census = inspect.DefaultCensus()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = 6 * time.Hour
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = time.Hour
	}
	s := &Service{o: o, avail: map[string]*inspect.Availability{},
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_inspector_alerts_total",
			Help: "Inspection alerts by kind (veto, reply_breach, reply_reminder) and result (sent, failed)."}, []string{"kind", "result"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_inspector_runs_total",
			Help: "Inspection rounds of one portal by result (ok, failed)."}, []string{"portal", "result"}),
	}
	for _, p := range o.Portals {
		s.avail[p.ID] = inspect.NewAvailability(o.Census)
	}
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{s.alerts, s.runs} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// Result is what one inspection of a portal found and did.
type Result struct {
	Report *inspect.Report
	Score  inspect.Score
	// Fresh are the findings new (or reopened) in this inspection.
	Fresh []model.Finding
	// Alerts are the keys of the alerts dispatched.
	Alerts []string
}

// RunOnce inspects every portal once, stores the findings and sends the
// alerts they call for. It returns the results of the portals it could
// inspect and the errors of the others.
func (s *Service) RunOnce(ctx context.Context) ([]Result, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	var out []Result
	var errs []error
	for _, p := range s.o.Portals {
		res, err := s.inspectPortal(ctx, p)
		if err != nil {
			s.runs.WithLabelValues(p.ID, "failed").Inc()
			errs = append(errs, fmt.Errorf("cannot inspect portal %q: %w", p.ID, err))
			continue
		}
		s.runs.WithLabelValues(p.ID, "ok").Inc()
		out = append(out, res)
	}
	return out, errors.Join(errs...)
}

func (s *Service) inspectPortal(ctx context.Context, p inspect.Portal) (Result, error) {
	rep, err := s.o.Inspector.Inspect(ctx, p)
	if err != nil {
		return Result{}, err
	}
	now := s.o.Now()
	cur := rep.Findings
	if a := s.avail[p.ID]; a != nil {
		if f, ok := a.Finding(p, now); ok && !hasFinding(cur, f.ID) {
			cur = append(cur, f)
		}
	}
	prev, err := s.o.Store.ListFindings(ctx, store.FindingQuery{Portal: p.ID})
	if err != nil {
		return Result{}, err
	}
	write, fresh := inspect.Merge(prev, cur, p.ID, now)
	if err := s.o.Store.UpsertFindings(ctx, write); err != nil {
		return Result{}, err
	}
	all, err := s.o.Store.ListFindings(ctx, store.FindingQuery{Portal: p.ID})
	if err != nil {
		return Result{}, err
	}
	res := Result{Report: rep, Score: inspect.ScoreOf(p.ID, all), Fresh: fresh}
	res.Alerts = s.alert(ctx, p, all, rep.Messages, now)
	s.o.Logger.Info("portal inspected", "portal", p.ID, "findings", len(rep.Findings), "new", len(fresh),
		"vetoes", len(res.Score.Vetoes), "points", res.Score.Points, "requests", rep.Stats.Requests)
	return res, nil
}

func hasFinding(fs []model.Finding, id string) bool {
	for _, f := range fs {
		if f.ID == id {
			return true
		}
	}
	return false
}

// alert dispatches, for every open finding that calls for one, its alert:
// a 单项否决 item, a message past its reply deadline; and a reminder for a
// message whose deadline is within a day. The delivery log keeps each key
// from being sent twice.
func (s *Service) alert(ctx context.Context, p inspect.Portal, findings []model.Finding, msgs []inspect.Message, now time.Time) []string {
	if s.o.Dispatcher == nil || s.o.Recipients == nil {
		return nil
	}
	to := s.o.Recipients(p.Unit, now)
	if len(to) == 0 {
		s.alerts.WithLabelValues("any", "no_recipient").Inc()
		return nil
	}
	name := p.Name
	if name == "" {
		name = p.ID
	}
	var sent []string
	send := func(kind string, m notify.Message) {
		m.Recipients, m.At, m.ConsoleURL = to, now, strings.TrimRight(s.o.ConsoleURL, "/")+"/inspections"
		if s.o.ConsoleURL == "" {
			m.ConsoleURL = ""
		}
		if _, err := s.o.Dispatcher.Dispatch(ctx, m); err != nil {
			s.alerts.WithLabelValues(kind, "failed").Inc()
			s.o.Logger.Warn("cannot send an inspection alert; the next inspection tries again", "portal", p.ID, "key", m.Key, "err", err)
			return
		}
		s.alerts.WithLabelValues(kind, "sent").Inc()
		sent = append(sent, m.IncidentID+"/"+m.Key)
	}
	for _, f := range findings {
		if f.State != model.FindingOpen {
			continue
		}
		switch {
		case f.Veto:
			send("veto", notify.Message{IncidentID: f.ID, Key: "veto", Kind: notify.KindBreach, State: "未整改",
				Title:      name + "：" + model.FindingKindLabel[f.Kind] + "（单项否决）",
				Obligation: "政府网站普查单项否决项整改", Note: f.Subject + "：" + f.Evidence})
		case f.Kind == model.FindingUnansweredMessage:
			send("reply_breach", notify.Message{IncidentID: f.ID, Key: "reply/breach", Kind: notify.KindBreach, State: "待回复",
				Title: name + "：网民留言“" + f.Subject + "”超过办理时限未回复", Obligation: fmt.Sprintf("网民留言办理（%d个工作日）", s.workdays(p)),
				DueAt: f.DueAt, Note: f.Evidence})
		}
	}
	for _, m := range msgs {
		if !m.RepliedAt.IsZero() || now.After(m.DueAt) || m.DueAt.Sub(now) > 24*time.Hour {
			continue
		}
		id := inspect.FindingID(p.ID, model.FindingUnansweredMessage, m.URL+"\x00"+m.Title)
		send("reply_reminder", notify.Message{IncidentID: id, Key: "reply/reminder", Kind: notify.KindReminder, State: "待回复",
			Title: name + "：网民留言“" + m.Title + "”即将到期", Obligation: fmt.Sprintf("网民留言办理（%d个工作日）", s.workdays(p)), DueAt: m.DueAt})
	}
	return sent
}

func (s *Service) workdays(p inspect.Portal) int {
	if p.ReplyWorkdays > 0 {
		return p.ReplyWorkdays
	}
	return s.o.Census.Rule("C-REPLY-LOCAL").Workdays
}

// Probe probes every portal's home page once. A portal down often enough
// for a finding gets it stored (and alerted when it is a veto) without
// waiting for the next inspection.
func (s *Service) Probe(ctx context.Context) error {
	var errs []error
	for _, p := range s.o.Portals {
		a := s.avail[p.ID]
		if a == nil {
			continue
		}
		s.o.Inspector.ProbeOnce(ctx, p, a)
		now := s.o.Now()
		f, ok := a.Finding(p, now)
		if !ok {
			continue
		}
		prev, err := s.o.Store.ListFindings(ctx, store.FindingQuery{Portal: p.ID, Kind: model.FindingUnavailable})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Version = uint64(now.UnixNano())
		for _, o := range prev {
			if o.ID == f.ID && o.State == model.FindingOpen {
				f.FirstSeen = o.FirstSeen
			}
		}
		if err := s.o.Store.UpsertFindings(ctx, []model.Finding{f}); err != nil {
			errs = append(errs, err)
			continue
		}
		s.alert(ctx, p, []model.Finding{f}, nil, now)
	}
	return errors.Join(errs...)
}

// Run inspects every Interval and probes every ProbeInterval until ctx
// ends; the first inspection runs at once. Failures are logged and retried
// at the next tick.
func (s *Service) Run(ctx context.Context) error {
	inspectT := time.NewTicker(s.o.Interval)
	defer inspectT.Stop()
	probeT := time.NewTicker(s.o.ProbeInterval)
	defer probeT.Stop()
	runOnce := func() {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Warn("inspection failed; retried at the next interval", "err", err)
		}
	}
	if err := s.Probe(ctx); err != nil && ctx.Err() == nil {
		s.o.Logger.Warn("availability probe failed", "err", err)
	}
	runOnce()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-inspectT.C:
			runOnce()
		case <-probeT.C:
			if err := s.Probe(ctx); err != nil && ctx.Err() == nil {
				s.o.Logger.Warn("availability probe failed", "err", err)
			}
		}
	}
}
