package console

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/store"
)

// This file serves the duty roster (值班表) people edit: the store's
// settings of kind shift, seeded from the configuration's roster and
// polled by the responder (its Alerter.SetShifts), so an edited shift
// decides who the next alert goes to without a restart. The people and
// the escalation chain are the configuration's (Settings.Roster); the
// shifts are the store's. Every change needs roster.edit and is audited
// by the guard.

// shiftItem is a shift as the API and the page show it.
type shiftItem struct {
	model.Shift
	PersonName string `json:"person_name"`
	// When is the shift's period in Chinese: 周一至周五 08:00–20:00.
	When string `json:"when"`
	// Clock is the period's times alone: 17:30–次日08:30.
	Clock      string    `json:"clock"`
	ChangedBy  string    `json:"changed_by"`
	ChangedAt  time.Time `json:"changed_at"`
	FromConfig bool      `json:"from_config"`
}

// personItem is a person of the roster, contacts masked.
type personItem struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	// Contacts are the person's addresses by channel, masked.
	Contacts map[string]string `json:"contacts,omitempty"`
}

// ContactList is the masked addresses, by channel name, without the
// empty ones (a group robot's).
func (p personItem) ContactList() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p.Contacts)) {
		if v := p.Contacts[k]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

// dutyItem is who is on duty (or a step of the escalation chain).
type dutyItem struct {
	Step  int        `json:"step"`
	Label string     `json:"label"`
	On    bool       `json:"on"`
	Who   personItem `json:"person"`
}

// rosterState is the roster in force: the configured people and chain
// with the store's shifts.
type rosterState struct {
	base    *notify.Roster
	live    *notify.Roster
	shifts  []shiftItem
	version model.SettingsVersion
}

// rosterNow reads the shifts in force and builds the roster they make.
// Without a configured roster, live is nil.
func (c *Console) rosterNow(r *http.Request) (rosterState, error) {
	set, err := c.st.CurrentSettings(r.Context(), model.SettingShift)
	if err != nil {
		return rosterState{}, err
	}
	st := rosterState{base: c.settings.Roster, version: set.Version, shifts: []shiftItem{}}
	var list []model.Shift
	for _, ch := range set.Items {
		s, err := model.DecodeShift(ch)
		if err != nil {
			return rosterState{}, err
		}
		list = append(list, s)
		name := s.Person
		if st.base != nil {
			if p, ok := st.base.Person(s.Person); ok {
				name = p.Name
			}
		}
		st.shifts = append(st.shifts, shiftItem{s, name, shiftWhen(s), shiftClock(s), ch.By, ch.At, ch.By == model.ConfigActor})
	}
	slices.SortStableFunc(st.shifts, func(a, b shiftItem) int { return strings.Compare(shiftOrder(a.Shift), shiftOrder(b.Shift)) })
	if st.base != nil {
		// A shift of a person the configuration no longer has is left
		// out here as the responder leaves it out (its set is refused).
		var known []model.Shift
		for _, s := range list {
			if _, ok := st.base.Person(s.Person); ok {
				known = append(known, s)
			}
		}
		if st.live, err = st.base.WithShifts(known); err != nil {
			return rosterState{}, err
		}
	}
	return st, nil
}

// shiftOrder sorts weekly shifts first by their first day (Monday
// first) and start, then dated ones by date.
func shiftOrder(s model.Shift) string {
	if s.Date != "" {
		return "1" + s.Date + s.Start + s.ID
	}
	first := 7
	for _, d := range s.Days {
		first = min(first, (int(d)+6)%7)
	}
	return fmt.Sprintf("0%d%s%s", first, s.Start, s.ID)
}

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// shiftWhen says a shift's period in Chinese: 每天, 周一至周五, 周六、周日
// or 10月1日, then 08:00–20:00 (17:30–次日08:30 past midnight).
func shiftWhen(s model.Shift) string {
	return shiftDays(s) + " " + shiftClock(s)
}

func shiftClock(s model.Shift) string {
	start, _ := model.ParseClock(s.Start)
	end, _ := model.ParseClock(s.End)
	if end <= start {
		return s.Start + "–次日" + s.End
	}
	return s.Start + "–" + s.End
}

func shiftDays(s model.Shift) string {
	if s.Date != "" {
		d, err := time.Parse(time.DateOnly, s.Date)
		if err != nil {
			return s.Date
		}
		return fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day())
	}
	// Days in Monday-first order.
	var on [7]bool
	for _, d := range s.Days {
		on[(int(d)+6)%7] = true
	}
	var idx []int
	for i, v := range on {
		if v {
			idx = append(idx, i)
		}
	}
	name := func(i int) string { return weekdayNames[(i+1)%7] }
	switch {
	case len(idx) == 7:
		return "每天"
	case len(idx) >= 3 && idx[len(idx)-1]-idx[0] == len(idx)-1:
		return name(idx[0]) + "至" + name(idx[len(idx)-1])
	}
	var parts []string
	for _, i := range idx {
		parts = append(parts, name(i))
	}
	return strings.Join(parts, "、")
}

