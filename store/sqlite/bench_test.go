package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// seedsDir holds real government documents (shared/ sits beside the
// repository); the benchmarks cut them into news-sized posts.
const seedsDir = "../../../shared/seeds"

// benchPosts cuts the seed documents into n distinct posts of about 800
// characters, as cmd/yuqing's pipeline benchmark does.
func benchPosts(b *testing.B, n int) []model.Post {
	b.Helper()
	paths, _ := filepath.Glob(filepath.Join(seedsDir, "*.txt"))
	var texts [][]rune
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, []rune(string(raw)))
	}
	if len(texts) == 0 {
		b.Skipf("no seed documents in %s", seedsDir)
	}
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	posts := make([]model.Post, n)
	for i := range posts {
		t := texts[i%len(texts)]
		start := (i / len(texts) * 97) % max(1, len(t)-800)
		body := string(t[start:min(len(t), start+800)])
		p := storetest.NewPost(fmt.Sprintf("bench-%06d", i), 1, at.Add(-time.Duration(i)*time.Second))
		p.Title, p.Body = string([]rune(body)[:20]), body
		posts[i] = p
	}
	return posts
}

// ftsVariants are the full-text indexes measured against each other: the
// shipped schema, and the same posts table with the alternatives swapped
// in by hand (only the write side of the alternatives is measured here;
// the search is BenchmarkSearchFTS).
var ftsVariants = []struct {
	name string
	ddl  []string // run on a migrated store
}{
	// Shipped: the index is written behind the posts (fts.go); while the
	// writes go on, nothing is indexed.
	{"shipped-index-behind-writes", nil},
	// Before step 7: the trigram index in the posts' transaction.
	{"trigram-in-transaction", []string{
		`DROP TRIGGER posts_fts_insert`,
		`CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
			INSERT INTO posts_fts (rowid, title, body) VALUES (new.seq, new.title, new.body); END`,
	}},
	// The lighter index FTS5 has: no positions, so no phrase queries (a
	// term would be matched as an AND of its trigrams and checked with
	// LIKE).
	{"trigram-detail-none-in-transaction", []string{
		`DROP TRIGGER posts_fts_insert`, `DROP TRIGGER posts_fts_delete`, `DROP TRIGGER posts_fts_update`, `DROP TABLE posts_fts`,
		`CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='seq', tokenize='trigram', detail=none)`,
		`CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
			INSERT INTO posts_fts (rowid, title, body) VALUES (new.seq, new.title, new.body); END`,
	}},
}

func benchStore(b *testing.B, ddl []string) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "yuqing.db"), prometheus.NewRegistry(),
		slog.New(slog.DiscardHandler), WithMigrate())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	for _, q := range ddl {
		if _, err := s.write.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return s
}

// BenchmarkUpsertPostsFTS measures posts written per second in chunks of
// 32 (the analyzer stage's chunk) and 512 with each full-text index
// variant, and BenchmarkIndexFTS the cost of indexing behind the writes.
func BenchmarkUpsertPostsFTS(b *testing.B) {
	const n = 4096
	posts := benchPosts(b, n)
	for _, v := range ftsVariants {
		for _, chunk := range []int{32, 512} {
			b.Run(fmt.Sprintf("%s/chunk-%d", v.name, chunk), func(b *testing.B) {
				ctx := context.Background()
				var elapsed time.Duration
				for range b.N {
					b.StopTimer()
					s := benchStore(b, v.ddl)
					b.StartTimer()
					start := time.Now()
					for i := 0; i < n; i += chunk {
						if err := s.UpsertPosts(ctx, posts[i:i+chunk]); err != nil {
							b.Fatal(err)
						}
					}
					elapsed += time.Since(start)
				}
				b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "posts/s")
			})
		}
	}
}

// BenchmarkSearchFTS measures a search for a four-character and a
// two-character term over 4096 stored posts, through the store's query.
func BenchmarkSearchFTS(b *testing.B) {
	const n = 4096
	posts := benchPosts(b, n)
	ctx := context.Background()
	s := benchStore(b, nil)
	for i := 0; i < n; i += 256 {
		if err := s.UpsertPosts(ctx, posts[i:i+256]); err != nil {
			b.Fatal(err)
		}
	}
	for {
		if k, err := s.IndexFTS(ctx, 1024); err != nil {
			b.Fatal(err)
		} else if k == 0 {
			break
		}
	}
	// A common term (half the posts), a rare one (one seed window's
	// title), and two two-character terms, which are always a scan.
	rare := string([]rune(posts[1234].Title)[:4])
	for _, term := range []string{"人民政府", rare, "政府", "机制"} {
		b.Run(term, func(b *testing.B) {
			for range b.N {
				page, err := s.QueryPosts(ctx, store.PostQuery{Text: term, Limit: 20})
				if err != nil || page.Total == 0 {
					b.Fatalf("QueryPosts(%q) = %d, %v", term, page.Total, err)
				}
			}
		})
	}
}

// BenchmarkIndexFTS measures the indexer: posts per second added to the
// trigram index behind the writes, in its steps of ftsStep posts.
func BenchmarkIndexFTS(b *testing.B) {
	const n = 4096
	posts := benchPosts(b, n)
	ctx := context.Background()
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		s := benchStore(b, nil)
		s.stopIndexer()
		for i := 0; i < n; i += 512 {
			if err := s.UpsertPosts(ctx, posts[i:i+512]); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		for {
			k, err := s.IndexFTS(ctx, ftsStep)
			if err != nil {
				b.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "posts/s")
}

// BenchmarkSearchUnindexed is BenchmarkSearchFTS with the index covering
// nothing (a burst just stored): every term is a scan.
func BenchmarkSearchUnindexed(b *testing.B) {
	const n = 4096
	posts := benchPosts(b, n)
	ctx := context.Background()
	s := benchStore(b, nil)
	s.stopIndexer()
	for i := 0; i < n; i += 256 {
		if err := s.UpsertPosts(ctx, posts[i:i+256]); err != nil {
			b.Fatal(err)
		}
	}
	for _, term := range []string{"人民政府", string([]rune(posts[1234].Title)[:4]), "政府"} {
		b.Run(term, func(b *testing.B) {
			for range b.N {
				page, err := s.QueryPosts(ctx, store.PostQuery{Text: term, Limit: 20})
				if err != nil || page.Total == 0 {
					b.Fatalf("QueryPosts(%q) = %d, %v", term, page.Total, err)
				}
			}
		})
	}
}
