package responder

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
)

// TestSetShiftsDecidesRecipient checks that the duty shifts applied while
// running (what the settings watcher hands SetShifts) decide who the next
// alert goes to: the configured duty officer is replaced by the shift's
// person, a shift of a person the roster lacks is left out, and a shift
// that does not validate keeps the roster in use.
func TestSetShiftsDecidesRecipient(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	recv := &duty{secret: []byte("webhook-secret-0123456789"), got: map[string]int{}, texts: map[string]string{}, t: t}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, model.China) // a Monday
	now := start
	ncfg := config.NotifyConfig{
		Channels: []config.ChannelConfig{{Name: "hook", Type: notify.TypeWebhook, URL: srv.URL, Secret: string(recv.secret)}},
		Roster: config.RosterConfig{
			People: []config.PersonConfig{{ID: "duty", Name: "值班员", Contacts: map[string]string{"hook": "duty"}},
				{ID: "swap", Name: "换班员", Contacts: map[string]string{"hook": "swap"}},
				{ID: "chief", Name: "科长", Contacts: map[string]string{"hook": "chief"}}},
			Weekly:     []config.ShiftConfig{{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", End: "00:00", Duty: "duty"}},
			Escalation: []string{"chief"},
		},
		Retry: config.NotifyRetryConfig{Attempts: 1, Initial: time.Millisecond, Max: time.Millisecond},
	}
	ncfg.ApplyDefaults()
	a, err := NewAlerter(ncfg, st, prometheus.NewRegistry(), slog.New(slog.DiscardHandler), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Roster().OnDuty(now); p.ID != "duty" {
		t.Fatalf("configured duty = %q", p.ID)
	}
	shifts := []model.Shift{
		{ID: "day", Person: "swap", Days: []time.Weekday{time.Monday}, Start: "08:00", End: "20:00", Role: model.ShiftDuty},
		{ID: "gone", Person: "left-the-office", Days: []time.Weekday{time.Tuesday}, Start: "08:00", End: "20:00", Role: model.ShiftDuty},
	}
	if err := a.SetShifts(shifts); err != nil {
		t.Fatal(err)
	}
	if err := a.SetShifts([]model.Shift{{ID: "bad", Person: "duty", Days: []time.Weekday{time.Monday}, Start: "8", End: "20:00", Role: model.ShiftDuty}}); err == nil {
		t.Error("a shift with a bad start was applied")
	}
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }), WithAlerter(a))
	posts := explosion()
	for i := range posts {
		posts[i].PublishedAt = start.Add(time.Duration(i) * time.Minute)
	}
	if err := r.HandlePosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	now = start.Add(time.Minute)
	if err := r.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	got := recv.deliveries()
	if got["opened → swap"] != 1 || got["opened → duty"] != 0 {
		t.Errorf("deliveries = %v; want the opening alert to swap, the shift's person", got)
	}
}
