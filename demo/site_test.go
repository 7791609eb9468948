package demo

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// quiet discards the demo's logs in tests.
var quiet = slog.New(slog.DiscardHandler)

// testEpoch is a fixed scenario start: 2026-11-21 09:06:34 CST.
var testEpoch = time.Date(2026, 11, 21, 9, 6, 34, 0, model.China)

// clock is a settable clock for driving the scenario.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// at sets the clock to the epoch plus d (speed 1: scenario = real time).
func (c *clock) at(d time.Duration) { c.mu.Lock(); c.t = testEpoch.Add(d); c.mu.Unlock() }

// newTestSite returns a site whose epoch is testEpoch, with its clock.
func newTestSite(t *testing.T, dir string) (*Site, *clock) {
	t.Helper()
	c := &clock{t: testEpoch}
	s, err := New(config.DemoConfig{Enabled: true, Speed: 1}, dir, quiet, WithClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Epoch().Equal(testEpoch) {
		t.Fatalf("epoch = %v, want %v", s.Epoch(), testEpoch)
	}
	return s, c
}

func get(t *testing.T, s *Site, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://demo.test"+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func getOK(t *testing.T, s *Site, path string) []byte {
	t.Helper()
	rec := get(t, s, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, rec.Code)
	}
	return rec.Body.Bytes()
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// articleLinks returns the article paths a list page links to.
func articleLinks(body []byte, site string) []string {
	var out []string
	for _, m := range hrefRE.FindAllSubmatch(body, -1) {
		p := string(m[1])
		if strings.HasPrefix(p, "/"+site+"/") && (strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".shtml")) {
			out = append(out, p)
		}
	}
	return out
}

func decodeGBK(t *testing.T, b []byte) string {
	t.Helper()
	u, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatalf("cannot decode GBK: %v", err)
	}
	return string(u)
}

// The backlog: at the start every site already lists 10–18 items from the
// past one to three days, so the first crawl sees every site populated.
func TestBacklogOnEverySite(t *testing.T) {
	s, _ := newTestSite(t, "")
	for _, d := range siteDefs {
		t.Run(d.key, func(t *testing.T) {
			vis := s.published(d.key)
			if len(vis) < backlogMin || len(vis) > backlogMax {
				t.Fatalf("%d items at start, want %d..%d", len(vis), backlogMin, backlogMax)
			}
			for _, e := range vis {
				if e.offset >= 0 || e.offset < -72*3600 {
					t.Errorf("backlog item at offset %ds, want within the past three days", e.offset)
				}
			}
			if d.key == "feed" {
				var rss struct {
					Items []struct{} `xml:"channel>item"`
				}
				if err := xml.Unmarshal(getOK(t, s, d.start), &rss); err != nil {
					t.Fatal(err)
				}
				if len(rss.Items) != len(vis) {
					t.Errorf("feed has %d items, want %d", len(rss.Items), len(vis))
				}
				return
			}
			body := getOK(t, s, d.start)
			if d.key == "news2" {
				body = []byte(decodeGBK(t, body))
			}
			if n := len(articleLinks(body, d.key)); n != perPage {
				t.Errorf("first list page links %d articles, want %d", n, perPage)
			}
			if !strings.Contains(string(body), "下一页") {
				t.Error("first list page has no 下一页 link")
			}
			page2 := getOK(t, s, d.start+"?page=2")
			if d.key == "news2" {
				page2 = []byte(decodeGBK(t, page2))
			}
			want := len(vis) - perPage
			if d.key == "board" {
				want++ // the planted unanswered thread closes the last page (portalcensus.go)
			}
			if n := len(articleLinks(page2, d.key)); n != want {
				t.Errorf("second list page links %d articles, want %d", n, want)
			}
			if rec := get(t, s, d.start+"?page=3"); rec.Code != http.StatusNotFound {
				t.Errorf("page 3 of %d items: status %d, want 404", len(vis), rec.Code)
			}
		})
	}
}

