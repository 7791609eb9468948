package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/store/clickhouse/chtest"
)

// outageLength is how long the ClickHouse server stays down: the issue's
// 60 s, twenty times the retry window after which the analyzer used to
// dead-letter and commit.
const outageLength = 60 * time.Second

// TestWholeBinaryClickHouseOutage runs the demo through the binary on a
// ClickHouse server of its own, kills the server with SIGKILL mid-stream,
// keeps it down for a minute and starts it again on the same data: /readyz
// answers 503 naming ClickHouse during the outage and recovers by itself,
// nothing is dead-lettered, and every document on the docs topic is
// exactly one post.
func TestWholeBinaryClickHouseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("the outage test keeps ClickHouse down for a minute")
	}
	srv := chtest.Start() // its own server: this test kills it
	t.Cleanup(srv.Stop)
	addr := srv.Addr(t)
	storeConfig := fmt.Sprintf("store:\n  driver: clickhouse\n  clickhouse:\n    addrs: [%s]\n    database: yuqing_outage\n", addr)
	dir := t.TempDir()
	migrateCfg := filepath.Join(dir, "migrate.yaml")
	if err := os.WriteFile(migrateCfg, []byte("data_dir: "+t.TempDir()+"\n"+storeConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmdMigrate([]string{"-config", migrateCfg}, io.Discard, io.Discard); err != nil {
		t.Fatalf("yuqing migrate: %v", err)
	}

	bin := buildBinary(t)
	httpAddr, brokerAddr, demoAddr := freePort(t), freePort(t), freePort(t)
	cfg := filepath.Join(dir, "yuqing.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
crawler:
  interval: 2s
  host_delay: 10ms
demo:
  enabled: true
  listen: %s
  speed: 1
%s`, filepath.Join(dir, "data"), demoAddr, storeConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startYuqing(t, bin, "-config", cfg, "-http-listen", httpAddr, "-broker-listen", brokerAddr)
	createToken(t, bin, cfg)
	p.waitFor("posts stored before the outage", 90*time.Second, func() (bool, string) {
		_, total := p.allPosts()
		return total >= 10, fmt.Sprintf("%d posts", total)
	})
	_, beforeOutage := p.allPosts()

	// The outage, while the demo keeps publishing.
	srv.Kill()
	start := time.Now()
	var notReady int
	var reason string
	for time.Since(start) < outageLength {
		code, body := readyz(p.base)
		if code == http.StatusServiceUnavailable && strings.Contains(body, "ClickHouse") {
			notReady++
			reason = body
		}
		time.Sleep(500 * time.Millisecond)
	}
	docsDuring := docsOnTopic(t, brokerAddr)
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart ClickHouse: %v", err)
	}
	restarted := time.Now()
	if notReady == 0 {
		t.Errorf("/readyz never answered 503 naming ClickHouse during a %s outage", outageLength)
	} else {
		t.Logf("not ready during the outage: %s", strings.TrimSpace(reason))
	}
	p.waitFor("/readyz to recover by itself", 60*time.Second, func() (bool, string) {
		code, body := readyz(p.base)
		return code == http.StatusOK, fmt.Sprintf("%d %s", code, body)
	})
	recovered := time.Since(restarted)

	// Every document published up to the end of the outage becomes a
	// post; the demo goes on publishing, so the later ones are checked too
	// once they are stored.
	var missing []string
	p.waitFor("every document of the outage stored", 90*time.Second, func() (bool, string) {
		posts, _ := p.allPosts()
		missing = missing[:0]
		for id := range docsDuring {
			if _, ok := posts[id]; !ok {
				missing = append(missing, id)
			}
		}
		return len(missing) == 0, fmt.Sprintf("%d of %d documents not yet posts, e.g. %.3q", len(missing), len(docsDuring), missing)
	})

	dead := metricSum(p.metrics(), "yuqing_bus_dead_letters_total")
	// Exactly one post per document: no ID twice after replacement.
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Errorf("yuqing exited with %v after SIGTERM, want 0", err)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: "yuqing_outage", Username: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	var rows, distinct, final uint64
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM posts").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM posts FINAL").Scan(&final); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ClickHouse outage of %s: %d posts before it, %d documents on the topic by its end, %d /readyz 503s naming ClickHouse, ready %.1fs after the restart; posts: %d rows, %d distinct, %d after FINAL; missing %d, dead-lettered %v\n",
		outageLength, beforeOutage, len(docsDuring), notReady, recovered.Seconds(), rows, distinct, final, len(missing), dead)
	if dead != 0 {
		t.Errorf("%v messages dead-lettered during a transient outage, want 0", dead)
	}
	if final != distinct {
		t.Errorf("%d posts after FINAL but %d distinct IDs: a post is stored twice", final, distinct)
	}
	if int(distinct) < len(docsDuring) {
		t.Errorf("%d distinct posts, fewer than the %d documents published by the end of the outage", distinct, len(docsDuring))
	}
}

// readyz returns the status and body of GET /readyz.
func readyz(base string) (int, string) {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// docsOnTopic reads the docs topic from its start to its end and returns
// how many times each document ID (the record key) is on it.
func docsOnTopic(t *testing.T, brokerAddr string) map[string]int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokerAddr), kgo.ConsumeTopics(bus.TopicDocs),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := bus.TopicEnds(ctx, cl, bus.TopicDocs)
	if err != nil {
		t.Fatal(err)
	}
	for p, end := range ends {
		if end == 0 {
			delete(ends, p) // an empty partition has nothing to read
		}
	}
	docs := map[string]int{}
	for len(ends) > 0 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			docs[string(r.Key)]++
			if r.Offset+1 >= ends[r.Partition] {
				delete(ends, r.Partition)
			}
		})
	}
	if ctx.Err() != nil {
		t.Fatalf("could not read the docs topic to its end: %v", ctx.Err())
	}
	return docs
}
