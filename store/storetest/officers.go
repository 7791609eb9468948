package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// testPostSchemes checks that scheme hits are stored with the post and
// replaced by a newer version, and that the scheme filter follows them.
func testPostSchemes(t *testing.T, s store.Store) {
	p := NewPost("sch", 1, at(0))
	upsertPosts(t, s, p)
	if got := getPost(t, s, "sch"); !reflect.DeepEqual(got.Schemes, normalPost(p).Schemes) {
		t.Errorf("schemes = %+v, want %+v", got.Schemes, normalPost(p).Schemes)
	}
	for _, tt := range []struct {
		name    string
		schemes []model.SchemeHit
		want    map[string]int64
	}{
		{"a newer version matches another scheme", []model.SchemeHit{{ID: "flood", Name: "防汛", Terms: []string{"积水"}}},
			map[string]int64{"chem": 0, "county": 0, "flood": 1}},
		{"a newer version matches none", nil, map[string]int64{"chem": 0, "flood": 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p.Version++
			p.Schemes = tt.schemes
			upsertPosts(t, s, p)
			if got := getPost(t, s, "sch"); !reflect.DeepEqual(got.Schemes, normalPost(p).Schemes) {
				t.Errorf("schemes = %+v, want %+v", got.Schemes, normalPost(p).Schemes)
			}
			for scheme, want := range tt.want {
				if page := queryPosts(t, s, store.PostQuery{Scheme: scheme}); page.Total != want || len(page.Items) != int(want) {
					t.Errorf("scheme %s: total %d, %d items, want %d", scheme, page.Total, len(page.Items), want)
				}
			}
		})
	}
}

