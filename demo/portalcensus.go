package demo

import (
	"fmt"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// The county portal's own-house columns: what the national 政府网站普查
// inspects besides the news. They are static, dated relative to the
// scenario epoch, and carry the faults the inspector must find (see
// PlantedFaults): an empty column, a column not updated for months, dead
// links (two on the portal, one to an unreachable outside address), and a
// 网民留言 left unanswered for weeks. Everything else is in order: the
// 政府信息公开指南 with every 依申请公开 item, the 目录, the annual reports,
// the other columns within their limits.

// censusColumn is one static column of the portal.
type censusColumn struct {
	key, name, category string
	// items are (title, age in days before the epoch, path or "" for an
	// article of the column).
	items []censusItem
}

type censusItem struct {
	title string
	days  int
	href  string // a link elsewhere; "" is the item's own page
}

// unreachableURL is an outside address nothing answers on: the link to it
// is dead (connection refused).
const unreachableURL = "http://127.0.0.2:1/"

var censusColumns = []censusColumn{
	{key: "tzgg", name: "通知公告", category: "notice", items: []censusItem{
		{title: "关于做好春节期间值班值守工作的通知", days: 240},
		{title: "关于开展安全生产大检查的通知", days: 260, href: "/portal/tzgg/t_removed.html"},
		{title: "关于公布县级权责清单的公告", days: 300},
	}},
	{key: "zcwj", name: "政策文件", category: "notice", items: []censusItem{
		{title: "青岚县人民政府关于印发《青岚县优化营商环境若干措施》的通知", days: 35},
		{title: "青岚县人民政府办公室关于进一步做好稳就业工作的通知", days: 80},
	}},
	{key: "rsxx", name: "人事信息", category: "plan", items: []censusItem{
		{title: "青岚县2026年公开招聘事业单位工作人员公告", days: 95},
	}},
	{key: "ghjh", name: "规划计划", category: "plan", items: []censusItem{
		{title: "青岚县国民经济和社会发展年度计划", days: 150},
	}},
	{key: "zxft", name: "在线访谈", category: "other"},
}

// plantedThread is the 网民留言 left unanswered for five weeks: past any
// local limit (5, 10 or 15 working days, holidays included), short of the
// census's three months.
var plantedThread = struct {
	path, title, author, column string
	days                        int
	paras                       []string
}{
	path: "/board/thread-4990.html", title: "城南小区门口路灯损坏一个多月无人维修", author: "青岚居民", column: "县长信箱", days: 35,
	paras: []string{"县长您好：城南小区东门外的三盏路灯已经坏了一个多月，晚上出行很不安全，老人和孩子经过时常常摔倒。",
		"曾拨打过物业和社区电话，都说不归他们管。恳请有关部门尽快安排维修。"},
}

// PlantedFaults lists, for tests, what the inspector must find on the demo
// portal: kind → the subjects of the findings (a column's name, a dead
// link's text, a message's title).
func PlantedFaults() map[string][]string {
	return map[string][]string{
		model.FindingEmptyColumn:       {"在线访谈"},
		model.FindingStaleColumn:       {"通知公告"},
		model.FindingDeadLink:          {"县长信箱", "关于开展安全生产大检查的通知", "青岚县融媒体中心"},
		model.FindingUnansweredMessage: {plantedThread.title},
	}
}

// InspectPortal is the inspector's configuration of the demo's county
// portal.
func (s *Site) InspectPortal() config.InspectPortal { return InspectPortalAt(s.URL()) }

// RunningURL returns the base URL of the demo web a process serves with
// stateDir as its state directory (it writes its address there), for a
// one-shot command that inspects it; ok is false when there is none.
func RunningURL(stateDir string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(stateDir, addrFile))
	if err != nil {
		return "", false
	}
	return "http://" + strings.TrimSpace(string(b)), true
}

