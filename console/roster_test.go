package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/settings"
	"github.com/yuqing-project/yuqing/store"
)

// rosterNowUTC is Monday 23 November 2026, 11:00 in Beijing.
var rosterNowUTC = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

// rosterOptions gives the console the test roster and a clock that moves
// a second a call from rosterNowUTC, so each change is later than the one
// before.
func rosterOptions(t *testing.T) func(*Options) {
	return func(o *Options) {
		roster, err := notify.NewRoster([]notify.Person{
			{ID: "wang", Name: "值班员小王", Contacts: map[string]string{"短信": "13800138000"}},
			{ID: "li", Name: "老李"},
			{ID: "chief", Name: "李科长", Title: "科长", Contacts: map[string]string{"邮件": "chief@example.gov.cn"}},
		}, nil, nil, []string{"chief"})
		if err != nil {
			t.Fatal(err)
		}
		o.Settings.Roster = roster
		var mu sync.Mutex
		n := 0
		o.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			n++
			return rosterNowUTC.Add(time.Duration(n) * time.Second)
		}
	}
}

// seedShifts imports the test's configured shifts: 小王 by day, 老李 by
// night, Monday to Friday.
func seedShifts(t *testing.T, st store.Settings, now time.Time) {
	t.Helper()
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	shifts := []model.Shift{
		{ID: "weekly-1", Person: "wang", Days: week, Start: "08:00", End: "20:00", Role: model.ShiftDuty},
		{ID: "weekly-2", Person: "li", Days: week, Start: "20:00", End: "08:00", Role: model.ShiftDuty},
	}
	if n, err := settings.Seed(context.Background(), st, settings.ShiftSeed(shifts), now); err != nil || n != 2 {
		t.Fatalf("seed = %d, %v", n, err)
	}
}

// onDuty returns the name GET /api/v1/roster says is on duty now.
func onDuty(t *testing.T, base string) string {
	t.Helper()
	code, body := get(t, base+"/api/v1/roster")
	var got struct {
		OnDuty struct {
			Duty struct{ Name string } `json:"duty"`
		} `json:"on_duty"`
	}
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("GET /api/v1/roster = %d %s, %v", code, body, err)
	}
	return got.OnDuty.Duty.Name
}

