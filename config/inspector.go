package config

import (
	"net/url"
	"slices"
	"time"
)

// InspectorConfig configures the inspection of the jurisdiction's own
// portals (the inspector target): what the national 政府网站普查 checks.
type InspectorConfig struct {
	// Enabled runs the inspector in `yuqing run` (target all). With the
	// demo, the demo's county portal is inspected when Portals is empty.
	// Default: false.
	Enabled bool `yaml:"enabled"`
	// Interval is how often each portal is inspected. Default: 6h.
	Interval time.Duration `yaml:"interval"`
	// ProbeInterval is how often each home page is probed for
	// availability; the census probes at least 20 times a day. Default: 1h
	// (24 a day).
	ProbeInterval time.Duration `yaml:"probe_interval"`
	// HostDelay spaces the requests to one host. Default: 1s.
	HostDelay time.Duration `yaml:"host_delay"`
	// MaxRequests caps the requests of one inspection. Default: 500.
	MaxRequests int `yaml:"max_requests"`
	// RequestTimeout bounds each request. Default: 15s, the census's.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// Portals are the own portals to inspect.
	Portals []InspectPortal `yaml:"portals"`
}

// InspectPortal is one own portal.
type InspectPortal struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Unit is the responsible unit alerts go to: a roster person's ID in
	// responder.notify.roster, or empty for the duty officer.
	Unit string `yaml:"unit"`
	Home string `yaml:"home"`
	// AllowPrivate allows the portal on private or loopback addresses (an
	// intranet portal, the demo). Default: false.
	AllowPrivate bool `yaml:"allow_private"`
	// Items is the CSS selector of a list's entries. Default: ul.list li.
	Items   string          `yaml:"items"`
	Columns []InspectColumn `yaml:"columns"`
	// Board is the portal's message board; none when its URL is empty.
	Board InspectBoard `yaml:"board"`
	// ReplyWorkdays is the local limit for replying to 网民留言, in working
	// days (local rules say 5, 10 or 15). Default: 10.
	ReplyWorkdays int `yaml:"reply_workdays"`
	// AnnualDeadline (MM-DD) is when last year's 政府信息公开工作年度报告 is
	// due: 01-31 for a department, 03-31 for a government (条例 第四十九条).
	// Default: 01-31.
	AnnualDeadline string `yaml:"annual_deadline"`
}

// InspectColumn is one column whose freshness the census checks.
type InspectColumn struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	// Category is news (动态、要闻: 2 weeks), notice (通知公告、政策文件: 6
	// months), plan (人事、规划计划: 1 year) or other (checked only for
	// being empty). Default: other.
	Category string `yaml:"category"`
}

// InspectBoard is a portal's message board.
type InspectBoard struct {
	URL string `yaml:"url"`
	// Rows, Next, Posted and Reply are CSS selectors (see inspect.Board);
	// defaults: table tr, a.next, .msg-info, .reply.
	Rows   string `yaml:"rows"`
	Next   string `yaml:"next"`
	Posted string `yaml:"posted"`
	Reply  string `yaml:"reply"`
	// MaxPages bounds the list pages read. Default: 50.
	MaxPages int `yaml:"max_pages"`
}

func (ic *InspectorConfig) applyDefaults(d defaulter) {
	d.dur("inspector.interval", &ic.Interval, 6*time.Hour)
	d.dur("inspector.probe_interval", &ic.ProbeInterval, time.Hour)
	d.dur("inspector.host_delay", &ic.HostDelay, time.Second)
	d.int("inspector.max_requests", &ic.MaxRequests, 500)
	d.dur("inspector.request_timeout", &ic.RequestTimeout, 15*time.Second)
	for i := range ic.Portals {
		p := &ic.Portals[i]
		path := indexPath("inspector.portals", i)
		d.str(path+".items", &p.Items, "ul.list li")
		d.int(path+".reply_workdays", &p.ReplyWorkdays, 10)
		d.str(path+".annual_deadline", &p.AnnualDeadline, "01-31")
		for j := range p.Columns {
			d.str(indexPath(path+".columns", j)+".category", &p.Columns[j].Category, "other")
		}
		if p.Board.URL != "" {
			d.int(path+".board.max_pages", &p.Board.MaxPages, 50)
		}
	}
}

func (ic *InspectorConfig) validate(bad func(path, format string, args ...any)) {
	if ic.Interval < time.Minute {
		bad("inspector.interval", "must be at least 1m, got %s", ic.Interval)
	}
	if ic.ProbeInterval < 10*time.Second {
		bad("inspector.probe_interval", "must be at least 10s, got %s", ic.ProbeInterval)
	}
	if ic.MaxRequests < 1 {
		bad("inspector.max_requests", "must be at least 1, got %d", ic.MaxRequests)
	}
	if ic.RequestTimeout <= 0 {
		bad("inspector.request_timeout", "must be positive, got %s", ic.RequestTimeout)
	}
	checkURL := func(path, raw string) {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(path, "%q is not an http(s) URL", raw)
		}
	}
	ids := map[string]bool{}
	for i, p := range ic.Portals {
		path := indexPath("inspector.portals", i)
		switch {
		case p.ID == "":
			bad(path+".id", "is required")
		case ids[p.ID]:
			bad(path+".id", "%q is used twice", p.ID)
		}
		ids[p.ID] = true
		checkURL(path+".home", p.Home)
		for j, c := range p.Columns {
			cp := indexPath(path+".columns", j)
			if c.Name == "" {
				bad(cp+".name", "is required")
			}
			checkURL(cp+".url", c.URL)
			if !slices.Contains([]string{"news", "notice", "plan", "other"}, c.Category) {
				bad(cp+".category", "%q is not news, notice, plan or other", c.Category)
			}
		}
		if p.Board.URL != "" {
			checkURL(path+".board.url", p.Board.URL)
			if p.Board.MaxPages < 1 {
				bad(path+".board.max_pages", "must be at least 1, got %d", p.Board.MaxPages)
			}
		}
		if p.ReplyWorkdays < 1 || p.ReplyWorkdays > 60 {
			bad(path+".reply_workdays", "must be between 1 and 60, got %d", p.ReplyWorkdays)
		}
		if _, err := time.Parse("01-02", p.AnnualDeadline); err != nil {
			bad(path+".annual_deadline", "%q is not MM-DD", p.AnnualDeadline)
		}
	}
}