// maskContact hides the middle of an address: 138****8000, z***@example.cn.
func maskContact(v string) string {
	if v == "" {
		return ""
	}
	if user, domain, ok := strings.Cut(v, "@"); ok {
		r := []rune(user)
		if len(r) == 0 {
			return "***@" + domain
		}
		return string(r[:1]) + "***@" + domain
	}
	r := []rune(v)
	switch n := len(r); {
	case n >= 11:
		return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
	case n >= 5:
		return string(r[:1]) + strings.Repeat("*", n-3) + string(r[n-2:])
	}
	return strings.Repeat("*", len(r))
}

func personOf(p notify.Person) personItem {
	out := personItem{ID: p.ID, Name: p.Name, Title: p.Title}
	if len(p.Contacts) > 0 {
		out.Contacts = map[string]string{}
		for k, v := range p.Contacts {
			out.Contacts[k] = maskContact(v)
		}
	}
	return out
}

// chain is who is alerted at now: the duty officer (or nobody), then each
// step of the escalation chain.
func (st rosterState) chain(now time.Time) []dutyItem {
	if st.live == nil {
		return []dutyItem{}
	}
	var out []dutyItem
	for step := 0; step < st.live.ChainLength(); step++ {
		p, ok := st.live.Escalation(step, now)
		label := "当前值班"
		if step > 0 {
			label = fmt.Sprintf("第%d级上报", step)
		}
		out = append(out, dutyItem{Step: step, Label: label, On: ok, Who: personOf(p)})
	}
	return out
}

// lead is the lead on duty at now, if any.
func (st rosterState) lead(now time.Time) (personItem, bool) {
	if st.live == nil {
		return personItem{}, false
	}
	p, ok := st.live.OnLead(now)
	return personOf(p), ok
}

// getRoster answers GET /api/v1/roster: the people, the shifts in force,
// who is on duty now and the escalation chain.
func (c *Console) getRoster(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	st, err := c.rosterNow(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	now := c.now()
	people := []personItem{}
	if st.base != nil {
		for _, p := range st.base.People() {
			people = append(people, personOf(p))
		}
	}
	onDuty := map[string]any{"at": now.UTC()}
	chain := st.chain(now)
	if len(chain) > 0 && chain[0].On {
		onDuty["duty"] = chain[0].Who
	}
	if p, ok := st.lead(now); ok {
		onDuty["lead"] = p
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": st.version, "people": people, "shifts": st.shifts,
		"on_duty": onDuty, "escalation": chain})
}

