package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// The read side is checked against the same data counted here, in Go, from
// the fixture's winning versions and latest corrections, with the bucket
// arithmetic done by the calendar (time.Date in model.China) rather than
// by store.Step: so both drivers are held to one independent reference.

// RunAggregates runs the tests of store.Aggregates and of the filters the
// read side shares with QueryPosts and QueryCandidates.
func RunAggregates(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"FiltersMatchReference", testFiltersMatchReference},
		{"Series", testSeries},
		{"SeriesChinaTime", testSeriesChinaTime},
		{"SeriesRefusesBadQueries", testSeriesRefusesBadQueries},
		{"Facets", testFacets},
		{"TopTerms", testTopTerms},
		{"TopEvents", testTopEvents},
		{"Candidates", testCandidates},
		{"EventFilters", testEventFilters},
		{"CountsAfterChanges", testCountsAfterChanges},
		{"SearchPosts", testSearchPosts},
	})
}

// fixture is a set of posts written in several versions, with officers'
// corrections, and what a store should make of them.
type fixture struct {
	batches     [][]model.Post
	corrections []model.SentimentCorrection
	// posts are the winning versions, by ID.
	posts map[string]model.Post
	// sentiment is each post's sentiment as corrected.
	sentiment map[string]string
}

// fixtureStart is a Monday, 00:00 China time, three days before the end of
// February 2024 (a leap year): the fixture's posts cross hour, day, week
// and month boundaries.
var fixtureStart = time.Date(2024, 2, 26, 0, 0, 0, 0, model.China)

var (
	fixtureSources = []struct{ id, name, kind, tier string }{
		{"county-gov", "某县人民政府网", model.KindPortal, model.TierOfficial},
		{"city-daily", "某市日报", model.KindNews, model.TierLocal},
		{"xinhua", "新华网", model.KindNews, model.TierCentral},
		{"forum-a", "某县论坛", model.KindForum, model.TierForum},
		{"fabu-rss", "某县发布", model.KindFeed, model.TierOfficial},
	}
	fixtureTopics  = []string{"安全生产", "应急管理", "城乡建设", "教育"}
	fixtureRegions = []model.Region{
		{Code: "320581", Name: "常熟市"}, {Code: "320500", Name: "苏州市"}, {Code: "320582", Name: "张家港市"},
	}
	fixtureSchemes = []model.SchemeHit{{ID: "chem", Name: "危化品安全"}, {ID: "flood", Name: "防汛"}, {ID: "county"}}
	fixtureWords   = []string{"化工厂", "爆炸", "积水", "春耕", "通报", "学校", "Water"}
	fixtureTitles  = []string{"某化工厂发生爆炸", "城区道路积水", "春耕生产有序推进", "县政府情况通报", "Water supply notice", "学校开学"}
	labels         = []string{model.Positive, model.Neutral, model.Negative}
)

