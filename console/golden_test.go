package console

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenData writes a fixed, varied data set through the store: posts of
// every tier with topics, regions, entities, scheme hits and corrections,
// an event with reposts, an incident with obligations, evidence, history
// (requests included) and deliveries, a disclosure item, and a user
// dictionary. The API's answers on it are kept as golden files, so a
// change that alters what the API says on the same data shows as a diff.
func goldenData(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	type p struct {
		id, src, name, kind, tier, title, body, label string
		at                                            time.Duration
		topics                                        []model.Topic
		schemes                                       []model.SchemeHit
	}
	rows := []p{
		{"g1", "qnews", "青岚新闻网", model.KindNews, model.TierLocal, "青岚县化工厂发生爆炸", "今日上午青岚县宏源化工厂发生爆炸，造成3人死亡、5人受伤。", model.Negative, 0,
			[]model.Topic{{Name: "安全生产", Score: 0.9, Terms: []string{"化工厂", "爆炸"}}}, []model.SchemeHit{{ID: "chem", Name: "危化品安全", Terms: []string{"化工厂", "爆炸"}, Alert: true}}},
		{"g2", "forum", "青岚论坛", model.KindForum, model.TierForum, "伤亡人数是不是被瞒报了？", "听说死了不止3个人，官方为什么不说？", model.Negative, 20 * time.Minute,
			[]model.Topic{{Name: "安全生产", Score: 0.6, Terms: []string{"伤亡"}}}, nil},
		{"g3", "lzdaily", "澜州日报", model.KindNews, model.TierProvincial, "青岚县化工厂爆炸事故 死亡人数升至12人", "记者从青岚县获悉，宏源化工厂爆炸事故死亡人数升至12人。", model.Negative, time.Hour,
			[]model.Topic{{Name: "安全生产", Score: 0.95, Terms: []string{"化工厂", "爆炸", "死亡"}}}, []model.SchemeHit{{ID: "chem", Name: "危化品安全", Terms: []string{"化工厂", "爆炸"}, Alert: true}}},
		{"g4", "portal", "青岚县人民政府", model.KindPortal, model.TierOfficial, "关于宏源化工厂爆炸事故的情况通报", "11月21日，宏源化工厂发生爆炸事故，县委县政府高度重视，现将有关情况通报如下。", model.Neutral, 90 * time.Minute,
			[]model.Topic{{Name: "安全生产", Score: 0.8, Terms: []string{"爆炸", "事故"}}}, nil},
		{"g5", "portal", "青岚县人民政府", model.KindPortal, model.TierOfficial, "全县秋粮喜获丰收", "今年全县粮食总产量创历史新高，农民增收。", model.Positive, -26 * time.Hour,
			[]model.Topic{{Name: "乡村振兴", Score: 0.7, Terms: []string{"粮食", "增收"}}}, nil},
		{"g6", "xinhua", "新华网", model.KindNews, model.TierCentral, "澜州青岚一化工厂发生爆炸", "新华社澜州11月21日电 青岚县一化工厂发生爆炸。", model.Negative, 2 * time.Hour,
			nil, nil},
	}
	var posts []model.Post
	for i, r := range rows {
		at := base.Add(r.at)
		posts = append(posts, model.Post{
			Document: model.Document{Schema: 2, ID: r.id, Version: uint64(at.UnixNano()), URL: "http://" + r.src + ".example/" + r.id, SourceID: r.src,
				SourceName: r.name, SourceKind: r.kind, Authority: r.tier, RegionCode: "451024", Title: r.title, Body: r.body,
				Author: map[bool]string{true: "小刘"}[i == 1], PublishedAt: at, PublishedAtSource: "meta", PublishedAtConfidence: 1,
				FetchedAt: at.Add(time.Minute), ContentHash: fmt.Sprintf("h%d", i)},
			AnalyzedAt: at.Add(2 * time.Minute),
			Sentiment:  model.Sentiment{Label: r.label, Score: 0.8, Negativity: map[bool]float64{true: 0.85}[r.label == model.Negative], Evidence: []string{"爆炸"}[:map[bool]int{true: 1}[r.label == model.Negative]]},
			Topics:     r.topics,
			Keywords:   []model.Keyword{{Word: "化工厂", Weight: 0.5}, {Word: "青岚县", Weight: 0.3}},
			Regions:    []model.Region{{Code: "451024", Name: "青岚县", Role: "mentioned"}},
			Entities:   []model.Entity{{Text: "宏源化工厂", Kind: "org"}},
			SimHash:    uint64(0xabcdef0123456789) + uint64(i),
			Flags:      []string{},
			Schemes:    r.schemes,
		})
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.UpsertPosts(ctx, posts))
	ev := model.Event{ID: "EV-g1", Version: 3, Title: posts[0].Title, FirstPostID: "g1", FirstSeen: posts[0].PublishedAt, LastSeen: posts[5].PublishedAt,
		PostCount: 5, NegativeCount: 4, SourceCount: 5, Heat: 71.3, Keywords: []string{"化工厂", "爆炸", "青岚县"},
		SimHashes: []uint64{posts[0].SimHash}, PostIDs: []string{"g1", "g2", "g3", "g4", "g6"}, Sources: []string{"qnews", "forum", "lzdaily", "portal", "xinhua"},
		IncidentID: "INC-g1"}
	must(st.UpsertEvents(ctx, []model.Event{ev, {ID: "EV-g5", Version: 1, Title: posts[4].Title, FirstPostID: "g5", FirstSeen: posts[4].PublishedAt,
		LastSeen: posts[4].PublishedAt, PostCount: 1, SourceCount: 1, Heat: 16.1, Keywords: []string{"粮食"}, PostIDs: []string{"g5"}, Sources: []string{"portal"}}}))
	opened := base.Add(30 * time.Minute)
	inc := model.Incident{ID: "INC-g1", Version: 7, EventID: "EV-g1", Title: "青岚县化工厂发生爆炸", Level: model.LevelII, State: model.StateHandling,
		OpenedAt: opened, ClockStart: base, Reason: "2小时内5条信息，其中负面4条；死亡12人", Trigger: "2小时内5条信息，其中负面4条", Open: true,
		EventTime: base, DetectedAt: base, ClockAnchor: "earliest", Category: "涉及突发事件处置和自然灾害应对", Assignee: "李四",
		Obligations: []model.Obligation{
			{Rule: "R-5H", Title: "发布权威信息", DueAt: base.Add(5 * time.Hour), State: model.ObligationFulfilled,
				Evidence: &model.Evidence{URL: posts[3].URL, PostID: "g4", Title: posts[3].Title, Source: "青岚县人民政府", PublishedAt: posts[3].PublishedAt,
					DetectedAt: posts[3].PublishedAt.Add(3 * time.Minute), Auto: true, ConfirmedBy: "王五"}, Notified: []string{"R-5H/50%"}},
			{Rule: "R-24H", Title: "召开新闻发布会", DueAt: base.Add(24 * time.Hour), State: model.ObligationPending},
		},
		Effect:         &model.Effect{ResponseAt: posts[3].PublishedAt, Window: time.Hour, Before: model.EffectWindow{Posts: 3, NegativeShare: 1, Heat: 50}, After: model.EffectWindow{Posts: 1, NegativeShare: 1, Heat: 30}},
		LevelConfirmed: true, AckedAt: opened.Add(5 * time.Minute), AckedBy: "张三", Applied: []string{"h-assign"},
	}
	disc := model.Incident{ID: "DIS-g1", Version: 1, Title: "关于印发《农村人居环境整治提升工作方案》的通知", State: model.StatePending, OpenedAt: base.Add(-50 * time.Hour),
		ClockStart: base.Add(-50 * time.Hour), Reason: "政策文件需在3个工作日内发布解读", Open: true, DetectedAt: base.Add(-50 * time.Hour), ClockAnchor: "detection", Kind: "disclosure",
		Obligations: []model.Obligation{{Rule: "D-INTERP", Title: "发布政策解读", DueAt: base.Add(22 * time.Hour), State: model.ObligationPending}}}
	closed := model.Incident{ID: "INC-g0", Version: 4, EventID: "EV-g5", Title: "已办结的旧事件", Level: model.LevelIV, State: model.StateClosed,
		OpenedAt: base.Add(-72 * time.Hour), ClockStart: base.Add(-72 * time.Hour), Reason: "人工录入", DetectedAt: base.Add(-72 * time.Hour), ClockAnchor: "detection"}
	must(st.UpsertIncidents(ctx, []model.Incident{inc, disc, closed}))
	req, _ := json.Marshal(model.Request{Assignee: "李四", Reason: "请牵头处置"})
	must(st.AppendHistory(ctx, []model.HistoryEntry{
		{ID: "h-open", IncidentID: "INC-g1", At: opened, Actor: "system", Action: "opened", To: model.StatePending, Reason: inc.Trigger},
		{ID: "h-level", IncidentID: "INC-g1", At: opened.Add(time.Minute), Actor: "system", Action: "level_changed", From: model.LevelIII, To: model.LevelII, Reason: "死亡12人"},
		{ID: "h-assign", IncidentID: "INC-g1", At: opened.Add(2 * time.Minute), Actor: "王五", Action: model.RequestPrefix + model.RequestAssign, Reason: string(req)},
		{ID: "h-assigned", IncidentID: "INC-g1", At: opened.Add(3 * time.Minute), Actor: "system", Action: "assigned", From: model.StateConfirmed, To: model.StateHandling, Reason: "李四"},
	}))
	must(st.AppendDeliveries(ctx, []model.Delivery{
		{ID: "d1", Key: "INC-g1/opened/duty/zhang", IncidentID: "INC-g1", At: opened.Add(time.Second), Final: true, Detail: `{"state":"sent","channel":"duty","to":"张三"}`},
		{ID: "d2", Key: "INC-g1/R-5H/50%/duty/zhang", IncidentID: "INC-g1", At: opened.Add(time.Hour), Final: false, Detail: `{"state":"retry","channel":"duty","to":"张三","error":"timeout"}`},
	}))
	must(st.AppendCorrections(ctx, []model.SentimentCorrection{
		{ID: "c1", PostID: "g4", Label: model.Neutral, By: "王五", At: base.Add(3 * time.Hour), Note: "官方通报", ModelLabel: model.Neutral, Title: posts[3].Title, Body: posts[3].Body},
		{ID: "c2", PostID: "g6", Label: model.Neutral, By: "王五", At: base.Add(4 * time.Hour), ModelLabel: model.Negative, Title: posts[5].Title, Body: posts[5].Body},
	}))
	must(st.AppendDictionary(ctx, []model.DictionaryEntry{
		{ID: "w1", Word: "宏源化工", Freq: 1000, POS: "nt", By: "王五", At: base.Add(time.Hour)},
		{ID: "w2", Word: "青岚河", POS: "ns", By: "王五", At: base.Add(2 * time.Hour)},
		{ID: "w3", Word: "青岚河", By: "王五", At: base.Add(3 * time.Hour), Removed: true},
	}))
}

