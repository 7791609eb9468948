package crawler

import (
	"context"
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

func TestBoostBoundsAndExpiry(t *testing.T) {
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		id           string
		interval     time.Duration
		until        time.Duration // after start
		wantInterval time.Duration
		wantUntil    time.Duration
		wantErr      string
		wantResult   string
	}{
		{"applied as asked", "county", 5 * time.Minute, 2 * time.Hour, 5 * time.Minute, 2 * time.Hour, "", hotApplied},
		{"raised to the minimum", "county", time.Second, time.Hour, time.Minute, time.Hour, "", hotApplied},
		{"never slower than the source", "county", 3 * time.Hour, time.Hour, time.Hour, time.Hour, "", hotApplied},
		{"cut to the longest boost", "county", 2 * time.Minute, 48 * time.Hour, 2 * time.Minute, 6 * time.Hour, "", hotApplied},
		{"expired", "county", 2 * time.Minute, -time.Minute, 0, 0, "which has passed", hotExpired},
		{"unknown source", "nope", 2 * time.Minute, time.Hour, 0, 0, `cannot boost source "nope": unknown source`, hotUnknown},
		{"no interval", "county", 0, time.Hour, 0, 0, "is not positive", hotInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: start}
			cfg := testConfig()
			cfg.HotMinInterval, cfg.HotMaxDuration = time.Minute, 6*time.Hour
			c, err := New(cfg, []config.Source{testSource("county", model.KindPortal, "http://county.example/list")},
				&fakePublisher{}, t.TempDir(), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.now = clock.now
			s := c.sources["county"]
			iv, until, err := c.Boost(tc.id, tc.interval, start.Add(tc.until))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Boost error = %v, want %q", err, tc.wantErr)
				}
				if got := c.interval(s); got != time.Hour {
					t.Errorf("interval after a refused boost = %s, want the source's 1h", got)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if iv != tc.wantInterval || !until.Equal(start.Add(tc.wantUntil)) {
					t.Errorf("boost = %s until %s, want %s until %s", iv, until, tc.wantInterval, start.Add(tc.wantUntil))
				}
				if got := c.interval(s); got != tc.wantInterval {
					t.Errorf("interval during the boost = %s, want %s", got, tc.wantInterval)
				}
				clock.advance(tc.wantUntil)
				if got := c.interval(s); got != time.Hour {
					t.Errorf("interval after the boost expired = %s, want the source's 1h", got)
				}
			}
			if got := testutil.ToFloat64(c.m.hotRequests.WithLabelValues(tc.wantResult)); got != 1 {
				t.Errorf("hot_requests_total{result=%q} = %v, want 1", tc.wantResult, got)
			}
		})
	}
}

// TestHotRequestOverTheBus: a HotSource request produced by another
// stage makes a running crawler poll the source every boosted interval
// until the request expires, then at its own interval again.
func TestHotRequestOverTheBus(t *testing.T) {
	broker := startTestBroker(t)
	opts := []kgo.Opt{kgo.SeedBrokers(broker.Addr())}
	prod, err := bus.NewProducer(opts, bus.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	ctx := context.Background()
	if _, err := bus.EnsureCrawlTopics(ctx, prod.Client(), 2, -1, nil); err != nil {
		t.Fatal(err)
	}
	site := newSite(t)
	cfg := testConfig()
	cfg.HotMinInterval = 100 * time.Millisecond
	pub := &fakePublisher{}
	c, err := New(cfg, []config.Source{testSource("county", model.KindPortal, site.srv.URL+"/list")}, pub, t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.FollowHotRequests(opts); err != nil {
		t.Fatal(err)
	}
	// Every wait the source's loop sets, in order: after the boost
	// expires, the next must be the source's own interval.
	type wait struct {
		at time.Time
		d  time.Duration
	}
	var waitsMu sync.Mutex
	var waits []wait
	c.scheduled = func(id string, d time.Duration) {
		waitsMu.Lock()
		waits = append(waits, wait{time.Now(), d})
		waitsMu.Unlock()
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	// The first poll (at start) fetches the site; the next is an hour away.
	listPolls := func() int {
		n := 0
		for _, r := range site.requests() {
			if r == "/list" {
				n++
			}
		}
		return n
	}
	waitFor(t, "the first poll's three documents", func() bool { return len(pub.take()) == 3 })
	site.requests()

	until := time.Now().Add(1500 * time.Millisecond)
	if err := prod.RequestHotSource(ctx, bus.HotSource{SourceID: "county", Interval: time.Millisecond, Until: until, Reason: "事件升温"}); err != nil {
		t.Fatal(err)
	}
	polls := 0
	waitFor(t, "boosted polls", func() bool { polls += listPolls(); return polls >= 4 })
	// Once the boost has expired the loop waits the source's own interval
	// (an hour) and polls no more: the first wait of an hour after the
	// boosted ones comes after until, and no poll is scheduled after it.
	hourly := func() int {
		waitsMu.Lock()
		defer waitsMu.Unlock()
		b := slices.IndexFunc(waits, func(w wait) bool { return w.d == cfg.HotMinInterval })
		if b < 0 {
			return -1
		}
		if i := slices.IndexFunc(waits[b:], func(w wait) bool { return w.d == time.Hour }); i >= 0 {
			return b + i
		}
		return -1
	}
	waitFor(t, "the loop to go back to the source's own interval", func() bool { return hourly() >= 0 })
	i := hourly()
	waitsMu.Lock()
	if waits[i].at.Before(until) {
		t.Errorf("the boost ended at %s, before its end %s", waits[i].at.Format(time.StampMilli), until.Format(time.StampMilli))
	}
	if after := waits[i+1:]; len(after) != 0 {
		t.Errorf("%d polls after the boost expired, want none before the source's own interval: %v", len(after), after)
	}
	waitsMu.Unlock()
	if got := testutil.ToFloat64(c.m.hotRequests.WithLabelValues(hotApplied)); got != 1 {
		t.Errorf("hot_requests_total{result=applied} = %v, want 1", got)
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("boosted polls of an unchanged site published %d documents", len(d))
	}
}