// newFixture builds the fixture from a fixed seed.
func newFixture() fixture {
	rng := rand.New(rand.NewPCG(2024, 3))
	pick := func(n int) int { return rng.IntN(n) }
	fx := fixture{posts: map[string]model.Post{}, sentiment: map[string]string{}}
	// Moments on and next to boundaries, and others spread over 10 days.
	times := []time.Time{
		fixtureStart, fixtureStart.Add(-time.Nanosecond), fixtureStart.Add(time.Hour - time.Nanosecond),
		time.Date(2024, 3, 1, 0, 0, 0, 0, model.China), time.Date(2024, 3, 1, 0, 0, 0, 0, model.China).Add(-time.Nanosecond),
		time.Date(2024, 3, 4, 0, 0, 0, 0, model.China), time.Date(2024, 2, 29, 23, 30, 0, 0, time.UTC),
	}
	for len(times) < 160 {
		times = append(times, fixtureStart.Add(time.Duration(rng.Int64N(int64(10*24*time.Hour)))).Add(-24*time.Hour))
	}
	var first, second []model.Post
	for i, published := range times {
		p := fixturePost(fmt.Sprintf("a%03d", i), 2, published, pick)
		if i%4 == 0 {
			// An older version that differs in everything the read side
			// counts by: it must never be counted.
			old := fixturePost(p.ID, 1, published.Add(-36*time.Hour), pick)
			old.Title, old.Body = "旧版本标题 OLDTEXT", "旧版本正文"
			old.Topics = []model.Topic{{Name: "旧话题"}}
			old.Keywords = []model.Keyword{{Word: "旧词", Weight: 8}}
			old.Regions = []model.Region{{Code: "110000", Name: "北京市"}}
			old.Schemes = []model.SchemeHit{{ID: "stale"}}
			old.SourceID, old.Authority, old.SourceKind = "stale-source", model.TierProvincial, "api"
			if i%8 == 0 {
				first, second = append(first, old), append(second, p) // older first
			} else {
				first, second = append(first, p), append(second, old) // newer first
			}
		} else {
			first = append(first, p)
		}
		fx.posts[p.ID] = p
		fx.sentiment[p.ID] = p.Sentiment.Label
	}
	fx.batches = [][]model.Post{first, second}
	// Corrections of every fifth post, some corrected twice; the later
	// correction wins, and of two at the same time the greater ID.
	for i := 0; i < len(times); i += 5 {
		p := fx.posts[fmt.Sprintf("a%03d", i)]
		label := labels[pick(3)]
		c := NewCorrection(fmt.Sprintf("k%03d-1", i), p, label, time.Duration(i)*time.Minute)
		fx.corrections = append(fx.corrections, c)
		fx.sentiment[p.ID] = label
		if i%10 == 0 {
			later := labels[pick(3)]
			tie := NewCorrection(fmt.Sprintf("k%03d-2", i), p, later, time.Duration(i)*time.Minute)
			if i%20 == 0 {
				tie.At = tie.At.Add(time.Hour)
			}
			fx.corrections = append(fx.corrections, tie)
			fx.sentiment[p.ID] = later
		}
	}
	return fx
}

// fixturePost returns a post with attributes picked by pick.
func fixturePost(id string, version uint64, published time.Time, pick func(int) int) model.Post {
	p := NewPost(id, version, published)
	src := fixtureSources[pick(len(fixtureSources))]
	p.SourceID, p.SourceName, p.SourceKind, p.Authority = src.id, src.name, src.kind, src.tier
	p.Title = fixtureTitles[pick(len(fixtureTitles))]
	p.Body = fixtureTitles[pick(len(fixtureTitles))] + "，" + fixtureWords[pick(len(fixtureWords))] + "。"
	p.Sentiment = model.Sentiment{Label: labels[pick(3)], Score: 0.5}
	p.Topics, p.Keywords, p.Regions, p.Schemes = nil, nil, nil, nil
	for _, i := range distinct(pick, len(fixtureTopics), 3) {
		p.Topics = append(p.Topics, model.Topic{Name: fixtureTopics[i], Score: 0.5})
	}
	for _, i := range distinct(pick, len(fixtureWords), 4) {
		// Weights are multiples of 1/8, so every sum is exact.
		p.Keywords = append(p.Keywords, model.Keyword{Word: fixtureWords[i], Weight: float64(1+pick(16)) / 8})
	}
	for _, i := range distinct(pick, len(fixtureRegions), 3) {
		r := fixtureRegions[i]
		r.Role = []string{"publisher", "mentioned"}[pick(2)]
		p.Regions = append(p.Regions, r)
		if pick(4) == 0 {
			// The same region in a second role counts once.
			r.Role = "event"
			p.Regions = append(p.Regions, r)
		}
	}
	for _, i := range distinct(pick, len(fixtureSchemes), 3) {
		h := fixtureSchemes[i]
		h.Terms = []string{"化工厂"}
		if pick(3) == 0 {
			h.Name = "" // a hit without the scheme's name; the label is the name another hit has
		}
		p.Schemes = append(p.Schemes, h)
	}
	return p
}

