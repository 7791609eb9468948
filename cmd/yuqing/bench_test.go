package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// seedsDir holds real government documents (shared/ sits beside the
// repository); the benchmark cuts them into news-sized documents.
const seedsDir = "../../../shared/seeds"

// benchDocs cuts the seed documents into n distinct documents of about 800
// characters, the size of a local news item.
func benchDocs(b *testing.B, n int) []model.Document {
	b.Helper()
	paths, _ := filepath.Glob(filepath.Join(seedsDir, "*.txt"))
	var texts [][]rune
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, []rune(string(raw)))
	}
	if len(texts) == 0 {
		b.Skipf("no seed documents in %s", seedsDir)
	}
	docs := make([]model.Document, n)
	now := time.Now().UTC()
	for i := range docs {
		t := texts[i%len(texts)]
		start := (i / len(texts) * 97) % max(1, len(t)-800)
		body := string(t[start:min(len(t), start+800)])
		url := fmt.Sprintf("http://bench.example/%d.html", i)
		docs[i] = model.Document{ID: model.DocumentID(url), Version: uint64(now.UnixNano()), URL: url,
			SourceID: fmt.Sprintf("bench-%d", i%5), SourceName: "基准测试", SourceKind: model.KindNews, Authority: model.TierLocal,
			Title: string([]rune(body)[:20]), Body: body, PublishedAt: now.Add(-time.Duration(i) * time.Second),
			PublishedAtSource: "meta", FetchedAt: now}
	}
	return docs
}

func docBytes(docs []model.Document) int64 {
	var n int64
	for _, d := range docs {
		n += int64(len(d.Title) + len(d.Body))
	}
	return n
}

// BenchmarkPipeline measures documents per second through the whole
// embedded pipeline in a separate yuqing process (embedded broker, analyzer,
// SQLite store, responder), from the first document produced to the last
// post handled by the responder, and that process's peak RSS. One op is one
// batch of 1000 documents; all of them are published at once.
func BenchmarkPipeline(b *testing.B) {
	const batch = 1000
	bin := buildBinary(b)
	dir := b.TempDir()
	httpAddr, brokerAddr := freePort(b), freePort(b)
	cfgPath := filepath.Join(dir, "yuqing.yaml")
	if err := os.WriteFile(cfgPath, []byte("data_dir: "+filepath.Join(dir, "data")+"\ndemo:\n  enabled: false\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	p := startYuqing(b, bin, "-config", cfgPath, "-http-listen", httpAddr, "-broker-listen", brokerAddr,
		"-target", "analyzer,responder,console", "-log-level", "warn")
	prod, err := bus.NewProducer([]kgo.Opt{kgo.SeedBrokers(brokerAddr)}, bus.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	docs := benchDocs(b, batch*b.N)
	b.SetBytes(docBytes(docs) / int64(b.N))
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	cpu0 := procCPU(b, p.cmd.Process.Pid)
	// Every batch is published at once, as a burst arrives, and the clock
	// stops when the responder has handled the last post. (Waiting for each
	// batch before publishing the next measured the metrics' polling
	// interval as much as the pipeline: the pipeline stood idle from its
	// last post of a batch until the poll saw it.)
	for i := range b.N {
		part := docs[i*batch : (i+1)*batch]
		for j := 0; j < len(part); j += 100 {
			if err := prod.Publish(ctx, part[j:min(j+100, len(part))]...); err != nil {
				b.Fatal(err)
			}
		}
	}
	want := float64(b.N * batch)
	deadline := time.Now().Add(10 * time.Minute)
	for got := 0.0; got < want; got = metricSum(p.metrics(), "yuqing_responder_posts_total") {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for the responder to handle every post: %v of %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := procCPU(b, p.cmd.Process.Pid) - cpu0
	b.StopTimer()
	b.ReportMetric(float64(batch*b.N)/elapsed.Seconds(), "docs/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/1000docs")
	b.ReportMetric(float64(peakRSS(b, p.cmd.Process.Pid))/(1<<20), "peak-RSS-MiB")
}

// BenchmarkAnalyzeOnly is the comparison for BenchmarkPipeline: the same
// documents through the analysis alone, in process, on every core, with
// nothing stored or produced. Its docs/s is the ceiling the pipeline's
// overhead is measured against.
func BenchmarkAnalyzeOnly(b *testing.B) {
	const batch = 1000
	a, err := analyzer.New(config.AnalyzerConfig{}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	stage := analyzer.NewStage(a, nil, nil, 0)
	docs := benchDocs(b, batch*b.N)
	b.SetBytes(docBytes(docs) / int64(b.N))
	b.ResetTimer()
	start := time.Now()
	cpu0 := selfCPU(b)
	for i := range b.N {
		stage.AnalyzeAll(docs[i*batch : (i+1)*batch])
	}
	b.ReportMetric(float64(batch*b.N)/time.Since(start).Seconds(), "docs/s")
	b.ReportMetric((selfCPU(b)-cpu0).Seconds()/float64(b.N), "cpu-s/1000docs")
}

// procCPU reads the CPU time (user + system) a process has used so far.
// CPU-seconds per document do not depend on how busy the machine is, so
// they compare the pipeline with the analysis alone on a shared machine
// where docs/s swing with the neighbours.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// selfCPU is the CPU time this process has used so far.
func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads VmHWM (the peak resident set) of a process, in bytes.
func peakRSS(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}
