package crawler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// TimeFromAPI is a publish time read from a JSON API's time field.
const TimeFromAPI = "api"

// confAPI is how sure a time given by an API is: machine-readable, like a
// feed's.
const confAPI = 0.9

// checkAPIRules checks the JSON mapping of a kind api source; for sources
// of a config file ValidateSource reports the same with key paths before
// anything starts, this guards sources added at run time.
func checkAPIRules(a config.APIRules) error {
	for name, p := range map[string]string{"items": a.Items, "id": a.ID, "title": a.Title, "body": a.Body,
		"time": a.Time, "author": a.Author, "url": a.URL, "next": a.Next} {
		if p != "" && !validJSONPath(p) {
			return fmt.Errorf("api.%s: %q is not a path of dot-separated keys", name, p)
		}
	}
	if a.ID == "" && a.URL == "" {
		return errors.New("api.id or api.url is required for kind api")
	}
	if a.Title == "" && a.Body == "" {
		return errors.New("api.title or api.body is required for kind api")
	}
	if a.MaxPages < 0 {
		return fmt.Errorf("api.max_pages must not be negative, got %d", a.MaxPages)
	}
	return nil
}

// jsonPath returns the value at a dot-separated path of keys and array
// indexes; an empty path is v itself.
func jsonPath(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			next, ok := t[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// jsonString returns the value at path as text: strings as they are,
// numbers without exponent, booleans as true/false; "" when missing, null
// or an object.
func jsonString(v any, path string) string {
	if path == "" {
		return ""
	}
	x, ok := jsonPath(v, path)
	if !ok {
		return ""
	}
	switch t := x.(type) {
	case string:
		return strings.TrimSpace(t)
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// apiTime reads an item's time by the source's time_format.
func apiTime(s, format string) time.Time {
	if s == "" {
		return time.Time{}
	}
	switch format {
	case "":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			// A bare number: seconds, or milliseconds when too large to
			// be seconds of this era.
			if n > 1e11 {
				return time.UnixMilli(n).In(model.China)
			}
			return time.Unix(n, 0).In(model.China)
		}
		return parseTime(s)
	case "unix", "unix_ms":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}
		}
		if format == "unix_ms" {
			return time.UnixMilli(int64(f)).In(model.China)
		}
		return time.Unix(int64(f), int64((f-float64(int64(f)))*1e9)).In(model.China)
	}
	t, err := time.ParseInLocation(format, s, model.China)
	if err != nil {
		return time.Time{}
	}
	return t
}

// api polls a JSON API source: up to api.max_pages answers, following
// api.next, each item a document.
func (p *pollRun) api() error {
	sc := p.s.cfg
	pageURL, err := CanonicalURL(sc.URL)
	if err != nil {
		return err
	}
	visited := make(map[string]bool)
	for page := 0; pageURL != "" && !visited[pageURL]; page++ {
		if page == sc.API.MaxPages {
			p.skip(pageURL, skipMaxPages, fmt.Errorf("api pagination stops after %d pages", sc.API.MaxPages))
			break
		}
		visited[pageURL] = true
		if err := p.ctx.Err(); err != nil {
			return err
		}
		var prev *seenEntry
		if page == 0 {
			prev = p.s.seen.get(pageURL) // later pages move; only the first is asked conditionally
		}
		res, err := p.f.get(pageURL, prev)
		p.fetched++
		if err != nil {
			if page == 0 {
				return err
			}
			p.skipFetch(pageURL, err)
			break
		}
		if res.status == http.StatusNotModified {
			p.updates[pageURL] = p.entryFor(pageURL, pageList)
			break
		}
		if res.status != http.StatusOK {
			err := fmt.Errorf("cannot fetch API page %q: HTTP %d", pageURL, res.status)
			if page == 0 {
				return err
			}
			p.skip(pageURL, skipHTTPStatus, err)
			break
		}
		dec := json.NewDecoder(bytes.NewReader(res.body))
		dec.UseNumber()
		var root any
		if err := dec.Decode(&root); err != nil {
			p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
			return fmt.Errorf("cannot parse API answer %q: %w", pageURL, err)
		}
		itemsV, ok := jsonPath(root, sc.API.Items)
		items, isArray := itemsV.([]any)
		if !ok || !isArray {
			p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
			return fmt.Errorf("cannot read API answer %q: no array at api.items %q", pageURL, sc.API.Items)
		}
		if page == 0 {
			e := p.entryFor(pageURL, pageList)
			e.ETag, e.LastModified = validators(res.header)
			p.updates[pageURL] = e
		}
		base, err := url.Parse(res.url)
		if err != nil {
			return fmt.Errorf("cannot parse URL %q: %w", res.url, err)
		}
		for i, it := range items {
			if err := p.ctx.Err(); err != nil {
				return err
			}
			p.apiItem(base, i, it)
		}
		pageURL = ""
		if next := jsonString(root, sc.API.Next); next != "" {
			if u, err := base.Parse(next); err == nil {
				if c, err := CanonicalURL(u.String()); err == nil && hostAllowed(u.Hostname(), p.s.domains) {
					pageURL = c
				} else {
					p.skip(u.String(), skipDomain, fmt.Errorf("api.next %q is outside the allowed domains", next))
				}
			}
		}
	}
	return nil
}

// apiItem queues a document for a new or changed API item. The item's
// key is source and native ID when api.id is set (so a URL change does
// not make a new document), else its canonical URL. When the item has no
// body and its URL is in the allowed domains, the page is fetched for the
// text.
func (p *pollRun) apiItem(base *url.URL, i int, it any) {
	sc := p.s.cfg
	rules := sc.API
	id := jsonString(it, rules.ID)
	link := ""
	if raw := jsonString(it, rules.URL); raw != "" {
		if u, err := base.Parse(raw); err == nil {
			if c, err := CanonicalURL(u.String()); err == nil {
				link = c
			}
		}
	}
	key := link
	if id != "" {
		key = sc.ID + "\x00" + id
	}
	if key == "" {
		p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
		p.skip(base.String(), skipExtract, fmt.Errorf("API item %d has neither id nor url", i))
		return
	}
	ex := Extraction{
		Title:    collapseSpace(htmlToText(jsonString(it, rules.Title))),
		Body:     htmlToText(jsonString(it, rules.Body)),
		Author:   collapseSpace(jsonString(it, rules.Author)),
		Encoding: "utf-8",
	}
	rawTime := jsonString(it, rules.Time)
	if t := apiTime(rawTime, rules.TimeFormat); !t.IsZero() {
		ex.PublishedAt, ex.PublishedAtSource, ex.PublishedAtConfidence = t, TimeFromAPI, confAPI
	}
	// The item as the API shows it: when that did not change, nothing is
	// fetched or published, even if its page was fetched for the text.
	itemHash := ContentHash(ex.Title+"\x00"+link+"\x00"+rawTime+"\x00"+ex.Author, ex.Body)
	prev := p.s.seen.get(key)
	if prev != nil && prev.ItemHash == itemHash {
		p.updates[key] = p.entryFor(key, pageItem)
		return
	}
	p.completeFromPage(&ex, link)
	if ex.Title == "" && strings.TrimSpace(ex.Body) == "" {
		p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
		p.skip(base.String(), skipExtract, fmt.Errorf("API item %d (%s) has no title and no text", i, key))
		return
	}
	docURL := link
	if docURL == "" {
		docURL = base.String()
	}
	doc := p.document(docURL, docURL, ex)
	if id != "" {
		doc.ID = model.DocumentID(key)
	}
	e := p.entryFor(key, pageItem)
	e.ItemHash = itemHash
	if prev != nil && prev.Hash == doc.ContentHash {
		p.updates[key] = e
		return
	}
	e.Hash = doc.ContentHash
	p.docs = append(p.docs, pendingDoc{doc: doc, key: key, entry: e, first: prev == nil || prev.Hash == ""})
}
