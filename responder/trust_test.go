package responder

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
)

// Judgement an officer can trust (issue #14): the rules that keep
// incidents and alerts for what is wrong and still ahead.

// story returns n posts of one story from alternating sources, a minute
// apart from at, with the given label and fetched when published.
func story(prefix, title string, n int, at time.Duration, label string) []model.Post {
	var ps []model.Post
	for i := range n {
		p := post(fmt.Sprintf("%s%d", prefix, i), fmt.Sprintf("src%d", i%3), title, title+",现场情况正在核实",
			at+time.Duration(i)*time.Minute, label, 0, "化工厂", "爆炸", "浓烟", "园区")
		p.FetchedAt = p.PublishedAt
		ps = append(ps, p)
	}
	return ps
}

func onlyIncident(t *testing.T, st store.Store) model.Incident {
	t.Helper()
	incs, err := st.ListIncidents(context.Background(), store.IncidentQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []model.Incident
	for _, in := range incs {
		if in.Kind == KindOpinion {
			out = append(out, in)
		}
	}
	if len(out) != 1 {
		t.Fatalf("got %d incidents, want 1: %+v", len(out), out)
	}
	return out[0]
}

func alertKeys(r *Responder, now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var keys []string
	for _, a := range r.tick(now) {
		keys = append(keys, a.key)
	}
	return keys
}

// A positive story, however hot, never opens an incident.
func TestPositiveStoryNeverOpens(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c := cfg
	c.IncidentMinHeat = 1
	r := New(c, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return t0.Add(time.Hour) }))
	if err := r.HandlePosts(ctx, story("h", "脐橙喜获丰收", 8, 0, model.Positive)); err != nil {
		t.Fatal(err)
	}
	incs, _ := st.ListIncidents(ctx, store.IncidentQuery{})
	if len(incs) != 0 {
		t.Fatalf("a positive story opened %+v", incs)
	}
}

// The government's own posts are not negative opinion: six official posts
// reporting deaths count no negative post and open no incident.
func TestOfficialVoiceNotNegative(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return t0.Add(time.Hour) }))
	ps := story("o", "关于化工厂爆炸事故的情况通报", 6, 0, model.Negative)
	for i := range ps {
		ps[i].Authority = model.TierOfficial
	}
	if err := r.HandlePosts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	evs, _ := st.ListEvents(ctx, time.Time{}, 0)
	if len(evs) != 1 || evs[0].NegativeCount != 0 {
		t.Fatalf("events %+v, want one with no negative post", evs)
	}
	if incs, _ := st.ListIncidents(ctx, store.IncidentQuery{}); len(incs) != 0 {
		t.Fatalf("official posts opened %+v", incs)
	}
}

// Posts first seen long after they were published (the backlog) open a
// historical incident: recorded, never open, never alerted.
func TestBacklogOpensHistorical(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(72 * time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	ps := story("b", "化工厂爆炸", 6, 0, model.Negative)
	for i := range ps {
		ps[i].FetchedAt = now
	}
	if err := r.HandlePosts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	inc := onlyIncident(t, st)
	if inc.State != model.StateHistorical || inc.Open || !strings.Contains(inc.Reason, "历史事件") {
		t.Fatalf("incident = %+v, want historical, not open", inc)
	}
	if keys := alertKeys(r, now.Add(time.Hour)); len(keys) != 0 {
		t.Errorf("a historical incident alerted %v", keys)
	}
}

// A reminder is never for a moment already past when the incident opened,
// and of several reminder points passed at once only the latest is sent.
func TestNoReminderForPastMoment(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c := cfg
	c.Reminders = []string{"50%", "1h"}
	now := t0.Add(3 * time.Hour) // the story began 3 h ago: 50 % of 5 h has passed
	r := New(c, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	// 12 deaths: level II, with the 5 h and 24 h obligations.
	if err := r.HandlePosts(ctx, story("p", "化工厂爆炸已造成12人死亡", 6, 0, model.Negative)); err != nil {
		t.Fatal(err)
	}
	for _, k := range alertKeys(r, now) {
		if strings.Contains(k, "/reminder/") {
			t.Errorf("at opening: reminder %s for a moment already past", k)
		}
	}
	// +4h05: the 1 h reminder of R-5H is due, once.
	keys := alertKeys(r, t0.Add(4*time.Hour+5*time.Minute))
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, "R-5H/reminder/") {
			n++
			if k != "R-5H/reminder/1h" {
				t.Errorf("reminder %s, want only the 1h one", k)
			}
		}
	}
	if n != 1 {
		t.Errorf("R-5H reminders at +4h05: %v, want R-5H/reminder/1h once", keys)
	}
	// +5h: breached; the breach alone, no "1 h left".
	for _, k := range alertKeys(r, t0.Add(5*time.Hour+time.Minute)) {
		if strings.HasPrefix(k, "R-5H/reminder/") {
			t.Errorf("after the breach: %s", k)
		}
	}
}

