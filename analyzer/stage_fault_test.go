package analyzer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// flakyStore is the real SQLite store with fault injection only: while
// down, post writes fail as a full disk does.
type flakyStore struct {
	*sqlite.Store
	down   atomic.Bool
	reject atomic.Value // a post ID the store rejects permanently (a bug since fixed)
	fails  atomic.Int64
}

func (f *flakyStore) UpsertPosts(ctx context.Context, posts []model.Post) error {
	if id, _ := f.reject.Load().(string); id != "" {
		for _, p := range posts {
			if p.ID == id {
				return bus.Permanent(fmt.Errorf("post %s fails validation", id))
			}
		}
	}
	if f.down.Load() {
		f.fails.Add(1)
		return errors.New("cannot write posts: database or disk is full (SQLITE_FULL)")
	}
	return f.Store.UpsertPosts(ctx, posts)
}

// TestStageStoreOutageLosesNothing runs the analyzer stage on the embedded
// broker over a real SQLite store that fails every write for a while: no
// document is dead-lettered, the stage reports not ready during the
// outage, and every document is one post once the store is back.
func TestStageStoreOutageLosesNothing(t *testing.T) {
	ctx := context.Background()
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
	defer b.Close()
	reg := prometheus.NewRegistry()
	m := bus.NewMetrics(reg)
	prod, err := bus.NewProducer([]kgo.Opt{kgo.SeedBrokers(b.Addr())}, m)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "yuqing.db"), nil, nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	st := &flakyStore{Store: sq}
	st.down.Store(true)

	const n = 60
	docs := make([]model.Document, n)
	for i := range docs {
		docs[i] = model.Document{ID: fmt.Sprintf("fault-%03d", i), URL: fmt.Sprintf("https://example.gov.cn/%d", i),
			Title: "翠湖湾小区居民反映排污问题", Body: "居民反映岚峰化工夜间排污，气味刺鼻。", FetchedAt: time.Now().UTC(),
			PublishedAt: time.Now().UTC()}
	}
	if err := prod.Publish(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	c, err := bus.NewConsumer(bus.ConsumerConfig{Group: "yuqing-analyzer", Topics: []string{bus.TopicDocs}, MaxAttempts: 2,
		RetryBackoff: 20 * time.Millisecond, BatchSize: 16}, []kgo.Opt{kgo.SeedBrokers(b.Addr())}, prod, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	stage := NewStage(testAnalyzer(t), st, prod, 2)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx, stage.Handle) }()

	// The outage lasts 2 s after the stage first reports not ready.
	deadline := time.Now().Add(30 * time.Second)
	for c.Ready(ctx) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.Ready(ctx); err == nil {
		t.Fatal("the stage never reported not ready while every store write failed")
	} else {
		t.Logf("not ready during the outage: %v", err)
	}
	time.Sleep(2 * time.Second)
	st.down.Store(false)
	var stored int64
	for time.Now().Before(deadline) {
		if stored, err = sq.CountPosts(ctx); err == nil && stored == n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	dead := testutil.ToFloat64(m.DeadLetters("yuqing-analyzer"))
	fmt.Printf("store outage: %d documents, %d failed writes, %d posts stored, %v dead-lettered\n", n, st.fails.Load(), stored, dead)
	if stored != n {
		t.Errorf("stored %d posts, want %d: documents were lost", stored, n)
	}
	if dead != 0 {
		t.Errorf("%v documents dead-lettered during a transient outage, want 0", dead)
	}
	if st.fails.Load() < 2 {
		t.Errorf("only %d failed writes: the outage was not exercised", st.fails.Load())
	}
	if err := c.Ready(ctx); err != nil {
		t.Errorf("still not ready after the store came back: %v", err)
	}
}

// TestDeadLetterReplayStoresOnce: a document the store rejects permanently
// is dead-lettered with the stage, the error and the attempts, the rest
// are stored; once the cause is fixed, replaying it (twice) stores it once.
func TestDeadLetterReplayStoresOnce(t *testing.T) {
	ctx := context.Background()
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
	defer b.Close()
	m := bus.NewMetrics(prometheus.NewRegistry())
	opts := []kgo.Opt{kgo.SeedBrokers(b.Addr())}
	prod, err := bus.NewProducer(opts, m)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "yuqing.db"), nil, nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	st := &flakyStore{Store: sq}
	const n = 10
	docs := make([]model.Document, n)
	for i := range docs {
		docs[i] = model.Document{ID: fmt.Sprintf("dl-%03d", i), URL: fmt.Sprintf("https://example.gov.cn/%d", i),
			Title: "居民反映排污问题", Body: "夜间排污，气味刺鼻。", FetchedAt: time.Now().UTC(), PublishedAt: time.Now().UTC()}
	}
	bad := testAnalyzer(t).Analyze(docs[3]).ID
	st.reject.Store(bad)
	if err := prod.Publish(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	stage := NewStage(testAnalyzer(t), st, prod, 2)
	run := func(want int64) {
		t.Helper()
		c, err := bus.NewConsumer(bus.ConsumerConfig{Group: "yuqing-analyzer", Topics: []string{bus.TopicDocs}, MaxAttempts: 2,
			RetryBackoff: 20 * time.Millisecond, BatchSize: 16}, opts, prod, m, nil)
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Run(rctx, stage.Handle) }()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if got, err := sq.CountPosts(ctx); err == nil && got >= want {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Wait for the dead letter too, before stopping.
		for time.Now().Before(deadline) && testutil.ToFloat64(m.DeadLetters("yuqing-analyzer")) < 1 {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	run(n - 1)
	if got, _ := sq.CountPosts(ctx); got != n-1 {
		t.Fatalf("stored %d posts, want %d (all but the rejected one)", got, n-1)
	}
	dls, err := bus.ReadDeadLetters(ctx, opts, bus.DeadLetterFilter{Stage: "yuqing-analyzer", ErrorContains: "fails validation"})
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || dls[0].Key != docs[3].ID || dls[0].Topic != bus.TopicDocs || dls[0].Attempts < 1 || dls[0].ID == "" {
		t.Fatalf("dead letters = %+v, want the rejected document with its topic, stage and attempts", dls)
	}
	if other, _ := bus.ReadDeadLetters(ctx, opts, bus.DeadLetterFilter{Stage: "yuqing-responder"}); len(other) != 0 {
		t.Errorf("stage filter let through %+v", other)
	}
	if byID, _ := bus.ReadDeadLetters(ctx, opts, bus.DeadLetterFilter{IDs: []string{dls[0].ID}}); len(byID) != 1 {
		t.Errorf("ID filter found %d dead letters, want 1", len(byID))
	}
	// The cause is fixed; the operator replays it twice.
	st.reject.Store("")
	for range 2 {
		if k, err := prod.Replay(ctx, dls...); err != nil || k != 1 {
			t.Fatalf("Replay = %d, %v; want 1, nil", k, err)
		}
	}
	run(n)
	got, _ := sq.CountPosts(ctx)
	fmt.Printf("dead-letter replay: %d documents, %d dead-lettered, replayed twice, %d posts stored\n", n, len(dls), got)
	if got != n {
		t.Errorf("after replaying twice stored %d posts, want %d", got, n)
	}
	if p, err := sq.GetPost(ctx, bad); err != nil || p.ID != bad {
		t.Errorf("the replayed post: %+v, %v", p, err)
	}
}
