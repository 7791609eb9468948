package crawler_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/model"
)

type recorder struct {
	mu   sync.Mutex
	docs []model.Document
}

func (r *recorder) Publish(_ context.Context, docs ...model.Document) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.docs = append(r.docs, docs...)
	return nil
}

// TestCrawlDemoWeb crawls the simulated local web (portal, two news sites,
// one in GBK, message board, RSS feed) and checks every source yields
// documents with a title, a body and a publish time, that the GBK site
// arrives as GBK-decoded text, and that robots.txt is obeyed.
func TestCrawlDemoWeb(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	site, err := demo.New(config.DemoConfig{Listen: "127.0.0.1:0", Speed: 600}, "", log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := site.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	time.Sleep(time.Second) // let the scenario publish some items

	// As `yuqing run` does: defaults applied to the config, the demo's
	// sources added afterwards with zero intervals.
	cfg := config.Config{Crawler: config.CrawlerConfig{HostDelay: time.Millisecond}}
	cfg.ApplyDefaults()
	cfg.Crawler.Sources = site.Sources()
	rec := &recorder{}
	c, err := crawler.New(cfg.Crawler, cfg.Crawler.Sources, rec, t.TempDir(), nil, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.Crawler.Sources {
		if err := c.PollNow(ctx, s.ID); err != nil {
			t.Errorf("poll %s: %v", s.ID, err)
		}
	}
	perSource := map[string]int{}
	encodings := map[string]bool{}
	for _, d := range rec.docs {
		perSource[d.SourceID]++
		encodings[d.Encoding] = true
		if d.Title == "" || len([]rune(d.Body)) < 10 || d.PublishedAt.IsZero() {
			t.Errorf("incomplete document from %s: %q body %q published %v", d.SourceID, d.Title, d.Body, d.PublishedAt)
		}
	}
	t.Logf("documents per source: %v; encodings %v", perSource, encodings)
	for _, s := range cfg.Crawler.Sources {
		if perSource[s.ID] == 0 {
			t.Errorf("no documents from demo source %s", s.ID)
		}
	}
	if !encodings["gbk"] && !encodings["gb18030"] {
		t.Errorf("no GBK document from the demo's GBK news site")
	}
	if n := site.DisallowedHits(); n != 0 {
		t.Errorf("crawler requested %d robots.txt-disallowed pages", n)
	}
}
