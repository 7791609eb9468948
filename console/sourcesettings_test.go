package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/settings"
	"github.com/yuqing-project/yuqing/store"
)

// seedSources imports two configured sources (the ones the test posts
// come from) and records polls of them: news polled fine 3 minutes ago
// after a failure, portal failing now.
func seedSources(t testing.TB, st store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	cfg := []config.Source{
		{ID: "news", Name: "澜州新闻网", Kind: model.KindNews, Authority: model.TierLocal, URL: "https://news.example.cn/list", Interval: 10 * time.Minute},
		{ID: "portal", Name: "青岚县人民政府", Kind: model.KindPortal, Authority: model.TierOfficial, URL: "https://www.example.gov.cn/"},
	}
	if _, err := settings.Seed(ctx, st, settings.SourceSeed(cfg), now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	polls := []model.SourcePoll{
		{ID: "n1", SourceID: "news", At: now.Add(-time.Hour), Result: model.PollFetchError, Problem: model.ProblemTimeout, Error: "cannot fetch: timeout"},
		{ID: "n2", SourceID: "news", At: now.Add(-3 * time.Minute), Result: model.PollOK, Documents: 4, Fetched: 6, RobotsRefused: 2},
		{ID: "p1", SourceID: "portal", At: now.Add(-5 * time.Minute), Result: model.PollFetchError, Problem: model.ProblemHTTP,
			Error: `cannot fetch list page "https://www.example.gov.cn/": HTTP 503`},
	}
	if err := st.AppendSourcePolls(ctx, polls); err != nil {
		t.Fatal(err)
	}
}

// TestSourcesAPI lists the sources with their status, and adds, edits,
// disables and enables one through the API by ID and by name: a role
// without source.edit is refused (403, audited as denied), the system
// administrator's changes land in the store's settings (what the
// crawler's watcher reads) and in the audit log, and a bad source is a 400
// naming the field with a Chinese message.
func TestSourcesAPI(t *testing.T) {
	// Half an hour after the test posts were published, a millisecond on
	// at every reading, so changes are ordered as made.
	var tick atomic.Int64
	at := time.Date(2026, 11, 21, 6, 30, 0, 0, time.UTC)
	srv, st, c := newServer(t, func(o *Options) {
		o.Now = func() time.Time { return at.Add(time.Duration(tick.Add(1)) * time.Millisecond) }
	})
	ctx := context.Background()
	seedSources(t, st, at)

	useRole(t, srv, auth.RoleViewer)
	const flood = `{"id":"bbs","name":"青岚论坛","kind":"forum","authority":"论坛","url":"https://bbs.example.cn/forum-2-1.html","interval":"15m"}`
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/v1/sources", flood},
		{"PUT", "/api/v1/sources/news", `{"name":"改","kind":"news","url":"https://a.example.cn/"}`},
		{"POST", "/api/v1/sources/news/disable", ``},
		{"POST", "/api/v1/sources/news/enable", ``},
	} {
		if code, _, body := do(t, r.method, srv.URL+r.path, r.body); code != http.StatusForbidden {
			t.Errorf("viewer %s %s = %d %s; want 403", r.method, r.path, code, body)
		}
	}
	code, body := get(t, srv.URL+"/api/v1/sources")
	if code != 200 {
		t.Fatalf("viewer GET /api/v1/sources = %d %s", code, body)
	}
	var list struct {
		Items []sourceItem `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 2 {
		t.Fatalf("GET /api/v1/sources = %s, %v", body, err)
	}
	news, portal := list.Items[0].Status, list.Items[1].Status
	// news: its post of the test data was published now, its latest poll
	// was fine, one failure and two robots refusals in 24 hours.
	if news.State != "ok" || news.StateText != "正常" || !news.LastPoll.Equal(at.Add(-3*time.Minute)) || news.Errors != 1 ||
		news.Polls != 2 || news.RobotsRefused != 2 || news.Documents != 1 || news.LastError != "网站响应超时。" {
		t.Errorf("news status = %+v", news)
	}
	if portal.State != "error" || portal.StateText != "出错" || portal.LastError != "网站返回错误（HTTP 503）。" || portal.Errors != 1 || portal.Documents != 1 {
		t.Errorf("portal status = %+v", portal)
	}
	if !list.Items[0].FromConfig || list.Items[0].Interval != "10m0s" {
		t.Errorf("news = %+v; want from the configuration, every 10m", list.Items[0])
	}

	useRole(t, srv, auth.RoleSysAdmin)
	name := url.PathEscape("青岚论坛")
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/api/v1/sources", flood, 201, `"changed_by":"sysadmin"`},
		{"POST", "/api/v1/sources", flood, 409, `"field":"id"`},
		{"POST", "/api/v1/sources", `{"id":"bbs2","name":"青岚论坛","kind":"forum","url":"https://bbs.example.cn/"}`, 409, `"field":"name"`},
		{"POST", "/api/v1/sources", `{"id":"x","name":"坏","kind":"news","url":"ftp://x.example.cn/"}`, 400, `"field":"url","message":"网址须以 http:// 或 https:// 开头`},
		{"POST", "/api/v1/sources", `{"id":"x","name":"坏","kind":"telegram","url":"https://x.example.cn/"}`, 400, `"field":"kind","message":"未知的信息源类型「telegram」`},
		{"POST", "/api/v1/sources", `{"id":"x","name":"快","kind":"news","url":"https://x.example.cn/","interval":"10s"}`, 400, `"field":"interval","message":"抓取间隔太短`},
		{"POST", "/api/v1/sources", `{"id":"x","name":"怪","kind":"news","url":"https://x.example.cn/","interval":"soon"}`, 400, `"field":"interval"`},
		{"POST", "/api/v1/sources", `{"id":"x","name":"内网","kind":"news","url":"http://10.0.0.1/","allow_private":true}`, 400, `"field":"allow_private"`},
		{"POST", "/api/v1/sources", `{"id":"x","name":"选择器","kind":"news","url":"https://x.example.cn/","list":{"links":"ul >> a"}}`, 400, `"field":"list.links"`},
		{"POST", "/api/v1/sources", `{"id":"x","name":"接口","kind":"api","url":"https://x.example.cn/api"}`, 400, `"field":"api.id"`},
		{"POST", "/api/v1/sources", `{"id":"a.b","name":"点","kind":"news","url":"https://x.example.cn/"}`, 400, `"field":"id"`},
		{"POST", "/api/v1/sources", `{"id":"y","kind":"news","url":"https://x.example.cn/"}`, 400, `"field":"name","message":"请填写信息源名称。"`},
		{"POST", "/api/v1/sources", `{"id":"y","name":"甲","kind":"news","url":"https://x.example.cn/","colour":"red"}`, 400, `unknown field`},
		{"PUT", "/api/v1/sources/" + name, `{"name":"青岚论坛","kind":"forum","authority":"论坛","url":"https://bbs.example.cn/forum-2-1.html","interval":"30m"}`, 200, `"interval":"30m0s"`},
		{"PUT", "/api/v1/sources/bbs", `{"id":"other","name":"改名","kind":"forum","url":"https://bbs.example.cn/"}`, 400, `"field":"id"`},
		{"PUT", "/api/v1/sources/none", `{"name":"无","kind":"news","url":"https://x.example.cn/"}`, 404, `没有编号或名称为「none」的信息源`},
		{"POST", "/api/v1/sources/" + url.PathEscape("澜州新闻网") + "/disable", ``, 200, `"state":"disabled"`},
		{"POST", "/api/v1/sources/none/enable", ``, 404, `not found`},
		{"GET", "/api/v1/sources/" + name + "/history", ``, 200, `"what":"修改抓取间隔"`},
		{"GET", "/api/v1/sources/news/history", ``, 200, `"what":"停用"`},
		{"GET", "/api/v1/sources/none/history", ``, 404, `not found`},
		{"GET", "/api/v1/sources?x=1", ``, 400, `x`},
	} {
		code, _, body := do(t, tc.method, srv.URL+tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s = %d %s; want %d containing %s", tc.method, tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}

	// A source is addressed by its name in the settings too: renamed,
	// its posts (collected under the old name) are found by the new one.
	renamed := `{"name":"澜州新闻","kind":"news","authority":"地方媒体","url":"https://news.example.cn/list","interval":"10m","disabled":true}`
	if code, _, body := do(t, "PUT", srv.URL+"/api/v1/sources/news", renamed); code != 200 {
		t.Fatalf("rename = %d %s", code, body)
	}
	useRole(t, srv, auth.RoleViewer)
	// The settings page lists the source added in the console, and the
	// renamed one by its name now.
	if code, body := get(t, srv.URL+"/settings"); code != 200 || !strings.Contains(body, "青岚论坛") || !strings.Contains(body, "<td>澜州新闻<") {
		t.Errorf("GET /settings = %d, lacks the stored sources:\n%s", code, body)
	}
	for _, v := range []string{"澜州新闻", "澜州新闻网", "news"} {
		code, body := get(t, srv.URL+"/api/v1/posts?source="+url.QueryEscape(v))
		if code != 200 || !strings.Contains(body, `"id":"p1"`) || strings.Contains(body, `"id":"p2"`) {
			t.Errorf("GET /api/v1/posts?source=%s = %d %.300s; want p1 only", v, code, body)
		}
	}

	// What the crawler's watcher reads: bbs added and edited, news disabled.
	set, err := st.CurrentSettings(ctx, model.SettingSource)
	if err != nil {
		t.Fatal(err)
	}
	all, err := settings.Sources(set)
	if err != nil {
		t.Fatal(err)
	}
	enabled := settings.EnabledSources(all)
	if len(all) != 3 || len(enabled) != 2 || enabled[0].ID != "bbs" || enabled[0].Interval != 30*time.Minute || enabled[1].ID != "portal" {
		t.Errorf("sources in force = %+v, enabled %+v", all, enabled)
	}

	audit := strings.Join(auditRecords(t, c), "\n")
	for _, want := range []string{
		"viewer POST /api/v1/sources /api/v1/sources denied 缺少权限 source.edit",
		"sysadmin source.create source:bbs ok 青岚论坛",
		"sysadmin source.edit source:bbs ok 青岚论坛",
		"sysadmin source.disable source:news ok 澜州新闻网",
		"sysadmin source.create source:x failed",
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %q:\n%s", want, audit)
		}
	}
	if n := strings.Count(audit, "source.create source:bbs ok"); n != 1 {
		t.Errorf("the creation of bbs is audited %d times, want once", n)
	}
}
