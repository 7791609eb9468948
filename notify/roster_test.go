package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

func testRoster(t *testing.T) *Roster {
	t.Helper()
	c := testRosterConfig()
	r, err := BuildRoster(&c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testRosterConfig() config.NotifyConfig {
	return config.NotifyConfig{Roster: config.RosterConfig{
		People: []config.PersonConfig{
			{ID: "wang", Name: "王五", Contacts: map[string]string{"c": "wang@example.gov.cn"}},
			{ID: "zhao", Name: "赵六", Contacts: map[string]string{"c": "zhao@example.gov.cn"}},
			{ID: "sun", Name: "孙七", Contacts: map[string]string{"c": "sun@example.gov.cn"}},
			{ID: "qian", Name: "钱八", Title: "科长", Contacts: map[string]string{"c": "qian@example.gov.cn"}},
			{ID: "li", Name: "李四", Contacts: map[string]string{"c": "li@example.gov.cn"}},
			{ID: "zhou", Name: "周九", Title: "副局长", Contacts: map[string]string{"c": "zhou@example.gov.cn"}},
		},
		Weekly: []config.ShiftConfig{
			{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "08:30", End: "17:30", Duty: "wang"},
			{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "17:30", End: "08:30", Duty: "zhao"},
			{Days: []string{"周六", "周日"}, Start: "08:30", End: "17:30", Duty: "sun"},
		},
		Overrides: []config.DutyOverrideConfig{
			{Date: "2026-10-01", Duty: "qian"},
			{Date: "2026-11-24", Start: "17:30", End: "08:30", Duty: "li"},
		},
		Escalation: []string{"qian", "zhou"},
	}}
}

func TestRosterOnDuty(t *testing.T) {
	r := testRoster(t)
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"weekday daytime", cst(2026, 11, 23, 10, 0), "wang"},
		{"weekday evening", cst(2026, 11, 23, 23, 59), "zhao"},
		{"night shift across midnight", cst(2026, 11, 24, 0, 30), "zhao"},
		{"last minute of the night shift", cst(2026, 11, 24, 8, 29), "zhao"},
		{"day shift starts", cst(2026, 11, 24, 8, 30), "wang"},
		{"Friday night into Saturday", cst(2026, 11, 21, 3, 0), "zhao"},
		{"weekend daytime", cst(2026, 11, 21, 12, 0), "sun"},
		{"holiday override, daytime", cst(2026, 10, 1, 12, 0), "qian"},
		{"holiday override wins over the night shift before it", cst(2026, 10, 1, 3, 0), "qian"},
		{"the night after the holiday override follows the week", cst(2026, 10, 2, 3, 0), "zhao"},
		{"swapped night shift", cst(2026, 11, 24, 20, 0), "li"},
		{"swapped night shift across midnight", cst(2026, 11, 25, 3, 0), "li"},
		{"outside the swap the week applies", cst(2026, 11, 24, 10, 0), "wang"},
		{"UTC input is read in Shanghai", time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), "wang"},
		{"UTC evening is the next Shanghai morning", time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC), "zhao"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := r.OnDuty(tc.at)
			if !ok || p.ID != tc.want {
				t.Errorf("OnDuty(%s) = %q, %v; want %q", tc.at.In(model.China), p.ID, ok, tc.want)
			}
		})
	}
	day, err := NewRoster([]Person{{ID: "a", Name: "甲"}}, []Shift{{Days: []time.Weekday{time.Monday}, Start: 9 * 60, End: 17 * 60, Duty: "a"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := day.OnDuty(cst(2026, 11, 23, 18, 0)); ok {
		t.Errorf("OnDuty outside every shift = %q, want nobody", p.ID)
	}
	if _, err := NewRoster([]Person{{ID: "a"}}, []Shift{{Duty: "ghost"}}, nil, nil); err == nil {
		t.Error("NewRoster accepted a shift for an unknown person")
	}
}

func TestRosterEscalationChain(t *testing.T) {
	r := testRoster(t)
	at := cst(2026, 11, 23, 10, 0)
	var got []string
	for step := 0; ; step++ {
		p, ok := r.Escalation(step, at)
		if !ok {
			break
		}
		got = append(got, p.ID)
	}
	if strings.Join(got, ",") != "wang,qian,zhou" || r.ChainLength() != 3 {
		t.Errorf("chain = %v (length %d), want wang, qian, zhou", got, r.ChainLength())
	}
}

func TestEscalator(t *testing.T) {
	r := testRoster(t)
	e := NewEscalator(r, map[Level]time.Duration{LevelII: 20 * time.Minute})
	t0 := cst(2026, 11, 23, 10, 0)
	duty, _ := r.OnDuty(t0)
	first := testMessage(nil)
	first.Kind, first.Key, first.Recipients = KindBreach, "R-5H/breach", []Recipient{duty.Recipient()}
	step0 := Alert{Message: first, SentAt: t0}

	// Escalation to the section chief, as the Escalator produces it.
	chief := e.Escalate(t0.Add(20*time.Minute), []Alert{step0})
	if len(chief) != 1 {
		t.Fatalf("escalations at +20m = %d, want 1", len(chief))
	}
	step1 := Alert{Message: chief[0], SentAt: t0.Add(20 * time.Minute)}
	leader := e.Escalate(t0.Add(40*time.Minute), []Alert{step0, step1})
	if len(leader) != 1 {
		t.Fatalf("escalations at +40m = %d, want 1", len(leader))
	}
	step2 := Alert{Message: leader[0], SentAt: t0.Add(40 * time.Minute)}
	acked1 := step1
	acked1.Acked = true

	for _, tc := range []struct {
		name   string
		now    time.Time
		alerts []Alert
		want   []string // recipient ID and key of each escalation
	}{
		{"not yet", t0.Add(19 * time.Minute), []Alert{step0}, nil},
		{"to the section chief", t0.Add(20 * time.Minute), []Alert{step0}, []string{"qian R-5H/breach/escalation-1"}},
		{"the chief's wait starts when the chief was told", t0.Add(39 * time.Minute), []Alert{step0, step1}, nil},
		{"to the leader", t0.Add(40 * time.Minute), []Alert{step0, step1}, []string{"zhou R-5H/breach/escalation-2"}},
		{"the chain ends at the leader", t0.Add(5 * time.Hour), []Alert{step0, step1, step2}, nil},
		{"an ack stops the chain", t0.Add(5 * time.Hour), []Alert{step0, acked1}, nil},
		{"an ack of the first message stops it too", t0.Add(time.Hour), []Alert{{Message: first, SentAt: t0, Acked: true}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range e.Escalate(tc.now, tc.alerts) {
				if m.Kind != KindEscalation || len(m.Recipients) != 1 {
					t.Errorf("escalation %+v", m)
					continue
				}
				got = append(got, m.Recipients[0].ID+" "+m.Key)
			}
			if strings.Join(got, ";") != strings.Join(tc.want, ";") {
				t.Errorf("escalations = %v, want %v", got, tc.want)
			}
		})
	}
	if chief[0].Step != 1 || !strings.Contains(chief[0].Note, "王五") || !strings.Contains(chief[0].Note, "20分钟") ||
		!strings.Contains(chief[0].Note, "科长钱八") {
		t.Errorf("escalation to the chief: step %d, note %q", chief[0].Step, chief[0].Note)
	}
	// Level IV waits an hour by default.
	low := step0
	low.Message.Level = LevelIV
	if got := e.Escalate(t0.Add(59*time.Minute), []Alert{low}); len(got) != 0 {
		t.Errorf("level IV escalated after 59 minutes: %+v", got)
	}

	// Running the escalator again (each minute, or after a restart) gives
	// the same message, which the Dispatcher sends only once.
	ch := &fakeChannel{name: "c"}
	td := newTestDispatcher(t, []Channel{ch}, NewMemoryLog(), DispatcherOptions{})
	for range 3 {
		for _, m := range e.Escalate(t0.Add(25*time.Minute), []Alert{step0}) {
			if _, err := td.Dispatch(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sent := ch.sent(); len(sent) != 1 || sent[0].Recipients[0].ID != "qian" {
		t.Errorf("escalation sent %d times, want once to qian", len(sent))
	}
}

func TestAckTokens(t *testing.T) {
	clock := newClock(testNow)
	a, err := NewAcker("0123456789abcdef-secret", "https://yuqing.example.gov.cn/api/v1/ack", 2*time.Hour, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewAcker("another-secret-0123456789", "https://yuqing.example.gov.cn/api/v1/ack", 2*time.Hour, clock.Now)
	claims := AckClaims{IncidentID: "INC-0123abcd", Key: "R-5H/breach", Recipient: "zhang"}
	token := a.Token(claims)
	payload, sig, _ := strings.Cut(token, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, tc := range []struct {
		name    string
		token   string
		advance time.Duration
		want    error
	}{
		{"valid", token, 0, nil},
		{"valid until just before expiry", token, 2*time.Hour - time.Second, nil},
		{"expired", token, 2 * time.Hour, ErrAckExpired},
		{"payload tampered", flip(payload, 3) + "." + sig, 0, ErrAckInvalid},
		{"signature tampered", payload + "." + flip(sig, 5), 0, ErrAckInvalid},
		{"signed with another secret", other.Token(claims), 0, ErrAckInvalid},
		{"no signature", payload, 0, ErrAckInvalid},
		{"garbage", "%%%.%%%", 0, ErrAckInvalid},
		{"empty", "", 0, ErrAckInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock.Set(testNow.Add(tc.advance))
			got, err := a.Verify(tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if err == nil && (got.IncidentID != claims.IncidentID || got.Key != claims.Key || got.Recipient != claims.Recipient) {
				t.Errorf("claims = %+v", got)
			}
		})
	}
	clock.Set(testNow)
	link := a.Link(claims)
	if !strings.HasPrefix(link, "https://yuqing.example.gov.cn/api/v1/ack?token=") {
		t.Fatalf("link = %q", link)
	}
	if _, err := a.Verify(unescape(t, strings.TrimPrefix(link, "https://yuqing.example.gov.cn/api/v1/ack?token="))); err != nil {
		t.Errorf("link token does not verify: %v", err)
	}
	if RootKey(EscalationKey("R-24H/reminder/50%", 2)) != "R-24H/reminder/50%" || RootKey("opened") != "opened" {
		t.Error("RootKey does not undo EscalationKey")
	}
	if _, err := NewAcker("short", "https://x/ack", time.Hour, nil); err == nil {
		t.Error("NewAcker accepted a short secret")
	}
}

func TestFirstResponder(t *testing.T) {
	people := []Person{{ID: "a", Name: "甲"}, {ID: "chief", Name: "乙", Title: "科长"}}
	day := []Shift{{Days: []time.Weekday{time.Monday}, Start: 9 * 60, End: 17 * 60, Duty: "a"}}
	r, err := NewRoster(people, day, nil, []string{"chief"})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := NewRoster(people, day, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		r        *Roster
		at       time.Time
		want     string
		wantStep int
		ok       bool
	}{
		{"duty officer on duty", r, cst(2026, 11, 23, 10, 0), "a", 0, true},
		{"nobody on duty: the section chief", r, cst(2026, 11, 23, 20, 0), "chief", 1, true},
		{"nobody at all", empty, cst(2026, 11, 23, 20, 0), "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, step, ok := tc.r.FirstResponder(tc.at)
			if p.ID != tc.want || step != tc.wantStep || ok != tc.ok {
				t.Errorf("FirstResponder = %q, %d, %v; want %q, %d, %v", p.ID, step, ok, tc.want, tc.wantStep, tc.ok)
			}
		})
	}
}

// TestConfiguredShiftsAgree checks that the configuration's roster as the
// settings' shifts (what seeds the store) puts the same person on duty as
// the configuration itself, every half hour of two weeks around a holiday
// and a swap; that a changed shift changes who is on duty; that lead
// shifts do not; and that an unknown person is refused.
func TestConfiguredShiftsAgree(t *testing.T) {
	c := testRosterConfig()
	want := testRoster(t)
	shifts, err := ConfiguredShifts(&c)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range shifts {
		ids = append(ids, s.ID+" "+s.Start+"–"+s.End)
	}
	if got := strings.Join(ids, ", "); got != "weekly-1 08:30–17:30, weekly-2 17:30–08:30, weekly-3 08:30–17:30, date-2026-10-01 00:00–24:00, date-2026-11-24 17:30–08:30" {
		t.Errorf("configured shifts = %s", got)
	}
	got, err := want.WithShifts(shifts)
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []time.Time{time.Date(2026, 9, 28, 0, 0, 0, 0, model.China), time.Date(2026, 11, 20, 0, 0, 0, 0, model.China)} {
		for at := from; at.Before(from.AddDate(0, 0, 14)); at = at.Add(30 * time.Minute) {
			w, wok := want.OnDuty(at)
			g, gok := got.OnDuty(at)
			if w.ID != g.ID || wok != gok {
				t.Fatalf("at %s: store shifts say %q (%v), the configuration %q (%v)", at, g.ID, gok, w.ID, wok)
			}
		}
	}
	// Monday 23 November 10:00: 王五; with the day shift given to 李四,
	// and a lead shift of 周九 over it, 李四.
	mon := time.Date(2026, 11, 23, 10, 0, 0, 0, model.China)
	shifts[0].Person = "li"
	shifts = append(shifts, model.Shift{ID: "lead", Person: "zhou", Days: []time.Weekday{time.Monday}, Start: "00:00", End: "24:00", Role: model.ShiftLead})
	edited, err := want.WithShifts(shifts)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := want.OnDuty(mon); p.ID != "wang" {
		t.Errorf("configured duty at %s = %q, want wang", mon, p.ID)
	}
	if p, _ := edited.OnDuty(mon); p.ID != "li" {
		t.Errorf("edited duty at %s = %q, want li", mon, p.ID)
	}
	if p, ok := edited.OnLead(mon); !ok || p.ID != "zhou" {
		t.Errorf("lead at %s = %q, %v; want zhou", mon, p.ID, ok)
	}
	if _, ok := want.OnLead(mon); ok {
		t.Error("the configuration has a lead on duty")
	}
	if len(edited.People()) != 6 || len(edited.Chain()) != 2 || edited.Chain()[0].ID != "qian" {
		t.Errorf("people %v, chain %v", edited.People(), edited.Chain())
	}
	if _, err := want.WithShifts([]model.Shift{{ID: "x", Person: "nobody", Days: []time.Weekday{1}, Start: "08:00", End: "09:00", Role: model.ShiftDuty}}); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("a shift of an unknown person: %v", err)
	}
}
