// Package storetest is the conformance suite of the store's roles: every
// driver runs Run (or the Run function of each role it implements), so the
// SQLite and ClickHouse stores behave the same to every stage that writes
// or reads through them.
//
// Beyond the doc comments of store.Store, the suite pins down these
// behaviours, which the implementations share:
//
//   - Times read back in UTC and equal to what was written, to the
//     nanosecond, for times between 1970 and 2262; the zero time reads back
//     as the zero time.
//   - Empty and nil slices both read back as nil, the Terms of a scheme hit
//     included.
//   - PostQuery.Since is inclusive and Until exclusive. Text is split on
//     white space and every term must occur in the title or the body, as a
//     substring, ASCII letters matched case-insensitively; one- and
//     two-character Chinese terms are found like longer ones.
//   - Ties in an ordering are broken by ID, descending, so paging is stable.
//   - A filter applies to the winning version of a row only: a stale
//     version never matches. Writing the same row again is a no-op; of two
//     different rows with the same ID and version, which one is kept is
//     unspecified (ClickHouse keeps the last, SQLite the first), so writers
//     must give every change a higher version.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Opener returns a new, empty store for one test; the suite closes it.
type Opener func(t *testing.T) store.Store

// suiteTest is one named test of the suite.
type suiteTest struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// Run runs the whole conformance suite, role by role (RunPosts, RunEvents,
// RunIncidents, RunDeliveries, RunOfficers, RunAggregates, RunAccounts, RunAudit), and the tests
// that span roles.
func Run(t *testing.T, open Opener) {
	t.Run("Posts", func(t *testing.T) { RunPosts(t, open) })
	t.Run("Events", func(t *testing.T) { RunEvents(t, open) })
	t.Run("Incidents", func(t *testing.T) { RunIncidents(t, open) })
	t.Run("Deliveries", func(t *testing.T) { RunDeliveries(t, open) })
	t.Run("Officers", func(t *testing.T) { RunOfficers(t, open) })
	t.Run("Aggregates", func(t *testing.T) { RunAggregates(t, open) })
	t.Run("Briefs", func(t *testing.T) { RunBriefs(t, open) })
	t.Run("Accounts", func(t *testing.T) { RunAccounts(t, open) })
	t.Run("Audit", func(t *testing.T) { RunAudit(t, open) })
	t.Run("Inspections", func(t *testing.T) { RunInspections(t, open) })
	t.Run("Settings", func(t *testing.T) { RunSettings(t, open) })
	t.Run("SourcePolls", func(t *testing.T) { RunSourcePolls(t, open) })
	run(t, open, []suiteTest{
		{"NotFound", testNotFound},
		{"ConcurrentWriters", testConcurrentWriters},
	})
}

// RunPosts runs the tests of store.Posts.
func RunPosts(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"RoundTrip", testPostRoundTrip},
		{"UpsertIdempotent", testPostUpsertIdempotent},
		{"VersionOrdering", testPostVersionOrdering},
		{"StaleVersionNeverMatches", testStaleVersionNeverMatches},
		{"QueryFilters", testQueryPostsFilters},
		{"QueryPaging", testQueryPostsPaging},
		{"Schemes", testPostSchemes},
	})
}

// RunEvents runs the tests of store.Events.
func RunEvents(t *testing.T, open Opener) {
	run(t, open, []suiteTest{{"Events", testEvents}})
}

// RunIncidents runs the tests of store.Incidents: incidents and their
// history.
func RunIncidents(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"Incidents", testIncidents},
		{"History", testHistory},
	})
}

// RunDeliveries runs the tests of store.Deliveries.
func RunDeliveries(t *testing.T, open Opener) {
	run(t, open, []suiteTest{{"Deliveries", testDeliveries}})
}

// RunOfficers runs the tests of store.Officers: sentiment corrections,
// the sentiment filter they change, and the user dictionary.
func RunOfficers(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"Corrections", testCorrections},
		{"CorrectionsSurviveReanalysis", testCorrectionsSurviveReanalysis},
		{"CorrectedSentimentFilter", testCorrectedSentimentFilter},
		{"CorrectionsRefuseInvalid", testCorrectionsRefuseInvalid},
		{"Dictionary", testDictionary},
		{"DictionaryRefusesInvalid", testDictionaryRefusesInvalid},
	})
}

// run runs tests, each on a store of its own.
func run(t *testing.T, open Opener, tests []suiteTest) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

// base is the suite's reference time. It is in China Standard Time with a
// nanosecond part so that the suite checks the conversion to UTC and the
// precision of the round trip.
var base = time.Date(2024, 3, 1, 8, 30, 15, 123456789, time.FixedZone("CST", 8*3600))

func at(d time.Duration) time.Time { return base.Add(d) }

