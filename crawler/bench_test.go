package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// benchArticles is how many articles one list page of the benchmark site
// links to; each benchmark iteration polls them all.
const benchArticles = 100

// benchSite serves a list page and benchArticles portal articles of
// about 6 KB each (navigation, metadata table, five paragraphs, footer),
// UTF-8 and GBK alternately.
func benchSite(b *testing.B) *httptest.Server {
	b.Helper()
	var list strings.Builder
	list.WriteString(`<html><head><meta charset="utf-8"><title>政务公开</title></head><body><ul>`)
	pages := make(map[string][]byte)
	for i := range benchArticles {
		path := fmt.Sprintf("/xxgk/202611/t20261121_%d.html", i)
		fmt.Fprintf(&list, `<li><a href="%s">县政府关于第%d项工作的通知</a></li>`, path, i)
		body := strings.Replace(article1, "县政府召开安全生产工作会议", fmt.Sprintf("县政府召开第%d次安全生产工作会议", i), -1)
		body = strings.Replace(body, `<div class="content">`, `<div class="content"><p>`+strings.Repeat(para, 8)+`</p>`, 1)
		if i%2 == 1 {
			gb, err := gbkEncode(strings.Replace(body, `charset="utf-8"`, `charset="gbk"`, 1))
			if err != nil {
				b.Fatal(err)
			}
			pages[path] = gb
		} else {
			pages[path] = []byte(body)
		}
	}
	list.WriteString(`</ul></body></html>`)
	pages["/list"] = []byte(list.String())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(p)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkFetchExtract measures pages per second for fetch + decode +
// extract + document building, politeness off (no host delay, robots.txt
// ignored) against a local server. Each iteration is a first poll of a
// fresh crawler: one list page and benchArticles new articles.
func BenchmarkFetchExtract(b *testing.B) {
	srv := benchSite(b)
	cfg := testConfig()
	cfg.HostDelay = 0
	cfg.IgnoreRobots = true
	src := testSource("bench", model.KindPortal, srv.URL+"/list")
	pub := &fakePublisher{}
	b.ResetTimer()
	pages := 0
	for range b.N {
		b.StopTimer()
		c, err := New(cfg, []config.Source{src}, pub, b.TempDir(), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := c.PollNow(context.Background(), "bench"); err != nil {
			b.Fatal(err)
		}
		if n := len(pub.take()); n != benchArticles {
			b.Fatalf("poll published %d documents, want %d", n, benchArticles)
		}
		pages += benchArticles + 1
	}
	b.StopTimer()
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkExtractOnly is extraction alone on one benchmark article, to
// tell its share of BenchmarkFetchExtract.
func BenchmarkExtractOnly(b *testing.B) {
	page := []byte(strings.Replace(article1, `<div class="content">`, `<div class="content"><p>`+strings.Repeat(para, 8)+`</p>`, 1))
	fetched := time.Date(2026, 11, 21, 12, 0, 0, 0, model.China)
	b.SetBytes(int64(len(page)))
	for range b.N {
		if _, err := Extract(page, "http://www.example.gov.cn/xxgk/202611/t20261121_1.html", "text/html", fetched); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkSeenSetMillion reports the heap held by a seen-set of one
// million articles as the crawler stores them (canonical portal URL,
// content hash, ETag and Last-Modified), in bytes per entry.
func BenchmarkSeenSetMillion(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		b.StopTimer()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		s := &seenSet{maxEntries: n, maxAge: seenMaxAge, entries: make(map[string]*seenEntry)}
		now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC).Unix()
		for i := range n {
			u := fmt.Sprintf("https://www.example.gov.cn/xxgk/2026%02d/t2026%02d%02d_%07d.html", i%12+1, i%12+1, i%28+1, i)
			s.put(u, &seenEntry{
				Kind:         pageArticle,
				Hash:         ContentHash(u, ""),
				ETag:         fmt.Sprintf(`"%x-%x"`, i, i*7),
				LastModified: time.Unix(now-int64(i), 0).UTC().Format(http.TimeFormat),
				FirstSeen:    now - int64(i),
				LastSeen:     now,
			})
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.len() != n {
			b.Fatalf("seen-set holds %d entries, want %d", s.len(), n)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/entry")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB/1M")
		runtime.KeepAlive(s)
	}
}

func gbkEncode(s string) ([]byte, error) {
	return simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
}
