package crawler

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// TestPublishTimePages runs the extractor on pages of kinds it was not
// built on (testdata/pubtime, written for this test): government portals
// with info grids, news with 来源 lines, forum threads with bylines and
// replies, relative times, 公众号 pages whose time is only in a script,
// traditional characters, Chinese numerals, and pages whose chrome (a
// today-date widget, a "latest" list, a copyright year) carries other
// dates. Each case states the expected time and whether it is uncertain.
// pubtimeCase is a test page, the publish time it states and whether
// that time is uncertain.
type pubtimeCase struct {
	file, url string
	want      time.Time
	uncertain bool
	why       string
}

// pubtimeFetched is when the test pages were fetched: a Tuesday.
var pubtimeFetched = time.Date(2026, 12, 1, 10, 0, 0, 0, model.China)

func pubtimeAt(mo time.Month, d, h, m, s int) time.Time {
	return time.Date(2026, mo, d, h, m, s, 0, model.China)
}

func TestPublishTimePages(t *testing.T) {
	fetched, at := pubtimeFetched, pubtimeAt
	runPubtimeCases(t, "pubtime pages", "", []pubtimeCase{
		{"gov_grid.html", "http://www.mouxian.gov.cn/zwgk/content.jsp?id=123", at(11, 30, 0, 0, 0), false,
			"发布日期 in the 索引号 grid beats 成文日期 beside it, the 今天是 widget, the signature and the footer's 网站更新"},
		{"gov_fawen.html", "http://www.mouxian.gov.cn/zfxxgk/fdzdgknr/zfwj/123.html", at(11, 24, 0, 0, 0), false,
			"发文日期 beats 成文日期 and the header's date with its weekday"},
		{"gov_hanzi.html", "http://www.mouxian.gov.cn/zwgk/jd/456.html", at(11, 30, 0, 0, 0), false,
			"发布日期 in Chinese numerals beats the signature date"},
		{"gov_fullwidth.html", "http://www.mouxian.gov.cn/zwgk/content.jsp?id=456", at(11, 30, 0, 0, 0), false,
			"full-width digits in a <th>/<td> grid: 发布日期 beats 成文日期"},
		{"notice_event_time.html", "http://wlj.mouxian.gov.cn/dt/12.html", at(11, 26, 16, 40, 0), false,
			"活动时间 at the start of the body names the event's time, not the page's: the 来源 line's time wins"},
		{"news_source.html", "http://news.mouxian.cn/a/20261128/789.html", at(11, 28, 9, 12, 45), false,
			"the date on the 来源 line beats the header widget and the 最新新闻 list before the article"},
		{"news_source2.html", "http://news.example.cn/sz/2026-11-29/1.html", at(11, 29, 18, 30, 0), false,
			"来源：… | date | 编辑 line; the 热点推荐 list after the article loses"},
		{"forum_thread.html", "http://bbs.mouxian.cn/thread-1001-1-1.html", at(11, 30, 14, 5, 0), false,
			"楼主's 发表于 wins over the replies' and the 今日 counter"},
		{"forum_discuz.html", "http://bbs.mouxian.cn/forum.php?mod=viewthread&tid=2001", at(11, 30, 14, 5, 0), false,
			"Discuz: 发表于 11-30 14:05 without its year; the author panel's 注册时间 and 最后登录 lose"},
		{"news_dateline.html", "http://sh.example.com.cn/n1/2026/1130/c1-1.html", at(11, 30, 14, 5, 0), false,
			"the time on its own line right above 来源"},
		{"forum_relative.html", "http://bbs.mouxian.cn/thread-1002-1-1.html", at(12, 1, 7, 0, 0), false,
			"3小时前 on the first post, not the reply's 1小时前"},
		{"forum_yesterday.html", "http://bbs.mouxian.cn/thread-1003-1-1.html", at(11, 30, 14, 5, 0), false,
			"昨天 14:05 against the fetch day in Shanghai"},
		{"forum_justnow.html", "http://bbs.mouxian.cn/thread-1004-1-1.html", fetched, false,
			"刚刚 is the fetch time"},
		{"wechat_ct.html", "https://mp.weixin.qq.com/s/AbCdEf", at(11, 30, 20, 18, 0), false,
			"公众号: the empty <em id=publish_time> is filled by script; var ct is the Unix time"},
		{"wechat_publish_time.html", "https://mp.weixin.qq.com/s/GhIjKl", at(11, 29, 7, 45, 0), false,
			"<em id=publish_time> with the time of day beats the script's date-only publish_time"},
		{"wechat_script_json.html", "https://mp.weixin.qq.com/s/MnOpQr", at(11, 29, 7, 45, 10), false,
			"\"publish_time\": Unix seconds in a script's JSON state"},
		{"traditional_news.html", "http://news.example.tw/a/1.html", at(11, 28, 16, 20, 0), false,
			"發佈時間 in traditional characters beats 今日日期"},
		{"traditional_forum.html", "http://bbs.example.hk/t/9.html", at(11, 27, 21, 48, 0), false,
			"樓主 … 發表於 in traditional characters, first post wins"},
		{"traditional_big5.html", "http://bbs.example.tw/t/10.html", at(11, 26, 7, 15, 0), false,
			"the same forum in Big5, declared only in <meta http-equiv>"},
		{"chrome_widget_label.html", "http://scjg.mouxian.gov.cn/xwdt/55.html", at(11, 26, 10, 30, 0), false,
			"发布时间 after the article beats 当前日期 in the header and the 日期 list after it"},
		{"chrome_marked_list.html", "http://news.mouxian.cn/show/88.html", at(11, 29, 19, 40, 0), false,
			"the article's <span class=time> beats the same-marked dates of a 本站推荐 list before it"},
		{"chrome_relative_list.html", "http://bbs.mouxian.cn/thread-1005-1-1.html", fetched, true,
			"the ages in a 实时热帖 list are other posts': the fetch time stands in, uncertain"},
		{"chrome_only.html", "http://lib.mouxian.cn/gg/show.asp?id=88", fetched, true,
			"only chrome dates (today widget, latest list, copyright): none is the article's, the fetch time stands in, uncertain"},
		{"url_only.html", "http://lib.mouxian.cn/2026/11/18/notice.html", at(11, 18, 0, 0, 0), true,
			"only the URL's date: taken, uncertain"},
		{"unlabelled.html", "http://www.mouxian.gov.cn/xw/77.html", at(11, 29, 0, 0, 0), true,
			"an unlabelled date under the title: taken, uncertain"},
	})
}

