package analyzer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// mountTmpfs mounts a tmpfs of sizeMB MiB at a new directory and returns
// it; it needs root. The test skips without root unless
// YUQING_TEST_REQUIRE names tmpfs (CI runs as root).
func mountTmpfs(t *testing.T, sizeMB int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if testenv.Required("tmpfs") {
			t.Fatal("tmpfs is required (YUQING_TEST_REQUIRE) but the test does not run as root, which mounting needs")
		}
		t.Skip("mounting a size-limited tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", sizeMB), "tmpfs", dir).CombinedOutput(); err != nil {
		if testenv.Required("tmpfs") {
			t.Fatalf("cannot mount tmpfs: %v: %s", err, out)
		}
		t.Skipf("cannot mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("cannot unmount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file in dir until the filesystem is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// Fill the last partial block too.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
	return p
}

// TestStageSQLiteDiskFullLosesNothing runs the analyzer stage over SQLite
// on a small tmpfs that is then filled: writes fail with "disk full", the
// write probe fails, nothing is dead-lettered; once space returns every
// document is one post and the probe passes again.
func TestStageSQLiteDiskFullLosesNothing(t *testing.T) {
	dir := mountTmpfs(t, 24)
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
	sq, err := sqlite.Open(ctx, filepath.Join(dir, "yuqing.db"), nil, nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	if err := sq.ProbeWrite(ctx); err != nil {
		t.Fatalf("write probe on an empty disk: %v", err)
	}
	filler := fill(t, dir)
	probeErr := sq.ProbeWrite(ctx)
	if probeErr == nil {
		t.Error("write probe passed on a full disk")
	}
	t.Logf("write probe on a full disk: %v", probeErr)

	const n = 80
	body := make([]rune, 2000)
	for i := range body {
		body[i] = '污'
	}
	docs := make([]model.Document, n)
	for i := range docs {
		docs[i] = model.Document{ID: fmt.Sprintf("full-%03d", i), URL: fmt.Sprintf("https://example.gov.cn/%d", i),
			Title: "居民反映排污问题", Body: "夜间排污，气味刺鼻。" + string(body), FetchedAt: time.Now().UTC(), PublishedAt: time.Now().UTC()}
	}
	if err := prod.Publish(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	c, err := bus.NewConsumer(bus.ConsumerConfig{Group: "yuqing-analyzer", Topics: []string{bus.TopicDocs}, MaxAttempts: 2,
		RetryBackoff: 20 * time.Millisecond, BatchSize: 16}, opts, prod, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	stage := NewStage(testAnalyzer(t), sq, prod, 2)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx, stage.Handle) }()
	deadline := time.Now().Add(60 * time.Second)
	for c.Ready(ctx) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	notReady := c.Ready(ctx)
	if notReady == nil {
		t.Error("the stage never reported not ready while the disk was full")
	}
	t.Logf("not ready while full: %v", notReady)
	storedFull, _ := sq.CountPosts(ctx)
	// Space returns.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
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
	fmt.Printf("sqlite disk full: %d documents, %d stored while full, %d stored after space returned, %v dead-lettered\n", n, storedFull, stored, dead)
	if stored != n || dead != 0 {
		t.Errorf("stored %d of %d posts with %v dead-lettered; want all stored, none dead-lettered", stored, n, dead)
	}
	if err := sq.ProbeWrite(ctx); err != nil {
		t.Errorf("write probe after space returned: %v", err)
	}
}
