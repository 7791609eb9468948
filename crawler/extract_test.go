package crawler

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"

	"golang.org/x/text/encoding/traditionalchinese"
)

// para is a paragraph long enough to be taken for an article body.
const para = "为进一步加强和改进政务公开工作，切实保障人民群众的知情权、参与权、表达权和监督权，根据有关规定，结合我县实际，现就有关事项通知如下。"

func page(head, body string) string {
	return `<html><head><meta charset="utf-8">` + head + `</head><body>` + body + `</body></html>`
}

func TestExtract(t *testing.T) {
	fetched := time.Date(2026, 11, 21, 12, 0, 0, 0, model.China)
	type want struct {
		title, author, origin, source string
		published                     time.Time
		docNumber, indexNumber        string
		issuer                        string
		bodyHas, bodyLacks            string
	}
	for _, tc := range []struct {
		name, url, html string
		want            want
	}{
		{
			name: "labelled date, source and author under the title",
			url:  "http://www.example.gov.cn/zwgk/a.html",
			html: page(`<title>关于做好政务公开工作的通知_某县人民政府网</title>`,
				`<div class="nav"><a href="/">首页</a></div><h1>关于做好政务公开工作的通知</h1>
<div>发布日期：2015年04月23日 来源：县政府办公室 作者：王芳</div><div id="zoom"><p>`+para+`</p><p>`+para+`</p></div>
<div>版权所有：某县人民政府 ICP备案：某ICP备00000001号</div>`),
			want: want{title: "关于做好政务公开工作的通知", author: "王芳", origin: "县政府办公室", source: TimeFromText,
				published: time.Date(2015, 4, 23, 0, 0, 0, 0, model.China), bodyHas: "切实保障人民群众", bodyLacks: "版权所有"},
		},
		{
			name: "forum byline: 楼主 and 发表于 in the post, not in the body or the author",
			url:  "http://bbs.example.cn/thread-1.html",
			html: page(`<title>小区门口的路灯坏了_某县论坛</title>`,
				`<h1>小区门口的路灯坏了</h1><div class="post"><p>楼主：青年小刘 发表于：2026-11-20 21:15</p><p>`+para+`</p></div>`),
			want: want{title: "小区门口的路灯坏了", author: "青年小刘", source: TimeFromText,
				published: time.Date(2026, 11, 20, 21, 15, 0, 0, model.China), bodyHas: "知情权", bodyLacks: "发表于"},
		},
		{
			name: "full datetime with 发布时间 label",
			url:  "http://news.example.cn/a.html",
			html: page(`<title>某地发生交通事故 - 某某新闻网</title>`,
				`<h1>某地发生交通事故</h1><p class="info">发布时间: 2026-11-21 09:06:34　稿源：某某日报</p><div class="article"><p>`+para+`</p></div>`),
			want: want{title: "某地发生交通事故", origin: "某某日报", source: TimeFromText,
				published: time.Date(2026, 11, 21, 9, 6, 34, 0, model.China), bodyHas: "知情权"},
		},
		{
			name: "meta article:published_time with zone",
			url:  "http://news.example.cn/b.html",
			html: page(`<title>标题在这里啊</title><meta property="article:published_time" content="2026-11-20T23:30:00Z"><meta property="og:title" content="开放图谱标题">`,
				`<h1>另外一个标题</h1><div><p>`+para+`</p></div>`),
			want: want{title: "开放图谱标题", source: TimeFromMeta, published: time.Date(2026, 11, 21, 7, 30, 0, 0, model.China), bodyHas: "知情权"},
		},
		{
			name: "date in a portal URL",
			url:  "http://www.example.gov.cn/xxgk/202411/t20241112_123.html",
			html: page(`<title>县长带队检查防汛工作——某县</title>`, `<div><p>`+para+`</p></div>`),
			want: want{title: "县长带队检查防汛工作", source: TimeFromURL, published: time.Date(2024, 11, 12, 0, 0, 0, 0, model.China)},
		},
		{
			name: "date in a news URL",
			url:  "http://news.example.cn/2026/11/21/c_1.htm",
			html: page(`<title>一则新闻的标题</title>`, `<div><p>`+para+`</p></div>`),
			want: want{title: "一则新闻的标题", source: TimeFromURL, published: time.Date(2026, 11, 21, 0, 0, 0, 0, model.China)},
		},
		{
			name: "message board time",
			url:  "http://bbs.example.cn/t?id=9",
			html: page(`<title>小区门口垃圾无人清理|网民留言板</title>`,
				`<div class="msg"><h2>小区门口垃圾无人清理</h2><span>留言人：张三</span> <span>留言时间：2026-11-20 08:15</span><div class="txt"><p>`+para+`</p></div></div>`),
			want: want{title: "小区门口垃圾无人清理", author: "张三", source: TimeFromText, published: time.Date(2026, 11, 20, 8, 15, 0, 0, model.China)},
		},
		{
			name: "政务公开 metadata table and numeral signature date",
			url:  "http://www.example.gov.cn/zfxxgk/c.html",
			html: page(`<title>某县人民政府办公室关于印发某某办法的通知</title>`,
				`<table class="xxgk"><tr><td>索引号：11420300MB1234567X/2015-00032</td><td>发布机构：县政府办公室</td></tr>
<tr><td>文号：十政办发〔2015〕32号</td><td>主题分类：综合政务</td></tr></table>
<div class="TRS_Editor"><p>`+para+`</p><p>`+para+`</p><p style="text-align:right">某县人民政府办公室</p><p>二〇一五年四月二十三日</p></div>`),
			want: want{title: "某县人民政府办公室关于印发某某办法的通知", source: TimeFromText, published: time.Date(2015, 4, 23, 0, 0, 0, 0, model.China),
				docNumber: "十政办发〔2015〕32号", indexNumber: "11420300MB1234567X/2015-00032", issuer: "县政府办公室"},
		},
		{
			name: "no date anywhere: fetch time",
			url:  "http://www.example.cn/about.html",
			html: page(`<title>无日期页面的标题</title>`, `<div><p>`+para+`</p></div>`),
			want: want{title: "无日期页面的标题", source: TimeFromFetch, published: fetched},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := Extract([]byte(tc.html), tc.url, "text/html; charset=utf-8", fetched)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if ex.Title != w.title {
				t.Errorf("title %q, want %q", ex.Title, w.title)
			}
			if ex.PublishedAtSource != w.source || !ex.PublishedAt.Equal(w.published) {
				t.Errorf("published %v (%s), want %v (%s)", ex.PublishedAt, ex.PublishedAtSource, w.published, w.source)
			}
			if ex.Author != w.author {
				t.Errorf("author %q, want %q", ex.Author, w.author)
			}
			if ex.Origin != w.origin {
				t.Errorf("origin %q, want %q", ex.Origin, w.origin)
			}
			if ex.DocNumber != w.docNumber || ex.IndexNumber != w.indexNumber || ex.Issuer != w.issuer {
				t.Errorf("政务公开 metadata: 文号 %q 索引号 %q 发布机构 %q, want %q %q %q",
					ex.DocNumber, ex.IndexNumber, ex.Issuer, w.docNumber, w.indexNumber, w.issuer)
			}
			if !strings.Contains(ex.Body, para) {
				t.Errorf("body %q lacks the article paragraph", ex.Body)
			}
			if w.bodyHas != "" && !strings.Contains(ex.Body, w.bodyHas) {
				t.Errorf("body %q lacks %q", ex.Body, w.bodyHas)
			}
			if w.bodyLacks != "" && strings.Contains(ex.Body, w.bodyLacks) {
				t.Errorf("body %q contains boilerplate %q", ex.Body, w.bodyLacks)
			}
			if strings.Contains(ex.Body, w.title) {
				t.Errorf("body %q repeats the title", ex.Body)
			}
		})
	}
}