// distinct picks up to most distinct indexes below n.
func distinct(pick func(int) int, n, most int) []int {
	var out []int
	for range pick(most + 1) {
		if i := pick(n); !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// load writes the fixture into s.
func (fx fixture) load(t *testing.T, s store.Store) {
	t.Helper()
	for _, b := range fx.batches {
		upsertPosts(t, s, b...)
	}
	appendCorrections(t, s, fx.corrections...)
}

// foldASCII lower-cases ASCII letters, as the stores' text match does.
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func contains(p model.Post, term string) bool {
	term = foldASCII(term)
	return strings.Contains(foldASCII(p.Title), term) || strings.Contains(foldASCII(p.Body), term)
}

// match reports whether p (a winning version) matches f.
func (fx fixture) match(p model.Post, f store.Filter) bool {
	for _, term := range strings.Fields(f.Text) {
		if !contains(p, term) {
			return false
		}
	}
	has := func(want string, values []string) bool { return want == "" || slices.Contains(values, want) }
	return (f.SourceID == "" || p.SourceID == f.SourceID) && (f.Tier == "" || p.Authority == f.Tier) &&
		(f.Kind == "" || p.SourceKind == f.Kind) && (f.Sentiment == "" || fx.sentiment[p.ID] == f.Sentiment) &&
		has(f.Scheme, keys(p, store.ByScheme, fx)) && has(f.Topic, keys(p, store.ByTopic, fx)) &&
		has(f.Region, keys(p, store.ByRegion, fx)) &&
		(f.Since.IsZero() || !p.PublishedAt.Before(f.Since)) && (f.Until.IsZero() || p.PublishedAt.Before(f.Until))
}

// matching returns the winning versions matching f, newest first, ties by
// ID descending.
func (fx fixture) matching(f store.Filter) []model.Post {
	var out []model.Post
	for _, p := range fx.posts {
		if fx.match(p, f) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b model.Post) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

// keys returns p's distinct values of dimension d.
func keys(p model.Post, d store.Dimension, fx fixture) []string {
	var out []string
	add := func(k string) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	switch d {
	case store.BySentiment:
		add(fx.sentiment[p.ID])
	case store.BySource:
		add(p.SourceID)
	case store.ByTier:
		add(p.Authority)
	case store.ByKind:
		add(p.SourceKind)
	case store.ByTopic:
		for _, t := range p.Topics {
			add(t.Name)
		}
	case store.ByRegion:
		for _, r := range p.Regions {
			add(r.Code)
		}
	case store.ByScheme:
		for _, h := range p.Schemes {
			add(h.ID)
		}
	case "":
		add("")
	}
	return out
}

// label returns the label p gives key of dimension d.
func label(p model.Post, d store.Dimension, key string) string {
	l := ""
	switch d {
	case store.BySource:
		l = p.SourceName
	case store.ByRegion:
		for _, r := range p.Regions {
			if r.Code == key {
				l = max(l, r.Name)
			}
		}
	case store.ByScheme:
		for _, h := range p.Schemes {
			if h.ID == key {
				l = max(l, h.Name)
			}
		}
	}
	return l
}

// filters are the filters the read side is checked with.
func filters() map[string]store.Filter {
	day := func(d int) time.Time { return fixtureStart.AddDate(0, 0, d) }
	return map[string]store.Filter{
		"none":                       {},
		"corrected sentiment":        {Sentiment: model.Negative},
		"neutral":                    {Sentiment: model.Neutral},
		"tier":                       {Tier: model.TierOfficial},
		"kind":                       {Kind: model.KindNews},
		"topic":                      {Topic: "安全生产"},
		"region":                     {Region: "320500"},
		"scheme":                     {Scheme: "chem"},
		"source":                     {SourceID: "forum-a"},
		"short text":                 {Text: "爆炸"},
		"ASCII text, any case":       {Text: "WATER"},
		"two terms":                  {Text: "县政府 通报"},
		"stale text":                 {Text: "OLDTEXT"},
		"stale topic":                {Topic: "旧话题"},
		"window":                     {Since: day(1).Add(7 * time.Hour), Until: day(4).Add(-time.Nanosecond)},
		"window from China midnight": {Since: day(3), Until: day(5)},
		"everything at once": {Sentiment: model.Negative, Topic: "应急管理", Tier: model.TierOfficial,
			Since: day(-1), Until: day(8)},
		"region and kind": {Region: "320581", Kind: model.KindForum},
	}
}

// testFiltersMatchReference checks QueryPosts, PostFacets' total and the
// candidates without terms against the reference for every filter: the
// feed, the charts and the back-test select the same posts.
func testFiltersMatchReference(t *testing.T, s store.Store) {
	// PostQuery and Filter name the same filters, so the feed takes every
	// filter the charts take.
	fields := func(v any, skip ...string) []string {
		var out []string
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			if f := typ.Field(i); !slices.Contains(skip, f.Name) {
				out = append(out, f.Name+" "+f.Type.String())
			}
		}
		return out
	}
	if a, b := fields(store.PostQuery{}, "Limit", "Offset", "Sort"), fields(store.Filter{}); !slices.Equal(a, b) {
		t.Errorf("store.PostQuery's filters %v differ from store.Filter's %v", a, b)
	}
	fx := newFixture()
	fx.load(t, s)
	ctx := context.Background()
	for name, f := range filters() {
		want := postIDs(fx.matching(f))
		page := queryPosts(t, s, f.Posts(store.MaxPostLimit, 0))
		if got := postIDs(page.Items); !reflect.DeepEqual(got, want) || page.Total != int64(len(want)) {
			t.Errorf("%s: QueryPosts = %v (total %d), want %v", name, got, page.Total, want)
		}
		if q := f.Posts(7, 3); !reflect.DeepEqual(q.Filter(), f) {
			t.Errorf("%s: PostQuery.Filter() = %+v, want %+v", name, q.Filter(), f)
		}
		facets, err := s.PostFacets(ctx, store.FacetQuery{Filter: f})
		if err != nil || facets.Total != int64(len(want)) {
			t.Errorf("%s: PostFacets total = %d, %v; want %d", name, facets.Total, err, len(want))
		}
		cands, err := s.QueryCandidates(ctx, store.CandidateQuery{Filter: f})
		if err != nil {
			t.Fatalf("%s: QueryCandidates: %v", name, err)
		}
		if got := ids(cands.Items, func(c store.Candidate) string { return c.ID }); !reflect.DeepEqual(got, want) || cands.Total != int64(len(want)) {
			t.Errorf("%s: QueryCandidates = %v (total %d), want %v", name, got, cands.Total, want)
		}
	}
}

// bucketStart is the start of t's bucket, by the calendar in model.China.
func bucketStart(step store.Step, t time.Time) time.Time {
	c := t.In(model.China)
	switch step {
	case store.StepHour:
		return time.Date(c.Year(), c.Month(), c.Day(), c.Hour(), 0, 0, 0, model.China)
	case store.StepDay:
		return time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, model.China)
	case store.StepWeek:
		d := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, model.China)
		return d.AddDate(0, 0, -(int(d.Weekday())+6)%7)
	case store.StepMonth:
		return time.Date(c.Year(), c.Month(), 1, 0, 0, 0, 0, model.China)
	}
	panic("unknown step " + step)
}

