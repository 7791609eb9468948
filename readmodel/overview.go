package readmodel

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Overview is the 态势总览 of a window and scope: every figure counted by
// the store's read side (store.Aggregates), none by reading posts here.
type Overview struct {
	// Filter is the window and scope the figures are of.
	Filter store.Filter `json:"-"`
	Step   store.Step   `json:"-"`
	// Total, Negative and Positive count the posts in the window.
	Total    int64 `json:"total"`
	Negative int64 `json:"negative"`
	Positive int64 `json:"positive"`
	// Buckets label the series' points (12月2日 14时, 12月2日).
	Buckets []string `json:"buckets"`
	// Volume is posts over time by source kind; Tiers by authority tier;
	// Sentiment by sentiment label.
	Volume    []NamedSeries `json:"volume"`
	Tiers     []NamedSeries `json:"tiers"`
	Sentiment []NamedSeries `json:"sentiment"`
	// Shares are the sentiment counts; Topics, Regions, Sources and
	// Schemes ranked; Terms the hot keywords.
	Shares  []NamedCount `json:"shares"`
	Topics  []NamedCount `json:"topics"`
	Regions []NamedCount `json:"regions"`
	Sources []NamedCount `json:"sources"`
	Schemes []NamedCount `json:"schemes"`
	Terms   []NamedCount `json:"terms"`
	// Events are the hottest events active in the window.
	Events []EventRow `json:"events"`
	// Attention are the latest negative posts of the window.
	Attention []PostItem `json:"-"`
	// Incidents are the open incidents, the nearest deadline first.
	Incidents []IncidentRow `json:"-"`
}

// NamedSeries is one line of a chart.
type NamedSeries struct {
	Key    string  `json:"key"`
	Name   string  `json:"name"`
	Counts []int64 `json:"counts"`
	Total  int64   `json:"total"`
}

// NamedCount is one bar of a ranking.
type NamedCount struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// EventRow is an event in a ranking.
type EventRow struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Heat      float64 `json:"heat"`
	Posts     int     `json:"posts"`
	Negative  int     `json:"negative"`
	Sources   int     `json:"sources"`
	FirstSeen string  `json:"first_seen"`
	LastSeen  string  `json:"last_seen"`
	Incident  string  `json:"incident,omitempty"`
	// Trend counts the event's posts in the overview's window, per hour
	// (per day for a window longer than a week), counted by the read side;
	// empty outside the overview.
	Trend []int64 `json:"trend,omitempty"`
}

// NewEventRow is ev as a ranking shows it.
func NewEventRow(ev model.Event) EventRow {
	return EventRow{ID: ev.ID, Title: ev.Title, Heat: ev.Heat, Posts: ev.PostCount, Negative: ev.NegativeCount,
		Sources: ev.SourceCount, FirstSeen: Time(ev.FirstSeen), LastSeen: Time(ev.LastSeen), Incident: ev.IncidentID}
}

// IncidentRow is an incident in a list: its nearest pending deadline.
type IncidentRow struct {
	model.Incident
	// Next is the pending obligation due first; nil when none is pending.
	Next *model.Obligation
	// Latency is the time from the clock's start to the first response
	// (the earliest evidence), in words; empty before any response.
	Latency string
}

// NewIncidentRow is inc with its nearest pending deadline.
func NewIncidentRow(inc model.Incident) IncidentRow {
	row := IncidentRow{Incident: inc}
	var first time.Time
	for _, o := range inc.Obligations {
		if o.Evidence != nil && (first.IsZero() || o.Evidence.PublishedAt.Before(first)) {
			first = o.Evidence.PublishedAt
		}
	}
	if !first.IsZero() && !inc.ClockStart.IsZero() {
		row.Latency = Duration(first.Sub(inc.ClockStart))
	}
	for i, o := range inc.Obligations {
		if o.State == model.ObligationPending && (row.Next == nil || o.DueAt.Before(row.Next.DueAt)) {
			row.Next = &inc.Obligations[i]
		}
	}
	return row
}

// BucketLabel says the start of a bucket of step as a chart's axis does.
func BucketLabel(step store.Step, t time.Time) string {
	c := t.In(model.China)
	switch step {
	case store.StepHour:
		return fmt.Sprintf("%d月%d日 %d时", int(c.Month()), c.Day(), c.Hour())
	case store.StepMonth:
		return fmt.Sprintf("%d年%d月", c.Year(), int(c.Month()))
	case store.StepWeek:
		return fmt.Sprintf("%d月%d日当周", int(c.Month()), c.Day())
	}
	return fmt.Sprintf("%d月%d日", int(c.Month()), c.Day())
}

