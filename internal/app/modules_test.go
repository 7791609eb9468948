package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEveryTargetResolves resolves each target the operator may pick: its
// modules come after their dependencies, each once.
func TestEveryTargetResolves(t *testing.T) {
	for _, tg := range Targets() {
		order, err := resolve([]string{tg[0]})
		if err != nil {
			t.Fatalf("target %s: %v", tg[0], err)
		}
		pos := map[string]int{}
		for i, m := range order {
			if _, dup := pos[m]; dup {
				t.Errorf("target %s: module %s twice in %v", tg[0], m, order)
			}
			pos[m] = i
		}
		for _, m := range order {
			for _, d := range modules[m].deps {
				if pos[d] > pos[m] {
					t.Errorf("target %s: %s starts before its dependency %s (%v)", tg[0], m, d, order)
				}
			}
		}
		if order[len(order)-1] != tg[0] {
			t.Errorf("target %s is not the last module of %v", tg[0], order)
		}
	}
}

// TestAllStartsCrawlerLast: in one process the crawler, which produces
// the work, starts last and so stops first, and every pipeline target
// runs.
func TestAllStartsCrawlerLast(t *testing.T) {
	order, err := resolve([]string{All})
	if err != nil {
		t.Fatal(err)
	}
	stagesIn := []string{}
	for _, m := range order {
		if m == Crawler || m == Analyzer || m == Responder || m == Console {
			stagesIn = append(stagesIn, m)
		}
	}
	if want := []string{Console, Responder, Analyzer, Crawler}; !slices.Equal(stagesIn, want) {
		t.Errorf("stages start in order %v, want %v", stagesIn, want)
	}
	if slices.Contains(order, Migrate) {
		t.Errorf("all runs the one-shot migrate target: %v", order)
	}
}

func TestParseTargets(t *testing.T) {
	got, err := ParseTargets("analyzer, responder,analyzer")
	if err != nil || !slices.Equal(got, []string{"analyzer", "responder"}) {
		t.Errorf("ParseTargets = %v, %v", got, err)
	}
	for _, bad := range []string{"", "store", "crawler,nope", "bus"} {
		if _, err := ParseTargets(bad); err == nil || !strings.Contains(err.Error(), "unknown target") {
			t.Errorf("ParseTargets(%q) = %v, want an unknown-target error", bad, err)
		}
	}
}

// recorder notes what modules do, in order.
type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.log = append(r.log, s)
	r.mu.Unlock()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestGroupStopsInReverseDraining: modules stop in the reverse of their
// start order, each one's Run returning (drained) before the next one is
// stopped and before its Close.
func TestGroupStopsInReverseDraining(t *testing.T) {
	rec := &recorder{}
	g := newGroup(quiet())
	mk := func(name string) *Service {
		return &Service{
			Run: func(ctx context.Context) error {
				<-ctx.Done()
				time.Sleep(time.Millisecond) // drain
				rec.add(name + " drained")
				return nil
			},
			Close: func() { rec.add(name + " closed") },
		}
	}
	g.start("store", mk("store"))
	g.start("wiring", nil)
	g.start("analyzer", mk("analyzer"))
	g.start("crawler", mk("crawler"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{"crawler drained", "crawler closed", "analyzer drained", "analyzer closed", "store drained", "store closed"}
	if !slices.Equal(rec.log, want) {
		t.Errorf("stop order %v, want %v", rec.log, want)
	}
}

// TestGroupFirstFailureStopsAll: a module that fails stops the others and
// its error is what the group returns.
func TestGroupFirstFailureStopsAll(t *testing.T) {
	g := newGroup(quiet())
	stopped := make(chan struct{})
	g.start("a", &Service{Run: func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil }})
	boom := errors.New("boom")
	g.start("b", &Service{Run: func(context.Context) error { return boom }})
	err := g.wait(context.Background())
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "b: boom") {
		t.Fatalf("wait = %v, want b's failure", err)
	}
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}
	<-stopped
}

// TestGroupOneShotEnds: a group whose only running module finishes by
// itself (the migrate target) ends without a signal.
func TestGroupOneShotEnds(t *testing.T) {
	g := newGroup(quiet())
	g.start("migrate", &Service{Run: func(context.Context) error { return nil }})
	done := make(chan error, 1)
	go func() { done <- g.wait(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a group whose one-shot module finished did not end")
	}
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}
}
