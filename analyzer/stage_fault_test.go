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
	down  atomic.Bool
	fails atomic.Int64
}

func (f *flakyStore) UpsertPosts(ctx context.Context, posts []model.Post) error {
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
