package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/store"
)

// PostPublisher publishes analysed posts; it returns only when they are
// durable on the bus (bus.Producer satisfies it).
type PostPublisher interface {
	PublishPosts(ctx context.Context, posts ...bus.Post) error
}

// Stage is the analyzer stage of the pipeline: the bus handler that turns a
// batch of documents into posts, stores them and publishes them to the
// responder. It is stateless, so any number of analyzer processes share the
// documents topic through their consumer group.
type Stage struct {
	a       *Analyzer
	st      store.Store
	pub     PostPublisher
	workers int
}

// NewStage returns the stage; workers ≤ 0 means one per CPU.
func NewStage(a *Analyzer, st store.Store, pub PostPublisher, workers int) *Stage {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Stage{a: a, st: st, pub: pub, workers: workers}
}

// Handle analyses msgs (documents from bus.TopicDocs) on the stage's
// workers, upserts the posts into the store and publishes them, in that
// order, and returns only when both are durable. Both writes are idempotent
// by post ID and version, so a redelivered batch changes nothing. A message
// that is not a valid document is a permanent error (dead-lettered).
func (s *Stage) Handle(ctx context.Context, msgs []bus.Message) error {
	docs := make([]bus.Document, len(msgs))
	for i, m := range msgs {
		if err := json.Unmarshal(m.Value, &docs[i]); err != nil {
			return bus.Permanent(fmt.Errorf("cannot decode document at %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err))
		}
		if docs[i].ID == "" {
			return bus.Permanent(fmt.Errorf("document at %s/%d@%d has no id", m.Topic, m.Partition, m.Offset))
		}
	}
	posts := s.AnalyzeAll(docs)
	if err := s.st.UpsertPosts(ctx, posts); err != nil {
		return fmt.Errorf("cannot store %d posts: %w", len(posts), err)
	}
	if err := s.pub.PublishPosts(ctx, posts...); err != nil {
		return fmt.Errorf("cannot publish %d posts: %w", len(posts), err)
	}
	return nil
}

// AnalyzeAll analyses docs in parallel, keeping their order.
func (s *Stage) AnalyzeAll(docs []bus.Document) []bus.Post {
	posts := make([]bus.Post, len(docs))
	workers := min(s.workers, len(docs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				posts[i] = s.a.Analyze(docs[i])
			}
		})
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	return posts
}
