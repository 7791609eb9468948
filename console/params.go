package console

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file reads the query parameters the pages and the API share: the
// filter of posts (the same names and meanings everywhere) and the window.

// filterParams are the parameters of a post filter.
var filterParams = []string{"q", "source", "sentiment", "scheme", "region", "topic", "tier", "kind", "since", "until", "window", "incident", "event"}

// sortParams are the parameters of the order of a list of posts: sort,
// time (newest first, the default) or heat (the hottest event first).
var sortParams = []string{"sort"}

// parseSort reads sort: time or heat.
func parseSort(r *http.Request) (store.PostSort, error) {
	switch v := r.URL.Query().Get("sort"); v {
	case "", "time":
		return store.SortTime, nil
	case "heat":
		return store.SortHeat, nil
	default:
		return "", &badParam{"sort", v, "must be time or heat"}
	}
}

// checkParams answers 400 naming every query parameter of r that is not
// among allowed, so that a misspelt or unsupported filter is never ignored
// silently.
func checkParams(r *http.Request, allowed ...[]string) error {
	var unknown []string
	for name := range r.URL.Query() {
		if !slices.ContainsFunc(allowed, func(a []string) bool { return slices.Contains(a, name) }) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	var all []string
	for _, a := range allowed {
		all = append(all, a...)
	}
	return &badParam{unknown[0], r.URL.Query().Get(unknown[0]), fmt.Sprintf("unknown query parameter (unknown: %s; known: %s)",
		strings.Join(unknown, ", "), strings.Join(all, ", "))}
}

// Windows are the time windows of the overview and the feed.
var windows = map[string]string{"today": "今天", "24h": "24小时", "7d": "7天", "30d": "30天", "custom": "自定义", "all": "全部"}

// window is the time window a request asks for.
type window struct {
	Key, Name    string
	Since, Until time.Time
	Step         store.Step
	// SinceDay and UntilDay are the custom window's days (YYYY-MM-DD),
	// for the date controls.
	SinceDay, UntilDay string
}

// parseWindow reads window (today, 24h, 7d, 30d, custom, all; def when
// absent) and, for custom or on their own, since and until: RFC 3339
// times, or days (YYYY-MM-DD, China time; until's day included).
func parseWindow(r *http.Request, now time.Time, def string) (window, error) {
	q := r.URL.Query()
	key := q.Get("window")
	if key == "" {
		key = def
		if q.Get("since") != "" || q.Get("until") != "" {
			key = "custom"
		}
	}
	name, ok := windows[key]
	if !ok {
		return window{}, &badParam{"window", key, "must be today, 24h, 7d, 30d, custom or all"}
	}
	w := window{Key: key, Name: name, Until: now}
	switch key {
	case "today":
		c := now.In(model.China)
		w.Since = time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, model.China)
	case "24h":
		w.Since = now.Add(-24 * time.Hour)
	case "7d":
		w.Since = now.Add(-7 * 24 * time.Hour)
	case "30d":
		w.Since = now.Add(-30 * 24 * time.Hour)
	case "all":
		w.Until = time.Time{}
	case "custom":
		var err error
		if w.Since, w.SinceDay, err = dayOrTime(r, "since", false); err != nil {
			return window{}, err
		}
		if w.Until, w.UntilDay, err = dayOrTime(r, "until", true); err != nil {
			return window{}, err
		}
		if !w.Since.IsZero() && !w.Until.IsZero() && !w.Since.Before(w.Until) {
			return window{}, &badParam{"until", q.Get("until"), "must be after since"}
		}
	}
	w.Step = store.StepDay
	if !w.Since.IsZero() && (w.Until.IsZero() || w.Until.Sub(w.Since) <= 3*24*time.Hour) {
		w.Step = store.StepHour
	}
	if w.Since.IsZero() || (!w.Until.IsZero() && w.Until.Sub(w.Since) > 120*24*time.Hour) {
		w.Step = store.StepWeek
	}
	if w.SinceDay == "" && !w.Since.IsZero() {
		w.SinceDay = w.Since.In(model.China).Format("2006-01-02")
	}
	if w.UntilDay == "" && !w.Until.IsZero() {
		w.UntilDay = w.Until.In(model.China).Format("2006-01-02")
	}
	return w, nil
}