// InspectPortalAt is the inspector's configuration of the demo's county
// portal served at base (http://host:port).
func InspectPortalAt(baseURL string) config.InspectPortal {
	s := struct{ base string }{baseURL}
	base := s.base + "/portal/"
	p := config.InspectPortal{ID: siteByKey("portal").id, Name: portalName, Unit: "", Home: base, AllowPrivate: true, Items: "ul.list li",
		Columns: []config.InspectColumn{{Name: "政务公开", URL: base + "zwgk/", Category: "notice"}, {Name: "新闻发布", URL: base + "xwfb/", Category: "news"}},
		Board:   config.InspectBoard{URL: s.base + "/board/", MaxPages: 50}, ReplyWorkdays: 10, AnnualDeadline: "03-31"}
	for _, c := range censusColumns {
		p.Columns = append(p.Columns, config.InspectColumn{Name: c.name, URL: base + c.key + "/", Category: c.category})
	}
	return p
}

// censusDate is the day n days before the epoch, as the portal shows it.
func (s *Site) censusDate(days int) time.Time {
	return s.epoch.In(model.China).AddDate(0, 0, -days)
}

// serveCensus serves the static columns, their articles, the 信息公开
// pages and the dead link's absence; it reports false for other paths.
func (s *Site) serveCensus(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	for _, c := range censusColumns {
		prefix := "/portal/" + c.key + "/"
		if p == prefix {
			var items []linkView
			for i, it := range c.items {
				href := it.href
				if href == "" {
					href = fmt.Sprintf("%sc%d.html", prefix, i)
				}
				items = append(items, linkView{Path: href, Title: it.title, Date: s.censusDate(it.days).Format(layoutDate)})
			}
			s.renderCensus(w, r, "census-list", map[string]any{"Heading": c.name, "Path": prefix, "Items": items})
			return true
		}
		for i, it := range c.items {
			if it.href == "" && p == fmt.Sprintf("%sc%d.html", prefix, i) {
				d := s.censusDate(it.days)
				s.renderCensus(w, r, "census-article", map[string]any{"Heading": c.name, "Path": prefix, "Title": it.title,
					"Date": d.Format(layoutDate), "Paras": []string{it.title + "。", "特此通知。"}})
				return true
			}
		}
	}
	switch p {
	case "/portal/xxgk/zn.html":
		s.renderCensus(w, r, "census-guide", nil)
	case "/portal/xxgk/ml/":
		s.renderCensus(w, r, "census-catalog", nil)
	case "/portal/xxgk/nb/":
		var items []linkView
		year := s.epoch.In(model.China).Year()
		for y := year - 1; y >= year-3; y-- {
			published := time.Date(y+1, 1, 20, 9, 0, 0, 0, model.China)
			if published.After(s.epoch) {
				continue
			}
			items = append(items, linkView{Path: fmt.Sprintf("/portal/xxgk/nb/%d.html", y), Title: fmt.Sprintf("青岚县人民政府%d年政府信息公开工作年度报告", y),
				Date: published.Format(layoutDate)})
		}
		s.renderCensus(w, r, "census-list", map[string]any{"Heading": "政府信息公开年度报告", "Path": p, "Items": items})
	default:
		var y int
		if _, err := fmt.Sscanf(p, "/portal/xxgk/nb/%d.html", &y); err == nil && strings.HasSuffix(p, ".html") {
			year := s.epoch.In(model.China).Year()
			if y >= year-3 && y < year && !time.Date(y+1, 1, 20, 9, 0, 0, 0, model.China).After(s.epoch) {
				s.renderCensus(w, r, "census-article", map[string]any{"Heading": "政府信息公开年度报告", "Path": "/portal/xxgk/nb/",
					"Title": fmt.Sprintf("青岚县人民政府%d年政府信息公开工作年度报告", y), "Date": fmt.Sprintf("%d-01-20", y+1),
					"Paras": []string{"本报告根据《中华人民共和国政府信息公开条例》第五十条编制。"}})
				return true
			}
		}
		return false
	}
	return true
}

