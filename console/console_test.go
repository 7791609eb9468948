package console

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/httpserver"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// newServer serves a console on a small data set through httpserver, as
// the binary does; opts change the console's options before it is built.
func newServer(t testing.TB, opts ...func(*Options)) (*httptest.Server, store.Store, *Console) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	posts := []model.Post{
		{Document: model.Document{ID: "p1", URL: "http://a/1", SourceID: "news", SourceName: "澜州新闻网", Title: "化工厂爆炸事故致3人死亡",
			Body: "青岚县化工厂发生爆炸。", PublishedAt: now}, Sentiment: model.Sentiment{Label: model.Negative, Score: 0.9, Evidence: []string{"爆炸", "死亡"}},
			Schemes: []model.SchemeHit{{ID: "chem", Name: "危化品安全", Terms: []string{"化工厂", "爆炸"}, Alert: true}}},
		{Document: model.Document{ID: "p2", URL: "http://a/2", SourceID: "portal", SourceName: "青岚县人民政府", Title: "全县秋粮丰收",
			Body: "粮食产量创新高。", PublishedAt: now.Add(-time.Hour)}, Sentiment: model.Sentiment{Label: model.Positive, Score: 0.8}},
	}
	if err := st.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	inc := model.Incident{ID: "INC-1", Version: 1, EventID: "EV-1", Title: "化工厂爆炸", Level: "II", State: model.StatePending,
		OpenedAt: now, ClockStart: now, Open: true, Obligations: []model.Obligation{{Rule: "R-5H", Title: "发布权威信息",
			DueAt: now.Add(5 * time.Hour), State: model.ObligationPending}}}
	if err := st.UpsertIncidents(ctx, []model.Incident{inc}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	o := Options{Store: st, Requests: &requestLog{}, Rules: rules.Default(), SchemeOptions: analyzer.SchemeOptions(), Registerer: reg,
		Auth: newAuth(t, st)}
	for _, f := range opts {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := httpserver.New(httpserver.Options{Gatherer: reg, Registerer: reg, App: s.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hs.Handler())
	t.Cleanup(srv.Close)
	useRole(t, srv, auth.RoleHandler)
	return srv, st, s
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := clientFor(u).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestReadAPI(t *testing.T) {
	srv, _, _ := newServer(t)
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/posts", 200, `"total":2`},
		{"/api/v1/posts?q=爆炸", 200, `"total":1`},
		{"/api/v1/posts?sentiment=positive", 200, `"title":"全县秋粮丰收"`},
		{"/api/v1/posts?source=portal&limit=1", 200, `"total":1`},
		{"/api/v1/posts?limit=0", 400, `invalid query parameter limit=\"0\": must be between 1 and 1000`},
		{"/api/v1/posts?sentiment=angry", 400, `invalid query parameter sentiment=\"angry\": must be positive, neutral or negative`},
		{"/api/v1/posts?since=yesterday", 400, `invalid query parameter since=\"yesterday\": not an RFC 3339 time`},
		{"/api/v1/posts/p1", 200, `"body":"青岚县化工厂发生爆炸。"`},
		{"/api/v1/posts/p1", 200, `"schemes":[{"id":"chem","name":"危化品安全","terms":["化工厂","爆炸"],"alert":true}]`},
		{"/api/v1/posts/p2", 200, `"schemes":[]`},
		{"/api/v1/posts?scheme=chem", 200, `"total":1`},
		{"/api/v1/posts?scheme=none", 200, `"total":0`},
		{"/api/v1/posts/p1", 200, `"sentiment":{"label":"negative","score":0.9,"negativity":0,"evidence":["爆炸","死亡"],"corrected":false},"model_sentiment":{"label":"negative","score":0.9,"negativity":0,"evidence":["爆炸","死亡"]}`},
		{"/api/v1/posts/none", 404, `not found`},
		{"/api/v1/incidents?open=true", 200, `"obligations":[{"rule":"R-5H"`},
		{"/api/v1/incidents?open=maybe", 400, `invalid query parameter open=\"maybe\"`},
		{"/api/v1/incidents/INC-1", 200, `"incident":{"id":"INC-1"`},
		{"/api/v1/rules", 200, `"id":"R-24H"`},
		{"/healthz", 200, "ok"},
		{"/", 200, "待处置事件（按最近时限）"},
		{"/incidents", 200, "化工厂爆炸"},
		{"/feed?q=爆炸", 200, "共<b>1</b>条信息"},
		{"/incidents/INC-1", 200, "国办发〔2016〕80号"},
		{"/incidents/NONE", 404, "没有找到"},
		{"/api/v1/incidents/INC-1/deliveries", 200, `"items":[]`},
	} {
		code, body := get(t, srv.URL+tc.path)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d %.300s; want %d containing %s", tc.path, code, body, tc.code, tc.want)
		}
	}
}

func post(t *testing.T, u, body string) (int, string) {
	t.Helper()
	resp, err := clientFor(u).Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestActions(t *testing.T) {
	var c Options
	srv, st, _ := newServer(t, func(o *Options) { c = *o })
	u := srv.URL + "/api/v1/incidents/INC-1/actions"
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"action":"confirm","actor":"李科长","level":"II","reason":"多家媒体报道"}`, 202, `"action":"request.confirm"`},
		{`{"action":"assign","actor":"李科长","assignee":"应急局"}`, 202, `"actor":"handler"`}, // the account, not the body
		{`{"action":"record_response","actor":"王干事","rule":"R-5H","url":"http://gov/tb","title":"情况通报"}`, 202, `"status":"accepted"`},
		{`{"action":"delete","actor":"x"}`, 400, `invalid field action=\"delete\"`},
		{`{"action":"nothing"}`, 400, `invalid field action=\"nothing\"`},
		{`{"action":"assign","actor":"x"}`, 400, `missing field assignee: assign needs it`},
		{`{"action":"waive","actor":"x","rule":"R-5H"}`, 400, `missing field reason: waive needs it`},
		{`{"action":"set_level","actor":"x","level":"V"}`, 400, `invalid field level=\"V\"`},
		{`{"action":"waive","actor":"x","rule":"R-99H","reason":"r"}`, 400, `invalid field rule=\"R-99H\": incident INC-1 has no such obligation`},
		{`{"action":"close","actor":"x","extra":1}`, 400, `unknown field \"extra\"`},
		{`not json`, 400, `invalid request body`},
	} {
		code, body := post(t, u, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s = %d %s; want %d containing %s", tc.body, code, body, tc.code, tc.want)
		}
	}
	if code, _ := post(t, srv.URL+"/api/v1/incidents/NONE/actions", `{"action":"close","actor":"x"}`); code != 404 {
		t.Errorf("action on a missing incident = %d, want 404", code)
	}
	h, err := st.ListHistory(context.Background(), "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 {
		t.Fatalf("history has %d entries, want the 3 accepted requests", len(h))
	}
	var req model.Request
	if err := json.Unmarshal([]byte(h[2].Reason), &req); err != nil || req.URL != "http://gov/tb" || req.Rule != "R-5H" {
		t.Errorf("stored request = %q (%v)", h[2].Reason, err)
	}
	code, body := get(t, srv.URL+"/api/v1/incidents/INC-1/history")
	if code != 200 || !strings.Contains(body, `"action":"request.record_response"`) {
		t.Errorf("history = %d %s", code, body)
	}
	// Each accepted request went to the responder, as recorded.
	sent := c.Requests.(*requestLog).sent()
	if len(sent) != len(h) {
		t.Fatalf("%d requests handed to the responder, want the %d recorded", len(sent), len(h))
	}
	for i := range sent {
		if sent[i].HistoryEntry != h[i] || sent[i].Incident != nil {
			t.Errorf("request %d handed over as %+v, recorded as %+v", i, sent[i], h[i])
		}
	}
}

