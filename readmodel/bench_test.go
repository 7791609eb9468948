package readmodel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// benchPosts is how many synthetic posts the cockpit benchmarks store:
// YUQING_BENCH_POSTS, else 100 000.
func benchPosts() int {
	if n, err := strconv.Atoi(os.Getenv("YUQING_BENCH_POSTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// syntheticPosts are n posts over 30 days before end, spread over 20
// sources of every kind and tier, 6 topics, 8 regions, 3 schemes and 40
// keywords, a third of them negative.
func syntheticPosts(n int, end time.Time) []model.Post { return syntheticRange(0, n, end) }

// syntheticRange are the synthetic posts numbered from to to (exclusive):
// each is drawn from its own seed, so a store can be filled in chunks
// with the same posts as at once.
func syntheticRange(from, to int, end time.Time) []model.Post {
	kinds := []string{model.KindPortal, model.KindNews, model.KindForum, model.KindFeed}
	tiers := []string{model.TierOfficial, model.TierCentral, model.TierProvincial, model.TierLocal, model.TierForum}
	topics := []string{"安全生产", "应急管理", "城乡建设", "教育", "医疗卫生", "生态环境"}
	regions := []model.Region{{Code: "451024", Name: "青岚县"}, {Code: "451000", Name: "澜州市"}, {Code: "451021", Name: "东岚县"},
		{Code: "451022", Name: "西岚县"}, {Code: "451023", Name: "北岚县"}, {Code: "451025", Name: "南岚县"}, {Code: "451026", Name: "中岚县"}, {Code: "451081", Name: "岚江市"}}
	schemes := []model.SchemeHit{{ID: "chem", Name: "危化品安全"}, {ID: "flood", Name: "防汛"}, {ID: "school", Name: "校园安全"}}
	labels := []string{model.Negative, model.Neutral, model.Positive}
	words := make([]string, 40)
	for i := range words {
		words[i] = fmt.Sprintf("热词%02d", i)
	}
	posts := make([]model.Post, 0, to-from)
	for i := from; i < to; i++ {
		rng := rand.New(rand.NewPCG(2026, uint64(i)))
		src := rng.IntN(20)
		p := model.Post{Document: model.Document{ID: fmt.Sprintf("b%08d", i), Version: 1, URL: fmt.Sprintf("http://s%d.example/%d", src, i),
			SourceID: fmt.Sprintf("s%02d", src), SourceName: fmt.Sprintf("信息源%02d", src), SourceKind: kinds[src%len(kinds)], Authority: tiers[src%len(tiers)],
			Title: fmt.Sprintf("%s第%d条：%s", topics[i%len(topics)], i, words[rng.IntN(len(words))]), Body: "青岚县" + topics[i%len(topics)] + "相关情况通报。",
			PublishedAt: end.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))},
			Sentiment: model.Sentiment{Label: labels[rng.IntN(3)], Score: 0.8},
			Topics:    []model.Topic{{Name: topics[rng.IntN(len(topics))], Score: 0.9}},
			Regions:   []model.Region{regions[rng.IntN(len(regions))]},
			Keywords:  []model.Keyword{{Word: words[rng.IntN(len(words))], Weight: 0.5}, {Word: words[rng.IntN(len(words))], Weight: 0.3}},
			SimHash:   rng.Uint64()}
		if rng.IntN(4) == 0 {
			p.Schemes = []model.SchemeHit{schemes[rng.IntN(len(schemes))]}
		}
		posts = append(posts, p)
	}
	return posts
}

// fillStore writes the synthetic posts from have to n into st in
// transactions of 20 000, generating each chunk as it goes.
func fillStore(b *testing.B, st store.Store, have, n int, end time.Time) {
	ctx := context.Background()
	start := time.Now()
	for i := have; i < n; i += 20000 {
		if err := st.UpsertPosts(ctx, syntheticRange(i, min(i+20000, n), end)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("stored %d posts in %s", n-have, time.Since(start).Round(time.Millisecond))
}

// benchStore returns a store holding benchPosts() synthetic posts ending
// at end, written straight to the store in transactions of 20 000 (not
// through the analyzer). With YUQING_BENCH_DIR set, the database is kept
// there and reused by the next run that asks for as many posts.
func benchStore(b *testing.B, end time.Time) store.Store {
	ctx := context.Background()
	n := benchPosts()
	dir := os.Getenv("YUQING_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("cockpit-v2-%d.db", n)), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	have, err := st.CountPosts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// A run stopped while filling resumes where its last transaction ended.
	fillStore(b, st, int(have), n, end)
	// The full-text index is built behind the writes (store/sqlite/fts.go);
	// a store in steady state has caught up, so the benchmark lets it.
	for {
		done, err := st.IndexFTS(ctx, 20000)
		if err != nil {
			b.Fatal(err)
		}
		if done == 0 {
			break
		}
	}
	return st
}

// benchCase is one query a benchmark times.
type benchCase struct {
	name string
	run  func() error
}

// timeCases runs each case as a sub-benchmark and reports the median and
// the 95th percentile of its iterations.
func timeCases(b *testing.B, cases []benchCase) {
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				t := time.Now()
				if err := bc.run(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(took[min(len(took)-1, len(took)*95/100)].Microseconds())/1000, "p95-ms")
		})
	}
}

// cockpitCases are what the overview and the feed ask of st over posts
// ending at end: the overview of 24 hours, of 7 days and of one scheme
// over 30 days, one feed page with its facets, and a search.
func cockpitCases(st store.Store, end time.Time) []benchCase {
	ctx := context.Background()
	v := New(st, nil)
	// What the feed page asks: a page of 30, its facets and the count of
	// posts in an event with an incident (console/feed.go).
	feed := func(f store.Filter) error {
		_, err := v.Search(ctx, store.SearchQuery{PostQuery: f.Posts(30, 0), By: []store.Dimension{store.BySentiment, store.ByKind,
			store.ByTier, store.BySource, store.ByTopic, store.ByRegion, store.ByScheme}, FacetLimit: 12})
		return err
	}
	return []benchCase{
		{"overview-24h", func() error {
			_, err := v.Overview(ctx, store.Filter{Since: end.Add(-24 * time.Hour), Until: end}, store.StepHour)
			return err
		}},
		// A window that does not start or end on the hour, as "the last
		// 24 hours" at 12:17 is: the partial hours are counted from the
		// posts.
		{"overview-24h-off-hour", func() error {
			at := end.Add(-43 * time.Minute)
			_, err := v.Overview(ctx, store.Filter{Since: at.Add(-24 * time.Hour), Until: at}, store.StepHour)
			return err
		}},
		{"overview-7d", func() error {
			_, err := v.Overview(ctx, store.Filter{Since: end.Add(-7 * 24 * time.Hour), Until: end}, store.StepDay)
			return err
		}},
		{"overview-30d-scheme", func() error {
			_, err := v.Overview(ctx, store.Filter{Scheme: "chem", Since: end.Add(-30 * 24 * time.Hour), Until: end}, store.StepDay)
			return err
		}},
		{"feed-all", func() error { return feed(store.Filter{}) }},
		{"feed-negative-24h", func() error {
			return feed(store.Filter{Sentiment: model.Negative, Since: end.Add(-24 * time.Hour), Until: end})
		}},
		// A term in one post of six (the worst case) and one in forty.
		{"feed-search-negative-7d", func() error {
			return feed(store.Filter{Text: "安全生产", Sentiment: model.Negative, Since: end.Add(-7 * 24 * time.Hour), Until: end})
		}},
		{"feed-search-rare-7d", func() error {
			return feed(store.Filter{Text: "热词07", Since: end.Add(-7 * 24 * time.Hour), Until: end})
		}},
	}
}

// benchEnd is when the synthetic posts end.
var benchEnd = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// BenchmarkCockpitQueries times what the overview and the feed ask of the
// store on SQLite over benchPosts() synthetic posts (cockpitCases).
func BenchmarkCockpitQueries(b *testing.B) {
	timeCases(b, cockpitCases(benchStore(b, benchEnd), benchEnd))
}
