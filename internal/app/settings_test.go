package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/responder"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// TestSchemesFromTheStore checks the analyzer's schemes are the store's:
// the configured ones seeded, and a change made in the store (as the
// console makes it) matched by the next post once the watcher polled, with
// no restart.
func TestSchemesFromTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := &config.Config{}
	cfg.Analyzer.Schemes = []config.Scheme{{ID: "chem", Name: "危化品", Subjects: []string{"化工厂"}}}
	a := &App{cfg: cfg, log: slog.New(slog.DiscardHandler), reg: prometheus.NewRegistry(), st: st}
	an, err := analyzer.New(config.AnalyzerConfig{}, a.reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.seedSchemes(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := a.schemeWatcher(an)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	doc := model.Document{ID: "d1", Title: "化工厂附近道路积水", Body: "昨夜暴雨，化工厂附近道路积水严重。", PublishedAt: time.Now()}
	hits := func() []string {
		var ids []string
		for _, h := range an.Analyze(doc).Schemes {
			ids = append(ids, h.ID)
		}
		return ids
	}
	if got := hits(); len(got) != 1 || got[0] != "chem" {
		t.Fatalf("hits with the seeded schemes = %v", got)
	}
	flood := model.Scheme{ID: "flood", Name: "防汛", Events: []string{"积水"}}
	chemOff := model.Scheme{ID: "chem", Name: "危化品", Subjects: []string{"化工厂"}, Disabled: true}
	if err := st.AppendSettings(ctx, []model.SettingChange{flood.Change("c1", "monitor", time.Now()), chemOff.Change("c2", "monitor", time.Now())}); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.Refresh(ctx); !ok || err != nil {
		t.Fatalf("refresh = %v, %v", ok, err)
	}
	if got := hits(); len(got) != 1 || got[0] != "flood" {
		t.Errorf("hits after the change = %v, want [flood]", got)
	}
	// A scheme that does not compile is refused; the ones in use stay.
	bad := model.Scheme{ID: "bad", Name: "坏", Expression: "积水 AND ("}
	if err := st.AppendSettings(ctx, []model.SettingChange{bad.Change("c3", "monitor", time.Now())}); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.Refresh(ctx); ok || err == nil {
		t.Errorf("refresh with a bad scheme = %v, %v; want an error", ok, err)
	}
	if got := hits(); len(got) != 1 || got[0] != "flood" {
		t.Errorf("hits after the bad scheme = %v, want [flood]", got)
	}
}

// TestShiftsFromTheStore checks the responder's roster is the store's: the
// configured weekly shifts and overrides seeded once, and a shift changed
// in the store (as the console changes it) deciding who is on duty once
// the watcher polled, with no restart.
func TestShiftsFromTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := config.NotifyConfig{
		Channels: []config.ChannelConfig{{Name: "hook", Type: "webhook", URL: "http://127.0.0.1:1/hook", Secret: "webhook-secret-0123456789"}},
		Roster: config.RosterConfig{
			People: []config.PersonConfig{{ID: "wang", Name: "王五", Contacts: map[string]string{"hook": "wang"}},
				{ID: "li", Name: "李四", Contacts: map[string]string{"hook": "li"}}},
			Weekly:    []config.ShiftConfig{{Days: []string{"周一", "周二", "周三", "周四", "周五"}, Start: "08:00", End: "20:00", Duty: "wang"}},
			Overrides: []config.DutyOverrideConfig{{Date: "2026-12-01", Duty: "li"}},
		},
	}
	n.ApplyDefaults()
	a := &App{cfg: &config.Config{}, log: slog.New(slog.DiscardHandler), reg: prometheus.NewRegistry(), st: st}
	al, err := responder.NewAlerter(n, st, a.reg, a.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // seeding twice, as the console and the responder do, imports once
		if err := a.seedShifts(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := st.SettingsVersion(ctx, model.SettingShift); err != nil || v.Changes != 2 {
		t.Fatalf("shift changes after seeding = %+v, %v; want 2", v, err)
	}
	w, err := a.shiftWatcher(al)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	mon := time.Date(2026, 11, 30, 10, 0, 0, 0, model.China)
	tue := mon.AddDate(0, 0, 1)
	duty := func(at time.Time) string {
		p, _ := al.Roster().OnDuty(at)
		return p.ID
	}
	if duty(mon) != "wang" || duty(tue) != "li" {
		t.Fatalf("seeded duty = %q on Monday, %q on the override's Tuesday", duty(mon), duty(tue))
	}
	edited := model.Shift{ID: "weekly-1", Person: "li", Days: []time.Weekday{time.Monday}, Start: "08:00", End: "20:00", Role: model.ShiftDuty}
	if err := st.AppendSettings(ctx, []model.SettingChange{edited.Change("c1", "handler", time.Now())}); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.Refresh(ctx); !ok || err != nil {
		t.Fatalf("refresh = %v, %v", ok, err)
	}
	if duty(mon) != "li" || duty(mon.AddDate(0, 0, 2)) != "" {
		t.Errorf("duty after the edit = %q on Monday, %q on Wednesday; want li and nobody", duty(mon), duty(mon.AddDate(0, 0, 2)))
	}
	// The inspector's alerts go by the same roster in force.
	base, err := notify.BuildRoster(&n)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := base.OnDuty(mon); p.ID != "wang" {
		t.Fatalf("configured duty = %q", p.ID)
	}
	if p, _ := a.rosterInForce(ctx, base).OnDuty(mon); p.ID != "li" {
		t.Errorf("inspector's duty in force = %q, want li", p.ID)
	}
}
