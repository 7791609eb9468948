package crawler

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
)

// datasetDir holds real Chinese pages with hand-made ground truth; it is
// research data outside the repository, so the test skips without it.
const datasetDir = "../../shared/data/extraction/web-content-zh" // shared/ sits beside the repository

// charF1 is the character-level F1 of got against want, over the multiset
// of non-space characters.
func charF1(got, want string) float64 {
	count := func(s string) map[rune]int {
		m := make(map[rune]int)
		for _, r := range s {
			if !isSpace(r) {
				m[r]++
			}
		}
		return m
	}
	g, w := count(got), count(want)
	ng, nw, common := 0, 0, 0
	for r, c := range g {
		ng += c
		common += min(c, w[r])
	}
	for _, c := range w {
		nw += c
	}
	if ng == 0 || nw == 0 || common == 0 {
		return 0
	}
	p, r := float64(common)/float64(ng), float64(common)/float64(nw)
	return 2 * p * r / (p + r)
}

var (
	truthDateRe  = regexp.MustCompile(`^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?`)
	truthClockRe = regexp.MustCompile(`\s(\d{1,2})[-:](\d{2})`)
)

// TestExtractDataset measures body character F1 and publish-date accuracy
// (to the day, or to the month where the truth gives only a month) on the
// web-content-zh pages against the acceptance floors (F1 ≥ 0.90, date ≥
// 90%). The two dated pages it misses disagree with their ground truth
// rather than with the page: e8847578 shows 成文日期 2022-01-27 and
// 发布日期 2022-01-28 (with <meta PubDate> 2022-01-28) and the truth takes
// the former; 05e98007's stamp 7/5/2005 9:23:57 PM is month-first like
// the same site's 9/17/2004 on 6650f72a (and the article says it was
// reported 2005-07-03), while the truth reads it day-first as 2005-05-07.
func TestExtractDataset(t *testing.T) {
	pages, _ := filepath.Glob(filepath.Join(datasetDir, "original", "*.html"))
	if len(pages) == 0 {
		testenv.Missing(t, "data", "extraction data set not found in %s", datasetDir)
	}
	fetched := time.Date(2026, 11, 21, 0, 0, 0, 0, model.China)
	var f1Sum float64
	dated, dateOK, uncertain, wrongUncertain := 0, 0, 0, 0
	clocked, clockOK := 0, 0 // pages whose truth gives the time of day
	for _, p := range pages {
		name := strings.TrimSuffix(filepath.Base(p), ".html")
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(datasetDir, "cleaned", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		ex, err := Extract(raw, "http://example.com/"+name+".html", "text/html", fetched)
		if err != nil {
			t.Logf("%s: %v", name, err)
		}
		if ex.Injected {
			// No page of the data set carries injected spam: a flag here
			// is a false positive that would strip real text.
			t.Errorf("%s flagged as injected (%v)", name, ex.Flags)
		}
		f1 := charF1(ex.Body, string(want))
		f1Sum += f1
		dateNote := ""
		if d, err := os.ReadFile(filepath.Join(datasetDir, "date", name+".txt")); err == nil {
			if m := truthDateRe.FindStringSubmatch(strings.TrimSpace(string(d))); m != nil {
				dated++
				y, _ := strconv.Atoi(m[1])
				mo, _ := strconv.Atoi(m[2])
				got := ex.PublishedAt.In(model.China)
				ok := ex.PublishedAtSource != TimeFromFetch && got.Year() == y && int(got.Month()) == mo
				if m[3] != "" {
					day, _ := strconv.Atoi(m[3])
					ok = ok && got.Day() == day
				}
				if ok {
					dateOK++
				}
				if c := truthClockRe.FindStringSubmatch(strings.TrimSpace(string(d))); c != nil {
					clocked++
					hh, _ := strconv.Atoi(c[1])
					mm, _ := strconv.Atoi(c[2])
					if ok && got.Hour() == hh && got.Minute() == mm {
						clockOK++
					}
				}
				if ex.PublishedUncertain {
					uncertain++
					if !ok {
						wrongUncertain++
					}
				}
				dateNote = strings.TrimSpace(string(d)) + " got " + got.Format("2006-01-02 15:04") + " (" + ex.PublishedAtSource + ") " + strconv.FormatBool(ok)
			}
		}
		t.Logf("%s enc=%s f1=%.3f date: %s title=%q author=%q", name[:8], ex.Encoding, f1, dateNote, ex.Title, ex.Author)
	}
	meanF1 := f1Sum / float64(len(pages))
	dateAcc := float64(dateOK) / float64(dated)
	t.Logf("web-content-zh: %d pages, mean body char-F1 %.3f; publish date correct on %d/%d dated pages (%.1f%%), to the minute on %d/%d with a time of day; uncertain on %d dated pages, %d of the %d wrong",
		len(pages), meanF1, dateOK, dated, 100*dateAcc, clockOK, clocked, uncertain, wrongUncertain, dated-dateOK)
	if meanF1 < 0.90 {
		t.Errorf("mean body char-F1 %.3f is below the floor 0.90", meanF1)
	}
	if dateAcc < 0.90 {
		t.Errorf("date accuracy %.3f is below the floor 0.90", dateAcc)
	}
}
