package crawler

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
)

// isSitemap reports whether a fetched list page is an XML sitemap (a
// urlset, or a sitemapindex of further sitemaps) rather than HTML.
func isSitemap(body []byte) bool {
	head := body[:min(len(body), 1024)]
	return bytes.Contains(head, []byte("<urlset")) || bytes.Contains(head, []byte("<sitemapindex"))
}

// parseSitemap returns the page URLs of a urlset and the sitemap URLs of a
// sitemapindex, resolved against base and kept only when their host is in
// domains.
func parseSitemap(body []byte, base *url.URL, domains []string) (pages, sitemaps []string, err error) {
	var doc struct {
		XMLName xml.Name
		URLs    []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
		Sitemaps []struct {
			Loc string `xml:"loc"`
		} `xml:"sitemap"`
	}
	// The body was converted to UTF-8 by decodeHTML already.
	if err := newXMLDecoder(body).Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("cannot parse sitemap %q: %w", base, err)
	}
	resolve := func(loc string) (string, bool) {
		u, err := base.Parse(strings.TrimSpace(loc))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !hostAllowed(u.Hostname(), domains) {
			return "", false
		}
		c, err := CanonicalURL(u.String())
		return c, err == nil
	}
	for _, u := range doc.URLs {
		if c, ok := resolve(u.Loc); ok {
			pages = append(pages, c)
		}
	}
	for _, s := range doc.Sitemaps {
		if c, ok := resolve(s.Loc); ok {
			sitemaps = append(sitemaps, c)
		}
	}
	return pages, sitemaps, nil
}
