package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/store"
)

// page is what every page is rendered with: the layout's fields (title,
// the navigation's active entry, the CSRF token and the signed-in person,
// both empty until the console has accounts) and the page's own Data.
type page struct {
	Title, Active string
	CSRFToken     string
	User          User
	// Screen is the wall-screen (大屏) mode: dark, no controls.
	Screen bool
	// Scripts are the page's own scripts under /assets/.
	Scripts []string
	Data    any
}

func (c *Console) page(w http.ResponseWriter, r *http.Request, name, title, active string, data any, scripts ...string) {
	c.render(w, r, http.StatusOK, name, page{Title: title, Active: active, Data: data, Scripts: scripts})
}

// overviewPage is the data of the 态势总览.
type overviewPage struct {
	Window  window
	Windows []option
	Filter  store.Filter
	// Query is the page's query string, for the chart data and the links.
	Query      string
	ScreenLink string
	Overview   readmodel.Overview
	Schemes    []readmodel.NamedCount
	Regions    []readmodel.NamedCount
}

type option struct{ Key, Name string }

var windowOptions = []option{{"today", "今天"}, {"24h", "24小时"}, {"7d", "7天"}, {"30d", "30天"}, {"all", "全部"}, {"custom", "自定义"}}

var overviewParams = []string{"screen"}

// home is the 态势总览: a window and scope, the figures of the read side
// as charts (drawn from /api/v1/overview by home.js), the events by heat,
// the negative posts to look at and the open incidents by deadline. With
// screen=1 it is the wall screen.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, filterParams, overviewParams); err != nil {
		c.failPage(w, r, err)
		return
	}
	f, win, err := c.parseFilter(r, "24h")
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	o, err := c.views.Overview(r.Context(), f, win.Step)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	// The scope controls list every scheme and region of the window.
	all := f
	all.Scheme, all.Region = "", ""
	scope, err := c.st.PostFacets(r.Context(), store.FacetQuery{Filter: store.Filter{Since: f.Since, Until: f.Until},
		By: []store.Dimension{store.ByScheme, store.ByRegion}, Limit: 100})
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	names := func(d store.Dimension) []readmodel.NamedCount {
		var out []readmodel.NamedCount
		for _, v := range scope.By[d] {
			out = append(out, readmodel.NamedCount{Key: v.Key, Name: cmpOr(v.Label, v.Key), Count: v.Count})
		}
		return out
	}
	q := r.URL.Query()
	q.Del("screen")
	data := overviewPage{Window: win, Windows: windowOptions, Filter: f, Query: q.Encode(), ScreenLink: "/screen?" + q.Encode(), Overview: o,
		Schemes: names(store.ByScheme), Regions: names(store.ByRegion)}
	p := page{Title: "态势总览", Active: "home", Data: data, Scripts: []string{"echarts.min.js", "echarts-wordcloud.min.js", "charts.js", "home.js"}}
	if r.URL.Query().Get("screen") != "" || r.URL.Path == "/screen" {
		p.Screen, p.Title = true, "态势大屏"
	}
	c.render(w, r, http.StatusOK, "home", p)
}

// overviewAPI answers the overview's figures as JSON: the charts' data.
func (c *Console) overviewAPI(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, filterParams); err != nil {
		c.fail(w, r, err)
		return
	}
	f, win, err := c.parseFilter(r, "24h")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	o, err := c.views.Overview(r.Context(), f, win.Step)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"window": win.Name, "overview": o})
}

// failPage answers an error on a page: a bad parameter or a missing item
// as a page in Chinese, anything else as fail does.
func (c *Console) failPage(w http.ResponseWriter, r *http.Request, err error) {
	var bad *badParam
	code, text := 0, ""
	switch {
	case asBad(err, &bad):
		name := paramNames[bad.name]
		if name == "" {
			name = "未知条件"
		}
		code, text = http.StatusBadRequest, "查询条件有误："+name+"「"+bad.value+"」无法识别。请返回修改后重试，或清除条件重新开始。"
	case isNotFound(err):
		code, text = http.StatusNotFound, "没有找到该页面所指的内容，可能已被删除或链接有误。"
	default:
		c.fail(w, r, err)
		return
	}
	c.render(w, r, code, "error", page{Title: "无法显示", Data: text})
}

// paramNames are the query parameters as people call them.
var paramNames = map[string]string{"q": "关键词", "source": "信息源", "sentiment": "倾向", "scheme": "监测方案", "region": "地区",
	"topic": "话题", "tier": "权威级别", "kind": "来源类型", "since": "起始日期", "until": "截止日期", "window": "时间范围",
	"page": "页码", "closed": "范围", "level": "级别", "state": "状态", "assignee": "处置人", "screen": "大屏模式",
	"incident": "已立案", "event": "事件", "sort": "排序"}