func (s *Site) renderCensus(w http.ResponseWriter, r *http.Request, name string, data any) {
	body, err := execute(name, data)
	if err != nil {
		s.log.Error("demo web cannot render a census page", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.send(w, r, htmlUTF8, body, s.epoch.Truncate(time.Second))
}

// plantedItem is the unanswered thread as a board item.
func (s *Site) plantedItem() *item {
	return &item{site: "board", pos: 4990 - siteByKey("board").idBase, at: s.censusDate(plantedThread.days).Add(-7 * time.Hour), column: plantedThread.column,
		title: plantedThread.title, paras: plantedThread.paras, author: plantedThread.author}
}

// The static columns' pages, in the portal's style, defined into pages
// (the portal's template set) when the package loads.
var _ = template.Must(pages.New("census").Parse(`
{{define "census-list"}}{{template "portal-head"}}<title>{{.Heading}}_青岚县人民政府</title>
</head>
<body>
{{template "portal-top"}}
<div class="crumb">当前位置：<a href="/portal/">首页</a> &gt; <a href="{{.Path}}">{{.Heading}}</a></div>
<div class="main">
<h2 class="column-title">{{.Heading}}</h2>
<ul class="list">
{{range .Items}}<li><a href="{{.Path}}" target="_blank" title="{{.Title}}">{{.Title}}</a><span class="date">{{.Date}}</span></li>
{{end}}</ul>
</div>
{{template "portal-footer"}}{{end}}

{{define "census-article"}}{{template "portal-head"}}<title>{{.Title}}_青岚县人民政府</title>
</head>
<body>
{{template "portal-top"}}
<div class="crumb">当前位置：<a href="/portal/">首页</a> &gt; <a href="{{.Path}}">{{.Heading}}</a> &gt; 正文</div>
<div class="main"><div class="article"><h1>{{.Title}}</h1><div class="info">发布时间：{{.Date}}</div>
<div class="article-content">{{range .Paras}}<p>{{.}}</p>{{end}}</div></div></div>
{{template "portal-footer"}}{{end}}

{{define "census-guide"}}{{template "portal-head"}}<title>政府信息公开指南_青岚县人民政府</title>
</head>
<body>
{{template "portal-top"}}
<div class="main"><div class="article"><h1>青岚县人民政府政府信息公开指南</h1><div class="article-content">
<p>一、主动公开：政府信息的分类、编排体系和获取方式见政府信息公开目录。</p>
<p>二、依申请公开。申请方式：当面提交、邮寄或通过网上申请平台提交。申请表：可在本页下载《青岚县政府信息公开申请表》。办理流程图：受理—登记—审核—答复。收费标准：依法不收取费用，申请量明显超过合理范围的按规定收取信息处理费。</p>
<p>受理地址：青岚县人民政府办公室政务公开股（青岚县行政中心三楼）。办公时间：工作日上午8:30—12:00，下午14:30—17:30。联系方式：联系电话0796-1234567，传真0796-1234568。</p>
</div></div></div>
{{template "portal-footer"}}{{end}}

{{define "census-catalog"}}{{template "portal-head"}}<title>政府信息公开目录_青岚县人民政府</title>
</head>
<body>
{{template "portal-top"}}
<div class="main"><h2 class="column-title">政府信息公开目录</h2>
<p>机构职能　政策文件　规划计划　财政预决算　人事信息　重点领域信息公开</p></div>
{{template "portal-footer"}}{{end}}

{{define "portal-census"}}<div class="column"><h2>政务公开专栏</h2><ul class="links">
<li><a href="/portal/tzgg/">通知公告</a></li><li><a href="/portal/zcwj/">政策文件</a></li><li><a href="/portal/rsxx/">人事信息</a></li>
<li><a href="/portal/ghjh/">规划计划</a></li><li><a href="/portal/zxft/">在线访谈</a></li>
<li><a href="/portal/xxgk/zn.html">政府信息公开指南</a></li><li><a href="/portal/xxgk/ml/">政府信息公开目录</a></li>
<li><a href="/portal/xxgk/nb/">政府信息公开年度报告</a></li><li><a href="/portal/xxgk/xzxx.html">县长信箱</a></li>
<li><a href="` + unreachableURL + `">青岚县融媒体中心</a></li></ul></div>
{{end}}
`))