// TestPublishTimeHoldout runs pages written after the extractor's rules
// were set (testdata/pubtime/holdout), to see how they generalise; the
// figure of the first run is in BENCHMARKS.md.
func TestPublishTimeHoldout(t *testing.T) {
	at := pubtimeAt
	runPubtimeCases(t, "pubtime holdout", "holdout", []pubtimeCase{
		{"h1_portal_infoline.html", "http://wjw.mouxian.gov.cn/art/1.html", at(11, 29, 10, 21, 33), false, "信息来源 … 发布时间 … 浏览次数 spans"},
		{"h2_people_style.html", "http://society.people.example/n1/2026/1130/c1008-1.html", at(11, 30, 8, 21, 0), false, "2026年11月30日08:21 | 来源："},
		{"h3_wenzheng.html", "http://wz.mouxian.gov.cn/ly/9.html", at(11, 25, 9, 30, 0), false, "留言时间 beats the reply's 回复时间"},
		{"h4_toutiao_style.html", "http://www.toutiao.example/article/7/", at(11, 30, 21, 6, 0), true, "an unlabelled time beside the author"},
		{"h5_tieba_style.html", "http://tieba.example/p/8", at(11, 30, 13, 50, 0), true, "the first floor's tail time, unlabelled, after its text"},
		{"h6_hk_press.html", "http://www.info.example.hk/gia/general/202611/30/P1.htm", at(11, 30, 16, 5, 0), true, "HK press release: date, weekday, 香港時間16時05分 at the end"},
		{"h7_time_tag.html", "http://rm.mouxian.cn/p/3.html", at(11, 29, 18, 0, 0), false, "<time datetime> beats 今天是 in <header>"},
		{"h8_wechat_createtime.html", "https://mp.weixin.qq.com/s/XyZ", at(11, 30, 20, 18, 0), false, "公众号 var create_time"},
		{"h9_bare_fabu.html", "http://jk.mouxian.gov.cn/a/4.html", at(11, 27, 9, 0, 0), false, "发布：date 作者："},
		{"h10_english_posted.html", "http://blog.example.cn/?p=5", at(11, 29, 20, 11, 0), false, "Posted on date by admin"},
	})
}

