package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/console"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

type noRequests struct{}

func (noRequests) PublishRequests(context.Context, ...bus.Request) error { return nil }

// TestInspectorFindsThePlantedFaults inspects the demo's county portal
// through the inspector as the binary wires it (the crawler's HTTP client,
// the SQLite store, alerts to the demo duty group): it finds every fault
// the demo planted and nothing else, alerts the duty group about the
// message past its deadline once, and the console's inspection page shows
// the findings in a real Chromium.
func TestInspectorFindsThePlantedFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	site, err := demo.New(config.DemoConfig{Enabled: true, Listen: "127.0.0.1:0", Speed: 1}, "", log)
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "y.db"), prometheus.NewRegistry(), log, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := config.Default()
	cfg.Inspector.HostDelay = 5 * time.Millisecond
	a := &App{cfg: cfg, log: log, reg: prometheus.NewRegistry(), st: st, site: site, notifyCfg: site.NotifyConfig("http://console.test")}
	svc, err := a.InspectorService()
	if err != nil || svc == nil {
		t.Fatalf("InspectorService: %v, %v", svc, err)
	}

	results, err := svc.RunOnce(ctx)
	if err != nil || len(results) != 1 {
		t.Fatalf("RunOnce: %v, %v", results, err)
	}
	open, err := st.ListFindings(ctx, store.FindingQuery{State: model.FindingOpen})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range open {
		got[f.Kind] = append(got[f.Kind], f.Subject)
		if f.URL == "" || f.Evidence == "" || f.FirstSeen.IsZero() || f.Portal != "demo-portal" {
			t.Errorf("finding without its url, evidence, first seen or portal: %+v", f)
		}
	}
	want := demo.PlantedFaults()
	for k := range got {
		sort.Strings(got[k])
	}
	for k := range want {
		sort.Strings(want[k])
	}
	if len(got) != len(want) {
		t.Errorf("kinds found %v; want %v", got, want)
	}
	for kind, subjects := range want {
		if !slices.Equal(got[kind], subjects) {
			t.Errorf("%s: found %q; want %q", kind, got[kind], subjects)
		}
	}
	rep := results[0].Report
	if rep.Stats.LinksRobots == 0 || site.DisallowedHits() != 0 {
		t.Errorf("robots.txt: %d links skipped, %d disallowed requests; want some skipped, none made", rep.Stats.LinksRobots, site.DisallowedHits())
	}
	if rep.Stats.Messages < 2 || rep.Stats.Replied == 0 || rep.Stats.Overdue != 1 {
		t.Errorf("board stats = %+v; want the backlog read, replies timed, one overdue", rep.Stats)
	}
	if s := results[0].Score; !s.Passed || s.Points >= 100 {
		t.Errorf("score = %+v; want passed (no veto planted) with deductions", s)
	}

	// The duty group was alerted about the message past its deadline.
	waitDuty := func() []demo.DutyMessage {
		var msgs []demo.DutyMessage
		for range 50 {
			msgs = site.DutyMessages()
			if len(msgs) > 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		return msgs
	}
	msgs := waitDuty()
	if len(msgs) != 1 || msgs[0].Key != "reply/breach" || !strings.Contains(msgs[0].Text, "路灯损坏") {
		t.Fatalf("duty messages = %+v; want one reply/breach about the planted message", msgs)
	}

	// A second inspection sees the same faults: same findings, last seen
	// later, first seen kept, and no second alert.
	time.Sleep(10 * time.Millisecond)
	if _, err := svc.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := st.ListFindings(ctx, store.FindingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(open) {
		t.Errorf("%d findings after the second run; want the same %d", len(again), len(open))
	}
	for _, f := range again {
		if f.State != model.FindingOpen || !f.LastSeen.After(f.FirstSeen) {
			t.Errorf("after a second run: %+v; want open, last seen after first seen", f)
		}
	}
	if n := len(site.DutyMessages()); n != 1 {
		t.Errorf("%d duty messages after the second run; want still 1", n)
	}

	// The inspection page in a browser.
	chromium := testenv.LookPath(t, "chromium", "chromium", "chromium-browser", "google-chrome")
	// The page is read with a reading role's bearer token, as a wall
	// screen or a monitoring probe would.
	auditLog, err := audit.New(st, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := auth.New(auth.Options{Store: st, Audit: auditLog, Policy: auth.DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := accounts.CreateToken(ctx, auth.CLI(), "wall", auth.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Options{Store: st, Requests: noRequests{}, Rules: rules.Default(), Registerer: prometheus.NewRegistry(), Auth: accounts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	var body string
	var rows int
	if err := chromedp.Run(bctx,
		network.Enable(),
		network.SetExtraHTTPHeaders(network.Headers{"Authorization": "Bearer " + token}),
		chromedp.Navigate(srv.URL+"/inspections"),
		chromedp.WaitVisible(`#findings`, chromedp.ByQuery),
		chromedp.Text(`body`, &body, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#findings tr.finding').length`, &rows),
	); err != nil {
		t.Fatal(err)
	}
	if rows != len(open) {
		t.Errorf("the page shows %d findings; want %d", rows, len(open))
	}
	for _, want := range []string{"政府网站自查", "合格", "空白栏目", "栏目不更新", "链接不可用", "网民留言未回复", "在线访谈", "通知公告", "青岚县融媒体中心", "连接被拒绝", "HTTP 404", "路灯损坏"} {
		if !strings.Contains(body, want) {
			t.Errorf("the inspection page lacks %q", want)
		}
	}
}
