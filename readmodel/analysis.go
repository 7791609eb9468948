package readmodel

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// EventAnalysis is an event as its analysis page shows it: its figures
// (posts per hour by tier and by sentiment, the rankings) counted by the
// store's read side over the event's posts (store.Filter.Event); the first
// publisher, the provenance chain and the viewpoints from its timeline (at
// most MaxTimeline posts, the event's own).
type EventAnalysis struct {
	Detail EventDetail
	// Hours label the hours from the first post to the last; ByTier and
	// BySentiment count the posts of each hour.
	Hours       []string      `json:"hours"`
	ByTier      []NamedSeries `json:"by_tier"`
	BySentiment []NamedSeries `json:"by_sentiment"`
	// Tiers, Media and Regions rank the posts by authority tier, source
	// and region named.
	Tiers []NamedCount `json:"tiers"`
	Media []NamedCount `json:"media"`
	// Kinds rank the posts by their source's kind (新闻网站, 论坛, ...).
	Kinds   []NamedCount `json:"-"`
	Regions []NamedCount `json:"regions"`
	// First is who published first; Chain who repeated whom, in order.
	First *TimelineItem `json:"-"`
	Chain []ChainLink   `json:"-"`
	// Views are the representative posts: each post that says something
	// new, with how many posts repeated it, the most repeated first.
	Views []Viewpoint `json:"-"`
	// Incident is the incident opened on the event, if any.
	Incident *model.Incident `json:"-"`
	// Related are every incident of the event: the one the responder
	// opened and those people opened on it by hand, most recent first.
	Related []model.Incident `json:"-"`
	// OpenRelated is set when one of Related is still open.
	OpenRelated bool `json:"-"`
	// Edits are the event's history and merge targets (eventedits.go).
	Edits EventEdits `json:"-"`
}

// ChainLink is one repetition: a post and the post it repeats.
type ChainLink struct {
	Post TimelineItem
	Of   TimelineItem
}

// Viewpoint is a post that says something new and how many repeat it.
type Viewpoint struct {
	Post    TimelineItem
	Repeats int
}

// EventAnalysis returns the analysis of event id, or an error wrapping
// store.ErrNotFound.
func (v *Views) EventAnalysis(ctx context.Context, id string) (EventAnalysis, error) {
	d, err := v.Event(ctx, id)
	if err != nil {
		return EventAnalysis{}, err
	}
	a := EventAnalysis{Detail: d, Hours: []string{}}
	if d.Event.IncidentID != "" {
		if inc, err := v.st.GetIncident(ctx, d.Event.IncidentID); err == nil {
			a.Incident = &inc
		}
	}
	// Incidents are few; those of the event are found among the latest.
	incs, err := v.st.ListIncidents(ctx, store.IncidentQuery{Limit: 1000})
	if err != nil {
		return EventAnalysis{}, fmt.Errorf("cannot list the incidents of event %q: %w", id, err)
	}
	for _, inc := range incs {
		if inc.EventID == id || inc.ID == d.Event.IncidentID {
			a.Related = append(a.Related, inc)
			a.OpenRelated = a.OpenRelated || inc.Open
		}
	}
	if err := v.eventCounts(ctx, &a); err != nil {
		return EventAnalysis{}, err
	}
	if err := v.eventEdits(ctx, &a); err != nil {
		return EventAnalysis{}, err
	}
	tl := d.Timeline
	if len(tl) == 0 {
		return a, nil
	}
	a.First = &tl[0]
	byID := map[string]TimelineItem{}
	for _, it := range tl {
		byID[it.ID] = it
	}
	repeats := map[string]int{}
	root := func(it TimelineItem) string {
		for seen := 0; it.RepostOf != "" && seen < len(tl); seen++ {
			p, ok := byID[it.RepostOf]
			if !ok {
				break
			}
			it = p
		}
		return it.ID
	}
	for _, it := range tl {
		if it.RepostOf != "" {
			a.Chain = append(a.Chain, ChainLink{Post: it, Of: byID[it.RepostOf]})
			repeats[root(it)]++
		}
	}
	for _, it := range tl {
		if it.RepostOf == "" {
			a.Views = append(a.Views, Viewpoint{Post: it, Repeats: repeats[it.ID]})
		}
	}
	slices.SortStableFunc(a.Views, func(x, y Viewpoint) int { return cmp.Compare(y.Repeats, x.Repeats) })
	if len(a.Views) > 10 {
		a.Views = a.Views[:10]
	}
	return a, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var _ = time.Hour

// eventCounts fills a's series and rankings from the read side: the posts
// of the event, by the hour from the hour of the first (the event's first
// sighting or its earliest post) to that of the last, at most two weeks of
// hours (the latest).
func (v *Views) eventCounts(ctx context.Context, a *EventAnalysis) error {
	ev, tl := a.Detail.Event, a.Detail.Timeline
	since, until := ev.FirstSeen, ev.LastSeen
	if len(tl) > 0 {
		if p := tl[0].PublishedAt; since.IsZero() || p.Before(since) {
			since = p
		}
		if p := tl[len(tl)-1].PublishedAt; p.After(until) {
			until = p
		}
	}
	if since.IsZero() || until.IsZero() {
		return nil
	}
	first, last := store.StepHour.Index(since), store.StepHour.Index(until)
	if last-first > 24*14 {
		first = last - 24*14
	}
	f := store.Filter{Event: ev.ID, Since: store.StepHour.Start(first), Until: store.StepHour.Start(last + 1)}
	series := func(by store.Dimension, name func(string) string) ([]NamedSeries, error) {
		s, err := v.st.PostSeries(ctx, store.SeriesQuery{Filter: f, Step: store.StepHour, By: by})
		if err != nil {
			return nil, fmt.Errorf("cannot count the posts of event %q over time by %s: %w", ev.ID, by, err)
		}
		if len(a.Hours) == 0 {
			for _, b := range s.Buckets {
				a.Hours = append(a.Hours, BucketLabel(store.StepHour, b))
			}
		}
		out := []NamedSeries{}
		for _, l := range s.Lines {
			out = append(out, NamedSeries{Key: l.Key, Name: name(l.Key), Counts: l.Counts, Total: l.Total})
		}
		return out, nil
	}
	var err error
	if a.ByTier, err = series(store.ByTier, func(k string) string { return cmpOr(k, "其他") }); err != nil {
		return err
	}
	if a.BySentiment, err = series(store.BySentiment, SentimentName); err != nil {
		return err
	}
	fs, err := v.st.PostFacets(ctx, store.FacetQuery{Filter: store.Filter{Event: ev.ID},
		By: []store.Dimension{store.ByTier, store.BySource, store.ByRegion, store.ByKind}, Limit: 20})
	if err != nil {
		return fmt.Errorf("cannot count the posts of event %q: %w", ev.ID, err)
	}
	rank := func(d store.Dimension, name func(key, label string) string) []NamedCount {
		out := []NamedCount{}
		for _, fv := range fs.By[d] {
			out = append(out, NamedCount{Key: fv.Key, Name: name(fv.Key, fv.Label), Count: fv.Count})
		}
		return out
	}
	labelled := func(key, label string) string { return cmpOr(cmpOr(label, key), "其他") }
	a.Tiers = rank(store.ByTier, labelled)
	a.Media = rank(store.BySource, labelled)
	a.Regions = rank(store.ByRegion, labelled)
	a.Kinds = rank(store.ByKind, func(key, _ string) string {
		if key == "" {
			return "其他"
		}
		return KindName(key)
	})
	return nil
}
