// Package ui owns the console's pages: their templates and the static files
// they load (style sheets, scripts), built into the binary, and the
// renderer that parses the templates once, when the console is built. A
// template that does not parse fails the start, never a request. Pages
// load no inline style or script, so a Content-Security-Policy can forbid
// both.
package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
)

// files are the pages' templates (templates/NAME.html) and the static
// files (static/), which the console serves under /assets/.
//
//go:embed templates static
var files embed.FS

// Renderer renders the pages. It is safe for concurrent use.
type Renderer struct {
	pages map[string]*template.Template
}

// New parses the built-in templates; now is the clock the countdowns to
// deadlines count from.
func New(now func() time.Time) (*Renderer, error) { return Parse(files, now) }

// Parse parses every templates/*.html of fsys, each as the page named by
// its file name without .html. The error names the template that does not
// parse.
func Parse(fsys fs.FS, now func() time.Time) (*Renderer, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("cannot list the console's templates: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("cannot find the console's templates: no templates/*.html")
	}
	// Partials (templates/NAME.part.html) define what every page shares: the
	// head, the navigation, the foot.
	var partials []string
	for _, name := range names {
		if strings.HasSuffix(name, ".part.html") {
			text, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("cannot read template %q: %w", name, err)
			}
			partials = append(partials, string(text))
		}
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, name := range names {
		if strings.HasSuffix(name, ".part.html") {
			continue
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("cannot read template %q: %w", name, err)
		}
		page := strings.TrimSuffix(path.Base(name), ".html")
		t := template.New(page).Funcs(funcs(now))
		if _, err := t.Parse(string(text) + strings.Join(partials, "")); err != nil {
			return nil, fmt.Errorf("cannot parse template %q: %w", name, err)
		}
		r.pages[page] = t
	}
	return r, nil
}

// Render answers page, executed with data, with the status code. The page
// is rendered in full before anything is written, so a template that fails
// on data leaves w untouched for the caller's error answer.
func (r *Renderer) Render(w http.ResponseWriter, code int, page string, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("BUG: no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("cannot render page %q: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
	return nil
}

// Session is what a page knows of the request's login: its CSRF token
// (for the csrf-token meta tag and hidden form fields), the user, and
// what the user may do. Templates reach them as {{csrfToken}}, {{user}}
// and {{if can "close"}}.
type Session struct {
	CSRFToken string
	User      any
	Can       func(perm string) bool
}

// RenderFor renders page like Render, with the template functions
// csrfToken, user and can answering for s.
func (r *Renderer) RenderFor(w http.ResponseWriter, code int, page string, data any, s Session) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("BUG: no page %q", page)
	}
	t, err := t.Clone()
	if err != nil {
		return err
	}
	can := s.Can
	if can == nil {
		can = func(string) bool { return false }
	}
	t.Funcs(template.FuncMap{"csrfToken": func() string { return s.CSRFToken }, "user": func() any { return s.User }, "can": can})
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("cannot render page %q: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
	return nil
}

// Static serves the static files by their names under static/; the
// console mounts it under /assets/.
func Static() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("BUG: the embedded files have no static/: " + err.Error())
	}
	return http.FileServerFS(sub)
}

// funcs are what the templates call, in Chinese where people read it (the
// words come from readmodel's humanizer, the one place keys become words).
func funcs(now func() time.Time) template.FuncMap {
	return template.FuncMap{
		// Answered per request by RenderFor; a page rendered by Render
		// has no session and may do nothing.
		"csrfToken":   func() string { return "" },
		"user":        func() any { return nil },
		"can":         func(string) bool { return false },
		"list":        func(s ...string) []string { return s },
		"briefAction": model.BriefActionName,
		"kindLabel": func(kind string) string {
			if l := model.FindingKindLabel[kind]; l != "" {
				return l
			}
			return "其他问题"
		},
		"join":      strings.Join,
		"when":      readmodel.Time,
		"date":      readmodel.Date,
		"text":      readmodel.Text,
		"sentiment": readmodel.SentimentName,
		"voice":     readmodel.VoiceName,
		"kind":      readmodel.KindName,
		"obState":   readmodel.ObligationState,
		"delivery":  readmodel.DeliveryStatus,
		"request":   readmodel.RequestName,
		"level":     readmodel.LevelName,
		"lv":        readmodel.ShortLevel,
		"count":     func(n int64) string { return readmodel.Count(n) },
		"actor":     readmodel.Actor,
		"countdown": func(due time.Time) string { return readmodel.Countdown(due, now()) },
		// urgency classes a deadline by how near it is: over, near (under
		// 2 hours), soon (under 12 hours), far.
		"urgency": func(due time.Time) string {
			d := due.Sub(now())
			switch {
			case d < 0:
				return "over"
			case d < 2*time.Hour:
				return "near"
			case d < 12*time.Hour:
				return "soon"
			}
			return "far"
		},
		"now": now,
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"pct": func(n, total int64) string {
			if total == 0 {
				return "0%"
			}
			return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(total))
		},
		"add":     func(a, b int) int { return a + b },
		"mulf":    func(f float64) float64 { return f * 100 },
		"role":    readmodel.RegionRole,
		"channel": readmodel.ChannelType,
		"entity":  readmodel.EntityKind,
	}
}
