// Package calendar owns the Chinese working-day calendar: which days are
// working days (工作日) for government agencies, and how many working days
// lie between two dates, as the disclosure limits of RULES.md §2 and the
// counting rules of §4 require.
//
// The calendar is built from the State Council holiday notices
// (国务院办公厅关于YYYY年部分节假日安排的通知) as transcribed by holiday-cn;
// 2015–2026 are embedded (see data/NOTICE) and further years can be added at
// run time with ParseYear and Calendar.With, without recompiling.
//
// Guarantees:
//   - A working day is (Monday–Friday and not a holiday of the notice) or a
//     make-up workday (调休上班) of the notice.
//   - A date is definitive only when the notices that can affect it are
//     loaded: its own year, and for 25–31 December also the next year,
//     whose notice may move the 元旦 break into December (the 2019 notice
//     made 2018-12-29 a workday and 2018-12-30/31 holidays). Any other date
//     is computed from the 全国年节及纪念日放假办法 alone (Monday–Friday less
//     the statutory holidays, with the lunar ones taken from an embedded
//     table for 2015–2035; see lunar.go) and reported as provisional.
//   - A Calendar is immutable after construction and safe for concurrent
//     use; With returns a new Calendar.
package calendar

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"
)

//go:generate go run ./internal/gen -src ../../shared/data/holidays/holiday-cn -out data/cn.json

//go:embed data/cn.json
var embeddedData []byte

// Calendar answers working-day questions for China. The zero value is not
// usable; get one from Default, Load or New.
type Calendar struct {
	// entries holds every day a loaded notice names, keyed by date.
	entries map[Date]entry
	// years holds the loaded notices by the year in their title.
	years map[int]Year
}

// entry is one day named by a notice, with the notice year it came from so
// that replacing a year can remove exactly that year's days.
type entry struct {
	Day
	source int
}

// defaultCalendar is parsed once from the embedded data; the result is never
// modified, so sharing it is safe.
var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Load(bytes.NewReader(embeddedData))
	if err != nil {
		panic("BUG: embedded holiday data is invalid: " + err.Error())
	}
	return c
})

// Default returns the calendar of the embedded notices (2015–2026).
func Default() *Calendar { return defaultCalendar() }

// Load reads a JSON array of holiday-cn year objects (the format of
// data/cn.json) and returns a calendar of those years.
func Load(r io.Reader) (*Calendar, error) {
	years, err := parseYears(r)
	if err != nil {
		return nil, fmt.Errorf("cannot load calendar: %w", err)
	}
	return New(years...)
}

// New returns a calendar of the given notice years.
func New(years ...Year) (*Calendar, error) {
	empty := &Calendar{entries: map[Date]entry{}, years: map[int]Year{}}
	return empty.With(years...)
}

// With returns a new calendar holding c's years plus the given ones; a year
// already in c is replaced, which is how a corrected or supplementary notice
// is applied. A year that lists no days is an error: holiday-cn publishes an
// empty file for a year whose notice is not out yet, and such a year must
// stay unloaded (and its dates provisional). Two notices that disagree about
// a date are an error, since no rule says which one wins.
func (c *Calendar) With(years ...Year) (*Calendar, error) {
	n := &Calendar{
		entries: make(map[Date]entry, len(c.entries)+40*len(years)),
		years:   make(map[int]Year, len(c.years)+len(years)),
	}
	replaced := map[int]bool{}
	for _, y := range years {
		if len(y.Days) == 0 {
			return nil, fmt.Errorf("cannot load year %d: it lists no days (is its notice out yet?)", y.Year)
		}
		if replaced[y.Year] {
			return nil, fmt.Errorf("cannot load year %d: it is given twice", y.Year)
		}
		replaced[y.Year] = true
	}
	for year, y := range c.years {
		if !replaced[year] {
			n.years[year] = y
		}
	}
	for d, e := range c.entries {
		if !replaced[e.source] {
			n.entries[d] = e
		}
	}
	for _, y := range years {
		n.years[y.Year] = y.clone()
		for _, day := range y.Days {
			if old, ok := n.entries[day.Date]; ok && old.OffDay != day.OffDay {
				return nil, fmt.Errorf("cannot load year %d: it says %s is %s but year %d says %s",
					y.Year, day.Date, offWord(day.OffDay), old.source, offWord(old.OffDay))
			}
			n.entries[day.Date] = entry{Day: day, source: y.Year}
		}
	}
	return n, nil
}

