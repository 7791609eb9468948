package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
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
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
)

// soakEnv reads a positive number from the environment variable, or def.
func soakEnv(b *testing.B, name string, def float64) float64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return v
}

// soakDocs are n distinct documents cut from the seed documents, with
// URLs of this run, so that every one must become its own post.
func soakDocs(b *testing.B, n int, run string) []model.Document {
	docs := benchDocs(b, n)
	for i := range docs {
		url := fmt.Sprintf("http://soak.example/%s/%d.html", run, i)
		docs[i].URL, docs[i].ID, docs[i].SourceID = url, model.DocumentID(url), "soak"
		docs[i].SourceName = "长跑测试"
	}
	return docs
}

// soakCall is one API request of the generated load.
type soakCall struct {
	method, path string
	body         func() []byte
}

// BenchmarkSoak runs the demo on the embedded default (`yuqing run`: the
// embedded broker, SQLite, the demo web crawled every few seconds, the
// responder and the console) for YUQING_SOAK (a Go duration; default 30s,
// so that `make bench` stays bounded; 10m for the figures in
// BENCHMARKS.md) under a generated load on top of the demo's:
// YUQING_SOAK_DOCS documents a second (default 10) produced into the docs
// topic with franz-go, and YUQING_SOAK_RPS API requests a second (default
// 20) on loopback with an API token of a 舆情监测员: overview, feed,
// incidents, events and post reads, and one write in twenty (a sentiment
// correction of a soak post, or a user dictionary word), sent in an open
// loop by 32 workers (a request that waits over a second for a free
// worker is counted late). It reports the API latency (p50, p99, and by
// endpoint), the API errors (any transport error or status other than
// 2xx), the process's RSS and Go heap over time (mean of the first and
// the last minute, or of the first and last quarter of a shorter run, and
// the least-squares slope in MiB a minute), and the documents produced against
// the posts stored: every produced document must be a post once the
// pipeline has drained, or the benchmark fails. With
// YUQING_SOAK_PROFILES set to a directory it saves two heap profiles of
// the process there (after a quarter of the run and at its end). The
// run happens once, whatever b.N.
func BenchmarkSoak(b *testing.B) {
	dur := 30 * time.Second
	if s := os.Getenv("YUQING_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			b.Fatalf("YUQING_SOAK=%q: want a duration such as 10m", s)
		}
		dur = d
	}
	docRate := soakEnv(b, "YUQING_SOAK_DOCS", 10)
	reqRate := soakEnv(b, "YUQING_SOAK_RPS", 20)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	docs := soakDocs(b, int(math.Ceil(docRate*dur.Seconds()))+1, run)

	bin := buildBinary(b)
	dir := b.TempDir()
	httpAddr, brokerAddr, demoAddr, debugAddr := freePort(b), freePort(b), freePort(b), freePort(b)
	// YUQING_SOAK_PROFILES, when set, is a directory for two heap
	// profiles of the process, after a quarter of the run and at its end
	// (go tool pprof -base heap-first.pb.gz heap-last.pb.gz: what grew).
	profiles := os.Getenv("YUQING_SOAK_PROFILES")
	cfg := filepath.Join(dir, "yuqing.yaml")
	// The embedded default's own settings (config/default.yaml), with the
	// ports of this run.
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
http:
  debug_listen: %s
auth:
  demo_accounts: true
demo:
  enabled: true
  listen: %s
  speed: 1
