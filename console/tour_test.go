package console

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// tourPages are every page of the console a person reaches from the
// navigation, with the data of the browser tests.
var tourPages = []string{"/", "/screen", "/feed", "/posts/p1", "/events", "/events/EV-1", "/incidents", "/incidents?closed=1",
	"/incidents/INC-1", "/settings", "/inspections", "/briefs", "/accounts", "/audit", "/settings/sources", "/settings/roster", "/settings/notify"}

// tourMay says whether role may see the page at path, from the roles'
// permissions: the business pages need read, the accounts page
// account.admin or role.admin, the audit log audit.read, the sources read
// or source.edit.
func tourMay(role, path string) bool {
	switch path {
	case "/accounts":
		return auth.Can(role, auth.PermAccountAdmin) || auth.Can(role, auth.PermRoleAdmin)
	case "/audit":
		return auth.Can(role, auth.PermAuditRead)
	case "/settings/sources":
		return auth.Can(role, auth.PermRead) || auth.Can(role, auth.PermSourceEdit)
	}
	return auth.Can(role, auth.PermRead)
}

// tourCharts are the charts that must be drawn with data on a page, by
// element ID; every other chart and sparkline must at least be drawn.
var tourCharts = map[string][]string{
	"/":            {"c-volume", "c-shares", "c-sentiment", "c-tiers", "c-terms", "c-regions"},
	"/screen":      {"c-volume", "c-shares", "c-terms"},
	"/events/EV-1": {"c-timeline", "c-tiers", "c-sentiment"},
}

// a11yProblems is JavaScript listing what a page lacks for assistive
// technology: inputs without a label, charts and images without a text.
const a11yProblems = `(()=>{const bad=[];
document.querySelectorAll('input,select,textarea').forEach(el=>{if(['hidden','submit','button'].includes(el.type))return;
 if(!(el.labels&&el.labels.length)&&!el.getAttribute('aria-label')&&!el.getAttribute('aria-labelledby')&&!el.title)bad.push('未标注的输入框 '+el.tagName+'#'+el.id+'['+el.name+']');});
document.querySelectorAll('.chart,.spark,[role=img]').forEach(el=>{if(!(el.getAttribute('aria-label')||'').trim())bad.push('图表缺少说明 #'+el.id);});
document.querySelectorAll('img').forEach(el=>{if(!el.hasAttribute('alt'))bad.push('图片缺少替代文字 '+el.src);});
return bad;})()`

// allChartsDrawn is JavaScript that is true once every chart and
// sparkline of the page is drawn on a canvas of some size.
const allChartsDrawn = `(()=>[...document.querySelectorAll('.chart,.spark')].every(el=>{const c=el.querySelector('canvas');
return c&&c.width>0&&c.height>0&&echarts.getInstanceByDom(el);}))()`

// focusVisible is JavaScript that is true when the element the keyboard
// focused shows it: an outline of some width.
const focusVisible = `(()=>{const el=document.activeElement;if(!el||el===document.body)return false;
const s=getComputedStyle(el);return s.outlineStyle!=='none'&&parseFloat(s.outlineWidth)>0;})()`

// tourLogin signs in as account through the login page and, for an
// administrator, the second factor.
func tourLogin(base, account string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var step string
		err := chromedp.Run(ctx, network.ClearBrowserCookies(), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(`#login`, chromedp.ByQuery),
			chromedp.SendKeys(`#login input[name=name]`, account, chromedp.ByQuery),
			chromedp.SendKeys(`#login input[name=password]`, testPassword, chromedp.ByQuery),
			chromedp.Submit(`#login`, chromedp.ByQuery), chromedp.WaitNotPresent(`#login`, chromedp.ByQuery))
		if err != nil {
			return err
		}
		// The page the login leads to may still be loading: ask again.
		for range 50 {
			if err = chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('#totp')?'totp':(document.querySelector('header')?'in':'')`, &step)); err == nil && step != "" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil || step != "totp" {
			return err
		}
		_ = chromedp.Run(ctx, chromedp.WaitVisible(`#totp input[name=code]`, chromedp.ByQuery))
		code, err := auth.TOTPCode(testSecret, time.Now())
		if err != nil {
			return err
		}
		return chromedp.Run(ctx, chromedp.SendKeys(`#totp input[name=code]`, code, chromedp.ByQuery), chromedp.Submit(`#totp`, chromedp.ByQuery),
			chromedp.WaitNotPresent(`#totp`, chromedp.ByQuery), chromedp.WaitReady(`header`, chromedp.ByQuery))
	})
}