func offWord(off bool) string {
	if off {
		return "a holiday"
	}
	return "a workday"
}

// Years returns the loaded notice years in ascending order.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// Notice returns the loaded notice for year, if any.
func (c *Calendar) Notice(year int) (Year, bool) {
	y, ok := c.years[year]
	if !ok {
		return Year{}, false
	}
	return y.clone(), true
}

// Definitive reports whether every notice that can affect d is loaded, so
// that IsWorkday(d) is final rather than provisional.
func (c *Calendar) Definitive(d Date) bool {
	if _, ok := c.years[d.Year]; !ok {
		return false
	}
	if d.Month == time.December && d.Day >= 25 {
		_, ok := c.years[d.Year+1]
		return ok
	}
	return true
}

// IsWorkday reports whether d is a working day, and whether that answer is
// provisional because a notice that can affect d is not loaded.
func (c *Calendar) IsWorkday(d Date) (work, provisional bool) {
	return c.isWorkday(d), !c.Definitive(d)
}

// Holiday returns the name of the holiday or make-up workday that a loaded
// notice (or, for a year not loaded, the statutory rules) gives d, and
// whether there is one. Ordinary weekdays and weekends have none.
func (c *Calendar) Holiday(d Date) (name string, ok bool) {
	if e, ok := c.entries[d]; ok {
		return e.Name, true
	}
	if _, ok := c.years[d.Year]; ok {
		return "", false
	}
	return statutoryHoliday(d)
}

func (c *Calendar) isWorkday(d Date) bool {
	if e, ok := c.entries[d]; ok {
		return !e.OffDay
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if _, ok := c.years[d.Year]; ok {
		return true
	}
	_, holiday := statutoryHoliday(d)
	return !holiday
}

// AddWorkdays returns the day on which a limit of n working days that starts
// on start ends: the start day is not counted (民法典 第二百零一条), and the
// result is the n-th working day after it, so it is always a working day
// when n != 0. Its Deadline is the instant the limit expires. A negative n
// counts backwards: the result is the |n|-th working day before start. n ==
// 0 returns start itself. The result is provisional if any day walked
// through, the result included, is not Definitive.
func (c *Calendar) AddWorkdays(start Date, n int) (due Date, provisional bool) {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	d := start
	provisional = n == 0 && !c.Definitive(start)
	for n > 0 {
		d = d.AddDays(step)
		if !c.Definitive(d) {
			provisional = true
		}
		if c.isWorkday(d) {
			n--
		}
	}
	return d, provisional
}

// WorkdaysBetween returns the number of working days after a up to and
// including b — the count AddWorkdays uses, so that AddWorkdays(a, n) is b
// exactly when WorkdaysBetween(a, b) == n and b is a working day. If b is
// before a the count is negative: -WorkdaysBetween(b, a). It is provisional
// if any day counted over is not Definitive. Time paused on a limit (e.g. a
// consultation under 政府信息公开条例 第三十三条) is measured with it.
func (c *Calendar) WorkdaysBetween(a, b Date) (n int, provisional bool) {
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if !c.Definitive(d) {
			provisional = true
		}
		if c.isWorkday(d) {
			n++
		}
	}
	return sign * n, provisional
}

// clone copies the slices of y so that a Calendar never shares memory with
// its caller and stays immutable.
func (y Year) clone() Year {
	y.Papers = slices.Clone(y.Papers)
	y.Days = slices.Clone(y.Days)
	return y
}
