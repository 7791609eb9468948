package responder

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

func TestResponseKinds(t *testing.T) {
	for _, tc := range []struct {
		title, body string
		release     bool
		press       bool
	}{
		{"关于宏源化工有限公司爆炸事故的情况通报", "现将有关情况通报如下", true, false},
		{"青岚县将召开“11·21”爆炸事故新闻发布会", "定于今天下午召开新闻发布会", false, false},
		{"青岚县召开“11·21”爆炸事故新闻发布会", "县政府今天举行新闻发布会,通报事故救援进展", true, true},
		// A press conference held is also an authoritative release.
		{"“11·21”事故新闻发布会举行", "发布会上,县长介绍了情况", true, true},
		{"关于网传“死亡人数超过百人”的辟谣", "经核实,该信息不实", true, false},
		{"青岚县举办农民丰收节", "农特产品展销受追捧", false, false},
	} {
		p := &model.Post{Document: model.Document{Title: tc.title, Body: tc.body}}
		kinds := responseKinds(p)
		if got := slices.Contains(kinds, rules.FulfilledByRelease); got != tc.release {
			t.Errorf("%q: release = %v, want %v (kinds %v)", tc.title, got, tc.release, kinds)
		}
		if got := slices.Contains(kinds, rules.FulfilledByPressConference); got != tc.press {
			t.Errorf("%q: press conference = %v, want %v (kinds %v)", tc.title, got, tc.press, kinds)
		}
	}
}

