package inspect

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRobotsTxtIsObeyed(t *testing.T) {
	f := newFixture(t)
	rep := inspect(t, f, Options{})
	if f.requested("GET /admin/") || f.requested("HEAD /admin/") {
		t.Error("the inspector fetched /admin/, which robots.txt disallows")
	}
	if !f.requested("GET /robots.txt") {
		t.Error("robots.txt was not read")
	}
	if rep.Stats.LinksRobots != 1 {
		t.Errorf("links skipped for robots.txt = %d; want 1 (/admin/)", rep.Stats.LinksRobots)
	}
	for _, d := range byRule(rep, "C-DEAD-LINK") {
		if strings.Contains(d.URL, "/admin/") {
			t.Errorf("a disallowed link is reported dead: %+v", d)
		}
	}
}

func TestRequestsToOneHostAreSpaced(t *testing.T) {
	f := newFixture(t)
	const delay = 40 * time.Millisecond
	inspect(t, f, Options{Delay: delay})
	u, _ := url.Parse(f.srv.URL)
	f.mu.Lock()
	times := f.times[u.Host]
	f.mu.Unlock()
	if len(times) < 10 {
		t.Fatalf("only %d requests", len(times))
	}
	for i := 1; i < len(times); i++ {
		// The server stamps arrival; a little scheduling slack is allowed,
		// never a gap shorter than most of the delay.
		if gap := times[i].Sub(times[i-1]); gap < delay*3/4 {
			t.Fatalf("requests %d and %d came %v apart; the per-host delay is %v", i-1, i, gap, delay)
		}
	}
}

func TestRequestCapBoundsARun(t *testing.T) {
	f := newFixture(t)
	const max = 8
	rep := inspect(t, f, Options{MaxRequests: max})
	f.mu.Lock()
	n := 0
	for _, l := range f.log {
		if l != "GET /robots.txt" {
			n++
		}
	}
	f.mu.Unlock()
	if n > max {
		t.Errorf("the server got %d requests besides robots.txt; the cap is %d", n, max)
	}
	if rep.Stats.Requests != max || rep.Stats.LinksUnchecked == 0 {
		t.Errorf("stats = %+v; want %d requests and links left unchecked", rep.Stats, max)
	}
}

func TestExternalLinksAreNotCrawled(t *testing.T) {
	f := newFixture(t)
	var got []string
	ext := newRecorder(t, &got, `<html><body><a href="/deeper.html">更深</a></body></html>`)
	f.pages["/links/"] = `<html><body>` + list(li(ext+"/page.html", "协作单位", ago(3))) + `</body></html>`
	inspect(t, f, Options{})
	for _, r := range got {
		if strings.Contains(r, "deeper") {
			t.Errorf("a page linked from an external page was fetched: %v", got)
		}
	}
	if len(got) == 0 || got[0] != "HEAD /page.html" {
		t.Errorf("external requests = %v; want HEAD first", got)
	}
}

func newRecorder(t *testing.T, log *[]string, body string) string {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" {
			*log = append(*log, r.Method+" "+r.URL.Path)
		}
		w.Write([]byte(body))
	}))
	return srv
}

func newServer(t *testing.T, h http.Handler) string {
	srv := httptestServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

var httptestServer = httptest.NewServer
