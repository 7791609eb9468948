package store

import (
	"math"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// The rollup: post counts per China hour that a store keeps beside the
// posts as they are written, replaced and corrected, so that the read side
// counts a window of many posts from a few rows per hour instead of a
// GROUP BY over the posts (issue 12). Both drivers keep it; this file
// holds what they share: the rows one post adds (RollupRowsOf) and how a
// filter is answered from them (PlanRollup).
//
// A rollup row is (scope, scope key, dim, hour, sentiment, key, label):
// how many posts of hour number `hour` (StepHour's index), with
// `sentiment` as corrected, within the scope have the value `key` of
// dimension `dim` under that label (the greatest name the post gives the
// key), and the sum of their weights (keywords only). The label is part
// of the row so that a replaced version's name leaves with it. The scope
// is everything ("", "") or the posts of one scheme, one region or one
// topic: what a filter of one of those can be answered with. The dim ""
// with key "" counts the posts themselves (the total, and by sentiment);
// the others are the dimensions of Dimension but sentiment, and "term" for
// the keywords of TopTerms. A post adds 1 to every row of each distinct
// value it has, once per distinct scope it is in.

// Rollup dimension names of what is not a Dimension.
const (
	RollupPosts = ""     // the posts themselves
	RollupTerm  = "term" // keywords
)

// RollupScopes are the dimensions a rollup row can be scoped to, besides
// everything.
var RollupScopes = []Dimension{ByScheme, ByRegion, ByTopic}

// RollupDims are the rollup's dimensions, in the order RollupRowsOf gives
// a post's rows.
var RollupDims = []string{RollupPosts, string(BySource), string(ByTier), string(ByKind),
	string(ByTopic), string(ByRegion), string(ByScheme), RollupTerm}

// RollupRow is one row a post adds 1 to (and Weight to its weight).
type RollupRow struct {
	Scope, ScopeKey, Dim, Key, Label string
	Weight                           float64
}

// RollupRowsOf returns the hour of p (StepHour's index of its publish
// time) and the rows it adds to; ok is false when the publish time cannot
// be stored (writing the post fails then).
func RollupRowsOf(p *model.Post) (hour int64, rows []RollupRow, ok bool) {
	published, err := UnixNanos("published_at", p.PublishedAt)
	if err != nil {
		return 0, nil, false
	}
	hour = floorDiv(published+ChinaOffsetNanos, int64(time.Hour))
	type value struct {
		key, label string
		w          float64
	}
	distinct := func(n int, kv func(i int) (string, string, float64)) []value {
		var out []value
		at := map[string]int{}
		for i := range n {
			k, l, w := kv(i)
			if j, ok := at[k]; ok {
				out[j].label, out[j].w = max(out[j].label, l), out[j].w+w
				continue
			}
			at[k] = len(out)
			out = append(out, value{k, l, w})
		}
		return out
	}
	topics := distinct(len(p.Topics), func(i int) (string, string, float64) { return p.Topics[i].Name, "", 0 })
	regions := distinct(len(p.Regions), func(i int) (string, string, float64) { return p.Regions[i].Code, p.Regions[i].Name, 0 })
	schemes := distinct(len(p.Schemes), func(i int) (string, string, float64) { return p.Schemes[i].ID, p.Schemes[i].Name, 0 })
	terms := distinct(len(p.Keywords), func(i int) (string, string, float64) { return p.Keywords[i].Word, "", p.Keywords[i].Weight })
	values := [][]value{{{}}, {{p.SourceID, p.SourceName, 0}}, {{p.Authority, "", 0}}, {{p.SourceKind, "", 0}}, topics, regions, schemes, terms}
	scopes := []struct {
		dim    string
		values []value
	}{{"", []value{{}}}, {string(ByScheme), schemes}, {string(ByRegion), regions}, {string(ByTopic), topics}}
	for _, sc := range scopes {
		for _, s := range sc.values {
			for i, dim := range RollupDims {
				for _, v := range values[i] {
					rows = append(rows, RollupRow{Scope: sc.dim, ScopeKey: s.key, Dim: dim, Key: v.key, Label: v.label, Weight: v.w})
				}
			}
		}
	}
	return hour, rows, true
}

// RollupPlan is how a filter is counted from the rollup: the scope and
// the sentiment (empty: any), the whole hours [Lo, Hi) of the window
// (math.MinInt64 and math.MaxInt64 when open), and the parts of the window
// outside whole hours (Edges), which are counted from the posts.
type RollupPlan struct {
	Scope, ScopeKey string
	Sentiment       string
	Lo, Hi          int64
	// Edges are the half-open ranges of Unix nanoseconds of the window
	// outside the whole hours; the filter to count them by is Rest (the
	// filter without its window).
	Edges [][2]int64
	Rest  Filter
}

// PlanRollup returns the rollup plan of f, or false when f is not
// expressible on the rollup: anything but a window, a sentiment and at
// most one of scheme, region and topic (full-text search, a source, tier
// or kind, an event, has-incident — and any filter field added later,
// which the rollup cannot know). A window that holds no whole hour is one
// edge.
func PlanRollup(f Filter) (RollupPlan, bool) {
	other := f
	other.Sentiment, other.Scheme, other.Region, other.Topic = "", "", "", ""
	other.Since, other.Until = time.Time{}, time.Time{}
	if other != (Filter{}) {
		return RollupPlan{}, false
	}
	p := RollupPlan{Sentiment: f.Sentiment, Lo: math.MinInt64, Hi: math.MaxInt64}
	for _, s := range []struct {
		d Dimension
		v string
	}{{ByScheme, f.Scheme}, {ByRegion, f.Region}, {ByTopic, f.Topic}} {
		if s.v == "" {
			continue
		}
		if p.Scope != "" {
			return RollupPlan{}, false
		}
		p.Scope, p.ScopeKey = string(s.d), s.v
	}
	hour := int64(time.Hour)
	p.Rest = f
	p.Rest.Since, p.Rest.Until = time.Time{}, time.Time{}
	if !f.Since.IsZero() {
		s, err := UnixNanos("since", f.Since)
		if err != nil {
			return RollupPlan{}, false
		}
		p.Lo = -floorDiv(-(s + ChinaOffsetNanos), hour) // ceiling
		if start := p.Lo*hour - ChinaOffsetNanos; start > s {
			p.Edges = append(p.Edges, [2]int64{s, start})
		}
	}
	if !f.Until.IsZero() {
		u, err := UnixNanos("until", f.Until)
		if err != nil {
			return RollupPlan{}, false
		}
		p.Hi = floorDiv(u+ChinaOffsetNanos, hour)
		if start := p.Hi*hour - ChinaOffsetNanos; start < u {
			p.Edges = append(p.Edges, [2]int64{start, u})
		}
	}
	if p.Lo >= p.Hi {
		// No whole hour (both ends are set then, as an open end holds
		// hours): the edges above overlap, so the window is the only edge.
		s, _ := UnixNanos("since", f.Since)
		u, _ := UnixNanos("until", f.Until)
		p.Lo, p.Edges = p.Hi, nil
		if s < u {
			p.Edges = [][2]int64{{s, u}}
		}
	}
	return p, true
}

// RollupDim is how dimension d is read from the rollup: the rows' dim and
// whether the key is the rows' sentiment (BySentiment) rather than their
// key. The empty dimension is the total.
func RollupDim(d Dimension) (dim string, bySentiment bool) {
	switch d {
	case "":
		return RollupPosts, false
	case BySentiment:
		return RollupPosts, true
	}
	return string(d), false
}