// TestAPIGolden asks every read endpoint of the API about goldenData and
// compares the answers with testdata/api.golden byte for byte (go test
// -run TestAPIGolden -update rewrites it).
func TestAPIGolden(t *testing.T) {
	srv, st, _ := newServer(t, func(o *Options) { o.Now = func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) } })
	goldenData(t, st)
	reqs := []struct{ method, path, body string }{
		{"GET", "/api/v1/posts", ""},
		{"GET", "/api/v1/posts?q=爆炸&limit=3", ""},
		{"GET", "/api/v1/posts?q=爆炸&limit=3&offset=3", ""},
		{"GET", "/api/v1/posts?sentiment=negative", ""},
		{"GET", "/api/v1/posts?sentiment=neutral", ""},
		{"GET", "/api/v1/posts?source=portal", ""},
		{"GET", "/api/v1/posts?scheme=chem", ""},
		{"GET", "/api/v1/posts?since=2026-11-21T06:30:00Z&until=2026-11-21T08:00:00Z", ""},
		{"GET", "/api/v1/posts?q=爆", ""},
		{"GET", "/api/v1/posts?region=451024&limit=1", ""},
		{"GET", "/api/v1/posts?region=青岚县&limit=1", ""},
		{"GET", "/api/v1/posts?topic=安全生产&limit=1", ""},
		{"GET", "/api/v1/posts?tier=官方", ""},
		{"GET", "/api/v1/posts?kind=forum", ""},
		{"GET", "/api/v1/posts?source=青岚县人民政府&limit=1", ""},
		{"GET", "/api/v1/posts?window=24h&sentiment=negative&limit=1", ""},
		{"GET", "/api/v1/posts?level=II&topic=x", ""},
		{"GET", "/api/v1/posts?tier=official", ""},
		{"GET", "/api/v1/posts/g2", ""},
		{"GET", "/api/v1/posts/g6", ""},
		{"GET", "/api/v1/posts/nope", ""},
		{"GET", "/api/v1/posts?limit=5000", ""},
		{"GET", "/api/v1/events", ""},
		{"GET", "/api/v1/events?since=2026-11-21T00:00:00Z&limit=1", ""},
		{"GET", "/api/v1/events/EV-g1", ""},
		{"GET", "/api/v1/events/EV-nope", ""},
		{"GET", "/api/v1/incidents", ""},
		{"GET", "/api/v1/incidents?open=true", ""},
		{"GET", "/api/v1/incidents?open=false", ""},
		{"GET", "/api/v1/incidents?level=II&open=true", ""},
		{"GET", "/api/v1/incidents?region=x", ""},
		{"GET", "/api/v1/overview?window=all", ""},
		{"GET", "/api/v1/overview?window=24h&scheme=chem", ""},
		{"GET", "/api/v1/overview?window=week", ""},
		{"GET", "/api/v1/events/EV-g1/analysis", ""},
		{"POST", "/api/v1/incidents/INC-g0/actions", `{"action":"set_level","actor":"李四","level":"I"}`},
		{"GET", "/api/v1/incidents/INC-g1", ""},
		{"GET", "/api/v1/incidents/DIS-g1", ""},
		{"GET", "/api/v1/incidents/INC-g1/history", ""},
		{"GET", "/api/v1/incidents/INC-g1/deliveries", ""},
		{"GET", "/api/v1/rules", ""},
		{"GET", "/api/v1/corrections", ""},
		{"GET", "/api/v1/dictionary", ""},
		{"POST", "/api/v1/schemes/backtest", `{"scheme":{"subjects":["化工厂"],"events":["爆炸"]},"days":7}`},
		{"POST", "/api/v1/schemes/backtest", `{"scheme":{"expression":"化工厂 AND NOT 通报"},"days":7,"samples":2}`},
		{"POST", "/api/v1/schemes/backtest", `{"scheme":{"expression":"((("},"days":7}`},
	}
	var out bytes.Buffer
	for _, r := range reqs {
		u := srv.URL + r.path
		if i := strings.IndexByte(r.path, '?'); i >= 0 {
			q, err := url.ParseQuery(r.path[i+1:])
			if err != nil {
				t.Fatal(err)
			}
			u = srv.URL + r.path[:i] + "?" + q.Encode()
		}
		req, err := http.NewRequest(r.method, u, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if r.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := clientFor(u).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "### %s %s %s\n%d %s\n%s\n", r.method, r.path, r.body, resp.StatusCode, resp.Header.Get("Content-Type"), bytes.TrimRight(b, "\n"))
	}
	golden := filepath.Join("testdata", "api.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("cannot read %s (run with -update to create it): %v", golden, err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		gl, wl := strings.Split(out.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("API answers differ from %s at line %d:\n got: %.600s\nwant: %.600s", golden, i+1, g, w)
			}
		}
	}
}
