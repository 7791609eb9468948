package console

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/responder"
	"github.com/yuqing-project/yuqing/store"
)

// payload is hostile text tagged with where it was entered: a script
// element, an element with an event handler, an attribute breakout with
// a handler (double and single quotes) and a javascript: URL, each of
// which sets the global yqP to the tag if it ever runs. Rendered as text,
// the page shows it as it is, starting with 【tag】<img src=x onerror=.
func payload(tag string) string {
	return fmt.Sprintf(`【%s】<img src=x onerror="yqP='%[1]s'"><script>yqP='%[1]s'</script>" onmouseover="yqP='%[1]s'" autofocus onfocus="yqP='%[1]s'" x="' onfocus='yqP=1' javascript:yqP='%[1]s'`, tag)
}

// visible is how a payload tagged tag reads on a page that escapes it.
func visible(tag string) string { return "【" + tag + "】<img src=x onerror=" }

// shortPayload fits a field of at most 32 characters without white
// space (a user dictionary word) or 30 (a crawled author).
func shortPayload(tag string) string { return tag + `"><svg/onload=yqP=1>` }

// domCheck is JavaScript that reports what the page must not have: a
// handler that ran (yqP set), any on* attribute (the console has no
// inline handlers at all), a javascript: URL in an attribute that takes
// one, an injected element (img src=x, svg, a script mentioning yqP);
// with the page's text.
const domCheck = `(()=>{const bad=[];
if(typeof window.yqP!=='undefined')bad.push('a handler ran: yqP='+window.yqP);
for(const e of document.querySelectorAll('*')){
  for(const a of e.attributes){
    if(/^on/i.test(a.name))bad.push('attribute '+a.name+' on <'+e.tagName.toLowerCase()+'>');
    if(/^(href|src|action|formaction|xlink:href|data|poster)$/i.test(a.name)&&/^\s*javascript:/i.test(a.value))bad.push(a.name+'='+a.value+' on <'+e.tagName.toLowerCase()+'>');
  }
  const tag=e.tagName.toLowerCase();
  if(tag==='img'&&e.getAttribute('src')==='x')bad.push('an injected <img src=x>');
  if(tag==='svg'&&e.closest('main,header,footer,nav,article,section,body'))bad.push('an injected <svg>');
  if(tag==='script'&&/yqP/.test(e.textContent))bad.push('an injected <script>');
}
// ECharts' tooltips: absolutely placed divs with a z-index.
const tips=[...document.querySelectorAll('div')].filter(d=>d.style&&d.style.position==='absolute'&&/z-index/.test(d.getAttribute('style')||'')).map(d=>d.innerText);
const hrefs=[...document.querySelectorAll('a[href]')].map(a=>a.getAttribute('href'));
return JSON.stringify({bad:[...new Set(bad)],text:document.body.innerText,tips:tips,hrefs:hrefs});})()`

type domReport struct {
	Bad   []string `json:"bad"`
	Text  string   `json:"text"`
	Hrefs []string `json:"hrefs"`
	Tips  []string `json:"tips"`
}

