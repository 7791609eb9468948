package sqlite

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// issuerEnv names the database a helper process issues briefs on.
const issuerEnv = "YUQING_TEST_BRIEF_ISSUER_DB"

// TestIssuerProcess is the helper process of TestTwoProcessesIssue: it
// issues the briefs its arguments name and prints their 期号.
func TestIssuerProcess(t *testing.T) {
	path := os.Getenv(issuerEnv)
	if path == "" {
		t.Skip("a helper process of TestTwoProcessesIssue")
	}
	ctx := context.Background()
	s, err := Open(ctx, path, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range strings.Split(os.Getenv(issuerEnv+"_IDS"), ",") {
		b, err := s.IssueBrief(ctx, id, "印发员"+os.Getenv(issuerEnv+"_NAME"), time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ISSUED %s %d\n", id, b.Number)
	}
}

// TestTwoProcessesIssue issues briefs from two processes on one file at
// once: the 期号 are consecutive, none repeated, none skipped.
func TestTwoProcessesIssue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "briefs.db")
	s, err := Open(ctx, path, prometheus.NewRegistry(), nil, WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var bs []model.Brief
	ids := [2][]string{}
	for i := range 2 * n {
		id := fmt.Sprintf("b%02d", i)
		bs = append(bs, storetest.NewBrief(id, model.BriefDaily, time.Now()))
		ids[i%2] = append(ids[i%2], id)
	}
	if err := s.UpsertBriefs(ctx, bs); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	for p := range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestIssuerProcess$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), issuerEnv+"="+path, issuerEnv+"_IDS="+strings.Join(ids[p], ","), issuerEnv+"_NAME="+strconv.Itoa(p))
			outs[p], errs[p] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	var numbers []int
	for p := range 2 {
		if errs[p] != nil {
			t.Fatalf("issuer %d: %v\n%s", p, errs[p], outs[p])
		}
		for _, l := range strings.Split(string(outs[p]), "\n") {
			var id string
			var num int
			if _, err := fmt.Sscanf(l, "ISSUED %s %d", &id, &num); err == nil {
				numbers = append(numbers, num)
			}
		}
	}
	slices.Sort(numbers)
	if len(numbers) != 2*n {
		t.Fatalf("%d briefs issued, want %d", len(numbers), 2*n)
	}
	for i, num := range numbers {
		if num != i+1 {
			t.Fatalf("numbers from two processes = %v, want 1..%d", numbers, 2*n)
		}
	}
}