// runPubtimeCases extracts each case's page from testdata/pubtime/dir and
// logs the share right to the day and exactly right (time and certainty).
func runPubtimeCases(t *testing.T, name, dir string, cases []pubtimeCase) {
	t.Helper()
	pages, dayOK, exact := 0, 0, 0
	defer func() {
		t.Logf("%s: %d pages, right to the day %d/%d (%.1f%%), exact time and certainty %d/%d",
			name, pages, dayOK, pages, 100*float64(dayOK)/float64(max(pages, 1)), exact, pages)
	}()
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "pubtime", dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			ex, err := Extract(raw, tc.url, "text/html", pubtimeFetched)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if sameDay(ex.PublishedAt, tc.want) {
				dayOK++
			}
			if !ex.PublishedAt.Equal(tc.want) || ex.PublishedUncertain != tc.uncertain {
				t.Errorf("%s:\npublished %s (%s, %.2f, uncertain %v), want %s (uncertain %v)", tc.why,
					ex.PublishedAt.In(model.China).Format("2006-01-02 15:04:05"), ex.PublishedAtSource, ex.PublishedAtConfidence,
					ex.PublishedUncertain, tc.want.Format("2006-01-02 15:04:05"), tc.uncertain)
			} else {
				exact++
			}
		})
	}
}

// TestDocumentSaysUncertainPublishTime crawls a list with a labelled and
// an undated article: the crawled documents say which publish time is
// uncertain, so the responder can start the clock from the fetch.
func TestDocumentSaysUncertainPublishTime(t *testing.T) {
	s := newSite(t)
	undated, err := os.ReadFile(filepath.Join("testdata", "pubtime", "chrome_only.html"))
	if err != nil {
		t.Fatal(err)
	}
	s.set("/gg", "text/html; charset=utf-8", []byte(`<html><head><meta charset="utf-8"><title>通知公告</title></head><body><ul>
<li><a href="/news/2026/11/21/a1.html">县政府召开安全生产工作会议</a></li><li><a href="/gg/show.asp?id=88">县图书馆冬季开放时间调整</a></li></ul></body></html>`))
	s.set("/gg/show.asp?id=88", "text/html; charset=utf-8", undated)
	pub := &fakePublisher{}
	c := newCrawler(t, []config.Source{testSource("lib", model.KindPortal, s.srv.URL+"/gg")}, pub, t.TempDir(), prometheus.NewRegistry())
	if err := c.PollNow(context.Background(), "lib"); err != nil {
		t.Fatal(err)
	}
	docs := byTitle(pub.take())
	dated, undatedDoc := docs["县政府召开安全生产工作会议"], docs["县图书馆冬季开放时间调整"]
	if dated.ID == "" || undatedDoc.ID == "" {
		t.Fatalf("documents missing: %v", docs)
	}
	if dated.PublishedUncertain || dated.PublishedAtSource != TimeFromMeta {
		t.Errorf("labelled article: uncertain %v (%s), want certain", dated.PublishedUncertain, dated.PublishedAtSource)
	}
	if !undatedDoc.PublishedUncertain || undatedDoc.PublishedAtSource != TimeFromFetch || !undatedDoc.PublishedAt.Equal(undatedDoc.FetchedAt) {
		t.Errorf("undated article: uncertain %v (%s), published %v fetched %v; want uncertain, the fetch time",
			undatedDoc.PublishedUncertain, undatedDoc.PublishedAtSource, undatedDoc.PublishedAt, undatedDoc.FetchedAt)
	}
}