// TestActionsWhenTheBusIsDown: a request that cannot be handed to the
// responder is refused with 503 and recorded nowhere, so it is never in
// the history without being applied; an incident opened by hand likewise.
func TestActionsWhenTheBusIsDown(t *testing.T) {
	requests := &requestLog{err: errors.New("broker unreachable")}
	srv, st, _ := newServer(t, func(o *Options) { o.Requests = requests })
	code, body := post(t, srv.URL+"/api/v1/incidents/INC-1/actions", `{"action":"close","actor":"李科长"}`)
	if code != 503 || !strings.Contains(body, "try again") {
		t.Errorf("action with the bus down = %d %s, want 503", code, body)
	}
	code, body = post(t, srv.URL+"/api/v1/incidents", `{"title":"电话报告:山体滑坡","level":"III","actor":"值班员","event_time":"2026-11-21T05:00:00Z"}`)
	if code != 503 {
		t.Errorf("incident opened with the bus down = %d %s, want 503", code, body)
	}
	h, err := st.ListHistory(context.Background(), "INC-1")
	if err != nil || len(h) != 0 {
		t.Errorf("history after refused requests = %v, %v; want empty", h, err)
	}
	incs, err := st.ListIncidents(context.Background(), store.IncidentQuery{})
	if err != nil || len(incs) != 1 {
		t.Errorf("incidents after a refused opening = %d, %v; want the 1 there was", len(incs), err)
	}
}

