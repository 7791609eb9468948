// Command gen turns the holiday-cn year files into the calendar's embedded
// data: data/cn.json (a JSON array, one year a line, without the schema
// noise) and data/NOTICE (provenance and the MIT licence holiday-cn is
// shipped under). Years whose file lists no days — holiday-cn publishes one
// before the State Council notice is out — are left out, so they stay
// unloaded and their dates provisional.
//
// Run from calendar with `go generate`, or:
//
//	go run ./internal/gen -src ../../shared/data/holidays/holiday-cn -out data/cn.json
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// holidayFile is the part of a holiday-cn file that is kept. The field order
// here is the order written, so the output is stable.
type holidayFile struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	Days   []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay bool   `json:"isOffDay"`
	} `json:"days"`
}

var yearFile = regexp.MustCompile(`^(\d{4})\.json$`)

func main() {
	src := flag.String("src", "", "holiday-cn directory holding YYYY.json and LICENSE")
	out := flag.String("out", "data/cn.json", "data file to write; NOTICE is written beside it")
	flag.Parse()
	if err := generate(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func generate(src, out string) error {
	if src == "" {
		return errors.New("-src is required")
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("cannot read holiday directory %q: %w", src, err)
	}
	var years []holidayFile
	var skipped []int
	for _, e := range entries {
		m := yearFile.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		want, _ := strconv.Atoi(m[1])
		path := filepath.Join(src, e.Name())
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("cannot read holiday file %q: %w", path, err)
		}
		var f holidayFile
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("cannot parse holiday file %q: %w", path, err)
		}
		if f.Year != want {
			return fmt.Errorf("holiday file %q says year %d", path, f.Year)
		}
		if len(f.Days) == 0 {
			skipped = append(skipped, f.Year)
			continue
		}
		years = append(years, f)
	}
	if len(years) == 0 {
		return fmt.Errorf("no holiday year with days in %q", src)
	}
	sort.Slice(years, func(i, j int) bool { return years[i].Year < years[j].Year })

	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, y := range years {
		line, err := json.Marshal(y)
		if err != nil {
			return fmt.Errorf("cannot encode year %d: %w", y.Year, err)
		}
		buf.Write(line)
		if i < len(years)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("cannot write data file %q: %w", out, err)
	}

	license, err := os.ReadFile(filepath.Join(src, "LICENSE"))
	if err != nil {
		return fmt.Errorf("cannot read holiday-cn licence: %w", err)
	}
	notice := filepath.Join(filepath.Dir(out), "NOTICE")
	if err := os.WriteFile(notice, []byte(noticeText(years, skipped, string(license))), 0o644); err != nil {
		return fmt.Errorf("cannot write notice %q: %w", notice, err)
	}
	fmt.Printf("gen: wrote %s (%d–%d) and %s; skipped years without days: %v\n",
		out, years[0].Year, years[len(years)-1].Year, notice, skipped)
	return nil
}

func noticeText(years []holidayFile, skipped []int, license string) string {
	var b strings.Builder
	first, last := years[0].Year, years[len(years)-1].Year
	fmt.Fprintf(&b, `Chinese holiday data in cn.json
===============================

cn.json holds the holidays and make-up workdays (调休上班) of %d–%d as
arranged by the State Council's annual notices (国务院办公厅关于YYYY年部分节假日安排的通知),
transcribed by holiday-cn: https://github.com/NateScarlet/holiday-cn
It was generated from holiday-cn's YYYY.json files, unchanged except that the
"$schema" and "$id" fields are dropped, with (in calendar):

    go generate        # = go run ./internal/gen -src ../../shared/data/holidays/holiday-cn -out data/cn.json

Years whose holiday-cn file lists no days were left out and count as not
loaded: %v. Add a year later without recompiling: yuqing calendar import FILE.

The notices transcribed, by year:
`, first, last, skipped)
	for _, y := range years {
		fmt.Fprintf(&b, "  %d: %s\n", y.Year, strings.Join(y.Papers, " "))
	}
	fmt.Fprintf(&b, `
holiday-cn is distributed under the MIT licence, reproduced here as it requires:

%s`, license)
	return b.String()
}
