package readmodel

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// The store as it is satisfies the views' interfaces.
var _ Store = store.Store(nil)

var t0 = time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func post(id, source, tier, title, label string, at time.Duration, simhash uint64) model.Post {
	return model.Post{Document: model.Document{ID: id, Version: 1, URL: "http://" + source + "/" + id, SourceID: source, SourceName: source,
		Authority: tier, Title: title, Body: title + "。", PublishedAt: t0.Add(at)}, Sentiment: model.Sentiment{Label: label, Score: 0.7, Evidence: []string{"爆炸"}},
		SimHash: simhash}
}

func TestPostsWithCorrections(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	must(t, st.UpsertPosts(ctx, []model.Post{post("a", "news", model.TierLocal, "化工厂爆炸", model.Negative, 0, 0),
		post("b", "portal", model.TierOfficial, "情况通报", model.Negative, time.Hour, 0)}))
	must(t, st.AppendCorrections(ctx, []model.SentimentCorrection{{ID: "c1", PostID: "b", Label: model.Neutral, By: "王五", At: t0.Add(2 * time.Hour),
		ModelLabel: model.Negative, Title: "情况通报", Body: "情况通报。"}}))
	v := New(st, nil)
	list, err := v.Posts(ctx, store.PostQuery{})
	must(t, err)
	if list.Total != 2 || len(list.Items) != 2 || list.Items[0].ID != "b" {
		t.Fatalf("posts = %+v", list)
	}
	b, a := list.Items[0], list.Items[1]
	if s := b.Sentiment; s.Label != model.Neutral || !s.Corrected || s.CorrectedBy != "王五" || s.Score != 1 || s.Evidence != nil || b.ModelSentiment.Label != model.Negative {
		t.Errorf("corrected post = %+v", b)
	}
	if s := a.Sentiment; s.Label != model.Negative || s.Corrected || len(s.Evidence) != 1 || a.Body != "" {
		t.Errorf("uncorrected post in a list = %+v", a)
	}
	p, err := v.Post(ctx, "b")
	must(t, err)
	if p.Body != "情况通报。" || !p.Sentiment.Corrected {
		t.Errorf("one post = %+v", p)
	}
	if _, err := v.Post(ctx, "none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing post = %v, want store.ErrNotFound", err)
	}
	if got := NewPostItem(model.Post{Document: model.Document{Body: "  很长的\n正文  "}}, false, nil); got.Summary != "很长的 正文" ||
		got.Topics == nil || got.Flags == nil || got.Schemes == nil {
		t.Errorf("empty lists and the summary of a bare post = %+v", got)
	}
}