// hostileSite is a news site whose articles carry the payloads in their
// titles, bodies, authors and URLs, written as a site would write text
// about markup: entities in the HTML, which the crawler decodes into the
// characters of the payload.
func hostileSite(t *testing.T) *httptest.Server {
	t.Helper()
	e := html.EscapeString
	articles := map[string]string{}
	var list strings.Builder
	list.WriteString(`<html><head><meta charset="utf-8"><title>澜州论坛</title></head><body><ul class="list">`)
	for i, what := range []string{"化工厂爆炸", "化工厂爆炸后续", "化工厂爆炸追责"} {
		n := i + 1
		path := fmt.Sprintf("/news/2026/11/21/a%d.html", n)
		if n == 3 {
			// A URL that breaks out of an attribute unless escaped.
			path += `?x="><img src=x onerror=yqP='url'>`
		}
		title := fmt.Sprintf("%s%s", what, payload(fmt.Sprintf("标题%d", n)))
		body := fmt.Sprintf(`<p>青岚县化工厂今日发生%s事故，造成3人死亡、12人受伤，群众强烈不满，质疑监管失职、救援迟缓，要求彻查追责。%s</p>
<p>网友留言称%s，现场浓烟滚滚，周边居民连夜撤离，附近学校停课，当地至今没有发布权威信息。</p>`, what, e(payload(fmt.Sprintf("正文%d", n))), e(shortPayload("岚峰化工")))
		articles[path] = fmt.Sprintf(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title>
<meta name="PubDate" content="2026-11-21 15:%02d:00"><meta name="author" content="%s"></head><body>
<h1>%s</h1><div class="info">发布时间：2026-11-21 15:%02d:00</div>
<div class="content">%s</div></body></html>`, e(title), 10+n, e(shortPayload(fmt.Sprintf("作者%d", n))), e(title), 10+n, body)
		list.WriteString(fmt.Sprintf(`<li><a href="%s">%s</a></li>`, e(path), e(title)))
	}
	list.WriteString(`</ul></body></html>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/" {
			fmt.Fprint(w, list.String())
			return
		}
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		page, ok := articles[r.URL.RequestURI()]
		if !ok {
			// The crawler may escape the query; look the page up by path.
			for p, a := range articles {
				if strings.HasPrefix(p, r.URL.Path) {
					page, ok = a, true
				}
			}
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type collect struct{ docs []model.Document }

func (c *collect) Publish(_ context.Context, docs ...model.Document) error {
	c.docs = append(c.docs, docs...)
	return nil
}

// TestEscapingInBrowser injects script, event-handler and javascript:
// payloads through a crawled site (the real crawler, analyzer and
// responder into the store: titles, bodies, authors, URLs, a scheme's
// name, a user dictionary word the analyzer then finds in the bodies, the
// events and incidents they open) and through the API (an incident's
// title and reason, a disclosure item, an assignee, reasons, a response's
// title, source and URL, a sentiment correction's note, a dictionary
// word), then renders every page that shows them in headless Chromium
// and checks the DOM: no injected element or attribute, no handler ran,
// no javascript: URL, and the payloads read as text. It fails when the
// console's templates do not escape (text/template instead of
// html/template).
func TestEscapingInBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "chromium", "chromium", "chromium-browser", "google-chrome")
	ctx := context.Background()
	start := time.Now()
	clock := func() time.Time { return browserNow.Add(time.Since(start)) }
	rcfg := config.ResponderConfig{Window: 72 * time.Hour, IncidentMinPosts: 3, IncidentNegativeShare: 0.5,
		IncidentMinSources: 1, IncidentBurstWindow: 6 * time.Hour}
	var resp *responder.Responder
	srv, st, _ := newServer(t, func(o *Options) {
		resp = responder.New(rcfg, o.Store.(store.Store), prometheus.NewRegistry(), nil, responder.WithClock(clock))
		o.Requests = applier{resp}
		o.Now = clock
		roster, err := notify.NewRoster([]notify.Person{{ID: "duty", Name: "值班员小王"}}, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		o.Settings = Settings{Sources: []SourceInfo{{ID: "hostile", Name: "澜州论坛", Kind: model.KindNews, Authority: model.TierForum, URL: "http://a/"}},
			Roster: roster}
	})

	// The dictionary word first (a 舆情监测员's), so that the analyzer
	// segments it out of the bodies as one term.
	useRole(t, srv, auth.RoleMonitor)
	word := shortPayload("岚峰化工")
	if code, body := post(t, srv.URL+"/api/v1/dictionary", fmt.Sprintf(`{"word":%q,"pos":"nt"}`, word)); code != http.StatusCreated {
		t.Fatalf("add the word: %d %s", code, body)
	}

	// Crawl the hostile site with the real crawler.
	site := hostileSite(t)
	ccfg := config.Default().Crawler
	ccfg.HostDelay = time.Millisecond
	pub := &collect{}
	cr, err := crawler.New(ccfg, []config.Source{{ID: "hostile", Name: "澜州论坛", Kind: model.KindNews, Authority: model.TierForum,
		URL: site.URL + "/", AllowPrivate: true, List: config.ListRules{MaxPages: 1}}}, pub, t.TempDir(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cr.PollNow(ctx, "hostile"); err != nil {
		t.Fatal(err)
	}
	if len(pub.docs) != 3 {
		t.Fatalf("crawled %d documents, want 3: %+v", len(pub.docs), pub.docs)
	}
	// Through the analyzer, with a scheme whose name is hostile and the
	// user dictionary the officer just changed.
	an, err := analyzer.New(config.AnalyzerConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := an.SetSchemes([]config.Scheme{{ID: "evil", Name: payload("方案"), Subjects: []string{"化工厂"}, Events: []string{"爆炸"}, Alert: true}}); err != nil {
		t.Fatal(err)
	}
	d, err := st.UserDictionary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var words []analyzer.UserWord
	for _, w := range d.Words {
		words = append(words, analyzer.UserWord{Word: w.Word, Freq: w.Freq, POS: w.POS})
	}
	if err := an.SetUserWords(words); err != nil {
		t.Fatal(err)
	}
	var posts []model.Post
	for _, doc := range pub.docs {
		if !strings.Contains(doc.Title, "<img src=x onerror=") || !strings.Contains(doc.Body, "<img src=x onerror=") || !strings.Contains(doc.Author, "<svg") {
			t.Fatalf("the crawler did not keep the payload as text: title %q, author %q, body %q", doc.Title, doc.Author, doc.Body)
		}
		// Fetched on the console's clock (the crawler's is the machine's),
		// so that the posts are news, not backlog.
		doc.FetchedAt = clock()
		p := an.Analyze(doc)
		posts = append(posts, p)
	}
	if err := st.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	if err := resp.HandlePosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	incs, err := st.ListIncidents(ctx, store.IncidentQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var crawledInc model.Incident
	for _, in := range incs {
		if strings.Contains(in.Title, "<img") {
			crawledInc = in
		}
	}
	if crawledInc.ID == "" {
		t.Fatalf("the crawled posts opened no incident: %+v", incs)
	}
	evs, err := st.ListEvents(ctx, time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var crawledEv string
	for _, ev := range evs {
		if strings.Contains(ev.Title, "<img") {
			crawledEv = ev.ID
		}
	}
	if crawledEv == "" {
		t.Fatalf("no event carries the crawled title: %+v", evs)
	}

	// Through the API: a correction's note, then, as the 处置负责人, an
	// incident and a disclosure item opened by hand and actions on them.
	if code, body := post(t, srv.URL+"/api/v1/posts/"+posts[0].ID+"/sentiment", fmt.Sprintf(`{"label":"neutral","note":%q}`, payload("复核"))); code != http.StatusCreated {
		t.Fatalf("correct: %d %s", code, body)
	}
	useRole(t, srv, auth.RoleHandler)
	var opened struct {
		Incident struct {
			ID string `json:"id"`
		} `json:"incident"`
	}
	code, body := post(t, srv.URL+"/api/v1/incidents", fmt.Sprintf(`{"title":%q,"level":"III","reason":%q}`, payload("事件"), payload("立案")))
	if code/100 != 2 || json.Unmarshal([]byte(body), &opened) != nil || opened.Incident.ID == "" {
		t.Fatalf("open an incident: %d %s", code, body)
	}
	apiInc := opened.Incident.ID
	code, body = post(t, srv.URL+"/api/v1/disclosures", fmt.Sprintf(`{"rule":"D-APPLY","title":%q,"date":"2026-11-20","reason":%q}`, payload("公开"), payload("申请")))
	if code/100 != 2 || json.Unmarshal([]byte(body), &opened) != nil || opened.Incident.ID == "" {
		t.Fatalf("open a disclosure item: %d %s", code, body)
	}
	discInc := opened.Incident.ID
	act := func(id, body string, want int) {
		t.Helper()
		if code, resp := post(t, srv.URL+"/api/v1/incidents/"+id+"/actions", body); code != want {
			t.Fatalf("action on %s %s: %d %s, want %d", id, body, code, resp, want)
		}
	}
	// An incident opened by hand is confirmed already (a second confirm is
	// refused with 409): its level is set instead.
	act(apiInc, fmt.Sprintf(`{"action":"set_level","level":"II","reason":%q}`, payload("定级")), http.StatusAccepted)
	act(crawledInc.ID, fmt.Sprintf(`{"action":"confirm","level":"II","reason":%q}`, payload("确认")), http.StatusAccepted)
	for _, id := range []string{apiInc, crawledInc.ID} {
		act(id, fmt.Sprintf(`{"action":"assign","assignee":%q}`, payload("处置人")), http.StatusAccepted)
		act(id, fmt.Sprintf(`{"action":"record_response","rule":"R-5H","url":%q,"title":%q,"source":%q}`,
			`http://gov.example/tb?x="><img src=x onerror=yqP='evidence'>`, payload("回应"), payload("发布方")), http.StatusAccepted)
		// A javascript: URL is never evidence.
		act(id, `{"action":"record_response","rule":"R-24H","url":"javascript:yqP='href'","title":"情况通报"}`, http.StatusBadRequest)
	}
	act(crawledInc.ID, fmt.Sprintf(`{"action":"waive","rule":"R-24H","reason":%q}`, payload("豁免")), http.StatusAccepted)

	// The browser, signed in as the 处置负责人.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1366, 768))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	tctx, cancel := context.WithTimeout(bctx, 150*time.Second)
	defer cancel()
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(tctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("log in", browserLogin(srv.URL, "handler"))

	q := func(s string) string { return strings.ReplaceAll(s, "#", "%23") }
	pages := []struct {
		path string
		// ready is a selector present once the page (and its script) has
		// drawn what it shows.
		ready string
		// texts must read on the page as they were entered.
		texts []string
	}{
		{"/", `#overview[data-drawn="1"]`, nil},
		{"/screen", `#overview[data-drawn="1"]`, nil},
		// The third article is a repost of the first: folded under it.
		{"/feed", `#total`, []string{visible("标题1"), visible("标题2"), visible("正文1"), visible("方案")}},
		{"/feed?q=" + q("化工厂"), `#total`, []string{visible("标题1")}},
		{"/posts/" + posts[0].ID, `main`, []string{visible("标题1"), visible("正文1"), shortPayload("作者1"), visible("方案")}},
		{"/posts/" + posts[1].ID, `main`, []string{visible("标题2"), visible("正文2")}},
		{"/posts/" + posts[2].ID, `main`, []string{visible("标题3")}},
		{"/events", `#events`, []string{"<img src=x onerror="}},
		{"/events/" + crawledEv, `#event[data-drawn="1"]`, []string{"<img src=x onerror="}},
		{"/incidents", `main`, []string{visible("事件"), visible("公开"), "<img src=x onerror="}},
		{"/incidents/" + apiInc, `#history`, []string{visible("事件"), visible("立案"), visible("定级"), visible("处置人"), visible("回应")}},
		{"/incidents/" + crawledInc.ID, `#history`, []string{"<img src=x onerror=", visible("确认"), visible("处置人"), visible("回应"), visible("豁免")}},
		{"/incidents/" + discInc, `#history`, []string{visible("公开")}},
		{"/settings", `#words`, []string{word}},
	}
	for _, pg := range pages {
		var raw string
		run("render "+pg.path, chromedp.Navigate(srv.URL+pg.path), chromedp.WaitReady(pg.ready, chromedp.ByQuery),
			chromedp.Poll(pageSettled, nil, chromedp.WithPollingTimeout(20*time.Second)),
			// The handlers of an injected element run on load; a tooltip
			// of each chart is shown, so that what ECharts renders as
			// HTML is in the DOM too.
			chromedp.Evaluate(`(()=>{if(typeof echarts==='undefined')return 0;let n=0;document.querySelectorAll('[_echarts_instance_]').forEach(el=>{
const c=echarts.getInstanceByDom(el);if(!c)return;(c.getOption().series||[]).forEach((s,i)=>{c.dispatchAction({type:'showTip',seriesIndex:i,dataIndex:0});n++;});});return n;})()`, nil),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Evaluate(domCheck, &raw))
		var rep domReport
		if err := json.Unmarshal([]byte(raw), &rep); err != nil {
			t.Fatalf("%s: %v", pg.path, err)
		}
		for _, b := range rep.Bad {
			t.Errorf("%s: %s", pg.path, b)
		}
		for _, want := range pg.texts {
			if !strings.Contains(rep.Text, want) {
				t.Errorf("%s does not show %q as text:\n%s", pg.path, want, rep.Text)
			}
		}
		if !strings.Contains(rep.Text, "<img src=x onerror=") && !strings.Contains(rep.Text, "<svg/onload=") {
			t.Errorf("%s shows no payload as text", pg.path)
		}
		if pg.path == "/posts/"+posts[2].ID && !slices.ContainsFunc(rep.Hrefs, func(h string) bool { return strings.HasPrefix(h, site.URL+"/news/2026/11/21/a3.html?x=") }) {
			t.Errorf("%s links not to its article %s: %q", pg.path, posts[2].URL, rep.Hrefs)
		}
		t.Logf("%s: %d links, %d characters of text, %d chart tooltips shown", pg.path, len(rep.Hrefs), len(rep.Text), len(rep.Tips))
	}
}