// checkShift answers 400 naming the field in Chinese when s cannot be a
// shift of st (an unknown person, a bad time, an overlap with another
// shift of the same role and kind), and reports whether it may be stored.
func checkShift(w http.ResponseWriter, st rosterState, s *model.Shift) bool {
	if s.ID != "" {
		if err := (&model.SettingChange{ID: "x", Kind: model.SettingShift, Key: s.ID, Value: "{}", By: "x", At: time.Unix(1, 0)}).Validate(); err != nil {
			badField(w, "id", fmt.Sprintf("%q: letters, digits, '-', '_', '.'", s.ID),
				fmt.Sprintf("班次编号「%s」不符合要求：只能用字母、数字、“-”“_”“.”或汉字，最多%d个字符。", s.ID, model.MaxKeyRunes))
			return false
		}
	}
	if s.Role == "" {
		s.Role = model.ShiftDuty
	}
	if s.Role != model.ShiftDuty && s.Role != model.ShiftLead {
		badField(w, "role", fmt.Sprintf("%q: want duty or lead", s.Role), "班次角色只能是“值班”或“带班”。")
		return false
	}
	if strings.TrimSpace(s.Person) == "" {
		badField(w, "person", "is required", "请选择值班人员。")
		return false
	}
	if _, ok := st.base.Person(s.Person); !ok {
		badField(w, "person", fmt.Sprintf("unknown person %q", s.Person),
			fmt.Sprintf("值班表里没有人员「%s」：请从名单中选择（人员在配置文件的 responder.notify.roster.people 中维护）。", cut(s.Person, 32)))
		return false
	}
	switch {
	case s.Date == "" && len(s.Days) == 0:
		badField(w, "days", "a weekly shift needs days, or give a date", "请勾选每周的值班日，或填写某一天的日期。")
		return false
	case s.Date != "" && len(s.Days) > 0:
		badField(w, "date", "a shift is weekly or on one date, not both", "班次要么按周重复，要么只在某一天：请不要同时勾选星期和填写日期。")
		return false
	case s.Date != "":
		if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
			badField(w, "date", fmt.Sprintf("%q: want YYYY-MM-DD", s.Date), "日期格式不对：请填写如 2026-10-01 的日期。")
			return false
		}
	}
	seen := map[time.Weekday]bool{}
	var days []time.Weekday
	for _, d := range s.Days {
		if d < time.Sunday || d > time.Saturday {
			badField(w, "days", fmt.Sprintf("%d is not a weekday", d), "值班日只能是周一至周日。")
			return false
		}
		if !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	slices.Sort(days)
	s.Days = days
	var mins [2]int
	for i, f := range []struct{ field, name, v string }{{"start", "开始时间", s.Start}, {"end", "结束时间", s.End}} {
		m, err := model.ParseClock(f.v)
		if err != nil {
			badField(w, f.field, fmt.Sprintf("%q: %v", f.v, err), fmt.Sprintf("%s格式不对：请填写 00:00 至 24:00 之间的时刻，如 08:30。", f.name))
			return false
		}
		mins[i] = m
	}
	if mins[0] == mins[1] {
		badField(w, "end", "equals start", "结束时间与开始时间相同：全天值班请填 00:00 至 24:00。")
		return false
	}
	if err := s.Validate(); err != nil {
		badField(w, "id", err.Error(), "班次不符合要求。")
		return false
	}
	for _, o := range st.shifts {
		if o.ID == s.ID || o.Role != s.Role || (o.Date == "") != (s.Date == "") {
			continue
		}
		if shiftsOverlap(*s, o.Shift) {
			field := "start"
			if s.Date == "" {
				field = "days"
			}
			badField(w, field, fmt.Sprintf("overlaps shift %q", o.ID),
				fmt.Sprintf("与班次「%s」（%s，%s）时间重叠：同一时间只能有一名%s。", o.ID, o.When, o.PersonName, roleName(s.Role)))
			return false
		}
	}
	return true
}

func roleName(role string) string {
	if role == model.ShiftLead {
		return "带班领导"
	}
	return "值班员"
}

// cut shortens s to n characters for a message.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// shiftSpans are a shift's periods in minutes: of the week from Sunday
// 00:00 for a weekly shift, from 1970-01-01 for a dated one.
func shiftSpans(s model.Shift) [][2]int {
	start, _ := model.ParseClock(s.Start)
	end, _ := model.ParseClock(s.End)
	if end <= start {
		end += 24 * 60
	}
	if s.Date != "" {
		d, _ := time.Parse(time.DateOnly, s.Date)
		base := int(d.Unix() / 60)
		return [][2]int{{base + start, base + end}}
	}
	var out [][2]int
	for _, d := range s.Days {
		out = append(out, [2]int{int(d)*24*60 + start, int(d)*24*60 + end})
	}
	return out
}

// shiftsOverlap reports whether two shifts of the same kind share a
// minute; weekly ones wrap from Saturday night into Sunday.
func shiftsOverlap(a, b model.Shift) bool {
	const week = 7 * 24 * 60
	wraps := []int{0}
	if a.Date == "" {
		wraps = []int{-week, 0, week}
	}
	for _, x := range shiftSpans(a) {
		for _, y := range shiftSpans(b) {
			for _, k := range wraps {
				if x[0] < y[1]+k && y[0]+k < x[1] {
					return true
				}
			}
		}
	}
	return false
}

// rosterForEdit reads the roster for a change, answering 409 when no
// roster (no people) is configured.
func (c *Console) rosterForEdit(w http.ResponseWriter, r *http.Request) (rosterState, bool) {
	st, err := c.rosterNow(r)
	if err != nil {
		c.fail(w, r, err)
		return st, false
	}
	if st.base == nil {
		writeJSON(w, http.StatusConflict, fieldError{"conflict: no roster people are configured", "person",
			"未配置值班人员：请先在配置文件的 responder.notify.roster.people 中添加人员。"})
		return st, false
	}
	return st, true
}