func TestEventTime(t *testing.T) {
	ref := time.Date(2026, 11, 21, 15, 30, 0, 0, model.China)
	for _, tc := range []struct {
		text string
		want time.Time
	}{
		{"11月21日13时59分许,位于工业园区的化工厂发生爆炸", time.Date(2026, 11, 21, 13, 59, 0, 0, model.China)},
		{"21日下午1时59分,化工厂发生爆炸", time.Date(2026, 11, 21, 13, 59, 0, 0, model.China)},
		{"20日22时许发生火灾,21日9时扑灭", time.Date(2026, 11, 20, 22, 0, 0, 0, model.China)},
		{"11月25日10时将召开发布会", time.Time{}}, // in the future
		{"11月1日10时发生的事故", time.Time{}},   // too long before the post
		{"化工厂发生爆炸,现场浓烟滚滚", time.Time{}},  // no time given
	} {
		if got := eventTime(tc.text, ref); !got.Equal(tc.want) {
			t.Errorf("eventTime(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestRequests checks that people's requests appended to the history are
// applied once each, in order, with the outcome recorded, and that a move
// the lifecycle does not allow is rejected.
func TestRequests(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	if err := r.HandlePosts(ctx, explosion()); err != nil {
		t.Fatal(err)
	}
	incs, _ := st.ListIncidents(ctx, store.IncidentQuery{})
	id := incs[0].ID
	req := func(n int, action, actor, body string) model.HistoryEntry {
		return model.HistoryEntry{ID: fmt.Sprintf("req-%d", n), IncidentID: id, At: now.Add(time.Duration(n) * time.Second),
			Actor: actor, Action: model.RequestPrefix + action, Reason: body}
	}
	reqs := []model.HistoryEntry{
		req(1, model.RequestConfirm, "李科长", `{"reason":"研判属实"}`),
		req(2, model.RequestAssign, "李科长", `{"assignee":"县应急管理局"}`),
		req(3, model.RequestRecordResponse, "王干事", `{"rule":"R-5H","url":"http://gov.example/tb","title":"情况通报","source":"县政府网"}`),
		req(4, model.RequestConfirm, "王干事", `{}`), // 已回应 → 已确认 is not a lifecycle move
		req(5, model.RequestWaive, "王干事", `{"rule":"R-24H","reason":"已召开吹风会,经领导同意以吹风会代替"}`),
	}
	// The requests arrive from the bus; delivered again (at least once),
	// they apply nothing again, nor does a tick or a rebuild.
	for range 2 {
		if err := r.HandleRequests(ctx, reqsOf(reqs...)); err != nil {
			t.Fatal(err)
		}
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	inc, err := st.GetIncident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if inc.State != model.StateResponded || inc.Assignee != "县应急管理局" || len(inc.Applied) != 5 {
		t.Errorf("incident after requests: state %s, assignee %q, applied %v", inc.State, inc.Assignee, inc.Applied)
	}
	for _, o := range inc.Obligations {
		switch o.Rule {
		case "R-5H":
			if o.State != model.ObligationFulfilled || o.Evidence == nil || o.Evidence.ConfirmedBy != "王干事" || o.Evidence.Auto {
				t.Errorf("R-5H = %+v, want fulfilled by the recorded response", o)
			}
		case "R-24H":
			if o.State != model.ObligationWaived || !strings.Contains(o.WaivedReason, "吹风会") {
				t.Errorf("R-24H = %+v, want waived with the reason", o)
			}
		}
	}
	hist, _ := st.ListHistory(ctx, id)
	var outcomes []string
	for _, h := range hist {
		if !strings.HasPrefix(h.Action, model.RequestPrefix) && h.Actor != actorSystem {
			outcomes = append(outcomes, h.Action+":"+h.From+"→"+h.To)
		}
	}
	want := []string{"confirm:待研判→已确认", "assign:已确认→处置中", "record_response:pending→fulfilled", "request_rejected:已回应→已确认", "waive:pending→waived"}
	if !slices.Equal(outcomes, want) {
		t.Errorf("recorded outcomes %v, want %v", outcomes, want)
	}
}

// TestIncidentOpenedByHand checks that an incident the console opened (a
// phone report) gets the obligations of its level at the next check.
func TestIncidentOpenedByHand(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	inc := model.Incident{ID: "INC-M-1", Version: 1, Title: "电话报告:山体滑坡", Level: "II", LevelConfirmed: true,
		State: model.StateConfirmed, Open: true, OpenedAt: now, DetectedAt: now, ClockStart: t0, EventTime: t0}
	if err := st.UpsertIncidents(ctx, []model.Incident{inc}); err != nil {
		t.Fatal(err)
	}
	// The console tells the responder of the incident it opened.
	if err := r.HandleRequests(ctx, []bus.Request{{HistoryEntry: model.HistoryEntry{ID: "h-open", IncidentID: inc.ID, At: now,
		Actor: "值班员", Action: "opened"}, Incident: &inc}}); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetIncident(ctx, "INC-M-1")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, o := range got.Obligations {
		rules = append(rules, o.Rule)
		if want := map[string]time.Duration{"R-5H": 5 * time.Hour, "R-24H": 24 * time.Hour}[o.Rule]; !o.DueAt.Equal(t0.Add(want)) {
			t.Errorf("%s due %v, want clock start + %s", o.Rule, o.DueAt, want)
		}
	}
	if !slices.Equal(rules, []string{"R-5H", "R-24H"}) {
		t.Errorf("obligations %v, want R-5H and R-24H", rules)
	}
}

// TestTriggers checks the other ways an event becomes an incident: fewer
// posts on a sensitive topic, and negative coverage by central media.
func TestTriggers(t *testing.T) {
	ctx := context.Background()
	c := cfg
	c.IncidentTopics = []string{"安全生产"}
	c.IncidentTiers = []string{model.TierCentral}
	c.LevelByTier = map[string]string{model.TierCentral: "III"}
	mk := func(id, source, tier, topic string, at time.Duration) model.Post {
		p := post(id, source, "某厂发生事故", "某厂发生安全事故,多人受伤", at, model.Negative, 0, "某厂", "事故", "受伤", "安全")
		p.Authority = tier
		p.Topics = []model.Topic{{Name: topic, Score: 0.9}}
		return p
	}
	for _, tc := range []struct {
		name  string
		posts []model.Post
		want  string // in the reason; "" for no incident
	}{
		{"sensitive topic, three posts", []model.Post{mk("a1", "s1", model.TierLocal, "安全生产", 0), mk("a2", "s2", model.TierLocal, "安全生产", time.Minute),
			mk("a3", "s1", model.TierLocal, "安全生产", 2*time.Minute)}, "门槛减半"},
		{"other topic, three posts", []model.Post{mk("b1", "s1", model.TierLocal, "教育", 0), mk("b2", "s2", model.TierLocal, "教育", time.Minute),
			mk("b3", "s1", model.TierLocal, "教育", 2*time.Minute)}, ""},
		{"central media", []model.Post{mk("c1", "s1", model.TierLocal, "教育", 0), mk("c2", "cctv", model.TierCentral, "教育", time.Minute)}, "中央媒体负面报道"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			r := New(c, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return t0.Add(time.Hour) }))
			if err := r.HandlePosts(ctx, tc.posts); err != nil {
				t.Fatal(err)
			}
			incs, _ := st.ListIncidents(ctx, store.IncidentQuery{})
			switch {
			case tc.want == "" && len(incs) != 0:
				t.Errorf("opened %q, want no incident", incs[0].Reason)
			case tc.want != "" && (len(incs) != 1 || !strings.Contains(incs[0].Reason, tc.want)):
				t.Errorf("incidents %+v, want one whose reason says %q", incs, tc.want)
			case tc.want == "中央媒体负面报道" && incs[0].Level != "III":
				t.Errorf("level %s, want III for central media coverage (level_by_tier)", incs[0].Level)
			}
		})
	}
}

type hotRecorder struct{ got []bus.HotSource }

func (h *hotRecorder) RequestHotSource(_ context.Context, r bus.HotSource) error {
	h.got = append(h.got, r)
	return nil
}

// TestHotRequestsOnOpen checks that a new incident asks the crawler to poll
// its sources and the official channels faster, once.
func TestHotRequestsOnOpen(t *testing.T) {
	ctx := context.Background()
	hot := &hotRecorder{}
	now := t0.Add(time.Hour)
	r := New(cfg, openStore(t), prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }), WithHotRequests(hot))
	posts := explosion()
	posts[5].Authority = model.TierOfficial // the portal's 常务会议 item: an official channel
	if err := r.HandlePosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, h := range hot.got {
		ids = append(ids, h.SourceID)
		if h.Interval != time.Minute || !h.Until.Equal(now.Add(6*time.Hour)) {
			t.Errorf("hot request %+v, want 1m until +6h", h)
		}
	}
	if want := []string{"board", "feed", "news1", "news2", "portal"}; !slices.Equal(ids, want) {
		t.Errorf("hot requests for %v, want %v", ids, want)
	}
}

