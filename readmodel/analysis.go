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

// EventAnalysis is an event as its analysis page shows it: computed from
// its timeline (at most MaxTimeline posts, the event's own), never from a
// scan of the posts.
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
	tl := d.Timeline
	if len(tl) == 0 {
		return a, nil
	}
	first := store.StepHour.Index(tl[0].PublishedAt)
	last := store.StepHour.Index(tl[len(tl)-1].PublishedAt)
	if last-first > 24*14 {
		first = last - 24*14 // two weeks of hours at most
	}
	n := int(last - first + 1)
	for i := first; i <= last; i++ {
		a.Hours = append(a.Hours, BucketLabel(store.StepHour, store.StepHour.Start(i)))
	}
	lines := func(key func(TimelineItem) string, name func(string) string) []NamedSeries {
		m := map[string]*NamedSeries{}
		for _, it := range tl {
			b := store.StepHour.Index(it.PublishedAt) - first
			if b < 0 {
				continue
			}
			k := key(it)
			l := m[k]
			if l == nil {
				l = &NamedSeries{Key: k, Name: name(k), Counts: make([]int64, n)}
				m[k] = l
			}
			l.Counts[b]++
			l.Total++
		}
		var out []NamedSeries
		for _, l := range m {
			out = append(out, *l)
		}
		slices.SortFunc(out, func(x, y NamedSeries) int {
			return cmp.Or(cmp.Compare(y.Total, x.Total), cmp.Compare(x.Key, y.Key))
		})
		return out
	}
	tierName := func(k string) string { return cmpOr(k, "其他") }
	a.ByTier = lines(func(it TimelineItem) string { return it.Authority }, tierName)
	a.BySentiment = lines(func(it TimelineItem) string { return it.Sentiment }, SentimentName)
	rank := func(keys func(TimelineItem) []string) []NamedCount {
		m := map[string]int64{}
		for _, it := range tl {
			for _, k := range keys(it) {
				m[k]++
			}
		}
		var out []NamedCount
		for k, c := range m {
			out = append(out, NamedCount{Key: k, Name: cmpOr(k, "其他"), Count: c})
		}
		slices.SortFunc(out, func(x, y NamedCount) int { return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Key, y.Key)) })
		return out
	}
	a.Tiers = rank(func(it TimelineItem) []string { return []string{it.Authority} })
	a.Media = rank(func(it TimelineItem) []string { return []string{it.Source} })
	a.Regions = rank(func(it TimelineItem) []string { return it.Regions })
	a.Kinds = rank(func(it TimelineItem) []string { return []string{it.Kind} })
	for i := range a.Kinds {
		if a.Kinds[i].Key != "" {
			a.Kinds[i].Name = KindName(a.Kinds[i].Key)
		}
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
