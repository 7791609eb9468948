package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

type discardPublisher struct{}

func (discardPublisher) Publish(context.Context, ...model.Document) error { return nil }

// TestSourcesFromTheStore checks the crawler polls the store's sources:
// the configured ones seeded, and a source added or disabled in the store
// (as the console does it) polled or no longer polled once the watcher
// polled, with no restart; a poll's outcome lands in the store.
func TestSourcesFromTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><body><ul><li><a href="/news/2026/12/01/a.html">县政府召开会议</a></li></ul></body></html>`))
	}))
	defer web.Close()
	cfg := &config.Config{}
	cfg.Crawler = config.CrawlerConfig{UserAgent: "t", Interval: time.Hour, RequestTimeout: 5 * time.Second, MaxPageBytes: 1 << 20, Parallelism: 1}
	cfg.Crawler.Sources = []config.Source{
		{ID: "gov", Name: "县政府网", Kind: model.KindPortal, URL: web.URL + "/list", AllowPrivate: true},
		{ID: "bbs", Name: "县论坛", Kind: model.KindForum, URL: web.URL + "/bbs", AllowPrivate: true},
	}
	a := &App{cfg: cfg, log: slog.New(slog.DiscardHandler), reg: prometheus.NewRegistry(), st: st}
	seeded, err := a.storeSources(ctx, cfg.Crawler.Sources)
	if err != nil || len(seeded) != 2 {
		t.Fatalf("store sources = %v, %v", seeded, err)
	}
	cr, err := crawler.New(cfg.Crawler, nil, discardPublisher{}, t.TempDir(), a.reg, a.log)
	if err != nil {
		t.Fatal(err)
	}
	cr.RecordPolls(st)
	w, err := a.sourceWatcher(ctx, cr)
	if err != nil {
		t.Fatal(err)
	}
	if got := cr.Sources(); !slices.Equal(got, []string{"bbs", "gov"}) {
		t.Fatalf("crawler sources = %v, want the seeded [bbs gov]", got)
	}
	// In the console: bbs disabled, feed added.
	bbsOff := model.Source{ID: "bbs", Name: "县论坛", Kind: model.KindForum, URL: web.URL + "/bbs", AllowPrivate: true, Disabled: true}
	feed := model.Source{ID: "feed", Name: "新闻订阅", Kind: model.KindFeed, URL: web.URL + "/rss", Interval: "15m", AllowPrivate: true}
	if err := st.AppendSettings(ctx, []model.SettingChange{bbsOff.Change("c1", "monitor", time.Now()), feed.Change("c2", "monitor", time.Now())}); err != nil {
		t.Fatal(err)
	}
	if ok, err := w.Refresh(ctx); !ok || err != nil {
		t.Fatalf("refresh = %v, %v", ok, err)
	}
	if got := cr.Sources(); !slices.Equal(got, []string{"feed", "gov"}) {
		t.Fatalf("crawler sources after the change = %v, want [feed gov]", got)
	}
	if err := cr.PollNow(ctx, "gov"); err != nil {
		t.Fatal(err)
	}
	status, err := st.SourceStatus(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(status) != 1 || status[0].SourceID != "gov" || status[0].Polls != 1 {
		t.Fatalf("status after a poll = %+v, %v", status, err)
	}
}
