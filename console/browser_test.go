package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/responder"
	"github.com/yuqing-project/yuqing/store"
)

// applier hands requests straight to a real responder, as the bus would:
// what a person does on a page is applied and recorded in the history.
type applier struct{ r *responder.Responder }

func (a applier) PublishRequests(ctx context.Context, reqs ...bus.Request) error {
	return a.r.HandleRequests(ctx, reqs)
}

// browserNow is the console's clock in the browser tests: two hours after
// the first post of the small data set.
var browserNow = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

// browser starts a headless Chromium on a console whose requests a real
// responder applies, and returns a run function for its actions.
func browser(t testing.TB) (string, store.Store, func(what string, actions ...chromedp.Action)) {
	t.Helper()
	chromium := testenv.LookPath(t, "chromium", "chromium", "chromium-browser", "google-chrome")
	// The clock runs from browserNow, so that each change is later than
	// the one before.
	start := time.Now()
	clock := func() time.Time { return browserNow.Add(time.Since(start)) }
	srv, st, _ := newServer(t, func(o *Options) {
		r := responder.New(config.ResponderConfig{Window: 72 * time.Hour, IncidentMinPosts: 5, IncidentNegativeShare: 0.5,
			IncidentMinSources: 2, IncidentBurstWindow: 6 * time.Hour}, o.Store.(store.Store), prometheus.NewRegistry(), nil,
			responder.WithClock(clock))
		o.Requests = applier{r}
		o.Now = clock
		roster, err := notify.NewRoster([]notify.Person{{ID: "duty", Name: "值班员小王"}, {ID: "chief", Name: "李科长", Title: "科长"},
			{ID: "li", Name: "老李", Contacts: map[string]string{"短信": "13900139000"}}},
			nil, nil, []string{"chief"})
		if err != nil {
			t.Fatal(err)
		}
		o.Settings = Settings{Sources: []SourceInfo{{ID: "news", Name: "澜州新闻网", Kind: model.KindNews, Authority: model.TierLocal, URL: "http://a/"}},
			Channels: []ChannelInfo{{Name: "值班群", Type: "wecom"}}, Roster: roster}
	})
	ctx := context.Background()
	ev := model.Event{ID: "EV-1", Version: 1, Title: "化工厂爆炸事故", FirstPostID: "p1", FirstSeen: browserNow.Add(-2 * time.Hour),
		LastSeen: browserNow.Add(-time.Hour), PostCount: 2, NegativeCount: 1, SourceCount: 2, Heat: 42.5, Keywords: []string{"化工厂"},
		PostIDs: []string{"p1", "p2"}, Sources: []string{"news", "portal"}, IncidentID: "INC-1"}
	if err := st.UpsertEvents(ctx, []model.Event{ev}); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1366, 768),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	tctx, cancel := context.WithTimeout(bctx, 150*time.Second)
	t.Cleanup(cancel)
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(tctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("log in as the monitor", browserLogin(srv.URL, "monitor"))
	return srv.URL, st, run
}

// browserLogin signs in through the login page as account (a test account
// of newAuth, without a second factor), leaving any earlier session.
func browserLogin(base, account string) chromedp.Action {
	return chromedp.Tasks{
		network.ClearBrowserCookies(),
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.SendKeys(`#login input[name=name]`, account, chromedp.ByQuery),
		chromedp.SendKeys(`#login input[name=password]`, testPassword, chromedp.ByQuery),
		chromedp.Submit(`#login`, chromedp.ByQuery),
		chromedp.WaitVisible(`header nav`, chromedp.ByQuery),
	}
}

