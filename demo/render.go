package demo

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The views are what the page templates see.
type (
	articleView struct {
		Title       string
		Paras       []string
		Time        string // 2006-01-02 15:04:05
		Minute      string // 2006-01-02 15:04
		Date        string // 2006-01-02
		ISO         string // RFC 3339
		Origin      string
		Author      string
		Reprint     string
		Column      string
		ColumnName  string
		ColumnPath  string
		Description string
		Gov         *govView
		Reply       *replyView
		Related     []linkView
	}
	govView struct {
		IndexNo, Theme, Publisher, DocNo, Date string
	}
	replyView struct {
		Dept, Time string
		Text       string
	}
	linkView struct {
		Path, Title, Date, Time, Minute, Author, Column, Status string
	}
	listView struct {
		Heading string
		Path    string
		Items   []linkView
		Page    int
		Pages   int
		Total   int
		Prev    string
		Next    string
		First   string
		Last    string
		Zwgk    []linkView
		Xwfb    []linkView
	}
)

const (
	layoutTime   = "2006-01-02 15:04:05"
	layoutMinute = "2006-01-02 15:04"
	layoutDate   = "2006-01-02"
)

func link(it *item) linkView {
	lv := linkView{Path: it.path(), Title: it.title, Date: it.at.Format(layoutDate), Time: it.at.Format(layoutTime), Minute: it.at.Format(layoutMinute), Author: it.author, Column: it.column}
	if it.site == "board" {
		lv.Status = "待回复"
		if it.reply != nil {
			lv.Status = "已回复"
		}
	}
	return lv
}

func links(items []*item) []linkView {
	out := make([]linkView, len(items))
	for i, it := range items {
		out[i] = link(it)
	}
	return out
}

