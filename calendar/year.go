package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Year is one year's State Council holiday notice, in the form holiday-cn
// publishes it (https://github.com/NateScarlet/holiday-cn, schema.json).
type Year struct {
	// Year is the year in the notice's title. Its days may include late
	// December of the year before, when the notice moves the 元旦 break.
	Year int
	// Papers are the URLs of the notices on gov.cn the days were read from.
	Papers []string
	// Days are the holidays (OffDay) and make-up workdays (!OffDay) the
	// notice names. Weekends that merely adjoin a holiday are not listed.
	Days []Day
}

// Day is one day a notice names.
type Day struct {
	Date Date
	// Name is the holiday, e.g. 国庆节, or 中秋节、国庆节 for a joint break.
	Name string
	// OffDay is true for a holiday and false for a make-up workday (调休上班).
	OffDay bool
}

// fileYear is the JSON shape of a holiday-cn file. The pointers tell a
// missing field from its zero value: a day without "isOffDay" must be an
// error, not silently a workday.
type fileYear struct {
	Schema string    `json:"$schema,omitempty"`
	ID     string    `json:"$id,omitempty"`
	Year   *int      `json:"year"`
	Papers []string  `json:"papers"`
	Days   []fileDay `json:"days"`
}

type fileDay struct {
	Name     *string `json:"name"`
	Date     *string `json:"date"`
	IsOffDay *bool   `json:"isOffDay"`
}

// ParseYear reads one holiday-cn year file (e.g. 2027.json). It decodes
// strictly — unknown fields and missing required fields are errors — and
// checks that every date exists, lies in the year or in December of the
// year before, and is listed once. A workday entry may fall on a weekday:
// the 2020 file lists 2020-02-03, the first day back after the extended
// Spring Festival break. A file with no days parses, but New and With
// refuse it.
func ParseYear(r io.Reader) (Year, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f fileYear
	if err := dec.Decode(&f); err != nil {
		return Year{}, fmt.Errorf("cannot decode holiday file: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Year{}, errors.New("cannot decode holiday file: trailing data after the year object")
	}
	return f.year()
}

// parseYears reads a JSON array of holiday-cn year objects.
func parseYears(r io.Reader) ([]Year, error) {
	var raws []json.RawMessage
	if err := json.NewDecoder(r).Decode(&raws); err != nil {
		return nil, fmt.Errorf("cannot decode year list: %w", err)
	}
	years := make([]Year, 0, len(raws))
	for i, raw := range raws {
		y, err := ParseYear(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("year list element %d: %w", i, err)
		}
		years = append(years, y)
	}
	return years, nil
}

func (f fileYear) year() (Year, error) {
	if f.Year == nil {
		return Year{}, errors.New("invalid holiday file: no \"year\"")
	}
	y := Year{Year: *f.Year, Papers: f.Papers, Days: make([]Day, 0, len(f.Days))}
	// The range is generous but catches a year typed as 226 or 20266.
	if y.Year < 1949 || y.Year > 2999 {
		return Year{}, fmt.Errorf("invalid holiday file: year %d is out of range", y.Year)
	}
	seen := map[Date]bool{}
	for i, fd := range f.Days {
		if fd.Date == nil || fd.Name == nil || fd.IsOffDay == nil {
			return Year{}, fmt.Errorf("invalid holiday file for %d: day %d lacks one of \"name\", \"date\", \"isOffDay\"", y.Year, i)
		}
		d, err := Parse(*fd.Date)
		if err != nil {
			return Year{}, fmt.Errorf("invalid holiday file for %d: day %d: %w", y.Year, i, err)
		}
		inYear := d.Year == y.Year || (d.Year == y.Year-1 && d.Month == time.December)
		if !inYear {
			return Year{}, fmt.Errorf("invalid holiday file for %d: date %s is outside the year (only December of %d may be listed besides it)", y.Year, d, y.Year-1)
		}
		if seen[d] {
			return Year{}, fmt.Errorf("invalid holiday file for %d: date %s is listed twice", y.Year, d)
		}
		seen[d] = true
		y.Days = append(y.Days, Day{Date: d, Name: *fd.Name, OffDay: *fd.IsOffDay})
	}
	return y, nil
}
