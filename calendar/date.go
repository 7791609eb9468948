package calendar

import (
	"cmp"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Location returns China Standard Time (UTC+8), the zone in which calendar
// dates and deadlines are reckoned.
func Location() *time.Location { return model.China }

// Date is a calendar day in China, without a time or a zone. The zero Date is
// not a valid day; use Parse, NewDate or DateOf.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date year-month-day, normalising out-of-range values
// the way time.Date does (so NewDate(2026, 1, 32) is 2026-02-01).
func NewDate(year int, month time.Month, day int) Date {
	return dateOfUTC(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar day on which the instant t falls in China
// Standard Time, whatever t's own location is.
func DateOf(t time.Time) Date {
	y, m, d := t.In(model.China).Date()
	return Date{Year: y, Month: m, Day: d}
}

// Parse reads a date written as YYYY-MM-DD. It rejects dates that do not
// exist (2026-02-30) rather than normalising them, because a mistyped date
// must not silently become another one.
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD: %w", s, err)
	}
	return dateOfUTC(t), nil
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Start returns 00:00 of the day in China Standard Time.
func (d Date) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, model.China)
}

// Deadline returns 24:00 of the day in China Standard Time, which is the
// instant a working-day limit ending on this day expires (民法典 第二百零三条:
// "期间的最后一日的截止时间为二十四时"). It equals the Start of the next day.
func (d Date) Deadline() time.Time {
	return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, model.China)
}

// AddDays returns the date n calendar days after d (before it if n < 0).
func (d Date) AddDays(n int) Date {
	return NewDate(d.Year, d.Month, d.Day+n)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.utc().Weekday()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// IsZero reports whether d is the zero Date, which names no day.
func (d Date) IsZero() bool { return d == Date{} }

// MarshalText encodes the date as YYYY-MM-DD, so a Date is a plain string in
// JSON and in configuration files.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return nil, fmt.Errorf("cannot encode the zero date: it names no day")
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes a date written as YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

func dateOfUTC(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}