// NewPost returns a post with every field set; id and the times derive from
// its arguments, so tests can build many distinct posts.
func NewPost(id string, version uint64, published time.Time) model.Post {
	return model.Post{
		Document: model.Document{
			Schema:            bus.SchemaVersion,
			ID:                id,
			Version:           version,
			URL:               "http://news.example.cn/" + id + ".html",
			SourceID:          "county-gov",
			SourceName:        "某县人民政府网",
			SourceKind:        model.KindPortal,
			Authority:         model.TierOfficial,
			RegionCode:        "320581",
			Title:             "标题" + id,
			Body:              "正文" + id,
			Author:            "县应急管理局",
			Origin:            "新华社",
			PublishedAt:       published,
			PublishedAtSource: "meta",
			FetchedAt:         published.Add(90*time.Second + 7),
			ContentHash:       "hash-" + id,
			Encoding:          "gbk",
		},
		AnalyzedAt: published.Add(2*time.Minute + 11),
		Sentiment: model.Sentiment{Label: model.Negative, Score: 0.8125, Negativity: 0.8125,
			Evidence: []string{"爆炸", "否定·伤亡"}},
		Topics:   []model.Topic{{Name: "安全生产", Score: 0.75, Terms: []string{"化工厂", "爆炸"}}, {Name: "应急管理", Score: 0.5}},
		Keywords: []model.Keyword{{Word: "化工厂", Weight: 1.25}, {Word: "爆炸", Weight: 0.875}},
		Regions: []model.Region{
			{Code: "320581", Name: "常熟市", Role: "publisher"},
			{Code: "320500", Name: "苏州市", Role: "mentioned"},
		},
		Entities: []model.Entity{{Text: "县应急管理局", Kind: "org"}, {Text: "张三", Kind: "person"}},
		SimHash:  0xfedcba9876543210, // above 2^63: checks the unsigned round trip
		Flags:    []string{"short"},
		Schemes: []model.SchemeHit{
			{ID: "chem", Name: "危化品安全", Terms: []string{"化工厂", "爆炸"}, Alert: true},
			{ID: "county", Terms: []string{}},
		},
	}
}

// utc returns t in UTC with the same instant, or the zero time.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

// normalPost returns p as a store reads it back: times in UTC, empty slices
// nil.
func normalPost(p model.Post) model.Post {
	p.PublishedAt, p.FetchedAt, p.AnalyzedAt = utc(p.PublishedAt), utc(p.FetchedAt), utc(p.AnalyzedAt)
	p.Topics = nilIfEmpty(p.Topics)
	p.Keywords = nilIfEmpty(p.Keywords)
	p.Regions = nilIfEmpty(p.Regions)
	p.Entities = nilIfEmpty(p.Entities)
	p.Flags = nilIfEmpty(p.Flags)
	p.Schemes = nilIfEmpty(slices.Clone(p.Schemes))
	for i := range p.Schemes {
		p.Schemes[i].Terms = nilIfEmpty(p.Schemes[i].Terms)
	}
	return p
}

func normalEvent(e model.Event) model.Event {
	e.FirstSeen, e.LastSeen = utc(e.FirstSeen), utc(e.LastSeen)
	e.Keywords = nilIfEmpty(e.Keywords)
	e.SimHashes = nilIfEmpty(e.SimHashes)
	e.PostIDs = nilIfEmpty(e.PostIDs)
	e.Sources = nilIfEmpty(e.Sources)
	return e
}

func normalIncident(in model.Incident) model.Incident {
	in.OpenedAt, in.ClockStart = utc(in.OpenedAt), utc(in.ClockStart)
	in.EventTime, in.DetectedAt, in.AckedAt = utc(in.EventTime), utc(in.DetectedAt), utc(in.AckedAt)
	in.Obligations = slices.Clone(in.Obligations)
	for i := range in.Obligations {
		o := &in.Obligations[i]
		o.DueAt, o.BreachedAt = utc(o.DueAt), utc(o.BreachedAt)
		o.Notified = nilIfEmpty(o.Notified)
		if o.Evidence != nil {
			ev := *o.Evidence
			ev.PublishedAt, ev.DetectedAt = utc(ev.PublishedAt), utc(ev.DetectedAt)
			o.Evidence = &ev
		}
	}
	if in.Effect != nil {
		e := *in.Effect
		e.ResponseAt = utc(e.ResponseAt)
		in.Effect = &e
	}
	return in
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// checkUTC fails unless every non-zero time is in UTC.
func checkUTC(t *testing.T, what string, times ...time.Time) {
	t.Helper()
	for i, tm := range times {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: time %d is in %v, want UTC", what, i, tm.Location())
		}
	}
}

func upsertPosts(t *testing.T, s store.Store, posts ...model.Post) {
	t.Helper()
	if err := s.UpsertPosts(context.Background(), posts); err != nil {
		t.Fatalf("UpsertPosts: %v", err)
	}
}

func getPost(t *testing.T, s store.Store, id string) model.Post {
	t.Helper()
	p, err := s.GetPost(context.Background(), id)
	if err != nil {
		t.Fatalf("GetPost(%q): %v", id, err)
	}
	checkUTC(t, "post "+id, p.PublishedAt, p.FetchedAt, p.AnalyzedAt)
	return p
}

func countPosts(t *testing.T, s store.Store) int64 {
	t.Helper()
	n, err := s.CountPosts(context.Background())
	if err != nil {
		t.Fatalf("CountPosts: %v", err)
	}
	return n
}