func article(it *item, related []*item) articleView {
	v := articleView{
		Title: it.title, Paras: it.paras,
		Time: it.at.Format(layoutTime), Minute: it.at.Format(layoutMinute), Date: it.at.Format(layoutDate),
		ISO: it.at.Format(time.RFC3339), Origin: it.origin, Author: it.author, Reprint: it.reprint,
		Column: it.column, Related: links(related),
	}
	if len(it.paras) > 0 {
		v.Description = truncate(it.paras[0], 80)
	}
	if g := it.gov; g != nil {
		v.Gov = &govView{IndexNo: g.indexNo, Theme: g.theme, Publisher: g.publisher, DocNo: g.docNo, Date: g.date}
	}
	if rp := it.reply; rp != nil {
		v.Reply = &replyView{Dept: rp.dept, Time: rp.at.In(model.China).Format(layoutTime), Text: rp.text}
	}
	return v
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func listOf(l listing, path string) listView {
	v := listView{Path: path, Items: links(l.items), Page: l.page, Pages: l.pages, Total: l.total}
	pageURL := func(n int) string {
		if n == 1 {
			return path
		}
		return fmt.Sprintf("%s?page=%d", path, n)
	}
	v.First, v.Last = pageURL(1), pageURL(l.pages)
	if l.page > 1 {
		v.Prev = pageURL(l.page - 1)
	}
	if l.page < l.pages {
		v.Next = pageURL(l.page + 1)
	}
	return v
}

var portalColumns = map[string]string{"latest": "最新信息", "zwgk": "政务公开", "xwfb": "新闻发布"}

func execute(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("cannot render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

func renderPortalHome(zwgk, xwfb listing) ([]byte, error) {
	return execute("portal-home", listView{Zwgk: links(zwgk.items), Xwfb: links(xwfb.items)})
}

func renderPortalList(l listing, column string) ([]byte, error) {
	v := listOf(l, "/portal/"+column+"/")
	v.Heading = portalColumns[column]
	return execute("portal-list", v)
}

func (s *Site) renderPortalArticle(it *item) ([]byte, error) {
	v := article(it, nil)
	v.ColumnName, v.ColumnPath = portalColumns[it.column], "/portal/"+it.column+"/"
	return execute("portal-article", v)
}

func renderNews1List(l listing) ([]byte, error) { return execute("news1-list", listOf(l, "/news1/")) }

func (s *Site) renderNews1Article(it *item) ([]byte, error) {
	return execute("news1-article", article(it, s.related(it, 4)))
}

func renderNews2List(l listing) ([]byte, error) { return execute("news2-list", listOf(l, "/news2/")) }

func (s *Site) renderNews2Article(it *item) ([]byte, error) {
	return execute("news2-article", article(it, s.related(it, 4)))
}

func renderBoardList(l listing) ([]byte, error) { return execute("board-list", listOf(l, "/board/")) }

func renderBoardThread(it *item) ([]byte, error) { return execute("board-thread", article(it, nil)) }

func renderFeedArticle(it *item) ([]byte, error) { return execute("feed-article", article(it, nil)) }

// toGBK encodes a rendered UTF-8 page in GBK. A character GBK lacks is an
// error, not a silent '?', so a template mistake shows up in the tests.
func toGBK(b []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes(b)
	if err != nil {
		return nil, fmt.Errorf("cannot encode page in GBK: %w", err)
	}
	return out, nil
}

// The RSS 2.0 document.
type (
	rssDoc struct {
		XMLName xml.Name   `xml:"rss"`
		Version string     `xml:"version,attr"`
		DC      string     `xml:"xmlns:dc,attr"`
		Channel rssChannel `xml:"channel"`
	}
	rssChannel struct {
		Title         string    `xml:"title"`
		Link          string    `xml:"link"`
		Description   string    `xml:"description"`
		Language      string    `xml:"language"`
		LastBuildDate string    `xml:"lastBuildDate,omitempty"`
		Generator     string    `xml:"generator"`
		Items         []rssItem `xml:"item"`
	}
	rssItem struct {
		Title       string  `xml:"title"`
		Link        string  `xml:"link"`
		GUID        rssGUID `xml:"guid"`
		PubDate     string  `xml:"pubDate"`
		Creator     string  `xml:"dc:creator"`
		Description string  `xml:"description"`
	}
	rssGUID struct {
		IsPermaLink bool   `xml:"isPermaLink,attr"`
		Value       string `xml:",chardata"`
	}
)

// renderFeed renders the RSS 2.0 feed; base is the scheme and host the
// client used, because RSS links must be absolute.
func renderFeed(l listing, base string) ([]byte, error) {
	doc := rssDoc{Version: "2.0", DC: "http://purl.org/dc/elements/1.1/", Channel: rssChannel{
		Title:       feedName,
		Link:        base + "/feed.xml",
		Description: "青岚本地生活资讯：天气、出行、美食、招聘与身边事。",
		Language:    "zh-cn",
		Generator:   "青岚生活圈",
	}}
	for i, it := range l.items {
		pub := it.at.Format(time.RFC1123Z)
		if i == 0 {
			doc.Channel.LastBuildDate = pub
		}
		var body strings.Builder
		for _, p := range it.paras {
			body.WriteString("<p>" + template.HTMLEscapeString(p) + "</p>")
		}
		if it.reprint != "" {
			body.WriteString("<p>（转载自" + template.HTMLEscapeString(it.reprint) + "）</p>")
		}
		u := base + it.path()
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title: it.title, Link: u, GUID: rssGUID{IsPermaLink: true, Value: u},
			PubDate: pub, Creator: it.author, Description: body.String(),
		})
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cannot render the feed: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

const indexHTML = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>演示网站导航</title></head>
<body>
<h1>yuqing 演示网站导航</h1>
<p>以下站点均为 yuqing 生成的模拟网站，内容虚构，仅用于演示舆情监测流程。</p>
<ul>
<li><a href="/portal/">青岚县人民政府</a>（政府门户：政务公开、新闻发布）</li>
<li><a href="/news1/">澜州新闻网</a>（地方媒体，UTF-8 编码）</li>
<li><a href="/news2/">江右网</a>（省级媒体，GBK 编码）</li>
<li><a href="/board/">青岚县网民留言板</a>（网民留言）</li>
<li><a href="/feed.xml">青岚生活圈</a>（自媒体 RSS 订阅）</li>
</ul>
</body></html>
`

const adminHTML = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>网站管理系统登录</title></head>
<body>
<h1>青岚县人民政府网站管理系统</h1>
<p>本页面仅限网站管理员访问，已被 robots.txt 禁止抓取。</p>
<form><label>用户名 <input name="u"></label><label>密码 <input name="p" type="password"></label><button type="button">登录</button></form>
</body></html>
`

// pages holds every page template. It is parsed once and never modified.
var pages = template.Must(template.New("demo").Parse(pageTemplates))

const pageTemplates = `
{{define "portal-head"}}<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="SiteName" content="青岚县人民政府">
{{end}}

{{define "portal-top"}}<div class="top-bar"><span>欢迎访问青岚县人民政府网站</span><a href="/portal/">无障碍浏览</a> <a href="/portal/">长者模式</a></div>
<div class="header"><div class="logo">青岚县人民政府</div>
<ul class="nav"><li><a href="/portal/">首页</a></li><li><a href="/portal/zwgk/">政务公开</a></li><li><a href="/portal/xwfb/">新闻发布</a></li><li><a href="/board/">政民互动</a></li><li><a href="/portal/latest/">最新信息</a></li></ul>
<form class="search"><input name="q" placeholder="请输入关键词"><button type="button">搜索</button></form></div>
{{end}}

{{define "portal-footer"}}<div class="footer">
<p><a href="/portal/">网站地图</a> | <a href="/portal/">联系我们</a> | <a href="/portal/admin/">网站管理</a></p>
<p>主办：青岚县人民政府办公室　承办：青岚县大数据发展中心</p>
<p>网站标识码：3612210001　赣ICP备20260012号-1　赣公网安备 36122102000123号</p>
</div>
</body>
</html>
{{end}}

{{define "portal-home"}}{{template "portal-head"}}<title>青岚县人民政府</title>
</head>
<body>
{{template "portal-top"}}
<div class="main">
<div class="column"><h2><a href="/portal/zwgk/">政务公开</a></h2><ul class="list">
{{range .Zwgk}}<li><a href="{{.Path}}" title="{{.Title}}">{{.Title}}</a><span class="date">{{.Date}}</span></li>
{{end}}</ul><a class="more" href="/portal/zwgk/">更多&gt;&gt;</a></div>
<div class="column"><h2><a href="/portal/xwfb/">新闻发布</a></h2><ul class="list">
{{range .Xwfb}}<li><a href="{{.Path}}" title="{{.Title}}">{{.Title}}</a><span class="date">{{.Date}}</span></li>
{{end}}</ul><a class="more" href="/portal/xwfb/">更多&gt;&gt;</a></div>
{{template "portal-census"}}</div>
{{template "portal-footer"}}{{end}}

{{define "portal-list"}}{{template "portal-head"}}<title>{{.Heading}}_青岚县人民政府</title>
</head>
<body>
{{template "portal-top"}}
<div class="crumb">当前位置：<a href="/portal/">首页</a> &gt; <a href="{{.Path}}">{{.Heading}}</a></div>
<div class="main">
<h2 class="column-title">{{.Heading}}</h2>
<ul class="list">
{{range .Items}}<li><a href="{{.Path}}" target="_blank" title="{{.Title}}">{{.Title}}</a><span class="date">{{.Date}}</span></li>
{{end}}</ul>
<div class="page">共{{.Total}}条　第{{.Page}}/{{.Pages}}页　<a href="{{.First}}">首页</a>{{if .Prev}} <a class="prev" href="{{.Prev}}">上一页</a>{{end}}{{if .Next}} <a class="next" href="{{.Next}}">下一页</a>{{end}} <a href="{{.Last}}">尾页</a></div>
</div>
{{template "portal-footer"}}{{end}}

{{define "portal-article"}}{{template "portal-head"}}<title>{{.Title}}_青岚县人民政府</title>
<meta name="ColumnName" content="{{.ColumnName}}">
<meta name="ArticleTitle" content="{{.Title}}">
<meta name="PubDate" content="{{.Minute}}">
<meta name="ContentSource" content="{{.Origin}}">
<meta name="publishdate" content="{{.Date}}">
<meta name="description" content="{{.Description}}">
</head>
<body>
{{template "portal-top"}}
<div class="crumb">当前位置：<a href="/portal/">首页</a> &gt; <a href="{{.ColumnPath}}">{{.ColumnName}}</a> &gt; 正文</div>
<div class="main">
{{with .Gov}}<table class="xxgk-meta">
<tr><th>索引号：</th><td>{{.IndexNo}}</td><th>主题分类：</th><td>{{.Theme}}</td></tr>
<tr><th>发布机构：</th><td>{{.Publisher}}</td><th>发文日期：</th><td>{{.Date}}</td></tr>
<tr><th>文　　号：</th><td>{{if .DocNo}}{{.DocNo}}{{else}}无{{end}}</td><th>有 效 性：</th><td>有效</td></tr>
<tr><th>标　　题：</th><td colspan="3">{{$.Title}}</td></tr>
</table>
{{end}}<div class="article">
<h1>{{.Title}}</h1>
<div class="info">发布时间：{{.Time}}　来源：{{.Origin}}　【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div id="zoom" class="article-content TRS_Editor">
{{range .Paras}}<p>{{.}}</p>
{{end}}</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a>　【<a href="#">打印本页</a>】【<a href="#">关闭窗口</a>】</div>
</div>
</div>
{{template "portal-footer"}}{{end}}

{{define "news1-top"}}<div class="topbar">澜州日报社主办　<a href="/news1/">澜州新闻网</a>　<a href="/news1/">登录</a> | <a href="/news1/">注册</a></div>
<div class="header"><a class="logo" href="/news1/">澜州新闻网</a>
<ul class="nav"><li><a href="/news1/">首页</a></li><li><a href="/news1/">本地新闻</a></li><li><a href="/news1/">民生</a></li><li><a href="/news1/">社会</a></li><li><a href="/news1/">经济</a></li><li><a href="/news1/">县域</a></li><li><a href="/news1/">图片</a></li></ul></div>
{{end}}

{{define "news1-footer"}}<div class="footer">
<p><a href="/news1/">关于我们</a> | <a href="/news1/">广告服务</a> | <a href="/news1/">联系方式</a> | <a href="/news1/">违法和不良信息举报</a></p>
<p>澜州新闻网版权所有，未经书面授权禁止转载、摘编或建立镜像</p>
<p>互联网新闻信息服务许可证：36120170001　赣ICP备2026000号-3</p>
</div>
</body>
</html>
{{end}}

{{define "news1-list"}}<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>澜州新闻网_澜州日报社主办</title>
</head>
<body>
{{template "news1-top"}}
<div class="container">
<ul class="news-list">
{{range .Items}}<li><h3><a href="{{.Path}}" target="_blank">{{.Title}}</a></h3><span class="time">{{.Time}}</span></li>
{{end}}</ul>
<div class="pager"><a href="{{.First}}">首页</a>{{if .Prev}} <a class="prev" href="{{.Prev}}">上一页</a>{{end}} <span>{{.Page}}/{{.Pages}}</span>{{if .Next}} <a class="next" href="{{.Next}}">下一页</a>{{end}} <a href="{{.Last}}">末页</a></div>
</div>
{{template "news1-footer"}}{{end}}

{{define "news1-article"}}<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.Title}}_澜州新闻网</title>
<meta name="description" content="{{.Description}}">
<meta name="publishdate" content="{{.Time}}">
<meta property="article:published_time" content="{{.ISO}}">
<meta name="author" content="{{.Author}}">
<meta name="source" content="{{.Origin}}">
</head>
<body>
{{template "news1-top"}}
<div class="container">
<div class="crumb"><a href="/news1/">澜州新闻网</a> &gt; <a href="/news1/">{{.Column}}</a> &gt; 正文</div>
<div class="main">
<h1>{{.Title}}</h1>
<div class="info">{{.Time}}　来源：{{.Origin}}　作者：{{.Author}}</div>
<div class="share-bar">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="article-content">
{{range .Paras}}<p>{{.}}</p>
{{end}}{{if .Reprint}}<p class="reprint">（转载自{{.Reprint}}）</p>
{{end}}</div>
<div class="editor">【责任编辑：澜州日报新媒体中心】</div>
{{if .Related}}<div class="related"><h3>相关阅读</h3><ul>
{{range .Related}}<li><a href="{{.Path}}">{{.Title}}</a></li>
{{end}}</ul></div>{{end}}
</div>
<div class="sidebar"><h3>推荐</h3><ul><li><a href="/news1/">澜州新闻网客户端上线</a></li><li><a href="/news1/">新闻线索征集</a></li></ul></div>
</div>
{{template "news1-footer"}}{{end}}

{{define "news2-top"}}<div id="top"><a href="/news2/">江右网首页</a> | <a href="/news2/">新闻</a> | <a href="/news2/">评论</a> | <a href="/news2/">财经</a> | <a href="/news2/">文旅</a> | <a href="/news2/">江右晨报电子版</a></div>
{{end}}

{{define "news2-footer"}}<div id="footer">
<p>江右晨报社主办　版权所有　未经许可不得转载</p>
<p>新闻热线：12345678　赣ICP备2026011号　增值电信业务经营许可证</p>
</div>
</body>
</html>
{{end}}

{{define "news2-list"}}<!DOCTYPE html>
<html>
<head>
<meta charset="gbk">
<title>江右网_新闻中心</title>
</head>
<body>
{{template "news2-top"}}
<div class="list_box"><h2>新闻中心</h2>
<ul>
{{range .Items}}<li><a href="{{.Path}}" target="_blank">{{.Title}}</a> <span>{{.Minute}}</span></li>
{{end}}</ul></div>
<div class="pages">第{{.Page}}页 共{{.Pages}}页{{if .Prev}} <a class="prev" href="{{.Prev}}">上一页</a>{{end}}{{if .Next}} <a class="next" href="{{.Next}}">下一页</a>{{end}}</div>
{{template "news2-footer"}}{{end}}

{{define "news2-article"}}<!DOCTYPE html>
<html>
<head>
<meta charset="gbk">
<title>{{.Title}}_江右网</title>
<meta name="publishdate" content="{{.Time}}">
<meta property="article:published_time" content="{{.ISO}}">
<meta name="description" content="{{.Description}}">
</head>
<body>
{{template "news2-top"}}
<div class="main_title">
<h1>{{.Title}}</h1>
<div class="info"><span class="time">{{.Time}}</span>　<span class="source">来源：{{.Origin}}</span>　<span class="author">作者：{{.Author}}</span></div>
</div>
<div class="article-content">
{{range .Paras}}<p>{{.}}</p>
{{end}}{{if .Reprint}}<p>（来源：{{.Reprint}}）</p>
{{end}}</div>
<div class="share">分享：<a href="#">微信</a> <a href="#">微博</a> 【<a href="#">打印</a>】【<a href="#">关闭</a>】</div>
{{if .Related}}<div class="xgxw"><h3>相关新闻</h3><ul>
{{range .Related}}<li><a href="{{.Path}}">{{.Title}}</a> {{.Date}}</li>
{{end}}</ul></div>{{end}}
{{template "news2-footer"}}{{end}}

{{define "board-top"}}<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
{{end}}

{{define "board-nav"}}<div class="header"><a href="/board/">青岚县网民留言板</a>　<a href="/portal/">青岚县人民政府</a>　<span>我要留言</span>　<span>留言须知</span></div>
{{end}}

{{define "board-footer"}}<div class="footer"><p>留言须知：请文明留言，不得发布违法违规信息。留言办理情况以回复单位回复为准。</p><p>青岚县人民政府办公室主办</p></div>
</body>
</html>
{{end}}

{{define "board-list"}}{{template "board-top"}}<title>网民留言_青岚县网民留言板</title>
</head>
<body>
{{template "board-nav"}}
<table class="threads">
<tr><th>标题</th><th>留言对象</th><th>留言人</th><th>留言时间</th><th>状态</th></tr>
{{range .Items}}<tr><td class="title"><a href="{{.Path}}" target="_blank">{{.Title}}</a></td><td>{{.Column}}</td><td>{{.Author}}</td><td>{{.Time}}</td><td>{{.Status}}</td></tr>
{{end}}</table>
<div class="page">共{{.Total}}条 {{.Page}}/{{.Pages}}{{if .Prev}} <a class="prev" href="{{.Prev}}">上一页</a>{{end}}{{if .Next}} <a class="next" href="{{.Next}}">下一页</a>{{end}}</div>
{{template "board-footer"}}{{end}}

{{define "board-thread"}}{{template "board-top"}}<title>{{.Title}}_青岚县网民留言板</title>
</head>
<body>
{{template "board-nav"}}
<div class="thread">
<h1>{{.Title}}</h1>
<div class="msg-info"><span>留言人：{{.Author}}</span>　<span>留言时间：{{.Time}}</span>　<span>留言对象：{{.Column}}</span></div>
<div class="msg-content article-content">
{{range .Paras}}<p>{{.}}</p>
{{end}}</div>
{{with .Reply}}<div class="reply"><div class="reply-info">回复单位：{{.Dept}}　回复时间：{{.Time}}</div><div class="reply-content">{{.Text}}</div></div>
{{end}}</div>
{{template "board-footer"}}{{end}}

{{define "feed-article"}}<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<meta property="og:title" content="{{.Title}}">
<meta property="article:published_time" content="{{.ISO}}">
</head>
<body>
<div class="rich_media">
<h1 class="rich_media_title">{{.Title}}</h1>
<div class="rich_media_meta"><span class="author">{{.Author}}</span> <em id="publish_time">{{.Minute}}</em></div>
<div class="rich_media_content article-content">
{{range .Paras}}<p>{{.}}</p>
{{end}}{{if .Reprint}}<p>转载自{{.Reprint}}</p>
{{end}}</div>
<div class="tail">喜欢就点个“在看”吧｜<a href="/feed.xml">订阅青岚生活圈</a></div>
</div>
</body>
</html>
{{end}}
`
