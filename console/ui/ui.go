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
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, name := range names {
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("cannot read template %q: %w", name, err)
		}
		page := strings.TrimSuffix(path.Base(name), ".html")
		t, err := template.New(page).Funcs(funcs(now)).Parse(string(text))
		if err != nil {
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

// funcs are what the templates call, in Chinese where people read it.
func funcs(now func() time.Time) template.FuncMap {
	return template.FuncMap{
		// Answered per request by RenderFor; a page rendered by Render
		// has no session and may do nothing.
		"csrfToken":   func() string { return "" },
		"user":        func() any { return nil },
		"can":         func(string) bool { return false },
		"join":        strings.Join,
		"list":        func(s ...string) []string { return s },
		"briefAction": model.BriefActionName,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(model.China).Format("2006年1月2日")
		},
		"kindLabel": func(kind string) string {
			if l := model.FindingKindLabel[kind]; l != "" {
				return l
			}
			return "其他问题"
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(model.China).Format("01-02 15:04")
		},
		"sentiment": func(label string) string {
			switch label {
			case model.Negative:
				return "负面"
			case model.Positive:
				return "正面"
			}
			return "中性"
		},
		"obState": func(s string) string {
			return map[string]string{model.ObligationPending: "办理中", model.ObligationFulfilled: "已履行",
				model.ObligationBreached: "已超时", model.ObligationWaived: "已豁免"}[s]
		},
		"countdown": func(due time.Time) string {
			d := due.Sub(now()).Round(time.Minute)
			if d < 0 {
				return "已超时" + duration(-d)
			}
			return "剩余" + duration(d)
		},
		"level": func(l string) string {
			return map[string]string{"I": "Ⅰ级 特别重大", "II": "Ⅱ级 重大", "III": "Ⅲ级 较大", "IV": "Ⅳ级 一般"}[l]
		},
	}
}

// duration says a duration in Chinese: 2天3小时, 4小时12分.
func duration(d time.Duration) string {
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d小时%d分", hours, mins)
	}
	return fmt.Sprintf("%d分", mins)
}
