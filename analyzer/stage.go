package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// PostPublisher publishes analysed posts; it returns only when they are
// durable on the bus (bus.Producer satisfies it).
type PostPublisher interface {
	PublishPosts(ctx context.Context, posts ...model.Post) error
}

// StageStore is what the stage needs of the store: it writes the posts it
// analyses and polls the user dictionary officers edit.
type StageStore interface {
	store.Posts
	store.Dictionary
}

// Stage is the analyzer stage of the pipeline: the bus handler that turns a
// batch of documents into posts, stores them and publishes them to the
// responder. It is stateless, so any number of analyzer processes share the
// documents topic through their consumer group.
type Stage struct {
	a       *Analyzer
	st      StageStore
	pub     PostPublisher
	workers int
	chunk   int // documents per pipeline step (see SetChunkSize)
	// dictChanges is the user dictionary's change marker at the last load
	// (dictLoaded: there was one); see RefreshDictionary.
	dictLoaded  bool
	dictChanges int64
}

// NewStage returns the stage; workers ≤ 0 means one per CPU.
func NewStage(a *Analyzer, st StageStore, pub PostPublisher, workers int) *Stage {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Stage{a: a, st: st, pub: pub, workers: workers, chunk: DefaultChunkSize}
}

// Handle analyses msgs (documents from bus.TopicDocs) on the stage's
// workers, upserts the posts into the store and publishes them, and returns
// only when every post of the batch is durable in both. Both writes are
// idempotent by post ID and version, so a redelivered batch changes
// nothing. A message that is not a valid document is a permanent error
// (dead-lettered).
//
// The batch is pipelined in chunks (see pipeline): while chunk k is
// stored and then published, the workers analyse chunk k+1, so the cores
// do not wait for the store. Within a chunk the store write comes before
// the publish, as for the whole batch.
func (s *Stage) Handle(ctx context.Context, msgs []bus.Message) error {
	docs := make([]model.Document, len(msgs))
	for i, m := range msgs {
		if err := json.Unmarshal(m.Value, &docs[i]); err != nil {
			return bus.Permanent(fmt.Errorf("cannot decode document at %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err))
		}
		if docs[i].ID == "" {
			return bus.Permanent(fmt.Errorf("document at %s/%d@%d has no id", m.Topic, m.Partition, m.Offset))
		}
	}
	return s.pipeline(ctx, docs)
}

// Pipelining: a batch is cut into chunks of ChunkSize documents; at most
// inFlightChunks chunks are between admission to analysis and the end of
// their publish, which bounds the work (and memory) a failure discards.
const (
	// DefaultChunkSize is the chunk size when NewStage is not told one.
	DefaultChunkSize = 32
	inFlightChunks   = 3
)

// SetChunkSize sets how many documents are analysed, stored and published
// as one step of the pipeline; n ≤ 0 restores DefaultChunkSize. A chunk
// as large as the batch turns the pipelining off. Not safe to call while
// Handle runs.
func (s *Stage) SetChunkSize(n int) {
	if n <= 0 {
		n = DefaultChunkSize
	}
	s.chunk = n
}

// pipeline analyses, stores and publishes docs in chunks: the workers
// analyse ahead while the store goroutine writes chunk k and this goroutine
// publishes chunk k-1. It returns the first error (later chunks are then
// neither analysed nor written; what was written stays, which the
// idempotent writes absorb on redelivery) or nil once every chunk is
// stored and published.
func (s *Stage) pipeline(ctx context.Context, docs []model.Document) error {
	if len(docs) == 0 {
		return nil
	}
	size := s.chunk
	if size <= 0 {
		size = DefaultChunkSize
	}
	nChunks := (len(docs) + size - 1) / size
	bounds := func(k int) (int, int) { return k * size, min(len(docs), (k+1)*size) }
	posts := make([]model.Post, len(docs))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Admission: the feeder hands out chunk k only when a slot is free; the
	// publisher frees it after publishing a chunk.
	slots := make(chan struct{}, inFlightChunks)
	analysed := make([]chan struct{}, nChunks) // closed when chunk k is analysed
	left := make([]atomic.Int32, nChunks)
	for k := range nChunks {
		analysed[k] = make(chan struct{})
		lo, hi := bounds(k)
		left[k].Store(int32(hi - lo))
	}
	next := make(chan int)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(next)
		for k := range nChunks {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			lo, hi := bounds(k)
			for i := lo; i < hi; i++ {
				select {
				case next <- i:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	for range min(s.workers, len(docs)) {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() == nil {
					posts[i] = s.a.Analyze(docs[i])
				}
				if k := i / size; left[k].Add(-1) == 0 {
					close(analysed[k])
				}
			}
		})
	}
	// The store goroutine writes chunks in order and passes each on to be
	// published.
	stored := make(chan int, inFlightChunks)
	wg.Go(func() {
		defer close(stored)
		for k := range nChunks {
			select {
			case <-analysed[k]:
			case <-ctx.Done():
				return
			}
			lo, hi := bounds(k)
			if err := s.st.UpsertPosts(ctx, posts[lo:hi]); err != nil {
				cancel(fmt.Errorf("cannot store %d posts: %w", hi-lo, err))
				return
			}
			stored <- k
		}
	})
	published := 0
	for k := range stored {
		lo, hi := bounds(k)
		if err := s.pub.PublishPosts(ctx, posts[lo:hi]...); err != nil {
			cancel(fmt.Errorf("cannot publish %d posts: %w", hi-lo, err))
			break
		}
		published++
		<-slots
	}
	cancel(nil)
	// Unblock the store goroutine if it waits to hand over a chunk.
	for range stored {
	}
	wg.Wait()
	if published == nChunks {
		return nil
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("stored and published %d of %d chunks: %w", published, nChunks, context.Cause(ctx))
}

// AnalyzeAll analyses docs in parallel, keeping their order.
func (s *Stage) AnalyzeAll(docs []model.Document) []model.Post {
	posts := make([]model.Post, len(docs))
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

// RefreshDictionary brings the analyzer's user dictionary in step with the
// store's (officers edit it through the console, maybe in another process):
// it reads the store's change marker and, when it moved since the last
// load, reads the words and hands them to the analyzer. It reports whether
// it reloaded. On an error the analyzer keeps its current words and the
// error is counted in yuqing_analyzer_dictionary_loads_total{result="error"}.
// Calls must not overlap.
func (s *Stage) RefreshDictionary(ctx context.Context) (bool, error) {
	fail := func(err error) (bool, error) {
		s.a.m.dictLoads.WithLabelValues("error").Inc()
		return false, err
	}
	v, err := s.st.DictionaryVersion(ctx)
	if err != nil {
		return fail(fmt.Errorf("cannot read the user dictionary's version: %w", err))
	}
	if s.dictLoaded && v.Changes == s.dictChanges {
		s.a.m.dictLoads.WithLabelValues("unchanged").Inc()
		return false, nil
	}
	d, err := s.st.UserDictionary(ctx)
	if err != nil {
		return fail(fmt.Errorf("cannot read the user dictionary: %w", err))
	}
	words := make([]UserWord, len(d.Words))
	for i, w := range d.Words {
		words[i] = UserWord{Word: w.Word, Freq: w.Freq, POS: w.POS}
	}
	if err := s.a.SetUserWords(words); err != nil {
		return fail(fmt.Errorf("cannot apply the user dictionary (%d words): %w", len(words), err))
	}
	s.dictLoaded, s.dictChanges = true, d.Version.Changes
	return true, nil
}

// WatchDictionary calls RefreshDictionary every interval until ctx is done,
// logging what it loaded and what failed (the current words are kept and
// the next tick tries again).
func (s *Stage) WatchDictionary(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		switch ok, err := s.RefreshDictionary(ctx); {
		case err != nil && ctx.Err() == nil:
			log.Warn("user dictionary not refreshed; keeping the current words", "err", err)
		case ok:
			log.Info("user dictionary reloaded", "changes", s.dictChanges)
		}
	}
}