func dayOrTime(r *http.Request, name string, end bool) (time.Time, string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, "", nil
	}
	if d, err := time.ParseInLocation("2006-01-02", v, model.China); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, v, nil
	}
	t, err := timeParam(r, name)
	if err != nil {
		return time.Time{}, "", &badParam{name, v, "not an RFC 3339 time such as 2026-11-21T08:00:00+08:00, nor a day such as 2026-11-21"}
	}
	return t, t.In(model.China).Format("2006-01-02"), nil
}

// parseFilter reads the post filter of r: q, source (its ID or its name),
// region (its code or its name), sentiment, scheme, topic, tier, kind,
// incident (1: only the posts of events an incident was opened on), event
// (an event's ID: its posts) and the window (see parseWindow; def is the
// window when none is given).
func (c *Console) parseFilter(r *http.Request, def string) (store.Filter, window, error) {
	q := r.URL.Query()
	f := store.Filter{Text: strings.TrimSpace(q.Get("q")), Sentiment: q.Get("sentiment"), Scheme: q.Get("scheme"),
		Region: q.Get("region"), Topic: q.Get("topic"), Tier: q.Get("tier"), Kind: q.Get("kind")}
	switch f.Sentiment {
	case "", model.Positive, model.Neutral, model.Negative:
	default:
		return store.Filter{}, window{}, &badParam{"sentiment", f.Sentiment, "must be positive, neutral or negative"}
	}
	switch f.Tier {
	case "", model.TierOfficial, model.TierCentral, model.TierProvincial, model.TierLocal, model.TierSelfMedia, model.TierForum:
	default:
		return store.Filter{}, window{}, &badParam{"tier", f.Tier, "must be 官方, 中央媒体, 省级媒体, 地方媒体, 自媒体 or 论坛"}
	}
	switch f.Kind {
	case "", model.KindPortal, model.KindNews, model.KindForum, model.KindFeed:
	default:
		return store.Filter{}, window{}, &badParam{"kind", f.Kind, "must be portal, news, forum or feed"}
	}
	switch v := q.Get("incident"); v {
	case "", "0", "false":
	case "1", "true":
		f.HasIncident = true
	default:
		return store.Filter{}, window{}, &badParam{"incident", v, "must be 1 (only the posts of events with an incident) or 0"}
	}
	f.Event = q.Get("event")
	if reg := q.Get("region"); reg != "" && !isCode(reg) {
		code, err := c.labelKey(r, store.ByRegion, reg)
		if err != nil {
			return store.Filter{}, window{}, err
		}
		f.Region = code
	}
	if src := q.Get("source"); src != "" {
		id, err := c.sourceID(r, src)
		if err != nil {
			return store.Filter{}, window{}, err
		}
		f.SourceID = id
	}
	w, err := parseWindow(r, c.now(), def)
	if err != nil {
		return store.Filter{}, window{}, err
	}
	f.Since, f.Until = w.Since, w.Until
	return f, w, nil
}

// sourceID returns the ID of the source named or identified by v: an ID
// is itself; a name is the ID of the source of that name in the settings
// (its name now), else among the posts stored (the name they were
// collected under, counted by the read side). A value that is neither is
// an ID no post has, which selects nothing.
func (c *Console) sourceID(r *http.Request, v string) (string, error) {
	items, _, err := c.sourceItems(r)
	if err != nil {
		return "", err
	}
	if it, ok := lookupSource(items, v); ok {
		return it.ID, nil
	}
	return c.labelKey(r, store.BySource, v)
}

// labelKey returns the key of the value of dimension d that is v or is
// labelled v (a source's or a region's name), counted by the read side;
// v itself when none is.
func (c *Console) labelKey(r *http.Request, d store.Dimension, v string) (string, error) {
	fs, err := c.st.PostFacets(r.Context(), store.FacetQuery{By: []store.Dimension{d}})
	if err != nil {
		return "", err
	}
	for _, s := range fs.By[d] {
		if s.Key == v {
			return v, nil
		}
	}
	for _, s := range fs.By[d] {
		if s.Label == v {
			return s.Key, nil
		}
	}
	return v, nil
}

// isCode reports whether v looks like a GB/T 2260 code: six digits.
func isCode(v string) bool {
	if len(v) != 6 {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