func queryPosts(t *testing.T, s store.Store, q store.PostQuery) store.PostPage {
	t.Helper()
	page, err := s.QueryPosts(context.Background(), q)
	if err != nil {
		t.Fatalf("QueryPosts(%+v): %v", q, err)
	}
	return page
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func postIDs(posts []model.Post) []string {
	return ids(posts, func(p model.Post) string { return p.ID })
}

func testPostRoundTrip(t *testing.T, s store.Store) {
	sparse := model.Post{Document: model.Document{
		ID: "sparse", Version: 1, PublishedAt: at(-2 * time.Hour), FetchedAt: at(time.Minute),
	}}
	empty := NewPost("empty-slices", 3, at(time.Hour))
	empty.Topics, empty.Keywords, empty.Regions, empty.Entities, empty.Flags, empty.Schemes =
		[]model.Topic{}, []model.Keyword{}, []model.Region{}, []model.Entity{}, []string{}, []model.SchemeHit{}
	tests := []struct {
		name string
		post model.Post
	}{
		{"every field set", NewPost("full", 1710000000123456789, at(0))},
		{"sparse, zero analysis time", sparse},
		{"empty slices", empty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			upsertPosts(t, s, tt.post)
			want := normalPost(tt.post)
			if got := getPost(t, s, tt.post.ID); !reflect.DeepEqual(got, want) {
				t.Errorf("GetPost round trip:\n got %+v\nwant %+v", got, want)
			}
			page := queryPosts(t, s, store.PostQuery{Since: tt.post.PublishedAt, Until: tt.post.PublishedAt.Add(time.Nanosecond)})
			if len(page.Items) != 1 || !reflect.DeepEqual(page.Items[0], want) {
				t.Errorf("QueryPosts round trip:\n got %+v\nwant [%+v]", page.Items, want)
			}
		})
	}
}

func testPostUpsertIdempotent(t *testing.T, s store.Store) {
	p := NewPost("same", 5, at(0))
	upsertPosts(t, s, p)
	upsertPosts(t, s, p)
	upsertPosts(t, s, p, p) // a batch that repeats a row, as a retried batch can
	if n := countPosts(t, s); n != 1 {
		t.Errorf("CountPosts = %d after writing one post four times, want 1", n)
	}
	page := queryPosts(t, s, store.PostQuery{})
	if page.Total != 1 || len(page.Items) != 1 {
		t.Errorf("QueryPosts = total %d, %d items, want 1 and 1", page.Total, len(page.Items))
	}
	if err := s.UpsertPosts(context.Background(), nil); err != nil {
		t.Errorf("UpsertPosts(nil) = %v, want nil", err)
	}
}

func testPostVersionOrdering(t *testing.T, s store.Store) {
	tests := []struct {
		name     string
		versions []uint64 // write order, one batch each
		batch    bool     // all versions in one batch instead
		want     uint64
	}{
		{"higher after lower", []uint64{1, 2}, false, 2},
		{"lower after higher is ignored", []uint64{2, 1}, false, 2},
		{"one batch, lower last", []uint64{1, 7, 4}, true, 7},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("versioned-%d", i)
			var batch []model.Post
			for j, v := range tt.versions {
				p := NewPost(id, v, at(time.Duration(j)*time.Hour))
				p.Title = fmt.Sprintf("版本%d-写入%d", v, j)
				batch = append(batch, p)
			}
			if tt.batch {
				upsertPosts(t, s, batch...)
			} else {
				for _, p := range batch {
					upsertPosts(t, s, p)
				}
			}
			got := getPost(t, s, id)
			if got.Version != tt.want {
				t.Errorf("version = %d, want %d", got.Version, tt.want)
			}
			var want model.Post
			for _, p := range batch {
				if p.Version == tt.want {
					want = normalPost(p)
					break
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("stored post:\n got %+v\nwant %+v", got, want)
			}
		})
	}
	if n := countPosts(t, s); n != int64(len(tests)) {
		t.Errorf("CountPosts = %d, want %d", n, len(tests))
	}
}

// testStaleVersionNeverMatches checks that filters see only the winning
// version: a newer version that changed the text, sentiment, source or
// publish time makes the post stop matching what only the old one matched.
func testStaleVersionNeverMatches(t *testing.T, s store.Store) {
	old := NewPost("changed", 1, at(0))
	old.Title, old.Body = "化工厂发生爆炸", "化工厂爆炸造成伤亡"
	old.Sentiment = model.Sentiment{Label: model.Negative, Score: 0.9, Negativity: 0.9}
	old.SourceID = "forum"
	changed := old
	changed.Version = 2
	changed.Title, changed.Body = "今日天气晴朗", "气温适宜"
	changed.Sentiment = model.Sentiment{Label: model.Neutral, Score: 0.7, Negativity: 0.1}
	changed.SourceID = "county-gov"
	changed.PublishedAt = at(2 * time.Hour)
	old.Schemes = []model.SchemeHit{{ID: "chem", Terms: []string{"爆炸"}}}
	changed.Schemes = []model.SchemeHit{{ID: "weather", Terms: []string{"天气"}}}
	for _, order := range [][]model.Post{{old, changed}, {changed, old}} {
		for _, p := range order {
			upsertPosts(t, s, p)
		}
		tests := []struct {
			name string
			q    store.PostQuery
			want int64
		}{
			{"old two-character word", store.PostQuery{Text: "爆炸"}, 0},
			{"old three-character word", store.PostQuery{Text: "化工厂"}, 0},
			{"new three-character word", store.PostQuery{Text: "天气晴朗"}, 1},
			{"new two-character word", store.PostQuery{Text: "气温"}, 1},
			{"old sentiment", store.PostQuery{Sentiment: model.Negative}, 0},
			{"new sentiment", store.PostQuery{Sentiment: model.Neutral}, 1},
			{"old source", store.PostQuery{SourceID: "forum"}, 0},
			{"new source", store.PostQuery{SourceID: "county-gov"}, 1},
			{"old publish time", store.PostQuery{Until: at(time.Hour)}, 0},
			{"new publish time", store.PostQuery{Since: at(time.Hour)}, 1},
			{"old scheme", store.PostQuery{Scheme: "chem"}, 0},
			{"new scheme", store.PostQuery{Scheme: "weather"}, 1},
		}
		for _, tt := range tests {
			page := queryPosts(t, s, tt.q)
			if page.Total != tt.want || len(page.Items) != int(tt.want) {
				t.Errorf("%s: total %d, %d items, want %d", tt.name, page.Total, len(page.Items), tt.want)
			}
			for _, p := range page.Items {
				if p.Version != 2 {
					t.Errorf("%s: returned version %d, want 2", tt.name, p.Version)
				}
			}
		}
	}
}