// New background items keep appearing every 20–60 scenario seconds per site.
func TestBackgroundKeepsComing(t *testing.T) {
	s, c := newTestSite(t, "")
	for _, d := range siteDefs {
		c.at(0)
		start := len(s.published(d.key))
		c.at(time.Hour)
		var bg []int64
		for _, e := range s.published(d.key) {
			if e.script < 0 && e.offset >= 0 {
				bg = append(bg, e.offset)
			}
		}
		if len(bg) < 3600/backgroundUpTo || len(bg) > 3600/backgroundEvery {
			t.Errorf("%s: %d background items in an hour, want %d..%d", d.key, len(bg), 3600/backgroundUpTo, 3600/backgroundEvery)
		}
		for i := 1; i < len(bg); i++ {
			if gap := bg[i] - bg[i-1]; gap < backgroundEvery || gap > backgroundUpTo {
				t.Errorf("%s: gap of %ds between background items", d.key, gap)
			}
		}
		if start >= len(s.published(d.key)) {
			t.Errorf("%s: nothing new after an hour", d.key)
		}
	}
}

var negativeWords = []string{"爆炸", "浓烟", "伤亡", "死亡", "受伤", "死了", "质疑", "隐瞒", "瞒报", "失联", "联系不上", "严惩", "恐慌", "刺鼻", "救援", "疏散"}

// negative says whether an item is clearly negative: it carries at least
// three distinct words of the disaster and the anger around it.
func negative(it *item) bool {
	text := it.title + strings.Join(it.paras, "")
	n := 0
	for _, w := range negativeWords {
		if strings.Contains(text, w) {
			n++
		}
	}
	return n >= 3
}

func incidentItems(s *Site) []*item {
	var out []*item
	for _, d := range siteDefs {
		for pos, e := range s.published(d.key) {
			if e.script >= 0 {
				out = append(out, s.item(d.key, e, pos))
			}
		}
	}
	return out
}

// The incident unfolds on the scenario clock: first post at +5 s, a
// negative surge over at least three sites by +45 s, the 情况通报 at +90 s and
// the 新闻发布会 notice at +150 s.
func TestIncidentTimeline(t *testing.T) {
	s, c := newTestSite(t, "")

	c.at(4 * time.Second)
	if got := incidentItems(s); len(got) != 0 {
		t.Fatalf("+4s: %d incident items, want none (first is %q)", len(got), got[0].title)
	}

	c.at(5 * time.Second)
	first := incidentItems(s)
	if len(first) != 1 || first[0].site != "feed" || !strings.Contains(first[0].title, "爆炸") {
		t.Fatalf("+5s: want the eyewitness post on the feed, got %d items", len(first))
	}
	if !strings.Contains(string(getOK(t, s, "/feed.xml")), first[0].title) {
		t.Error("+5s: the eyewitness post is not in the RSS feed")
	}

	c.at(45 * time.Second)
	surge := incidentItems(s)
	sites := map[string]bool{}
	neg := 0
	titles := map[string]bool{}
	for _, it := range surge {
		sites[it.site] = true
		if negative(it) {
			neg++
		}
		if titles[it.title] {
			t.Errorf("two incident posts share the title %q", it.title)
		}
		titles[it.title] = true
	}
	if len(surge) < 12 || len(sites) < 3 {
		t.Fatalf("+45s: %d incident posts on %d sites, want ≥12 on ≥3", len(surge), len(sites))
	}
	if float64(neg) < 0.8*float64(len(surge)) {
		t.Errorf("+45s: %d of %d incident posts clearly negative, want ≥80%%", neg, len(surge))
	}
	var reposts int
	for _, it := range surge {
		if it.reprint != "" {
			reposts++
		}
	}
	if reposts < 2 {
		t.Errorf("+45s: %d reposts, want at least 2", reposts)
	}

	bulletin := func() []string {
		var out []string
		for _, p := range articleLinks(getOK(t, s, "/portal/latest/"), "portal") {
			body := string(getOK(t, s, p))
			if strings.Contains(body, "<h1>关于青岚县宏源化工有限公司“11·21”爆炸事故的情况通报</h1>") {
				out = append(out, body)
			}
		}
		return out
	}
	c.at(89 * time.Second)
	if got := bulletin(); len(got) != 0 {
		t.Fatal("+89s: the 情况通报 is already on the portal")
	}
	c.at(90 * time.Second)
	got := bulletin()
	if len(got) != 1 {
		t.Fatalf("+90s: %d 情况通报 on the portal, want 1", len(got))
	}
	for _, w := range []string{"通报", "死亡", "受伤", "救援", "调查", "12人死亡、30人受伤", "索引号：", "发布机构：", "发文日期：", "2026-11-21 09:08:04"} {
		if !strings.Contains(got[0], w) {
			t.Errorf("+90s: the 情况通报 lacks %q", w)
		}
	}

	press := func() bool {
		return strings.Contains(string(getOK(t, s, "/portal/xwfb/")), "新闻发布会")
	}
	c.at(149 * time.Second)
	if press() {
		t.Error("+149s: the 新闻发布会 notice is already out")
	}
	c.at(150 * time.Second)
	if !press() {
		t.Error("+150s: no 新闻发布会 notice on the portal")
	}
}