// A level change alerts once, naming the obligations it brings; a
// disclosure item is announced as 政务公开, not as a 舆情事件.
func TestLevelChangeAndDisclosureAlerts(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	if err := r.HandlePosts(ctx, story("l", "化工厂爆炸", 6, 0, model.Negative)); err != nil {
		t.Fatal(err)
	}
	inc := onlyIncident(t, st)
	if inc.Level != "IV" || inc.OpenedLevel != "IV" {
		t.Fatalf("opened at %s (opened level %s), want IV", inc.Level, inc.OpenedLevel)
	}
	worse := post("l9", "src1", "化工厂爆炸已造成12人死亡", "化工厂爆炸事故已造成12人死亡", 30*time.Minute, model.Negative, 0, "化工厂", "爆炸", "浓烟", "园区")
	if err := r.HandlePosts(ctx, []model.Post{worse}); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	var level []alert
	for _, a := range r.tick(now) {
		if a.kind == notify.KindLevel {
			level = append(level, a)
		}
	}
	r.mu.Unlock()
	if len(level) != 1 || level[0].key != "level/II" || !strings.Contains(level[0].note, "由IV级调整为II级") || !strings.Contains(level[0].note, "24小时新闻发布会") {
		t.Fatalf("level alerts %+v, want one level/II naming the 24 h obligation", level)
	}

	notice := post("d1", "portal", "青岚县人民政府办公室关于印发《青岚县供暖工作方案》的通知", "现印发给你们", 0, model.Neutral, 0, "供暖", "方案")
	notice.Authority, notice.SourceKind = model.TierOfficial, model.KindPortal
	if err := r.HandlePosts(ctx, []model.Post{notice}); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	found := false
	for _, a := range r.tick(now) {
		if a.inc.Kind == KindDisclosure {
			found = true
			if a.kind != notify.KindDisclosure || a.kind.Headline() != "新增政务公开事项" {
				t.Errorf("disclosure item announced as %s (%s)", a.kind, a.kind.Headline())
			}
		}
	}
	if !found {
		t.Error("no alert for the disclosure item")
	}
}

// An official answer already in the event when the incident opens fulfils
// its obligation.
func TestOfficialAnswerAlreadyInEventCredited(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	bulletin := post("g1", "portal", "关于化工厂爆炸事故的情况通报", "现将化工厂爆炸事故有关情况通报如下", time.Minute, model.Negative, 0, "化工厂", "爆炸", "浓烟", "园区")
	bulletin.Authority, bulletin.URL, bulletin.SourceName = model.TierOfficial, "http://gov.example/tb.html", "某县人民政府"
	if err := r.HandlePosts(ctx, []model.Post{bulletin}); err != nil {
		t.Fatal(err)
	}
	if err := r.HandlePosts(ctx, story("c", "化工厂爆炸", 6, 2*time.Minute, model.Negative)); err != nil {
		t.Fatal(err)
	}
	inc := onlyIncident(t, st)
	if len(inc.Obligations) == 0 {
		t.Fatal("no obligation")
	}
	for _, o := range inc.Obligations {
		if o.State != model.ObligationFulfilled || o.Evidence == nil || o.Evidence.PostID != "g1" {
			t.Errorf("%s = %+v, want fulfilled by the bulletin already in the event", o.Rule, o)
		}
	}
}

