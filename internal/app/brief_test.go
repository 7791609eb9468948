package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/brief"
	"github.com/yuqing-project/yuqing/brief/brieftest"
	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func china(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, model.China)
}

// TestScheduledDailyBriefReachesDutyGroup runs the brief target's
// schedule on a controllable clock: the daily brief of 1 December appears
// at 08:00 on the 2nd, not a minute before, and its notice reaches the demo
// duty group; once signed and issued, the brief is delivered to everyone on
// the roster's chain, once, and the delivery log says so.
func TestScheduledDailyBriefReachesDutyGroup(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), prometheus.NewRegistry(), quiet, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := brieftest.Seed(ctx, st, china(2026, 12, 1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	site, err := demo.New(config.DemoConfig{Enabled: true, Listen: "127.0.0.1:0", Speed: 1}, "", quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	clock := &testClock{t: china(2026, 12, 2, 7, 59)}
	cfg := config.Default()
	ncfg := site.NotifyConfig("http://console.example")
	reg := prometheus.NewRegistry()
	d, roster, err := BriefDispatcher(ncfg, st, reg, quiet, clock.now)
	if err != nil || d == nil {
		t.Fatalf("dispatcher: %v", err)
	}
	sched, err := brief.ScheduleFrom(cfg.Briefs.Schedule)
	if err != nil {
		t.Fatal(err)
	}
	s, err := brief.NewScheduler(brief.SchedulerOptions{Store: st, Builder: brief.NewBuilder(st, BriefOptions(cfg), clock.now), Schedule: sched,
		Dispatcher: d, Roster: roster, ConsoleURL: BriefConsoleURL(cfg, ncfg), Now: clock.now, Logger: quiet, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	const id = "daily-20261202-0800"
	// The messages about the brief of 2 December (the tick at 07:59 also
	// catches up on the brief due the day before, and the monthly one).
	briefMsgs := func(kind string) []demo.DutyMessage {
		var out []demo.DutyMessage
		for _, m := range site.DutyMessages() {
			if m.Kind == kind && strings.Contains(m.Text, id) {
				out = append(out, m)
			}
		}
		return out
	}
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetBrief(ctx, id); err == nil {
		t.Fatal("the daily brief appeared before 08:00")
	}
	clock.set(china(2026, 12, 2, 8, 0))
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := st.GetBrief(ctx, id)
	if err != nil {
		t.Fatalf("no daily brief at 08:00: %v", err)
	}
	if !b.PeriodStart.Equal(china(2026, 12, 1, 0, 0)) || b.State != model.BriefDraft || b.Content.Figures[brief.FigPosts] != 36 {
		t.Errorf("the scheduled brief covers %v, is %s, counts %d posts", b.PeriodStart, b.State, b.Content.Figures[brief.FigPosts])
	}
	drafts := briefMsgs("brief_draft")
	if len(drafts) != 1 || !strings.Contains(drafts[0].Text, "舆情日报（2026年12月1日）") || !strings.Contains(drafts[0].Text, "http://console.example/briefs/"+id) {
		t.Fatalf("the duty group received %+v", drafts)
	}
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(briefMsgs("brief_draft")); n != 1 {
		t.Errorf("the draft's notice arrived %d times", n)
	}
	for _, step := range [][2]string{{"submit", "编辑"}, {"sign", "陈主任"}, {"issue", "印发员"}} {
		if _, err := BriefStep(ctx, st, cfg, id, step[0], step[1], clock.now()); err != nil {
			t.Fatal(err)
		}
	}
	clock.set(china(2026, 12, 2, 9, 0))
	for range 2 {
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	issued := briefMsgs("brief")
	if len(issued) != roster.ChainLength() {
		t.Fatalf("the issued brief reached %d people, want %d: %+v", len(issued), roster.ChainLength(), issued)
	}
	if !strings.Contains(issued[0].Text, "2026年第1期") || !strings.Contains(issued[0].Text, "format=docx") {
		t.Errorf("the delivery says %q", issued[0].Text)
	}
	ds, err := st.ListDeliveries(ctx, "brief:"+id)
	if err != nil || len(ds) < roster.ChainLength() {
		t.Errorf("delivery log: %d entries, %v", len(ds), err)
	}
}

// TestScheduleSlots checks when each periodic brief is due and what it
// covers, on the working-day calendar.
func TestScheduleSlots(t *testing.T) {
	cal := calendar.Default()
	def := config.Default().Briefs.Schedule
	if _, err := brief.NewScheduler(brief.SchedulerOptions{Registerer: prometheus.NewRegistry()}); err == nil {
		t.Fatal("a scheduler without a store was built")
	}
	// The slots themselves, through a scheduler with a store.
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sched := func(holidays string) *brief.Scheduler {
		c := def
		c.Holidays = holidays
		sc, _ := brief.ScheduleFrom(c)
		s, err := brief.NewScheduler(brief.SchedulerOptions{Store: st, Builder: brief.NewBuilder(st, brief.Options{}, nil), Schedule: sc, Calendar: cal, Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	merge, skip := sched("merge"), sched("skip")
	isWork := func(t time.Time) bool { w, _ := cal.IsWorkday(calendar.DateOf(t)); return w }
	// The first working day after National Day 2026, and the last before.
	first := china(2026, 10, 1, 0, 0)
	for !isWork(first) {
		first = first.AddDate(0, 0, 1)
	}
	last := china(2026, 10, 1, 0, 0)
	for !isWork(last) {
		last = last.AddDate(0, 0, -1)
	}
	daily := func(s *brief.Scheduler, at time.Time) (start, end time.Time, ok bool) {
		for _, sl := range brief.DueSlots(s, at) {
			if sl.Type == model.BriefDaily {
				return sl.Start, sl.End, true
			}
		}
		return
	}
	if _, _, ok := daily(merge, china(2026, 10, 2, 8, 0)); ok {
		t.Error("a daily brief is due on a holiday")
	}
	if start, end, ok := daily(merge, first.Add(8*time.Hour)); !ok || !start.Equal(last) || !end.Equal(first) {
		t.Errorf("merge: the first working day's brief covers %v–%v (%v), want %v–%v", start, end, ok, last, first)
	}
	if start, _, ok := daily(skip, first.Add(8*time.Hour)); !ok || !start.Equal(first.AddDate(0, 0, -1)) {
		t.Errorf("skip: the first working day's brief starts %v, want the day before", start)
	}
	// Weekly on Monday 08:30 for the week before; monthly on the 1st.
	var weekly, monthly bool
	for _, sl := range brief.DueSlots(merge, china(2026, 12, 7, 8, 30)) {
		if sl.Type == model.BriefWeekly {
			weekly = sl.Start.Equal(china(2026, 11, 30, 0, 0)) && sl.End.Equal(china(2026, 12, 7, 0, 0))
		}
	}
	for _, sl := range brief.DueSlots(merge, china(2026, 12, 1, 9, 0)) {
		if sl.Type == model.BriefMonthly {
			monthly = sl.Start.Equal(china(2026, 11, 1, 0, 0)) && sl.End.Equal(china(2026, 12, 1, 0, 0))
		}
	}
	if !weekly || !monthly {
		t.Errorf("weekly due and right: %v, monthly: %v", weekly, monthly)
	}
	if len(brief.DueSlots(merge, china(2026, 12, 7, 8, 29))) != 1 {
		t.Error("at 08:29 on a Monday only the daily brief is due")
	}
}
