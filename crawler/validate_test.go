package crawler

import (
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// sourceProblems is what the config check finds in a config with the one
// source s: config's validation and ValidateSource.
func sourceProblems(t *testing.T, s config.Source) []string {
	t.Helper()
	c := config.Default()
	c.Crawler.Sources = []config.Source{s}
	var got []string
	if ve, ok := c.Validate().(*config.ValidationError); ok {
		for _, p := range ve.Problems {
			got = append(got, p.String())
		}
	}
	for _, p := range ValidateSource("crawler.sources[0]", s) {
		got = append(got, p.String())
	}
	return got
}

// TestValidateSourceCoversNew: every source New refuses is one the config
// check reports first, with its key path, so yuqing check-config never
// says ok to a config the crawler then refuses at start.
func TestValidateSourceCoversNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*config.Source)
		want string
	}{
		{"api without mapping", func(s *config.Source) { s.Kind = model.KindAPI }, "crawler.sources[0].api.id: is required for kind api"},
		{"api bad path", func(s *config.Source) {
			s.Kind, s.API = model.KindAPI, config.APIRules{Items: "data..list", ID: "id", Title: "title", MaxPages: 1}
		}, `crawler.sources[0].api.items: "data..list" is not a path`},
		{"bad selector", func(s *config.Source) { s.List.Links = "div[[[" }, `crawler.sources[0].list.links: "div[[[" is not a CSS selector`},
		{"bad article selector", func(s *config.Source) { s.Article.Time = "span:not(" }, `crawler.sources[0].article.time: "span:not(" is not a CSS selector`},
		{"bad url", func(s *config.Source) { s.URL = "http://:80/" }, `crawler.sources[0].url: "http://:80/" is not an http(s) URL`},
		{"bad encoding", func(s *config.Source) { s.Encoding = "klingon" }, `crawler.sources[0].encoding: "klingon" is not one of`},
		{"negative interval", func(s *config.Source) { s.Interval = -1 }, "crawler.sources[0].interval: must not be negative"},
		{"bad id", func(s *config.Source) { s.ID = "a/b" }, `crawler.sources[0].id: "a/b" may contain only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := testSource("x", model.KindNews, "http://127.0.0.1:1/list")
			tc.mod(&src)
			if _, err := New(testConfig(), []config.Source{src}, &fakePublisher{}, t.TempDir(), nil, nil); err == nil {
				t.Fatal("New accepted the source")
			}
			got := sourceProblems(t, src)
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

func TestValidateSourceAcceptsGoodRules(t *testing.T) {
	src := testSource("x", model.KindNews, "http://127.0.0.1:1/list")
	src.List = config.ListRules{Links: "ul.list li > a[href]", Next: "a.next, a:contains(下一页)", MaxPages: 3}
	src.Article = config.ArticleRules{Title: "h1", Body: "div#content p", Time: ".pubtime", Author: "span.author:nth-of-type(1)"}
	src.AllowedDomains = []string{"127.0.0.1", "www.example.gov.cn"}
	if got := sourceProblems(t, src); len(got) > 0 {
		t.Errorf("problems: %s", strings.Join(got, "\n"))
	}
	if _, err := New(testConfig(), []config.Source{src}, &fakePublisher{}, t.TempDir(), nil, nil); err != nil {
		t.Errorf("New: %v", err)
	}
}