// createShift answers POST /api/v1/roster/shifts: 201 with the new shift
// (its ID made up when the body has none), 409 when the ID is taken.
func (c *Console) createShift(w http.ResponseWriter, r *http.Request) {
	var s model.Shift
	if !decodeBody(w, r, &s) {
		return
	}
	if s.ID == "" {
		s.ID = "shift-" + uniqueID(c.now(), s.Person, s.Start, s.Date)[:8]
	}
	note(r, "roster.create", "shift:"+s.ID, s.Person)
	st, ok := c.rosterForEdit(w, r)
	if !ok {
		return
	}
	if slices.ContainsFunc(st.shifts, func(x shiftItem) bool { return x.ID == s.ID }) {
		writeJSON(w, http.StatusConflict, fieldError{fmt.Sprintf("conflict: shift %q exists", s.ID), "id",
			fmt.Sprintf("编号「%s」已被另一个班次使用，请换一个。", s.ID)})
		return
	}
	if !checkShift(w, st, &s) {
		return
	}
	c.saveShift(w, r, st, s, http.StatusCreated)
}

// updateShift answers PUT /api/v1/roster/shifts/{id}: the whole shift
// replaced (200), 404 when there is none of that ID.
func (c *Console) updateShift(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var s model.Shift
	if !decodeBody(w, r, &s) {
		return
	}
	note(r, "roster.edit", "shift:"+id, s.Person)
	if s.ID == "" {
		s.ID = id
	}
	if s.ID != id {
		badField(w, "id", fmt.Sprintf("%q differs from the path's %q", s.ID, id), "班次编号不能修改。")
		return
	}
	st, ok := c.rosterForEdit(w, r)
	if !ok {
		return
	}
	if _, ok := findShift(w, st, id); !ok {
		return
	}
	if !checkShift(w, st, &s) {
		return
	}
	c.saveShift(w, r, st, s, http.StatusOK)
}

// deleteShift answers DELETE /api/v1/roster/shifts/{id}: the shift
// removed (a removal change; its history stays), 404 when there is none.
func (c *Console) deleteShift(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	note(r, "roster.remove", "shift:"+id, "")
	if r.ContentLength > 0 {
		var empty struct{}
		if !decodeBody(w, r, &empty) {
			return
		}
	}
	st, ok := c.rosterForEdit(w, r)
	if !ok {
		return
	}
	cur, ok := findShift(w, st, id)
	if !ok {
		return
	}
	now := c.now()
	by := actorName(r)
	ch := model.SettingChange{ID: "R-" + uniqueID(now, id, by, "remove"), Kind: model.SettingShift, Key: id, Removed: true, By: by, At: now.UTC()}
	if err := c.st.AppendSettings(r.Context(), []model.SettingChange{ch}); err != nil {
		c.fail(w, r, err)
		return
	}
	note(r, "roster.remove", "shift:"+id, cur.PersonName+" "+cur.When)
	c.log.Info("duty shift removed", "shift", id, "by", by)
	w.WriteHeader(http.StatusNoContent)
}

func findShift(w http.ResponseWriter, st rosterState, id string) (shiftItem, bool) {
	for _, it := range st.shifts {
		if it.ID == id {
			return it, true
		}
	}
	writeJSON(w, http.StatusNotFound, fieldError{fmt.Sprintf("not found: shift %q", id), "id", fmt.Sprintf("没有编号为「%s」的班次。", id)})
	return shiftItem{}, false
}

func (c *Console) saveShift(w http.ResponseWriter, r *http.Request, st rosterState, s model.Shift, code int) {
	now := c.now()
	by := actorName(r)
	ch := s.Change("R-"+uniqueID(now, s.ID, by), by, now.UTC())
	if err := c.st.AppendSettings(r.Context(), []model.SettingChange{ch}); err != nil {
		c.fail(w, r, err)
		return
	}
	p, _ := st.base.Person(s.Person)
	note(r, info(r).action, "shift:"+s.ID, p.Name+" "+shiftWhen(s))
	c.log.Info("duty shift changed", "shift", s.ID, "person", s.Person, "by", by)
	writeJSON(w, code, map[string]any{"shift": shiftItem{s, p.Name, shiftWhen(s), shiftClock(s), by, ch.At, false}})
}

// historyLine is one change of a shift in Chinese.
type historyLine struct {
	At   time.Time
	By   string
	Text string
}

// historyLimit is how many of the latest shift changes the page shows.
const historyLimit = 50