// TestAllRolesTour is the console's acceptance in a real browser: each
// role signs in and goes through every page. A page it may see answers
// 200 with its charts drawn with data, every input labelled, every chart
// described, the keyboard focus visible and no English key, raw JSON or
// UTC time; a page it may not see answers 403 saying so in Chinese. Every
// reader's feed changes with a filter. The 处置负责人 confirms, assigns,
// records a response with its evidence and closes an incident from its
// page, each change then in the history in Chinese, and sees why a move
// the incident's state refuses is refused. Screenshots of each page at
// 1366×768 and of the wall screen at 1920×1080 are kept (see artefacts).
func TestAllRolesTour(t *testing.T) {
	dir := artefacts(t)
	shot := map[string]bool{}
	for _, role := range auth.RoleKeys() {
		t.Run(role, func(t *testing.T) {
			base, st, run := browser(t)
			tourData(t, st)
			seedSources(t, st, browserNow)
			run("log in as "+role, tourLogin(base, role))
			var ok bool
			for _, path := range tourPages {
				var status int64
				var text string
				run("open "+path, chromedp.Navigate(base+path), chromedp.WaitReady(`body`, chromedp.ByQuery),
					chromedp.Evaluate(`performance.getEntriesByType('navigation')[0].responseStatus`, &status))
				name := strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(strings.Trim(path, "/"))
				if name == "" {
					name = "overview"
				}
				if !tourMay(role, path) {
					run("read "+path, chromedp.Evaluate(`document.body.innerText`, &text))
					if status != 403 || !strings.Contains(text, "无权") {
						t.Errorf("%s may not see %s, but it answers %d: %.200s", role, path, status, text)
					}
					checkChinese(t, path, text)
					if !shot["403"] {
						shot["403"] = true
						screenshot(t, run, dir, "forbidden-"+role, 1366, 768)
					}
					continue
				}
				want := int64(200)
				if path == "/briefs" {
					want = 404 // briefs are not enabled on this console: a page says so
				}
				if status != want {
					t.Errorf("%s: %s answers %d, want %d", role, path, status, want)
				}
				run("draw the charts of "+path, chromedp.Poll(allChartsDrawn, &ok, chromedp.WithPollingTimeout(20*time.Second)))
				for _, id := range tourCharts[path] {
					run("draw "+id+" on "+path, chromedp.Poll(chartDrawn(id), &ok, chromedp.WithPollingTimeout(20*time.Second)))
				}
				if path == "/events/EV-1" {
					// Merging and splitting by hand: for those who judge events.
					var forms bool
					run("look for the event's edit forms", chromedp.Evaluate(`!!document.getElementById('merge-event')&&!!document.getElementById('split-event')`, &forms))
					if forms != auth.Can(role, auth.PermEventEdit) {
						t.Errorf("%s: the merge and split forms shown %v, want %v (event.edit)", role, forms, auth.Can(role, auth.PermEventEdit))
					}
				}
				if path == "/" {
					var sparks int
					run("the sparklines", chromedp.Evaluate(`[...document.querySelectorAll('.spark')].filter(el=>{const c=echarts.getInstanceByDom(el);
return c&&(c.getOption().series[0].data||[]).some(v=>v>0);}).length`, &sparks))
					var cloud string
					run("the word cloud", chromedp.Evaluate(`echarts.getInstanceByDom(document.getElementById('c-terms')).getOption().series[0].type`, &cloud))
					if sparks == 0 || cloud != "wordCloud" {
						t.Errorf("overview: %d sparklines with data, hot terms drawn as %q; want the events' trends and a word cloud", sparks, cloud)
					}
				}
				var problems []string
				run("check "+path+" for assistive technology", chromedp.Evaluate(a11yProblems, &problems),
					chromedp.Evaluate(`document.body.innerText`, &text))
				for _, p := range problems {
					t.Errorf("%s: %s", path, p)
				}
				checkChinese(t, path, text)
				if !shot[path] {
					shot[path] = true
					if path == "/screen" {
						screenshot(t, run, dir, "tour-screen", 1920, 1080)
						run("back to the laptop's size", chromedp.EmulateViewport(1366, 768))
					} else {
						screenshot(t, run, dir, "tour-"+name, 1366, 768)
					}
				}
				if path != "/screen" {
					run("focus with the keyboard on "+path, chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(focusVisible, &ok))
					if !ok {
						t.Errorf("%s: the keyboard focus is not visible", path)
					}
				}
			}
			if auth.Can(role, auth.PermRead) {
				var before, after string
				run("filter the feed", chromedp.Navigate(base+"/feed"), chromedp.Text(`#total b`, &before, chromedp.ByQuery),
					chromedp.SetValue(`#sentiment`, model.Positive, chromedp.ByQuery), chromedp.Click(`form.controls button[type=submit]`, chromedp.ByQuery),
					// The submit loads a new document: wait for it whole before
					// reading, or the old page's nodes vanish under the query.
					waitLocation("sentiment="+model.Positive), chromedp.WaitVisible(`#total b`, chromedp.ByQuery),
					chromedp.WaitNotPresent(`li.post[data-id="p1"]`, chromedp.ByQuery), chromedp.Evaluate(`document.querySelector('#total b').textContent`, &after))
				if before != "2" || after != "1" {
					t.Errorf("%s: the feed counts %s, with 正面 %s; want 2 and 1", role, before, after)
				}
				run("sort the feed by heat", chromedp.Navigate(base+"/feed"), chromedp.WaitVisible(`#sort`, chromedp.ByQuery), chromedp.SetValue(`#sort`, "heat", chromedp.ByQuery),
					chromedp.Click(`form.controls button[type=submit]`, chromedp.ByQuery), waitLocation("sort=heat"),
					chromedp.WaitVisible(`li.post[data-id="p1"]`, chromedp.ByQuery), chromedp.Evaluate(`document.querySelector('#total').textContent`, &after))
				if !strings.Contains(after, "按所属事件热度") {
					t.Errorf("%s: the feed sorted by heat says %q", role, after)
				}
			}
			if role == auth.RoleHandler {
				tourHandle(t, base, run)
				inc, err := st.GetIncident(context.Background(), "INC-1")
				if err != nil || inc.Open || inc.Assignee != "应急局张三" || inc.Obligations[0].Evidence == nil {
					t.Errorf("the incident handled from its page is stored as %+v, %v", inc, err)
				}
			}
		})
	}
}