// CheckUpgradedV1Post checks a store just upgraded from schema v1, in which
// old was stored: the post reads back as it was (no scheme hits), a
// re-analysis of it (old with a higher version and a scheme hit) is
// indexed by scheme, and a correction of it is found by the sentiment
// filter. The drivers' migration tests call it after their own checks.
func CheckUpgradedV1Post(t *testing.T, s store.Store, old model.Post) {
	t.Helper()
	ctx := context.Background()
	got, err := s.GetPost(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schemes != nil || got.Title != old.Title {
		t.Errorf("v1 post after the upgrade = %+v", got)
	}
	old.Version++
	old.Schemes = []model.SchemeHit{{ID: "chem", Terms: []string{"化工厂"}}}
	if err := s.UpsertPosts(ctx, []model.Post{old}); err != nil {
		t.Fatal(err)
	}
	if page, err := s.QueryPosts(ctx, store.PostQuery{Scheme: "chem"}); err != nil || page.Total != 1 {
		t.Errorf("scheme filter after the upgrade = %d, %v; want 1", page.Total, err)
	}
	c := NewCorrection("c", old, model.Neutral, time.Minute)
	if err := s.AppendCorrections(ctx, []model.SentimentCorrection{c}); err != nil {
		t.Fatal(err)
	}
	if page, err := s.QueryPosts(ctx, store.PostQuery{Sentiment: model.Neutral}); err != nil || page.Total != 1 {
		t.Errorf("corrected sentiment filter after the upgrade = %d, %v; want 1", page.Total, err)
	}
}

// NewCorrection returns a valid correction of post to label, made d after
// the suite's reference time.
func NewCorrection(id string, post model.Post, label string, d time.Duration) model.SentimentCorrection {
	return model.SentimentCorrection{ID: id, PostID: post.ID, Label: label, By: "张三", At: at(d), Note: "误判:" + id,
		ModelLabel: post.Sentiment.Label, Title: post.Title, Body: post.Body}
}

func normalCorrection(c model.SentimentCorrection) model.SentimentCorrection {
	c.At = utc(c.At)
	return c
}

func appendCorrections(t *testing.T, s store.Store, cs ...model.SentimentCorrection) {
	t.Helper()
	if err := s.AppendCorrections(context.Background(), cs); err != nil {
		t.Fatalf("AppendCorrections: %v", err)
	}
}

func listCorrections(t *testing.T, s store.Store) []model.SentimentCorrection {
	t.Helper()
	cs, err := s.ListCorrections(context.Background())
	if err != nil {
		t.Fatalf("ListCorrections: %v", err)
	}
	for _, c := range cs {
		checkUTC(t, "correction "+c.ID, c.At)
	}
	return cs
}

// testCorrections checks the correction log: appended once per ID, the
// latest correction of a post wins (ties by ID), listed oldest first, and
// looked up by post.
func testCorrections(t *testing.T, s store.Store) {
	ctx := context.Background()
	p1, p2, p3 := NewPost("c1", 1, at(0)), NewPost("c2", 1, at(time.Hour)), NewPost("c3", 1, at(2*time.Hour))
	upsertPosts(t, s, p1, p2, p3)
	if cs := listCorrections(t, s); len(cs) != 0 {
		t.Errorf("ListCorrections on an empty log = %+v", cs)
	}
	first := NewCorrection("k1", p1, model.Neutral, time.Minute)
	second := NewCorrection("k2", p1, model.Positive, 3*time.Minute) // p1's latest
	other := NewCorrection("k3", p2, model.Negative, 2*time.Minute)
	tieA := NewCorrection("k4", p3, model.Neutral, 4*time.Minute)
	tieB := NewCorrection("k5", p3, model.Negative, 4*time.Minute) // same time, greater ID: p3's latest
	tieB.Note = ""
	appendCorrections(t, s, second, first, tieB)
	// A retried append stores nothing twice, and one with the ID of a
	// stored correction does not rewrite it.
	rewritten := first
	rewritten.Label = model.Negative
	appendCorrections(t, s, other, tieA, rewritten, second)

	want := []model.SentimentCorrection{other, second, tieB}
	for i := range want {
		want[i] = normalCorrection(want[i])
	}
	if got := listCorrections(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("ListCorrections =\n%+v\nwant\n%+v", got, want)
	}
	got, err := s.PostCorrections(ctx, []string{"c1", "c3", "absent", "c1"})
	if err != nil {
		t.Fatalf("PostCorrections: %v", err)
	}
	wantMap := map[string]model.SentimentCorrection{"c1": normalCorrection(second), "c3": normalCorrection(tieB)}
	if !reflect.DeepEqual(got, wantMap) {
		t.Errorf("PostCorrections =\n%+v\nwant\n%+v", got, wantMap)
	}
	for _, ids := range [][]string{nil, {}, {"absent"}} {
		got, err := s.PostCorrections(ctx, ids)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("PostCorrections(%q) = %v, %v; want an empty map", ids, got, err)
		}
	}
	// Many posts at once, more than one statement may bind.
	var many []string
	for i := range 1200 {
		many = append(many, fmt.Sprintf("m%04d", i))
	}
	many = append(many, "c2")
	if got, err := s.PostCorrections(ctx, many); err != nil || len(got) != 1 || got["c2"].ID != "k3" {
		t.Errorf("PostCorrections of %d posts = %v, %v; want c2's", len(many), got, err)
	}
	// The stored posts are left as the analyzer wrote them.
	if got := getPost(t, s, "c1"); !reflect.DeepEqual(got.Sentiment, p1.Sentiment) {
		t.Errorf("post c1 sentiment = %+v after corrections, want the analyzer's %+v", got.Sentiment, p1.Sentiment)
	}
}

// testCorrectionsSurviveReanalysis checks that a post written again (a
// redelivery) or re-analysed into a newer version keeps its correction.
func testCorrectionsSurviveReanalysis(t *testing.T, s store.Store) {
	ctx := context.Background()
	p := NewPost("re", 1, at(0))
	p.Sentiment = model.Sentiment{Label: model.Positive, Score: 0.6, Negativity: 0.1}
	upsertPosts(t, s, p)
	c := NewCorrection("rc", p, model.Negative, time.Minute)
	appendCorrections(t, s, c)
	upsertPosts(t, s, p) // redelivered
	p.Version = 2        // re-analysed
	p.AnalyzedAt = at(time.Hour)
	upsertPosts(t, s, p)
	got, err := s.PostCorrections(ctx, []string{"re"})
	if err != nil {
		t.Fatal(err)
	}
	if got["re"] != normalCorrection(c) {
		t.Errorf("correction after re-analysis = %+v, want %+v", got["re"], normalCorrection(c))
	}
	if page := queryPosts(t, s, store.PostQuery{Sentiment: model.Negative}); page.Total != 1 || len(page.Items) != 1 || page.Items[0].Version != 2 {
		t.Errorf("negative posts after re-analysis: total %d items %v, want the corrected post at version 2", page.Total, postIDs(page.Items))
	}
}

