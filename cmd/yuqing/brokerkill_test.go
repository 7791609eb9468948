package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// TestBrokerKilledMidProduce runs the embedded broker in a process of its
// own (the console target hosts it when no kafka.brokers are set) and an
// analyzer process beside it, produces documents from outside,
// kills the broker with SIGKILL in mid-stream and starts it again on the
// same data: every document the broker acknowledged becomes exactly one
// post, and a document whose publish failed is published again (as the
// crawler does on its next poll) and stored once.
func TestBrokerKilledMidProduce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts yuqing processes and kills one")
	}
	const docs = 150
	bin := buildBinary(t)
	dir := t.TempDir()
	brokerAddr := freePort(t)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	brokerCfg := write("broker.yaml", "demo:\n  enabled: false\n")
	brokerArgs := []string{"-config", brokerCfg, "-target", "console", "-data-dir", filepath.Join(dir, "b"),
		"-http-listen", freePort(t), "-broker-listen", brokerAddr}
	broker := startYuqing(t, bin, brokerArgs...)
	analyzerCfg := write("analyzer.yaml", fmt.Sprintf("kafka:\n  brokers: [%s]\ndemo:\n  enabled: false\n", brokerAddr))
	analyzerDir := filepath.Join(dir, "a")
	analyzer := startYuqing(t, bin, "-config", analyzerCfg, "-target", "analyzer", "-data-dir", analyzerDir,
		"-http-listen", freePort(t))

	prod, err := bus.NewProducer([]kgo.Opt{kgo.SeedBrokers(brokerAddr)}, bus.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	var mu sync.Mutex
	acked := map[string]bool{}
	failures := 0
	produced := make(chan struct{})
	killAt := make(chan struct{})
	go func() {
		defer close(produced)
		now := time.Now().UTC()
		for i := 0; i < docs; {
			d := model.Document{ID: fmt.Sprintf("kill-%03d", i), URL: fmt.Sprintf("https://news.example.cn/2026/12/%d.html", i),
				Title: fmt.Sprintf("县里召开第%d次冬季安全生产工作会议", i), Body: strings.Repeat("会议要求各乡镇压实责任，排查隐患，确保群众安全过冬。", 3),
				SourceID: "test", SourceName: "测试新闻网", SourceKind: model.KindNews, Authority: model.TierLocal, Version: uint64(now.UnixNano()), FetchedAt: now, PublishedAt: now}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			err := prod.Publish(ctx, d)
			cancel()
			mu.Lock()
			if err != nil {
				failures++ // not acknowledged: published again, as the crawler's next poll does
				mu.Unlock()
				time.Sleep(200 * time.Millisecond)
				continue
			}
			acked[d.ID] = true
			mu.Unlock()
			if i == 40 {
				close(killAt)
			}
			i++
			time.Sleep(20 * time.Millisecond)
		}
	}()

	<-killAt
	if err := broker.stop(syscall.SIGKILL); err == nil {
		t.Fatal("the broker process exited cleanly after SIGKILL")
	}
	mu.Lock()
	atKill := len(acked)
	mu.Unlock()
	time.Sleep(3 * time.Second)        // the producer and the analyzer meet a dead broker
	startYuqing(t, bin, brokerArgs...) // stopped by the test's cleanup
	select {
	case <-produced:
	case <-time.After(3 * time.Minute):
		t.Fatal("the producer did not get its documents acknowledged within 3 minutes of the broker's restart")
	}

	analyzer.waitFor("every acknowledged document analysed", 120*time.Second, func() (bool, string) {
		n := metricSum(analyzer.metrics(), "yuqing_analyzer_documents_total")
		return n >= docs, fmt.Sprintf("%v documents analysed of %d", n, docs)
	})
	dead := metricSum(analyzer.metrics(), "yuqing_bus_dead_letters_total")
	analysed := metricSum(analyzer.metrics(), "yuqing_analyzer_documents_total")
	if err := analyzer.stop(syscall.SIGTERM); err != nil {
		t.Errorf("the analyzer exited with %v after SIGTERM, want 0", err)
	}
	onTopic := docsOnTopic(t, brokerAddr)
	st, err := sqlite.Open(context.Background(), filepath.Join(analyzerDir, "yuqing.db"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, err := st.CountPosts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for id := range acked {
		if _, err := st.GetPost(context.Background(), id); err != nil {
			missing = append(missing, id)
		}
	}
	twice := 0
	for _, n := range onTopic {
		if n > 1 {
			twice++
		}
	}
	fmt.Printf("broker killed mid-produce: %d documents acknowledged (%d before the kill), %d publishes refused and repeated, %d distinct on the topic (%d there more than once), %v analysed, %d posts stored, %d missing, %v dead-lettered\n",
		len(acked), atKill, failures, len(onTopic), twice, analysed, stored, len(missing), dead)
	if len(missing) > 0 {
		t.Errorf("%d acknowledged documents are not posts, e.g. %q", len(missing), missing[:min(3, len(missing))])
	}
	if stored != docs {
		t.Errorf("%d posts stored, want exactly %d (one per document)", stored, docs)
	}
	if dead != 0 {
		t.Errorf("%v messages dead-lettered, want 0", dead)
	}
}