// The casualty figures grow as the incident unfolds: 3, then 8, then the
// official 12 dead; no later post reports fewer than an earlier one.
func TestCasualtiesEvolve(t *testing.T) {
	s, c := newTestSite(t, "")
	c.at(24 * time.Hour)
	deaths := regexp.MustCompile(`(\d+)人死亡`)
	var seq []int
	for _, it := range incidentScriptSorted(s) {
		most := 0
		for _, m := range deaths.FindAllStringSubmatch(it.title+strings.Join(it.paras, ""), -1) {
			n, _ := strconv.Atoi(m[1])
			most = max(most, n)
		}
		if most == 0 {
			continue
		}
		if len(seq) > 0 && most < seq[len(seq)-1] {
			t.Errorf("%q reports %d dead after %d", it.title, most, seq[len(seq)-1])
		}
		if len(seq) == 0 || seq[len(seq)-1] != most {
			seq = append(seq, most)
		}
	}
	if fmt.Sprint(seq) != "[3 8 12]" {
		t.Errorf("death toll reported as %v, want [3 8 12]", seq)
	}
}

// Every page of every site renders, GBK pages encode, every article is
// reachable at its own unique URL, and unpublished or misdated URLs are 404.
func TestEveryItemRenders(t *testing.T) {
	s, c := newTestSite(t, "")
	c.at(3 * time.Hour)
	seen := map[string]bool{}
	for _, d := range siteDefs {
		vis := s.published(d.key)
		for pos, e := range vis {
			it := s.item(d.key, e, pos)
			p := it.path()
			if seen[p] {
				t.Fatalf("two items at %s", p)
			}
			seen[p] = true
			if it.title == "" || len(it.paras) == 0 {
				t.Fatalf("%s: empty item", p)
			}
			body := getOK(t, s, p)
			if !bytes.Contains(body, []byte("article-content")) {
				t.Fatalf("%s: no article-content", p)
			}
		}
		if d.key == "feed" {
			continue
		}
		last := s.item(d.key, vis[len(vis)-1], len(vis)-1)
		future := strings.Replace(last.path(), strconv.Itoa(d.idBase+last.pos), strconv.Itoa(d.idBase+last.pos+1), 1)
		if rec := get(t, s, future); rec.Code != http.StatusNotFound {
			t.Errorf("unpublished %s: status %d, want 404", future, rec.Code)
		}
	}
	if rec := get(t, s, "/news1/2020/01/01/a200001.html"); rec.Code != http.StatusNotFound {
		t.Errorf("misdated article: status %d, want 404", rec.Code)
	}
}

// The GBK site serves GBK bytes that decode to the expected Chinese and are
// not UTF-8, and says so in the header and in a <meta>.
func TestGBKSite(t *testing.T) {
	s, c := newTestSite(t, "")
	c.at(30 * time.Second)
	var it *item
	for pos, e := range s.published("news2") {
		if e.script >= 0 {
			it = s.item("news2", e, pos)
			break
		}
	}
	if it == nil {
		t.Fatal("no incident report on the GBK site at +30s")
	}
	for _, p := range []string{"/news2/", it.path()} {
		rec := get(t, s, p)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", p, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=gbk" {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
		raw := rec.Body.Bytes()
		if utf8.Valid(raw) {
			t.Errorf("%s: body is valid UTF-8, want GBK bytes", p)
		}
		if bytes.Contains(raw, []byte(it.title)) {
			t.Errorf("%s: the UTF-8 title appears in the GBK bytes", p)
		}
		text := decodeGBK(t, raw)
		for _, w := range []string{`<meta charset="gbk">`, it.title, "江右晨报"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s: decoded page lacks %q", p, w)
			}
		}
	}
	text := decodeGBK(t, getOK(t, s, it.path()))
	for _, w := range []string{"来源：江右晨报", "作者：钟晓峰", `<div class="article-content">`, "3人死亡", `<meta name="publishdate" content="2026-11-21 09:06:55">`} {
		if !strings.Contains(text, w) {
			t.Errorf("article lacks %q", w)
		}
	}
}