// tourHandle confirms, assigns, records a response with its evidence and
// closes INC-1 from its page, reading the history after each; a confirm
// again and a confirmation of evidence already confirmed show the reason
// they are refused.
func tourHandle(t *testing.T, base string, run func(string, ...chromedp.Action)) {
	t.Helper()
	var state, history, msg string
	open := func(form string) chromedp.Action {
		return chromedp.Tasks{chromedp.Navigate(base + "/incidents/INC-1"), chromedp.WaitVisible(`form.act[data-action="`+form+`"]`, chromedp.ByQuery)}
	}
	act := func(what, form string, fill ...chromedp.Action) {
		t.Helper()
		run(what, append(append([]chromedp.Action{open(form)}, fill...),
			chromedp.Click(`form.act[data-action="`+form+`"] button`, chromedp.ByQuery),
			chromedp.WaitVisible(`#msg.ok`, chromedp.ByQuery), chromedp.WaitNotPresent(`#msg.ok`, chromedp.ByQuery),
			chromedp.WaitVisible(`#history`, chromedp.ByQuery),
			chromedp.Text(`#state`, &state, chromedp.ByQuery), chromedp.Text(`#history`, &history, chromedp.ByQuery))...)
	}
	refused := func(what, form string) {
		t.Helper()
		run(what, open(form), chromedp.Click(`form.act[data-action="`+form+`"] button`, chromedp.ByQuery),
			chromedp.WaitVisible(`#msg.err`, chromedp.ByQuery), chromedp.Text(`#msg`, &msg, chromedp.ByQuery))
	}
	act("confirm", "confirm", choose(`#a-confirm-level`, "II"), chromedp.SendKeys(`#a-confirm-reason`, "多家媒体报道", chromedp.ByQuery))
	if state != model.StateConfirmed || !strings.Contains(history, "待研判 → 已确认") || !strings.Contains(history, "多家媒体报道") {
		t.Errorf("after confirming: state %q, history %q", state, history)
	}
	refused("confirm again", "confirm")
	if !strings.Contains(msg, "无法执行：该事件已研判确认") {
		t.Errorf("confirming again shows %q, want the reason it is refused", msg)
	}
	act("assign", "assign", chromedp.SendKeys(`#a-assignee`, "应急局张三", chromedp.ByQuery))
	if state != model.StateHandling || !strings.Contains(history, "处置人应急局张三") {
		t.Errorf("after assigning: state %q, history %q", state, history)
	}
	act("record a response with its evidence", "record_response", chromedp.SendKeys(`#a-rr-title`, "关于化工厂爆炸的情况通报", chromedp.ByQuery),
		chromedp.SendKeys(`#a-rr-url`, "http://gov.example/tb", chromedp.ByQuery), chromedp.SendKeys(`#a-rr-source`, "县政府", chromedp.ByQuery))
	if state != model.StateResponded || !strings.Contains(history, "《关于化工厂爆炸的情况通报》") || !strings.Contains(history, "办理中 → 已履行") {
		t.Errorf("after recording a response: state %q, history %q", state, history)
	}
	var evidence string
	run("read the evidence", chromedp.Text(`main`, &evidence, chromedp.ByQuery))
	if !strings.Contains(evidence, "县政府") {
		t.Errorf("the page does not show the evidence: %.500s", evidence)
	}
	refused("confirm the evidence already confirmed", "confirm_evidence")
	if !strings.Contains(msg, "无法执行：") || !strings.Contains(msg, "已由") {
		t.Errorf("confirming confirmed evidence shows %q", msg)
	}
	act("close", "close", chromedp.SendKeys(`#a-c-reason`, "处置完毕", chromedp.ByQuery))
	if state != model.StateClosed || !strings.Contains(history, "申请办结") || !strings.Contains(history, "处置完毕") {
		t.Errorf("after closing: state %q, history %q", state, history)
	}
	checkChinese(t, "/incidents/INC-1 (closed)", history)
}