// artefacts is where the browser tests keep their screenshots:
// $YUQING_ARTIFACTS/console when set, else the test's temporary directory.
func artefacts(t *testing.T) string {
	dir := t.TempDir()
	if a := os.Getenv("YUQING_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page at the viewport w×h as name-W.png.
func screenshot(t *testing.T, run func(string, ...chromedp.Action), dir, name string, w, h int64) {
	t.Helper()
	var png []byte
	run("screenshot "+name, chromedp.EmulateViewport(w, h), chromedp.Sleep(300*time.Millisecond), chromedp.FullScreenshot(&png, 100))
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// choose selects value in the select sel and fires its change event, as a
// person choosing with the keyboard or the mouse does.
func choose(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(()=>{const s=document.querySelector(%q);s.value=%q;s.dispatchEvent(new Event('change',{bubbles:true}));return true;})()`, sel, value), nil)
}

// chartDrawn is JavaScript that is true once the chart in the element id
// is drawn on a canvas with data.
func chartDrawn(id string) string {
	return fmt.Sprintf(`(()=>{const el=document.getElementById(%q);if(!el||!el.querySelector('canvas'))return false;
const c=echarts.getInstanceByDom(el);if(!c)return false;const s=c.getOption().series||[];
return s.some(x=>(x.data||[]).some(v=>(typeof v==='number'?v:(v&&v.value))>0));})()`, id)
}

// TestCockpitInBrowser drives the cockpit in a real headless Chromium: the
// overview's charts are drawn with data, a scope changes the figures, an
// officer corrects a post's sentiment and edits the user dictionary, the
// feed filters, an event's analysis is drawn, and an incident is
// confirmed, assigned, responded to and closed from its page, each change
// then in its history. Screenshots of every page are kept.
func TestCockpitInBrowser(t *testing.T) {
	base, st, run := browser(t)
	dir := artefacts(t)
	var ok bool
	waitJS := func(what, js string) {
		t.Helper()
		run(what, chromedp.Poll(js, &ok, chromedp.WithPollingTimeout(20*time.Second)))
	}

	// The overview: charts with data, then the scope of a scheme.
	var header, total string
	run("open the overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#c-volume canvas`, chromedp.ByQuery),
		chromedp.Text(`header nav [aria-current=page]`, &header, chromedp.ByQuery), chromedp.Text(`#s-total`, &total, chromedp.ByQuery))
	for _, id := range []string{"c-volume", "c-shares", "c-sentiment", "c-tiers"} {
		waitJS("draw "+id, chartDrawn(id))
	}
	if header != "态势总览" || total != "2" {
		t.Errorf("overview: active %q, total %q; want 态势总览 and 2", header, total)
	}
	screenshot(t, run, dir, "overview", 1366, 768)
	screenshot(t, run, dir, "overview", 1920, 1080)
	run("scope to a scheme", chromedp.SetValue(`#scheme`, "chem", chromedp.ByQuery), chromedp.Click(`form.controls button`, chromedp.ByQuery))
	run("read the scheme's total", chromedp.WaitReady(`#overview[data-query*="scheme=chem"] #c-volume canvas`, chromedp.ByQuery), chromedp.Text(`#s-total`, &total, chromedp.ByQuery))
	if total != "1" {
		t.Errorf("overview of scheme chem counts %q posts, want 1", total)
	}

	// Correcting a negative post, as the signed-in monitor.
	run("correct p1 as the monitor", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`select.fix[data-id="p1"]`, chromedp.ByQuery),
		choose(`select.fix[data-id="p1"]`, "neutral"),
		chromedp.WaitNotPresent(`select.fix[data-id="p1"]`, chromedp.ByQuery))
	cs, err := st.ListCorrections(context.Background())
	if err != nil || len(cs) != 1 || cs[0].PostID != "p1" || cs[0].Label != model.Neutral || cs[0].By != "monitor" {
		t.Fatalf("stored corrections %+v, %v", cs, err)
	}
	var detail string
	run("the post's page shows the correction", chromedp.Navigate(base+"/posts/p1"), chromedp.WaitVisible(`.fixed`, chromedp.ByQuery),
		chromedp.Text(`main`, &detail, chromedp.ByQuery))
	for _, want := range []string{"中性", "已纠正（monitor", "依据：爆炸、死亡", "危化品安全"} {
		if !strings.Contains(detail, want) {
			t.Errorf("post page lacks %q", want)
		}
	}
	screenshot(t, run, dir, "post", 1366, 768)

	// The feed: a filter changes the result.
	var count string
	run("open the feed", chromedp.Navigate(base+"/feed"), chromedp.Text(`#total b`, &count, chromedp.ByQuery))
	if count != "2" {
		t.Errorf("feed counts %q, want 2", count)
	}
	screenshot(t, run, dir, "feed", 1366, 768)
	run("search the feed", chromedp.SendKeys(`#q`, "秋粮", chromedp.ByQuery), chromedp.Click(`form.controls button`, chromedp.ByQuery))
	run("read the search's result", waitLocation("q="), chromedp.WaitNotPresent(`li.post[data-id="p1"]`, chromedp.ByQuery), chromedp.WaitVisible(`li.post[data-id="p2"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#total b').textContent`, &count))
	if count != "1" {
		t.Errorf("feed searched for 秋粮 counts %q, want 1", count)
	}
	run("facet on a source", chromedp.Navigate(base+"/feed"), chromedp.Click(`//aside//a[contains(., "澜州新闻网")]`, chromedp.BySearch),
		waitLocation("source="), chromedp.WaitNotPresent(`li.post[data-id="p2"]`, chromedp.ByQuery), chromedp.Evaluate(`document.querySelector('#total b').textContent`, &count))
	if count != "1" {
		t.Errorf("feed of source 澜州新闻网 counts %q, want 1", count)
	}

	// The dictionary in the settings.
	var words string
	run("add a word", chromedp.Navigate(base+"/settings"), chromedp.WaitVisible(`#word`, chromedp.ByQuery),
		chromedp.SendKeys(`#word`, "岚峰化工", chromedp.ByQuery), chromedp.SetValue(`#pos`, "nt", chromedp.ByQuery),
		chromedp.Click(`#addword button`, chromedp.ByQuery), chromedp.WaitVisible(`#words .word[data-word="岚峰化工"]`, chromedp.ByQuery),
		chromedp.Text(`#words`, &words, chromedp.ByQuery))
	if !strings.Contains(words, "岚峰化工/nt") {
		t.Errorf("dictionary shows %q", words)
	}
	d, err := st.UserDictionary(context.Background())
	if err != nil || len(d.Words) != 1 || d.Words[0].By != "monitor" {
		t.Fatalf("stored dictionary %+v, %v", d, err)
	}
	var settings string
	run("read the settings", chromedp.Text(`main`, &settings, chromedp.ByQuery))
	for _, want := range []string{"澜州新闻网", "当前值班", "无人值班", "第1级上报", "李科长（科长）", "值班群（企业微信）", "国办发〔2016〕80号"} {
		if !strings.Contains(settings, want) {
			t.Errorf("settings lack %q", want)
		}
	}
	screenshot(t, run, dir, "settings", 1366, 768)
	run("remove the word", chromedp.Click(`#words .word[data-word="岚峰化工"] .rm`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#words .word[data-word="岚峰化工"]`, chromedp.ByQuery), chromedp.WaitVisible(`#word`, chromedp.ByQuery))
	if d, err := st.UserDictionary(context.Background()); err != nil || len(d.Words) != 0 {
		t.Fatalf("dictionary after removal %+v, %v", d, err)
	}

	// An event's analysis.
	run("open the events", chromedp.Navigate(base+"/events"), chromedp.WaitVisible(`#events a[href="/events/EV-1"]`, chromedp.ByQuery))
	run("open an event", chromedp.Click(`#events a[href="/events/EV-1"]`, chromedp.ByQuery), chromedp.WaitVisible(`#c-timeline canvas`, chromedp.ByQuery))
	waitJS("draw the timeline", chartDrawn("c-timeline"))
	screenshot(t, run, dir, "event", 1366, 768)

	// The 处置台 and an incident handled from its page, by the 处置负责人.
	run("log in as the handler", browserLogin(base, "handler"))
	run("open the incidents", chromedp.Navigate(base+"/incidents"), chromedp.WaitVisible(`tr[data-id="INC-1"] .countdown`, chromedp.ByQuery))
	screenshot(t, run, dir, "incidents", 1366, 768)
	var opened string
	run("register a disclosure item", chromedp.Click(`details.open-forms summary`, chromedp.ByQuery),
		chromedp.SendKeys(`#od-title`, "张某某申请公开征地批复", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('od-date').value='2026-11-20'`, nil),
		chromedp.Click(`#open-disclosure button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#history`, chromedp.ByQuery), chromedp.Text(`h1`, &opened, chromedp.ByQuery))
	if opened != "张某某申请公开征地批复" {
		t.Errorf("after registering a disclosure item the page shows %q", opened)
	}
	var state, history string
	act := func(what, form string, fill ...chromedp.Action) {
		t.Helper()
		run(what, append(append([]chromedp.Action{chromedp.Navigate(base + "/incidents/INC-1"), chromedp.WaitVisible(`form.act[data-action="`+form+`"]`, chromedp.ByQuery)}, fill...),
			chromedp.Click(`form.act[data-action="`+form+`"] button`, chromedp.ByQuery),
			chromedp.WaitVisible(`#msg.ok`, chromedp.ByQuery), chromedp.WaitNotPresent(`#msg.ok`, chromedp.ByQuery),
			chromedp.WaitVisible(`#history`, chromedp.ByQuery),
			chromedp.Text(`#state`, &state, chromedp.ByQuery), chromedp.Text(`#history`, &history, chromedp.ByQuery))...)
	}
	act("confirm", "confirm", choose(`#a-confirm-level`, "II"), chromedp.SendKeys(`#a-confirm-reason`, "多家媒体报道", chromedp.ByQuery))
	if state != model.StateConfirmed || !strings.Contains(history, "申请确认事件") || !strings.Contains(history, "待研判 → 已确认") {
		t.Errorf("after confirming: state %q, history %q", state, history)
	}
	screenshot(t, run, dir, "incident", 1366, 768)
	act("assign", "assign", chromedp.SendKeys(`#a-assignee`, "应急局张三", chromedp.ByQuery))
	var assignee string
	run("read the assignee", chromedp.Text(`#assignee`, &assignee, chromedp.ByQuery))
	if assignee != "应急局张三" || !strings.Contains(history, "处置人应急局张三") {
		t.Errorf("after assigning: assignee %q, history %q", assignee, history)
	}
	act("record a response", "record_response", chromedp.SendKeys(`#a-rr-title`, "关于化工厂爆炸的情况通报", chromedp.ByQuery),
		chromedp.SendKeys(`#a-rr-url`, "http://gov.example/tb", chromedp.ByQuery), chromedp.SendKeys(`#a-rr-source`, "县政府", chromedp.ByQuery))
	if !strings.Contains(history, "申请登记回应") || !strings.Contains(history, "《关于化工厂爆炸的情况通报》") || !strings.Contains(history, "办理中 → 已履行") {
		t.Errorf("after recording a response: history %q", history)
	}
	act("close", "close", chromedp.SendKeys(`#a-c-reason`, "处置完毕", chromedp.ByQuery))
	if state != model.StateClosed || !strings.Contains(history, "申请办结") {
		t.Errorf("after closing: state %q, history %q", state, history)
	}
	screenshot(t, run, dir, "incident-closed", 1366, 768)
	inc, err := st.GetIncident(context.Background(), "INC-1")
	if err != nil || inc.Open || inc.Assignee != "应急局张三" || inc.Level != "II" {
		t.Errorf("stored incident %+v, %v", inc, err)
	}
	run("the case library lists it", chromedp.Navigate(base+"/incidents?closed=1"), chromedp.WaitVisible(`tr[data-id="INC-1"]`, chromedp.ByQuery))

	// The wall screen.
	run("open the wall screen", chromedp.Navigate(base+"/screen"), chromedp.WaitVisible(`body.screen #c-volume canvas`, chromedp.ByQuery))
	waitJS("draw the screen", chartDrawn("c-volume"))
	var controls int
	run("no controls", chromedp.Evaluate(`document.querySelectorAll('form, select, input, nav').length`, &controls))
	if controls != 0 {
		t.Errorf("the wall screen has %d controls", controls)
	}
	screenshot(t, run, dir, "screen", 1920, 1080)
}

// pageSettled is JavaScript that is true once a page has rendered all it
// renders: loaded, and the charts of the overview and of an event drawn
// from their JSON (data-drawn set by home.js and event.js), so that a
// check of what the page does not show is not made before it is shown.
const pageSettled = `document.readyState==='complete'&&!document.querySelector('#overview:not([data-drawn]), #event:not([data-drawn])')`

// rawText finds what people must not read on a page: English keys
// (snake_case, the states and labels the system stores), raw JSON and
// UTC or ISO 8601 times.
var rawText = regexp.MustCompile(`[a-z]+_[a-z_]+|\{"|":|\d{4}-\d{2}-\d{2}T\d|\bUTC\b|\bZ\b|\b(pending|fulfilled|breached|waived|negative|positive|neutral|opened|sent|failed|held|request|confirm|assign|null|true|false|undefined|NaN)\b|R-\d+H|\d+h\d+m`)

// TestPagesSpeakChinese renders every page in the browser, after each kind
// of change, and scans the text people read for English keys, raw JSON and
// UTC times.
func TestPagesSpeakChinese(t *testing.T) {
	base, st, run := browser(t)
	ctx := context.Background()
	// A history of every kind, and a delivery log, on INC-1.
	at := browserNow.Add(-30 * time.Minute)
	entries := []model.HistoryEntry{
		{ID: "h1", IncidentID: "INC-1", At: at, Actor: "system", Action: "opened", To: model.StatePending, Reason: "触发条件:6h0m0s内4条信息、2个信息源、2条负面"},
		{ID: "h2", IncidentID: "INC-1", At: at, Actor: "system", Action: "obligation_created", To: "R-5H", Reason: "R-5H:5小时内发布权威信息"},
		{ID: "h3", IncidentID: "INC-1", At: at, Actor: "system", Action: "level_changed", From: "III", To: "II", Reason: "死亡3人,建议调整为II级"},
		{ID: "h4", IncidentID: "INC-1", At: at, Actor: "张三", Action: "request.acknowledge", Reason: "{}"},
		{ID: "h5", IncidentID: "INC-1", At: at, Actor: "张三", Action: "acknowledge", From: model.StatePending, To: model.StatePending, Reason: "张三已确认收到提醒"},
		{ID: "h6", IncidentID: "INC-1", At: at, Actor: "李四", Action: "request.assign", Reason: `{"assignee":"李四"}`},
		{ID: "h7", IncidentID: "INC-1", At: at, Actor: "system", Action: "obligation_breached", From: "pending", To: "breached", Reason: "R-5H:已超时"},
		{ID: "h8", IncidentID: "INC-1", At: at, Actor: "李四", Action: "request_rejected", Reason: "不能从「已办结」变为「处置中」"},
		{ID: "h9", IncidentID: "INC-1", At: at, Actor: "system", Action: "clock_start_changed", From: "2026-11-21T06:00:00Z", To: "2026-11-21T05:00:00Z"},
		// And of every kind on event EV-1: merges and splits by hand.
		{ID: "e1", IncidentID: "EV-1", At: at, Actor: "王五", Action: "request.event_split", Reason: `{"posts":["p2"],"reason":"无关"}`},
		{ID: "e2", IncidentID: "EV-1", At: at, Actor: "王五", Action: "event_split", From: "EV-1", To: "EV-S-1", Reason: "人工拆分:拆出1条信息,另立事件EV-S-1《全县秋粮丰收》。理由:无关"},
		{ID: "e3", IncidentID: "EV-1", At: at, Actor: "王五", Action: "request.event_merge", Reason: `{"into":"EV-1"}`},
		{ID: "e4", IncidentID: "EV-1", At: at, Actor: "王五", Action: "request_rejected", Reason: "不能把事件合并到它自己"},
		{ID: "e5", IncidentID: "EV-1", At: at, Actor: "王五", Action: "event_absorbed", From: "EV-2", To: "EV-1", Reason: "人工合并:事件EV-2《爆炸》的1条信息并入本事件"},
		{ID: "e6", IncidentID: "EV-1", At: at, Actor: "王五", Action: "event_split_from", From: "EV-0", To: "EV-1", Reason: "人工拆分:自事件EV-0拆出"},
		{ID: "e7", IncidentID: "EV-1", At: at, Actor: "王五", Action: "event_merged", From: "EV-1", To: "EV-9", Reason: "人工合并:本事件并入事件EV-9"},
	}
	if err := st.AppendHistory(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendDeliveries(ctx, []model.Delivery{{ID: "d1", IncidentID: "INC-1", At: at,
		Detail: `{"notification_key":"R-5H/reminder/50%","channel":"hook","recipient":"duty","status":"sent","attempts":2}`},
		{ID: "d2", IncidentID: "INC-1", At: at, Detail: `{"notification_key":"R-5H/breach","channel":"hook","recipient":"chief","status":"failed","error":"timeout"}`}}); err != nil {
		t.Fatal(err)
	}
	seedSources(t, st, browserNow)
	for _, path := range []string{"/", "/screen", "/?window=7d", "/?window=custom&since=2026-11-20&until=2026-11-21", "/feed", "/feed?q=爆炸&sentiment=negative",
		"/posts/p1", "/posts/p2", "/events", "/events/EV-1", "/incidents", "/incidents?closed=1", "/incidents/INC-1", "/settings",
		"/incidents/NONE", "/feed?window=never", "/feed?sort=heat&incident=1", "/?window=30d&region=451024", "/incidents?closed=1&q=爆炸",
		"/inspections", "/briefs", "/accounts", "/audit", "/events?window=7d", "/feed?sort=hot", "/settings/sources", "/settings/sources?history=news",
		"/settings/sources?edit=portal", "/settings/roster", "/settings/notify", "/settings/notify?status=failed"} {
		var text string
		run("read "+path, chromedp.Navigate(base+path), chromedp.WaitReady(`body`, chromedp.ByQuery),
			chromedp.Poll(pageSettled, nil, chromedp.WithPollingTimeout(20*time.Second)),
			chromedp.Evaluate(`document.body.innerText`, &text))
		if text == "" {
			t.Errorf("%s: no text", path)
		}
		for _, m := range rawText.FindAllString(text, -1) {
			i := strings.Index(text, m)
			t.Errorf("%s shows %q: …%s…", path, m, text[max(0, i-40):min(len(text), i+40)])
		}
	}
}
