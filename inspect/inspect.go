package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/model"
)

// Portal is one own portal to inspect.
type Portal struct {
	ID   string
	Name string
	// Unit is the responsible unit: who alerts about the portal go to.
	Unit string
	Home string
	// Columns are the columns whose freshness the census checks.
	Columns []Column
	// Board is the portal's message board (网民留言), if it has one.
	Board *Board
	// AllowPrivate sends the portal's requests (and its links') through
	// Options.PrivateClient, which may reach private and loopback
	// addresses: an intranet portal, the demo.
	AllowPrivate bool
	// Items is the CSS selector of a list's entries on the home page and on
	// column pages; default "ul.list li".
	Items string
	// ReplyWorkdays is the local limit for replying to a message, in
	// working days; 0 takes the census file's C-REPLY-LOCAL.
	ReplyWorkdays int
	// AnnualDeadline (MM-DD) overrides C-ANNUAL's deadline, e.g. 03-31 for
	// a government's own report.
	AnnualDeadline string
}

// Column is one column of a portal.
type Column struct {
	Name string
	URL  string
	// Category is news, notice, plan or other.
	Category string
}

// Board is a message board whose list shows messages and whose message
// pages show the reply.
type Board struct {
	URL string
	// Rows selects a message's entry on the list (default "table tr"),
	// Next the next-page link (default "a.next"), Posted the element
	// holding when the message was left on its page (default ".msg-info"),
	// Reply the reply (default ".reply").
	Rows, Next, Posted, Reply string
	// MaxPages bounds how many list pages are read (default 50).
	MaxPages int
}

// Options configure an Inspector.
type Options struct {
	// Client makes the requests; the composition root hands in one that
	// refuses private addresses unless the portal is allowed them.
	Client *http.Client
	// PrivateClient is used for portals with AllowPrivate; nil: Client.
	PrivateClient *http.Client
	// Delay spaces requests to one host (default 1 s).
	Delay time.Duration
	// MaxRequests caps the requests of one run (default 500).
	MaxRequests int
	// Timeout bounds one request (default: the census's 15 s).
	Timeout    time.Duration
	Census     *Census
	Calendar   *calendar.Calendar
	Now        func() time.Time
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// Inspector inspects portals. It is safe for concurrent use.
type Inspector struct {
	o Options
	m *metrics
}

// New returns an Inspector.
func New(o Options) (*Inspector, error) {
	if o.Client == nil {
		return nil, errors.New("cannot create the inspector: no HTTP client")
	}
	if o.PrivateClient == nil {
		o.PrivateClient = o.Client
	}
	if o.Delay == 0 {
		o.Delay = time.Second
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = 500
	}
	if o.Census == nil {
		o.Census = DefaultCensus()
	}
	if o.Timeout <= 0 {
		o.Timeout = o.Census.Rule("C-UNAVAILABLE").Timeout
	}
	if o.Calendar == nil {
		o.Calendar = calendar.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	return &Inspector{o: o, m: m}, nil
}

// Stats counts what one inspection did and saw.
type Stats struct {
	Requests       int `json:"requests"`
	LinksChecked   int `json:"links_checked"`
	LinksRobots    int `json:"links_robots"`    // not checked: robots.txt disallows them
	LinksUnchecked int `json:"links_unchecked"` // not checked: the cap was reached
	Messages       int `json:"messages"`
	Replied        int `json:"replied"`
	Pending        int `json:"pending"` // unanswered, within the limit
	Overdue        int `json:"overdue"`
	// ReplyWorkdays is the working days each replied message waited.
	ReplyWorkdays []int `json:"reply_workdays,omitempty"`
}

// Report is the result of one inspection: what it found open now.
type Report struct {
	Portal   string          `json:"portal"`
	At       time.Time       `json:"at"`
	Findings []model.Finding `json:"findings"`
	// Messages are the board's messages read, newest first.
	Messages []Message `json:"messages,omitempty"`
	Stats    Stats     `json:"stats"`
}

// run is the state of one inspection.
type run struct {
	in   *Inspector
	p    Portal
	home *url.URL
	c    *politeClient
	now  time.Time
	rep  *Report
	// links are every link seen, in order, by URL; pages are the pages
	// fetched, by URL.
	links   []link
	seen    map[string]bool
	fetched map[string]int // URL → status of a page fetched with GET
}

// Inspect inspects one portal and returns what it finds now. An error is
// returned only when the portal is misconfigured or ctx ends; a portal that
// does not answer is a finding.
func (in *Inspector) Inspect(ctx context.Context, p Portal) (*Report, error) {
	home, err := url.Parse(p.Home)
	if err != nil || home.Host == "" {
		return nil, fmt.Errorf("cannot inspect portal %q: invalid home %q", p.ID, p.Home)
	}
	if p.Items == "" {
		p.Items = "ul.list li"
	}
	now := in.o.Now()
	hc := in.o.Client
	if p.AllowPrivate {
		hc = in.o.PrivateClient
	}
	r := &run{in: in, p: p, home: home, now: now,
		c:   newPoliteClient(hc, in.o.Delay, in.o.MaxRequests, in.m, in.o.Now),
		rep: &Report{Portal: p.ID, At: now.UTC()}, seen: map[string]bool{}, fetched: map[string]int{}}
	start := time.Now()
	defer func() { in.m.runs.WithLabelValues(p.ID).Observe(time.Since(start).Seconds()) }()

	hp, err := r.get(ctx, p.Home)
	if err != nil || hp == nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.add(model.FindingUnavailable, "C-UNAVAILABLE", p.Home, "首页", "本次检查首页无法打开："+r.why(p.Home, err), false)
		return r.finish(), nil
	}
	r.checkHome(hp)
	var pages []*page
	pages = append(pages, hp)
	for _, col := range p.Columns {
		cp, err := r.get(ctx, col.URL)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue // a dead column link is found by the link check
		}
		if cp == nil {
			continue
		}
		pages = append(pages, cp)
		r.checkColumn(col, cp)
	}
	r.countVetoColumns()
	if p.Board != nil {
		if err := r.checkBoard(ctx); err != nil {
			return nil, err
		}
	}
	if err := r.checkRequired(ctx, pages); err != nil {
		return nil, err
	}
	if err := r.checkLinks(ctx); err != nil {
		return nil, err
	}
	return r.finish(), nil
}

