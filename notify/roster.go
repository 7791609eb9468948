package notify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Person is someone who can be notified: a duty officer, a section chief,
// a leader.
type Person struct {
	ID    string
	Name  string
	Title string // 职务, e.g. 科长
	// Contacts maps a channel name to the person's address on it.
	Contacts map[string]string
}

// Recipient is the person as a message recipient.
func (p Person) Recipient() Recipient {
	return Recipient{ID: p.ID, Name: p.Name, Contacts: p.Contacts}
}

// Shift is a weekly duty period: on each of Days, from Start to End
// (minutes after midnight, China Standard Time). End at or before Start
// means the shift ends on the next day (a night shift 17:30–08:30).
type Shift struct {
	Days       []time.Weekday
	Start, End int
	Duty       string // person ID
}

// Override replaces the weekly pattern for one period starting on one date
// (a holiday duty, a swap): from Start to End on that date (End at or before
// Start ends on the next day; Start = End = 0 is the whole day). Outside
// its period the weekly pattern applies.
type Override struct {
	Year       int
	Month      time.Month
	Day        int
	Start, End int
	Duty       string
}

// Roster is the duty roster (值班表): who is on duty when, and the
// escalation chain above the duty officer. All times are China Standard
// Time.
type Roster struct {
	people    map[string]Person
	shifts    []Shift
	overrides []Override
	// leads are the lead's (带班领导) periods, shown with the duty; they
	// do not decide who is alerted first.
	leadShifts    []Shift
	leadOverrides []Override
	// chain are the people above the duty officer, in escalation order:
	// the section chief (科长), then the leader (分管领导).
	chain []string
}

