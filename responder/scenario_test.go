package responder

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// duty is a webhook receiver for the scenario: it checks every delivery's
// signature and counts deliveries per notification key and recipient.
type duty struct {
	mu     sync.Mutex
	secret []byte
	got    map[string]int // key + " → " + recipient
	texts  map[string]string
	t      *testing.T
}

func (d *duty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := notify.VerifyWebhook(d.secret, r.Header, body, time.Now(), 365*24*time.Hour*10); err != nil {
		d.t.Errorf("webhook signature: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p struct {
		Key       string `json:"key"`
		Text      string `json:"text"`
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		d.t.Errorf("webhook payload: %v", err)
	}
	d.mu.Lock()
	d.got[p.Key+" → "+p.Recipient.ID]++
	d.texts[p.Key] = p.Text
	d.mu.Unlock()
}

func (d *duty) deliveries() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return copyCounts(d.got)
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestResponseScenario is the acceptance scenario of the responder on a
// controllable clock: an explosion with 12 deaths reported by several
// sources opens a level II incident with its 5 h and 24 h obligations;
// reminders go out at the configured points; an official 情况通报 at +3 h
// fulfils the 5 h obligation with evidence; no press conference follows,
// so at +24 h the obligation is breached, escalated and recorded; and the
// process is killed and restarted twice on the way without any reminder
// lost or sent twice.
func TestResponseScenario(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "y.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recv := &duty{secret: []byte("webhook-secret-0123456789"), got: map[string]int{}, texts: map[string]string{}, t: t}
	srv := httptest.NewServer(recv)
	defer srv.Close()

	start := time.Date(2026, 11, 21, 9, 0, 0, 0, model.China)
	now := start
	clock := func() time.Time { return now }
	ncfg := config.NotifyConfig{
		ConsoleURL: "http://console.example", AckSecret: "ack-secret-0123456789abcdef",
		Channels: []config.ChannelConfig{{Name: "hook", Type: notify.TypeWebhook, URL: srv.URL, Secret: string(recv.secret)}},
		Roster: config.RosterConfig{
			People: []config.PersonConfig{
				{ID: "duty", Name: "值班员", Contacts: map[string]string{"hook": "duty"}},
				{ID: "chief", Name: "科长", Contacts: map[string]string{"hook": "chief"}},
				{ID: "leader", Name: "分管领导", Contacts: map[string]string{"hook": "leader"}},
			},
			Weekly:     []config.ShiftConfig{{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", End: "00:00", Duty: "duty"}},
			Escalation: []string{"chief", "leader"},
		},
		Retry: config.NotifyRetryConfig{Attempts: 2, Initial: time.Millisecond, Max: time.Millisecond},
	}
	ncfg.ApplyDefaults()
	if ps := notify.ValidateConfig("responder.notify", &ncfg); len(ps) > 0 {
		t.Fatalf("notify config: %v", ps)
	}
	rcfg := cfg
	rcfg.Reminders = []string{"50%", "1h"}
	rcfg.ClockStart = "earliest"
	rcfg.EffectWindow = 4 * time.Hour
	// start launches a responder as a fresh process would: state rebuilt
	// from the store, the delivery log reopened from its file.
	startResponder := func() *Responder {
		a, err := NewAlerter(ncfg, st, prometheus.NewRegistry(), nil, clock)
		if err != nil {
			t.Fatal(err)
		}
		r := New(rcfg, st, prometheus.NewRegistry(), nil, WithClock(clock), WithAlerter(a))
		if err := r.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		return r
	}
	tick := func(r *Responder, at time.Duration) {
		t.Helper()
		now = start.Add(at)
		if err := r.Tick(ctx); err != nil {
			t.Fatalf("tick at +%s: %v", at, err)
		}
	}
	handle := func(r *Responder, at time.Duration, posts ...model.Post) {
		t.Helper()
		now = start.Add(at)
		if err := st.UpsertPosts(ctx, posts); err != nil {
			t.Fatal(err)
		}
		if err := r.HandlePosts(ctx, posts); err != nil {
			t.Fatal(err)
		}
	}
	incident := func() model.Incident {
		t.Helper()
		incs, err := st.ListIncidents(ctx, store.IncidentQuery{})
		if err != nil || len(incs) != 1 {
			t.Fatalf("incidents: %v, %v; want exactly one", incs, err)
		}
		return incs[0]
	}
	obligation := func(inc model.Incident, rule string) model.Obligation {
		t.Helper()
		for _, o := range inc.Obligations {
			if o.Rule == rule {
				return o
			}
		}
		t.Fatalf("incident has no %s obligation: %+v", rule, inc.Obligations)
		return model.Obligation{}
	}
	news := func(id, source string, at time.Duration, title string) model.Post {
		p := post(id, source, title, title+",事故已造成12人死亡、30人受伤,救援仍在进行。", at, model.Negative, 0, "化工厂", "爆炸", "死亡", "事故", "救援")
		p.PublishedAt = start.Add(at)
		p.URL = "http://news.example/" + id
		return p
	}

	// +0 … +20 min: five sources report the explosion.
	r := startResponder()
	handle(r, 25*time.Minute,
		news("e1", "board", 0, "化工厂发生爆炸"),
		news("e2", "news1", 5*time.Minute, "化工厂爆炸事故致12人死亡"),
		news("e3", "news2", 8*time.Minute, "化工园区爆炸 12人遇难"),
		news("e4", "feed", 12*time.Minute, "爆炸事故救援持续"),
		news("e5", "news3", 20*time.Minute, "化工厂爆炸伤亡情况"),
	)
	tick(r, 26*time.Minute)
	inc := incident()
	// The duty officer acknowledges the alert (through the console, which
	// sends the request to the responder over the bus): no escalation.
	ack := model.HistoryEntry{ID: "req-ack", IncidentID: inc.ID, At: start.Add(27 * time.Minute), Actor: "duty",
		Action: model.RequestPrefix + model.RequestAcknowledge, Reason: `{"reason":"已收到"}`}
	if err := r.HandleRequests(ctx, reqsOf(ack)); err != nil {
		t.Fatal(err)
	}
	tick(r, 28*time.Minute)
	if inc.Level != "II" || !inc.ClockStart.Equal(start) {
		t.Fatalf("incident level %s, clock start %v; want II from %v", inc.Level, inc.ClockStart, start)
	}
	if o := obligation(inc, "R-5H"); !o.DueAt.Equal(start.Add(5*time.Hour)) || o.State != model.ObligationPending {
		t.Errorf("R-5H = %+v, want pending, due at +5h", o)
	}
	if o := obligation(inc, "R-24H"); !o.DueAt.Equal(start.Add(24*time.Hour)) || o.State != model.ObligationPending {
		t.Errorf("R-24H = %+v, want pending, due at +24h", o)
	}

	// +2h30: half of the 5 h has passed.
	tick(r, 2*time.Hour+30*time.Minute)
	if got := recv.deliveries()["R-5H/reminder/50% → duty"]; got != 1 {
		t.Errorf("R-5H 50%% reminder delivered %d times, want 1", got)
	}
	if !strings.Contains(recv.texts["R-5H/reminder/50%"], "距5小时权威发布时限还剩") {
		t.Errorf("reminder text lacks the countdown: %q", recv.texts["R-5H/reminder/50%"])
	}

	// Killed and restarted: the reminder is not sent again.
	r = startResponder()
	tick(r, 2*time.Hour+31*time.Minute)

	// +3h: the county government publishes its 情况通报.
	official := post("gov1", "portal", "关于化工厂爆炸事故的情况通报", "现将化工厂爆炸事故有关情况通报如下:事故已造成12人死亡。", 3*time.Hour, model.Negative, 0, "化工厂", "爆炸", "通报", "事故", "死亡")
	official.Authority, official.SourceName, official.URL = model.TierOfficial, "某县人民政府", "http://gov.example/tb.html"
	official.PublishedAt = start.Add(3 * time.Hour)
	handle(r, 3*time.Hour+2*time.Minute, official)
	tick(r, 3*time.Hour+3*time.Minute)
	o := obligation(incident(), "R-5H")
	if o.State != model.ObligationFulfilled || o.Evidence == nil || o.Evidence.URL != official.URL || !o.Evidence.Auto || o.Late {
		t.Fatalf("R-5H after the 通报 = %+v (evidence %+v), want fulfilled on time by it", o, o.Evidence)
	}

	// +4h: no "1h before" reminder for a fulfilled obligation.
	tick(r, 4*time.Hour+5*time.Minute)

	// Killed at +5h and down until +25h: the breach, its escalation and
	// the 通报 record go out once. The 24 h reminders that fell due while
	// it was down are not sent: their moments are past, and "1 h left" for
	// a deadline already breached would mislead (issue #14).
	r = startResponder()
	tick(r, 25*time.Hour)
	tick(r, 25*time.Hour+time.Minute)
	o = obligation(incident(), "R-24H")
	if o.State != model.ObligationBreached || !o.BreachedAt.Equal(start.Add(24*time.Hour)) {
		t.Errorf("R-24H at +25h = %+v, want breached at +24h", o)
	}

	want := map[string]int{
		"opened → duty":               1,
		"R-5H/reminder/50% → duty":    1,
		"R-5H/fulfilled → duty":       1,
		"R-24H/breach → duty":         1,
		"R-24H/breach/step1 → chief":  1,
		"R-24H/breach/step2 → leader": 1,
	}
	got := recv.deliveries()
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s delivered %d times, want %d (all: %v)", k, got[k], n, keys)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected delivery %s (all: %v)", k, keys)
		}
	}

	hist, err := st.ListHistory(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	notice := false
	for _, h := range hist {
		actions = append(actions, h.Action)
		if h.Action == ActionNotice && strings.Contains(h.Reason, "通报") && strings.Contains(h.Reason, "24小时") {
			notice = true
		}
	}
	if !notice {
		t.Errorf("no 通报 record of the 24 h breach in the history: %v", actions)
	}
	for _, a := range []string{ActionOpened, ActionObligation, ActionFulfilled, ActionBreached} {
		if !slices.Contains(actions, a) {
			t.Errorf("history lacks %s: %v", a, actions)
		}
	}
	if inc := incident(); inc.Effect == nil || inc.Effect.Before.Posts == 0 {
		t.Errorf("effect of the response not evaluated: %+v", inc.Effect)
	}
}

// TestEscalationWithoutAck checks that an incident alert nobody
// acknowledges goes to the section chief after the level's wait and to the
// leader after twice the wait, once each, and that an acknowledgement stops
// the chain.
func TestEscalationWithoutAck(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	recv := &duty{secret: []byte("webhook-secret-0123456789"), got: map[string]int{}, texts: map[string]string{}, t: t}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, model.China)
	now := start
	ncfg := config.NotifyConfig{
		Channels: []config.ChannelConfig{{Name: "hook", Type: notify.TypeWebhook, URL: srv.URL, Secret: string(recv.secret)}},
		Roster: config.RosterConfig{
			People: []config.PersonConfig{{ID: "duty", Name: "值班员", Contacts: map[string]string{"hook": "duty"}},
				{ID: "chief", Name: "科长", Contacts: map[string]string{"hook": "chief"}},
				{ID: "leader", Name: "分管领导", Contacts: map[string]string{"hook": "leader"}}},
			Weekly:     []config.ShiftConfig{{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", End: "00:00", Duty: "duty"}},
			Escalation: []string{"chief", "leader"},
		},
		Retry: config.NotifyRetryConfig{Attempts: 1, Initial: time.Millisecond, Max: time.Millisecond},
	}
	ncfg.ApplyDefaults()
	a, err := NewAlerter(ncfg, st, prometheus.NewRegistry(), nil, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }), WithAlerter(a))
	posts := explosion()
	for i := range posts {
		posts[i].PublishedAt = start.Add(time.Duration(i) * time.Minute)
	}
	if err := r.HandlePosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	for _, m := range []time.Duration{1, 14, 16, 29, 31, 60} {
		now = start.Add(m * time.Minute)
		if err := r.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := recv.deliveries()
	// Level II: 15 minutes per step.
	for key, n := range map[string]int{"opened → duty": 1, "opened/escalation1 → chief": 1, "opened/escalation2 → leader": 1} {
		if got[key] != n {
			t.Errorf("%s delivered %d times, want %d (all %v)", key, got[key], n, got)
		}
	}
	if !strings.Contains(recv.texts["opened/escalation1"], "无人确认") {
		t.Errorf("escalation text does not say why: %q", recv.texts["opened/escalation1"])
	}
}
