package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/store/clickhouse/chtest"
)

// The whole-binary test: it builds yuqing, runs it on the embedded default
// with the demo web on free ports, and checks through the API and /metrics
// that documents pass every stage and an incident opens. It then stops the
// process with SIGTERM, and later with SIGKILL in mid-stream, restarts it,
// and checks that nothing accepted was lost and nothing was stored twice.

func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "yuqing")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type proc struct {
	t    testing.TB
	cmd  *exec.Cmd
	base string
	done chan error
	mu   sync.Mutex
	log  strings.Builder
}

func startYuqing(t testing.TB, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, cmd: exec.Command(bin, append([]string{"run"}, args...)...), done: make(chan error, 1)}
	for i, a := range args {
		if a == "-http-listen" {
			p.base = "http://" + args[i+1]
		}
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
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
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("yuqing log:\n%s", lastLines(p.log.String(), 80))
			p.mu.Unlock()
		}
	})
	p.waitFor("ready", 60*time.Second, func() (bool, string) {
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200, string(b)
	})
	return p
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond until it holds; on timeout the test fails with the
// last state cond described.
func (p *proc) waitFor(what string, timeout time.Duration, cond func() (bool, string)) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		var ok bool
		if ok, last = cond(); ok {
			return
		}
		select {
		case err := <-p.done:
			p.done <- err
			p.t.Fatalf("yuqing exited while waiting for %s: %v", what, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	p.t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, last)
}

// apiToken is the bearer token the whole-binary tests read the API with:
// created with yuqing token create while yuqing run runs on the data dir.
var apiToken string

// createToken runs yuqing token create on cfg, as a monitoring probe's
// provisioning script would, and keeps the token for getJSON.
func createToken(t testing.TB, bin, cfg string) {
	t.Helper()
	if apiToken != "" {
		return
	}
	out, err := exec.Command(bin, "token", "create", "e2e", "-role", "viewer", "-config", cfg).Output()
	if err != nil {
		t.Fatalf("yuqing token create: %v", err)
	}
	apiToken = strings.TrimSpace(string(out))
	t.Cleanup(func() { apiToken = "" })
}

func (p *proc) getJSON(path string, v any) error {
	req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (p *proc) stop(sig syscall.Signal) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.done:
		return err
	case <-time.After(60 * time.Second):
		p.t.Fatalf("yuqing did not exit within 60s of %v", sig)
		return nil
	}
}

type postsPage struct {
	Total int `json:"total"`
	Items []struct {
		ID        string `json:"id"`
		Source    string `json:"source"`
		Title     string `json:"title"`
		Sentiment struct {
			Label string `json:"label"`
		} `json:"sentiment"`
	} `json:"items"`
}

// allPosts pages through the API and returns every post ID with its source,
// failing on an ID listed twice.
func (p *proc) allPosts() (map[string]string, int) {
	p.t.Helper()
	ids := map[string]string{}
	total := 0
	for off := 0; ; off += 500 {
		var page postsPage
		if err := p.getJSON(fmt.Sprintf("/api/v1/posts?limit=500&offset=%d", off), &page); err != nil {
			p.t.Fatal(err)
		}
		total = page.Total
		for _, it := range page.Items {
			if _, dup := ids[it.ID]; dup {
				p.t.Errorf("post %s is listed twice", it.ID)
			}
			ids[it.ID] = it.Source
		}
		if len(page.Items) < 500 {
			break
		}
	}
	return ids, total
}

type incidentsResp struct {
	Items []struct {
		ID          string `json:"id"`
		EventID     string `json:"event_id"`
		Title       string `json:"title"`
		Level       string `json:"level"`
		State       string `json:"state"`
		Open        bool   `json:"open"`
		Obligations []struct {
			Rule     string `json:"rule"`
			State    string `json:"state"`
			DueAt    string `json:"due_at"`
			Evidence *struct {
				URL   string `json:"url"`
				Title string `json:"title"`
			} `json:"evidence"`
		} `json:"obligations"`
	} `json:"items"`
}

type eventsResp struct {
	Items []struct {
		ID        string   `json:"id"`
		PostCount int      `json:"post_count"`
		PostIDs   []string `json:"post_ids"`
	} `json:"items"`
}

func (p *proc) metrics() string {
	resp, err := http.Get(p.base + "/metrics")
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// metricSum adds up every sample of the named metric.
func metricSum(text, name string) float64 {
	var sum float64
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(rest[strings.LastIndexByte(rest, ' ')+1:], &v); err == nil {
			sum += v
		}
	}
	return sum
}

