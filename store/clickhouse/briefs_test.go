package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// TestTwoIssuersNeverShareANumber issues briefs from two stores (two
// processes' worth of connections and mutexes) on one database at once,
// retrying what comes back store.ErrNumberTaken: every brief ends with
// its own number, consecutive from 1, none repeated, none skipped.
func TestTwoIssuersNeverShareANumber(t *testing.T) {
	cfg := newConfig(t)
	a := open(t, cfg, prometheus.NewRegistry())
	defer a.Close()
	b := open(t, cfg, prometheus.NewRegistry())
	defer b.Close()
	ctx := context.Background()
	const n = 12
	var bs []model.Brief
	for i := range n {
		bs = append(bs, storetest.NewBrief(fmt.Sprintf("b%02d", i), model.BriefDaily, time.Now()))
	}
	if err := a.UpsertBriefs(ctx, bs); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	errs := make([]error, n)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for range 50 {
				_, err := s.IssueBrief(ctx, fmt.Sprintf("b%02d", i), "印发员", time.Now(), 0)
				if errors.Is(err, store.ErrNumberTaken) {
					mu.Lock()
					taken++
					mu.Unlock()
					continue
				}
				errs[i] = err
				return
			}
			errs[i] = errors.New("still taken after 50 tries")
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got, err := a.ListBriefs(ctx, store.BriefQuery{State: model.BriefIssued})
	if err != nil {
		t.Fatal(err)
	}
	var nums []int
	for _, br := range got {
		nums = append(nums, br.Number)
	}
	slices.Sort(nums)
	if len(nums) != n {
		t.Fatalf("%d briefs issued, want %d", len(nums), n)
	}
	for i, num := range nums {
		if num != i+1 {
			t.Fatalf("numbers = %v, want 1..%d", nums, n)
		}
	}
	t.Logf("%d issues were retried after finding their number taken", taken)
}