// testCorrectedSentimentFilter checks that the sentiment filter goes by
// the latest correction of a corrected post and by the analyzer's label
// of every other post.
func testCorrectedSentimentFilter(t *testing.T, s store.Store) {
	upsertPosts(t, s, corpus()...) // p1 p3 negative, p2 p5 neutral, p4 positive
	posts := map[string]model.Post{}
	for _, p := range corpus() {
		posts[p.ID] = p
	}
	appendCorrections(t, s,
		NewCorrection("f1", posts["p1"], model.Neutral, time.Minute),   // negative → neutral
		NewCorrection("f2", posts["p4"], model.Neutral, time.Minute),   // positive → neutral, then
		NewCorrection("f3", posts["p4"], model.Negative, time.Hour),    // → negative
		NewCorrection("f4", posts["p3"], model.Negative, time.Minute),  // confirmed
		NewCorrection("f5", posts["p5"], model.Positive, time.Minute),  // neutral → positive, then
		NewCorrection("f6", posts["p5"], model.Neutral, 2*time.Minute), // back to neutral
	)
	for _, tt := range []struct {
		q    store.PostQuery
		want []string
	}{
		{store.PostQuery{Sentiment: model.Negative}, []string{"p4", "p3"}},
		{store.PostQuery{Sentiment: model.Neutral}, []string{"p5", "p2", "p1"}},
		{store.PostQuery{Sentiment: model.Positive}, []string{}},
		{store.PostQuery{Sentiment: model.Neutral, Text: "化工厂"}, []string{"p2", "p1"}},
		{store.PostQuery{Sentiment: model.Negative, Scheme: "county"}, []string{"p3"}},
		{store.PostQuery{Sentiment: model.Neutral, Until: at(90 * time.Minute)}, []string{"p1"}},
	} {
		page := queryPosts(t, s, tt.q)
		if got := postIDs(page.Items); !reflect.DeepEqual(got, tt.want) || page.Total != int64(len(tt.want)) {
			t.Errorf("QueryPosts(%+v) = %v (total %d), want %v", tt.q, got, page.Total, tt.want)
		}
	}
}

// testCorrectionsRefuseInvalid checks that a batch with an invalid
// correction stores nothing and says which field is wrong.
func testCorrectionsRefuseInvalid(t *testing.T, s store.Store) {
	p := NewPost("inv", 1, at(0))
	upsertPosts(t, s, p)
	good := NewCorrection("ok", p, model.Negative, time.Minute)
	for _, tt := range []struct {
		name string
		edit func(c *model.SentimentCorrection)
		want string
	}{
		{"bad label", func(c *model.SentimentCorrection) { c.Label = "angry" }, `invalid field label="angry"`},
		{"no person", func(c *model.SentimentCorrection) { c.By = " " }, "missing field by"},
		{"long note", func(c *model.SentimentCorrection) { c.Note = strings.Repeat("长", model.MaxNoteRunes+1) }, "invalid field note"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := NewCorrection("bad", p, model.Neutral, 2*time.Minute)
			tt.edit(&bad)
			err := s.AppendCorrections(context.Background(), []model.SentimentCorrection{good, bad})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("AppendCorrections error = %v, want it to contain %q", err, tt.want)
			}
			if cs := listCorrections(t, s); len(cs) != 0 {
				t.Errorf("a refused batch stored %+v", cs)
			}
		})
	}
}

// NewWord returns a valid dictionary entry for word, made d after the
// suite's reference time.
func NewWord(id, word string, d time.Duration) model.DictionaryEntry {
	return model.DictionaryEntry{ID: id, Word: word, Freq: 120, POS: "nt", By: "李四", At: at(d)}
}

func normalWord(e model.DictionaryEntry) model.DictionaryEntry {
	e.At = utc(e.At)
	return e
}

func userDictionary(t *testing.T, s store.Store) model.UserDictionary {
	t.Helper()
	d, err := s.UserDictionary(context.Background())
	if err != nil {
		t.Fatalf("UserDictionary: %v", err)
	}
	checkUTC(t, "dictionary version", d.Version.LastChange)
	for _, w := range d.Words {
		checkUTC(t, "word "+w.Word, w.At)
	}
	return d
}

func dictionaryVersion(t *testing.T, s store.Store) model.DictionaryVersion {
	t.Helper()
	v, err := s.DictionaryVersion(context.Background())
	if err != nil {
		t.Fatalf("DictionaryVersion: %v", err)
	}
	return v
}

func appendWords(t *testing.T, s store.Store, es ...model.DictionaryEntry) {
	t.Helper()
	if err := s.AppendDictionary(context.Background(), es); err != nil {
		t.Fatalf("AppendDictionary: %v", err)
	}
}