// Two sites with the same epoch serve the same bytes at the same URL, and an
// article's bytes do not change as the scenario moves on.
func TestDeterminism(t *testing.T) {
	a, ca := newTestSite(t, "")
	b, cb := newTestSite(t, "")
	ca.at(2 * time.Minute)
	cb.at(2 * time.Minute)
	paths := []string{"/portal/", "/portal/latest/", "/portal/latest/?page=2", "/news1/", "/news2/", "/board/", "/feed.xml", "/robots.txt"}
	for _, d := range siteDefs {
		vis := a.published(d.key)
		for _, pos := range []int{0, len(vis) / 2, len(vis) - 1} {
			paths = append(paths, a.item(d.key, vis[pos], pos).path())
		}
	}
	first := map[string][]byte{}
	for _, p := range paths {
		x, y := getOK(t, a, p), getOK(t, b, p)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two sites with the same epoch", p)
		}
		first[p] = x
	}
	ca.at(5 * time.Hour)
	for _, p := range paths {
		if strings.HasSuffix(p, "html") && !bytes.Equal(getOK(t, a, p), first[p]) {
			t.Errorf("%s changed as time went on", p)
		}
	}

	other, err := New(config.DemoConfig{Speed: 1}, "", quiet, WithClock(func() time.Time { return testEpoch.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	oc := &clock{}
	oc.t = testEpoch.Add(time.Hour + 2*time.Minute)
	other.now = oc.now
	if bytes.Equal(getOK(t, other, "/news1/"), first["/news1/"]) {
		t.Error("a different epoch produced the same news list")
	}
}

// The epoch is persisted: a second New continues the same scenario, and what
// was listed before the restart is still listed at the same URL.
func TestEpochPersists(t *testing.T) {
	dir := t.TempDir()
	s1, c1 := newTestSite(t, dir)
	c1.at(100 * time.Second)
	before := getOK(t, s1, "/portal/latest/")
	links := articleLinks(before, "portal")
	bodies := map[string][]byte{}
	for _, p := range links {
		bodies[p] = getOK(t, s1, p)
	}

	later := testEpoch.Add(10 * time.Minute)
	s2, err := New(config.DemoConfig{Speed: 1}, dir, quiet, WithClock(func() time.Time { return later }))
	if err != nil {
		t.Fatal(err)
	}
	if !s2.Epoch().Equal(testEpoch) {
		t.Fatalf("restarted epoch %v, want %v", s2.Epoch(), testEpoch)
	}
	for p, b := range bodies {
		if got := getOK(t, s2, p); !bytes.Equal(got, b) {
			t.Errorf("%s changed across a restart", p)
		}
	}
	var listed []string
	for pg := 1; pg <= 3; pg++ {
		listed = append(listed, articleLinks(getOK(t, s2, "/portal/latest/?page="+strconv.Itoa(pg)), "portal")...)
	}
	for _, p := range links {
		if !strings.Contains(strings.Join(listed, " "), p) {
			t.Errorf("%s no longer listed after the restart", p)
		}
	}
}

func TestEpochFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"garbage", "yesterday\n", "cannot parse demo epoch in"},
		{"empty", "", "cannot parse demo epoch in"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, epochFile), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(config.DemoConfig{}, dir, quiet)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %v, want %q naming the file", err, tc.want)
			}
		})
	}
	if _, err := New(config.DemoConfig{Speed: -1}, "", quiet); err == nil || !strings.Contains(err.Error(), "speed must be positive") {
		t.Errorf("negative speed: error %v", err)
	}
}

