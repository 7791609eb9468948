package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// TestSourceHangingMidBody: a server that sends the headers and half of an
// article, then stops sending without closing the connection. The fetch
// is bounded by the request timeout, retried and counted; the source's
// other pages and another source go on; the page is not marked seen, so a
// later poll fetches it once the server answers, and nothing is published
// twice.
func TestSourceHangingMidBody(t *testing.T) {
	const hangFor = 30 * time.Second // far longer than the request timeout
	var recovered atomic.Bool
	var hung atomic.Int64
	hangPage := articlePage("挂起后恢复的文章页面")
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/list":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, listOf("/2026/11/21/hang.html", "/2026/11/21/fine.html"))
		case "/2026/11/21/fine.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, articlePage("同一来源的正常文章页面"))
		case "/2026/11/21/hang.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if recovered.Load() {
				fmt.Fprint(w, hangPage)
				return
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(hangPage)))
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, hangPage[:len(hangPage)/2])
			w.(http.Flusher).Flush()
			hung.Add(1)
			select {
			case <-r.Context().Done():
			case <-time.After(hangFor):
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(slow.Close)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/list":
			fmt.Fprint(w, listOf("/2026/11/21/other.html"))
		case "/2026/11/21/other.html":
			fmt.Fprint(w, articlePage("另一个来源的文章页面"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(other.Close)

	cfg := testConfig()
	cfg.RequestTimeout = 500 * time.Millisecond
	pub := &fakePublisher{}
	c, err := New(cfg, []config.Source{
		testSource("hang", model.KindNews, slow.URL+"/list"),
		testSource("other", model.KindNews, other.URL+"/list"),
	}, pub, t.TempDir(), prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	c.now, c.sleep = clock.now, clock.sleep // backoffs pass at once; the request timeout is real
	c.jitter = func(time.Duration) time.Duration { return 0 }

	// Both sources polled at once: the hanging one does not hold up the
	// other.
	ctx := context.Background()
	start := time.Now()
	errs := make(chan error, 2)
	otherDone := make(chan time.Duration, 1)
	go func() { errs <- c.PollNow(ctx, "hang") }()
	go func() {
		err := c.PollNow(ctx, "other")
		otherDone <- time.Since(start)
		errs <- err
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	otherTook := <-otherDone
	got := byTitle(pub.take())
	timeouts := testutil.ToFloat64(c.m.retries.WithLabelValues("hang", retryTimeout))
	skipped := testutil.ToFloat64(c.m.pagesSkipped.WithLabelValues("hang", skipFetchError))
	fmt.Printf("hanging source: poll bounded at %v (request timeout %v, server hangs %v), %d hung responses, %v timeout retries, %v pages skipped, other source done in %v, %d documents published\n",
		took.Round(time.Millisecond), cfg.RequestTimeout, hangFor, hung.Load(), timeouts, skipped, otherTook.Round(time.Millisecond), len(got))
	if took >= hangFor/2 {
		t.Errorf("the poll took %v: a page hanging mid-body is not bounded by the %v request timeout", took, cfg.RequestTimeout)
	}
	if hung.Load() < 2 {
		t.Errorf("the page hung %d times: the timeout was not retried", hung.Load())
	}
	if timeouts < 1 {
		t.Errorf("retries_total{reason=timeout} = %v, want the mid-body timeouts counted", timeouts)
	}
	if skipped != 1 {
		t.Errorf("pages_skipped_total{reason=fetch_error} = %v, want 1 (the page given up for this poll)", skipped)
	}
	for _, title := range []string{"同一来源的正常文章页面", "另一个来源的文章页面"} {
		if _, ok := got[title]; !ok {
			t.Errorf("%q not published beside the hanging page; got %d documents", title, len(got))
		}
	}
	if _, ok := got["挂起后恢复的文章页面"]; ok {
		t.Error("half a page was published")
	}

	// The server answers again: the next poll fetches the page it gave up,
	// once, and nothing already published again.
	recovered.Store(true)
	clock.advance(2 * time.Hour)
	if err := c.PollNow(ctx, "hang"); err != nil {
		t.Fatal(err)
	}
	again := pub.take()
	if len(again) != 1 || again[0].Title != "挂起后恢复的文章页面" {
		var titles []string
		for _, d := range again {
			titles = append(titles, d.Title)
		}
		t.Errorf("after recovery the poll published %q, want only the page that hung", titles)
	}
}
