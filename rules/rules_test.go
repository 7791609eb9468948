package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/calendar"
)

var cst = time.FixedZone("CST", 8*3600)

func TestDefaultRules(t *testing.T) {
	s := Default()
	for _, id := range []string{"R-5H", "R-24H", "R-48H", "D-INTERP", "D-PERMIT", "D-PROACTIVE", "D-APPLY"} {
		r, ok := s.Get(id)
		if !ok {
			t.Fatalf("default rules lack %s", id)
		}
		if r.Quote == "" || r.Source == "" {
			t.Errorf("%s has no quote or source", id)
		}
	}
	ids := func(rs []Rule) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	for level, want := range map[string]string{"I": "R-5H,R-24H", "II": "R-5H,R-24H", "III": "R-48H", "IV": "R-48H"} {
		if got := ids(s.ForLevel(level)); got != want {
			t.Errorf("ForLevel(%s) = %s, want %s", level, got, want)
		}
	}
}

func TestDue(t *testing.T) {
	s := Default()
	cal := calendar.Default()
	start := time.Date(2026, 11, 21, 14, 0, 0, 0, cst)
	for _, tc := range []struct {
		rule  string
		start time.Time
		want  time.Time
		prov  bool
	}{
		{"R-5H", start, time.Date(2026, 11, 21, 19, 0, 0, 0, cst), false},
		{"R-24H", start, time.Date(2026, 11, 22, 14, 0, 0, 0, cst), false},
		{"R-48H", start, time.Date(2026, 11, 23, 14, 0, 0, 0, cst), false},
		// RULES.md §4: 2026-09-18 + 7 working days → 2026-09-29 (Sunday
		// 09-20 is a make-up workday); the deadline is 24:00 of that day.
		{"D-PERMIT", time.Date(2026, 9, 18, 10, 0, 0, 0, cst), time.Date(2026, 9, 30, 0, 0, 0, 0, cst), false},
		// Across the 2026 National Day holiday: 09-30 + 3 → 10-12
		// (10-01..10-07 off, 10-08 and 10-09 are the first working days
		// after it, 10-10 a make-up Saturday).
		{"D-INTERP", time.Date(2026, 9, 30, 16, 0, 0, 0, cst), time.Date(2026, 10, 11, 0, 0, 0, 0, cst), false},
		{"D-APPLY", time.Date(2025, 1, 20, 9, 0, 0, 0, cst), time.Date(2025, 2, 22, 0, 0, 0, 0, cst), false},
		{"D-INTERP", time.Date(2027, 3, 1, 9, 0, 0, 0, cst), time.Date(2027, 3, 5, 0, 0, 0, 0, cst), true},
	} {
		r, _ := s.Get(tc.rule)
		got, prov := r.Due(tc.start, cal)
		if !got.Equal(tc.want) || prov != tc.prov {
			t.Errorf("%s.Due(%v) = %v provisional=%v, want %v provisional=%v", tc.rule, tc.start, got.In(cst), prov, tc.want, tc.prov)
		}
	}
}

func TestOverrides(t *testing.T) {
	s, err := Default().WithOverrides(map[string]Override{"R-5H": {Hours: 1}, "D-INTERP": {Workdays: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Get("R-5H"); r.Hours != 1 || r.Limit() != "1小时" {
		t.Errorf("overridden R-5H = %+v", r)
	}
	if r, _ := Default().Get("R-5H"); r.Hours != 5 {
		t.Errorf("override changed the default set: %+v", r)
	}
	for _, tc := range []struct {
		o    map[string]Override
		want string
	}{
		{map[string]Override{"R-1H": {Hours: 1}}, `cannot override rule "R-1H": no such rule`},
		{map[string]Override{"R-5H": {Workdays: 1}}, `cannot override rule "R-5H": a hours rule takes a positive hours`},
		{map[string]Override{"D-APPLY": {Hours: 3}}, `cannot override rule "D-APPLY": a workdays rule takes a positive workdays`},
	} {
		if _, err := Default().WithOverrides(tc.o); err == nil || err.Error() != tc.want {
			t.Errorf("WithOverrides(%v) error = %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"version: x\nrules:\n  - id: A\n    title: t\n    kind: minutes\n    quote: q\n    source: s\n", `rules[0].kind (A): "minutes" is not hours or workdays`},
		{"version: x\nrules:\n  - id: A\n    title: t\n    kind: hours\n    hours: 5\n    levels: [V]\n    quote: q\n    source: s\n", `rules[0].levels (A): "V" is not I, II, III or IV`},
		{"version: x\nrules:\n  - id: A\n    titel: t\n", "field titel not found"},
	} {
		if _, err := Parse(strings.NewReader(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse error = %v, want %q", err, tc.want)
		}
	}
}