func nextBucket(step store.Step, start time.Time) time.Time {
	switch step {
	case store.StepHour:
		return start.Add(time.Hour)
	case store.StepDay:
		return start.AddDate(0, 0, 1)
	case store.StepWeek:
		return start.AddDate(0, 0, 7)
	}
	return start.AddDate(0, 1, 0)
}

// wantSeries is the reference series of q.
func (fx fixture) wantSeries(q store.SeriesQuery) store.Series {
	posts := fx.matching(q.Filter)
	out := store.Series{Step: q.Step}
	// An open end is the first or last bucket a line has a post in.
	var first, last time.Time
	for _, p := range posts {
		if len(keys(p, q.By, fx)) > 0 {
			b := bucketStart(q.Step, p.PublishedAt)
			if first.IsZero() || b.Before(first) {
				first = b
			}
			if last.IsZero() || b.After(last) {
				last = b
			}
		}
	}
	if !q.Since.IsZero() {
		first = bucketStart(q.Step, q.Since)
	}
	if !q.Until.IsZero() {
		last = bucketStart(q.Step, q.Until.Add(-time.Nanosecond))
	}
	index := map[time.Time]int{}
	if !first.IsZero() && !last.IsZero() {
		for b := first; !b.After(last); b = nextBucket(q.Step, b) {
			index[b] = len(out.Buckets)
			out.Buckets = append(out.Buckets, b)
		}
	}
	lines := map[string]*store.Line{}
	if q.By == "" {
		lines[""] = &store.Line{Counts: make([]int64, len(out.Buckets))}
	}
	for _, p := range posts {
		for _, k := range keys(p, q.By, fx) {
			l := lines[k]
			if l == nil {
				l = &store.Line{Key: k, Counts: make([]int64, len(out.Buckets))}
				lines[k] = l
			}
			l.Label = max(l.Label, label(p, q.By, k))
			l.Counts[index[bucketStart(q.Step, p.PublishedAt)]]++
			l.Total++
		}
	}
	for _, l := range lines {
		out.Lines = append(out.Lines, *l)
	}
	slices.SortFunc(out.Lines, func(a, b store.Line) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Key, b.Key))
	})
	if q.Limit > 0 && len(out.Lines) > q.Limit {
		out.Lines = out.Lines[:q.Limit]
	}
	return out
}

