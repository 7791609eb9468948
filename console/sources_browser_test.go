package console

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSourcesPageInBrowser drives the sources page in a real headless
// Chromium as the system administrator: the configured sources show their
// status in Chinese (正常 3分钟前, 出错 with what went wrong), a source
// added through the form appears waiting for its first poll, disabling it
// shows 已停用, and its history says both changes.
func TestSourcesPageInBrowser(t *testing.T) {
	dir := artefacts(t)
	base, st, run := browser(t)
	seedSources(t, st, browserNow)
	run("log in as the system administrator", tourLogin(base, "sysadmin"))
	var news, portal string
	run("open the sources", chromedp.Navigate(base+"/settings/sources"), chromedp.WaitVisible(`#sources`, chromedp.ByQuery),
		chromedp.Text(`#sources tr[data-id="news"]`, &news, chromedp.ByQuery),
		chromedp.Text(`#sources tr[data-id="portal"]`, &portal, chromedp.ByQuery))
	for _, want := range []string{"澜州新闻网", "新闻网站", "正常", "3分钟前", "11月21日 15:57", "1次", "网站响应超时", "2个网址", "由配置文件导入"} {
		if !strings.Contains(news, want) {
			t.Errorf("the row of news lacks %q: %s", want, news)
		}
	}
	for _, want := range []string{"出错", "5分钟前", "网站返回错误（HTTP 503）"} {
		if !strings.Contains(portal, want) {
			t.Errorf("the row of portal lacks %q: %s", want, portal)
		}
	}

	var row string
	run("add a source", chromedp.SetValue(`#f-id`, "bbs", chromedp.ByQuery), chromedp.SetValue(`#f-name`, "青岚论坛", chromedp.ByQuery),
		chromedp.SetValue(`#f-kind`, "forum", chromedp.ByQuery), chromedp.SetValue(`#f-authority`, "论坛", chromedp.ByQuery),
		chromedp.SetValue(`#f-url`, "https://bbs.example.cn/forum-2-1.html", chromedp.ByQuery),
		chromedp.SetValue(`#f-interval`, "15", chromedp.ByQuery),
		chromedp.Click(`#source button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sources tr[data-id="bbs"]`, chromedp.ByQuery),
		chromedp.Text(`#sources tr[data-id="bbs"]`, &row, chromedp.ByQuery))
	for _, want := range []string{"青岚论坛", "论坛", "每15分钟", "等待首次抓取", "sysadmin"} {
		if !strings.Contains(row, want) {
			t.Errorf("the new row lacks %q: %s", want, row)
		}
	}
	var state string
	run("disable it", chromedp.Click(`#sources tr[data-id="bbs"] .state-btn[data-act="disable"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sources tr[data-id="bbs"].src-disabled`, chromedp.ByQuery),
		chromedp.Text(`#sources tr[data-id="bbs"] .state`, &state, chromedp.ByQuery))
	if state != "已停用" {
		t.Errorf("the disabled source's state reads %q, want 已停用", state)
	}
	var history string
	run("read its history", chromedp.Click(`#sources tr[data-id="bbs"] a[href*="history"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#source-history`, chromedp.ByQuery), chromedp.Text(`#source-history`, &history, chromedp.ByQuery))
	if !strings.Contains(history, "停用") || !strings.Contains(history, "新增信息源") || strings.Index(history, "停用") > strings.Index(history, "新增信息源") {
		t.Errorf("history = %q; want 停用 above 新增信息源", history)
	}
	var text string
	run("read the page", chromedp.Evaluate(`document.body.innerText`, &text))
	checkChinese(t, "/settings/sources?history=bbs", text)
	screenshot(t, run, dir, "sources", 1366, 768)

	// A bad interval is refused beside the form, in Chinese.
	var msg string
	run("a too short interval", chromedp.Navigate(base+"/settings/sources"), chromedp.WaitVisible(`#source`, chromedp.ByQuery),
		chromedp.SetValue(`#f-id`, "fast", chromedp.ByQuery), chromedp.SetValue(`#f-name`, "太快", chromedp.ByQuery),
		chromedp.SetValue(`#f-url`, "https://fast.example.cn/", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('f-interval').min='0'`, nil), chromedp.SetValue(`#f-interval`, "0.1", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('f-interval').step='any'`, nil),
		chromedp.Click(`#source button[type=submit]`, chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('source-error').textContent`, &msg, chromedp.WithPollingTimeout(10*time.Second)))
	if !strings.Contains(msg, "抓取间隔太短") {
		t.Errorf("the form says %q for a 6 s interval", msg)
	}
}
