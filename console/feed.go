package console

import (
	"encoding/csv"
	"math/bits"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/store"
)

// feedPageSize is how many posts one page of the feed shows.
const feedPageSize = 30

// feedRow is a post of the feed with the reposts folded under it: the
// later posts of the same page that repeat it (near-duplicate text, or a
// 来源 line naming its source).
type feedRow struct {
	readmodel.PostItem
	Reposts []readmodel.PostItem
}

// facetGroup is one dimension's facet counts, with the link of each value.
type facetGroup struct {
	Param, Name string
	Values      []facetValue
}

type facetValue struct {
	Key, Name, Link string
	Count           int64
	Active          bool
}

// feedPage is the 信息流: the posts a filter selects (full-text search,
// time, source, tier, kind, sentiment, topic, region, scheme), with facet
// counts from the read side, reposts folded under the first publisher,
// paging and export.
func (c *Console) feedPage(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, filterParams, sortParams, []string{"page"}); err != nil {
		c.failPage(w, r, err)
		return
	}
	f, win, err := c.parseFilter(r, "all")
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	pageNo, err := intParam(r, "page", 1, 1, 10000)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	sort, err := parseSort(r)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	pq := f.Posts(feedPageSize, (pageNo-1)*feedPageSize)
	pq.Sort = sort
	// The page, its facets and how many of the result belong to an event
	// with an incident (the 已立案 facet), from one read.
	found, err := c.views.Search(r.Context(), store.SearchQuery{PostQuery: pq, By: []store.Dimension{store.BySentiment, store.ByKind,
		store.ByTier, store.BySource, store.ByTopic, store.ByRegion, store.ByScheme}, FacetLimit: 12})
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	list, facets := found.Posts, found.Facets
	q := r.URL.Query()
	q.Del("page")
	link := func(param, value string) string {
		l := url.Values{}
		for k, v := range q {
			l[k] = slices.Clone(v)
		}
		if l.Get(param) == value {
			l.Del(param)
		} else {
			l.Set(param, value)
		}
		return "/feed?" + l.Encode()
	}
	groups := []struct {
		d           store.Dimension
		param, name string
		label       func(string) string
	}{
		{store.BySentiment, "sentiment", "倾向", readmodel.SentimentName}, {store.ByKind, "kind", "来源类型", readmodel.KindName},
		{store.ByTier, "tier", "权威级别", nil}, {store.BySource, "source", "信息源", nil}, {store.ByTopic, "topic", "话题", nil},
		{store.ByRegion, "region", "地区", nil}, {store.ByScheme, "scheme", "监测方案", nil},
	}
	fg := []facetGroup{{Param: "incident", Name: "处置", Values: []facetValue{{Key: "1", Name: "已立案事件的信息", Count: found.InIncident,
		Link: link("incident", "1"), Active: f.HasIncident}}}}
	for _, g := range groups {
		grp := facetGroup{Param: g.param, Name: g.name}
		for _, v := range facets.By[g.d] {
			name := cmpOr(v.Label, v.Key)
			if g.label != nil {
				name = g.label(v.Key)
			}
			if name == "" {
				name = "其他"
			}
			grp.Values = append(grp.Values, facetValue{Key: v.Key, Name: name, Count: v.Count, Link: link(g.param, v.Key),
				Active: v.Key != "" && (q.Get(g.param) == v.Key || (g.param == "source" && f.SourceID == v.Key))})
		}
		fg = append(fg, grp)
	}
	pages := int((list.Total + feedPageSize - 1) / feedPageSize)
	pageLink := func(n int) string {
		l := url.Values{}
		for k, v := range q {
			l[k] = v
		}
		l.Set("page", strconv.Itoa(n))
		return "/feed?" + l.Encode()
	}
	data := map[string]any{"Rows": fold(list.Items), "Total": list.Total, "Facets": fg, "Filter": f, "Window": win, "Windows": windowOptions,
		"Query": q.Encode(), "CSV": "/feed/export?" + q.Encode(), "XLSX": "/feed/export?" + withParam(q, "format", "xlsx"), "Page": pageNo, "Pages": pages, "Source": q.Get("source"),
		"Sort": string(sort), "Event": f.Event}
	if pageNo > 1 {
		data["Prev"] = pageLink(pageNo - 1)
	}
	if pageNo < pages {
		data["Next"] = pageLink(pageNo + 1)
	}
	c.page(w, r, "feed", "信息流", "feed", data, "feed.js")
}