// checkSeries compares a series with the reference.
func checkSeries(t *testing.T, what string, got, want store.Series) {
	t.Helper()
	if len(got.Buckets) != len(want.Buckets) {
		t.Errorf("%s: %d buckets, want %d (%v … )", what, len(got.Buckets), len(want.Buckets), want.Buckets[:min(3, len(want.Buckets))])
		return
	}
	for i := range got.Buckets {
		if !got.Buckets[i].Equal(want.Buckets[i]) || got.Buckets[i].Location() != model.China {
			t.Errorf("%s: bucket %d starts %v, want %v in China time", what, i, got.Buckets[i], want.Buckets[i])
			return
		}
	}
	if got.Step != want.Step || !reflect.DeepEqual(got.Lines, want.Lines) {
		t.Errorf("%s: lines\n got %+v\nwant %+v", what, got.Lines, want.Lines)
	}
}

func testSeries(t *testing.T, s store.Store) {
	fx := newFixture()
	fx.load(t, s)
	ctx := context.Background()
	dims := append([]store.Dimension{""}, store.Dimensions...)
	for _, step := range []store.Step{store.StepHour, store.StepDay, store.StepWeek, store.StepMonth} {
		for _, fname := range []string{"none", "corrected sentiment", "window", "window from China midnight", "stale topic", "everything at once"} {
			f := filters()[fname]
			if step == store.StepHour && f.Since.IsZero() {
				f.Since = fixtureStart.AddDate(0, 0, 2).Add(-30 * time.Minute) // open end at the latest post
			}
			for _, by := range dims {
				for _, limit := range []int{0, 2} {
					q := store.SeriesQuery{Filter: f, Step: step, By: by, Limit: limit}
					got, err := s.PostSeries(ctx, q)
					if err != nil {
						t.Fatalf("PostSeries(%+v): %v", q, err)
					}
					checkSeries(t, fmt.Sprintf("%s by %q of %s, limit %d", step, by, fname, limit), got, fx.wantSeries(q))
				}
			}
		}
	}
}

