package readmodel

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// TimelineItem is one post of an event's timeline.
type TimelineItem struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	URL         string    `json:"url"`
	Source      string    `json:"source"`
	Authority   string    `json:"authority"`
	PublishedAt time.Time `json:"published_at"`
	// Sentiment is the post's label as officers corrected it, else the
	// analyzer's.
	Sentiment string `json:"sentiment"`
	// RepostOf is the earlier post this one repeats (near-duplicate text,
	// or a 来源/转载自 line naming that post's source); empty for a post
	// that says something new.
	RepostOf string `json:"repost_of,omitempty"`
	Origin   string `json:"origin,omitempty"`
	// Kind is the source's kind and Regions the names of the post's
	// regions, for the event's analysis page.
	Kind    string   `json:"-"`
	Regions []string `json:"-"`
	// Summary is the post's first sentences, for the representative
	// viewpoints (extractive: the post's own words).
	Summary string `json:"-"`
}

// EventDetail is an event with its provenance chain and timeline: who
// published first, who repeated whom, posts per hour, and the terms of its
// heat index. Its fields are in the order of their JSON names, the order
// the API always answered them in.
type EventDetail struct {
	Event     model.Event       `json:"event"`
	HeatParts model.HeatPartsOf `json:"heat_parts"`
	// PostsPerHour counts the timeline's posts by the hour (China time,
	// "2006-01-02 15:00") they were published in.
	PostsPerHour map[string]int `json:"posts_per_hour"`
	// Timeline is the event's posts in order of publication (ties in the
	// event's order), at most MaxTimeline of them.
	Timeline []TimelineItem `json:"timeline"`
}

// MaxTimeline bounds the posts read for one event's timeline.
const MaxTimeline = 500

// nearDuplicateBits is the most SimHash bits two posts may differ in for
// the later one to count as a repost of the earlier.
const nearDuplicateBits = 3

// Event returns the detail of event id, or an error wrapping
// store.ErrNotFound. A post of the event that is no longer stored is left
// out of the timeline.
func (v *Views) Event(ctx context.Context, id string) (EventDetail, error) {
	ev, err := v.st.GetEvent(ctx, id)
	if err != nil {
		return EventDetail{}, fmt.Errorf("cannot read event %q: %w", id, err)
	}
	ids := ev.PostIDs
	if len(ids) > MaxTimeline {
		ids = ids[:MaxTimeline]
	}
	// The timeline shows each post's sentiment as officers corrected it.
	corrections, err := v.st.PostCorrections(ctx, ids)
	if err != nil {
		return EventDetail{}, fmt.Errorf("cannot read the corrections of event %q's posts: %w", id, err)
	}
	var items []TimelineItem
	var simhashes []uint64
	authority := 0.0
	for _, pid := range ids {
		p, err := v.st.GetPost(ctx, pid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return EventDetail{}, fmt.Errorf("cannot read post %q of event %q: %w", pid, id, err)
		}
		authority = max(authority, model.AuthorityWeight(p.Authority))
		items = append(items, TimelineItem{ID: p.ID, Title: p.Title, URL: p.URL, Source: p.SourceName, Authority: p.Authority,
			PublishedAt: p.PublishedAt, Sentiment: Sentiment(p.Sentiment, correctionOf(corrections, p.ID)).Label, Origin: p.Origin,
			Kind: p.SourceKind, Regions: regionNames(p.Regions), Summary: summary(p.Body, 90)})
		simhashes = append(simhashes, p.SimHash)
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return items[a].PublishedAt.Compare(items[b].PublishedAt) })
	sorted := make([]TimelineItem, len(items))
	hashes := make([]uint64, len(items))
	for i, j := range order {
		sorted[i], hashes[i] = items[j], simhashes[j]
	}
	for i := range sorted {
		for j := 0; j < i; j++ {
			near := hashes[i] != 0 && bits.OnesCount64(hashes[i]^hashes[j]) <= nearDuplicateBits
			named := sorted[i].Origin != "" && strings.Contains(sorted[i].Origin, sorted[j].Source)
			if near || named {
				sorted[i].RepostOf = sorted[j].ID
				break
			}
		}
	}
	perHour := map[string]int{}
	for _, it := range sorted {
		perHour[it.PublishedAt.In(model.China).Format("2006-01-02 15:00")]++
	}
	return EventDetail{Event: ev, HeatParts: model.HeatParts(&ev, authority), PostsPerHour: perHour, Timeline: nonNil(sorted)}, nil
}

func regionNames(rs []model.Region) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}
