package crawler

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// multiSite serves several virtual hosts from one local server: each host
// has a list page of three articles. It counts full (200) responses per
// URL and the most requests in flight to one host at once.
type multiSite struct {
	srv *httptest.Server

	mu          sync.Mutex
	pages       map[string]string // host + path -> HTML
	full        map[string]int    // host + path -> 200 responses
	requests    map[string]int    // host + path -> requests
	inFlight    map[string]int    // host -> requests in flight
	maxInFlight int
}

func newMultiSite(t *testing.T, hosts []string) *multiSite {
	s := &multiSite{pages: map[string]string{}, full: map[string]int{}, requests: map[string]int{}, inFlight: map[string]int{}}
	for _, h := range hosts {
		var paths []string
		for i := 1; i <= 3; i++ {
			p := fmt.Sprintf("/news/2026/11/2%d/%d.html", i, i)
			paths = append(paths, p)
			s.pages[h+p] = articlePage(fmt.Sprintf("%s 第%d篇 县政府召开专题会议", h, i))
		}
		s.pages[h+"/list"] = listOf(paths...)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *multiSite) serve(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	key := host + r.URL.RequestURI()
	s.mu.Lock()
	s.requests[key]++
	s.inFlight[host]++
	s.maxInFlight = max(s.maxInFlight, s.inFlight[host])
	page, ok := s.pages[key]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight[host]--
		s.mu.Unlock()
	}()
	// A little time in flight, so overlapping requests to one host would
	// be seen.
	time.Sleep(2 * time.Millisecond)
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%s"`, ContentHash(key, page)[:16])
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.mu.Lock()
	s.full[key]++
	s.mu.Unlock()
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, page)
}

func (s *multiSite) set(key, page string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[key] = page
}

// counts returns and resets the 200 and request counts.
func (s *multiSite) counts() (full, requests map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	full, requests = s.full, s.requests
	s.full, s.requests = map[string]int{}, map[string]int{}
	return full, requests
}

// routeTo makes every connection of c go to addr, whatever the host name:
// the test's virtual hosts are names no resolver knows.
func routeTo(c *Crawler, addr string) {
	d := &net.Dialer{Timeout: time.Second}
	c.tr.permissive.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
}

// groupHosts returns two host names for each of n partitions.
func groupHosts(n int32) []string {
	var hosts []string
	per := map[int32]int{}
	for i := 0; len(hosts) < int(2*n); i++ {
		h := fmt.Sprintf("site%d.test", i)
		if p := bus.CrawlPartition(h, n); per[p] < 2 {
			per[p]++
			hosts = append(hosts, h)
		}
	}
	return hosts
}

