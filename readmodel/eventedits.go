package readmodel

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// EventEdits is what an event's page needs to merge and split it by hand:
// its history (the merges and splits people asked for and how they
// went) and the events it might be merged into.
type EventEdits struct {
	History []HistoryLine
	// Similar are recent events that share key words with it, the most
	// shared first: the likely targets of a merge.
	Similar []SimilarEvent
}

// SimilarEvent is an event that shares key words with another.
type SimilarEvent struct {
	ID, Title string
	PostCount int
	// Shared are the key words both have.
	Shared []string
}

// maxSimilar bounds the events offered as merge targets.
const maxSimilar = 8

// eventEdits fills a.Edits for the event a shows.
func (v *Views) eventEdits(ctx context.Context, a *EventAnalysis) error {
	ev := a.Detail.Event
	hist, err := v.st.ListHistory(ctx, ev.ID)
	if err != nil {
		return fmt.Errorf("cannot read the history of event %q: %w", ev.ID, err)
	}
	a.Edits.History = History(model.Incident{}, hist)
	if ev.MergedInto != "" || len(ev.Keywords) == 0 {
		return nil
	}
	evs, err := v.st.TopEvents(ctx, store.EventQuery{Since: ev.FirstSeen.Add(-72 * time.Hour), Limit: 500})
	if err != nil {
		return fmt.Errorf("cannot list the events near event %q: %w", ev.ID, err)
	}
	for _, o := range evs {
		if o.ID == ev.ID || o.MergedInto != "" {
			continue
		}
		var shared []string
		for _, k := range o.Keywords {
			if slices.Contains(ev.Keywords, k) {
				shared = append(shared, k)
			}
		}
		if len(shared) > 0 {
			a.Edits.Similar = append(a.Edits.Similar, SimilarEvent{ID: o.ID, Title: o.Title, PostCount: o.PostCount, Shared: shared})
		}
	}
	slices.SortStableFunc(a.Edits.Similar, func(x, y SimilarEvent) int { return len(y.Shared) - len(x.Shared) })
	a.Edits.Similar = a.Edits.Similar[:min(len(a.Edits.Similar), maxSimilar)]
	return nil
}
