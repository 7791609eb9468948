package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
)

// TestTwoCrawlerProcesses runs two `yuqing run -target crawler` processes
// in one crawler group against one broker (a third process) and one site,
// and checks that every article is fetched in full once and published once.
func TestTwoCrawlerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three yuqing processes")
	}
	const articles = 20
	var mu sync.Mutex
	full := map[string]int{} // unconditional GETs of article pages
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/list":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			var b strings.Builder
			b.WriteString("<html><body><ul>")
			for i := range articles {
				fmt.Fprintf(&b, `<li><a href="/news/2026/11/21/a%d.html">第%d篇测试新闻标题足够长</a></li>`, i, i)
			}
			b.WriteString("</ul></body></html>")
			fmt.Fprint(w, b.String())
		case strings.HasPrefix(r.URL.Path, "/news/"):
			etag := `"` + r.URL.Path + `"`
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			mu.Lock()
			full[r.URL.Path]++
			mu.Unlock()
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<html><head><title>测试新闻 %s</title></head><body><h1>测试新闻 %s</h1><div class="content"><p>%s</p></div></body></html>`,
				r.URL.Path, r.URL.Path, strings.Repeat("县里召开会议，部署冬季安全生产工作，要求各乡镇压实责任。", 5))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	bin := buildBinary(t)
	dir := t.TempDir()
	brokerAddr := freePort(t)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	brokerCfg := write("broker.yaml", "demo:\n  enabled: false\n")
	startYuqing(t, bin, "-config", brokerCfg, "-target", "console", "-data-dir", filepath.Join(dir, "b"),
		"-http-listen", freePort(t), "-broker-listen", brokerAddr)
	crawlerCfg := write("crawler.yaml", fmt.Sprintf(`kafka:
  brokers: [%s]
crawler:
  group: yuqing-crawler
  interval: 2s
  host_delay: 10ms
  sources:
    - id: site
      name: 测试新闻网
      kind: news
      authority: 地方媒体
      url: %s/list
      allow_private: true
demo:
  enabled: false
`, brokerAddr, srv.URL))
	var crawlers []*proc
	for _, name := range []string{"c1", "c2"} {
		crawlers = append(crawlers, startYuqing(t, bin, "-config", crawlerCfg, "-target", "crawler", "-data-dir", filepath.Join(dir, name),
			"-http-listen", freePort(t)))
	}

	// Every article published once on the docs topic.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokerAddr), kgo.ConsumeTopics(bus.TopicDocs),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	published := map[string]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for len(published) < articles && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { published[string(r.Key)]++ })
	}
	if len(published) != articles {
		t.Fatalf("%d distinct documents published, want %d", len(published), articles)
	}
	// At least two more whole polls of the source by whichever process
	// owns it (three counted: the first may be the poll that was
	// running): nothing is fetched in full or published again.
	polls := func() float64 {
		var n float64
		for _, p := range crawlers {
			n += metricSum(p.metrics(), `yuqing_crawler_polls_total{result="ok",source="site"}`)
		}
		return n
	}
	before := polls()
	crawlers[0].waitFor("two more polls of the source", time.Minute, func() (bool, string) {
		n := polls()
		return n >= before+3, fmt.Sprintf("%v polls, %v before", n, before)
	})
	pctx, pcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer pcancel()
	cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { published[string(r.Key)]++ })
	for id, n := range published {
		if n != 1 {
			t.Errorf("document %s published %d times", id, n)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(full) != articles {
		t.Errorf("%d articles fetched, want %d", len(full), articles)
	}
	for path, n := range full {
		if n != 1 {
			t.Errorf("%s fetched in full %d times by the two crawler processes, want once", path, n)
		}
	}
}
