package readmodel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// BenchmarkEventQueries times on SQLite, over benchPosts() synthetic posts
// of which 300 events hold 40 each (a third with an incident), what the
// cockpit asks of events: a feed page by time (the reference), by heat
// and of the posts of events with an incident; the overview of 24 hours
// with each hot event's sparkline; one event's analysis. It reports the
// median and the 95th percentile.
func BenchmarkEventQueries(b *testing.B) {
	ctx := context.Background()
	st := openStore(b)
	end := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	posts := syntheticPosts(benchPosts(), end)
	for i := 0; i < len(posts); i += 5000 {
		if err := st.UpsertPosts(ctx, posts[i:min(i+5000, len(posts))]); err != nil {
			b.Fatal(err)
		}
	}
	var evs []model.Event
	for e := range 300 {
		ev := model.Event{ID: fmt.Sprintf("EV%03d", e), Version: 1, Title: fmt.Sprintf("事件%d", e), Heat: float64((e * 37) % 100),
			FirstSeen: end.Add(-48 * time.Hour), LastSeen: end.Add(-time.Duration(e%24) * time.Hour)}
		for i := range 40 {
			ev.PostIDs = append(ev.PostIDs, posts[(e*40+i*7)%len(posts)].ID)
		}
		ev.FirstPostID = ev.PostIDs[0]
		if e%3 == 0 {
			ev.IncidentID = "INC" + ev.ID
		}
		evs = append(evs, ev)
	}
	if err := st.UpsertEvents(ctx, evs); err != nil {
		b.Fatal(err)
	}
	v := New(st, nil)
	page := func(q store.PostQuery) func() error {
		return func() error { _, err := v.Posts(ctx, q); return err }
	}
	timeCases(b, []benchCase{
		{"feed-time", page(store.PostQuery{Limit: 30})},
		{"feed-heat", page(store.PostQuery{Limit: 30, Sort: store.SortHeat})},
		{"feed-incident", page(store.PostQuery{Limit: 30, HasIncident: true})},
		{"overview-24h-events", func() error {
			_, err := v.Overview(ctx, store.Filter{Since: end.Add(-24 * time.Hour), Until: end}, store.StepHour)
			return err
		}},
		{"event-analysis", func() error { _, err := v.EventAnalysis(ctx, "EV007"); return err }},
	})
}