// checkChinese reports what of text people must not read (rawText).
func checkChinese(t *testing.T, path, text string) {
	t.Helper()
	for _, m := range rawText.FindAllString(text, -1) {
		i := strings.Index(text, m)
		t.Errorf("%s shows %q: …%s…", path, m, text[max(0, i-40):min(len(text), i+40)])
	}
}

// tourData gives the browser tests' posts what the analyzer finds in
// posts: keywords (the hot terms), topics and regions.
func tourData(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	for id, words := range map[string][]string{"p1": {"化工厂", "爆炸", "青岚县", "死亡"}, "p2": {"秋粮", "丰收", "青岚县"}} {
		p, err := st.GetPost(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		p.Version++
		for i, w := range words {
			p.Keywords = append(p.Keywords, model.Keyword{Word: w, Weight: 1 / float64(i+1)})
		}
		p.Regions = []model.Region{{Code: "451024", Name: "青岚县", Role: "mentioned"}}
		p.Topics = []model.Topic{{Name: map[string]string{"p1": "安全生产", "p2": "农业农村"}[id], Score: 0.9}}
		if err := st.UpsertPosts(ctx, []model.Post{p}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitLocation waits until the page loaded is one whose address contains
// part, asking again while a navigation replaces the document.
func waitLocation(part string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var href, state string
		for range 100 {
			err := chromedp.Run(ctx, chromedp.Evaluate(`location.href`, &href), chromedp.Evaluate(`document.readyState`, &state))
			if err == nil && strings.Contains(href, part) && state == "complete" {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("the page %s is not one of %s", href, part)
	})
}
