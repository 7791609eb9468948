package brief

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
)

// Schedule is when the periodic briefs are generated, in China time.
type Schedule struct {
	// Daily is the time after midnight of the daily brief; Weekly and
	// Monthly theirs on WeekDay and MonthDay. A false On* is off.
	DailyOn, WeeklyOn, MonthlyOn bool
	Daily, Weekly, Monthly       time.Duration
	WeekDay                      time.Weekday
	MonthDay                     int
	// Merge folds the days off into the next working day's daily brief;
	// otherwise a daily brief due on a day off is skipped.
	Merge bool
}

// ScheduleFrom reads a config's schedule (checked by config.Validate).
func ScheduleFrom(c config.BriefSchedule) (Schedule, error) {
	s := Schedule{Merge: c.Holidays != "skip"}
	var err error
	if c.Daily != "off" {
		s.DailyOn = true
		if s.Daily, err = config.ClockTime(c.Daily); err != nil {
			return s, fmt.Errorf("briefs.schedule.daily: %w", err)
		}
	}
	if c.Weekly != "off" {
		s.WeeklyOn = true
		if s.WeekDay, s.Weekly, err = config.WeeklyAt(c.Weekly); err != nil {
			return s, fmt.Errorf("briefs.schedule.weekly: %w", err)
		}
	}
	if c.Monthly != "off" {
		s.MonthlyOn = true
		if s.MonthDay, s.Monthly, err = config.MonthlyAt(c.Monthly); err != nil {
			return s, fmt.Errorf("briefs.schedule.monthly: %w", err)
		}
	}
	return s, nil
}

// Store is what the brief target reads and writes: the Builder's Source,
// the briefs, and the delivery log. store.Store satisfies it.
type Store interface {
	Source
	store.Briefs
	// AppendDeliveries appends entries to the delivery log.
	AppendDeliveries(ctx context.Context, ds []model.Delivery) error
	// DeliveryFinal reports whether a final delivery is logged under key.
	DeliveryFinal(ctx context.Context, key string) (bool, error)
}

// SchedulerOptions are what a Scheduler is built from. Store, Builder and
// Registerer are required; with no Dispatcher nothing is delivered.
type SchedulerOptions struct {
	Store    Store
	Builder  *Builder
	Schedule Schedule
	// Calendar is the working-day calendar; nil is calendar.Default().
	Calendar *calendar.Calendar
	// Dispatcher and Roster deliver: a draft's notice to the duty
	// officer, an issued brief to everyone on the roster's chain.
	Dispatcher *notify.Dispatcher
	Roster     *notify.Roster
	// ConsoleURL is where links point (http://host:port).
	ConsoleURL string
	// Tick is how often the schedule is checked; 0 is 30 s.
	Tick       time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Scheduler is the brief target: it generates the periodic briefs on
// schedule as drafts (each once: its ID is the slot's), tells the duty
// officer, and delivers every issued brief (email with the DOCX attached,
// robots and webhooks with links), once per recipient and channel,
// recorded in the delivery log, whoever issued it. Only one should run
// (like the responder); two would do no harm, since each draft's ID is
// its slot's and the dispatcher delivers once per key.
type Scheduler struct {
	o         SchedulerOptions
	generated *prometheus.CounterVec
	failures  *prometheus.CounterVec
}

// NewScheduler returns a scheduler; its metrics are registered on
// o.Registerer.
func NewScheduler(o SchedulerOptions) (*Scheduler, error) {
	if o.Store == nil || o.Builder == nil || o.Registerer == nil {
		return nil, errors.New("cannot build the brief scheduler: a store, a builder and a Registerer are required")
	}
	if o.Calendar == nil {
		o.Calendar = calendar.Default()
	}
	if o.Tick <= 0 {
		o.Tick = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Scheduler{o: o,
		generated: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_briefs_generated_total",
			Help: "Briefs the schedule generated, by type."}, []string{"type"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_brief_failures_total",
			Help: "Scheduled generations and deliveries that failed and will be tried again, by stage."}, []string{"stage"}),
	}
	for _, c := range []prometheus.Collector{s.generated, s.failures} {
		if err := o.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("cannot register the brief metrics: %w", err)
		}
	}
	return s, nil
}