// get fetches a page of the portal with GET and parses it, remembering
// its links. It returns nil, nil for a page that answered with an error
// status (the link check reports it).
func (r *run) get(ctx context.Context, raw string) (*page, error) {
	resp, err := r.c.do(ctx, http.MethodGet, raw, r.in.o.Timeout)
	if err != nil {
		r.fetched[raw] = -1
		return nil, err
	}
	r.fetched[raw] = resp.status
	if resp.status >= 400 {
		return nil, nil
	}
	pg, err := parsePage(resp.url, resp.body)
	if err != nil {
		return nil, nil
	}
	for _, l := range pg.links {
		if !r.seen[l.url] {
			r.seen[l.url] = true
			r.links = append(r.links, l)
		}
	}
	return pg, nil
}

func (r *run) why(raw string, err error) string {
	if err != nil {
		return describeError(err)
	}
	return fmt.Sprintf("HTTP %d", r.fetched[raw])
}

// add records a finding seen now.
func (r *run) add(kind, rule, u, subject, evidence string, veto bool) *model.Finding {
	f := model.Finding{ID: FindingID(r.p.ID, kind, u+"\x00"+subject), Portal: r.p.ID, Kind: kind, URL: u, Subject: subject,
		Evidence: evidence, Rule: rule, Veto: veto, FirstSeen: r.now.UTC(), LastSeen: r.now.UTC(), State: model.FindingOpen, Unit: r.p.Unit}
	r.rep.Findings = append(r.rep.Findings, f)
	return &r.rep.Findings[len(r.rep.Findings)-1]
}

func (r *run) finish() *Report {
	r.rep.Stats.Requests = r.c.used
	sort.SliceStable(r.rep.Findings, func(i, j int) bool { return r.rep.Findings[i].ID < r.rep.Findings[j].ID })
	for _, f := range r.rep.Findings {
		r.in.m.findings.WithLabelValues(r.p.ID, f.Kind).Inc()
	}
	return r.rep
}

// FindingID is the ID of the finding of kind on a portal about key (a
// URL, a subject): the same fault always has the same ID.
func FindingID(portal, kind, key string) string {
	sum := sha256.Sum256([]byte(portal + "\x00" + kind + "\x00" + key))
	return "INS-" + hex.EncodeToString(sum[:8])
}

// age says in Chinese how long ago t was, in days.
func age(now, t time.Time) string {
	d := int(now.Sub(t).Hours() / 24)
	return fmt.Sprintf("%d天", d)
}

func day(t time.Time) string { return t.In(model.China).Format("2006年1月2日") }

// checkHome applies C-HOME-STALE: the home page must show an item dated
// within the last two weeks (an item without a date counts as not updated).
func (r *run) checkHome(hp *page) {
	rule := r.in.o.Census.Rule("C-HOME-STALE")
	newest := newestDate(hp.items(r.p.Items), r.now)
	switch {
	case newest.IsZero():
		r.add(model.FindingStaleColumn, rule.ID, r.p.Home, "首页", "首页未发现注明发布时间的信息（未注明发布时间的视为不更新）", rule.Veto)
	case r.now.Sub(newest) > rule.MaxAge:
		r.add(model.FindingStaleColumn, rule.ID, r.p.Home, "首页",
			fmt.Sprintf("首页最新信息发布于%s，已%s未更新，超过%s", day(newest), age(r.now, newest), limitWords(rule.MaxAge)), rule.Veto)
	}
}