func TestEventDetail(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	first := post("p1", "澜州新闻网", model.TierProvincial, "化工厂爆炸", model.Negative, 0, 0xff00)
	near := post("p2", "青岚论坛", model.TierForum, "化工厂爆炸了", model.Negative, 30*time.Minute, 0xff01)
	named := post("p3", "青岚生活圈", model.TierSelfMedia, "转:化工厂", model.Negative, 2*time.Hour, 0)
	named.Origin = "来源:澜州新闻网"
	official := post("p4", "青岚县人民政府", model.TierOfficial, "情况通报", model.Neutral, 90*time.Minute, 0x1234_5678_0000)
	must(t, st.UpsertPosts(ctx, []model.Post{first, near, named, official}))
	must(t, st.AppendCorrections(ctx, []model.SentimentCorrection{{ID: "c", PostID: "p2", Label: model.Neutral, By: "王五", At: t0,
		ModelLabel: model.Negative, Title: near.Title, Body: near.Body}}))
	ev := model.Event{ID: "EV-1", Version: 1, FirstSeen: t0, LastSeen: t0.Add(2 * time.Hour), PostCount: 4, NegativeCount: 3, SourceCount: 4,
		PostIDs: []string{"p3", "gone", "p4", "p1", "p2"}}
	must(t, st.UpsertEvents(ctx, []model.Event{ev}))
	d, err := New(st, nil).Event(ctx, "EV-1")
	must(t, err)
	var order, reposts, labels []string
	for _, it := range d.Timeline {
		order, reposts, labels = append(order, it.ID), append(reposts, it.RepostOf), append(labels, it.Sentiment)
	}
	if got := join(order); got != "p1 p2 p4 p3" {
		t.Errorf("timeline order %s, want by publication, the missing post left out", got)
	}
	if got := join(reposts); got != "- p1 - p1" {
		t.Errorf("reposts %s: want p2 (near duplicate) and p3 (names the source) as reposts of p1", got)
	}
	if got := join(labels); got != "negative neutral neutral negative" {
		t.Errorf("timeline sentiments %s, want p2's correction", got)
	}
	// 06:00 and 06:30 UTC are 14:00 China time; 07:30 is 15:00; 08:00 is 16:00.
	if d.PostsPerHour["2026-11-21 14:00"] != 2 || d.PostsPerHour["2026-11-21 15:00"] != 1 || d.PostsPerHour["2026-11-21 16:00"] != 1 {
		t.Errorf("posts per hour %v", d.PostsPerHour)
	}
	if d.HeatParts.Authority != model.AuthorityWeight(model.TierOfficial) || d.HeatParts.Negativity != 15 {
		t.Errorf("heat parts %+v, want the official tier's authority and 3 of 4 negative", d.HeatParts)
	}
	if _, err := New(st, nil).Event(ctx, "EV-none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing event = %v, want store.ErrNotFound", err)
	}
	must(t, st.UpsertEvents(ctx, []model.Event{{ID: "EV-empty", Version: 1}}))
	if d, err := New(st, nil).Event(ctx, "EV-empty"); err != nil || d.Timeline == nil || len(d.Timeline) != 0 || d.PostsPerHour == nil {
		t.Errorf("an event without posts = %+v, %v; want an empty timeline and posts per hour", d, err)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if x == "" {
			x = "-"
		}
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestIncidentViews(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	inc := model.Incident{ID: "INC-1", Version: 1, EventID: "EV-1", Title: "化工厂爆炸", Level: model.LevelII, State: model.StatePending, Open: true,
		OpenedAt: t0, ClockStart: t0, Obligations: []model.Obligation{{Rule: "R-5H", Title: "发布权威信息", DueAt: t0.Add(5 * time.Hour)},
			{Rule: "R-LOCAL", Title: "本地规定"}}}
	disc := model.Incident{ID: "DIS-1", Version: 1, Kind: "disclosure", Title: "依申请公开", State: model.StatePending, Open: true, OpenedAt: t0.Add(time.Minute)}
	closed := model.Incident{ID: "INC-0", Version: 1, Title: "旧事件", State: model.StateClosed, OpenedAt: t0.Add(-time.Hour)}
	must(t, st.UpsertIncidents(ctx, []model.Incident{inc, disc, closed}))
	must(t, st.AppendHistory(ctx, []model.HistoryEntry{{ID: "h1", IncidentID: "INC-1", At: t0, Actor: "system", Action: "opened"}}))
	must(t, st.AppendDeliveries(ctx, []model.Delivery{
		{ID: "d1", Key: "k1", IncidentID: "INC-1", At: t0, Final: true, Detail: `{"notification_key":"INC-1/opened","channel":"duty","recipient":"张三","status":"sent","attempts":2}`},
		{ID: "d2", Key: "k2", IncidentID: "INC-1", At: t0.Add(time.Minute), Detail: `not json`},
	}))
	v := New(st, rules.Default())

	got, err := v.IncidentWithEvent(ctx, "INC-1")
	must(t, err)
	if got.Incident.ID != "INC-1" || got.Event.ID != "" {
		t.Errorf("incident without a stored event = %+v, want a zero event", got)
	}
	must(t, st.UpsertEvents(ctx, []model.Event{{ID: "EV-1", Version: 1, Title: "化工厂爆炸"}}))
	if got, err := v.IncidentWithEvent(ctx, "INC-1"); err != nil || got.Event.ID != "EV-1" {
		t.Errorf("incident with its event = %+v, %v", got, err)
	}
	if _, err := v.IncidentWithEvent(ctx, "NONE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing incident = %v, want store.ErrNotFound", err)
	}

	iv, err := v.Incident(ctx, "INC-1")
	must(t, err)
	if len(iv.Obligations) != 2 || iv.Obligations[0].Rule.ID != "R-5H" || iv.Obligations[0].Rule.Source == "" ||
		iv.Obligations[0].Obligation.Title != "发布权威信息" || iv.Obligations[1].Rule.ID != "" {
		t.Errorf("obligations with their rules = %+v", iv.Obligations)
	}
	if len(iv.History) != 1 || len(iv.Deliveries) != 1 || iv.Deliveries[0].Recipient != "张三" || iv.Deliveries[0].Attempts != 2 {
		t.Errorf("history %+v, deliveries %+v (the unreadable one left out)", iv.History, iv.Deliveries)
	}
	if iv, err := New(st, nil).Incident(ctx, "INC-1"); err != nil || iv.Obligations[0].Rule.ID != "" {
		t.Errorf("without rules = %+v, %v", iv.Obligations, err)
	}
	if _, err := v.Incident(ctx, "NONE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing incident's page = %v, want store.ErrNotFound", err)
	}

	must(t, st.UpsertPosts(ctx, []model.Post{post("a", "news", model.TierLocal, "化工厂爆炸", model.Negative, 0, 0),
		post("b", "portal", model.TierOfficial, "丰收", model.Positive, time.Hour, 0)}))
	must(t, st.AppendCorrections(ctx, []model.SentimentCorrection{{ID: "c", PostID: "b", Label: model.Negative, By: "王五", At: t0,
		ModelLabel: model.Positive, Title: "丰收", Body: "丰收。"}}))
	must(t, st.AppendDictionary(ctx, []model.DictionaryEntry{{ID: "w", Word: "宏源化工", By: "王五", At: t0}}))
	h, err := v.Home(ctx)
	must(t, err)
	if len(h.Incidents) != 1 || h.Incidents[0].ID != "INC-1" || len(h.Disclosures) != 1 || h.Disclosures[0].ID != "DIS-1" {
		t.Errorf("home incidents %+v, disclosures %+v", h.Incidents, h.Disclosures)
	}
	if h.Total != 2 || h.Negative != 2 || len(h.Posts) != 2 || !h.Posts[0].Sentiment.Corrected || len(h.Words) != 1 {
		t.Errorf("home figures total %d, negative %d (corrections counted), posts %+v, words %+v", h.Total, h.Negative, h.Posts, h.Words)
	}
}