// incidentsPage is the 处置台: the open incidents with a countdown to each
// deadline (incidents.js), or with closed=1 the closed ones, the 案例库.
func (c *Console) incidentsPage(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, []string{"closed", "level", "state", "assignee", "q"}); err != nil {
		c.failPage(w, r, err)
		return
	}
	q := r.URL.Query()
	closed := q.Get("closed") == "1"
	incs, err := c.st.ListIncidents(r.Context(), store.IncidentQuery{OnlyOpen: !closed, Limit: 1000})
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	var rows []readmodel.IncidentRow
	assignees := map[string]bool{}
	for _, inc := range incs {
		if inc.Open == closed {
			continue
		}
		if inc.Assignee != "" {
			assignees[inc.Assignee] = true
		}
		if l := q.Get("level"); l != "" && inc.Level != l {
			continue
		}
		if s := q.Get("state"); s != "" && inc.State != s {
			continue
		}
		if a := q.Get("assignee"); a != "" && inc.Assignee != a {
			continue
		}
		if t := strings.TrimSpace(q.Get("q")); t != "" && !strings.Contains(inc.Title, t) {
			continue
		}
		rows = append(rows, readmodel.NewIncidentRow(inc))
	}
	if !closed {
		readmodel.SortByDeadline(rows)
	}
	var names []string
	for a := range assignees {
		names = append(names, a)
	}
	slices.Sort(names)
	title := "处置台"
	if closed {
		title = "案例库"
	}
	c.page(w, r, "incidents", title, "incidents", map[string]any{"Rows": rows, "Closed": closed, "Level": q.Get("level"),
		"State": q.Get("state"), "Assignee": q.Get("assignee"), "Q": q.Get("q"), "Assignees": names,
		"States": []string{model.StatePending, model.StateConfirmed, model.StateHandling, model.StateResponded, model.StateClosed, model.StateFalseAlarm},
		"Levels": []string{"I", "II", "III", "IV"}, "Now": c.now()}, "incidents.js")
}

// incidentData is the data of an incident's page.
type incidentData struct {
	readmodel.IncidentView
	Lines []readmodel.HistoryLine
	// Deliveries are the alerts as people read them.
	Deliveries []deliveryLine
	// Pending are the obligations an action may name.
	Rules []model.Obligation
	// Response is the time from the clock's start to the first response,
	// for a closed incident: the case library's latency.
	Response string
}

type deliveryLine struct {
	At, What, Channel, Recipient, Status, Error string
	Failed, Sent                                bool
	Attempts                                    int
}

// incidentPage shows one incident to duty staff: its figures, its
// deadlines with the rule each comes from, the forms of every action the
// API offers (shown as the person may), its alerts and its history, all in
// Chinese. Alerts link here.
func (c *Console) incidentPage(w http.ResponseWriter, r *http.Request) {
	v, err := c.views.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	obs := readmodel.ObligationsOf(v.Incident)
	d := incidentData{IncidentView: v, Lines: readmodel.History(v.Incident, v.History), Rules: v.Incident.Obligations}
	for _, dl := range v.Deliveries {
		d.Deliveries = append(d.Deliveries, deliveryLine{At: readmodel.Time(dl.At), What: readmodel.NotificationName(obs, dl.NotificationKey),
			Channel: dl.Channel, Recipient: dl.Recipient, Status: readmodel.DeliveryStatus(dl.Status), Error: readmodel.Text(dl.Error),
			Failed: dl.Status == "failed", Sent: dl.Status == "sent", Attempts: dl.Attempts})
	}
	d.Response = readmodel.NewIncidentRow(v.Incident).Latency
	c.page(w, r, "incident", v.Incident.Title, "incidents", d, "incident.js", "incidents.js")
}

// sourceRow is a source on the settings page: its configuration and how
// many posts of it the store holds (counted by the read side).
type sourceRow struct {
	SourceInfo
	Day, Week, All int64
	Configured     bool
}

// settingsPage shows the sources with their posts per day and week, the
// duty officer now and the escalation chain, the notification channels,
// the rules in force with their quotes and the user dictionary with
// controls to add and remove words.
func (c *Console) settingsPage(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		c.failPage(w, r, err)
		return
	}
	ctx := r.Context()
	dict, err := c.st.UserDictionary(ctx)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	now := c.now()
	counts := map[string]*sourceRow{}
	var rows []*sourceRow
	for _, s := range c.settings.Sources {
		row := &sourceRow{SourceInfo: s, Configured: true}
		counts[s.ID] = row
		rows = append(rows, row)
	}
	// The sources people added in the console are configured too, under
	// the names they have now.
	stored, _, err := c.sourceItems(r)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	for _, s := range stored {
		info := SourceInfo{ID: s.ID, Name: s.Name, Kind: s.Kind, Authority: s.Authority, URL: s.URL}
		if row := counts[s.ID]; row != nil {
			row.SourceInfo = info
			continue
		}
		row := &sourceRow{SourceInfo: info, Configured: true}
		counts[s.ID] = row
		rows = append(rows, row)
	}
	for _, span := range []struct {
		since time.Time
		set   func(*sourceRow, int64)
	}{
		{now.Add(-24 * time.Hour), func(r *sourceRow, n int64) { r.Day = n }},
		{now.Add(-7 * 24 * time.Hour), func(r *sourceRow, n int64) { r.Week = n }},
		{time.Time{}, func(r *sourceRow, n int64) { r.All = n }},
	} {
		f := store.Filter{Since: span.since}
		if !span.since.IsZero() {
			f.Until = now
		}
		fs, err := c.st.PostFacets(ctx, store.FacetQuery{Filter: f, By: []store.Dimension{store.BySource}})
		if err != nil {
			c.failPage(w, r, err)
			return
		}
		for _, v := range fs.By[store.BySource] {
			row := counts[v.Key]
			if row == nil {
				row = &sourceRow{SourceInfo: SourceInfo{ID: v.Key, Name: cmpOr(v.Label, v.Key)}}
				counts[v.Key] = row
				rows = append(rows, row)
			}
			span.set(row, v.Count)
		}
	}
	type duty struct{ Step, Name, Title string }
	var chain []duty
	ros, err := c.rosterNow(r)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	for _, d := range ros.chain(now) {
		name := "无人值班"
		if d.On {
			name = d.Who.Name
		}
		chain = append(chain, duty{d.Label, name, d.Who.Title})
	}
	data := map[string]any{"Words": dict.Words, "Sources": rows, "Channels": c.settings.Channels, "Duty": chain}
	if c.rules != nil {
		data["Rules"] = c.rules.Rules
	}
	c.page(w, r, "settings", "设置", "settings", data, "settings.js")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