// corpus is the post set the query tests search, newest last.
func corpus() []model.Post {
	mk := func(id, source, sentiment, title, body string, hour int, schemes ...string) model.Post {
		p := NewPost(id, 1, at(time.Duration(hour)*time.Hour))
		p.SourceID, p.Sentiment.Label, p.Title, p.Body = source, sentiment, title, body
		p.Schemes = nil
		for _, sc := range schemes {
			p.Schemes = append(p.Schemes, model.SchemeHit{ID: sc, Terms: []string{title}})
		}
		return p
	}
	return []model.Post{
		mk("p1", "county-gov", model.Negative, "某化工厂发生爆炸", "今日凌晨，某县化工厂发生爆炸，造成人员伤亡。", 1, "chem", "county"),
		mk("p2", "county-gov", model.Neutral, "县政府召开新闻发布会", "通报化工厂事故处置情况。", 2, "chem", "chem"),
		mk("p3", "forum", model.Negative, "网民留言：道路积水", "城区道路积水严重，希望尽快处理。", 3, "county"),
		mk("p4", "news-a", model.Positive, "春耕生产有序推进", "各乡镇春耕生产进展顺利，完成率100%。", 4),
		mk("p5", "news-b", model.Neutral, "Water supply notice", "The WATER plant resumes_service.", 5, "chem_2"),
	}
}

func testQueryPostsFilters(t *testing.T, s store.Store) {
	upsertPosts(t, s, corpus()...)
	tests := []struct {
		name string
		q    store.PostQuery
		want []string
	}{
		{"no filter, newest first", store.PostQuery{}, []string{"p5", "p4", "p3", "p2", "p1"}},
		{"two-character Chinese word", store.PostQuery{Text: "爆炸"}, []string{"p1"}},
		{"three-character Chinese word", store.PostQuery{Text: "化工厂"}, []string{"p2", "p1"}},
		{"longer phrase in body", store.PostQuery{Text: "造成人员伤亡"}, []string{"p1"}},
		{"one character", store.PostQuery{Text: "县"}, []string{"p2", "p1"}},
		{"two terms, both required", store.PostQuery{Text: "积水 道路"}, []string{"p3"}},
		{"short and long term", store.PostQuery{Text: "爆炸 化工厂"}, []string{"p1"}},
		{"title match", store.PostQuery{Text: "新闻发布会"}, []string{"p2"}},
		{"ASCII case-insensitive", store.PostQuery{Text: "water"}, []string{"p5"}},
		{"LIKE wildcard percent is literal", store.PostQuery{Text: "%"}, []string{"p4"}},
		{"LIKE wildcard underscore is literal", store.PostQuery{Text: "_"}, []string{"p5"}},
		{"three characters with underscore", store.PostQuery{Text: "s_s"}, []string{"p5"}},
		{"quote in term", store.PostQuery{Text: `化工"厂`}, []string{}},
		{"no match", store.PostQuery{Text: "地震"}, []string{}},
		{"source", store.PostQuery{SourceID: "county-gov"}, []string{"p2", "p1"}},
		{"sentiment", store.PostQuery{Sentiment: model.Negative}, []string{"p3", "p1"}},
		{"since is inclusive", store.PostQuery{Since: at(4 * time.Hour)}, []string{"p5", "p4"}},
		{"until is exclusive", store.PostQuery{Until: at(2 * time.Hour)}, []string{"p1"}},
		{"since and until", store.PostQuery{Since: at(2 * time.Hour), Until: at(4 * time.Hour)}, []string{"p3", "p2"}},
		{"time in another zone", store.PostQuery{Since: at(4 * time.Hour).UTC()}, []string{"p5", "p4"}},
		{"text and source", store.PostQuery{Text: "化工厂", SourceID: "county-gov", Sentiment: model.Neutral}, []string{"p2"}},
		{"text and time", store.PostQuery{Text: "化工厂", Since: at(90 * time.Minute)}, []string{"p2"}},
		{"scheme", store.PostQuery{Scheme: "chem"}, []string{"p2", "p1"}},
		{"scheme is matched whole", store.PostQuery{Scheme: "chem_"}, []string{}},
		{"scheme with another filter", store.PostQuery{Scheme: "county", Sentiment: model.Negative, Since: at(2 * time.Hour)}, []string{"p3"}},
		{"unknown scheme", store.PostQuery{Scheme: "none"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := queryPosts(t, s, tt.q)
			if got := postIDs(page.Items); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items = %v, want %v", got, tt.want)
			}
			if page.Total != int64(len(tt.want)) {
				t.Errorf("total = %d, want %d", page.Total, len(tt.want))
			}
		})
	}
}

