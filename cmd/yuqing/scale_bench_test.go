package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
)

// startPinned starts `yuqing run args...` pinned to one CPU with taskset
// and waits until it is ready.
func startPinned(b *testing.B, cpu int, bin string, args ...string) *proc {
	b.Helper()
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		b.Skip("taskset (util-linux) is not installed")
	}
	p := &proc{t: b, cmd: exec.Command(taskset, append([]string{"-c", fmt.Sprint(cpu), bin, "run"}, args...)...), done: make(chan error, 1)}
	for i, a := range args {
		if a == "-http-listen" {
			p.base = "http://" + args[i+1]
		}
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		p.done <- p.cmd.Wait()
	}()
	b.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if b.Failed() {
			p.mu.Lock()
			b.Logf("yuqing log:\n%s", lastLines(p.log.String(), 40))
			p.mu.Unlock()
		}
	})
	p.waitFor("ready", 60*time.Second, func() (bool, string) {
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200, string(body)
	})
	return p
}

// BenchmarkAnalyzerScale measures the analyzer stage scaling out: 1 and 2
// analyzer processes in one consumer group, each pinned to its own core
// with taskset (so each runs on one core: GOMAXPROCS follows the
// affinity), against a 3-broker embedded Kafka-protocol cluster (kfake,
// in the benchmark process) and the test ClickHouse server, with the
// documents of BenchmarkPipeline. It reports documents per second from the
// first document produced until every post is produced to
// yuqing.posts.v1 (which happens after it is stored), and the analyzer
// processes' CPU-seconds per 1,000 documents. The broker and ClickHouse
// run unpinned on the same two cores, so two processes compete with them.
func BenchmarkAnalyzerScale(b *testing.B) {
	const n = 1500
	bin := buildBinary(b)
	addr := clickhouseServer.Addr(b)
	docs := benchDocs(b, n)
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("processes-%d", procs), func(b *testing.B) {
			var rate, cpuPer1000 float64
			for i := range b.N {
				r, c := analyzerRun(b, bin, addr, procs, fmt.Sprintf("yuqing_scale_%d_%d_%d", procs, i, time.Now().UnixNano()), docs)
				rate += r
				cpuPer1000 += c
			}
			b.ReportMetric(rate/float64(b.N), "docs/s")
			b.ReportMetric(cpuPer1000/float64(b.N), "cpu-s/1000docs")
		})
	}
}

func analyzerRun(b *testing.B, bin, chAddr string, procs int, database string, docs []model.Document) (float64, float64) {
	b.StopTimer()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3),
		kfake.SeedTopics(4, bus.TopicDocs), kfake.SeedTopics(bus.PostsPartitions, bus.TopicPosts),
		kfake.SeedTopics(1, bus.TopicDeadLetter), kfake.SeedTopics(bus.RequestsPartitions, bus.TopicRequests))
	if err != nil {
		b.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	dir := b.TempDir()
	cfg := filepath.Join(dir, "yuqing.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
demo:
  enabled: false
kafka:
  brokers: [%s]
store:
  driver: clickhouse
  clickhouse:
    addrs: [%s]
    database: %s
`, filepath.Join(dir, "data"), strings.Join(brokers, ", "), chAddr, database)), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := cmdMigrate([]string{"-config", cfg}, io.Discard, io.Discard); err != nil {
		b.Fatalf("yuqing migrate: %v", err)
	}
	var ps []*proc
	for i := range procs {
		ps = append(ps, startPinned(b, i, bin, "-config", cfg, "-http-listen", freePort(b), "-target", "analyzer", "-log-level", "warn"))
	}
	// Let the group settle: every member joined and assigned.
	time.Sleep(3 * time.Second)
	prod, err := bus.NewProducer([]kgo.Opt{kgo.SeedBrokers(brokers...)}, bus.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	var cpu0 time.Duration
	for _, p := range ps {
		cpu0 += procCPU(b, p.cmd.Process.Pid)
	}
	b.StartTimer()
	start := time.Now()
	ctx := context.Background()
	for j := 0; j < len(docs); j += 100 {
		if err := prod.Publish(ctx, docs[j:min(j+100, len(docs))]...); err != nil {
			b.Fatal(err)
		}
	}
	ps[0].waitFor("every post produced", 10*time.Minute, func() (bool, string) {
		var sum float64
		for _, p := range ps {
			sum += metricSum(p.metrics(), `yuqing_bus_produced_messages_total{topic="yuqing.posts.v1"}`)
		}
		return sum >= float64(len(docs)), fmt.Sprintf("%v of %d posts", sum, len(docs))
	})
	elapsed := time.Since(start)
	b.StopTimer()
	var cpu time.Duration
	for _, p := range ps {
		cpu += procCPU(b, p.cmd.Process.Pid)
	}
	return float64(len(docs)) / elapsed.Seconds(), (cpu - cpu0).Seconds() * 1000 / float64(len(docs))
}