// rosterHistory is the latest changes of the shifts, removed ones too,
// newest first, in Chinese.
func (c *Console) rosterHistory(r *http.Request, st rosterState) ([]historyLine, error) {
	recent, err := c.st.RecentSettings(r.Context(), model.SettingShift, historyLimit)
	if err != nil {
		return nil, err
	}
	// A key's first change is its creation: within the window when the
	// window holds the whole log, else asked of the key's history.
	first := map[string]string{}
	for _, ch := range recent {
		first[ch.Key] = ch.ID // newest first: the last one seen is the oldest
	}
	if len(recent) == historyLimit {
		for key := range first {
			h, err := c.st.SettingHistory(r.Context(), model.SettingShift, key)
			if err != nil {
				return nil, err
			}
			if len(h) > 0 {
				first[key] = h[0].ID
			}
		}
	}
	out := make([]historyLine, 0, len(recent))
	for _, ch := range recent {
		var text string
		switch s, err := model.DecodeShift(ch); {
		case ch.Removed:
			text = "删除了班次「" + ch.Key + "」"
		case err != nil:
			text = "修改了班次「" + ch.Key + "」"
		default:
			name := s.Person
			if st.base != nil {
				if p, ok := st.base.Person(s.Person); ok {
					name = p.Name
				}
			}
			verb := "修改了班次"
			switch {
			case ch.By == model.ConfigActor:
				verb = "从配置文件导入了班次"
			case first[ch.Key] == ch.ID:
				verb = "新增了班次"
			}
			text = fmt.Sprintf("%s「%s」：%s，%s（%s）", verb, ch.Key, shiftWhen(s), name, roleName(s.Role))
		}
		out = append(out, historyLine{ch.At, readmodel.Actor(ch.By), text})
	}
	return out, nil
}

// weekDay is one day of this week on the page: its date and the shifts
// that fall on it.
type weekDay struct {
	Label  string
	Today  bool
	Shifts []shiftItem
}

// thisWeek lays the shifts out over the week of now, Monday first, in
// local time: each day's weekly shifts, and the dated ones of that date
// (which win over the weekly ones).
func thisWeek(st rosterState, now time.Time) []weekDay {
	local := now.In(model.China)
	y, m, d := local.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, model.China)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	var out []weekDay
	for i := range 7 {
		day := monday.AddDate(0, 0, i)
		wd := weekDay{Label: fmt.Sprintf("%s（%d月%d日）", weekdayNames[day.Weekday()], day.Month(), day.Day()), Today: day.Equal(today)}
		date := day.Format(time.DateOnly)
		for _, s := range st.shifts {
			if s.Date == date || (s.Date == "" && slices.Contains(s.Days, day.Weekday())) {
				wd.Shifts = append(wd.Shifts, s)
			}
		}
		out = append(out, wd)
	}
	return out
}

// rosterPage is the page of the duty roster (值班表): who is on duty now,
// this week's shifts, the shifts with forms to add, edit and remove one
// (edit=ID), and the history (roster.js).
func (c *Console) rosterPage(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, []string{"edit"}); err != nil {
		c.failPage(w, r, err)
		return
	}
	st, err := c.rosterNow(r)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	now := c.now()
	data := struct {
		Configured bool
		Chain      []dutyItem
		Lead       personItem
		HasLead    bool
		Week       []weekDay
		Shifts     []shiftItem
		People     []personItem
		History    []historyLine
		Form       shiftItem
		FormDays   map[time.Weekday]bool
		Editing    bool
		Weekdays   []weekdayOption
	}{Configured: st.base != nil, Chain: st.chain(now), Week: thisWeek(st, now), Shifts: st.shifts, FormDays: map[time.Weekday]bool{}}
	data.Lead, data.HasLead = st.lead(now)
	if st.base != nil {
		for _, p := range st.base.People() {
			data.People = append(data.People, personOf(p))
		}
		if data.History, err = c.rosterHistory(r, st); err != nil {
			c.failPage(w, r, err)
			return
		}
	}
	data.Form.Start, data.Form.End, data.Form.Role = "08:00", "20:00", model.ShiftDuty
	if id := r.URL.Query().Get("edit"); id != "" {
		i := slices.IndexFunc(st.shifts, func(x shiftItem) bool { return x.ID == id })
		if i < 0 {
			c.failPage(w, r, store.ErrNotFound)
			return
		}
		data.Form, data.Editing = st.shifts[i], true
	}
	for _, d := range data.Form.Days {
		data.FormDays[d] = true
	}
	for i := range 7 {
		d := time.Weekday((i + 1) % 7)
		data.Weekdays = append(data.Weekdays, weekdayOption{int(d), weekdayNames[d], data.FormDays[d]})
	}
	c.page(w, r, "roster", "值班表", "settings", data, "roster.js")
}

// weekdayOption is a checkbox of the shift form.
type weekdayOption struct {
	Value   int
	Name    string
	Checked bool
}