// Articles and lists carry ETag and Last-Modified and answer conditional
// GETs with 304.
func TestConditionalGet(t *testing.T) {
	s, c := newTestSite(t, "")
	c.at(time.Minute)
	vis := s.published("news1")
	art := s.item("news1", vis[len(vis)-1], len(vis)-1).path()
	for _, p := range []string{art, "/news1/", "/feed.xml"} {
		rec := get(t, s, p)
		etag, lm := rec.Header().Get("ETag"), rec.Header().Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("%s: ETag %q, Last-Modified %q", p, etag, lm)
		}
		tests := []struct {
			name   string
			header []string
			want   int
		}{
			{"if-none-match", []string{"If-None-Match", etag}, http.StatusNotModified},
			{"if-modified-since", []string{"If-Modified-Since", lm}, http.StatusNotModified},
			{"stale etag", []string{"If-None-Match", `"0000"`}, http.StatusOK},
		}
		for _, tc := range tests {
			if got := get(t, s, p, tc.header...); got.Code != tc.want {
				t.Errorf("%s %s: status %d, want %d", p, tc.name, got.Code, tc.want)
			}
		}
	}
	// A list changes when a new item is published, so its old ETag no
	// longer matches.
	etag := get(t, s, "/news1/").Header().Get("ETag")
	c.at(2 * time.Hour)
	if got := get(t, s, "/news1/", "If-None-Match", etag); got.Code != http.StatusOK {
		t.Errorf("list after new items: status %d, want 200", got.Code)
	}
	if got := get(t, s, art, "If-None-Match", get(t, s, art).Header().Get("ETag")); got.Code != http.StatusNotModified {
		t.Errorf("article after new items: status %d, want 304", got.Code)
	}
}