func TestAckLinks(t *testing.T) {
	acker, err := notify.NewAcker("ack-secret-0123456789abcdef", "http://console.test/api/v1/ack", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, st, _ := newServer(t, func(o *Options) { o.Acker = acker })
	token := acker.Token(notify.AckClaims{IncidentID: "INC-1", Key: "opened", Recipient: "duty", Expires: time.Now().Add(time.Hour).Unix()})
	// The link works without a login, and does nothing else.
	anon := func(u string, hdr ...string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := anon(srv.URL + "/api/v1/ack?token=" + url.QueryEscape(token)); code != 200 || !strings.Contains(body, "已确认收到") {
		t.Errorf("valid ack = %d %s", code, body)
	}
	if code, body := anon(srv.URL + "/api/v1/ack?token=" + url.QueryEscape(token+"x")); code != 403 || !strings.Contains(body, "链接无效") {
		t.Errorf("tampered ack = %d %s", code, body)
	}
	if code, _ := anon(srv.URL+"/api/v1/incidents/INC-1?token="+url.QueryEscape(token), "Authorization", "Bearer "+token); code != 401 {
		t.Errorf("the ack token opened the API: %d, want 401", code)
	}
	h, _ := st.ListHistory(context.Background(), "INC-1")
	if len(h) != 1 || h[0].Action != model.RequestPrefix+model.RequestAcknowledge || h[0].Actor != "duty" {
		t.Errorf("history after the ack = %+v", h)
	}
}

func TestOpenByHand(t *testing.T) {
	srv, st, _ := newServer(t)
	for _, tc := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/api/v1/incidents", `{"title":"电话报告:某镇发生山体滑坡","level":"II","reason":"镇政府电话报告","actor":"周值班"}`, 201, `"id":"INC-M-`},
		{"/api/v1/incidents", `{"title":"x","level":"V","actor":"a"}`, 400, `invalid field level=\"V\"`},
		{"/api/v1/incidents", `{"level":"I","actor":"a"}`, 400, `missing field title`},
		{"/api/v1/incidents", `{"title":"x","level":"I","actor":"a","event_time":"2999-01-01T00:00:00Z"}`, 400, `in the future`},
		{"/api/v1/disclosures", `{"rule":"D-APPLY","title":"张某申请公开征地补偿方案","date":"2026-09-25","actor":"公开办"}`, 201, `"kind":"disclosure"`},
		{"/api/v1/disclosures", `{"rule":"D-XX","title":"t","date":"2026-09-25","actor":"a"}`, 400, `invalid field rule=\"D-XX\"`},
		{"/api/v1/disclosures", `{"rule":"D-APPLY","title":"t","date":"25/09/2026","actor":"a"}`, 400, `invalid field date=\"25/09/2026\": want YYYY-MM-DD`},
	} {
		code, body := post(t, srv.URL+tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %s = %d %s; want %d containing %s", tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	incs, err := st.ListIncidents(context.Background(), store.IncidentQuery{OnlyOpen: true})
	if err != nil || len(incs) != 3 {
		t.Fatalf("open incidents after two entries by hand: %d, %v; want 3", len(incs), err)
	}
}

func TestEventTimeline(t *testing.T) {
	srv, st, _ := newServer(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	repost := model.Post{Document: model.Document{ID: "p3", URL: "http://b/3", SourceID: "feed", SourceName: "青岚生活圈", Authority: model.TierSelfMedia,
		Title: "转:化工厂爆炸事故致3人死亡", Body: "青岚县化工厂发生爆炸。", Origin: "澜州新闻网", PublishedAt: now.Add(10 * time.Minute)},
		Sentiment: model.Sentiment{Label: model.Negative}}
	if err := st.UpsertPosts(ctx, []model.Post{repost}); err != nil {
		t.Fatal(err)
	}
	ev := model.Event{ID: "EV-1", Version: 1, Title: "化工厂爆炸", FirstPostID: "p1", FirstSeen: now, LastSeen: now.Add(10 * time.Minute),
		PostCount: 2, NegativeCount: 2, SourceCount: 2, PostIDs: []string{"p3", "p1"}}
	if err := st.UpsertEvents(ctx, []model.Event{ev}); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, srv.URL+"/api/v1/events/EV-1")
	if code != 200 {
		t.Fatalf("GET event = %d %s", code, body)
	}
	var got struct {
		Timeline []struct {
			ID       string `json:"id"`
			RepostOf string `json:"repost_of"`
		} `json:"timeline"`
		HeatParts map[string]float64 `json:"heat_parts"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Timeline) != 2 || got.Timeline[0].ID != "p1" || got.Timeline[1].RepostOf != "p1" {
		t.Errorf("timeline = %+v, want p1 first and p3 as its repost", got.Timeline)
	}
	if got.HeatParts["negativity"] != 20 {
		t.Errorf("heat parts = %v, want negativity 20 (all negative)", got.HeatParts)
	}
}

func TestSchemeBacktest(t *testing.T) {
	srv, st, _ := newServer(t)
	now := time.Now().UTC()
	fresh := []model.Post{
		{Document: model.Document{ID: "b1", Title: "码头硫酸泄漏", Body: "一艘货轮在码头发生硫酸泄漏,周边道路临时封闭。", PublishedAt: now.Add(-time.Hour)}},
		{Document: model.Document{ID: "b2", Title: "化工码头演练", Body: "码头举行危化品泄漏应急演练。", PublishedAt: now.Add(-2 * time.Hour)}},
		{Document: model.Document{ID: "b3", Title: "旧闻:码头硫酸泄漏", Body: "去年码头硫酸泄漏。", PublishedAt: now.Add(-10 * 24 * time.Hour)}},
	}
	if err := st.UpsertPosts(context.Background(), fresh); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"scheme":{"subjects":["码头"],"events":["硫酸泄漏"]},"days":3}`, 200, `"matched":1`},
		{`{"scheme":{"subjects":["码头"],"events":["硫酸泄漏"]},"days":30}`, 200, `"matched":2`},
		{`{"scheme":{"expression":"码头 AND 泄漏 NOT 演练"},"days":3}`, 200, `"title":"码头硫酸泄漏"`},
		{`{"scheme":{"expression":"化工厂 AND (爆炸"},"days":7}`, 400, `missing ) to close (`},
		{`{"scheme":{"subjects":["化工厂"]},"days":0}`, 400, `invalid field days=0`},
	} {
		code, body := post(t, srv.URL+"/api/v1/schemes/backtest", tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("backtest %s = %d %s; want %d containing %s", tc.body, code, body, tc.code, tc.want)
		}
	}
}

// requestLog keeps what the console hands to the responder; the
// whole-binary tests send it over the real bus.
type requestLog struct {
	mu   sync.Mutex
	reqs []bus.Request
	err  error // returned while set: the bus is unavailable
}

func (l *requestLog) PublishRequests(_ context.Context, reqs ...bus.Request) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	l.reqs = append(l.reqs, reqs...)
	return nil
}

func (l *requestLog) sent() []bus.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// TestTheAPISaysWhatItDoes: an unknown query parameter is refused naming
// it, open=false lists only closed incidents, a source is found by its
// name as by its ID, and a request the responder would ignore (any on a
// closed incident) is refused with 409 saying why and recorded nowhere.
func TestTheAPISaysWhatItDoes(t *testing.T) {
	srv, st, _ := newServer(t)
	ctx := context.Background()
	closed := model.Incident{ID: "INC-0", Version: 2, Title: "旧事件", Level: "IV", State: model.StateClosed, OpenedAt: time.Now(), ClockStart: time.Now()}
	if err := st.UpsertIncidents(ctx, []model.Incident{closed}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/posts?region=451024&level=II", 400, `unknown: level`},
		{"/api/v1/posts?source=澜州新闻网", 200, `"total":1`},
		{"/api/v1/posts?source=news", 200, `"total":1`},
		{"/api/v1/posts?region=000000", 200, `"total":0`},
		{"/api/v1/incidents?open=false", 200, `"id":"INC-0"`},
		{"/api/v1/incidents?topic=x", 400, `unknown: topic`},
		{"/api/v1/events?x=1", 400, `unknown: x`},
		{"/feed?nope=1", 400, "查询条件有误"},
	} {
		code, body := get(t, srv.URL+tc.path)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d %.300s; want %d containing %s", tc.path, code, body, tc.code, tc.want)
		}
	}
	if _, body := get(t, srv.URL+"/api/v1/incidents?open=false"); strings.Contains(body, `"id":"INC-1"`) {
		t.Errorf("open=false lists an open incident: %s", body)
	}
	code, body := post(t, srv.URL+"/api/v1/incidents/INC-0/actions", `{"action":"set_level","actor":"李四","level":"I"}`)
	if code != 409 || !strings.Contains(body, "已办结") {
		t.Errorf("set_level after close = %d %s, want 409 saying it is closed", code, body)
	}
	if h, err := st.ListHistory(ctx, "INC-0"); err != nil || len(h) != 0 {
		t.Errorf("history of the closed incident %v, %v; want nothing recorded", h, err)
	}
}

