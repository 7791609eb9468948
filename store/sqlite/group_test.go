package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// TestGroupCommit: batches that queue while the writer is busy are
// committed together in one transaction, and a batch that fails in the
// group fails alone: the others are durable, nothing of it is.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	s := open(t, filepath.Join(t.TempDir(), "yuqing.db"), reg)
	defer s.Close()
	// Hold the one writer connection so that the batches queue.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	const writers = 6
	errs := make([]error, writers)
	batches := make([][]model.Post, writers)
	for i := range writers {
		batches[i] = []model.Post{storetest.NewPost(fmt.Sprintf("p%d-a", i), 1, at), storetest.NewPost(fmt.Sprintf("p%d-b", i), 1, at)}
		if i == 3 {
			batches[i][1] = storetest.NewPost("p3-b", 1<<63, at) // not storable
		}
		if i >= 4 {
			// Two batches replace one post, in whichever order they queue:
			// the rollup the group writes once counts the winner only.
			shared := storetest.NewPost("shared", uint64(i), at.Add(time.Duration(i)*time.Hour))
			shared.Sentiment.Label = []string{model.Positive, model.Negative}[i%2]
			batches[i] = append(batches[i], shared)
		}
	}
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() { errs[i] = s.UpsertPosts(ctx, batches[i]) })
	}
	time.Sleep(300 * time.Millisecond) // let them queue
	conn.Close()
	wg.Wait()
	for i, err := range errs {
		if i == 3 {
			if err == nil || !strings.Contains(err.Error(), "above the largest storable") {
				t.Errorf("batch 3 error = %v; want the unstorable version", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("batch %d: %v", i, err)
		}
	}
	if n, err := s.CountPosts(ctx); err != nil || n != 2*(writers-1)+1 {
		t.Errorf("CountPosts = %d, %v; want %d (every batch but the failed one, and the shared post)", n, err, 2*(writers-1)+1)
	}
	if _, err := s.GetPost(ctx, "p3-a"); err == nil {
		t.Error("a row of the failed batch was committed with the group")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var count uint64
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "yuqing_store_group_commit_batches" {
			h := mf.GetMetric()[0].GetHistogram()
			count, sum = h.GetSampleCount(), h.GetSampleSum()
		}
	}
	if sum != writers || count >= writers {
		t.Errorf("group commit: %d batches in %d transactions; want %d batches in fewer transactions", int(sum), count, writers)
	}
	// The rollup the group wrote (the changes of its batches added up and
	// written once) is the one the batches that succeeded make one by one.
	alone := open(t, filepath.Join(t.TempDir(), "alone.db"), prometheus.NewRegistry())
	defer alone.Close()
	for i, b := range batches {
		if i != 3 {
			if err := alone.UpsertPosts(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, want := rollupRows(t, s.write), rollupRows(t, alone.write)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rollup after the group commit:\n%s\nwant, as written batch by batch:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