// Run checks the schedule and the issued briefs every tick until ctx ends.
// A failure is logged, counted and tried again at the next tick.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.o.Tick)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Warn("brief schedule: will try again", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// slot is one scheduled generation: a type, when it is due and what it
// covers.
type slot struct {
	t          model.BriefType
	due        time.Time
	start, end time.Time
}

// Slot is a scheduled generation as DueSlots reports it.
type Slot struct {
	Type       model.BriefType
	Due        time.Time
	Start, End time.Time
}

// DueSlots returns the generations s would make at now.
func DueSlots(s *Scheduler, now time.Time) []Slot {
	var out []Slot
	for _, sl := range s.due(now) {
		out = append(out, Slot{sl.t, sl.due, sl.start, sl.end})
	}
	return out
}

// ID is the draft's ID: one per type and due time, so a slot is generated
// once whatever restarts.
func (sl slot) ID() string {
	return fmt.Sprintf("%s-%s", sl.t, sl.due.In(model.China).Format("20060102-1504"))
}

// Due returns the slots due at now: the latest of each type, when it fell
// within the last day.
func (s *Scheduler) due(now time.Time) []slot {
	sc := s.o.Schedule
	c := now.In(model.China)
	today := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, model.China)
	var out []slot
	recent := func(due time.Time) bool { return !due.After(now) && now.Sub(due) < 24*time.Hour }
	if sc.DailyOn {
		due := today.Add(sc.Daily)
		if due.After(now) {
			due = today.AddDate(0, 0, -1).Add(sc.Daily)
		}
		day := time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, model.China)
		if recent(due) && s.workday(day) {
			start := day.AddDate(0, 0, -1)
			if sc.Merge {
				// Every day since the previous working day's brief.
				for i := 0; i < 30 && !s.workday(start); i++ {
					start = start.AddDate(0, 0, -1)
				}
			}
			out = append(out, slot{model.BriefDaily, due, start, day})
		}
	}
	if sc.WeeklyOn {
		back := (int(today.Weekday()) - int(sc.WeekDay) + 7) % 7
		due := today.AddDate(0, 0, -back).Add(sc.Weekly)
		if due.After(now) {
			due = due.AddDate(0, 0, -7)
		}
		start, end := Period(model.BriefWeekly, due.AddDate(0, 0, -7))
		if recent(due) {
			out = append(out, slot{model.BriefWeekly, due, start, end})
		}
	}
	if sc.MonthlyOn {
		due := time.Date(c.Year(), c.Month(), sc.MonthDay, 0, 0, 0, 0, model.China).Add(sc.Monthly)
		if due.After(now) {
			due = due.AddDate(0, -1, 0)
		}
		start, end := Period(model.BriefMonthly, time.Date(due.Year(), due.Month(), 1, 0, 0, 0, 0, model.China).AddDate(0, 0, -1))
		if recent(due) {
			out = append(out, slot{model.BriefMonthly, due, start, end})
		}
	}
	return out
}

func (s *Scheduler) workday(day time.Time) bool {
	w, _ := s.o.Calendar.IsWorkday(calendar.DateOf(day))
	return w
}