// The feed is RSS 2.0 that encoding/xml parses, with RFC 1123 +0800 dates,
// newest first, and unique absolute links.
func TestRSS(t *testing.T) {
	s, c := newTestSite(t, "")
	c.at(20 * time.Minute)
	rec := get(t, s, "/feed.xml")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/rss+xml") {
		t.Errorf("Content-Type %q", ct)
	}
	var rss struct {
		Version string `xml:"version,attr"`
		Channel struct {
			Title string `xml:"title"`
			Items []struct {
				Title       string `xml:"title"`
				Link        string `xml:"link"`
				GUID        string `xml:"guid"`
				PubDate     string `xml:"pubDate"`
				Description string `xml:"description"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &rss); err != nil {
		t.Fatal(err)
	}
	if rss.Version != "2.0" || rss.Channel.Title != feedName || len(rss.Channel.Items) != feedSize {
		t.Fatalf("version %q, title %q, %d items", rss.Version, rss.Channel.Title, len(rss.Channel.Items))
	}
	links := map[string]bool{}
	var prev time.Time
	for i, it := range rss.Channel.Items {
		at, err := time.Parse(time.RFC1123Z, it.PubDate)
		if err != nil {
			t.Fatalf("item %d: pubDate %q: %v", i, it.PubDate, err)
		}
		if !strings.HasSuffix(it.PubDate, "+0800") {
			t.Errorf("item %d: pubDate %q not in +0800", i, it.PubDate)
		}
		if i > 0 && at.After(prev) {
			t.Errorf("item %d is newer than item %d", i, i-1)
		}
		prev = at
		if !strings.HasPrefix(it.Link, "http://demo.test/feed/p/") || it.GUID != it.Link || links[it.Link] {
			t.Errorf("item %d: link %q guid %q", i, it.Link, it.GUID)
		}
		links[it.Link] = true
		if it.Title == "" || !strings.Contains(it.Description, "<p>") {
			t.Errorf("item %d: title %q description %q", i, it.Title, it.Description)
		}
		getOK(t, s, strings.TrimPrefix(it.Link, "http://demo.test"))
	}
}

// The 政务公开 documents show their metadata block with a 文号.
func TestPortalMetadata(t *testing.T) {
	s, c := newTestSite(t, "")
	c.at(20 * time.Minute)
	docNo := regexp.MustCompile(`文　　号：</th><td>青政办(发|明电)〔2026〕\d+号</td>`)
	found := false
	for pg := 1; pg <= 3 && !found; pg++ {
		rec := get(t, s, "/portal/zwgk/?page="+strconv.Itoa(pg))
		if rec.Code != http.StatusOK {
			break
		}
		for _, p := range articleLinks(rec.Body.Bytes(), "portal") {
			if !strings.HasPrefix(p, "/portal/zwgk/") {
				t.Errorf("政务公开 list links %s", p)
			}
			body := getOK(t, s, p)
			for _, w := range []string{"索引号：", "主题分类：", "发布机构：", "发文日期：", "文　　号："} {
				if !bytes.Contains(body, []byte(w)) {
					t.Errorf("%s lacks %s", p, w)
				}
			}
			if docNo.Match(body) {
				found = true
			}
		}
	}
	if !found {
		t.Error("no 政务公开 document with a 青政办发 文号 in the first pages")
	}
}

// Start serves on 127.0.0.1, the sources pass the config's validation,
// robots.txt disallows the admin path, and a restart reuses the port.
func TestStartSourcesRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := New(config.DemoConfig{Listen: "127.0.0.1:0", Speed: 1}, dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err == nil {
		t.Error("second Start succeeded")
	}
	base := s.URL()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("URL %q", base)
	}
	resp, err := http.Get(base + "/robots.txt")
	if err != nil {
		t.Fatal(err)
	}
	robots, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(robots), "Disallow: /portal/admin/") {
		t.Errorf("robots.txt: %s", robots)
	}

	cfg := config.Default()
	cfg.Crawler.Sources = s.Sources()
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Errorf("demo sources do not validate: %v", err)
	}
	kinds := map[string]bool{}
	for _, src := range s.Sources() {
		kinds[src.Kind] = true
		if !src.AllowPrivate || !strings.HasPrefix(src.URL, base+"/") {
			t.Errorf("source %s: %+v", src.ID, src)
		}
		resp, err := http.Get(src.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("source %s: %s answers %d", src.ID, src.URL, resp.StatusCode)
		}
	}
	if len(kinds) != 4 {
		t.Errorf("source kinds %v, want portal, news, forum and feed", kinds)
	}

	if s.DisallowedHits() != 0 {
		t.Fatal("disallowed hits before any request")
	}
	resp, err = http.Get(base + "/portal/admin/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s.DisallowedHits() != 1 {
		t.Errorf("disallowed hits %d, want 1", s.DisallowedHits())
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/robots.txt"); err == nil {
		t.Error("still serving after Close")
	}

	s2, err := New(config.DemoConfig{Listen: "127.0.0.1:0", Speed: 1}, dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.URL() != base {
		t.Errorf("restarted at %s, want the previous %s", s2.URL(), base)
	}
}

// Cancelling the context stops the server.
func TestStartStopsWithContext(t *testing.T) {
	s, err := New(config.DemoConfig{Listen: "127.0.0.1:0"}, "", quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan error)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the context ended")
	}
}

// The scenario clock runs Speed times faster than the wall clock.
func TestSpeed(t *testing.T) {
	c := &clock{t: testEpoch}
	s, err := New(config.DemoConfig{Speed: 60}, "", quiet, WithClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	c.at(1500 * time.Millisecond) // 90 scenario seconds
	if got := s.scenarioNow(); got != 90 {
		t.Fatalf("scenario clock %ds, want 90", got)
	}
	if !strings.Contains(string(getOK(t, s, "/portal/latest/")), "情况通报") {
		t.Error("at speed 60, 1.5 s in: no 情况通报")
	}
}

// incidentScriptSorted returns the published incident items in the order
// they appeared.
func incidentScriptSorted(s *Site) []*item {
	its := incidentItems(s)
	sort.SliceStable(its, func(i, j int) bool { return its[i].offset < its[j].offset })
	return its
}

// Concurrent readers and a moving clock share the timelines safely (run
// with -race).
func TestConcurrentRequests(t *testing.T) {
	s, c := newTestSite(t, "")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				d := siteDefs[(w+i)%len(siteDefs)]
				rec := get(t, s, d.start)
				if rec.Code != http.StatusOK {
					t.Errorf("GET %s: %d", d.start, rec.Code)
				}
				get(t, s, "/portal/zwgk/")
			}
		}()
	}
	for i := range 20 {
		c.at(time.Duration(i) * 30 * time.Second)
	}
	wg.Wait()
}
