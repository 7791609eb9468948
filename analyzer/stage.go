package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
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
	return &Stage{a: a, st: st, pub: pub, workers: workers}
}

// Handle analyses msgs (documents from bus.TopicDocs) on the stage's
// workers, upserts the posts into the store and publishes them, in that
// order, and returns only when both are durable. Both writes are idempotent
// by post ID and version, so a redelivered batch changes nothing. A message
// that is not a valid document is a permanent error (dead-lettered).
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