// testDictionary checks the user dictionary: the latest entry per word
// wins (ties by ID), a removal takes a word out, words are sorted, and the
// version changes with every change and only then.
func testDictionary(t *testing.T, s store.Store) {
	if d := userDictionary(t, s); len(d.Words) != 0 || d.Version != (model.DictionaryVersion{}) {
		t.Errorf("empty dictionary = %+v, want no words and the zero version", d)
	}
	plant := NewWord("w1", "青岚化工", time.Minute)
	bureau := NewWord("w2", "县应急管理局", 2*time.Minute)
	bureau.Freq, bureau.POS = 0, "" // the analyzer's defaults
	bridge := NewWord("w3", "澜江大桥", 3*time.Minute)
	bridge.POS = "ns"
	appendWords(t, s, plant, bureau, bridge)
	v1 := dictionaryVersion(t, s)
	if v1.Changes != 3 || !v1.LastChange.Equal(bridge.At) {
		t.Errorf("version after three words = %+v, want 3 changes, last at %v", v1, bridge.At)
	}
	// A retried append changes nothing, not even the version.
	appendWords(t, s, plant, bridge)
	if v := dictionaryVersion(t, s); v != v1 {
		t.Errorf("version after a retried append = %+v, want %+v", v, v1)
	}

	replanted := plant
	replanted.ID, replanted.Freq, replanted.At = "w4", 900, at(4*time.Minute)
	removed := model.DictionaryEntry{ID: "w5", Word: bridge.Word, By: "王五", At: at(5 * time.Minute), Removed: true}
	tieA := NewWord("w6", "测试词", 6*time.Minute)
	tieB := tieA
	tieB.ID, tieB.Removed = "w7", true // same time, greater ID: removed wins
	appendWords(t, s, replanted, removed, tieA, tieB)
	d := userDictionary(t, s)
	want := []model.DictionaryEntry{normalWord(bureau), normalWord(replanted)} // sorted by word, bytewise: 县 < 青
	if !reflect.DeepEqual(d.Words, want) {
		t.Errorf("words =\n%+v\nwant\n%+v", d.Words, want)
	}
	if d.Version.Changes != 7 || !d.Version.LastChange.Equal(tieA.At) {
		t.Errorf("version = %+v, want 7 changes, last at %v", d.Version, tieA.At)
	}
	if v := dictionaryVersion(t, s); v != d.Version {
		t.Errorf("DictionaryVersion = %+v, UserDictionary's = %+v; want the same", v, d.Version)
	}
	// A removed word comes back when added again.
	again := NewWord("w8", bridge.Word, 7*time.Minute)
	appendWords(t, s, again)
	if d := userDictionary(t, s); len(d.Words) != 3 || d.Words[1] != normalWord(again) || d.Version.Changes != 8 {
		t.Errorf("after re-adding %s: %+v", bridge.Word, d)
	}
}

// testDictionaryRefusesInvalid checks that a batch with an invalid entry
// stores nothing and says which field is wrong.
func testDictionaryRefusesInvalid(t *testing.T, s store.Store) {
	good := NewWord("ok", "青岚县", time.Minute)
	for _, tt := range []struct {
		name string
		edit func(e *model.DictionaryEntry)
		want string
	}{
		{"empty word", func(e *model.DictionaryEntry) { e.Word = "" }, "missing field word"},
		{"white space", func(e *model.DictionaryEntry) { e.Word = "青岚 县" }, `invalid field word="青岚 县": must not contain white space`},
		{"full-width space", func(e *model.DictionaryEntry) { e.Word = "青岚\u3000县" }, "must not contain white space"},
		{"too long", func(e *model.DictionaryEntry) { e.Word = strings.Repeat("长", model.MaxWordRunes+1) }, "33 characters, at most 32"},
		{"unknown tag", func(e *model.DictionaryEntry) { e.POS = "noun" }, `invalid field pos="noun"`},
		{"negative frequency", func(e *model.DictionaryEntry) { e.Freq = -1 }, "invalid field freq=-1"},
		{"no person", func(e *model.DictionaryEntry) { e.By = "" }, "missing field by"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := NewWord("bad", "澜江", 2*time.Minute)
			tt.edit(&bad)
			err := s.AppendDictionary(context.Background(), []model.DictionaryEntry{good, bad})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("AppendDictionary error = %v, want it to contain %q", err, tt.want)
			}
			if v := dictionaryVersion(t, s); v.Changes != 0 {
				t.Errorf("a refused batch stored %d changes", v.Changes)
			}
		})
	}
}