func testQueryPostsPaging(t *testing.T, s store.Store) {
	var posts []model.Post
	for i := range 60 {
		// Pairs share a publish time, so the ID tie-break is exercised.
		posts = append(posts, NewPost(fmt.Sprintf("page-%02d", i), 1, at(time.Duration(i/2)*time.Minute)))
	}
	upsertPosts(t, s, posts...)
	all := []string{}
	for i := 59; i >= 0; i-- {
		all = append(all, fmt.Sprintf("page-%02d", i))
	}
	tests := []struct {
		name string
		q    store.PostQuery
		want []string
	}{
		{"default limit is 50", store.PostQuery{}, all[:50]},
		{"limit", store.PostQuery{Limit: 3}, all[:3]},
		{"limit and offset", store.PostQuery{Limit: 3, Offset: 2}, all[2:5]},
		{"last page is short", store.PostQuery{Limit: 7, Offset: 56}, all[56:]},
		{"offset past the end", store.PostQuery{Limit: 5, Offset: 100}, []string{}},
		{"limit above the maximum is capped", store.PostQuery{Limit: 5000}, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := queryPosts(t, s, tt.q)
			if got := postIDs(page.Items); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items = %v, want %v", got, tt.want)
			}
			if page.Total != 60 {
				t.Errorf("total = %d, want 60", page.Total)
			}
		})
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	upsertPosts(t, s, NewPost("present", 1, at(0)))
	if _, err := s.GetPost(ctx, "absent"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetPost(absent) error = %v, want ErrNotFound", err)
	}
	if _, err := s.GetEvent(ctx, "absent"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetEvent(absent) error = %v, want ErrNotFound", err)
	}
	if _, err := s.GetIncident(ctx, "absent"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetIncident(absent) error = %v, want ErrNotFound", err)
	}
}

// NewEvent returns an event with every field set.
func NewEvent(id string, version uint64, lastSeen time.Time) model.Event {
	return model.Event{
		ID:            id,
		Version:       version,
		Title:         "化工厂爆炸事件" + id,
		FirstPostID:   "post-" + id,
		FirstSeen:     lastSeen.Add(-3 * time.Hour),
		LastSeen:      lastSeen,
		PostCount:     42,
		NegativeCount: 30,
		SourceCount:   5,
		Heat:          87.5,
		Keywords:      []string{"化工厂", "爆炸", "伤亡"},
		SimHashes:     []uint64{0xfedcba9876543210, 7},
		PostIDs:       []string{"post-" + id, "b", "c"},
		Sources:       []string{"county-gov", "forum"},
		IncidentID:    "inc-" + id,
	}
}

func testEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	e1 := NewEvent("e1", 1, at(time.Hour))
	e2 := NewEvent("e2", 1, at(3*time.Hour))
	e3 := NewEvent("e3", 1, at(2*time.Hour))
	sparse := model.Event{ID: "e0", Version: 1, LastSeen: at(-time.Hour)}
	merged := NewEvent("e4", 1, at(4*time.Hour))
	merged.MergedInto = "e2"
	if err := s.UpsertEvents(ctx, []model.Event{e1, e2, e3, sparse, merged}); err != nil {
		t.Fatalf("UpsertEvents: %v", err)
	}
	for _, want := range []model.Event{e1, sparse, merged} {
		got, err := s.GetEvent(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetEvent(%q): %v", want.ID, err)
		}
		checkUTC(t, "event "+want.ID, got.FirstSeen, got.LastSeen)
		if want := normalEvent(want); !reflect.DeepEqual(got, want) {
			t.Errorf("GetEvent round trip:\n got %+v\nwant %+v", got, want)
		}
	}
	listTests := []struct {
		name  string
		since time.Time
		limit int
		want  []string
	}{
		{"all but the merged, most recently seen first", time.Time{}, 0, []string{"e2", "e3", "e1", "e0"}},
		{"since is inclusive", at(2 * time.Hour), 0, []string{"e2", "e3"}},
		{"limit", time.Time{}, 2, []string{"e2", "e3"}},
		{"since and limit", at(time.Hour), 1, []string{"e2"}},
		{"nothing since", at(10 * time.Hour), 0, []string{}},
	}
	for _, tt := range listTests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := s.ListEvents(ctx, tt.since, tt.limit)
			if err != nil {
				t.Fatalf("ListEvents: %v", err)
			}
			if got := ids(events, func(e model.Event) string { return e.ID }); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ListEvents(%v, %d) = %v, want %v", tt.since, tt.limit, got, tt.want)
			}
		})
	}
	t.Run("higher version wins", func(t *testing.T) {
		newer := NewEvent("e1", 3, at(5*time.Hour))
		newer.PostCount = 99
		stale := NewEvent("e1", 2, at(-5*time.Hour))
		for _, batch := range [][]model.Event{{newer}, {stale}, {newer, stale}} {
			if err := s.UpsertEvents(ctx, batch); err != nil {
				t.Fatalf("UpsertEvents: %v", err)
			}
		}
		got, err := s.GetEvent(ctx, "e1")
		if err != nil {
			t.Fatalf("GetEvent: %v", err)
		}
		if want := normalEvent(newer); !reflect.DeepEqual(got, want) {
			t.Errorf("GetEvent:\n got %+v\nwant %+v", got, want)
		}
		events, err := s.ListEvents(ctx, at(4*time.Hour), 0)
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if got := ids(events, func(e model.Event) string { return e.ID }); !reflect.DeepEqual(got, []string{"e1"}) {
			t.Errorf("ListEvents after update = %v, want [e1]", got)
		}
		all, err := s.ListEvents(ctx, time.Time{}, 0)
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if len(all) != 4 {
			t.Errorf("ListEvents returned %d events after re-writes, want 4", len(all))
		}
	})
	t.Run("merged by a higher version", func(t *testing.T) {
		into := NewEvent("e3", 2, at(2*time.Hour))
		into.MergedInto = "e2"
		stale := NewEvent("e3", 1, at(2*time.Hour))
		for _, batch := range [][]model.Event{{into}, {stale}} {
			if err := s.UpsertEvents(ctx, batch); err != nil {
				t.Fatalf("UpsertEvents: %v", err)
			}
		}
		events, err := s.ListEvents(ctx, time.Time{}, 0)
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if got := ids(events, func(e model.Event) string { return e.ID }); !reflect.DeepEqual(got, []string{"e1", "e2", "e0"}) {
			t.Errorf("ListEvents after merging e3 = %v, want [e1 e2 e0]", got)
		}
		got, err := s.GetEvent(ctx, "e3")
		if err != nil {
			t.Fatalf("GetEvent(e3): %v", err)
		}
		if got.MergedInto != "e2" || got.Version != 2 {
			t.Errorf("GetEvent(e3) = merged into %q version %d, want e2 version 2", got.MergedInto, got.Version)
		}
	})
}

