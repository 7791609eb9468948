package inspect

import (
	"bytes"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/yuqing-project/yuqing/model"
)

// page is one fetched HTML page of a portal, parsed.
type page struct {
	url   *url.URL
	doc   *goquery.Document
	links []link
}

// link is one <a href> of a page.
type link struct {
	url  string // absolute, without fragment
	text string
	from string // the page that links it
}

func parsePage(rawURL string, body []byte) (*page, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	p := &page{url: u, doc: doc}
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		if l, ok := p.resolve(a); ok {
			p.links = append(p.links, l)
		}
	})
	return p, nil
}

// resolve turns an <a> into a link; ok is false for links that lead to no
// page (fragments, javascript:, mailto:, tel:).
func (p *page) resolve(a *goquery.Selection) (link, bool) {
	href := strings.TrimSpace(a.AttrOr("href", ""))
	if href == "" || strings.HasPrefix(href, "#") {
		return link{}, false
	}
	ref, err := url.Parse(href)
	if err != nil {
		return link{url: href, text: cleanText(a.Text()), from: p.url.String()}, true
	}
	abs := p.url.ResolveReference(ref)
	switch abs.Scheme {
	case "http", "https":
	default:
		return link{}, false
	}
	abs.Fragment = ""
	return link{url: abs.String(), text: cleanText(a.Text()), from: p.url.String()}, true
}

// item is one entry of a list (a column's article, a board's message).
type item struct {
	link  link
	date  time.Time // zero when the entry shows none
	links []link
}

// items returns the entries the selector finds, each with its first link
// and the first date in its text.
func (p *page) items(selector string) []item {
	var out []item
	p.doc.Find(selector).Each(func(_ int, s *goquery.Selection) {
		var it item
		s.Find("a[href]").Each(func(i int, a *goquery.Selection) {
			if l, ok := p.resolve(a); ok {
				it.links = append(it.links, l)
			}
		})
		if len(it.links) == 0 {
			return
		}
		it.link = it.links[0]
		it.date = firstDate(s.Text())
		out = append(out, it)
	})
	return out
}

func (p *page) text() string { return cleanText(p.doc.Find("body").Text()) }

func cleanText(s string) string { return strings.Join(strings.Fields(s), " ") }

var dateRe = regexp.MustCompile(`((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})[:：](\d{2}))?`)

// firstDate returns the first date (and time, when given) in s, read in
// China Standard Time, or the zero time.
func firstDate(s string) time.Time {
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	y, mo, d := n(1), n(2), n(3)
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}
	}
	h, mi := 0, 0
	if m[4] != "" {
		h, mi = n(4), n(5)
	}
	return time.Date(y, time.Month(mo), d, h, mi, 0, 0, model.China)
}

// sameSite reports whether a link stays on the portal's host.
func sameSite(home *url.URL, raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && strings.EqualFold(u.Host, home.Host)
}
