package inspect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// now is the inspections' clock in the tests: Monday 15 June 2026, 10:00
// China Standard Time.
var now = time.Date(2026, 6, 15, 10, 0, 0, 0, model.China)

func ago(days int) string { return now.AddDate(0, 0, -days).Format("2006-01-02") }

// fixture is a small portal with one fault of every kind, and a log of the
// requests it received.
type fixture struct {
	srv   *httptest.Server
	mu    sync.Mutex
	log   []string
	times map[string][]time.Time
	pages map[string]string
}

func list(items ...string) string { return `<ul class="list">` + strings.Join(items, "") + `</ul>` }
func li(href, title, date string) string {
	return fmt.Sprintf(`<li><a href="%s">%s</a><span>%s</span></li>`, href, title, date)
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{times: map[string][]time.Time{}}
	f.pages = map[string]string{
		"/robots.txt": "User-agent: *\nDisallow: /admin/\n",
		"/": `<html><body><ul class="nav"><li><a href="/news/">工作动态</a></li><li><a href="/notice/">通知公告</a></li>` +
			`<li><a href="/empty/">在线访谈</a></li><li><a href="/links/">友情链接</a></li><li><a href="/plan/">规划计划</a></li>` +
			`<li><a href="/xxgk/guide.html">政府信息公开指南</a></li><li><a href="/xxgk/ml/">政府信息公开目录</a></li>` +
			`<li><a href="/xxgk/nb/">政府信息公开年度报告</a></li><li><a href="/admin/">网站管理</a></li><li><a href="/board/">网民留言</a></li></ul>` +
			list(li("/news/1.html", "县政府召开常务会议", ago(1)), li("/gone.html", "已删除的页面", ago(2))) +
			`<a href="http://127.0.0.2:1/">外部单位</a></body></html>`,
		"/news/":             `<html><body>` + list(li("/news/1.html", "县政府召开常务会议", ago(1))) + `</body></html>`,
		"/news/1.html":       `<html><body><p>正文</p></body></html>`,
		"/notice/":           `<html><body>` + list(li("/notice/1.html", "关于春节放假的通知", ago(240))) + `</body></html>`,
		"/notice/1.html":     `<html><body><p>正文</p></body></html>`,
		"/empty/":            `<html><body><h2>在线访谈</h2><ul class="list"></ul></body></html>`,
		"/links/":            `<html><body>` + list(li("https://www.gov.cn/", "中国政府网", ago(3))) + `</body></html>`,
		"/plan/":             `<html><body>` + list(li("/plan/1.html", "县十四五规划", ago(200))) + `</body></html>`,
		"/plan/1.html":       `<html><body><p>正文</p></body></html>`,
		"/xxgk/guide.html":   `<html><body><h1>政府信息公开指南</h1><p>依申请公开：申请方式、申请表下载、办理流程图、受理地址、联系方式。</p></body></html>`,
		"/xxgk/ml/":          `<html><body><p>目录</p></body></html>`,
		"/xxgk/nb/":          `<html><body>` + list(li("/xxgk/nb/2024.html", "2024年政府信息公开工作年度报告", "2025-01-20")) + `</body></html>`,
		"/xxgk/nb/2024.html": `<html><body><p>报告</p></body></html>`,
		"/board/": `<html><body><table class="threads">` +
			row("/board/1.html", "路灯不亮", ago(3)) + row("/board/2.html", "噪音扰民", ago(21)) +
			row("/board/3.html", "道路积水", ago(10)) + row("/board/4.html", "学校门口拥堵", ago(120)) +
			`</table></body></html>`,
		"/board/1.html": thread(ago(3)+" 09:00", ""),
		"/board/2.html": thread(ago(21)+" 09:00", ""),
		"/board/3.html": thread(ago(10)+" 09:00", ago(7)+" 16:00"),
		"/board/4.html": thread(ago(120)+" 09:00", ""),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.log = append(f.log, r.Method+" "+r.URL.Path)
		f.times[r.Host] = append(f.times[r.Host], time.Now())
		f.mu.Unlock()
		body, ok := f.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func row(href, title, date string) string {
	return fmt.Sprintf(`<tr><td class="title"><a href="%s">%s</a></td><td>%s</td></tr>`, href, title, date)
}

func thread(posted, replied string) string {
	s := `<html><body><div class="msg-info">留言时间：` + posted + `</div><p>内容</p>`
	if replied != "" {
		s += `<div class="reply">回复时间：` + replied + ` 已转交相关部门处理。</div>`
	}
	return s + `</body></html>`
}

func (f *fixture) portal() Portal {
	u := f.srv.URL
	return Portal{ID: "county", Name: "测试县人民政府", Unit: "县政府办公室", Home: u + "/",
		Columns: []Column{{"工作动态", u + "/news/", CategoryNews}, {"通知公告", u + "/notice/", CategoryNotice},
			{"在线访谈", u + "/empty/", CategoryOther}, {"友情链接", u + "/links/", CategoryOther}, {"规划计划", u + "/plan/", CategoryPlan}},
		Board:         &Board{URL: u + "/board/"},
		ReplyWorkdays: 5,
	}
}

func (f *fixture) requested(line string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.log, line)
}

func newInspector(t *testing.T, o Options) *Inspector {
	t.Helper()
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if o.Delay == 0 {
		o.Delay = time.Millisecond
	}
	o.Now = func() time.Time { return now }
	in, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func inspect(t *testing.T, f *fixture, o Options) *Report {
	t.Helper()
	rep, err := newInspector(t, o).Inspect(context.Background(), f.portal())
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	return rep
}

// byRule returns the findings of a rule.
func byRule(rep *Report, rule string) []model.Finding {
	var out []model.Finding
	for _, f := range rep.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func TestDefaultCensusQuotesEveryRule(t *testing.T) {
	c := DefaultCensus()
	for _, id := range []string{"C-UNAVAILABLE", "C-HOME-STALE", "C-NEWS-STALE", "C-NOTICE-STALE", "C-PLAN-STALE", "C-STALE-COUNT",
		"C-EMPTY", "C-LINK-ONLY", "C-DEAD-LINK", "C-REPLY-3M", "C-REPLY-LOCAL", "C-GUIDE", "C-CATALOG", "C-ANNUAL", "C-APPLY-GUIDE"} {
		r := c.Rule(id)
		if r.Quote == "" || r.Source == "" {
			t.Errorf("%s has no quote or source", id)
		}
	}
	if r := c.Rule("C-NEWS-STALE"); r.MaxAge != 14*24*time.Hour || r.Count != 5 {
		t.Errorf("C-NEWS-STALE = %v, %d; want 2 weeks, 5 columns", r.MaxAge, r.Count)
	}
	if r := c.Rule("C-NOTICE-STALE"); r.MaxAge < 182*24*time.Hour || r.MaxAge > 184*24*time.Hour {
		t.Errorf("C-NOTICE-STALE max age = %v; want 6 months", r.MaxAge)
	}
	if r := c.Rule("C-PLAN-STALE"); r.Evidence != "U" {
		t.Errorf("C-PLAN-STALE's one-year limit was not verified; evidence = %q, want U", r.Evidence)
	}
	if r := c.Rule("C-REPLY-3M"); !r.Veto || r.MaxAge != 90*24*time.Hour {
		t.Errorf("C-REPLY-3M = veto %v, %v; want a veto at 3 months", r.Veto, r.MaxAge)
	}
	if r := c.Rule("C-ANNUAL"); r.Deadline != "01-31" || r.Evidence != "P" {
		t.Errorf("C-ANNUAL = %q (%s); want 01-31 from the 条例", r.Deadline, r.Evidence)
	}
	if r := c.Rule("C-APPLY-GUIDE"); len(r.Require) != 6 {
		t.Errorf("C-APPLY-GUIDE requires %v; want the six items of seed 000", r.Require)
	}
}

func TestParseCensusRefusesUnknownKeysAndMissingQuotes(t *testing.T) {
	for name, src := range map[string]string{
		"unknown key":  "version: x\nrules:\n  - id: A\n    title: t\n    kind: dead_link\n    source: s\n    evidence: S\n    quote: q\n    limit: 3\n",
		"no quote":     "version: x\nrules:\n  - id: A\n    title: t\n    kind: dead_link\n    source: s\n    evidence: S\n",
		"bad evidence": "version: x\nrules:\n  - id: A\n    title: t\n    kind: dead_link\n    source: s\n    evidence: X\n    quote: q\n",
		"stale no age": "version: x\nrules:\n  - id: A\n    title: t\n    kind: stale_column\n    source: s\n    evidence: S\n    quote: q\n",
		"unknown kind": "version: x\nrules:\n  - id: A\n    title: t\n    kind: other\n    source: s\n    evidence: S\n    quote: q\n",
	} {
		if _, err := ParseCensus(strings.NewReader(src)); err == nil {
			t.Errorf("%s: ParseCensus accepted it", name)
		}
	}
}

func TestStaleColumns(t *testing.T) {
	rep := inspect(t, newFixture(t), Options{})
	if got := byRule(rep, "C-NOTICE-STALE"); len(got) != 1 || got[0].Subject != "通知公告" || got[0].Veto {
		t.Errorf("C-NOTICE-STALE findings = %+v; want 通知公告 (240 days > 6 months), not a veto alone", got)
	}
	if got := byRule(rep, "C-NEWS-STALE"); len(got) != 0 {
		t.Errorf("工作动态 updated yesterday is stale: %+v", got)
	}
	if got := byRule(rep, "C-PLAN-STALE"); len(got) != 0 {
		t.Errorf("规划计划 of 200 days is within a year: %+v", got)
	}
	if got := byRule(rep, "C-HOME-STALE"); len(got) != 0 {
		t.Errorf("a home page updated yesterday is stale: %+v", got)
	}
}

func TestStaleHomeIsAVeto(t *testing.T) {
	f := newFixture(t)
	f.pages["/"] = strings.ReplaceAll(f.pages["/"], ago(1), ago(20))
	f.pages["/"] = strings.ReplaceAll(f.pages["/"], ago(2), ago(21))
	rep := inspect(t, f, Options{})
	if got := byRule(rep, "C-HOME-STALE"); len(got) != 1 || !got[0].Veto || !strings.Contains(got[0].Evidence, "20天") {
		t.Errorf("C-HOME-STALE = %+v; want one veto, 20 days old", got)
	}
}

func TestFiveStaleColumnsAreAVeto(t *testing.T) {
	f := newFixture(t)
	p := f.portal()
	for i := range 4 {
		path := fmt.Sprintf("/notice%d/", i)
		f.pages[path] = f.pages["/notice/"]
		p.Columns = append(p.Columns, Column{fmt.Sprintf("公示公告%d", i), f.srv.URL + path, CategoryNotice})
	}
	rep, err := newInspector(t, Options{}).Inspect(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := byRule(rep, "C-NOTICE-STALE")
	if len(got) != 5 {
		t.Fatalf("%d stale notice columns; want 5", len(got))
	}
	for _, g := range got {
		if !g.Veto {
			t.Errorf("%s: 5 stale columns make a veto, but it is not one", g.Subject)
		}
	}
}

func TestEmptyAndLinkOnlyColumns(t *testing.T) {
	rep := inspect(t, newFixture(t), Options{})
	if got := byRule(rep, "C-EMPTY"); len(got) != 1 || got[0].Subject != "在线访谈" || got[0].Kind != model.FindingEmptyColumn {
		t.Errorf("C-EMPTY = %+v; want 在线访谈", got)
	}
	if got := byRule(rep, "C-LINK-ONLY"); len(got) != 1 || got[0].Subject != "友情链接" {
		t.Errorf("C-LINK-ONLY = %+v; want 友情链接", got)
	}
}

func TestDeadLinks(t *testing.T) {
	f := newFixture(t)
	// The external site answers HEAD with 405 and GET with 200: alive.
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	}))
	defer ext.Close()
	f.pages["/links/"] = `<html><body>` + list(li(ext.URL+"/ok", "协作单位", ago(3)), li("/news/1.html", "本站", ago(3))) + `</body></html>`
	rep := inspect(t, f, Options{})
	got := map[string]model.Finding{}
	for _, d := range byRule(rep, "C-DEAD-LINK") {
		got[d.URL] = d
	}
	gone := got[f.srv.URL+"/gone.html"]
	if !strings.Contains(gone.Evidence, "HTTP 404") || !strings.Contains(gone.Evidence, "所在页面："+f.srv.URL+"/") {
		t.Errorf("internal dead link = %+v; want 404 with the page linking it", gone)
	}
	if e := got["http://127.0.0.2:1/"]; !strings.Contains(e.Evidence, "外部链接") || !strings.Contains(e.Evidence, "连接被拒绝") {
		t.Errorf("external dead link = %+v; want 外部链接, 连接被拒绝", e)
	}
	if len(got) != 2 {
		t.Errorf("dead links = %v; want exactly /gone.html and 127.0.0.2:1", got)
	}
	if !f.requested("GET /gone.html") || f.requested("HEAD /gone.html") {
		t.Errorf("an internal link is checked with GET only")
	}
}

func TestDNSFailureIsADeadLink(t *testing.T) {
	f := newFixture(t)
	f.pages["/"] = strings.Replace(f.pages["/"], "http://127.0.0.2:1/", "http://no-such-host.invalid/", 1)
	rep := inspect(t, f, Options{})
	for _, d := range byRule(rep, "C-DEAD-LINK") {
		if d.URL == "http://no-such-host.invalid/" {
			if !strings.Contains(d.Evidence, "域名无法解析") {
				t.Errorf("DNS failure evidence = %q", d.Evidence)
			}
			return
		}
	}
	t.Error("a link to a host that does not resolve is not a dead link")
}

func TestRequiredDocuments(t *testing.T) {
	rep := inspect(t, newFixture(t), Options{})
	if got := byRule(rep, "C-GUIDE"); len(got) != 0 {
		t.Errorf("the guide is linked, yet: %+v", got)
	}
	if got := byRule(rep, "C-CATALOG"); len(got) != 0 {
		t.Errorf("the catalogue is linked, yet: %+v", got)
	}
	if got := byRule(rep, "C-APPLY-GUIDE"); len(got) != 1 || !strings.Contains(got[0].Evidence, "收费") || strings.Contains(got[0].Evidence, "受理地址") {
		t.Errorf("C-APPLY-GUIDE = %+v; want 收费 (标准) missing and nothing else", got)
	}
	// On 15 June 2026 the 2025 report is due (31 January): only 2024's is there.
	if got := byRule(rep, "C-ANNUAL"); len(got) != 1 || !strings.Contains(got[0].Subject, "2025年") {
		t.Errorf("C-ANNUAL = %+v; want 2025年 missing", got)
	}
}

func TestAnnualReportNotDueBeforeDeadline(t *testing.T) {
	f := newFixture(t)
	in := newInspector(t, Options{})
	in.o.Now = func() time.Time { return time.Date(2025, 1, 20, 10, 0, 0, 0, model.China) }
	rep, err := in.Inspect(context.Background(), f.portal())
	if err != nil {
		t.Fatal(err)
	}
	// Before 31 January 2025 the 2023 report is required; 2024's is there anyway.
	if got := byRule(rep, "C-ANNUAL"); len(got) != 1 || !strings.Contains(got[0].Subject, "2023年") {
		t.Errorf("C-ANNUAL before the deadline = %+v; want 2023年 checked", got)
	}
}

func TestUnansweredMessages(t *testing.T) {
	rep := inspect(t, newFixture(t), Options{})
	got := map[string]model.Finding{}
	for _, f := range rep.Findings {
		if f.Kind == model.FindingUnansweredMessage {
			got[f.Subject] = f
		}
	}
	if len(got) != 2 {
		t.Fatalf("unanswered findings = %v; want 噪音扰民 and 学校门口拥堵", got)
	}
	noise := got["噪音扰民"]
	if noise.Veto || noise.Rule != "C-REPLY-LOCAL" || noise.DueAt.IsZero() || !strings.Contains(noise.Evidence, "5个工作日") {
		t.Errorf("3 weeks unanswered = %+v; want a C-REPLY-LOCAL finding with its due time", noise)
	}
	if school := got["学校门口拥堵"]; !school.Veto || school.Rule != "C-REPLY-3M" {
		t.Errorf("4 months unanswered = %+v; want the C-REPLY-3M veto", school)
	}
	st := rep.Stats
	if st.Messages != 4 || st.Replied != 1 || st.Pending != 1 || st.Overdue != 2 {
		t.Errorf("stats = %+v; want 4 messages, 1 replied, 1 pending, 2 overdue", st)
	}
	// Posted Friday 5 June, replied Monday 8 June: one working day (the
	// weekend does not count).
	if !slices.Equal(st.ReplyWorkdays, []int{1}) {
		t.Errorf("reply working days = %v; want [1]", st.ReplyWorkdays)
	}
}

func TestReplyDueCountsWorkingDays(t *testing.T) {
	cal := newInspector(t, Options{}).o.Calendar
	// Friday 5 June 2026 + 5 working days = Friday 12 June, end of day.
	due := ReplyDue(cal, time.Date(2026, 6, 5, 9, 0, 0, 0, model.China), 5)
	if want := time.Date(2026, 6, 13, 0, 0, 0, 0, model.China); !due.Equal(want) {
		t.Errorf("due = %v; want the end of 12 June, %v", due, want)
	}
}

func TestUnavailableHome(t *testing.T) {
	f := newFixture(t)
	f.srv.Close()
	rep := inspect(t, f, Options{})
	if len(rep.Findings) != 1 || rep.Findings[0].Kind != model.FindingUnavailable || rep.Findings[0].Veto {
		t.Errorf("findings of a site that is down = %+v; want one unavailable, not (yet) a veto", rep.Findings)
	}
}

func TestAvailabilityWeek(t *testing.T) {
	c := DefaultCensus()
	p := Portal{ID: "p", Home: "http://x/"}
	a := NewAvailability(c)
	start := now.Add(-7 * 24 * time.Hour)
	// 7 days × 24 probes, every 20th down: 5% down, a veto.
	for i := range 7*24 + 1 {
		a.Record(Probe{At: start.Add(time.Duration(i) * time.Hour), Up: i%20 != 0})
	}
	if f, ok := a.Finding(p, now); !ok || !f.Veto {
		t.Errorf("5%% down over a week = %+v, %v; want a veto", f, ok)
	}
	b := NewAvailability(c)
	for i := range 7*24 + 1 {
		b.Record(Probe{At: start.Add(time.Duration(i) * time.Hour), Up: i%40 != 0 && i < 7*24-2})
	}
	f, ok := b.Finding(p, now)
	if !ok || f.Veto || !strings.Contains(f.Evidence, "连续3次") {
		t.Errorf("3 failures in a row, 3%% down = %+v, %v; want a plain finding", f, ok)
	}
	up, n, _ := b.Uptime()
	if n != 7*24+1 || up > 0.98 || up < 0.95 {
		t.Errorf("uptime = %v of %d probes", up, n)
	}
}

func TestMergeTracksFirstSeenAndFixed(t *testing.T) {
	a := model.Finding{ID: "A", Portal: "p", Kind: model.FindingDeadLink, State: model.FindingOpen, FirstSeen: now.Add(-48 * time.Hour), LastSeen: now.Add(-24 * time.Hour)}
	b := model.Finding{ID: "B", Portal: "p", Kind: model.FindingEmptyColumn, State: model.FindingOpen, FirstSeen: now.Add(-48 * time.Hour)}
	c := model.Finding{ID: "C", Portal: "p", Kind: model.FindingEmptyColumn, State: model.FindingFixed, FirstSeen: now.Add(-72 * time.Hour)}
	other := model.Finding{ID: "O", Portal: "q", State: model.FindingOpen}
	cur := []model.Finding{{ID: "A", Portal: "p", State: model.FindingOpen, FirstSeen: now, LastSeen: now},
		{ID: "C", Portal: "p", State: model.FindingOpen, FirstSeen: now, LastSeen: now},
		{ID: "N", Portal: "p", State: model.FindingOpen, FirstSeen: now, LastSeen: now}}
	write, fresh := Merge([]model.Finding{a, b, c, other}, cur, "p", now)
	got := map[string]model.Finding{}
	for _, w := range write {
		got[w.ID] = w
	}
	if !got["A"].FirstSeen.Equal(a.FirstSeen) || !got["A"].LastSeen.Equal(now) {
		t.Errorf("A seen again = %+v; want first seen kept, last seen now", got["A"])
	}
	if got["B"].State != model.FindingFixed {
		t.Errorf("B not seen = %+v; want fixed", got["B"])
	}
	if got["C"].State != model.FindingOpen {
		t.Errorf("C seen again = %+v; want reopened", got["C"])
	}
	if _, ok := got["O"]; ok {
		t.Error("another portal's finding was changed")
	}
	var ids []string
	for _, f := range fresh {
		ids = append(ids, f.ID)
	}
	if !slices.Equal(ids, []string{"C", "N"}) {
		t.Errorf("fresh = %v; want the reopened C and the new N", ids)
	}
}

func TestScoreFlagsVetoes(t *testing.T) {
	rep := inspect(t, newFixture(t), Options{})
	s := ScoreOf("county", rep.Findings)
	if s.Passed || len(s.Vetoes) != 1 || s.Vetoes[0].Rule != "C-REPLY-3M" {
		t.Errorf("score = %+v; want failed on the C-REPLY-3M veto", s)
	}
	clean := ScoreOf("county", []model.Finding{{Portal: "county", Kind: model.FindingDeadLink, State: model.FindingOpen}})
	if !clean.Passed || clean.Points != 99 {
		t.Errorf("one dead link = %+v; want 99, passed", clean)
	}
}
