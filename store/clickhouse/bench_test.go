package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// BenchmarkPostsOnDisk writes news-sized posts (the seed documents cut to
// ~800 characters, as cmd/yuqing's pipeline benchmark does) in batches of
// 256, and reports the write rate and the bytes a post takes on disk once
// the parts are merged (system.parts), the figure the sizing guide
// multiplies by the posts of 180 days. On 18.16 the columns are LZ4 (no
// codecs); 23.8 compresses the text with ZSTD.
func BenchmarkPostsOnDisk(b *testing.B) {
	const n = 8192
	paths, _ := filepath.Glob("../../../shared/seeds/*.txt")
	var texts [][]rune
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, []rune(string(raw)))
	}
	if len(texts) == 0 {
		b.Skip("no seed documents")
	}
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	posts := make([]model.Post, n)
	for i := range posts {
		t := texts[i%len(texts)]
		start := (i / len(texts) * 97) % max(1, len(t)-800)
		body := string(t[start:min(len(t), start+800)])
		p := storetest.NewPost(fmt.Sprintf("bench-%06d", i), 1, at.Add(-time.Duration(i)*time.Minute))
		p.Title, p.Body = string([]rune(body)[:20]), body
		posts[i] = p
	}
	ctx := context.Background()
	var elapsed time.Duration
	var perPost float64
	for range b.N {
		b.StopTimer()
		cfg := config.ClickHouseConfig{Addrs: []string{server.Addr(b)}, Database: fmt.Sprintf("yuqing_bench_%d", databases.Add(1)),
			Username: "default", DialTimeout: 5 * time.Second}
		if err := Migrate(ctx, cfg, slog.New(slog.DiscardHandler)); err != nil {
			b.Fatal(err)
		}
		s, err := Open(ctx, cfg, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for i := 0; i < n; i += 256 {
			if err := s.UpsertPosts(ctx, posts[i:i+256]); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
		if err := s.conn.Exec(ctx, "OPTIMIZE TABLE "+s.table("posts")+" FINAL"); err != nil {
			b.Fatal(err)
		}
		var bytes uint64
		if err := s.conn.QueryRow(ctx, "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ? AND table = 'posts' AND active", cfg.Database).Scan(&bytes); err != nil {
			b.Fatal(err)
		}
		perPost += float64(bytes) / n
		s.Close()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "posts/s")
	b.ReportMetric(perPost/float64(b.N), "disk-bytes/post")
}
