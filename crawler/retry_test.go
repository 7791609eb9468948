package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// fakeClock stands in for the crawler's clock: sleeping advances it at
// once, so tests see the waits the crawler chose without waiting them.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// scriptedSite answers each path with a script of responses, one per
// request; the last one repeats. It records the fake time of each request.
type scriptedSite struct {
	mu    sync.Mutex
	clock *fakeClock
	steps map[string][]step
	times map[string][]time.Time
	srv   *httptest.Server
}

// step is one scripted response: hang blocks until the client gives up.
type step struct {
	status int
	header map[string]string
	body   string
	hang   bool
}

func newScriptedSite(t *testing.T, clock *fakeClock, steps map[string][]step) *scriptedSite {
	s := &scriptedSite{clock: clock, steps: steps, times: make(map[string][]time.Time)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		path := r.URL.RequestURI()
		n := len(s.times[path])
		s.times[path] = append(s.times[path], clock.now())
		script := s.steps[path]
		s.mu.Unlock()
		if len(script) == 0 {
			http.NotFound(w, r)
			return
		}
		st := script[min(n, len(script)-1)]
		if st.hang {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		for k, v := range st.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(st.status)
		fmt.Fprint(w, st.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *scriptedSite) requestTimes(path string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.times[path])
}

func articlePage(title string) string {
	return `<html><head><meta charset="utf-8"><title>` + title + `</title></head><body><h1>` + title +
		`</h1><div class="content"><p>` + para + `</p></div></body></html>`
}

func listOf(paths ...string) string {
	var b strings.Builder
	b.WriteString(`<html><head><meta charset="utf-8"><title>列表</title></head><body><ul>`)
	for i, p := range paths {
		fmt.Fprintf(&b, `<li><a href="%s">第%d篇文章的标题在这里</a></li>`, p, i+1)
	}
	b.WriteString(`</ul></body></html>`)
	return b.String()
}

// newRetryCrawler is a crawler on a fake clock with no jitter (backoff is
// exactly half its nominal value) and a short request timeout.
func newRetryCrawler(t *testing.T, site *scriptedSite, clock *fakeClock) (*Crawler, *fakePublisher) {
	t.Helper()
	src := testSource("retry", model.KindNews, site.srv.URL+"/list")
	cfg := testConfig()
	cfg.RequestTimeout = 300 * time.Millisecond
	pub := &fakePublisher{}
	c, err := New(cfg, []config.Source{src}, pub, t.TempDir(), prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.now, c.sleep = clock.now, clock.sleep
	c.jitter = func(time.Duration) time.Duration { return 0 }
	return c, pub
}

func TestRetries(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	ok := func(title string) step { return step{status: 200, body: articlePage(title)} }
	retryDate := clock.t.Add(30 * time.Second).Format(http.TimeFormat)
	site := newScriptedSite(t, clock, map[string][]step{
		"/list":                  {{status: 200, body: listOf("/2026/11/21/slow.html", "/2026/11/21/busy.html", "/2026/11/21/busydate.html", "/2026/11/21/flaky.html", "/2026/11/21/down.html")}},
		"/2026/11/21/slow.html":  {{hang: true}, ok("第一次请求超时的慢页面")},
		"/2026/11/21/busy.html":  {{status: 429, header: map[string]string{"Retry-After": "7"}}, ok("限流后按秒数重试的页面")},
		"/2026/11/21/flaky.html": {{status: 503}, {status: 502}, ok("两次服务端错误后恢复")},
		"/2026/11/21/down.html":  {{status: 503}},
		// An HTTP date: 30 s after the fake clock's start. Requests before
		// it have already advanced the clock, so the wait is shorter but
		// must end at that date.
		"/2026/11/21/busydate.html": {{status: 429, header: map[string]string{"Retry-After": retryDate}}, ok("限流后按日期重试的页面")},
	})
	c, pub := newRetryCrawler(t, site, clock)
	if err := c.PollNow(context.Background(), "retry"); err != nil {
		t.Fatal(err)
	}
	got := byTitle(pub.take())
	for _, title := range []string{"第一次请求超时的慢页面", "限流后按秒数重试的页面", "限流后按日期重试的页面", "两次服务端错误后恢复"} {
		if _, ok := got[title]; !ok {
			t.Errorf("%q not published after retries; got %d documents", title, len(got))
		}
	}
	if len(got) != 4 {
		t.Errorf("published %d documents, want 4", len(got))
	}

	for _, tc := range []struct {
		path     string
		requests int
		minGaps  []time.Duration // least fake time between consecutive requests
	}{
		{"/2026/11/21/slow.html", 2, []time.Duration{500 * time.Millisecond}},
		{"/2026/11/21/busy.html", 2, []time.Duration{7 * time.Second}},
		{"/2026/11/21/flaky.html", 3, []time.Duration{500 * time.Millisecond, time.Second}},
		{"/2026/11/21/down.html", 4, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
	} {
		times := site.requestTimes(tc.path)
		if len(times) != tc.requests {
			t.Errorf("%s requested %d times, want %d", tc.path, len(times), tc.requests)
			continue
		}
		for i, min := range tc.minGaps {
			if gap := times[i+1].Sub(times[i]); gap < min {
				t.Errorf("%s: retry %d came %v after the previous request, want at least %v", tc.path, i+1, gap, min)
			}
		}
	}
	if times := site.requestTimes("/2026/11/21/busydate.html"); len(times) != 2 || times[1].Before(mustParseHTTPTime(t, retryDate)) {
		t.Errorf("/busydate.html requested at %v, want twice, the second not before %s", times, retryDate)
	}

	for reason, want := range map[string]float64{retryTimeout: 1, retry429: 2, retry5xx: 2 + 3} {
		if got := testutil.ToFloat64(c.m.retries.WithLabelValues("retry", reason)); got != want {
			t.Errorf("retries_total{reason=%q} = %v, want %v", reason, got, want)
		}
	}
	if got := testutil.ToFloat64(c.m.pagesSkipped.WithLabelValues("retry", skipHTTPStatus)); got != 1 {
		t.Errorf("pages_skipped_total{reason=http_status} = %v, want 1 (the page that stays down)", got)
	}
}

func mustParseHTTPTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := http.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestRetryAfterTooLong checks that a Retry-After longer than a poll
// waits is not waited for inside the poll, yet holds the whole host: no
// request reaches it until then, and a later poll fetches everything.
func TestRetryAfterTooLong(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	site := newScriptedSite(t, clock, map[string][]step{
		"/list":              {{status: 200, body: listOf("/2026/11/21/a.html", "/2026/11/21/b.html")}},
		"/2026/11/21/a.html": {{status: 429, header: map[string]string{"Retry-After": "3600"}}, {status: 200, body: articlePage("被限流一小时的页面")}},
		"/2026/11/21/b.html": {{status: 200, body: articlePage("同一主机上的另一页面")}},
	})
	c, pub := newRetryCrawler(t, site, clock)
	ctx := context.Background()
	if err := c.PollNow(ctx, "retry"); err != nil {
		t.Fatal(err)
	}
	if docs := pub.take(); len(docs) != 0 {
		t.Errorf("published %d documents while the host asked to wait an hour", len(docs))
	}
	if n := len(site.requestTimes("/2026/11/21/a.html")); n != 1 {
		t.Errorf("/a.html requested %d times, want 1 (no retry within the poll)", n)
	}
	if n := len(site.requestTimes("/2026/11/21/b.html")); n != 0 {
		t.Errorf("/b.html requested %d times while the host was held, want 0", n)
	}
	if got := testutil.ToFloat64(c.m.pagesSkipped.WithLabelValues("retry", skipBackoff)); got != 1 {
		t.Errorf("pages_skipped_total{reason=host_backoff} = %v, want 1", got)
	}
	for _, d := range clock.slept {
		if d > c.retry.maxWait {
			t.Errorf("slept %v within a poll, more than %v", d, c.retry.maxWait)
		}
	}
	clock.advance(time.Hour)
	if err := c.PollNow(ctx, "retry"); err != nil {
		t.Fatal(err)
	}
	if docs := pub.take(); len(docs) != 2 {
		t.Errorf("after the hour: published %d documents, want 2", len(docs))
	}
}

func TestBackoffAndRetryAfter(t *testing.T) {
	p := retryPolicy{attempts: 5, base: time.Second, max: 8 * time.Second, maxWait: time.Minute}
	for _, tc := range []struct {
		n        int
		low, top time.Duration // jitter 0 and jitter at its maximum
	}{
		{0, 500 * time.Millisecond, time.Second},
		{1, time.Second, 2 * time.Second},
		{2, 2 * time.Second, 4 * time.Second},
		{3, 4 * time.Second, 8 * time.Second},
		{10, 4 * time.Second, 8 * time.Second}, // capped
	} {
		lo := p.backoff(tc.n, func(time.Duration) time.Duration { return 0 })
		hi := p.backoff(tc.n, func(d time.Duration) time.Duration { return d - 1 })
		if lo != tc.low || hi != tc.top-1 {
			t.Errorf("backoff(%d) spans [%v, %v], want [%v, %v)", tc.n, lo, hi, tc.low, tc.top)
		}
		for range 20 {
			if d := p.backoff(tc.n, randDuration); d < tc.low || d >= tc.top {
				t.Errorf("backoff(%d) with random jitter = %v, outside [%v, %v)", tc.n, d, tc.low, tc.top)
			}
		}
	}

	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Sat, 21 Nov 2026 10:00:45 GMT", 45 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true}, // in the past: no wait
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{"99999999999999", 365 * 24 * time.Hour, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}

	for _, tc := range []struct {
		status int
		reason string
		retry  bool
	}{
		{200, "", false}, {404, "", false}, {429, retry429, true}, {500, retry5xx, true},
		{501, "", false}, {503, retry5xx, true}, {504, retry5xx, true},
	} {
		if r, ok := retryReason(tc.status); r != tc.reason || ok != tc.retry {
			t.Errorf("retryReason(%d) = %q, %v; want %q, %v", tc.status, r, ok, tc.reason, tc.retry)
		}
	}
}
