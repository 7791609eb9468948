package responder

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func kw(words ...string) []model.Keyword {
	out := make([]model.Keyword, len(words))
	for i, w := range words {
		out[i] = model.Keyword{Word: w, Weight: 1 - float64(i)*0.05}
	}
	return out
}

func post(id, source, title, body string, at time.Duration, label string, sim uint64, words ...string) model.Post {
	return model.Post{
		Document: model.Document{ID: id, SourceID: source, Authority: model.TierLocal, Title: title, Body: body,
			PublishedAt: t0.Add(at)},
		Sentiment: model.Sentiment{Label: label},
		Keywords:  kw(words...),
		SimHash:   sim,
	}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "y.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var cfg = config.ResponderConfig{Window: 72 * time.Hour, IncidentMinPosts: 5, IncidentNegativeShare: 0.5, IncidentMinSources: 2,
	IncidentBurstWindow: 6 * time.Hour}

// explosion returns the posts of an unfolding chemical plant explosion and
// some unrelated chatter.
func explosion() []model.Post {
	ps := []model.Post{
		post("x1", "board", "化工园区传出巨响", "工业园区化工厂爆炸,浓烟滚滚", 0, model.Negative, 0xF0F0F0F0F0F0F0F0, "化工厂", "爆炸", "浓烟", "园区"),
		post("x2", "news1", "化工厂爆炸已致3人死亡", "化工厂爆炸事故造成3人死亡", 10*time.Minute, model.Negative, 0x0F0F0F0F0F0F0F0F, "化工厂", "爆炸", "死亡", "事故"),
		post("x3", "news2", "化工厂爆炸已致3人死亡", "化工厂爆炸事故造成3人死亡(转载)", 12*time.Minute, model.Negative, 0x0F0F0F0F0F0F0F0E, "转载", "化工厂", "爆炸"),
		post("x4", "board", "爆炸现场救援进行中", "爆炸现场消防救援,周边居民疏散", 20*time.Minute, model.Negative, 0x123456789ABCDEF0, "爆炸", "救援", "疏散", "化工厂"),
		post("x5", "feed", "化工厂爆炸伤亡升至12人死亡", "死亡人数升至12人,另有30人受伤", 40*time.Minute, model.Negative, 0x0FEDCBA987654321, "化工厂", "爆炸", "死亡", "受伤"),
		post("c1", "portal", "县政府召开常务会议", "研究部署冬季供暖工作", 5*time.Minute, model.Neutral, 0xAAAAAAAAAAAAAAAA, "常务会议", "供暖", "部署"),
		post("c2", "news1", "全县秋粮丰收", "粮食产量创新高", 15*time.Minute, model.Positive, 0x5555555555555555, "秋粮", "丰收", "产量"),
	}
	return ps
}

func TestClusteringAndIncident(t *testing.T) {
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	ctx := context.Background()
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.HandlePosts(ctx, explosion()); err != nil {
		t.Fatal(err)
	}
	evs, err := st.ListEvents(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		for _, ev := range evs {
			t.Logf("event %s %q posts %v", ev.ID, ev.Title, ev.PostIDs)
		}
		t.Fatalf("got %d events, want 3 (the explosion and two unrelated items)", len(evs))
	}
	var ex model.Event
	for _, ev := range evs {
		if ev.PostCount > ex.PostCount {
			ex = ev
		}
	}
	if ex.PostCount != 5 || ex.NegativeCount != 5 || ex.SourceCount != 4 || ex.FirstPostID != "x1" || ex.Title != "化工厂爆炸伤亡升至12人死亡" {
		// The title is the event's most central post (化工厂, 爆炸, 死亡 are
		// the event's own words), not its earliest, 「化工园区传出巨响」.
		t.Errorf("explosion event = %+v", ex)
	}
	if ex.Heat <= 0 {
		t.Errorf("heat = %v, want > 0", ex.Heat)
	}
	incs, err := st.ListIncidents(ctx, store.IncidentQuery{OnlyOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 {
		t.Fatalf("got %d incidents, want 1", len(incs))
	}
	inc := incs[0]
	if inc.EventID != ex.ID || inc.Level != "II" || inc.State != model.StatePending || !inc.ClockStart.Equal(t0) || !inc.OpenedAt.Equal(now) {
		t.Errorf("incident = %+v, want level II (12 deaths), pending, clock from the first post", inc)
	}
}

// TestRedeliveryAfterRestart replays every post into a responder rebuilt
// from the store, as after a crash before the offset commit: nothing may be
// counted twice and no second incident may open.
func TestRedeliveryAfterRestart(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	clock := func() time.Time { return t0.Add(time.Hour) }
	posts := explosion()
	// The analyzer stores every post before the responder sees it.
	if err := st.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	r1 := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(clock))
	if err := r1.HandlePosts(ctx, posts[:4]); err != nil {
		t.Fatal(err)
	}
	r2 := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(clock))
	if err := r2.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r2.HandlePosts(ctx, posts); err != nil { // all of them again
		t.Fatal(err)
	}
	if err := r2.HandlePosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	evs, _ := st.ListEvents(ctx, time.Time{}, 0)
	total := 0
	for _, ev := range evs {
		total += ev.PostCount
		if ev.PostCount != len(ev.PostIDs) {
			t.Errorf("event %s counts %d posts, lists %d", ev.ID, ev.PostCount, len(ev.PostIDs))
		}
	}
	if total != len(posts) {
		t.Errorf("events count %d posts in all, want %d", total, len(posts))
	}
	incs, _ := st.ListIncidents(ctx, store.IncidentQuery{})
	if len(incs) != 1 {
		t.Errorf("got %d incidents, want 1", len(incs))
	}
}