// testSeriesChinaTime pins the alignment with known values: buckets start
// at China midnight, on Mondays and on the 1st, whatever zone the window
// is given in.
func testSeriesChinaTime(t *testing.T, s store.Store) {
	ctx := context.Background()
	china := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, model.China) }
	posts := []model.Post{
		NewPost("before-midnight", 1, china(2024, 3, 1, 0).Add(-time.Nanosecond)), // Thursday 29 February, 23:59:59.999999999
		NewPost("midnight", 1, china(2024, 3, 1, 0)),                              // Friday 1 March: 16:00 UTC the day before
		NewPost("utc-midnight", 1, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)),   // 08:00 in China
		NewPost("monday", 1, china(2024, 3, 4, 0)),
	}
	upsertPosts(t, s, posts...)
	tests := []struct {
		step    store.Step
		buckets []time.Time
		counts  []int64
	}{
		{store.StepDay, []time.Time{china(2024, 2, 29, 0), china(2024, 3, 1, 0), china(2024, 3, 2, 0), china(2024, 3, 3, 0), china(2024, 3, 4, 0)},
			[]int64{1, 2, 0, 0, 1}},
		{store.StepWeek, []time.Time{china(2024, 2, 26, 0), china(2024, 3, 4, 0)}, []int64{3, 1}},
		{store.StepMonth, []time.Time{china(2024, 2, 1, 0), china(2024, 3, 1, 0)}, []int64{1, 3}},
	}
	for _, tt := range tests {
		got, err := s.PostSeries(ctx, store.SeriesQuery{Step: tt.step})
		if err != nil {
			t.Fatal(err)
		}
		want := store.Series{Step: tt.step, Buckets: tt.buckets, Lines: []store.Line{{Counts: tt.counts, Total: 4}}}
		checkSeries(t, string(tt.step), got, want)
	}
	// A window given in UTC selects by instant and buckets in China time.
	q := store.SeriesQuery{Step: store.StepHour, Filter: store.Filter{
		Since: time.Date(2024, 2, 29, 15, 0, 0, 0, time.UTC), Until: time.Date(2024, 2, 29, 17, 0, 0, 0, time.UTC)}}
	got, err := s.PostSeries(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, "hours of a UTC window", got, store.Series{Step: store.StepHour,
		Buckets: []time.Time{china(2024, 2, 29, 23), china(2024, 3, 1, 0)}, Lines: []store.Line{{Counts: []int64{1, 1}, Total: 2}}})
	// No post and an open end: no buckets, and one empty line.
	got, err = s.PostSeries(ctx, store.SeriesQuery{Step: store.StepDay, Filter: store.Filter{Text: "没有这个词"}})
	if err != nil || len(got.Buckets) != 0 || len(got.Lines) != 1 || got.Lines[0].Total != 0 {
		t.Errorf("series of nothing = %+v, %v", got, err)
	}
}

func testSeriesRefusesBadQueries(t *testing.T, s store.Store) {
	ctx := context.Background()
	year := store.Filter{Since: time.Date(2020, 1, 1, 0, 0, 0, 0, model.China), Until: time.Date(2024, 1, 1, 0, 0, 0, 0, model.China)}
	if _, err := s.PostSeries(ctx, store.SeriesQuery{Filter: year, Step: store.StepHour}); !errors.Is(err, store.ErrTooManyBuckets) {
		t.Errorf("hours of four years: error %v, want ErrTooManyBuckets", err)
	}
	if _, err := s.PostSeries(ctx, store.SeriesQuery{Filter: year, Step: store.StepDay}); err != nil {
		t.Errorf("days of four years: %v", err)
	}
	for _, q := range []store.SeriesQuery{{Step: "minute"}, {Step: store.StepDay, By: "colour"}} {
		if _, err := s.PostSeries(ctx, q); err == nil {
			t.Errorf("PostSeries(%+v) succeeded", q)
		}
	}
	if _, err := s.PostFacets(ctx, store.FacetQuery{By: []store.Dimension{"colour"}}); err == nil {
		t.Error("PostFacets by an unknown dimension succeeded")
	}
}

// wantFacets is the reference facets of q.
func (fx fixture) wantFacets(q store.FacetQuery) store.Facets {
	posts := fx.matching(q.Filter)
	out := store.Facets{Total: int64(len(posts)), By: map[store.Dimension][]store.FacetValue{}}
	for _, d := range q.By {
		values := map[string]*store.FacetValue{}
		for _, p := range posts {
			for _, k := range keys(p, d, fx) {
				v := values[k]
				if v == nil {
					v = &store.FacetValue{Key: k}
					values[k] = v
				}
				v.Label = max(v.Label, label(p, d, k))
				v.Count++
			}
		}
		list := []store.FacetValue{}
		for _, v := range values {
			list = append(list, *v)
		}
		slices.SortFunc(list, func(a, b store.FacetValue) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
		})
		if q.Limit > 0 && len(list) > q.Limit {
			list = list[:q.Limit]
		}
		out.By[d] = list
	}
	return out
}