type replica struct {
	c      *Crawler
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

func startReplica(t *testing.T, name string, srcs []config.Source, pub Publisher, brokerAddr, siteAddr string) *replica {
	t.Helper()
	cfg := testConfig()
	cfg.Interval = 200 * time.Millisecond
	reg := prometheus.NewRegistry()
	c, err := New(cfg, srcs, pub, t.TempDir(), reg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})).With("replica", name))
	if err != nil {
		t.Fatal(err)
	}
	routeTo(c, siteAddr)
	opts := []kgo.Opt{kgo.SeedBrokers(brokerAddr), kgo.HeartbeatInterval(100 * time.Millisecond)}
	if err := c.JoinGroup(context.Background(), opts, GroupConfig{Group: "yuqing-crawler", Partitions: 2, ReplicationFactor: -1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{c: c, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		panic(fmt.Sprintf("replica Run: %v", err))
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startTestBroker(t *testing.T) *bus.Broker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	b, err := bus.StartBroker(config.EmbeddedKafka{Listen: addr, Retention: time.Hour}, 2, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// TestGroupSharesSourcesAndTakesOver runs two crawler replicas against one
// embedded broker and one site of four hosts (two per partition): every
// page is fetched in full and published once between them, no host sees
// two requests at once, and when one replica stops the other takes over
// its sources without publishing their unchanged pages again.
func TestGroupSharesSourcesAndTakesOver(t *testing.T) {
	broker := startTestBroker(t)
	hosts := groupHosts(2)
	site := newMultiSite(t, hosts)
	_, port, _ := net.SplitHostPort(site.srv.Listener.Addr().String())
	var srcs []config.Source
	for i, h := range hosts {
		src := testSource(fmt.Sprintf("s%d", i), model.KindPortal, "http://"+h+":"+port+"/list")
		src.Interval = 0 // the crawler's 200ms
		srcs = append(srcs, src)
	}
	pub := &fakePublisher{}
	a := startReplica(t, "a", srcs, pub, broker.Addr(), site.srv.Listener.Addr().String())
	b := startReplica(t, "b", srcs, pub, broker.Addr(), site.srv.Listener.Addr().String())

	// Both replicas get one partition, two hosts each, and publish every
	// article once between them.
	waitFor(t, "the sources to be split between the replicas", func() bool {
		oa, ob := a.c.Owned(), b.c.Owned()
		return len(oa) == 2 && len(ob) == 2 && !slices.ContainsFunc(oa, func(id string) bool { return slices.Contains(ob, id) })
	})
	waitFor(t, "every article to be published", func() bool {
		pub.mu.Lock()
		defer pub.mu.Unlock()
		return len(pub.docs) >= 3*len(hosts)
	})
	// At least two more whole polls of every source by its owner (three
	// counted: the first may be the poll that was running), which would
	// publish an article again if the seen-set were not shared.
	polled := func(id string) float64 {
		return testutil.ToFloat64(a.c.m.polls.WithLabelValues(id, pollOK)) + testutil.ToFloat64(b.c.m.polls.WithLabelValues(id, pollOK))
	}
	before := map[string]float64{}
	for _, s := range srcs {
		before[s.ID] = polled(s.ID)
	}
	waitFor(t, "two more polls of every source", func() bool {
		for _, s := range srcs {
			if polled(s.ID) < before[s.ID]+3 {
				return false
			}
		}
		return true
	})
	docs := pub.take()
	perID := map[string]int{}
	for _, d := range docs {
		perID[d.ID]++
	}
	if len(perID) != 3*len(hosts) || len(docs) != len(perID) {
		t.Errorf("published %d documents for %d pages, want each of %d pages once", len(docs), len(perID), 3*len(hosts))
	}
	full, requests := site.counts()
	for key, n := range requests {
		if strings.HasSuffix(key, "/robots.txt") {
			continue // each replica reads robots.txt of the hosts it polls
		}
		if full[key] != 1 {
			t.Errorf("%s: %d full responses in %d requests, want 1 (later ones conditional)", key, full[key], n)
		}
	}
	if len(requests) < 4*len(hosts) {
		t.Errorf("only %d URLs requested, want at least %d: %v", len(requests), 4*len(hosts), requests)
	}
	site.mu.Lock()
	if site.maxInFlight != 1 {
		t.Errorf("up to %d requests in flight to one host, want 1", site.maxInFlight)
	}
	site.mu.Unlock()
	written := testutil.ToFloat64(a.c.m.stateRecords.WithLabelValues(stateWritten)) +
		testutil.ToFloat64(b.c.m.stateRecords.WithLabelValues(stateWritten))
	if written < float64(4*len(hosts)) {
		t.Errorf("the replicas wrote %v state records, want at least one for each of the %d pages", written, 4*len(hosts))
	}

	// Replica a stops: b takes over its sources and polls them without
	// fetching or publishing anything again.
	fromA := a.c.Owned()
	a.stop()
	waitFor(t, "replica b to own every source", func() bool { return len(b.c.Owned()) == len(srcs) })
	site.counts()
	waitFor(t, "replica b to poll the sources of a", func() bool {
		site.mu.Lock()
		defer site.mu.Unlock()
		for _, id := range fromA {
			h := hosts[slices.IndexFunc(srcs, func(s config.Source) bool { return s.ID == id })]
			if site.requests[h+"/news/2026/11/23/3.html"] < 2 {
				return false
			}
		}
		return true
	})
	if d := pub.take(); len(d) != 0 {
		t.Errorf("after the takeover %d unchanged pages were published again", len(d))
	}
	full, _ = site.counts()
	for key, n := range full {
		if !strings.HasSuffix(key, "/robots.txt") {
			t.Errorf("after the takeover %s was fetched in full %d times, want conditional GETs only", key, n)
		}
	}
	if got := testutil.ToFloat64(b.c.m.stateRecords.WithLabelValues(stateApplied)); got < float64(4*len(fromA)) {
		t.Errorf("replica b applied %v state records, want at least the %d pages of a", got, 4*len(fromA))
	}

	// A page of a's that changes is published by b, once.
	h := hosts[slices.IndexFunc(srcs, func(s config.Source) bool { return s.ID == fromA[0] })]
	site.set(h+"/news/2026/11/21/1.html", articlePage(h+" 第1篇 县政府召开专题会议（更新）"))
	waitFor(t, "the changed page to be published", func() bool {
		pub.mu.Lock()
		defer pub.mu.Unlock()
		return len(pub.docs) >= 1
	})
	// At least two more whole polls of that source (three counted, as
	// above), which would publish the page again if the change were not
	// recorded.
	changed := b.c.m.polls.WithLabelValues(fromA[0], pollOK)
	polls := testutil.ToFloat64(changed)
	waitFor(t, "two more polls of the changed page's source", func() bool { return testutil.ToFloat64(changed) >= polls+3 })
	if d := pub.take(); len(d) != 1 || !strings.Contains(d[0].Title, "更新") {
		t.Errorf("after a change got %d documents, want the one changed page", len(d))
	}
}
