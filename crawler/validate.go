package crawler

import (
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// ValidateSource returns the problems of the source s, found at key path
// path (crawler.sources[2]), that the crawler judges: the CSS selectors of
// its list and article rules, the JSON mapping of a kind api source, and
// its allowed domains. config.Validate judges the rest (id, kind, URL,
// intervals, page counts). A source of a config without problems is one
// New accepts.
func ValidateSource(path string, s config.Source) []config.Problem {
	var ps config.Problems
	for _, f := range []struct{ key, sel string }{
		{"list.links", s.List.Links}, {"list.next", s.List.Next}, {"article.title", s.Article.Title},
		{"article.body", s.Article.Body}, {"article.time", s.Article.Time}, {"article.author", s.Article.Author},
	} {
		if f.sel == "" {
			continue
		}
		if err := checkSelector(f.sel); err != nil {
			ps.Addf(config.JoinPath(path, f.key), "%q is not a CSS selector: %v", f.sel, err)
		}
	}
	for i, d := range s.AllowedDomains {
		if h := strings.TrimSpace(d); h == "" || strings.ContainsAny(h, "/:@ ") {
			ps.Addf(config.IndexPath(config.JoinPath(path, "allowed_domains"), i), "%q is not a host name such as www.example.gov.cn", d)
		}
	}
	validateAPI(&ps, config.JoinPath(path, "api"), s.Kind, s.API)
	return ps
}

// validateAPI checks the JSON mapping of a source at key path p.
func validateAPI(ps *config.Problems, p, kind string, a config.APIRules) {
	paths := []struct{ name, path string }{{"items", a.Items}, {"id", a.ID}, {"title", a.Title}, {"body", a.Body},
		{"time", a.Time}, {"author", a.Author}, {"url", a.URL}, {"next", a.Next}}
	if kind != model.KindAPI {
		for _, f := range paths {
			if f.path != "" {
				ps.Addf(p+"."+f.name, "is only for kind api")
			}
		}
		return
	}
	for _, f := range paths {
		if f.path != "" && !validJSONPath(f.path) {
			ps.Addf(p+"."+f.name, "%q is not a path of dot-separated keys such as data.list", f.path)
		}
	}
	if a.ID == "" && a.URL == "" {
		ps.Addf(p+".id", "is required for kind api when api.url is not given")
	}
	if a.Title == "" && a.Body == "" {
		ps.Addf(p+".title", "is required for kind api when api.body is not given")
	}
	switch f := a.TimeFormat; {
	case f == "" || f == "unix" || f == "unix_ms":
	case !strings.Contains(f, "2006") && !strings.Contains(f, "06"):
		ps.Addf(p+".time_format", "%q is not unix, unix_ms or a Go time layout such as 2006-01-02 15:04:05", f)
	}
	if a.TimeFormat != "" && a.Time == "" {
		ps.Addf(p+".time", "is required with api.time_format")
	}
}

// validJSONPath reports whether path is a dot-separated path of non-empty
// keys, the form jsonPath reads.
func validJSONPath(path string) bool {
	for _, seg := range strings.Split(path, ".") {
		if strings.TrimSpace(seg) == "" {
			return false
		}
	}
	return true
}

// selectorProbe is a page the selectors are tried on: cascadia parses
// some selectors it then panics on when matching.
var selectorProbe = func() *goquery.Document {
	root, err := html.Parse(strings.NewReader(`<html><head><title>t</title></head><body><ul><li><a href="/a">a</a></li></ul><p>b</p></body></html>`))
	if err != nil {
		panic("BUG: the selector probe page does not parse: " + err.Error())
	}
	return goquery.NewDocumentFromNode(root)
}()

// checkSelector reports whether sel is a CSS selector the crawler can
// apply: one cascadia parses and matches without panicking.
func checkSelector(sel string) (err error) {
	if _, err := cascadia.ParseGroup(sel); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("it cannot be applied: %v", r)
		}
	}()
	selectorProbe.Find(sel)
	return nil
}