func testFacets(t *testing.T, s store.Store) {
	fx := newFixture()
	fx.load(t, s)
	for name, f := range filters() {
		for _, limit := range []int{0, 2} {
			q := store.FacetQuery{Filter: f, By: store.Dimensions, Limit: limit}
			got, err := s.PostFacets(context.Background(), q)
			if err != nil {
				t.Fatalf("PostFacets(%s): %v", name, err)
			}
			if want := fx.wantFacets(q); !reflect.DeepEqual(got, want) {
				t.Errorf("PostFacets(%s, limit %d):\n got %+v\nwant %+v", name, limit, got, want)
			}
		}
	}
	got, err := s.PostFacets(context.Background(), store.FacetQuery{Filter: store.Filter{Text: "不存在"}, By: []store.Dimension{store.BySentiment}})
	if err != nil || got.Total != 0 || len(got.By[store.BySentiment]) != 0 {
		t.Errorf("facets of nothing = %+v, %v", got, err)
	}
}

func testTopTerms(t *testing.T, s store.Store) {
	fx := newFixture()
	fx.load(t, s)
	for name, f := range filters() {
		for _, limit := range []int{0, 3} {
			got, err := s.TopTerms(context.Background(), store.TermQuery{Filter: f, Limit: limit})
			if err != nil {
				t.Fatalf("TopTerms(%s): %v", name, err)
			}
			terms := map[string]*store.TermCount{}
			for _, p := range fx.matching(f) {
				for _, k := range p.Keywords {
					c := terms[k.Word]
					if c == nil {
						c = &store.TermCount{Term: k.Word}
						terms[k.Word] = c
					}
					c.Posts++
					c.Weight += k.Weight
				}
			}
			var want []store.TermCount
			for _, c := range terms {
				want = append(want, *c)
			}
			slices.SortFunc(want, func(a, b store.TermCount) int {
				return cmp.Or(cmp.Compare(b.Posts, a.Posts), cmp.Compare(b.Weight, a.Weight), strings.Compare(a.Term, b.Term))
			})
			if n := store.TopLimit(limit); len(want) > n {
				want = want[:n]
			}
			ok := len(got) == len(want)
			for i := 0; ok && i < len(got); i++ {
				ok = got[i].Term == want[i].Term && got[i].Posts == want[i].Posts && math.Abs(got[i].Weight-want[i].Weight) < 1e-9
			}
			if !ok {
				t.Errorf("TopTerms(%s, limit %d):\n got %+v\nwant %+v", name, limit, got, want)
			}
		}
	}
}

func testTopEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	day := func(d int) time.Time { return fixtureStart.AddDate(0, 0, d) }
	mk := func(id string, version uint64, first, last time.Time, heat float64) model.Event {
		e := NewEvent(id, version, last)
		e.FirstSeen, e.Heat = first, heat
		return e
	}
	events := []model.Event{
		mk("e1", 2, day(0), day(1), 50),
		mk("e2", 1, day(1), day(3), 80),
		mk("e3", 1, day(2), day(2).Add(time.Hour), 80), // ties with e2: by ID, descending
		mk("e4", 1, day(5), day(6), 99),
		mk("e5", 1, day(-3), day(-2), 70),
		mk("e6", 3, day(0), day(9), 10),
	}
	merged := mk("e7", 2, day(1), day(2), 1000)
	merged.MergedInto = "e2"
	stale := []model.Event{mk("e1", 1, day(0), day(1), 500), mk("e7", 1, day(1), day(2), 1000), mk("e6", 2, day(-9), day(-8), 90)}
	if err := s.UpsertEvents(ctx, append(append(events, merged), stale...)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    store.EventQuery
		want []string
	}{
		{"all", store.EventQuery{}, []string{"e4", "e3", "e2", "e5", "e1", "e6"}},
		{"limit", store.EventQuery{Limit: 2}, []string{"e4", "e3"}},
		{"window", store.EventQuery{Since: day(1), Until: day(2)}, []string{"e2", "e1", "e6"}},
		{"since is inclusive of the last seen", store.EventQuery{Since: day(3)}, []string{"e4", "e2", "e6"}},
		{"until is exclusive of the first seen", store.EventQuery{Until: day(1)}, []string{"e5", "e1", "e6"}},
		{"nothing", store.EventQuery{Since: day(20)}, []string{}},
	}
	byID := map[string]model.Event{}
	for _, e := range events {
		byID[e.ID] = normalEvent(e)
	}
	for _, tt := range tests {
		got, err := s.TopEvents(ctx, tt.q)
		if err != nil {
			t.Fatalf("TopEvents(%s): %v", tt.name, err)
		}
		if ids := ids(got, func(e model.Event) string { return e.ID }); !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("TopEvents(%s) = %v, want %v", tt.name, ids, tt.want)
		}
		for _, e := range got {
			if !reflect.DeepEqual(e, byID[e.ID]) {
				t.Errorf("TopEvents(%s): event\n got %+v\nwant %+v", tt.name, e, byID[e.ID])
			}
		}
	}
}

func testCandidates(t *testing.T, s store.Store) {
	fx := newFixture()
	fx.load(t, s)
	ctx := context.Background()
	tests := []struct {
		name  string
		f     store.Filter
		terms []string
	}{
		{"one long term", store.Filter{}, []string{"化工厂"}},
		{"short and long terms", store.Filter{}, []string{"积水", "春耕生产"}},
		{"one character", store.Filter{}, []string{"县"}},
		{"ASCII, any case", store.Filter{}, []string{"wAtEr", "学校"}},
		{"terms and a filter", filters()["window"], []string{"爆炸", "通报"}},
		{"terms and text", store.Filter{Text: "某"}, []string{"爆炸", "学校"}},
		{"a stale version's text is no candidate", store.Filter{}, []string{"OLDTEXT", "旧版本"}},
		{"an empty term makes every post a candidate", filters()["kind"], []string{"化工厂", ""}},
		{"no term found", store.Filter{}, []string{"地震", "台风"}},
	}
	for _, tt := range tests {
		var want []model.Post
		for _, p := range fx.matching(tt.f) {
			if slices.ContainsFunc(tt.terms, func(term string) bool { return contains(p, term) }) {
				want = append(want, p)
			}
		}
		page, err := s.QueryCandidates(ctx, store.CandidateQuery{Filter: tt.f, Terms: tt.terms})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := ids(page.Items, func(c store.Candidate) string { return c.ID }); !reflect.DeepEqual(got, postIDs(want)) || page.Total != int64(len(want)) {
			t.Errorf("%s: candidates %v (total %d), want %v", tt.name, got, page.Total, postIDs(want))
		}
		for i, c := range page.Items {
			p := want[i]
			if c.Title != p.Title || c.Body != p.Body || !c.PublishedAt.Equal(p.PublishedAt) || c.PublishedAt.Location() != time.UTC {
				t.Errorf("%s: candidate %+v, want the post's title, body and publish time in UTC", tt.name, c)
				break
			}
		}
		if len(want) > 3 {
			page, err := s.QueryCandidates(ctx, store.CandidateQuery{Filter: tt.f, Terms: tt.terms, Limit: 2, Offset: 1})
			if got := ids(page.Items, func(c store.Candidate) string { return c.ID }); err != nil || !reflect.DeepEqual(got, postIDs(want[1:3])) || page.Total != int64(len(want)) {
				t.Errorf("%s: page 2 of 2 = %v (total %d), %v; want %v", tt.name, got, page.Total, err, postIDs(want[1:3]))
			}
		}
	}
}