// TestSchemeAlertOpensIncident checks that one post matching a monitoring
// scheme marked for alerts opens an incident, whatever the thresholds.
func TestSchemeAlertOpensIncident(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return t0.Add(time.Hour) }))
	p := post("s1", "board", "网友反映学校食堂食物中毒", "多名学生出现呕吐", 0, model.Neutral, 0, "学校", "食堂", "中毒")
	p.Schemes = []model.SchemeHit{{ID: "school", Name: "校园安全", Terms: []string{"学校", "食物中毒"}, Alert: true}}
	if err := r.HandlePosts(ctx, []model.Post{p}); err != nil {
		t.Fatal(err)
	}
	incs, _ := st.ListIncidents(ctx, store.IncidentQuery{})
	if len(incs) != 1 || !strings.Contains(incs[0].Reason, "命中预警监测方案「校园安全」") {
		t.Fatalf("incidents = %+v, want one opened by the 校园安全 scheme", incs)
	}
}

// TestEntitiesJoinEvents checks that a named organisation counts in
// matching: two posts sharing one keyword and the company they name are
// one event; without the company they are two.
func TestEntitiesJoinEvents(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		org    string
		events int
	}{{"same company", "宏源化工有限公司", 1}, {"no company", "", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return t0.Add(time.Hour) }))
			a := post("e1", "news1", "工厂冒黑烟", "", 0, model.Negative, 0, "黑烟", "工厂", "刺鼻", "居民")
			b := post("e2", "board", "员工讨薪", "", 10*time.Minute, model.Negative, 0, "讨薪", "工厂", "工资", "拖欠")
			if tc.org != "" {
				a.Entities = []model.Entity{{Text: tc.org, Kind: "org"}}
				b.Entities = []model.Entity{{Text: tc.org, Kind: "org"}}
			}
			if err := r.HandlePosts(ctx, []model.Post{a, b}); err != nil {
				t.Fatal(err)
			}
			evs, _ := st.ListEvents(ctx, time.Time{}, 0)
			if len(evs) != tc.events {
				t.Errorf("got %d events, want %d", len(evs), tc.events)
			}
		})
	}
}

// TestRebuildCatchesUpRequests: a request that is in the history but never
// reached this responder over the bus (the responder that consumed it
// crashed before applying it, or an older console recorded it), and an
// incident opened by hand without a message, are applied when the state is
// rebuilt — once.
func TestRebuildCatchesUpRequests(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	inc := model.Incident{ID: "INC-M-2", Version: 1, Title: "电话报告:河堤管涌", Level: "III", LevelConfirmed: true,
		State: model.StatePending, Open: true, OpenedAt: now, DetectedAt: now, ClockStart: t0}
	if err := st.UpsertIncidents(ctx, []model.Incident{inc}); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendHistory(ctx, []model.HistoryEntry{{ID: "req-c", IncidentID: inc.ID, At: now, Actor: "李科长",
		Action: model.RequestPrefix + model.RequestConfirm, Reason: `{"reason":"研判属实"}`}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := r.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.GetIncident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != model.StateConfirmed || !slices.Equal(got.Applied, []string{"req-c"}) || len(got.Obligations) == 0 {
		t.Errorf("after rebuild: state %s, applied %v, obligations %v; want 已确认, [req-c], the level's obligations", got.State, got.Applied, got.Obligations)
	}
	hist, _ := st.ListHistory(ctx, inc.ID)
	confirmed := 0
	for _, h := range hist {
		if h.Action == model.RequestConfirm {
			confirmed++
		}
	}
	if confirmed != 1 {
		t.Errorf("the request's outcome is in the history %d times, want once: %v", confirmed, hist)
	}
}

// reqsOf wraps history entries as the messages the console sends.
func reqsOf(es ...model.HistoryEntry) []bus.Request {
	out := make([]bus.Request, len(es))
	for i, e := range es {
		out[i] = bus.Request{HistoryEntry: e}
	}
	return out
}
