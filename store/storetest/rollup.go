package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Counts kept ahead of the reads (a driver's pre-aggregated counts, or
// none) must agree with counting the posts: after a post is replaced by a
// newer version that moves it to another hour, source, topic and
// keywords; after an older version or the same version is written again;
// after corrections, made before and after the re-analysis, and one made
// before its post is stored; for windows on and off hour boundaries.

// every is a text that every fixture post contains (each body ends with
// it): adding it to a filter selects the same posts, by the full-text
// path, which no driver answers from pre-aggregated counts.
const every = "。"

// rollupFilters are the filters the changes are checked with.
func rollupFilters() map[string]store.Filter {
	day := func(d int) time.Time { return fixtureStart.AddDate(0, 0, d) }
	return map[string]store.Filter{
		"none":                  {},
		"whole hours":           {Since: day(1).Add(3 * time.Hour), Until: day(4).Add(17 * time.Hour)},
		"hour edges":            {Since: day(1).Add(3*time.Hour + 17*time.Minute), Until: day(4).Add(17*time.Hour + 59*time.Minute)},
		"within one hour":       {Since: day(2).Add(5 * time.Hour), Until: day(2).Add(5*time.Hour + 30*time.Minute)},
		"negative":              {Sentiment: model.Negative},
		"scheme":                {Scheme: "chem", Since: day(0).Add(90 * time.Minute)},
		"region, neutral":       {Region: "320581", Sentiment: model.Neutral, Until: day(5).Add(time.Minute)},
		"topic, whole days":     {Topic: "应急管理", Since: day(-1), Until: day(6)},
		"two scopes (fallback)": {Topic: "教育", Scheme: "flood"},
	}
}

func testCountsAfterChanges(t *testing.T, s store.Store) {
	ctx := context.Background()
	fx := newFixture()
	fx.load(t, s)
	rng := rand.New(rand.NewPCG(7, 12))
	pick := func(n int) int { return rng.IntN(n) }
	// Re-analysis: every third post in a version 3 that differs in
	// everything counted, an hour or so later (across hour boundaries).
	corrected := map[string]bool{}
	for _, c := range fx.corrections {
		corrected[c.PostID] = true
	}
	var newer, stale []model.Post
	var i int
	for id, p := range fx.posts {
		i++
		if i%3 != 0 {
			continue
		}
		n := fixturePost(id, 3, p.PublishedAt.Add(time.Duration(pick(120))*time.Minute-30*time.Minute), pick)
		newer = append(newer, n)
		fx.posts[id] = n
		if !corrected[id] {
			fx.sentiment[id] = n.Sentiment.Label // the analyzer's, for want of a correction
		}
		old := fixturePost(id, 1, p.PublishedAt.Add(48*time.Hour), pick)
		old.Topics = []model.Topic{{Name: "旧话题"}}
		stale = append(stale, old)
	}
	upsertPosts(t, s, newer...)
	upsertPosts(t, s, newer...) // the same version again: nothing changes
	upsertPosts(t, s, stale...) // older versions: nothing changes
	// Corrections after the re-analysis, of posts re-analysed or not.
	var cs []model.SentimentCorrection
	i = 0
	for id, p := range fx.posts {
		i++
		if i%7 != 0 {
			continue
		}
		label := labels[pick(3)]
		cs = append(cs, NewCorrection(fmt.Sprintf("r%s", id), p, label, 24*time.Hour+time.Duration(i)*time.Second))
		fx.sentiment[id] = label
	}
	// A correction of a post not stored yet counts once it is.
	late := fixturePost("late", 1, fixtureStart.Add(26*time.Hour+30*time.Minute), pick)
	cs = append(cs, NewCorrection("late-1", late, model.Negative, 25*time.Hour))
	appendCorrections(t, s, cs...)
	upsertPosts(t, s, late)
	fx.posts[late.ID], fx.sentiment[late.ID] = late, model.Negative

	for name, f := range rollupFilters() {
		text := f
		text.Text = every
		if got, want := fx.matching(text), fx.matching(f); len(got) != len(want) {
			t.Fatalf("%s: %q is not in every post (%d of %d)", name, every, len(got), len(want))
		}
		q := store.FacetQuery{Filter: f, By: store.Dimensions}
		got, err := s.PostFacets(ctx, q)
		if err != nil {
			t.Fatalf("PostFacets(%s): %v", name, err)
		}
		if want := fx.wantFacets(q); !reflect.DeepEqual(got, want) {
			t.Errorf("PostFacets(%s) after changes:\n got %+v\nwant %+v", name, got, want)
		}
		q.Filter, q.Limit = text, 3
		byText, err := s.PostFacets(ctx, q)
		q.Filter = f
		limited, err2 := s.PostFacets(ctx, q)
		if err != nil || err2 != nil || !reflect.DeepEqual(limited, byText) {
			t.Errorf("PostFacets(%s, limit 3) = %+v, %v; by the full-text path %+v, %v", name, limited, err2, byText, err)
		}
		page := queryPosts(t, s, f.Posts(5, 0))
		if want := int64(len(fx.matching(f))); page.Total != want {
			t.Errorf("QueryPosts(%s) total = %d, want %d", name, page.Total, want)
		}
		for _, step := range []store.Step{store.StepHour, store.StepDay} {
			if step == store.StepHour && f.Since.IsZero() {
				continue // open ends are checked by testSeries
			}
			for _, by := range append([]store.Dimension{""}, store.Dimensions...) {
				sq := store.SeriesQuery{Filter: f, Step: step, By: by}
				got, err := s.PostSeries(ctx, sq)
				if err != nil {
					t.Fatalf("PostSeries(%s): %v", name, err)
				}
				checkSeries(t, fmt.Sprintf("%s by %q of %s after changes", step, by, name), got, fx.wantSeries(sq))
			}
		}
		terms, err := s.TopTerms(ctx, store.TermQuery{Filter: f, Limit: 5})
		termsByText, err2 := s.TopTerms(ctx, store.TermQuery{Filter: text, Limit: 5})
		if err != nil || err2 != nil || !reflect.DeepEqual(terms, termsByText) {
			t.Errorf("TopTerms(%s) = %+v, %v; by the full-text path %+v, %v", name, terms, err, termsByText, err2)
		}
	}
}

// testSearchPosts checks that SearchPosts gives what QueryPosts, PostFacets
// and a has-incident count give of the same filter, on the filters of the
// rollup and of the full-text path, with events holding an incident over
// some of the posts (one merged away, whose incident does not count).
func testSearchPosts(t *testing.T, s store.Store) {
	ctx := context.Background()
	fx := newFixture()
	fx.load(t, s)
	var ids []string
	for id := range fx.posts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ev := func(id, incident, merged string, posts ...string) model.Event {
		e := NewEvent(id, 1, fixtureStart.AddDate(0, 0, 3))
		e.IncidentID, e.MergedInto, e.PostIDs = incident, merged, posts
		return e
	}
	var incident []string // the posts of SE-A, the one event with an incident not merged
	for i := 0; i < len(ids); i += 3 {
		incident = append(incident, ids[i])
	}
	var others, merged []string
	for i := 1; i < len(ids); i += 5 {
		others = append(others, ids[i])
	}
	for i := 2; i < len(ids); i += 7 {
		merged = append(merged, ids[i])
	}
	counted := 0
	if err := s.UpsertEvents(ctx, []model.Event{
		ev("SE-A", "INC-SA", "", incident...), ev("SE-B", "", "", others...), ev("SE-M", "INC-SM", "SE-A", merged...),
	}); err != nil {
		t.Fatal(err)
	}
	filters := rollupFilters()
	for name, f := range rollupFilters() {
		f.Text = every
		filters[name+", full text"] = f
	}
	filters["term, negative"] = store.Filter{Text: fixtureTopics[0], Sentiment: model.Negative}
	for name, f := range filters {
		for _, pg := range [][2]int{{5, 0}, {20, 10}} {
			pq := f.Posts(pg[0], pg[1])
			q := store.SearchQuery{PostQuery: pq, By: store.Dimensions, FacetLimit: 3}
			got, err := s.SearchPosts(ctx, q)
			if err != nil {
				t.Fatalf("SearchPosts(%s): %v", name, err)
			}
			page := queryPosts(t, s, pq)
			if got.Page.Total != page.Total || !slices.EqualFunc(got.Page.Items, page.Items, func(a, b model.Post) bool { return a.ID == b.ID }) {
				t.Errorf("SearchPosts(%s) page %v: total %d, %d posts; QueryPosts: total %d, %d posts", name, pg, got.Page.Total, len(got.Page.Items), page.Total, len(page.Items))
			}
			facets, err := s.PostFacets(ctx, q.Facets())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Facets, facets) {
				t.Errorf("SearchPosts(%s) facets:\n got %+v\nwant %+v", name, got.Facets, facets)
			}
			var want int64
			for _, p := range fx.matching(f) {
				if slices.Contains(incident, p.ID) {
					want++
				}
			}
			inc := f
			inc.HasIncident = true
			incFacets, err := s.PostFacets(ctx, store.FacetQuery{Filter: inc})
			if err != nil {
				t.Fatal(err)
			}
			if want > 0 {
				counted++
			}
			if got.InIncident != want || incFacets.Total != want {
				t.Errorf("SearchPosts(%s) in incident = %d, has-incident filter counts %d; want %d", name, got.InIncident, incFacets.Total, want)
			}
		}
	}
	if counted == 0 {
		t.Error("no filter selects a post of the incident")
	}
}
