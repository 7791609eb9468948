package crawler

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// feedItem is one entry of an RSS 2.0 or Atom feed.
type feedItem struct {
	Title     string
	Link      string
	GUID      string
	Body      string // plain text from content or description
	Author    string
	Published time.Time // zero when the feed gives none
}

// rssDoc and atomDoc are the subsets of RSS 2.0 and Atom read here.
type rssDoc struct {
	XMLName xml.Name `xml:"rss"`
	Channel struct {
		Items []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			Description string `xml:"description"`
			Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Author      string `xml:"author"`
			Creator     string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			PubDate     string `xml:"pubDate"`
			Date        string `xml:"http://purl.org/dc/elements/1.1/ date"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",innerxml"`
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Entries []struct {
		Title atomText `xml:"title"`
		Links []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"link"`
		ID        string   `xml:"id"`
		Summary   atomText `xml:"summary"`
		Content   atomText `xml:"content"`
		Published string   `xml:"published"`
		Updated   string   `xml:"updated"`
		Author    struct {
			Name string `xml:"name"`
		} `xml:"author"`
	} `xml:"entry"`
}

// parseFeed reads an RSS 2.0 or Atom feed that is already UTF-8.
func parseFeed(data []byte) ([]feedItem, error) {
	root, err := rootElement(data)
	if err != nil {
		return nil, err
	}
	switch root {
	case "rss":
		var doc rssDoc
		if err := newXMLDecoder(data).Decode(&doc); err != nil {
			return nil, fmt.Errorf("cannot parse RSS: %w", err)
		}
		items := make([]feedItem, 0, len(doc.Channel.Items))
		for _, it := range doc.Channel.Items {
			body := it.Content
			if strings.TrimSpace(body) == "" {
				body = it.Description
			}
			author := it.Creator
			if author == "" {
				author = it.Author
			}
			date := it.PubDate
			if date == "" {
				date = it.Date
			}
			items = append(items, feedItem{
				Title:     collapseSpace(htmlToText(it.Title)),
				Link:      strings.TrimSpace(it.Link),
				GUID:      strings.TrimSpace(it.GUID),
				Body:      htmlToText(body),
				Author:    collapseSpace(author),
				Published: parseTime(date),
			})
		}
		return items, nil
	case "feed":
		var doc atomDoc
		if err := newXMLDecoder(data).Decode(&doc); err != nil {
			return nil, fmt.Errorf("cannot parse Atom feed: %w", err)
		}
		items := make([]feedItem, 0, len(doc.Entries))
		for _, e := range doc.Entries {
			link := ""
			for _, l := range e.Links {
				if l.Rel == "" || l.Rel == "alternate" {
					link = l.Href
					break
				}
			}
			body := e.Content
			if strings.TrimSpace(body.Body) == "" {
				body = e.Summary
			}
			date := e.Published
			if date == "" {
				date = e.Updated
			}
			items = append(items, feedItem{
				Title:     collapseSpace(atomToText(e.Title)),
				Link:      strings.TrimSpace(link),
				GUID:      strings.TrimSpace(e.ID),
				Body:      atomToText(body),
				Author:    collapseSpace(e.Author.Name),
				Published: parseTime(date),
			})
		}
		return items, nil
	}
	return nil, fmt.Errorf("cannot parse feed: root element <%s> is neither rss nor feed", root)
}

// newXMLDecoder decodes UTF-8 input whatever its declaration says: the
// crawler has already converted it.
func newXMLDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

func rootElement(data []byte) (string, error) {
	d := newXMLDecoder(data)
	for {
		tok, err := d.Token()
		if err != nil {
			return "", fmt.Errorf("cannot find the feed's root element: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local, nil
		}
	}
}

// atomToText returns the plain text of an Atom text construct: escaped
// HTML for type="html", inline markup for type="xhtml", text otherwise.
func atomToText(t atomText) string {
	switch t.Type {
	case "xhtml":
		return htmlToText(t.Body)
	default:
		// innerxml keeps entities escaped; unescape once to get the text
		// (or the HTML for type="html"), then strip markup.
		var s string
		if err := xml.Unmarshal([]byte("<x>"+t.Body+"</x>"), &s); err != nil {
			s = html.UnescapeString(t.Body)
		}
		return htmlToText(s)
	}
}

// htmlToText strips markup from an HTML fragment, one line per block.
func htmlToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return normaliseLines(s)
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), nil)
	if err != nil {
		return normaliseLines(html.UnescapeString(s))
	}
	parts := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if t := blockText(n); t != "" {
			parts = append(parts, t)
		}
	}
	return normaliseLines(strings.Join(parts, "\n"))
}
