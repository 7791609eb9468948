package crawler

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// pollLog records the poll outcomes the crawler hands over.
type pollLog struct {
	mu    sync.Mutex
	polls []model.SourcePoll
}

func (l *pollLog) AppendSourcePolls(_ context.Context, ps []model.SourcePoll) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	l.polls = append(l.polls, ps...)
	return nil
}

func (l *pollLog) of(id string) []model.SourcePoll {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []model.SourcePoll
	for _, p := range l.polls {
		if p.SourceID == id {
			out = append(out, p)
		}
	}
	return out
}

// TestSetSourcesWhileRunning checks sources change under a running
// crawler: an added one is polled at once, an edited one by its new
// definition, a removed one no more, a bad one is refused and the rest
// applied; every poll's outcome is recorded.
func TestSetSourcesWhileRunning(t *testing.T) {
	s := newSite(t)
	pub := &fakePublisher{}
	a := testSource("a", model.KindPortal, s.srv.URL+"/list")
	c := newCrawler(t, []config.Source{a}, pub, t.TempDir(), nil)
	rec := &pollLog{}
	c.RecordPolls(rec)
	var mu sync.Mutex
	waits := map[string][]time.Duration{}
	c.scheduled = func(id string, d time.Duration) {
		mu.Lock()
		waits[id] = append(waits[id], d)
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s in 10s", what)
			}
		}
	}
	waitFor("poll of a", func() bool { return len(rec.of("a")) == 1 })
	if p := rec.of("a")[0]; p.Result != model.PollOK || p.Documents != 3 || p.RobotsRefused != 1 || p.Fetched == 0 {
		t.Errorf("a's poll = %+v; want ok, 3 documents, 1 robots refusal", p)
	}

	// b is added (same site, its own source), and a broken one with it.
	b := testSource("b", model.KindPortal, s.srv.URL+"/list")
	bad := testSource("bad", "telegram", s.srv.URL+"/list")
	if err := c.SetSources([]config.Source{a, b, bad}); err == nil {
		t.Error("SetSources with a source of unknown kind: no error")
	}
	if got := c.Sources(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("sources = %v, want [a b]", got)
	}
	waitFor("poll of b", func() bool { return len(rec.of("b")) == 1 })
	var fromB int
	for _, d := range pub.take() {
		if d.SourceID == "b" {
			fromB++
		}
	}
	if fromB != 3 {
		t.Errorf("b published %d documents, want 3", fromB)
	}

	// b is edited: its loop runs by the new interval.
	b.Interval = 2 * time.Hour
	b.Name = "测试源 b（新）"
	if err := c.SetSources([]config.Source{a, b}); err != nil {
		t.Fatal(err)
	}
	waitFor("b on its new interval", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(waits["b"], 2*time.Hour)
	})
	// Its seen-set was kept: the edit publishes nothing again.
	if err := c.PollNow(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if docs := pub.take(); len(docs) != 0 {
		t.Errorf("edited b published %d documents again", len(docs))
	}

	// a is disabled: no longer polled.
	if err := c.SetSources([]config.Source{b}); err != nil {
		t.Fatal(err)
	}
	if got := c.Sources(); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("sources = %v, want [b]", got)
	}
	if err := c.PollNow(ctx, "a"); err == nil {
		t.Error("PollNow of a disabled source succeeded")
	}
	// A failing source records its problem.
	broken := testSource("broken", model.KindPortal, s.srv.URL+"/missing")
	if err := c.SetSources([]config.Source{b, broken}); err != nil {
		t.Fatal(err)
	}
	waitFor("poll of broken", func() bool { return len(rec.of("broken")) == 1 })
	if p := rec.of("broken")[0]; p.Result != model.PollFetchError || p.Problem != model.ProblemHTTP || p.Error == "" {
		t.Errorf("broken's poll = %+v; want a fetch error, problem http", p)
	}
}
