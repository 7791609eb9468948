package crawler

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// CanonicalURL normalises a URL so that one page has one key: scheme and
// host lower-cased, default port and fragment dropped, utm_* tracking
// parameters removed, query parameters sorted, empty path made "/".
func CanonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("cannot parse URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("cannot canonicalise %q: not an http(s) URL", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("cannot canonicalise %q: no host", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		u.Host = host + ":" + port
		if strings.Contains(host, ":") {
			u.Host = "[" + host + "]:" + port
		}
	} else {
		u.Host = host
		if strings.Contains(host, ":") {
			u.Host = "[" + host + "]"
		}
	}
	u.Fragment, u.RawFragment = "", ""
	u.User = nil
	if u.Path == "" {
		u.Path = "/"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(strings.ToLower(k), "utm_") {
				delete(q, k)
			}
		}
		for _, v := range q {
			sort.Strings(v)
		}
		u.RawQuery = q.Encode() // Encode sorts by key
	}
	u.ForceQuery = false
	return u.String(), nil
}

// hostAllowed reports whether host (without port) is one of the allowed
// domains. The match is exact, as Colly's AllowedDomains is.
func hostAllowed(host string, allowed []string) bool {
	return slices.Contains(allowed, strings.ToLower(host))
}

// articlePathRe matches URLs that look like articles: dated paths,
// t20241112_123.html, numeric IDs, content/detail/show/article pages.
var articlePathRe = regexp.MustCompile(`(?i)((19|20)\d{2}[-/_]?\d{2}|/t\d{8}_|\d{4,}|/(content|detail|details|show|article|art|news|view|info|post|thread|topic|p)[/_.-]|[?&](id|aid|tid|articleid|newsid|itemid|docid)=)`)

// navPathRe matches links that are navigation, not articles.
var navPathRe = regexp.MustCompile(`(?i)(/(index|default|list|about|contact|login|register|search|sitemap|rss|feed)[^/]*$|\.(jpg|jpeg|png|gif|pdf|doc|docx|xls|xlsx|zip|rar|mp4|mp3)$|javascript:|mailto:|[?&](page|p)=\d+$)`)

// nextPageTexts are anchor texts of pagination links.
var nextPageTexts = []string{"下一页", "下页", "后一页", "下一頁", ">", "›", "»", "Next", "next"}

// listLinks finds article links on a list page: with the source's CSS
// selector when given (anchors matched or inside matched elements), else
// by heuristic: in the allowed domains, anchor text of at least 5
// characters, a path that looks like an article and not like navigation.
// Links are resolved against base, canonicalised and de-duplicated in page
// order.
func listLinks(root *html.Node, base *url.URL, selector string, allowed []string) ([]string, error) {
	doc := goquery.NewDocumentFromNode(root)
	var anchors *goquery.Selection
	if selector != "" {
		sel, err := safeFind(doc, selector)
		if err != nil {
			return nil, err
		}
		anchors = sel.Filter("a[href]").AddSelection(sel.Find("a[href]"))
	} else {
		anchors = doc.Find("a[href]")
	}
	seen := make(map[string]bool)
	var out []string
	anchors.Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		u, err := base.Parse(strings.TrimSpace(href))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		if !hostAllowed(u.Hostname(), allowed) {
			return
		}
		if selector == "" {
			text := collapseSpace(a.Text())
			if title, ok := a.Attr("title"); ok && utf8.RuneCountInString(title) > utf8.RuneCountInString(text) {
				text = title
			}
			if utf8.RuneCountInString(text) < 5 || navPathRe.MatchString(u.String()) || !articlePathRe.MatchString(u.RequestURI()) {
				return
			}
			if samePage(u, base) {
				return
			}
		}
		c, err := CanonicalURL(u.String())
		if err != nil || seen[c] {
			return
		}
		seen[c] = true
		out = append(out, c)
	})
	return out, nil
}

func samePage(a, b *url.URL) bool {
	return a.Host == b.Host && path.Clean(a.Path) == path.Clean(b.Path) && a.RawQuery == b.RawQuery
}

// nextPage finds the next list page: the source's selector, or an anchor
// whose text is 下一页 (or a similar pagination label).
func nextPage(root *html.Node, base *url.URL, selector string, allowed []string) (string, error) {
	doc := goquery.NewDocumentFromNode(root)
	var anchors *goquery.Selection
	if selector != "" {
		sel, err := safeFind(doc, selector)
		if err != nil {
			return "", err
		}
		anchors = sel.Filter("a[href]").AddSelection(sel.Find("a[href]"))
	} else {
		anchors = doc.Find("a[href]").FilterFunction(func(_ int, a *goquery.Selection) bool {
			text := collapseSpace(a.Text())
			return slices.Contains(nextPageTexts, text) || strings.HasPrefix(text, "下一页")
		})
	}
	next := ""
	anchors.EachWithBreak(func(_ int, a *goquery.Selection) bool {
		href, _ := a.Attr("href")
		u, err := base.Parse(strings.TrimSpace(href))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !hostAllowed(u.Hostname(), allowed) || samePage(u, base) {
			return true
		}
		c, err := CanonicalURL(u.String())
		if err != nil {
			return true
		}
		next = c
		return false
	})
	return next, nil
}

// safeFind applies a CSS selector, turning cascadia's panic on an invalid
// selector into an error.
func safeFind(doc *goquery.Document, selector string) (sel *goquery.Selection, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid CSS selector %q: %v", selector, r)
		}
	}()
	return doc.Find(selector), nil
}