// Overview returns the 态势总览 of the posts f selects, in buckets of step.
func (v *Views) Overview(ctx context.Context, f store.Filter, step store.Step) (Overview, error) {
	o := Overview{Filter: f, Step: step}
	facets, err := v.st.PostFacets(ctx, store.FacetQuery{Filter: f, By: []store.Dimension{store.BySentiment, store.ByTopic,
		store.ByRegion, store.BySource, store.ByScheme}, Limit: 15})
	if err != nil {
		return Overview{}, fmt.Errorf("cannot count the overview's posts: %w", err)
	}
	o.Total = facets.Total
	for _, fv := range facets.By[store.BySentiment] {
		o.Shares = append(o.Shares, NamedCount{fv.Key, SentimentName(fv.Key), fv.Count})
		switch fv.Key {
		case model.Negative:
			o.Negative = fv.Count
		case model.Positive:
			o.Positive = fv.Count
		}
	}
	named := func(d store.Dimension) []NamedCount {
		out := []NamedCount{}
		for _, fv := range facets.By[d] {
			name := fv.Label
			if name == "" {
				name = fv.Key
			}
			out = append(out, NamedCount{fv.Key, name, fv.Count})
		}
		return out
	}
	o.Topics, o.Regions, o.Sources, o.Schemes = named(store.ByTopic), named(store.ByRegion), named(store.BySource), named(store.ByScheme)

	series := func(by store.Dimension, name func(string) string) ([]NamedSeries, error) {
		s, err := v.st.PostSeries(ctx, store.SeriesQuery{Filter: f, Step: step, By: by, Limit: 8})
		if err != nil {
			return nil, fmt.Errorf("cannot count the overview's posts over time by %s: %w", by, err)
		}
		if o.Buckets == nil {
			o.Buckets = make([]string, len(s.Buckets))
			for i, b := range s.Buckets {
				o.Buckets[i] = BucketLabel(step, b)
			}
		}
		out := []NamedSeries{}
		for _, l := range s.Lines {
			out = append(out, NamedSeries{l.Key, name(l.Key), l.Counts, l.Total})
		}
		return out, nil
	}
	if o.Volume, err = series(store.ByKind, KindName); err != nil {
		return Overview{}, err
	}
	tier := func(k string) string {
		if k == "" {
			return "其他"
		}
		return k
	}
	if o.Tiers, err = series(store.ByTier, tier); err != nil {
		return Overview{}, err
	}
	if o.Sentiment, err = series(store.BySentiment, SentimentName); err != nil {
		return Overview{}, err
	}
	if o.Buckets == nil {
		o.Buckets = []string{}
	}
	terms, err := v.st.TopTerms(ctx, store.TermQuery{Filter: f, Limit: 30})
	if err != nil {
		return Overview{}, fmt.Errorf("cannot count the overview's hot terms: %w", err)
	}
	o.Terms = []NamedCount{}
	for _, t := range terms {
		o.Terms = append(o.Terms, NamedCount{t.Term, t.Term, t.Posts})
	}
	// A scoped overview (a scheme, a region, any filter beyond the
	// window) ranks the hottest events that have posts in the scope, and
	// their sparklines count those posts.
	scope := f
	scope.Since, scope.Until = time.Time{}, time.Time{}
	scoped := scope != store.Filter{}
	limit := 10
	if scoped {
		limit = 40
	}
	evs, err := v.st.TopEvents(ctx, store.EventQuery{Since: f.Since, Until: f.Until, Limit: limit})
	if err != nil {
		return Overview{}, fmt.Errorf("cannot rank the overview's events: %w", err)
	}
	o.Events = []EventRow{}
	for _, ev := range evs {
		if len(o.Events) == 10 {
			break
		}
		if scoped {
			in := f
			in.Event = ev.ID
			fs, err := v.st.PostFacets(ctx, store.FacetQuery{Filter: in})
			if err != nil {
				return Overview{}, fmt.Errorf("cannot count the posts of event %q in the scope: %w", ev.ID, err)
			}
			if fs.Total == 0 {
				continue
			}
		}
		row := NewEventRow(ev)
		if row.Trend, err = v.eventTrend(ctx, ev, f); err != nil {
			return Overview{}, err
		}
		o.Events = append(o.Events, row)
	}
	nf := f
	nf.Sentiment = model.Negative
	neg, err := v.Posts(ctx, nf.Posts(10, 0))
	if err != nil {
		return Overview{}, err
	}
	o.Attention = neg.Items
	incs, err := v.st.ListIncidents(ctx, store.IncidentQuery{OnlyOpen: true, Limit: 100})
	if err != nil {
		return Overview{}, fmt.Errorf("cannot list open incidents: %w", err)
	}
	for _, inc := range incs {
		o.Incidents = append(o.Incidents, NewIncidentRow(inc))
	}
	SortByDeadline(o.Incidents)
	return o, nil
}

// eventTrend counts ev's posts that f selects in f's window (the event's
// own span when the window is open) per hour, or per day for a span of more than a
// week: the ranking's sparkline.
func (v *Views) eventTrend(ctx context.Context, ev model.Event, f store.Filter) ([]int64, error) {
	q := store.SeriesQuery{Filter: f, Step: store.StepHour}
	q.Event = ev.ID
	if q.Since.IsZero() {
		q.Since = ev.FirstSeen
	}
	if q.Until.IsZero() {
		q.Until = ev.LastSeen.Add(time.Hour)
	}
	if !q.Since.Before(q.Until) {
		return []int64{}, nil
	}
	if q.Until.Sub(q.Since) > 7*24*time.Hour {
		q.Step = store.StepDay
	}
	s, err := v.st.PostSeries(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("cannot count the posts of event %q over time: %w", ev.ID, err)
	}
	if len(s.Lines) == 0 {
		return make([]int64, len(s.Buckets)), nil
	}
	return s.Lines[0].Counts, nil
}

// SortByDeadline orders rows by their nearest pending deadline, those
// without one last, most recently opened first among equals.
func SortByDeadline(rows []IncidentRow) {
	slices.SortStableFunc(rows, func(a, b IncidentRow) int {
		switch {
		case a.Next == nil && b.Next == nil:
			return b.OpenedAt.Compare(a.OpenedAt)
		case a.Next == nil:
			return 1
		case b.Next == nil:
			return -1
		}
		return a.Next.DueAt.Compare(b.Next.DueAt)
	})
}