// TestFeedExport: the feed's current result as CSV and as a workbook.
func TestFeedExport(t *testing.T) {
	srv, _, _ := newServer(t)
	code, body := get(t, srv.URL+"/feed/export?q=爆炸")
	if code != 200 || !strings.HasPrefix(body, "\ufeff发布时间,信息源") || !strings.Contains(body, "化工厂爆炸事故致3人死亡") || strings.Contains(body, "全县秋粮丰收") {
		t.Errorf("CSV export = %d %q", code, body)
	}
	resp, err := clientFor(srv.URL).Get(srv.URL + "/feed/export?format=xlsx&sentiment=positive")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the workbook is not a zip: %v", err)
	}
	var sheet string
	for _, f := range z.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			r, _ := f.Open()
			s, _ := io.ReadAll(r)
			sheet = string(s)
		}
	}
	if !strings.Contains(sheet, `<c r="E2" t="inlineStr"><is><t xml:space="preserve">全县秋粮丰收</t>`) || strings.Contains(sheet, "化工厂") {
		t.Errorf("sheet = %s", sheet)
	}
	if code, body := get(t, srv.URL+"/feed/export?format=pdf"); code != 400 || !strings.Contains(body, "format") {
		t.Errorf("export as pdf = %d %s", code, body)
	}
}