// checkConsistency fails if any post is counted twice by the responder:
// every event's count matches its posts and no post is in two events, and
// no event has two incidents.
func (p *proc) checkConsistency() {
	p.t.Helper()
	var evs eventsResp
	if err := p.getJSON("/api/v1/events?limit=1000", &evs); err != nil {
		p.t.Fatal(err)
	}
	inEvent := map[string]string{}
	for _, ev := range evs.Items {
		if ev.PostCount != len(ev.PostIDs) {
			p.t.Errorf("event %s counts %d posts but lists %d", ev.ID, ev.PostCount, len(ev.PostIDs))
		}
		for _, id := range ev.PostIDs {
			if other, dup := inEvent[id]; dup {
				p.t.Errorf("post %s is in events %s and %s", id, other, ev.ID)
			}
			inEvent[id] = ev.ID
		}
	}
	var incs incidentsResp
	if err := p.getJSON("/api/v1/incidents", &incs); err != nil {
		p.t.Fatal(err)
	}
	perEvent := map[string]int{}
	for _, inc := range incs.Items {
		if inc.EventID == "" {
			continue // a disclosure item, not about an event
		}
		if perEvent[inc.EventID]++; perEvent[inc.EventID] > 1 {
			p.t.Errorf("event %s has more than one incident", inc.EventID)
		}
	}
}

var clickhouseServer *chtest.Server

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		clickhouseServer = chtest.Start()
	}
	code := m.Run()
	if clickhouseServer != nil {
		clickhouseServer.Stop()
	}
	os.Exit(code)
}

// TestWholeBinary runs the embedded default: embedded broker and SQLite.
func TestWholeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-binary test runs the demo for about a minute")
	}
	wholeBinary(t, "", true)
}

// TestWholeBinaryClickHouse runs the same data path with the ClickHouse
// store of a distributed deployment.
func TestWholeBinaryClickHouse(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-binary test runs the demo for about a minute")
	}
	addr := clickhouseServer.Addr(t)
	storeConfig := fmt.Sprintf("store:\n  driver: clickhouse\n  clickhouse:\n    addrs: [%s]\n    database: yuqing_e2e\n", addr)
	// A distributed deployment migrates its store once, before the
	// processes start.
	cfg := filepath.Join(t.TempDir(), "migrate.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+t.TempDir()+"\n"+storeConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmdMigrate([]string{"-config", cfg}, io.Discard, io.Discard); err != nil {
		t.Fatalf("yuqing migrate: %v", err)
	}
	wholeBinary(t, storeConfig, false)
}