// newestDate returns the newest date of items not in the future.
func newestDate(items []item, now time.Time) time.Time {
	var newest time.Time
	for _, it := range items {
		if !it.date.IsZero() && !it.date.After(now.Add(24*time.Hour)) && it.date.After(newest) {
			newest = it.date
		}
	}
	return newest
}

// limitWords writes a limit as the census does: 2周, 6个月, 1年, 3个月.
func limitWords(d time.Duration) string {
	days := int(d.Hours() / 24)
	switch {
	case days%365 == 0:
		return fmt.Sprintf("%d年", days/365)
	case days >= 28 && days%30 == 0:
		return fmt.Sprintf("%d个月", days/30)
	case days == 182 || days == 183:
		return "6个月"
	case days%7 == 0:
		return fmt.Sprintf("%d周", days/7)
	}
	return fmt.Sprintf("%d天", days)
}

// checkColumn applies C-EMPTY, C-LINK-ONLY and the column's freshness rule.
func (r *run) checkColumn(col Column, cp *page) {
	items := cp.items(r.p.Items)
	if len(items) == 0 {
		rule := r.in.o.Census.Rule("C-EMPTY")
		r.add(model.FindingEmptyColumn, rule.ID, col.URL, col.Name, "栏目“"+col.Name+"”没有任何信息（空白栏目）", false)
		return
	}
	elsewhere := 0
	for _, it := range items {
		if !sameSite(r.home, it.link.url) {
			elsewhere++
		}
	}
	if elsewhere == len(items) {
		rule := r.in.o.Census.Rule("C-LINK-ONLY")
		r.add(model.FindingEmptyColumn, rule.ID, col.URL, col.Name,
			fmt.Sprintf("栏目“%s”的%d条信息全部链接到其他网站，本站没有内容", col.Name, len(items)), false)
		return
	}
	rule, ok := r.in.o.Census.CategoryRule(col.Category)
	if !ok {
		return
	}
	newest := newestDate(items, r.now)
	switch {
	case newest.IsZero():
		r.add(model.FindingStaleColumn, rule.ID, col.URL, col.Name, "栏目“"+col.Name+"”的信息均未注明发布时间（视为不更新）", false)
	case r.now.Sub(newest) > rule.MaxAge:
		r.add(model.FindingStaleColumn, rule.ID, col.URL, col.Name,
			fmt.Sprintf("栏目“%s”最新信息发布于%s，已%s未更新，超过%s的更新要求", col.Name, day(newest), age(r.now, newest), limitWords(rule.MaxAge)), false)
	}
}

// countVetoColumns marks stale and empty columns as 单项否决 when there are
// as many as the census counts (C-NEWS-STALE with C-NOTICE-STALE ≥ 5,
// C-EMPTY ≥ 5, every stale column ≥ 10 by C-STALE-COUNT).
func (r *run) countVetoColumns() {
	c := r.in.o.Census
	byRule := map[string][]int{}
	stale := 0
	for i, f := range r.rep.Findings {
		byRule[f.Rule] = append(byRule[f.Rule], i)
		if f.Kind == model.FindingStaleColumn && f.Rule != "C-HOME-STALE" {
			stale++
		}
	}
	mark := func(ids []int, why string) {
		for _, i := range ids {
			f := &r.rep.Findings[i]
			if !f.Veto {
				f.Veto = true
				f.Evidence += "；" + why
			}
		}
	}
	for _, rule := range c.Rules {
		if rule.Count <= 0 || (rule.Kind != RuleStaleColumn && rule.Kind != RuleEmptyColumn) {
			continue
		}
		ids := append([]int(nil), byRule[rule.ID]...)
		for _, w := range rule.VetoCountWith {
			ids = append(ids, byRule[w]...)
		}
		if len(ids) >= rule.Count {
			mark(ids, fmt.Sprintf("同类栏目共%d个，达到普查单项否决标准（%d个）", len(ids), rule.Count))
		}
	}
	if sc := c.Rule("C-STALE-COUNT"); stale >= sc.Count {
		var ids []int
		for i, f := range r.rep.Findings {
			if f.Kind == model.FindingStaleColumn && f.Rule != "C-HOME-STALE" {
				ids = append(ids, i)
			}
		}
		mark(ids, fmt.Sprintf("长期未更新栏目共%d个，达到普查单项否决标准（%d个）", stale, sc.Count))
	}
}

