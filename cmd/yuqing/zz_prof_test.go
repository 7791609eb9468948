package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
)

func BenchmarkZZProf(b *testing.B) {
	const batch = 4000
	bin := buildBinary(b)
	dir := b.TempDir()
	httpAddr, brokerAddr, dbg := freePort(b), freePort(b), freePort(b)
	cfgPath := filepath.Join(dir, "yuqing.yaml")
	os.WriteFile(cfgPath, []byte("data_dir: "+filepath.Join(dir, "data")+"\ndemo:\n  enabled: false\nhttp:\n  debug_listen: "+dbg+"\n"), 0o644)
	p := startYuqing(b, bin, "-config", cfgPath, "-http-listen", httpAddr, "-broker-listen", brokerAddr,
		"-target", "analyzer,responder,console", "-log-level", "warn")
	prod, _ := bus.NewProducer([]kgo.Opt{kgo.SeedBrokers(brokerAddr)}, bus.NewMetrics(prometheus.NewRegistry()))
	defer prod.Close()
	docs := benchDocs(b, batch)
	ctx := context.Background()
	done := make(chan bool)
	go func() {
		resp, err := http.Get("http://" + dbg + "/debug/pprof/profile?seconds=" + os.Getenv("PROF_SECONDS"))
		if err != nil {
			fmt.Println(err)
			return
		}
		f, _ := os.Create("/tmp/scale-cpu.pprof")
		io.Copy(f, resp.Body)
		f.Close()
		close(done)
	}()
	start := time.Now()
	cpu0 := procCPU(b, p.cmd.Process.Pid)
	for j := 0; j < len(docs); j += 100 {
		prod.Publish(ctx, docs[j:min(j+100, len(docs))]...)
	}
	p.waitFor("all", 10*time.Minute, func() (bool, string) {
		got := metricSum(p.metrics(), "yuqing_responder_posts_total")
		return got >= batch, fmt.Sprint(got)
	})
	b.ReportMetric(float64(batch)/time.Since(start).Seconds(), "docs/s")
	b.ReportMetric((procCPU(b, p.cmd.Process.Pid)-cpu0).Seconds()/4, "cpu-s/1000docs")
	<-done
}
