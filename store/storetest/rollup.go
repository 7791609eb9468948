package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
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