// NewIncident returns an incident with every field set.
func NewIncident(id string, version uint64, opened time.Time, open bool) model.Incident {
	state := model.StatePending
	if !open {
		state = model.StateClosed
	}
	return model.Incident{
		ID:          id,
		Version:     version,
		EventID:     "event-" + id,
		Title:       "某化工厂爆炸事故" + id,
		Level:       "III",
		State:       state,
		OpenedAt:    opened,
		ClockStart:  opened.Add(-17*time.Minute - 3),
		Reason:      "负面信息在1小时内激增至30条",
		Open:        open,
		EventTime:   opened.Add(-40 * time.Minute),
		DetectedAt:  opened.Add(-17*time.Minute - 3),
		ClockAnchor: "earliest",
		Category:    "涉及突发事件处置和自然灾害应对",
		Assignee:    "值班员张三",
		Obligations: []model.Obligation{
			{Rule: "R-5H", Title: "发布权威信息", DueAt: opened.Add(5 * time.Hour), State: model.ObligationFulfilled,
				Evidence: &model.Evidence{URL: "http://gov.example/tb.html", PostID: "p-" + id, Title: "情况通报",
					Source: "某县人民政府", PublishedAt: opened.Add(3 * time.Hour), DetectedAt: opened.Add(3*time.Hour + 41*time.Second), Auto: true},
				Notified: []string{"R-5H/reminder/50%"}},
			{Rule: "R-24H", Title: "举行新闻发布会", DueAt: opened.Add(24 * time.Hour), State: model.ObligationBreached,
				BreachedAt: opened.Add(24 * time.Hour), Notified: []string{"R-24H/breach"}},
			{Rule: "D-INTERP", Title: "发布政策解读", DueAt: opened.Add(72 * time.Hour), Provisional: true, State: model.ObligationWaived,
				WaivedReason: "非政策文件"},
		},
		Applied:        []string{"R-1", "R-2"},
		AckedAt:        opened.Add(4 * time.Minute),
		AckedBy:        "duty",
		LevelConfirmed: true,
		Effect: &model.Effect{ResponseAt: opened.Add(3 * time.Hour), Window: 2 * time.Hour,
			Before: model.EffectWindow{Posts: 30, NegativeShare: 0.8, Heat: 70.5},
			After:  model.EffectWindow{Posts: 12, NegativeShare: 0.4, Heat: 50}},
	}
}

