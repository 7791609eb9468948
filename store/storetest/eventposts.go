package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// testEventFilters: Filter.Event selects the posts of an event's latest
// version, Filter.HasIncident those of the events an incident was opened
// on (a merged event's left out), both alike in QueryPosts and the read
// side; SortHeat orders by the hottest event holding the post, posts of no
// event last, then newest first.
func testEventFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 21, 8, 0, 0, 0, model.China)
	var posts []model.Post
	for i, id := range []string{"ef1", "ef2", "ef3", "ef4", "ef5", "ef6"} {
		posts = append(posts, NewPost(id, 1, at.Add(time.Duration(i)*time.Hour)))
	}
	if err := s.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	ev := func(id string, version uint64, heat float64, incident, merged string, ids ...string) model.Event {
		e := NewEvent(id, version, at.Add(6*time.Hour))
		e.Heat, e.IncidentID, e.MergedInto, e.PostIDs = heat, incident, merged, ids
		return e
	}
	// B's second version adds ef5; M is merged into A and holds ef4.
	for _, batch := range [][]model.Event{
		{ev("EV-A", 1, 5, "INC-A", "", "ef1", "ef2"), ev("EV-B", 1, 9, "", "", "ef3"), ev("EV-M", 1, 100, "INC-M", "EV-A", "ef4")},
		{ev("EV-B", 2, 9, "", "", "ef3", "ef5")},
	} {
		if err := s.UpsertEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q store.PostQuery) []string {
		t.Helper()
		page, err := s.QueryPosts(ctx, q)
		if err != nil {
			t.Fatalf("QueryPosts(%+v): %v", q, err)
		}
		var out []string
		for _, p := range page.Items {
			out = append(out, p.ID)
		}
		if page.Total != int64(len(out)) {
			t.Errorf("QueryPosts(%+v) total %d, items %v", q, page.Total, out)
		}
		return out
	}
	for _, tc := range []struct {
		f    store.Filter
		want []string
	}{
		{store.Filter{Event: "EV-A"}, []string{"ef2", "ef1"}},
		{store.Filter{Event: "EV-B"}, []string{"ef5", "ef3"}},
		{store.Filter{Event: "EV-B", Until: at.Add(3 * time.Hour)}, []string{"ef3"}},
		{store.Filter{Event: "none"}, nil},
		{store.Filter{HasIncident: true}, []string{"ef2", "ef1"}},
		{store.Filter{HasIncident: true, Event: "EV-B"}, nil},
	} {
		if got := ids(tc.f.Posts(100, 0)); !slices.Equal(got, tc.want) {
			t.Errorf("posts of %+v = %v, want %v", tc.f, got, tc.want)
		}
		fs, err := s.PostFacets(ctx, store.FacetQuery{Filter: tc.f, By: []store.Dimension{store.BySource}})
		if err != nil || fs.Total != int64(len(tc.want)) {
			t.Errorf("PostFacets(%+v) total = %d, %v; want %d", tc.f, fs.Total, err, len(tc.want))
		}
		f := tc.f
		if f.Since.IsZero() {
			f.Since = at.Add(-time.Hour)
		}
		if f.Until.IsZero() {
			f.Until = at.Add(24 * time.Hour)
		}
		sr, err := s.PostSeries(ctx, store.SeriesQuery{Filter: f, Step: store.StepHour})
		var sum int64
		for _, l := range sr.Lines {
			sum += l.Total
		}
		if err != nil || sum != int64(len(tc.want)) {
			t.Errorf("PostSeries(%+v) counts %d, %v; want %d", f, sum, err, len(tc.want))
		}
	}
	q := store.PostQuery{Sort: store.SortHeat, Limit: 100}
	if got, want := ids(q), []string{"ef5", "ef3", "ef2", "ef1", "ef6", "ef4"}; !slices.Equal(got, want) {
		t.Errorf("posts by heat = %v, want %v", got, want)
	}
	q.Offset, q.Limit = 2, 2
	page, err := s.QueryPosts(ctx, q)
	if err != nil || page.Total != 6 || len(page.Items) != 2 || page.Items[0].ID != "ef2" || page.Items[1].ID != "ef1" {
		t.Errorf("second page by heat = %+v, %v", page, err)
	}
	// A page across the end of the events' posts, and one past it.
	for _, pg := range []struct {
		offset int
		want   []string
	}{{3, []string{"ef1", "ef6"}}, {4, []string{"ef6", "ef4"}}, {5, []string{"ef4"}}, {6, nil}} {
		q.Offset, q.Limit = pg.offset, 2
		if got := idsOf(t, s, q); !slices.Equal(got, pg.want) {
			t.Errorf("posts by heat from %d = %v, want %v", pg.offset, got, pg.want)
		}
	}
	q = store.PostQuery{Sort: store.SortHeat, Text: "正文ef", Until: at.Add(3 * time.Hour), Limit: 100}
	if got, want := ids(q), []string{"ef3", "ef2", "ef1"}; !slices.Equal(got, want) {
		t.Errorf("filtered posts by heat = %v, want %v", got, want)
	}
}

func idsOf(t *testing.T, s store.Store, q store.PostQuery) []string {
	t.Helper()
	page, err := s.QueryPosts(context.Background(), q)
	if err != nil {
		t.Fatalf("QueryPosts(%+v): %v", q, err)
	}
	var out []string
	for _, p := range page.Items {
		out = append(out, p.ID)
	}
	return out
}
