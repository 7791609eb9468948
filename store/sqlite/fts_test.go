package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// TestFullTextIndexBehindWrites: search is exact whether the index covers
// a post or not (the uncovered tail is scanned), IndexFTS writes the index
// and moves the watermark, an update of a covered post re-indexes it, and
// the indexer goroutine covers what is written once writes pause.
func TestFullTextIndexBehindWrites(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "yuqing.db"), prometheus.NewRegistry())
	defer s.Close()
	s.stopIndexer() // the test moves the index itself
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	post := func(id string, version uint64, title, body string) model.Post {
		p := storetest.NewPost(id, version, at)
		p.Title, p.Body = title, body
		return p
	}
	upsert := func(ps ...model.Post) {
		t.Helper()
		if err := s.UpsertPosts(ctx, ps); err != nil {
			t.Fatal(err)
		}
	}
	search := func(text string, want ...string) {
		t.Helper()
		page, err := s.QueryPosts(ctx, store.PostQuery{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range page.Items {
			got = append(got, p.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("search %q = %v; want %v", text, got, want)
		}
	}
	indexed := func(term string) int {
		t.Helper()
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?`, ftsString(term)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	upsert(post("a", 1, "化工厂爆炸事故", "园区通报"), post("b", 1, "道路积水严重", "市民反映化工厂附近积水"))
	if lag, err := s.ftsLag(ctx); err != nil || lag != 2 {
		t.Fatalf("ftsLag = %d, %v; want 2 posts not covered", lag, err)
	}
	// Not indexed yet: found by the scan of the tail.
	search("化工厂", "a", "b")
	search("爆炸事故", "a")
	search("积水 化工厂", "b")
	if indexed("化工厂") != 0 {
		t.Fatal("the index holds posts before IndexFTS ran")
	}

	for _, want := range []int{1, 1, 0} {
		if n, err := s.IndexFTS(ctx, 1); err != nil || n != want {
			t.Fatalf("IndexFTS = %d, %v; want %d", n, err, want)
		}
	}
	if got := indexed("化工厂"); got != 2 {
		t.Errorf("index finds %d posts with 化工厂; want 2", got)
	}
	search("化工厂", "a", "b")
	search("爆炸事故", "a")
	search("爆炸", "a") // two characters: a scan, index or not

	// A new version of a covered post replaces its index entry.
	upsert(post("a", 2, "化工厂火灾", "园区通报"))
	search("爆炸事故")
	search("化工厂火灾", "a")
	if got := indexed("爆炸事故"); got != 0 {
		t.Errorf("index still finds the old title of an updated post (%d)", got)
	}
	// A post after the watermark is found before it is indexed.
	upsert(post("c", 1, "供水管网改造", "停水通知"))
	search("管网改造", "c")
}

// TestFullTextIndexerCatchesUp: the indexer goroutine covers the posts
// written once writes pause.
func TestFullTextIndexerCatchesUp(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "yuqing.db"), prometheus.NewRegistry())
	defer s.Close()
	var ps []model.Post
	for i := range ftsStep + 10 {
		p := storetest.NewPost(string(rune('a'+i%26))+time.Duration(i).String(), 1, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
		p.Title = "突发事件通报"
		ps = append(ps, p)
	}
	if err := s.UpsertPosts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		lag, err := s.ftsLag(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if lag == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the indexer left %d posts uncovered", lag)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM posts_fts WHERE posts_fts MATCH '"事件通"'`).Scan(&n); err != nil || n != len(ps) {
		t.Errorf("index holds %d posts, %v; want %d", n, err, len(ps))
	}
}