`, filepath.Join(dir, "data"), debugAddr, demoAddr)), 0o644); err != nil {
		b.Fatal(err)
	}
	p := startYuqing(b, bin, "-config", cfg, "-http-listen", httpAddr, "-broker-listen", brokerAddr, "-log-level", "warn")
	out, err := exec.Command(bin, "token", "create", "soak", "-role", "monitor", "-config", cfg).Output()
	if err != nil {
		b.Fatalf("yuqing token create: %v", err)
	}
	token := strings.TrimSpace(string(out))

	prod, err := bus.NewProducer([]kgo.Opt{kgo.SeedBrokers(brokerAddr)}, bus.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		produced  int
		prodErrs  int
		latencies []time.Duration
		apiErrs   = map[string]int{}
		rss       []rssSample
		heaps     []rssSample // the Go heap in use, from /metrics
		byPath    = map[string][]time.Duration{}
		late      int // requests sent more than a second after their time
	)
	pid := p.cmd.Process.Pid
	start := time.Now()
	b.ResetTimer()

	// Documents: one batch every 100 ms, so that the rate is smooth.
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			mu.Lock()
			want := min(len(docs), int(docRate*time.Since(start).Seconds()))
			from := produced
			mu.Unlock()
			if want <= from {
				continue
			}
			// Published with its own deadline: a batch cut off by the end
			// of the run would leave the count unsure.
			pctx, pcancel := context.WithTimeout(context.Background(), time.Minute)
			err := prod.Publish(pctx, docs[from:want]...)
			pcancel()
			mu.Lock()
			if err != nil {
				prodErrs++
			} else {
				produced = want
			}
			mu.Unlock()
		}
	}()

	if profiles != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(dur / 4):
			}
			saveHeap(b, debugAddr, filepath.Join(profiles, "heap-first.pb.gz"))
		}()
	}

	// RSS every 5 s.
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			if kb, err := procRSS(pid); err == nil {
				heap := soakHeap(p.base)
				mu.Lock()
				rss = append(rss, rssSample{time.Since(start), kb})
				heaps = append(heaps, rssSample{time.Since(start), heap >> 10})
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	// API requests: an open loop, paced at the rate, spread over 32
	// workers so that slow requests do not hold the rest back; a request
	// that cannot be sent within a second of its time (every worker busy)
	// is counted late.
	soakPosts := func() string {
		mu.Lock()
		defer mu.Unlock()
		if produced == 0 {
			return docs[0].ID
		}
		return docs[rand.IntN(produced)].ID
	}
	reads := []soakCall{
		{method: "GET", path: "/api/v1/overview"},
		{method: "GET", path: "/api/v1/posts?limit=50"},
		{method: "GET", path: "/api/v1/posts?limit=20&offset=40"},
		{method: "GET", path: "/api/v1/incidents"},
		{method: "GET", path: "/api/v1/incidents?open=true"},
		{method: "GET", path: "/api/v1/events?limit=50"},
	}
	labels := []string{"negative", "neutral", "positive"}
	writes := []soakCall{
		{method: "POST", path: "sentiment", body: func() []byte {
			return fmt.Appendf(nil, `{"label":%q,"note":"长跑测试复核"}`, labels[rand.IntN(len(labels))])
		}},
		{method: "POST", path: "/api/v1/dictionary", body: func() []byte {
			return fmt.Appendf(nil, `{"word":"长跑词%d","freq":10,"pos":"n"}`, rand.IntN(1000))
		}},
	}
	calls := make(chan soakCall)
	client := &http.Client{Timeout: 30 * time.Second}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range calls {
				path := c.path
				if path == "sentiment" {
					path = "/api/v1/posts/" + soakPosts() + "/sentiment"
				}
				var body io.Reader
				if c.body != nil {
					body = bytes.NewReader(c.body())
				}
				req, err := http.NewRequest(c.method, p.base+path, body)
				if err != nil {
					b.Error(err)
					continue
				}
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				var code int
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				d := time.Since(t0)
				mu.Lock()
				latencies = append(latencies, d)
				byPath[c.method+" "+c.path] = append(byPath[c.method+" "+c.path], d)
				switch {
				case err != nil:
					apiErrs[c.method+" "+c.path+": "+err.Error()]++
				case code/100 != 2:
					apiErrs[fmt.Sprintf("%s %s: %d", c.method, c.path, code)]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(calls)
		for i := 0; ; i++ {
			next := start.Add(time.Duration(float64(i) / reqRate * float64(time.Second)))
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(next)):
			}
			c := reads[i%len(reads)]
			if i%20 == 19 {
				c = writes[(i/20)%len(writes)]
			}
			select {
			case calls <- c:
			case <-ctx.Done():
				return
			}
			if time.Since(next) > time.Second {
				mu.Lock()
				late++
				mu.Unlock()
			}
		}
	}()
	<-ctx.Done()
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	if profiles != "" {
		saveHeap(b, debugAddr, filepath.Join(profiles, "heap-last.pb.gz"))
	}

	// Drain: every produced document must become a post. The posts are
	// read through the API, one by one.
	mu.Lock()
	n := produced
	mu.Unlock()
	missing := map[string]bool{}
	for _, d := range docs[:n] {
		missing[d.ID] = true
	}
	drainStart := time.Now()
	p.waitFor("every produced document to be a post", 5*time.Minute, func() (bool, string) {
		for id := range missing {
			req, _ := http.NewRequest("GET", p.base+"/api/v1/posts/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				return false, err.Error()
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				delete(missing, id)
			}
		}
		return len(missing) == 0, fmt.Sprintf("%d of %d documents are not posts yet", len(missing), n)
	})
	drain := time.Since(drainStart)
	m := p.metrics()
	dead := metricSum(m, "yuqing_bus_dead_letters_total")

	slices.Sort(latencies)
	errCount := 0
	for k, v := range apiErrs {
		errCount += v
		b.Logf("API error ×%d: %s", v, k)
	}
	first, last, slope := rssTrend(rss, min(time.Minute, elapsed/4))
	hFirst, hLast, hSlope := rssTrend(heaps, min(time.Minute, elapsed/4))
	paths := make([]string, 0, len(byPath))
	for k := range byPath {
		paths = append(paths, k)
	}
	slices.Sort(paths)
	// One log line (go test cuts a benchmark's log after ten lines).
	var endpoints strings.Builder
	for _, k := range paths {
		ls := byPath[k]
		slices.Sort(ls)
		fmt.Fprintf(&endpoints, "\n  %-36s %5d requests, p50 %s, p99 %s", k, len(ls), pct(ls, 0.5).Round(time.Millisecond), pct(ls, 0.99).Round(time.Millisecond))
	}
	var dbBytes int64
	if fi, err := os.Stat(filepath.Join(dir, "data", "yuqing.db")); err == nil {
		dbBytes = fi.Size()
	}
	b.Logf("soak %s: %d documents produced (%.1f/s, %d produce errors), %d stored as posts, %d lost; drained %s after the load; dead letters in the process: %v",
		elapsed.Round(time.Second), n, float64(n)/elapsed.Seconds(), prodErrs, n-len(missing), len(missing), drain.Round(100*time.Millisecond), dead)
	b.Logf("API: %d requests (%.1f/s of %.0f/s asked, %d sent late), p50 %s, p99 %s, max %s, %d errors",
		len(latencies), float64(len(latencies))/elapsed.Seconds(), reqRate, late, pct(latencies, 0.50), pct(latencies, 0.99), pct(latencies, 1), errCount)
	b.Logf("RSS: first %.1f MiB, last %.1f MiB, slope %+.2f MiB/min over %d samples, peak %.1f MiB",
		first, last, slope, len(rss), float64(peakRSS(b, pid))/(1<<20))
	b.Logf("Go heap in use: first %.1f MiB, last %.1f MiB, slope %+.2f MiB/min; SQLite file %.1f MiB",
		hFirst, hLast, hSlope, float64(dbBytes)/(1<<20))
	b.Logf("API latency by endpoint:%s", endpoints.String())
	b.ReportMetric(float64(n), "docs")
	b.ReportMetric(float64(len(missing)), "lost")
	b.ReportMetric(float64(len(latencies)), "requests")
	b.ReportMetric(float64(pct(latencies, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(latencies, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(errCount), "errors")
	b.ReportMetric(first, "RSS-first-MiB")
	b.ReportMetric(last, "RSS-last-MiB")
	b.ReportMetric(slope, "RSS-MiB/min")
	b.ReportMetric(hSlope, "heap-MiB/min")
	b.ReportMetric(float64(late), "late")
	if len(missing) > 0 {
		b.Errorf("%d of %d produced documents were not stored as posts", len(missing), n)
	}
	if prodErrs > 0 {
		b.Errorf("%d produce calls failed", prodErrs)
	}
}

type rssSample struct {
	at time.Duration
	kb int64
}

// procRSS reads VmRSS of a process, in KiB.
func procRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// rssTrend returns the mean RSS (MiB) of the samples in the first and in
// the last span of the run, and the least-squares slope over all samples
// in MiB a minute.
func rssTrend(s []rssSample, span time.Duration) (first, last, slope float64) {
	if len(s) == 0 {
		return 0, 0, 0
	}
	end := s[len(s)-1].at
	var nf, nl int
	var sx, sy, sxx, sxy float64
	for _, x := range s {
		mib := float64(x.kb) / 1024
		if x.at <= s[0].at+span {
			first += mib
			nf++
		}
		if x.at >= end-span {
			last += mib
			nl++
		}
		t := x.at.Minutes()
		sx, sy, sxx, sxy = sx+t, sy+mib, sxx+t*t, sxy+t*mib
	}
	n := float64(len(s))
	if d := n*sxx - sx*sx; d > 0 {
		slope = (n*sxy - sx*sy) / d
	}
	return first / float64(nf), last / float64(nl), slope
}

// pct is the q-quantile of sorted durations.
func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// soakHeap reads go_memstats_heap_inuse_bytes from the process's
// /metrics, or 0.
func soakHeap(base string) int64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return int64(metricSum(string(raw), "go_memstats_heap_inuse_bytes"))
}

// saveHeap writes a heap profile of the process serving pprof on addr to
// path.
func saveHeap(b *testing.B, addr, path string) {
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap")
	if err != nil {
		b.Errorf("heap profile: %v", err)
		return
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(path, raw, 0o644)
	}
	if err != nil {
		b.Errorf("heap profile: %v", err)
	}
}