// fold puts each post of items that repeats an earlier-published one of
// items (near-duplicate text, or a 来源 line naming its source) under the
// first publisher, in whatever order items are (newest first, or by
// heat): the rows keep the order of their first publishers in items, and
// each row's reposts are oldest first.
func fold(items []readmodel.PostItem) []feedRow {
	// Oldest first (ties in reverse list order, as newest-first lists
	// break ties by ID descending), so that the first publisher heads its
	// reposts.
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := items[a].PublishedAt.Compare(items[b].PublishedAt); c != 0 {
			return c
		}
		return b - a
	})
	head := make([]int, len(items)) // item → the item heading its row
	for k, i := range order {
		it := items[i]
		head[i] = i
		for _, j := range order[:k] {
			p := items[j]
			near := it.SimHash != 0 && p.SimHash != 0 && bits.OnesCount64(it.SimHash^p.SimHash) <= 3
			named := it.Origin != "" && p.SourceName != "" && strings.Contains(it.Origin, p.SourceName)
			if near || named {
				head[i] = head[j]
				break
			}
		}
	}
	var rows []feedRow
	row := map[int]int{}
	for i, it := range items {
		if head[i] == i {
			row[i] = len(rows)
			rows = append(rows, feedRow{PostItem: it})
		}
	}
	for _, i := range order {
		if h := head[i]; h != i {
			rows[row[h]].Reposts = append(rows[row[h]].Reposts, items[i])
		}
	}
	return rows
}

// feedExport answers the feed's current result (every page, at most
// maxExport posts) as CSV, or with format=xlsx as a workbook.
func (c *Console) feedExport(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, filterParams, sortParams, []string{"format"}); err != nil {
		c.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "csv" && format != "xlsx" {
		c.fail(w, r, &badParam{"format", format, "must be csv or xlsx"})
		return
	}
	f, _, err := c.parseFilter(r, "all")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sort, err := parseSort(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	const maxExport = 10000
	var items []readmodel.PostItem
	for off := 0; off < maxExport; off += store.MaxPostLimit {
		pq := f.Posts(store.MaxPostLimit, off)
		pq.Sort = sort
		list, err := c.views.Posts(r.Context(), pq)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		items = append(items, list.Items...)
		if len(list.Items) < store.MaxPostLimit {
			break
		}
	}
	rows := [][]string{{"发布时间", "信息源", "来源类型", "权威级别", "标题", "倾向", "话题", "地区", "监测方案", "链接"}}
	for _, it := range items {
		var topics, regions, schemes []string
		for _, t := range it.Topics {
			topics = append(topics, t.Name)
		}
		for _, g := range it.Regions {
			regions = append(regions, g.Name)
		}
		for _, s := range it.Schemes {
			schemes = append(schemes, cmpOr(s.Name, s.ID))
		}
		rows = append(rows, []string{readmodel.Time(it.PublishedAt), it.SourceName, readmodel.KindName(it.SourceKind), it.Authority, it.Title,
			readmodel.SentimentName(it.Sentiment.Label), strings.Join(topics, "、"), strings.Join(regions, "、"), strings.Join(schemes, "、"), it.URL})
	}
	if format == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="yuqing-feed.xlsx"; filename*=UTF-8''`+url.PathEscape("信息流导出.xlsx"))
		if err := writeXLSX(w, "信息流", rows); err != nil {
			c.log.Warn("cannot write an export", "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="yuqing-feed.csv"; filename*=UTF-8''`+url.PathEscape("信息流导出.csv"))
	_, _ = w.Write([]byte("\xef\xbb\xbf")) // a BOM, so that Excel reads UTF-8
	cw := csv.NewWriter(w)
	_ = cw.WriteAll(rows)
}

// postPage shows one post with its whole analysis and the control to
// correct its sentiment.
func (c *Console) postPage(w http.ResponseWriter, r *http.Request) {
	it, err := c.views.Post(r.Context(), r.PathValue("id"))
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	c.page(w, r, "post", it.Title, "feed", it, "feed.js")
}

// eventsPage lists the hottest events of a window.
func (c *Console) eventsPage(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, []string{"window", "since", "until"}); err != nil {
		c.failPage(w, r, err)
		return
	}
	win, err := parseWindow(r, c.now(), "30d")
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	evs, err := c.st.TopEvents(r.Context(), store.EventQuery{Since: win.Since, Until: win.Until, Limit: 100})
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	var rows []readmodel.EventRow
	for _, ev := range evs {
		rows = append(rows, readmodel.NewEventRow(ev))
	}
	c.page(w, r, "events", "事件分析", "events", map[string]any{"Rows": rows, "Window": win, "Windows": windowOptions})
}

// eventPage is an event's analysis: its timeline by tier, the first
// publisher and who repeated whom, the media and tiers, sentiment over
// time, representative posts, regions and its incident; and the form to
// open an incident on it by hand.
func (c *Console) eventPage(w http.ResponseWriter, r *http.Request) {
	a, err := c.views.EventAnalysis(r.Context(), r.PathValue("id"))
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	c.page(w, r, "event", a.Detail.Event.Title, "events", a, "echarts.min.js", "charts.js", "event.js")
}

// eventAnalysis answers the charts' data of an event's analysis page.
func (c *Console) eventAnalysis(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	a, err := c.views.EventAnalysis(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"hours": a.Hours, "by_tier": a.ByTier, "by_sentiment": a.BySentiment, "tiers": a.Tiers})
}

// withParam returns q with name set to value, encoded.
func withParam(q url.Values, name, value string) string {
	l := url.Values{}
	for k, v := range q {
		l[k] = v
	}
	l.Set(name, value)
	return l.Encode()
}