// TestRosterAPI edits the duty roster through the API: a viewer is
// refused (403, audited as denied), a bad shift is a 400 naming the field
// in Chinese (unknown person, bad time, overlap), the handler's changes
// land in the store's settings (what the responder polls) and the audit
// log, and who is on duty now follows them.
func TestRosterAPI(t *testing.T) {
	srv, st, c := newServer(t, rosterOptions(t))
	seedShifts(t, st, rosterNowUTC)

	useRole(t, srv, auth.RoleViewer)
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/v1/roster/shifts", `{"person":"li","date":"2026-11-24","start":"08:00","end":"20:00"}`},
		{"PUT", "/api/v1/roster/shifts/weekly-1", `{"person":"li","days":[1],"start":"08:00","end":"20:00"}`},
		{"DELETE", "/api/v1/roster/shifts/weekly-1", ``},
	} {
		if code, _, body := do(t, r.method, srv.URL+r.path, r.body); code != http.StatusForbidden {
			t.Errorf("viewer %s %s = %d %s; want 403", r.method, r.path, code, body)
		}
	}
	code, body := get(t, srv.URL+"/api/v1/roster")
	if code != 200 || !strings.Contains(body, `"138****8000"`) || strings.Contains(body, "13800138000") ||
		!strings.Contains(body, `"c***@example.gov.cn"`) || !strings.Contains(body, `"when":"周一至周五 20:00–次日08:00"`) {
		t.Errorf("viewer GET /api/v1/roster = %d %s", code, body)
	}
	if got := onDuty(t, srv.URL); got != "值班员小王" {
		t.Errorf("on duty at Monday 11:00 = %q, want 值班员小王", got)
	}

	useRole(t, srv, auth.RoleHandler)
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/api/v1/roster/shifts", `{"person":"zhao","days":[6],"start":"08:00","end":"20:00"}`, 400, `"field":"person","message":"值班表里没有人员「zhao」`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","days":[1],"start":"10:00","end":"12:00"}`, 400, `与班次「weekly-1」（周一至周五 08:00–20:00，值班员小王）时间重叠`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","days":[6],"start":"8:00","end":"20:00"}`, 400, `"field":"start","message":"开始时间格式不对`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","days":[6],"start":"08:00","end":"08:00"}`, 400, `"field":"end","message":"结束时间与开始时间相同`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","start":"08:00","end":"09:00"}`, 400, `"field":"days"`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","days":[6],"date":"2026-11-28","start":"08:00","end":"09:00"}`, 400, `"field":"date"`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","days":[9],"start":"08:00","end":"09:00"}`, 400, `"field":"days","message":"值班日只能是周一至周日。"`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","role":"boss","days":[6],"start":"08:00","end":"09:00"}`, 400, `"field":"role"`},
		{"POST", "/api/v1/roster/shifts", `{"person":"li","days":[6],"start":"08:00","end":"09:00","colour":"red"}`, 400, `unknown field`},
		// Saturday night into Sunday overlaps nothing; Sunday 07:00
		// would overlap it across midnight.
		{"POST", "/api/v1/roster/shifts", `{"id":"weekend","person":"li","days":[6],"start":"20:00","end":"08:00"}`, 201, `"when":"周六 20:00–次日08:00"`},
		{"POST", "/api/v1/roster/shifts", `{"person":"wang","days":[0],"start":"07:00","end":"09:00"}`, 400, `与班次「weekend」`},
		{"POST", "/api/v1/roster/shifts", `{"id":"weekend","person":"li","days":[0],"start":"10:00","end":"12:00"}`, 409, `"field":"id"`},
		// A lead shift may lie over a duty shift.
		{"POST", "/api/v1/roster/shifts", `{"id":"lead","person":"chief","role":"lead","days":[1,2,3,4,5],"start":"08:00","end":"20:00"}`, 201, `"role":"lead"`},
		{"PUT", "/api/v1/roster/shifts/weekly-1", `{"person":"li","days":[5,1,2,3,4,1],"start":"08:00","end":"20:00","role":"duty"}`, 200, `"person_name":"老李"`},
		{"PUT", "/api/v1/roster/shifts/weekly-1", `{"id":"other","person":"li","days":[1],"start":"08:00","end":"20:00"}`, 400, `"field":"id"`},
		{"PUT", "/api/v1/roster/shifts/none", `{"person":"li","days":[1],"start":"08:00","end":"20:00"}`, 404, `没有编号为「none」的班次`},
		{"DELETE", "/api/v1/roster/shifts/weekly-2", ``, 204, ``},
		{"DELETE", "/api/v1/roster/shifts/weekly-2", ``, 404, `not found`},
		{"GET", "/api/v1/roster/shifts/weekly-2/history", ``, 200, `"removed":true`},
		{"GET", "/api/v1/roster?x=1", ``, 400, `x`},
	} {
		code, _, body := do(t, tc.method, srv.URL+tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s = %d %s; want %d containing %s", tc.method, tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	if got := onDuty(t, srv.URL); got != "老李" {
		t.Errorf("on duty after the edit = %q, want 老李", got)
	}
	// A dated shift wins over the weekly ones.
	if code, _, body := do(t, "POST", srv.URL+"/api/v1/roster/shifts", `{"id":"swap","person":"wang","date":"2026-11-23","start":"10:00","end":"12:00"}`); code != 201 {
		t.Fatalf("POST dated shift = %d %s", code, body)
	}
	if got := onDuty(t, srv.URL); got != "值班员小王" {
		t.Errorf("on duty with the swap = %q, want 值班员小王", got)
	}
	_, body = get(t, srv.URL+"/api/v1/roster")
	if !strings.Contains(body, `"lead":{"id":"chief"`) {
		t.Errorf("the lead on duty is not shown: %s", body)
	}

	// What the responder's watcher reads.
	set, err := st.CurrentSettings(context.Background(), model.SettingShift)
	if err != nil {
		t.Fatal(err)
	}
	shifts, err := settings.Shifts(set)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range shifts {
		ids = append(ids, s.ID)
		if s.ID == "weekly-1" && (s.Person != "li" || len(s.Days) != 5 || s.Days[0] != time.Monday) {
			t.Errorf("weekly-1 in force = %+v", s)
		}
	}
	if strings.Join(ids, ",") != "lead,swap,weekend,weekly-1" {
		t.Errorf("shifts in force = %v", ids)
	}
	// The seed does not undo a change people made.
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	again := []model.Shift{{ID: "weekly-1", Person: "wang", Days: week, Start: "08:00", End: "20:00", Role: model.ShiftDuty}}
	if n, err := settings.Seed(context.Background(), st, settings.ShiftSeed(again), c.now()); err != nil || n != 0 {
		t.Errorf("seed again = %d, %v; want 0", n, err)
	}

	audit := strings.Join(auditRecords(t, c), "\n")
	for _, want := range []string{
		"viewer POST /api/v1/roster/shifts /api/v1/roster/shifts denied 缺少权限 roster.edit",
		"handler roster.create shift:weekend ok 老李 周六 20:00–次日08:00",
		"handler roster.edit shift:weekly-1 ok 老李 周一至周五 08:00–20:00",
		"handler roster.remove shift:weekly-2 ok 老李 周一至周五 20:00–次日08:00",
		"handler roster.create shift:",
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %q:\n%s", want, audit)
		}
	}
	if n := strings.Count(audit, "roster.edit shift:weekly-1 ok"); n != 1 {
		t.Errorf("the edit is audited %d times, want once:\n%s", n, audit)
	}
}