// After downtime, an official answer that is in an open incident's event
// but was never checked is credited when the state is rebuilt.
func TestRebuildCreditsAnswers(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	clock := func() time.Time { return now }
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(clock))
	ps := story("r", "化工厂爆炸", 6, 0, model.Negative)
	if err := st.UpsertPosts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	if err := r.HandlePosts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	inc := onlyIncident(t, st)
	// The bulletin was stored and joined to the event, and the process
	// died before it checked it against the incident.
	bulletin := post("g2", "portal", "关于化工厂爆炸事故的情况通报", "现将化工厂爆炸事故有关情况通报如下", 20*time.Minute, model.Negative, 0, "化工厂", "爆炸", "浓烟", "园区")
	bulletin.Authority, bulletin.URL, bulletin.SourceName = model.TierOfficial, "http://gov.example/tb2.html", "某县人民政府"
	if err := st.UpsertPosts(ctx, []model.Post{bulletin}); err != nil {
		t.Fatal(err)
	}
	ev, err := st.GetEvent(ctx, inc.EventID)
	if err != nil {
		t.Fatal(err)
	}
	ev.PostIDs = append(ev.PostIDs, bulletin.ID)
	ev.PostCount++
	ev.Version++
	if err := st.UpsertEvents(ctx, []model.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if o := onlyIncident(t, st).Obligations[0]; o.State != model.ObligationPending {
		t.Fatalf("before the rebuild: %+v, want pending", o)
	}
	r2 := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(clock))
	if err := r2.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	for _, o := range onlyIncident(t, st).Obligations {
		if o.State != model.ObligationFulfilled || o.Evidence == nil || o.Evidence.PostID != "g2" {
			t.Errorf("after the rebuild %s = %+v, want fulfilled by the bulletin", o.Rule, o)
		}
	}
}

// An incident born with a deadline already past sends one alert for that
// moment: its opening, which names the passed deadline; no breach alert
// chain, no reminders.
func TestBornOverdueOneAlert(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(5*time.Hour + 30*time.Minute) // within the backlog horizon, past the 5 h
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	if err := r.HandlePosts(ctx, story("o", "化工厂爆炸已造成12人死亡", 6, 0, model.Negative)); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var got []string
	for _, a := range r.tick(now) {
		got = append(got, a.key)
		if a.key == "opened" && !strings.Contains(a.note, "发现时已超过时限:5小时权威发布") {
			t.Errorf("opening alert note %q does not name the passed 5 h deadline", a.note)
		}
	}
	if len(got) != 1 || got[0] != "opened" {
		t.Errorf("alerts %v, want only the opening", got)
	}
}

// A policy notice seen only in the backlog opens its 政务公开 item as
// history: never open, never alerted.
func TestBacklogDisclosureHistorical(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(72 * time.Hour)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	notice := post("dn", "portal", "青岚县人民政府办公室关于印发《青岚县供暖工作方案》的通知", "现印发给你们", 0, model.Neutral, 0, "供暖", "方案")
	notice.Authority, notice.SourceKind, notice.FetchedAt = model.TierOfficial, model.KindPortal, now
	if err := r.HandlePosts(ctx, []model.Post{notice}); err != nil {
		t.Fatal(err)
	}
	incs, _ := st.ListIncidents(ctx, store.IncidentQuery{})
	if len(incs) != 1 || incs[0].Kind != KindDisclosure || incs[0].State != model.StateHistorical || incs[0].Open {
		t.Fatalf("incidents %+v, want one historical disclosure item", incs)
	}
	if keys := alertKeys(r, now); len(keys) != 0 {
		t.Errorf("a historical item alerted %v", keys)
	}
}