// Tick generates the briefs due and delivers the issued ones.
func (s *Scheduler) Tick(ctx context.Context) error {
	now := s.o.Now()
	var errs []error
	for _, sl := range s.due(now) {
		if err := s.generate(ctx, sl); err != nil {
			s.failures.WithLabelValues("generate").Inc()
			errs = append(errs, err)
		}
	}
	if err := s.deliverIssued(ctx, now); err != nil {
		s.failures.WithLabelValues("deliver").Inc()
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Scheduler) generate(ctx context.Context, sl slot) error {
	b, err := s.o.Store.GetBrief(ctx, sl.ID())
	switch {
	case err == nil:
		if b.State == model.BriefDraft {
			return s.notifyDraft(ctx, b)
		}
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	b, err = s.o.Builder.PeriodicRange(ctx, sl.t, sl.start, sl.end, "定时任务")
	if err != nil {
		return err
	}
	b.ID = sl.ID()
	if err := s.o.Store.UpsertBriefs(ctx, []model.Brief{b}); err != nil {
		return err
	}
	s.generated.WithLabelValues(string(sl.t)).Inc()
	s.o.Logger.Info("scheduled brief generated", "brief", b.ID, "type", sl.t, "period_start", sl.start)
	return s.notifyDraft(ctx, b)
}

// recipients are who a brief's message goes to: the duty officer for a
// draft, everyone on the chain for an issued brief.
func (s *Scheduler) recipients(all bool, now time.Time) []notify.Recipient {
	if s.o.Roster == nil {
		return nil
	}
	var out []notify.Recipient
	n := 1
	if all {
		n = s.o.Roster.ChainLength()
	}
	for step := range n {
		if p, ok := s.o.Roster.Escalation(step, now); ok && !slices.ContainsFunc(out, func(r notify.Recipient) bool { return r.ID == p.ID }) {
			out = append(out, p.Recipient())
		}
	}
	return out
}

func (s *Scheduler) link(b *model.Brief) string { return s.o.ConsoleURL + "/briefs/" + b.ID }

func (s *Scheduler) notifyDraft(ctx context.Context, b model.Brief) error {
	rs := s.recipients(false, s.o.Now())
	if s.o.Dispatcher == nil || len(rs) == 0 {
		return nil
	}
	_, err := s.o.Dispatcher.Dispatch(ctx, notify.Message{IncidentID: "brief:" + b.ID, Key: "drafted", Kind: notify.KindBriefDraft,
		Title: b.Title + "（" + periodLabel(b.Type, b.PeriodStart, b.PeriodEnd) + "）", State: b.State, ConsoleURL: s.link(&b),
		Note: "已自动生成草稿，请审核后报领导签发。", Recipients: rs})
	return err
}

// deliverIssued delivers the briefs issued in the last week: the
// dispatcher skips what its log says was delivered.
func (s *Scheduler) deliverIssued(ctx context.Context, now time.Time) error {
	rs := s.recipients(true, now)
	if s.o.Dispatcher == nil || len(rs) == 0 {
		return nil
	}
	bs, err := s.o.Store.ListBriefs(ctx, store.BriefQuery{State: model.BriefIssued, Limit: 100})
	if err != nil {
		return err
	}
	var errs []error
	for _, b := range bs {
		if now.Sub(b.IssuedAt) > 7*24*time.Hour {
			continue
		}
		var docx bytes.Buffer
		if err := DOCX(&b, &docx); err != nil {
			errs = append(errs, err)
			continue
		}
		_, err := s.o.Dispatcher.Dispatch(ctx, notify.Message{IncidentID: "brief:" + b.ID, Key: "issued", Kind: notify.KindBrief,
			Title: b.Title + " " + b.NumberText(), State: b.State, ConsoleURL: s.link(&b),
			Note:        "签发人：" + b.Signer + "；Word版：" + s.o.ConsoleURL + "/api/v1/briefs/" + b.ID + "/file?format=docx",
			Recipients:  rs,
			Attachments: []notify.Attachment{{Name: FileName(&b, "docx"), ContentType: ContentType("docx"), Data: docx.Bytes()}}})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DeliveryLog keeps a dispatcher's delivery log in the store, as the
// responder's alerts do.
type DeliveryLog struct{ Store Store }

const logTimeout = 10 * time.Second

// Seen reports whether a final delivery is logged under key.
func (l DeliveryLog) Seen(key string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	return l.Store.DeliveryFinal(ctx, key)
}

// Record appends a delivery to the log.
func (l DeliveryLog) Record(d notify.Delivery) error {
	detail, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("cannot encode delivery %s: %w", d.Key, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	return l.Store.AppendDeliveries(ctx, []model.Delivery{{ID: d.Key + "@" + strconv.FormatInt(d.At.UnixNano(), 10) + "@" + string(d.Status),
		Key: d.Key, IncidentID: d.IncidentID, At: d.At.UTC(), Final: d.Final(), Detail: string(detail)}})
}