// wholeBinary runs the demo scenario through the binary with the given
// extra config, stops and restarts it, and, with kill, kills it with
// SIGKILL mid-stream and restarts it again.
func wholeBinary(t *testing.T, extraConfig string, kill bool) {
	bin := buildBinary(t)
	dir := t.TempDir()
	httpAddr, brokerAddr, demoAddr := freePort(t), freePort(t), freePort(t)
	cfg := filepath.Join(dir, "yuqing.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
crawler:
  interval: 3s
  host_delay: 10ms
demo:
  enabled: true
  listen: %s
  speed: 1
%s`, filepath.Join(dir, "data"), demoAddr, extraConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-config", cfg, "-http-listen", httpAddr, "-broker-listen", brokerAddr}
	p := startYuqing(t, bin, args...)
	createToken(t, bin, cfg)

	// Within 60 s of start (90 s here, for a loaded test machine): posts
	// from at least 4 demo sources, and the demo's explosion as an open
	// incident.
	isExplosion := func(title string) bool { return strings.Contains(title, "爆炸") || strings.Contains(title, "化工") }
	p.waitFor("posts from 4 sources and the explosion incident", 90*time.Second, func() (bool, string) {
		ids, total := p.allPosts()
		sources := map[string]bool{}
		for _, s := range ids {
			sources[s] = true
		}
		var incs incidentsResp
		if err := p.getJSON("/api/v1/incidents?open=true", &incs); err != nil {
			return false, err.Error()
		}
		var titles []string
		found := false
		for _, inc := range incs.Items {
			titles = append(titles, inc.Title)
			found = found || isExplosion(inc.Title)
		}
		return len(sources) >= 4 && found,
			fmt.Sprintf("%d posts from %d sources, open incidents %q", total, len(sources), titles)
	})

	// Within three minutes of the start, the demo portal's official 情况通报
	// fulfils the incident's first obligation (5 h authoritative release),
	// with the post as evidence.
	p.waitFor("the official 情况通报 to fulfil the 5 h obligation", 180*time.Second, func() (bool, string) {
		var incs incidentsResp
		if err := p.getJSON("/api/v1/incidents?open=true", &incs); err != nil {
			return false, err.Error()
		}
		var states []string
		for _, inc := range incs.Items {
			for _, o := range inc.Obligations {
				states = append(states, inc.Level+" "+o.Rule+" "+o.State)
				if isExplosion(inc.Title) && o.Rule == "R-5H" && o.State == "fulfilled" && o.Evidence != nil &&
					strings.Contains(o.Evidence.URL, "/portal/") && strings.Contains(o.Evidence.Title, "通报") {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("obligations %v", states)
	})

	// The alerts reached the demo duty group: the incident, and the
	// fulfilment with its evidence.
	p.waitFor("alerts in the demo duty group", 60*time.Second, func() (bool, string) {
		resp, err := http.Get("http://" + demoAddr + "/duty/messages.json")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var msgs []struct {
			Key  string `json:"key"`
			Text string `json:"text"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
			return false, err.Error()
		}
		keys := map[string]bool{}
		for _, m := range msgs {
			keys[m.Key] = true
		}
		return keys["opened"] && keys["R-5H/fulfilled"], fmt.Sprintf("duty group received %v", keys)
	})

	// The delivery log of the explosion incident is in the store.
	var open incidentsResp
	if err := p.getJSON("/api/v1/incidents?open=true", &open); err != nil {
		t.Fatal(err)
	}
	for _, inc := range open.Items {
		if !isExplosion(inc.Title) {
			continue
		}
		var dl struct {
			Items []struct {
				Status string `json:"status"`
			} `json:"items"`
		}
		if err := p.getJSON("/api/v1/incidents/"+inc.ID+"/deliveries", &dl); err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, d := range dl.Items {
			if d.Status == "sent" {
				sent++
			}
		}
		if sent < 2 {
			t.Errorf("delivery log of %s has %d sent alerts, want at least the opening and the fulfilment", inc.ID, sent)
		}
	}

	m := p.metrics()
	for _, name := range []string{
		"yuqing_crawler_documents_emitted_total",
		"yuqing_bus_produced_messages_total",
		"yuqing_bus_consumed_messages_total",
		"yuqing_analyzer_documents_total",
		"yuqing_store_rows_written_total",
		"yuqing_responder_posts_total",
		"yuqing_responder_incidents_opened_total",
		"yuqing_responder_obligations_fulfilled_total",
		"yuqing_responder_notifications_total",
	} {
		if v := metricSum(m, name); v <= 0 {
			t.Errorf("/metrics: %s = %v, want > 0", name, v)
		}
	}

	// Every yuqing metric the shipped Grafana dashboard queries exists.
	for _, name := range dashboardMetrics(t, "../../dashboards/yuqing-pipeline.json") {
		if !strings.Contains(m, "\n"+name+"{") && !strings.Contains(m, "\n"+name+" ") {
			t.Errorf("dashboard queries %s, which /metrics does not expose", name)
		}
	}

	// An independent Kafka client sees the pipeline's topics on the
	// embedded broker.
	if kcat, err := exec.LookPath("kcat"); err == nil {
		out, err := exec.Command(kcat, "-b", brokerAddr, "-L", "-m", "10").CombinedOutput()
		if err != nil {
			t.Errorf("kcat -L: %v\n%s", err, out)
		}
		for _, topic := range []string{"yuqing.docs.v1", "yuqing.posts.v1"} {
			if !strings.Contains(string(out), `topic "`+topic+`"`) {
				t.Errorf("kcat -L against the running broker does not list %s:\n%s", topic, out)
			}
		}
	} else if testenv.Required("kcat") {
		t.Errorf("kcat not found on PATH, and YUQING_TEST_REQUIRE requires it")
	}

	// SIGTERM: a clean stop that drains and commits.
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("yuqing exited with %v after SIGTERM, want 0", err)
	}
	// The posts are read through a fresh start, as a user would see them.
	p = startYuqing(t, bin, args...)
	before, _ := p.allPosts()
	p.checkConsistency()

	if !kill {
		if err := p.stop(syscall.SIGTERM); err != nil {
			t.Errorf("yuqing exited with %v after SIGTERM, want 0", err)
		}
		return
	}

	// SIGKILL in mid-stream: let the pipeline take more documents, note
	// what was accepted, and kill it without warning.
	time.Sleep(8 * time.Second)
	accepted, _ := p.allPosts()
	if err := p.stop(syscall.SIGKILL); err == nil {
		t.Fatal("yuqing exited cleanly after SIGKILL")
	}
	p = startYuqing(t, bin, args...)
	p.waitFor("the pipeline to move again", 60*time.Second, func() (bool, string) {
		ids, _ := p.allPosts()
		return len(ids) > len(accepted), fmt.Sprintf("%d posts, %d before the kill", len(ids), len(accepted))
	})
	after, total := p.allPosts()
	for id := range before {
		if _, ok := after[id]; !ok {
			t.Errorf("post %s stored before SIGTERM is gone", id)
		}
	}
	for id := range accepted {
		if _, ok := after[id]; !ok {
			t.Errorf("post %s accepted before SIGKILL is gone", id)
		}
	}
	if total != len(after) {
		t.Errorf("API total %d, but %d distinct posts", total, len(after))
	}
	p.checkConsistency()
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Errorf("yuqing exited with %v after SIGTERM, want 0", err)
	}
}

// dashboardMetrics returns the yuqing_ metric names a Grafana dashboard's
// queries use.
func dashboardMetrics(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("dashboard %s is not valid JSON: %v", path, err)
	}
	seen := map[string]bool{}
	var names []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, name := range metricNameRe.FindAllString(tg.Expr, -1) {
				if !seen[name] {
					seen[name] = true
					names = append(names, name)
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("dashboard %s queries no yuqing metric", path)
	}
	return names
}

var metricNameRe = regexp.MustCompile(`yuqing_[a-z_]+`)
