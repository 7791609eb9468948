package ui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestParseFailsFast(t *testing.T) {
	bad := fstest.MapFS{
		"templates/good.html":   {Data: []byte(`<p>{{.}}</p>`)},
		"templates/broken.html": {Data: []byte(`<p>{{if .}}</p>`)},
	}
	_, err := Parse(bad, time.Now)
	if err == nil || !strings.Contains(err.Error(), `cannot parse template "templates/broken.html"`) {
		t.Errorf("a broken template = %v, want an error naming it", err)
	}
	if _, err := Parse(fstest.MapFS{}, time.Now); err == nil {
		t.Error("no templates parsed without an error")
	}
	unknown := fstest.MapFS{"templates/x.html": {Data: []byte(`{{nosuchfunc .}}`)}}
	if _, err := Parse(unknown, time.Now); err == nil {
		t.Error("a template calling an unknown function parsed")
	}
}

// The pages load their style and script from /assets/, so a
// Content-Security-Policy without 'unsafe-inline' does not break them.
func TestNoInlineStyleOrScript(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<style|\sstyle=|<script>|<script\s+[^>]*>[^<]|\son[a-z]+=|javascript:`)
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v, %v", names, err)
	}
	for _, name := range names {
		b, _ := fs.ReadFile(files, name)
		if m := inline.Find(b); m != nil {
			t.Errorf("%s has inline style or script: %q", name, m)
		}
	}
	if _, err := New(time.Now); err != nil {
		t.Fatalf("the built-in templates: %v", err)
	}
}

func TestStaticAndRender(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/assets/", Static()))
	defer srv.Close()
	for path, ctype := range map[string]string{"/assets/console.css": "text/css", "/assets/home.js": "text/javascript", "/assets/ack.css": "text/css", "/assets/api.js": "text/javascript", "/assets/echarts.min.js": "text/javascript"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	r, err := Parse(fstest.MapFS{"templates/p.html": {Data: []byte(`{{countdown .Due}} {{when .Due}} {{.Missing.Field}}`)}}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := r.Render(w, 200, "p", map[string]any{"Due": now.Add(26*time.Hour + 3*time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got := w.Body.String(); !strings.HasPrefix(got, "剩余1天2小时 11月22日 18:03 ") || w.Code != 200 {
		t.Errorf("rendered %d %q: the countdown counts from the clock given", w.Code, got)
	}
	w = httptest.NewRecorder()
	if err := r.Render(w, 200, "p", struct{ Due time.Time }{now}); err == nil || w.Body.Len() != 0 || w.Code != 200 {
		t.Errorf("a failing render = %v, wrote %d %q; want an error and nothing written", err, w.Code, w.Body.String())
	}
	if err := r.Render(w, 200, "nope", nil); err == nil {
		t.Error("an unknown page rendered")
	}
}
