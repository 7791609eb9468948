package calendar

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string) Date {
	t.Helper()
	d, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCalendarWorkedExamples(t *testing.T) {
	// RULES.md §4 and the 2026 National Day scenario of issue 5: make-up
	// workdays 2026-09-20 (Sunday) and 2026-10-10 (Saturday) count, and the
	// 中秋 break 09-25..27 and the 国庆 break 10-01..07 do not.
	cases := []struct {
		start string
		n     int
		want  string
	}{
		{"2025-01-20", 20, "2025-02-21"},
		{"2025-09-26", 20, "2025-10-30"},
		{"2026-02-10", 20, "2026-03-16"},
		{"2026-09-18", 7, "2026-09-29"},
		{"2025-04-30", 3, "2025-05-08"},
		{"2026-09-18", 3, "2026-09-22"},
		{"2026-09-24", 3, "2026-09-30"},
		{"2026-09-24", 7, "2026-10-12"},
		{"2026-09-28", 3, "2026-10-08"},
		{"2026-09-28", 7, "2026-10-13"},
		{"2026-09-29", 3, "2026-10-09"},
		{"2026-09-29", 7, "2026-10-14"},
		{"2026-09-30", 3, "2026-10-10"},
		{"2026-09-30", 7, "2026-10-15"},
		{"2026-10-01", 3, "2026-10-10"},
		{"2026-10-01", 7, "2026-10-15"},
		{"2026-10-07", 3, "2026-10-10"},
		{"2026-10-09", 3, "2026-10-13"},
		// Counting back.
		{"2026-10-15", -7, "2026-09-30"},
		{"2026-10-08", -1, "2026-09-30"},
		{"2026-09-21", -1, "2026-09-20"},
		{"2026-09-18", 0, "2026-09-18"},
	}
	c := Default()
	for _, tc := range cases {
		got, prov := c.AddWorkdays(mustParse(t, tc.start), tc.n)
		if got.String() != tc.want || prov {
			t.Errorf("AddWorkdays(%s, %d) = %s, provisional %v; want %s, not provisional", tc.start, tc.n, got, prov, tc.want)
		}
	}
}

func TestCalendarIsWorkday(t *testing.T) {
	cases := []struct {
		date              string
		work, provisional bool
	}{
		// RULES.md §5: the make-up workdays of 2025 and 2026.
		{"2025-01-26", true, false},
		{"2025-02-08", true, false},
		{"2025-04-27", true, false},
		{"2025-09-28", true, false},
		{"2025-10-11", true, false},
		{"2026-01-04", true, false},
		{"2026-02-14", true, false},
		{"2026-02-28", true, false},
		{"2026-05-09", true, false},
		{"2026-09-20", true, false},
		{"2026-10-10", true, false},
		// Holidays on weekdays, ordinary days, weekends.
		{"2026-10-01", false, false},
		{"2026-10-07", false, false},
		{"2026-02-16", false, false}, // 除夕, a holiday since the 2024 revision
		{"2026-10-08", true, false},
		{"2026-09-19", false, false},
		{"2018-12-29", true, false}, // moved by the 2019 notice
		{"2018-12-31", false, false},
		{"2026-12-24", true, false},
		// The 2027 notice may still move late December 2026.
		{"2026-12-28", true, true},
		// Years not loaded: Monday–Friday less the statutory holidays.
		{"2027-01-01", false, true},
		{"2027-01-04", true, true},
		{"2027-02-05", false, true}, // 除夕
		{"2027-02-08", false, true}, // 初三
		{"2027-02-09", true, true},
		{"2027-04-05", false, true}, // 清明
		{"2027-05-03", true, true},
		{"2027-06-09", false, true}, // 端午
		{"2027-09-15", false, true}, // 中秋
		{"2027-10-01", false, true},
		{"2027-10-04", true, true},
		{"2030-02-04", false, true}, // 初二; the new moon is 00:07 CST on 02-03
		{"2036-01-28", true, true},  // beyond the lunar table: only fixed dates count
		{"2036-10-02", false, true},
		{"2014-12-31", true, true},
	}
	c := Default()
	for _, tc := range cases {
		work, prov := c.IsWorkday(mustParse(t, tc.date))
		if work != tc.work || prov != tc.provisional {
			t.Errorf("IsWorkday(%s) = %v, provisional %v; want %v, %v", tc.date, work, prov, tc.work, tc.provisional)
		}
	}
}

func TestCalendarProvisionalWalks(t *testing.T) {
	cases := []struct {
		start       string
		n           int
		want        string
		provisional bool
	}{
		{"2026-12-18", 3, "2026-12-23", false},
		{"2026-12-18", 5, "2026-12-25", true},
		{"2026-12-15", 20, "2027-01-13", true},
		// 2027-01-01 (Friday) is 元旦 in the fallback.
		{"2026-12-30", 2, "2027-01-04", true},
		// Counting back from a definitive date into an unloaded year.
		{"2015-01-05", -2, "2014-12-31", true},
		{"2026-12-28", 0, "2026-12-28", true},
	}
	c := Default()
	for _, tc := range cases {
		got, prov := c.AddWorkdays(mustParse(t, tc.start), tc.n)
		if got.String() != tc.want || prov != tc.provisional {
			t.Errorf("AddWorkdays(%s, %d) = %s, %v; want %s, %v", tc.start, tc.n, got, prov, tc.want, tc.provisional)
		}
	}
}

// TestCalendarProperties walks every date of the embedded years.
func TestCalendarProperties(t *testing.T) {
	c := Default()
	first, last := NewDate(2015, 1, 1), NewDate(2026, 12, 31)
	lastDefinitive := NewDate(2026, 12, 24)
	for start := first; !start.After(last); start = start.AddDays(1) {
		for _, n := range []int{1, 2, 3, 5, 7, 15, 20, 40} {
			due, prov := c.AddWorkdays(start, n)
			if work, _ := c.IsWorkday(due); !work {
				t.Fatalf("AddWorkdays(%s, %d) = %s, which is not a working day", start, n, due)
			}
			if !due.After(start) {
				t.Fatalf("AddWorkdays(%s, %d) = %s, not after the start", start, n, due)
			}
			if got, _ := c.WorkdaysBetween(start, due); got != n {
				t.Fatalf("WorkdaysBetween(%s, %s) = %d, want %d", start, due, got, n)
			}
			if got, _ := c.WorkdaysBetween(start, due.AddDays(-1)); got != n-1 {
				t.Fatalf("WorkdaysBetween(%s, %s) = %d, want %d: %s is not the first day to reach %d", start, due.AddDays(-1), got, n-1, due, n)
			}
			if got, _ := c.WorkdaysBetween(due, start); got != -n {
				t.Fatalf("WorkdaysBetween(%s, %s) = %d, want %d", due, start, got, -n)
			}
			// Counting n working days back from the due date lands on the
			// last working day on or before the start.
			back, _ := c.AddWorkdays(due, -n)
			wantBack := start
			for w, _ := c.IsWorkday(wantBack); !w; w, _ = c.IsWorkday(wantBack) {
				wantBack = wantBack.AddDays(-1)
			}
			if back != wantBack {
				t.Fatalf("AddWorkdays(%s, %d) = %s, want %s", due, -n, back, wantBack)
			}
			if wantProv := due.After(lastDefinitive); prov != wantProv {
				t.Fatalf("AddWorkdays(%s, %d) = %s, provisional %v, want %v", start, n, due, prov, wantProv)
			}
		}
		// Additivity over a split point.
		mid, end := start.AddDays(11), start.AddDays(37)
		ab, _ := c.WorkdaysBetween(start, mid)
		bc, _ := c.WorkdaysBetween(mid, end)
		ac, _ := c.WorkdaysBetween(start, end)
		if ab+bc != ac {
			t.Fatalf("WorkdaysBetween not additive at %s: %d + %d != %d", start, ab, bc, ac)
		}
	}
}

// TestCalendarLunarTableAgreesWithNotices checks the fallback rules against
// the real notices: every statutory holiday they yield for 2015–2026 is a
// day off in that year's notice.
func TestCalendarLunarTableAgreesWithNotices(t *testing.T) {
	c := Default()
	for year := 2015; year <= 2026; year++ {
		count := 0
		for d := NewDate(year, 1, 1); d.Year == year; d = d.AddDays(1) {
			name, ok := statutoryHoliday(d)
			if !ok {
				continue
			}
			count++
			if work, _ := c.IsWorkday(d); work {
				t.Errorf("%s: statutory %s is a working day in the %d notice", d, name, year)
			}
		}
		// 11 days under the 2013 text, 13 under the 2024 text; in 2020
		// 中秋 fell on 国庆 (10-01).
		want := 11
		switch {
		case year >= 2025:
			want = 13
		case year == 2020:
			want = 10
		}
		if count != want {
			t.Errorf("%d: %d statutory holidays, want %d", year, count, want)
		}
	}
}

func TestCalendarImportMakesYearDefinitive(t *testing.T) {
	y2027, err := ParseYear(strings.NewReader(`{"year": 2027, "papers": ["https://example.invalid/2027"], "days": [
		{"name": "元旦", "date": "2027-01-01", "isOffDay": true},
		{"name": "春节", "date": "2027-02-05", "isOffDay": true},
		{"name": "春节", "date": "2027-02-09", "isOffDay": true},
		{"name": "春节", "date": "2027-02-10", "isOffDay": true},
		{"name": "春节", "date": "2027-02-20", "isOffDay": false}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	base := Default()
	c, err := base.With(y2027)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); len(got) != 13 || got[12] != 2027 {
		t.Fatalf("Years() = %v, want 2015..2027", got)
	}
	cases := []struct {
		date string
		work bool
	}{
		{"2027-01-04", true},
		{"2027-02-10", false},
		{"2027-02-20", true},
		{"2027-04-05", true}, // the fallback's 清明; this notice does not list it
		{"2026-12-28", true},
	}
	for _, tc := range cases {
		work, prov := c.IsWorkday(mustParse(t, tc.date))
		if work != tc.work || prov {
			t.Errorf("after import, IsWorkday(%s) = %v, provisional %v; want %v, false", tc.date, work, prov, tc.work)
		}
	}
	if due, prov := c.AddWorkdays(mustParse(t, "2026-12-15"), 20); prov || due.String() != "2027-01-13" {
		t.Errorf("after import, AddWorkdays(2026-12-15, 20) = %s, %v; want 2027-01-13, false", due, prov)
	}
	// The calendar the import started from is unchanged.
	if _, prov := base.IsWorkday(mustParse(t, "2027-01-04")); !prov {
		t.Error("With changed the calendar it was called on")
	}

	// Replacing a loaded year drops the days only the old notice named.
	r, err := c.With(Year{Year: 2027, Days: []Day{{Date: NewDate(2027, 1, 1), Name: "元旦", OffDay: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if work, _ := r.IsWorkday(mustParse(t, "2027-02-10")); !work {
		t.Error("replacing 2027 kept a day of the replaced notice")
	}
}

func TestCalendarWithErrors(t *testing.T) {
	day := func(s string, off bool) Day { return Day{Date: mustParse(t, s), Name: "x", OffDay: off} }
	cases := []struct {
		name  string
		years []Year
		want  string
	}{
		{"empty year", []Year{{Year: 2027}}, "cannot load year 2027: it lists no days"},
		{"twice", []Year{{Year: 2027, Days: []Day{day("2027-01-01", true)}}, {Year: 2027, Days: []Day{day("2027-01-01", true)}}}, "given twice"},
		{"conflict", []Year{{Year: 2027, Days: []Day{day("2026-12-26", true)}}}, "2026-12-26"},
	}
	base, err := New(Year{Year: 2026, Days: []Day{day("2026-12-26", false)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		_, err := base.With(tc.years...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: With() error = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestCalendarParseYearErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"unknown field", `{"year":2027,"papers":[],"days":[],"extra":1}`, `unknown field "extra"`},
		{"no year", `{"papers":[],"days":[]}`, `no "year"`},
		{"year range", `{"year":227,"papers":[],"days":[]}`, "year 227 is out of range"},
		{"missing isOffDay", `{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2027-01-01"}]}`, `day 0 lacks one of`},
		{"bad date", `{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2027-02-30","isOffDay":true}]}`, `invalid date "2027-02-30"`},
		{"outside year", `{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2028-01-01","isOffDay":true}]}`, "2028-01-01 is outside the year"},
		{"duplicate", `{"year":2027,"papers":[],"days":[{"name":"a","date":"2027-01-01","isOffDay":true},{"name":"a","date":"2027-01-01","isOffDay":true}]}`, "listed twice"},
		{"trailing", `{"year":2027,"papers":[],"days":[]} {}`, "trailing data"},
		{"not json", `year: 2027`, "cannot decode holiday file"},
	}
	for _, tc := range cases {
		_, err := ParseYear(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseYear error = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	// December of the year before is allowed: the 2019 notice moved
	// 2018-12-29..31.
	y, err := ParseYear(strings.NewReader(`{"year":2019,"papers":[],"days":[{"name":"元旦","date":"2018-12-29","isOffDay":false}]}`))
	if err != nil || len(y.Days) != 1 || y.Days[0].Date != NewDate(2018, 12, 29) || y.Days[0].OffDay {
		t.Errorf("ParseYear(December of the year before) = %+v, %v", y, err)
	}
}

func TestCalendarDefault(t *testing.T) {
	c := Default()
	got := c.Years()
	if len(got) != 12 || got[0] != 2015 || got[11] != 2026 {
		t.Fatalf("Default().Years() = %v, want 2015..2026 (2027 has no days and must not load)", got)
	}
	n, ok := c.Notice(2026)
	if !ok || len(n.Days) != 39 || len(n.Papers) != 1 {
		t.Errorf("Notice(2026) = %d days, %d papers, %v; want 39, 1, true", len(n.Days), len(n.Papers), ok)
	}
	n.Days[0].OffDay = false // must not reach the calendar
	if w, _ := c.IsWorkday(NewDate(2026, 1, 1)); w {
		t.Error("changing a returned Notice changed the calendar")
	}
	if name, ok := c.Holiday(NewDate(2026, 9, 20)); !ok || name != "国庆节" {
		t.Errorf("Holiday(2026-09-20) = %q, %v; want 国庆节", name, ok)
	}
	if name, ok := c.Holiday(NewDate(2027, 6, 9)); !ok || name != "端午节" {
		t.Errorf("Holiday(2027-06-09) = %q, %v; want 端午节", name, ok)
	}
	// Default is shared between goroutines; run with -race.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if due, _ := Default().AddWorkdays(NewDate(2026, 9, 18), 7); due != NewDate(2026, 9, 29) {
				t.Errorf("concurrent AddWorkdays = %s", due)
			}
		})
	}
	wg.Wait()
}

func TestCalendarDate(t *testing.T) {
	for _, bad := range []string{"2026-13-01", "2026-02-30", "20260918", "", "2026-9-18"} {
		if _, err := Parse(bad); err == nil || !strings.Contains(err.Error(), `invalid date "`+bad+`"`) {
			t.Errorf("Parse(%q) error = %v", bad, err)
		}
	}
	d := mustParse(t, "2026-09-29")
	if d.String() != "2026-09-29" || d.Weekday() != time.Tuesday {
		t.Errorf("Parse(2026-09-29) = %s, %s", d, d.Weekday())
	}
	if got := d.Deadline().Format(time.RFC3339); got != "2026-09-30T00:00:00+08:00" {
		t.Errorf("Deadline = %s, want 2026-09-30T00:00:00+08:00 (24:00 of the due day, CST)", got)
	}
	if got := d.Start().UTC().Format(time.RFC3339); got != "2026-09-28T16:00:00Z" {
		t.Errorf("Start = %s", got)
	}
	if got := DateOf(time.Date(2026, 9, 28, 16, 30, 0, 0, time.UTC)); got != d {
		t.Errorf("DateOf(16:30 UTC the day before) = %s, want %s", got, d)
	}
	if got := NewDate(2026, 12, 32); got != NewDate(2027, 1, 1) {
		t.Errorf("NewDate normalisation = %s", got)
	}
	var back Date
	b, err := d.MarshalText()
	if err != nil || back.UnmarshalText(b) != nil || back != d {
		t.Errorf("text round trip: %s -> %q -> %s (%v)", d, b, back, err)
	}
	if _, err := (Date{}).MarshalText(); err == nil {
		t.Error("the zero Date encoded without error")
	}
	if !d.Before(d.AddDays(1)) || !d.After(d.AddDays(-1)) || d.Compare(d) != 0 {
		t.Error("Compare is inconsistent")
	}
}

func TestCalendarLoadDir(t *testing.T) {
	dir := t.TempDir()
	base := Default()
	// A missing dir means nothing was imported.
	if c, err := LoadDir(base, filepath.Join(dir, "none")); err != nil || c != base {
		t.Fatalf("LoadDir(missing) = %v, %v", c, err)
	}
	raw := []byte(`{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`)
	y, path, err := SaveYear(base, dir, raw)
	if err != nil || y.Year != 2027 || path != filepath.Join(dir, "2027.json") {
		t.Fatalf("SaveYear = %d, %q, %v", y.Year, path, err)
	}
	// Files not named YYYY.json are ignored.
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("not a year"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadDir(base, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, prov := c.IsWorkday(NewDate(2027, 3, 1)); prov {
		t.Error("an imported year is still provisional")
	}
	// A file whose name and year disagree is refused.
	if err := os.WriteFile(filepath.Join(dir, "2028.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(base, dir); err == nil || !strings.Contains(err.Error(), "2028.json\" holds year 2027") {
		t.Errorf("LoadDir(misnamed) error = %v", err)
	}
	// SaveYear refuses what would not load, and writes nothing.
	if _, _, err := SaveYear(base, dir, []byte(`{"year":2029,"papers":[],"days":[]}`)); err == nil {
		t.Error("SaveYear accepted a year without days")
	}
	if _, err := os.Stat(filepath.Join(dir, "2029.json")); !os.IsNotExist(err) {
		t.Errorf("a refused SaveYear wrote a file: %v", err)
	}
}