func TestExtractNoContent(t *testing.T) {
	_, err := Extract([]byte(page("<title>空</title>", `<a href="/">首页</a>`)), "http://x.cn/", "", time.Now())
	if !errors.Is(err, ErrNoContent) {
		t.Errorf("err = %v, want ErrNoContent", err)
	}
}

func TestEncodings(t *testing.T) {
	const text = "县人民政府关于开展安全生产大检查的通知，各乡镇人民政府、县直各单位要高度重视。"
	gbkBody := `<html><head><title>通知</title></head><body><p>` + text + `</p></body></html>`
	big5Text := "縣人民政府關於開展安全生產大檢查的通知，各鄉鎮人民政府、縣直各單位要高度重視。"
	big5, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(`<html><body><p>` + big5Text + `</p></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, contentType string
		page              []byte
		wantEnc, wantText string
	}{
		{"GBK, no header charset, no meta: sniffed", "text/html", gbk(t, gbkBody), "gbk", text},
		{"GBK, no header at all", "", gbk(t, gbkBody), "gbk", text},
		{"GBK declared in meta", "text/html", gbk(t, strings.Replace(gbkBody, "<head>", `<head><meta charset="gb2312">`, 1)), "gbk", text},
		{"GBK behind a wrong ISO-8859-1 header", "text/html; charset=ISO-8859-1", gbk(t, gbkBody), "gbk", text},
		{"GBK declared in header", "text/html; charset=GBK", gbk(t, gbkBody), "gbk", text},
		{"UTF-8 page with a wrong gb2312 meta", "text/html", []byte(strings.Replace(gbkBody, "<head>", `<head><meta charset="gb2312">`, 1)), "utf-8", text},
		{"Big5 sniffed", "text/html", big5, "big5", big5Text},
		{"UTF-8 with BOM", "text/html", append([]byte{0xEF, 0xBB, 0xBF}, gbkBody...), "utf-8", text},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, enc, err := decodeHTML(tc.page, tc.contentType, "")
			if err != nil {
				t.Fatal(err)
			}
			if enc != tc.wantEnc || !strings.Contains(string(out), tc.wantText) {
				t.Errorf("decoded as %s: %q, want %s containing %q", enc, out, tc.wantEnc, tc.wantText)
			}
		})
	}
	// A forced source encoding wins over everything.
	out, enc, err := decodeHTML(gbk(t, gbkBody), "text/html; charset=utf-8", "gb18030")
	if err != nil || enc != "gb18030" || !strings.Contains(string(out), text) {
		t.Errorf("forced gb18030: %s %q %v", enc, out, err)
	}
}

func TestParseFeedDates(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"Wed, 18 Nov 2026 10:30:00 +0800", time.Date(2026, 11, 18, 10, 30, 0, 0, model.China)},
		{"Wed, 18 Nov 2026 02:30:00 GMT", time.Date(2026, 11, 18, 10, 30, 0, 0, model.China)},
		{"2026-11-18T10:30:00+08:00", time.Date(2026, 11, 18, 10, 30, 0, 0, model.China)},
		{"2026-11-18 10:30:00", time.Date(2026, 11, 18, 10, 30, 0, 0, model.China)},
		{"2026年11月18日 10:30", time.Date(2026, 11, 18, 10, 30, 0, 0, model.China)},
	} {
		if got := parseTime(tc.in); !got.Equal(tc.want) {
			t.Errorf("parseTime(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestDateOnlyMetaGivesWayToTime checks that a date-only <meta> does not
// hide the time of day another tag gives for the same day.
func TestDateOnlyMetaGivesWayToTime(t *testing.T) {
	fetched := time.Date(2026, 11, 21, 15, 0, 0, 0, model.China)
	for _, tc := range []struct {
		name, head, body string
		want             time.Time
	}{
		{"PubDate after publishdate", `<meta name="publishdate" content="2026-11-21"><meta name="PubDate" content="2026-11-21 14:01">`, "",
			time.Date(2026, 11, 21, 14, 1, 0, 0, model.China)},
		{"labelled time in header", `<meta name="publishdate" content="2026-11-21">`, `<div>发布时间：2026-11-21 13:30</div>`,
			time.Date(2026, 11, 21, 13, 30, 0, 0, model.China)},
		{"other day keeps the date", `<meta name="publishdate" content="2026-11-20"><meta name="PubDate" content="2026-11-21 14:01">`, "",
			time.Date(2026, 11, 20, 0, 0, 0, 0, model.China)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := `<html><head><title>关于某某事故的情况通报</title>` + tc.head + `</head><body><h1>关于某某事故的情况通报</h1>` + tc.body +
				`<div class="content"><p>` + strings.Repeat("现将有关情况通报如下，事故救援工作正在进行，伤员已送医救治。", 6) + `</p></div></body></html>`
			ex, err := Extract([]byte(page), "http://gov.example/a.html", "text/html; charset=utf-8", fetched)
			if err != nil {
				t.Fatal(err)
			}
			if !ex.PublishedAt.Equal(tc.want) {
				t.Errorf("PublishedAt = %v (%s), want %v", ex.PublishedAt, ex.PublishedAtSource, tc.want)
			}
		})
	}
}