// checkRequired applies C-GUIDE, C-CATALOG, C-APPLY-GUIDE and C-ANNUAL on
// the links of the pages read, following one level into the pages that
// should hold a guide's items or the annual reports.
func (r *run) checkRequired(ctx context.Context, pages []*page) error {
	c := r.in.o.Census
	find := func(words ...string) *link {
		for i := range r.links {
			l := &r.links[i]
			ok := true
			for _, w := range words {
				ok = ok && strings.Contains(l.text, w)
			}
			if ok && sameSite(r.home, l.url) {
				return l
			}
		}
		return nil
	}
	for _, id := range []string{"C-GUIDE", "C-CATALOG"} {
		rule := c.Rule(id)
		for _, name := range rule.Require {
			if find(name) == nil {
				r.add(model.FindingMissingRequired, rule.ID, r.p.Home, name, "首页及各栏目未找到“"+name+"”（"+rule.Source+"）", false)
			}
		}
	}
	// 依申请公开 guide: its own page, or the 政府信息公开指南 that holds it.
	rule := c.Rule("C-APPLY-GUIDE")
	guide := find("依申请公开")
	if guide == nil {
		guide = find("政府信息公开指南")
	}
	if guide == nil {
		r.add(model.FindingMissingRequired, rule.ID, r.p.Home, rule.Title, "未找到依申请公开办事指南", false)
	} else if gp, err := r.get(ctx, guide.url); err == nil && gp != nil {
		text := gp.text()
		var missing []string
		for _, w := range rule.Require {
			if !strings.Contains(text, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) > 0 {
			r.add(model.FindingMissingRequired, rule.ID, guide.url, rule.Title,
				"依申请公开办事指南缺少："+strings.Join(missing, "、"), false)
		}
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	// Last year's annual report, once its deadline has passed.
	rule = c.Rule("C-ANNUAL")
	deadline := rule.Deadline
	if r.p.AnnualDeadline != "" {
		deadline = r.p.AnnualDeadline
	}
	dl, _ := time.Parse("01-02", deadline)
	local := r.now.In(model.China)
	year := local.Year() - 1
	if local.Before(time.Date(local.Year(), dl.Month(), dl.Day()+1, 0, 0, 0, 0, model.China)) {
		year-- // last year's report is not due yet: the one before must be there
	}
	want := fmt.Sprintf("%d年", year)
	if find(want, "年度报告") == nil {
		if list := find("年度报告"); list != nil {
			if _, err := r.get(ctx, list.url); err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	if find(want, "年度报告") == nil {
		r.add(model.FindingMissingRequired, rule.ID, r.p.Home, want+"政府信息公开工作年度报告",
			fmt.Sprintf("未找到%s政府信息公开工作年度报告（应于%d年%d月%d日前公布）", want, year+1, dl.Month(), dl.Day()), false)
	}
	_ = pages
	return nil
}

// checkLinks checks every link seen, up to the cap: links on the portal's
// host with GET (unless already fetched), links elsewhere with HEAD, then
// GET when HEAD fails. Pages are not followed.
func (r *run) checkLinks(ctx context.Context) error {
	rule := r.in.o.Census.Rule("C-DEAD-LINK")
	for _, l := range r.links {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var status int
		var err error
		if st, ok := r.fetched[l.url]; ok && st != -1 {
			status = st
		} else {
			status, err = r.check(ctx, l.url, sameSite(r.home, l.url))
		}
		switch {
		case errors.Is(err, errRobots):
			r.rep.Stats.LinksRobots++
			continue
		case errors.Is(err, errCap):
			r.rep.Stats.LinksUnchecked++
			continue
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		}
		r.rep.Stats.LinksChecked++
		if err == nil && status < 400 {
			continue
		}
		why := fmt.Sprintf("HTTP %d", status)
		if err != nil {
			why = describeError(err)
		}
		where := "站内链接"
		if !sameSite(r.home, l.url) {
			where = "外部链接"
		}
		subject := l.text
		if subject == "" {
			subject = l.url
		}
		r.add(model.FindingDeadLink, rule.ID, l.url, subject+"\x00"+l.from, fmt.Sprintf("%s“%s”打不开：%s；所在页面：%s", where, subject, why, l.from), false).Subject = subject
	}
	return nil
}

// check fetches one link: GET on the portal; HEAD, then GET, elsewhere.
func (r *run) check(ctx context.Context, raw string, internal bool) (int, error) {
	if internal {
		resp, err := r.c.do(ctx, http.MethodGet, raw, r.in.o.Timeout)
		if err != nil {
			return 0, err
		}
		return resp.status, nil
	}
	resp, err := r.c.do(ctx, http.MethodHead, raw, r.in.o.Timeout)
	if err == nil && resp.status < 400 {
		return resp.status, nil
	}
	if errors.Is(err, errRobots) || errors.Is(err, errCap) {
		return 0, err
	}
	resp, err = r.c.do(ctx, http.MethodGet, raw, r.in.o.Timeout)
	if err != nil {
		return 0, err
	}
	return resp.status, nil
}