// NewRoster builds a roster and checks that every person it names exists.
func NewRoster(people []Person, shifts []Shift, overrides []Override, chain []string) (*Roster, error) {
	r := &Roster{people: map[string]Person{}, shifts: shifts, overrides: overrides, chain: chain}
	for _, p := range people {
		if p.ID == "" {
			return nil, fmt.Errorf("cannot build roster: person %q has no id", p.Name)
		}
		if _, dup := r.people[p.ID]; dup {
			return nil, fmt.Errorf("cannot build roster: person id %q is used twice", p.ID)
		}
		r.people[p.ID] = p
	}
	check := func(what, id string) error {
		if _, ok := r.people[id]; !ok {
			return fmt.Errorf("cannot build roster: %s names unknown person %q", what, id)
		}
		return nil
	}
	for i, s := range shifts {
		if err := check(fmt.Sprintf("shift %d", i), s.Duty); err != nil {
			return nil, err
		}
	}
	for _, o := range overrides {
		if err := check(fmt.Sprintf("override of %04d-%02d-%02d", o.Year, o.Month, o.Day), o.Duty); err != nil {
			return nil, err
		}
	}
	for i, id := range chain {
		if err := check(fmt.Sprintf("escalation step %d", i+1), id); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// People returns the people of the roster, sorted by ID.
func (r *Roster) People() []Person {
	out := make([]Person, 0, len(r.people))
	for _, p := range r.people {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Chain returns the escalation chain above the duty officer, in order.
func (r *Roster) Chain() []Person {
	out := make([]Person, 0, len(r.chain))
	for _, id := range r.chain {
		out = append(out, r.people[id])
	}
	return out
}

// WithShifts returns a roster of r's people and escalation chain whose
// periods are shifts (the settings' shifts in force, see model.Shift):
// weekly duty shifts become the weekly pattern, dated ones overrides, and
// lead shifts the lead's periods. A shift naming a person r does not have
// is an error naming the shift, and so is one that does not validate.
func (r *Roster) WithShifts(shifts []model.Shift) (*Roster, error) {
	out := &Roster{people: r.people, chain: r.chain}
	for _, s := range shifts {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("cannot use shift %q: %w", s.ID, err)
		}
		if _, ok := r.people[s.Person]; !ok {
			return nil, fmt.Errorf("cannot use shift %q: unknown person %q", s.ID, s.Person)
		}
		start, _ := model.ParseClock(s.Start)
		end, _ := model.ParseClock(s.End)
		lead := s.Role == model.ShiftLead
		if s.Date == "" {
			sh := Shift{Days: slices.Clone(s.Days), Start: start, End: end, Duty: s.Person}
			if lead {
				out.leadShifts = append(out.leadShifts, sh)
			} else {
				out.shifts = append(out.shifts, sh)
			}
			continue
		}
		d, _ := time.Parse(time.DateOnly, s.Date)
		if start == 0 && end == 0 {
			end = 24 * 60
		}
		ov := Override{Year: d.Year(), Month: d.Month(), Day: d.Day(), Start: start, End: end, Duty: s.Person}
		if lead {
			out.leadOverrides = append(out.leadOverrides, ov)
		} else {
			out.overrides = append(out.overrides, ov)
		}
	}
	return out, nil
}

// Person returns a person by ID.
func (r *Roster) Person(id string) (Person, bool) {
	p, ok := r.people[id]
	return p, ok
}

// OnDuty returns the duty officer at t: an override covering t wins over
// the weekly pattern, and a shift or override that started the evening
// before still covers the small hours. It returns false when nobody is on
// duty at t.
func (r *Roster) OnDuty(t time.Time) (Person, bool) {
	return r.at(t, r.shifts, r.overrides)
}

// OnLead returns the lead (带班领导) at t, by the same rules as OnDuty
// over the lead shifts; false when no lead shift covers t.
func (r *Roster) OnLead(t time.Time) (Person, bool) {
	return r.at(t, r.leadShifts, r.leadOverrides)
}

// at returns the person of the periods covering t: an override wins.
func (r *Roster) at(t time.Time, shifts []Shift, overrides []Override) (Person, bool) {
	local := t.In(model.China)
	y, m, d := local.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, model.China)
	// Today's periods, then yesterday's, which may run past midnight.
	for _, day := range []time.Time{today, today.AddDate(0, 0, -1)} {
		dy, dm, dd := day.Date()
		for _, o := range overrides {
			if o.Year == dy && o.Month == dm && o.Day == dd {
				start, end := o.Start, o.End
				if start == 0 && end == 0 {
					end = 24 * 60
				}
				if covers(day, start, end, t) {
					return r.people[o.Duty], true
				}
			}
		}
	}
	for _, day := range []time.Time{today, today.AddDate(0, 0, -1)} {
		for _, s := range shifts {
			if !containsDay(s.Days, day.Weekday()) {
				continue
			}
			if covers(day, s.Start, s.End, t) {
				return r.people[s.Duty], true
			}
		}
	}
	return Person{}, false
}

// covers reports whether t falls in [start, end) minutes of day, where an
// end at or before the start is on the next day.
func covers(day time.Time, start, end int, t time.Time) bool {
	if end <= start {
		end += 24 * 60
	}
	from := day.Add(time.Duration(start) * time.Minute)
	to := day.Add(time.Duration(end) * time.Minute)
	return !t.Before(from) && t.Before(to)
}

func containsDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// Escalation returns who gets step n of the escalation chain: step 0 is
// the duty officer at t, step 1 the section chief, step 2 the leader. It
// returns false past the end of the chain or when nobody is on duty.
func (r *Roster) Escalation(step int, t time.Time) (Person, bool) {
	switch {
	case step == 0:
		return r.OnDuty(t)
	case step > 0 && step <= len(r.chain):
		return r.people[r.chain[step-1]], true
	}
	return Person{}, false
}

// FirstResponder is who a new notification goes to at t: the duty officer
// (step 0) or, when nobody is on duty, the first person of the escalation
// chain (step 1), so that a gap in the roster never swallows an alert. It
// returns false only when there is neither.
func (r *Roster) FirstResponder(t time.Time) (Person, int, bool) {
	if p, ok := r.OnDuty(t); ok {
		return p, 0, true
	}
	if p, ok := r.Escalation(1, t); ok {
		return p, 1, true
	}
	return Person{}, 0, false
}

// ChainLength is the number of steps, the duty officer included.
func (r *Roster) ChainLength() int { return 1 + len(r.chain) }

// parseClock parses "HH:MM" (00:00–24:00) into minutes after midnight.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("time %q is not HH:MM between 00:00 and 24:00", s)
	}
	return hh*60 + mm, nil
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"周日": time.Sunday, "周一": time.Monday, "周二": time.Tuesday, "周三": time.Wednesday,
	"周四": time.Thursday, "周五": time.Friday, "周六": time.Saturday,
}

// parseWeekday accepts mon…sun and 周一…周日.
func parseWeekday(s string) (time.Weekday, error) {
	if d, ok := weekdays[strings.ToLower(strings.TrimSpace(s))]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("day %q is not one of mon, tue, wed, thu, fri, sat, sun (or 周一…周日)", s)
}