func testIncidents(t *testing.T, s store.Store) {
	ctx := context.Background()
	i1 := NewIncident("i1", 1, at(time.Hour), true)
	i2 := NewIncident("i2", 1, at(2*time.Hour), false)
	i3 := NewIncident("i3", 1, at(3*time.Hour), true)
	if err := s.UpsertIncidents(ctx, []model.Incident{i1, i2, i3}); err != nil {
		t.Fatalf("UpsertIncidents: %v", err)
	}
	got, err := s.GetIncident(ctx, "i1")
	if err != nil {
		t.Fatalf("GetIncident: %v", err)
	}
	checkUTC(t, "incident i1", got.OpenedAt, got.ClockStart)
	if want := normalIncident(i1); !reflect.DeepEqual(got, want) {
		t.Errorf("GetIncident round trip:\n got %+v\nwant %+v", got, want)
	}
	list := func(t *testing.T, q store.IncidentQuery) []string {
		t.Helper()
		incidents, err := s.ListIncidents(ctx, q)
		if err != nil {
			t.Fatalf("ListIncidents(%+v): %v", q, err)
		}
		return ids(incidents, func(in model.Incident) string { return in.ID })
	}
	tests := []struct {
		name string
		q    store.IncidentQuery
		want []string
	}{
		{"all, most recently opened first", store.IncidentQuery{}, []string{"i3", "i2", "i1"}},
		{"only open", store.IncidentQuery{OnlyOpen: true}, []string{"i3", "i1"}},
		{"limit", store.IncidentQuery{Limit: 2}, []string{"i3", "i2"}},
		{"only open with limit", store.IncidentQuery{OnlyOpen: true, Limit: 1}, []string{"i3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := list(t, tt.q); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ListIncidents(%+v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
	t.Run("closing by a higher version", func(t *testing.T) {
		closed := NewIncident("i1", 2, at(time.Hour), false)
		closed.State = model.StateResponded
		stale := NewIncident("i1", 1, at(time.Hour), true)
		for _, batch := range [][]model.Incident{{closed}, {stale}} {
			if err := s.UpsertIncidents(ctx, batch); err != nil {
				t.Fatalf("UpsertIncidents: %v", err)
			}
		}
		if got := list(t, store.IncidentQuery{OnlyOpen: true}); !reflect.DeepEqual(got, []string{"i3"}) {
			t.Errorf("open incidents = %v, want [i3]", got)
		}
		if got := list(t, store.IncidentQuery{}); !reflect.DeepEqual(got, []string{"i3", "i2", "i1"}) {
			t.Errorf("incidents = %v, want [i3 i2 i1]", got)
		}
		got, err := s.GetIncident(ctx, "i1")
		if err != nil {
			t.Fatalf("GetIncident: %v", err)
		}
		if got.State != model.StateResponded || got.Version != 2 {
			t.Errorf("incident i1 = state %q version %d, want %q version 2", got.State, got.Version, model.StateResponded)
		}
	})
}

// testConcurrentWriters has several writers write the same posts, events and
// incidents at once with different versions; every row must end at the
// highest version, once.
func testConcurrentWriters(t *testing.T, s store.Store) {
	const (
		writers = 4
		batches = 5
		perBat  = 6
	)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches*3)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			version := uint64(w + 1)
			for b := range batches {
				var posts []model.Post
				var events []model.Event
				var incidents []model.Incident
				for i := range perBat {
					n := b*perBat + i
					p := NewPost(fmt.Sprintf("c-%02d", n), version, at(time.Duration(n)*time.Minute))
					p.Title = fmt.Sprintf("写入者%d的化工厂报道", w)
					posts = append(posts, p)
					events = append(events, NewEvent(fmt.Sprintf("ce-%02d", n), version, at(time.Duration(n)*time.Minute)))
					incidents = append(incidents, NewIncident(fmt.Sprintf("ci-%02d", n), version, at(time.Duration(n)*time.Minute), true))
				}
				errs <- s.UpsertPosts(ctx, posts)
				errs <- s.UpsertEvents(ctx, events)
				errs <- s.UpsertIncidents(ctx, incidents)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	const rows = batches * perBat
	if n := countPosts(t, s); n != rows {
		t.Errorf("CountPosts = %d, want %d", n, rows)
	}
	page := queryPosts(t, s, store.PostQuery{Text: "化工厂", Limit: 1000})
	if page.Total != rows || len(page.Items) != rows {
		t.Errorf("QueryPosts: total %d, %d items, want %d", page.Total, len(page.Items), rows)
	}
	wantTitle := fmt.Sprintf("写入者%d的化工厂报道", writers-1)
	for _, p := range page.Items {
		if p.Version != writers || p.Title != wantTitle {
			t.Errorf("post %s: version %d title %q, want %d %q", p.ID, p.Version, p.Title, writers, wantTitle)
		}
	}
	events, err := s.ListEvents(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if len(events) != rows {
		t.Errorf("ListEvents returned %d events, want %d", len(events), rows)
	}
	for _, e := range events {
		if e.Version != writers {
			t.Errorf("event %s: version %d, want %d", e.ID, e.Version, writers)
		}
	}
	incidents, err := s.ListIncidents(ctx, store.IncidentQuery{Limit: 1000})
	if err != nil {
		t.Fatalf("ListIncidents: %v", err)
	}
	if len(incidents) != rows {
		t.Errorf("ListIncidents returned %d incidents, want %d", len(incidents), rows)
	}
	for _, in := range incidents {
		if in.Version != writers {
			t.Errorf("incident %s: version %d, want %d", in.ID, in.Version, writers)
		}
	}
}

// testHistory checks that history is appended once per entry ID, listed
// oldest first per incident, and kept apart between incidents.
func testHistory(t *testing.T, s store.Store) {
	ctx := context.Background()
	entry := func(id, inc string, d time.Duration, action string) model.HistoryEntry {
		return model.HistoryEntry{ID: id, IncidentID: inc, At: at(d), Actor: "system", Action: action,
			From: model.StatePending, To: model.StateConfirmed, Reason: "负面信息激增"}
	}
	e1, e2, e3 := entry("h1", "i1", time.Minute, "opened"), entry("h2", "i1", 2*time.Minute, "confirmed"), entry("h3", "i2", time.Minute, "opened")
	if err := s.AppendHistory(ctx, []model.HistoryEntry{e2, e1, e3}); err != nil {
		t.Fatalf("AppendHistory: %v", err)
	}
	// A retried append of the same entries stores nothing twice, and an
	// entry appended again with other content does not rewrite history.
	rewritten := e1
	rewritten.Reason = "改写"
	if err := s.AppendHistory(ctx, []model.HistoryEntry{e1, e2}); err != nil {
		t.Fatalf("AppendHistory again: %v", err)
	}
	got, err := s.ListHistory(ctx, "i1")
	if err != nil {
		t.Fatalf("ListHistory: %v", err)
	}
	want := []model.HistoryEntry{e1, e2}
	for i := range want {
		want[i].At = utc(want[i].At)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListHistory(i1) =\n%+v\nwant\n%+v", got, want)
	}
	if got, err := s.ListHistory(ctx, "none"); err != nil || len(got) != 0 {
		t.Errorf("ListHistory(none) = %v, %v; want no entries", got, err)
	}
}

// testDeliveries checks the delivery log: appended once per ID, a key is
// final only once a final entry is stored, listed per incident oldest
// first.
func testDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	d := func(id, key, inc string, d time.Duration, final bool) model.Delivery {
		return model.Delivery{ID: id, Key: key, IncidentID: inc, At: utc(at(d)), Final: final, Detail: `{"status":"x"}`}
	}
	held, sent, other := d("d1", "k1", "i1", time.Minute, false), d("d2", "k1", "i1", 2*time.Minute, true), d("d3", "k2", "i2", time.Minute, true)
	if err := s.AppendDeliveries(ctx, []model.Delivery{held}); err != nil {
		t.Fatalf("AppendDeliveries: %v", err)
	}
	if final, err := s.DeliveryFinal(ctx, "k1"); err != nil || final {
		t.Errorf("DeliveryFinal(k1) after a held entry = %v, %v; want false", final, err)
	}
	if err := s.AppendDeliveries(ctx, []model.Delivery{sent, other, held}); err != nil {
		t.Fatalf("AppendDeliveries: %v", err)
	}
	if final, err := s.DeliveryFinal(ctx, "k1"); err != nil || !final {
		t.Errorf("DeliveryFinal(k1) after sent = %v, %v; want true", final, err)
	}
	if final, err := s.DeliveryFinal(ctx, "none"); err != nil || final {
		t.Errorf("DeliveryFinal(none) = %v, %v; want false", final, err)
	}
	got, err := s.ListDeliveries(ctx, "i1")
	if err != nil {
		t.Fatalf("ListDeliveries: %v", err)
	}
	if !reflect.DeepEqual(got, []model.Delivery{held, sent}) {
		t.Errorf("ListDeliveries(i1) =\n%+v\nwant\n%+v", got, []model.Delivery{held, sent})
	}
	testQueryDeliveries(t, s)
}

// testQueryDeliveries checks the delivery log's page: newest first,
// filtered by incident, channel and status (read from the detail),
// counted before paging, by status without the status filter.
func testQueryDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ds []model.Delivery
	for i, c := range []struct{ inc, channel, status string }{
		{"q1", "hook", "sent"}, {"q1", "hook", "failed"}, {"q1", "mail", "sent"}, {"q2", "hook", "held"}, {"q2", "hook", "sent"},
	} {
		ds = append(ds, model.Delivery{ID: fmt.Sprintf("q%d", i), Key: fmt.Sprintf("qk%d", i), IncidentID: c.inc,
			At: utc(at(time.Duration(10+i) * time.Hour)), Final: c.status == "sent",
			Detail: fmt.Sprintf(`{"key":"qk%d","incident_id":%q,"channel":%q,"recipient":"duty","status":%q,"attempts":1}`, i, c.inc, c.channel, c.status)})
	}
	// Appended twice: counted once.
	if err := s.AppendDeliveries(ctx, append(ds, ds[4])); err != nil {
		t.Fatalf("AppendDeliveries: %v", err)
	}
	ids := func(p store.DeliveryPage) string {
		var out []string
		for _, d := range p.Items {
			if strings.HasPrefix(d.ID, "q") {
				out = append(out, d.ID)
			}
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		q        store.DeliveryQuery
		ids      string
		total    int64
		byStatus map[string]int64
	}{
		{store.DeliveryQuery{IncidentID: "q1"}, "q2,q1,q0", 3, map[string]int64{"sent": 2, "failed": 1}},
		{store.DeliveryQuery{IncidentID: "q1", Status: "sent"}, "q2,q0", 2, map[string]int64{"sent": 2, "failed": 1}},
		{store.DeliveryQuery{Channel: "hook", Status: "sent"}, "q4,q0", 2, nil},
		{store.DeliveryQuery{IncidentID: "q2", Limit: 1}, "q4", 2, map[string]int64{"sent": 1, "held": 1}},
		{store.DeliveryQuery{IncidentID: "q2", Limit: 1, Offset: 1}, "q3", 2, nil},
		{store.DeliveryQuery{IncidentID: "q2", Offset: 5}, "", 2, nil},
		{store.DeliveryQuery{IncidentID: "none"}, "", 0, map[string]int64{}},
	} {
		p, err := s.QueryDeliveries(ctx, tc.q)
		if err != nil {
			t.Fatalf("QueryDeliveries(%+v): %v", tc.q, err)
		}
		if ids(p) != tc.ids || p.Total != tc.total || (tc.byStatus != nil && !reflect.DeepEqual(p.ByStatus, tc.byStatus)) {
			t.Errorf("QueryDeliveries(%+v) = %s, total %d, by status %v; want %s, %d, %v", tc.q, ids(p), p.Total, p.ByStatus, tc.ids, tc.total, tc.byStatus)
		}
	}
	p, err := s.QueryDeliveries(ctx, store.DeliveryQuery{IncidentID: "q1", Limit: 1})
	if err != nil || len(p.Items) != 1 || !reflect.DeepEqual(p.Items[0], ds[2]) {
		t.Errorf("QueryDeliveries item = %+v, %v; want %+v", p.Items, err, ds[2])
	}
}