// failingStore fails writes while fail is set, to check that state changed
// in memory is written once the store is back.
type failingStore struct {
	store.Store
	fail bool
}

func (f *failingStore) UpsertEvents(ctx context.Context, evs []model.Event) error {
	if f.fail {
		return fmt.Errorf("store unavailable")
	}
	return f.Store.UpsertEvents(ctx, evs)
}

func TestWriteFailureKeepsStateDirty(t *testing.T) {
	fs := &failingStore{Store: openStore(t), fail: true}
	ctx := context.Background()
	r := New(cfg, fs, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return t0.Add(time.Hour) }))
	posts := explosion()
	if err := r.HandlePosts(ctx, posts); err == nil {
		t.Fatal("HandlePosts succeeded with a failing store")
	}
	fs.fail = false
	// The consumer retries the same batch; the posts are known now, but the
	// events they changed must still reach the store.
	if err := r.HandlePosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	evs, _ := fs.ListEvents(ctx, time.Time{}, 0)
	total := 0
	for _, ev := range evs {
		total += ev.PostCount
	}
	if total != len(posts) {
		t.Errorf("stored events count %d posts, want %d", total, len(posts))
	}
}

func TestHeatFormula(t *testing.T) {
	ev := &model.Event{PostCount: 9, SourceCount: 3, NegativeCount: 9, FirstSeen: t0, LastSeen: t0.Add(3 * time.Hour)}
	// 10·ln10 + 8·ln4 + 20·1 + 10 + 5·ln(1+3) = 23.03 + 11.09 + 20 + 10 + 6.93 = 71.05
	if got := model.Heat(ev, 10); got != 71.0 {
		t.Errorf("Heat = %v, want 71.0", got)
	}
}

// TestBurstWindow checks that slowly accumulating negative chatter does not
// open an incident, while the same number of posts in a burst does.
func TestBurstWindow(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		spacing time.Duration
		want    int
	}{
		{"spread over days", 10 * time.Hour, 0},
		{"within an hour", 10 * time.Minute, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			var posts []model.Post
			for i := range 6 {
				posts = append(posts, post(fmt.Sprintf("n%d", i), fmt.Sprintf("s%d", i%2), "小区停水无人通知", "停水两天无人通知,居民不满",
					time.Duration(i)*tc.spacing, model.Negative, 0, "停水", "通知", "居民", "供水"))
			}
			r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return t0.Add(3 * 24 * time.Hour) }))
			if err := r.HandlePosts(ctx, posts); err != nil {
				t.Fatal(err)
			}
			incs, _ := st.ListIncidents(ctx, store.IncidentQuery{})
			if len(incs) != tc.want {
				t.Errorf("got %d incidents, want %d", len(incs), tc.want)
			}
		})
	}
}

// TestUncertainPublishTimeClock: when the first post's publish time is
// uncertain (an unlabelled date that may be the page chrome's), the
// incident's clock starts when the system first saw it, not from that
// date; a certain publish time still starts it.
func TestUncertainPublishTimeClock(t *testing.T) {
	for _, tc := range []struct {
		name      string
		uncertain bool
		want      time.Time
	}{
		{"uncertain: from the first sight", true, t0.Add(2 * time.Minute)},
		{"certain: from the publish time", false, t0.Add(-4 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			now := t0.Add(time.Hour)
			r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
			ctx := context.Background()
			posts := explosion()
			for i := range posts {
				posts[i].FetchedAt = posts[i].PublishedAt.Add(2 * time.Minute)
			}
			// x1 said 4 hours before it was fetched; only an unlabelled date
			// under the title backed it.
			posts[0].PublishedAt, posts[0].PublishedUncertain = t0.Add(-4*time.Hour), tc.uncertain
			if err := r.HandlePosts(ctx, posts); err != nil {
				t.Fatal(err)
			}
			incs, err := st.ListIncidents(ctx, store.IncidentQuery{OnlyOpen: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(incs) != 1 {
				t.Fatalf("got %d incidents, want 1", len(incs))
			}
			inc := incs[0]
			if !inc.ClockStart.Equal(tc.want) || !inc.DetectedAt.Equal(tc.want) {
				t.Errorf("clock start %v, detected %v; want both %v", inc.ClockStart, inc.DetectedAt, tc.want)
			}
			// The officer is told why the clock starts where it does.
			if said := strings.Contains(inc.Reason, "发布时间无法确定,时限自首次采集时(11月21日17:02)起算"); said != tc.uncertain {
				t.Errorf("reason %q: says the publish time is uncertain %v, want %v", inc.Reason, said, tc.uncertain)
			}
		})
	}
}
