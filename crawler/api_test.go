package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// TestAPISource polls a JSON API of two pages (followed through
// api.next): items map to documents keyed by source and native ID, times
// are read by time_format, an item without text is completed from its
// page, and an unchanged answer publishes nothing.
func TestAPISource(t *testing.T) {
	var mu sync.Mutex
	second := `{"id": 3, "title": "网民反映路灯不亮", "content": "<p>城南路段路灯不亮已有一周。</p>", "ts": 1763686800, "user": "市民甲"}`
	pages := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body, ok := pages[r.URL.RequestURI()]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := "application/json; charset=utf-8"
		if strings.HasSuffix(r.URL.Path, ".html") {
			ct = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	set := func(path, body string) {
		mu.Lock()
		defer mu.Unlock()
		pages[path] = body
	}
	set("/api/list?page=1", `{"code": 0, "data": {"list": [
		{"id": 1, "title": "县政府召开安全生产会议", "content": "会议部署了冬季安全生产工作，要求压实责任、排查隐患。", "ts": 1763683200, "user": "县融媒体中心", "link": "/news/1.html"},
		{"id": 2, "title": "关于做好冬季供暖工作的通知", "content": "", "ts": 1763600000, "link": "/news/2.html"}
	], "next": "/api/list?page=2"}}`)
	set("/api/list?page=2", `{"code": 0, "data": {"list": [`+second+`], "next": null}}`)
	set("/news/2.html", articlePage("关于做好冬季供暖工作的通知"))

	src := testSource("api", model.KindAPI, srv.URL+"/api/list?page=1")
	src.API = config.APIRules{Items: "data.list", ID: "id", Title: "title", Body: "content", Time: "ts",
		Author: "user", URL: "link", TimeFormat: "unix", Next: "data.next", MaxPages: 3}
	pub := &fakePublisher{}
	c := newCrawler(t, []config.Source{src}, pub, t.TempDir(), prometheus.NewRegistry())
	ctx := context.Background()
	if err := c.PollNow(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	docs := byTitle(pub.take())
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3: %v", len(docs), docs)
	}
	for _, tc := range []struct {
		title, id, url, author, body, timeSource string
		published                                time.Time
	}{
		{"县政府召开安全生产会议", "1", srv.URL + "/news/1.html", "县融媒体中心", "压实责任", TimeFromAPI, time.Unix(1763683200, 0)},
		{"关于做好冬季供暖工作的通知", "2", srv.URL + "/news/2.html", "", para, TimeFromAPI, time.Unix(1763600000, 0)},
		{"网民反映路灯不亮", "3", srv.URL + "/api/list?page=2", "市民甲", "城南路段路灯不亮已有一周。", TimeFromAPI, time.Unix(1763686800, 0)},
	} {
		d, ok := docs[tc.title]
		if !ok {
			t.Errorf("no document %q", tc.title)
			continue
		}
		if d.ID != model.DocumentID("api\x00"+tc.id) || d.URL != tc.url || d.Author != tc.author ||
			!strings.Contains(d.Body, tc.body) || strings.Contains(d.Body, "<p>") ||
			d.PublishedAtSource != tc.timeSource || !d.PublishedAt.Equal(tc.published) || d.SourceKind != model.KindAPI {
			t.Errorf("document %q = {id %s url %s author %q body %q time %v (%s)}", tc.title, d.ID, d.URL, d.Author,
				d.Body, d.PublishedAt, d.PublishedAtSource)
		}
	}

	if err := c.PollNow(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("unchanged API answer published %d documents", len(d))
	}

	set("/api/list?page=2", `{"data": {"list": [`+strings.Replace(second, "已有一周", "已有两周", 1)+`]}}`)
	if err := c.PollNow(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 1 || d[0].ID != model.DocumentID("api\x003") || !strings.Contains(d[0].Body, "两周") {
		t.Errorf("changed item: got %+v, want one new version of item 3", d)
	}

	set("/api/list?page=1", `{"data": {"items": []}}`)
	if err := c.PollNow(ctx, "api"); err == nil || !strings.Contains(err.Error(), `no array at api.items "data.list"`) {
		t.Errorf("answer without the items array: err = %v", err)
	}
}

func TestJSONPathAndAPITime(t *testing.T) {
	doc := map[string]any{"data": map[string]any{"list": []any{map[string]any{"t": "x"}}}}
	for _, tc := range []struct {
		path string
		ok   bool
	}{{"data.list.0.t", true}, {"data.list.1.t", false}, {"data.nope", false}, {"", true}, {"data.list.x", false}} {
		if _, ok := jsonPath(doc, tc.path); ok != tc.ok {
			t.Errorf("jsonPath(%q) ok = %v, want %v", tc.path, ok, tc.ok)
		}
	}
	for _, tc := range []struct {
		in, format string
		want       time.Time
	}{
		{"1763683200", "unix", time.Unix(1763683200, 0)},
		{"1763683200000", "unix_ms", time.Unix(1763683200, 0)},
		{"1763683200000", "", time.Unix(1763683200, 0)},
		{"1763683200", "", time.Unix(1763683200, 0)},
		{"2025-11-21 09:06", "2006-01-02 15:04", time.Date(2025, 11, 21, 9, 6, 0, 0, model.China)},
		{"2025-11-21 09:06:34", "", time.Date(2025, 11, 21, 9, 6, 34, 0, model.China)},
		{"soon", "unix", time.Time{}},
	} {
		if got := apiTime(tc.in, tc.format); !got.Equal(tc.want) {
			t.Errorf("apiTime(%q, %q) = %v, want %v", tc.in, tc.format, got, tc.want)
		}
	}
}
