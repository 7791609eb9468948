package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// year2027 is a made-up 2027 notice in holiday-cn format, standing in for
// the real one that was not out when this was written.
const year2027 = `{
    "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
    "$id": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2027.json",
    "year": 2027,
    "papers": ["https://example.invalid/2027"],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "春节", "date": "2027-02-05", "isOffDay": true},
        {"name": "春节", "date": "2027-02-20", "isOffDay": false}
    ]
}`

func runCalendar(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := cmdCalendar(args, &stdout, &stderr)
	return stdout.String(), err
}

func TestCalendarCommand(t *testing.T) {
	dataDir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"add-workdays", "2026-09-18", "7"}, "2026-09-29\n"},
		{[]string{"add-workdays", "2025-01-20", "20"}, "2025-02-21\n"},
		{[]string{"add-workdays", "2026-09-30", "3"}, "2026-10-10\n"},
		{[]string{"add-workdays", "2026-10-15", "-7"}, "2026-09-30\n"},
		{[]string{"add-workdays", "2027-12-29", "5"}, "2028-01-05 provisional\n"},
		{[]string{"add-workdays", "-data-dir", dataDir, "2026-09-18", "7"}, "2026-09-29\n"},
		{[]string{"is-workday", "2026-09-20"}, "workday\n"},
		{[]string{"is-workday", "2026-10-01"}, "holiday\n"},
		{[]string{"is-workday", "2027-01-01"}, "holiday provisional\n"},
		{[]string{"is-workday", "2027-01-04"}, "workday provisional\n"},
	}
	for _, tc := range cases {
		got, err := runCalendar(t, tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("calendar %v = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
}

func TestCalendarCommandErrors(t *testing.T) {
	dataDir := t.TempDir()
	missing := filepath.Join(dataDir, "nope.json")
	emptyYear := filepath.Join(dataDir, "2027-empty.json")
	if err := os.WriteFile(emptyYear, []byte(`{"year":2027,"papers":[],"days":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args  []string
		usage bool
		want  string
	}{
		{nil, true, "missing subcommand"},
		{[]string{"next-workday"}, true, `unknown subcommand "next-workday"`},
		{[]string{"add-workdays", "2026-13-01", "3"}, true, `invalid date "2026-13-01"`},
		{[]string{"add-workdays", "2026-09-18"}, true, "add-workdays wants YYYY-MM-DD N, got 1 arguments"},
		{[]string{"add-workdays", "2026-09-18", "seven"}, true, `invalid number of working days "seven"`},
		{[]string{"add-workdays", "2026-09-18", "20000"}, true, `invalid number of working days "20000"`},
		{[]string{"add-workdays", "-days", "3"}, true, "flag provided but not defined: -days"},
		{[]string{"is-workday"}, true, "is-workday wants YYYY-MM-DD, got 0 arguments"},
		{[]string{"is-workday", "2026/09/20"}, true, `invalid date "2026/09/20"`},
		{[]string{"import"}, true, "import wants FILE, got 0 arguments"},
		{[]string{"import", "-data-dir", dataDir, missing}, false, `cannot read holiday file "` + missing + `"`},
		{[]string{"import", "-data-dir", dataDir, emptyYear}, false, "cannot load year 2027: it lists no days"},
	}
	for _, tc := range cases {
		_, err := runCalendar(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("calendar %v error = %v, want it to contain %q", tc.args, err, tc.want)
			continue
		}
		var ue usageError
		if errors.As(err, &ue) != tc.usage {
			t.Errorf("calendar %v: usage error %v, want %v (%v)", tc.args, !tc.usage, tc.usage, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "calendar", "2027.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused import left a file behind: %v", err)
	}
	if _, err := runCalendar(t, "is-workday", "-h"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("calendar is-workday -h = %v, want flag.ErrHelp", err)
	}
}

func TestCalendarCommandImport(t *testing.T) {
	dataDir := t.TempDir()
	file := filepath.Join(t.TempDir(), "2027.json")
	if err := os.WriteFile(file, []byte(year2027), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := runCalendar(t, "is-workday", "-data-dir", dataDir, "2027-01-04"); got != "workday provisional\n" {
		t.Fatalf("before import: %q", got)
	}
	got, err := runCalendar(t, "import", "-data-dir", dataDir, file)
	stored := filepath.Join(dataDir, "calendar", "2027.json")
	if err != nil || got != "imported 2027 (3 days) into "+stored+"\n" {
		t.Fatalf("import = %q, %v", got, err)
	}
	if b, err := os.ReadFile(stored); err != nil || string(b) != year2027 {
		t.Errorf("stored file differs from the imported one (%v)", err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"is-workday", "-data-dir", dataDir, "2027-01-04"}, "workday\n"},
		{[]string{"is-workday", "-data-dir", dataDir, "2027-02-05"}, "holiday\n"},
		{[]string{"is-workday", "-data-dir", dataDir, "2027-02-20"}, "workday\n"},
		{[]string{"is-workday", "-data-dir", dataDir, "2026-12-28"}, "workday\n"},
		{[]string{"add-workdays", "-data-dir", dataDir, "2026-12-15", "20"}, "2027-01-13\n"},
		{[]string{"add-workdays", "-data-dir", dataDir, "2027-12-29", "5"}, "2028-01-05 provisional\n"},
		// Without the data dir the import is not seen.
		{[]string{"is-workday", "2027-01-04"}, "workday provisional\n"},
	}
	for _, tc := range cases {
		got, err := runCalendar(t, tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("calendar %v = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}

	// A damaged file in the data dir is reported by name, not skipped.
	if err := os.WriteFile(stored, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runCalendar(t, "is-workday", "-data-dir", dataDir, "2027-01-04"); err == nil || !strings.Contains(err.Error(), stored) {
		t.Errorf("damaged data dir: error = %v, want it to name %s", err, stored)
	}
}
