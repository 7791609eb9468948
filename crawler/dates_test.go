package crawler

import (
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

func TestRelativeTimes(t *testing.T) {
	// 00:30 in Shanghai is still the previous day in UTC: 昨天 must be
	// counted from the Shanghai date.
	fetched := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC) // 2026-11-21 00:30 CST
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, model.China) }
	for _, tc := range []struct {
		meta   string // the line under the title
		want   time.Time
		source string
		conf   float64
	}{
		{"网友 张三 · 刚刚", fetched, TimeFromRelative, confRelative},
		{"张三 发表于 5分钟前", at(21, 0, 25), TimeFromRelative, confRelative},
		{"3小时前 来自 某某论坛", at(20, 21, 30), TimeFromRelative, confRelative},
		{"半小时前", at(21, 0, 0), TimeFromRelative, confRelative},
		{"昨天 10:20", at(20, 10, 20), TimeFromRelative, confRelative},
		{"前天 08:05 浏览 120", at(19, 8, 5), TimeFromRelative, confRelative},
		{"今天 00:10", at(21, 0, 10), TimeFromRelative, confRelative},
		{"发布时间：昨天", at(20, 0, 0), TimeFromRelative, confRelativeDay},
		{"2天前", at(19, 0, 0), TimeFromRelative, confRelativeDay},
		{"几小时前", fetched, TimeFromFetch, confFetch}, // too vague
		// An absolute labelled date wins over an age elsewhere.
		{"发布时间：2026-11-18 09:00 3小时前", at(18, 9, 0), TimeFromText, confLabelled},
	} {
		t.Run(tc.meta, func(t *testing.T) {
			html := page(`<title>小区门口垃圾无人清理</title>`, `<h2>小区门口垃圾无人清理</h2><div class="meta">`+tc.meta+
				`</div><div class="txt"><p>`+para+`</p></div>`)
			ex, err := Extract([]byte(html), "http://bbs.example.cn/t?id=9", "", fetched)
			if err != nil {
				t.Fatal(err)
			}
			if !ex.PublishedAt.Equal(tc.want) || ex.PublishedAtSource != tc.source || ex.PublishedAtConfidence != tc.conf {
				t.Errorf("published %v (%s, %.2f), want %v (%s, %.2f)", ex.PublishedAt.In(model.China), ex.PublishedAtSource,
					ex.PublishedAtConfidence, tc.want, tc.source, tc.conf)
			}
		})
	}
	// 昨天 in running text is the day before the news, not the fetch: it
	// is not taken for the publish time.
	html := page(`<title>县政府召开会议</title>`, `<h1>县政府召开会议</h1><div class="content"><p>昨天，县政府召开常务会议，研究部署安全生产工作。`+para+`</p></div>`)
	ex, err := Extract([]byte(html), "http://news.example.cn/a", "", fetched)
	if err != nil {
		t.Fatal(err)
	}
	if ex.PublishedAtSource != TimeFromFetch || strings.Contains(ex.PublishedAtSource, TimeFromRelative) {
		t.Errorf("昨天 in a sentence gave %v (%s)", ex.PublishedAt, ex.PublishedAtSource)
	}
}

func TestDateInsideBodyAndMarkedElements(t *testing.T) {
	fetched := time.Date(2026, 11, 21, 12, 0, 0, 0, model.China)
	for _, tc := range []struct {
		name, body string
		want       time.Time
		conf       float64
	}{
		{"a post's signature date beats the next post's", `<div class="post"><p>` + strings.Repeat(para, 5) + `</p><p>` + para + `</p>
<p>〓 某某留言板 发布时间 2005/05/17 22:11:42 by 眉间尺 〓</p></div>
<div class="reply"><a href="/u/1">回复者</a> 发布时间 2005/05/18 13:45:40</div>`, time.Date(2005, 5, 17, 22, 11, 42, 0, model.China), confTrailer},
		{"class=date element", `<h1>某某新闻</h1><div><span class="article-date">2020年4月17日</span></div><div class="content"><p>` + para + `</p></div>`,
			time.Date(2020, 4, 17, 0, 0, 0, 0, model.China), confMarked},
		{"time datetime attribute", `<h1>某某新闻</h1><div><time datetime="2026-11-20T08:30:00+08:00">11月20日</time></div><div class="content"><p>` + para + `</p></div>`,
			time.Date(2026, 11, 20, 8, 30, 0, 0, model.China), confMarked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := Extract([]byte(page(`<title>某某新闻</title>`, tc.body)), "http://news.example.cn/a", "", fetched)
			if err != nil {
				t.Fatal(err)
			}
			if !ex.PublishedAt.Equal(tc.want) || ex.PublishedAtConfidence != tc.conf {
				t.Errorf("published %v (%s, %.2f), want %v (%.2f)", ex.PublishedAt.In(model.China), ex.PublishedAtSource, ex.PublishedAtConfidence, tc.want, tc.conf)
			}
		})
	}
}

func TestYearlessAndCompoundLabels(t *testing.T) {
	fetched := time.Date(2027, 1, 2, 10, 0, 0, 0, model.China)
	for _, tc := range []struct {
		text string
		want time.Time
	}{
		{"发表于 12-31 23:10", time.Date(2026, 12, 31, 23, 10, 0, 0, model.China)}, // last year's, not next December
		{"发表于 1-2 08:00", time.Date(2027, 1, 2, 8, 0, 0, 0, model.China)},
		{"发布时间：1月2日 08:00", time.Date(2027, 1, 2, 8, 0, 0, 0, model.China)},
		{"回复时间 12-31 23:10", time.Time{}}, // a reply's, not the post's
		{"发表于 12-31", time.Time{}},        // without a time of day, too vague
	} {
		if got := labelledYearless(tc.text, fetched); !got.Equal(tc.want) {
			t.Errorf("labelledYearless(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
	for _, tc := range []struct {
		text string
		want time.Time
	}{
		{"会议时间：2026-11-20", time.Time{}},
		{"注册时间 2019-5-1", time.Time{}},
		{"时间：2026-11-20", time.Date(2026, 11, 20, 0, 0, 0, 0, model.China)},
		{"成文日期：2026-11-27 发布日期：2026-11-30", time.Date(2026, 11, 30, 0, 0, 0, 0, model.China)},
		{"发布日期：二〇二六年十一月三十日", time.Date(2026, 11, 30, 0, 0, 0, 0, model.China)},
	} {
		if got := labelledDate(tc.text); !got.Equal(tc.want) {
			t.Errorf("labelledDate(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
