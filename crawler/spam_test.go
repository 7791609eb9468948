package crawler

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

func TestInjectedSpam(t *testing.T) {
	fetched := time.Date(2026, 11, 21, 12, 0, 0, 0, model.China)
	// seoBlock is the empty-tag block of an injection kit, as in seed 003.
	seoBlock := strings.Repeat(`<legend id="h4sia"></legend><samp id="h4sia"></samp><sup id="h4sia"></sup>
<mark id="h4sia"><del id="h4sia"></del></mark><track id="h4sia"></track><meter id="h4sia"></meter><address id="h4sia"></address>`, 2)
	for _, tc := range []struct {
		name      string
		url, html string
		flags     []string
		bodyLacks []string
		bodyHas   string
	}{
		{
			name: "lottery link at the end of a notice (seed 001)",
			url:  "http://www.example.gov.cn/xxgk/a.html",
			html: page(`<title>政府信息公开规定</title>`, `<div class="content"><p>`+para+`</p><p>`+para+`</p>
<p><a href="http://cp.example.com/1.html">福彩刮刮乐中奖图片</a></p></div>`),
			flags: []string{FlagSpamLinks}, bodyLacks: []string{"刮刮乐", "中奖图片"},
		},
		{
			name: "hidden link block",
			url:  "http://www.example.gov.cn/xxgk/b.html",
			html: page(`<title>关于做好政务公开工作的通知</title>`, `<div class="content"><p>`+para+`</p>
<div style="position:absolute;left:-9999px;top:-9999px"><a href="http://a.example/">时时彩平台</a><a href="http://b.example/">北京赛车pk10</a><a href="http://c.example/">百家乐</a></div>
<p>`+para+`</p></div>`),
			flags: []string{FlagHiddenSpam}, bodyLacks: []string{"时时彩", "百家乐", "pk10"},
		},
		{
			name: "display:none spam with weak words and an external link",
			url:  "http://www.example.gov.cn/xxgk/c.html",
			html: page(`<title>关于做好政务公开工作的通知</title>`, `<div class="content"><p>`+para+`</p>
<div style="display:none">双色球开奖结果 <a href="http://cp.example.com/">彩民之家</a></div><p>`+para+`</p></div>`),
			flags: []string{FlagHiddenSpam}, bodyLacks: []string{"双色球"},
		},
		{
			name:  "block of empty SEO tags (seed 003)",
			url:   "http://www.example.gov.cn/xxgk/d.html",
			html:  page(`<title>政府信息公开工作年度报告</title>`, seoBlock+`<div class="content"><p>`+para+`</p><p>`+para+`</p></div>`),
			flags: []string{FlagSEOTags},
		},
		{
			name:  "tag markup shown as text",
			url:   "http://www.example.gov.cn/xxgk/e.html",
			html:  page(`<title>政府信息公开工作年度报告</title>`, `<div class="content"><p>&lt;legend id="h4sia"&gt;&lt;/legend&gt;&lt;samp id="h4sia"&gt;&lt;/samp&gt;</p><p>`+para+`</p><p>`+para+`</p></div>`),
			flags: []string{FlagSEOTags}, bodyLacks: []string{"h4sia"},
		},
		{
			name:  "plain-text spam line",
			url:   "http://www.example.gov.cn/xxgk/f.html",
			html:  page(`<title>关于做好政务公开工作的通知</title>`, `<div class="content"><p>`+para+`</p><p>`+para+`</p><p>澳门葡京娱乐城 注册送彩金</p></div>`),
			flags: []string{FlagSpamText}, bodyLacks: []string{"葡京"},
		},
		{
			name: "lottery news is not spam",
			url:  "http://news.example.cn/2026/11/21/a.html",
			html: page(`<title>市福彩中心开展公益活动</title>`, `<h1>市福彩中心开展公益活动</h1><div class="content"><p>11月20日，市福彩中心联合民政局开展“福彩公益行”活动，为困难群众送去慰问金。`+
				`据介绍，今年以来全市福利彩票销售额同比增长，筹集公益金用于养老、助残等社会福利事业。</p>`+
				`<p>相关链接：<a href="/2026/11/01/b.html">福彩公益金使用情况公告</a></p></div>`),
			flags: nil, bodyHas: "福利彩票销售额",
		},
		{
			name:  "own-site lottery link on a 民政 page is not spam",
			url:   "http://mzj.example.gov.cn/a.html",
			html:  page(`<title>民政工作动态</title>`, `<div class="content"><p>`+para+`</p><p>`+para+`</p><p><a href="/fc/index.html">福利彩票发行管理</a></p></div>`),
			flags: nil, bodyHas: para,
		},
		{
			name:  "repeated ids on elements with text are not SEO tags",
			url:   "http://www.example.gov.cn/g.html",
			html:  page(`<title>关于做好政务公开工作的通知</title>`, `<div class="content">`+strings.Repeat(`<p id="p">`+para+`</p>`, 9)+`</div>`),
			flags: nil, bodyHas: para,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := Extract([]byte(tc.html), tc.url, "text/html; charset=utf-8", fetched)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ex.Flags, tc.flags) || ex.Injected != (len(tc.flags) > 0) {
				t.Errorf("flags %v injected %v, want %v", ex.Flags, ex.Injected, tc.flags)
			}
			for _, s := range tc.bodyLacks {
				if strings.Contains(ex.Body, s) || strings.Contains(ex.Title, s) {
					t.Errorf("body %q keeps injected %q", ex.Body, s)
				}
			}
			want := tc.bodyHas
			if want == "" {
				want = para
			}
			if !strings.Contains(ex.Body, want) {
				t.Errorf("body %q lost the article text %q", ex.Body, want)
			}
		})
	}
}
