package responder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file applies what people ask of events (model.RequestEventMerge,
// model.RequestEventSplit): the console sends the request over
// bus.TopicRequests, the responder, the one writer of events, applies it
// once and records it and its outcome in the histories of the events
// concerned. The clusterer respects the decision afterwards: an event
// merged away is gone from the matching state, so posts that match it
// join the event it went into; an event split off and the event it came
// from are kept apart (state.apart), never merged again automatically,
// also after a rebuild (rebuildApart reads it back from the histories of
// the split-off events, whose IDs start with splitPrefix).

// splitPrefix starts the ID of an event split off by hand.
const splitPrefix = "EV-S-"

// splitEventID is the ID of the event split off by request reqID.
func splitEventID(reqID string) string { return splitPrefix + shortHash("split:"+reqID) }

// eventOutcomeID is the ID of the outcome entry of event request reqID,
// filed in the history of the event the request names: its presence says
// the request was applied (or refused) already.
func eventOutcomeID(reqID string) string { return "H-" + shortHash("event-outcome:"+reqID) }

// keepApart records that a person decided a and b are different stories.
func (s *state) keepApart(a, b string) {
	if s.apart == nil {
		s.apart = map[string]map[string]bool{}
	}
	for _, p := range [][2]string{{a, b}, {b, a}} {
		if s.apart[p[0]] == nil {
			s.apart[p[0]] = map[string]bool{}
		}
		s.apart[p[0]][p[1]] = true
	}
}

// inheritApart gives into, which absorbed from, the events from was kept
// apart from: what a person split stays apart from the stories its parts
// joined since.
func (s *state) inheritApart(into, from string) {
	for o := range s.apart[from] {
		delete(s.apart[o], from)
		if o != into {
			s.keepApart(into, o)
		}
	}
	delete(s.apart, from)
	delete(s.apart[into], into)
}

// keptApart reports whether a person decided a and b are different
// stories: the clusterer does not merge them.
func (s *state) keptApart(a, b string) bool { return s.apart[a][b] }

// rebuildApart reads back into s which events people split apart: the
// split-off events among s's active events name the event they came from
// in their history.
func (r *Responder) rebuildApart(ctx context.Context, s *state) error {
	for id := range s.events {
		if !strings.HasPrefix(id, splitPrefix) {
			continue
		}
		hist, err := r.st.ListHistory(ctx, id)
		if err != nil {
			return fmt.Errorf("cannot read the history of event %s: %w", id, err)
		}
		for _, h := range hist {
			if h.Action != model.ActionEventSplitFrom || h.From == "" {
				continue
			}
			// The event it came from may have been merged since: the
			// decision holds for the one it went into.
			other := h.From
			for hops := 0; s.events[other] == nil && hops < 10; hops++ {
				ev, err := r.st.GetEvent(ctx, other)
				if errors.Is(err, store.ErrNotFound) {
					break
				}
				if err != nil {
					return fmt.Errorf("cannot read event %s: %w", other, err)
				}
				if ev.MergedInto == "" {
					break
				}
				other = ev.MergedInto
			}
			if other != id {
				s.keepApart(id, other)
			}
		}
	}
	return nil
}

// handleEventRequest applies the event request h once: a request already
// applied or refused (its outcome is in the state or the store) changes
// nothing. It returns an error only when the store cannot be read; then
// nothing has changed and the request may be handled again.
func (r *Responder) handleEventRequest(ctx context.Context, h model.HistoryEntry) error {
	name := strings.TrimPrefix(h.Action, model.RequestPrefix)
	s := r.state
	if s.appliedEvents[h.ID] {
		r.m.requests.WithLabelValues(name, "duplicate").Inc()
		return nil
	}
	hist, err := r.st.ListHistory(ctx, h.IncidentID)
	if err != nil {
		return fmt.Errorf("cannot read the history of event %s: %w", h.IncidentID, err)
	}
	if slices.ContainsFunc(hist, func(e model.HistoryEntry) bool { return e.ID == eventOutcomeID(h.ID) }) {
		r.m.requests.WithLabelValues(name, "duplicate").Inc()
		return nil
	}
	var req model.EventRequest
	if err := json.Unmarshal([]byte(h.Reason), &req); err != nil {
		req = model.EventRequest{}
	}
	var entries []model.HistoryEntry
	switch name {
	case model.RequestEventMerge:
		entries, err = r.mergeByHand(ctx, h, req)
	case model.RequestEventSplit:
		entries, err = r.splitByHand(ctx, h, req)
	default:
		err = refusal("未知请求:" + name)
	}
	var why refusal
	if errors.As(err, &why) {
		entries = []model.HistoryEntry{{IncidentID: h.IncidentID, Action: "request_rejected", Reason: string(why)}}
	} else if err != nil {
		return err
	}
	if s.appliedEvents == nil {
		s.appliedEvents = map[string]bool{}
	}
	s.appliedEvents[h.ID] = true
	r.m.requests.WithLabelValues(name, map[bool]string{true: "applied", false: "rejected"}[why == ""]).Inc()
	r.record(h)
	// The outcome is filed right after its request, the entry on the
	// request's own event first, with the ID that marks it applied.
	for i, e := range entries {
		e.At, e.Actor = h.At.Add(time.Duration(i+1)*time.Microsecond), h.Actor
		e.ID = eventOutcomeID(h.ID)
		if i > 0 {
			e.ID = "H-" + shortHash(fmt.Sprintf("event-outcome:%s:%d", h.ID, i))
		}
		r.record(e)
	}
	return nil
}

// refusal is why a request cannot be applied, in Chinese.
type refusal string

func (r refusal) Error() string { return string(r) }

// loadEvent returns event id from the state, or from the store into the
// state; merged says it was merged into another (then it is not in the
// state's active events).
func (r *Responder) loadEvent(ctx context.Context, id string) (ev *model.Event, err error) {
	s := r.state
	if ev := s.events[id]; ev != nil {
		return ev, nil
	}
	if ev := s.merged[id]; ev != nil {
		return ev, nil
	}
	stored, err := r.st.GetEvent(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refusal("事件" + id + "不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read event %s: %w", id, err)
	}
	if stored.MergedInto != "" {
		return &stored, nil
	}
	s.add(&stored)
	return &stored, nil
}

func withReason(text, why string) string {
	if why == "" {
		return text
	}
	return text + "。理由:" + why
}

// mergeByHand merges the request's event into req.Into.
func (r *Responder) mergeByHand(ctx context.Context, h model.HistoryEntry, req model.EventRequest) ([]model.HistoryEntry, error) {
	s := r.state
	if req.Into == "" {
		return nil, refusal("未指定要并入的事件")
	}
	if req.Into == h.IncidentID {
		return nil, refusal("不能把事件合并到它自己")
	}
	from, err := r.loadEvent(ctx, h.IncidentID)
	if err != nil {
		return nil, err
	}
	if from.MergedInto != "" {
		return nil, refusal("该事件已并入事件" + from.MergedInto + ",不能再合并")
	}
	into, err := r.loadEvent(ctx, req.Into)
	if err != nil {
		return nil, err
	}
	if into.MergedInto != "" {
		return nil, refusal("目标事件" + into.ID + "已并入事件" + into.MergedInto + ",请改为并入" + into.MergedInto)
	}
	var inc *model.Incident
	if from.IncidentID != "" && into.IncidentID == "" {
		// The incident goes with its posts.
		if inc = s.incidents[from.IncidentID]; inc == nil {
			stored, err := r.st.GetIncident(ctx, from.IncidentID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("cannot read incident %s: %w", from.IncidentID, err)
			}
			if err == nil {
				inc = &stored
				s.incidents[inc.ID] = inc
			}
		}
	}
	fromTitle, posts := from.Title, from.PostCount
	both := from.IncidentID != "" && into.IncidentID != ""
	if inc != nil {
		into.IncidentID, inc.EventID = inc.ID, into.ID
		s.dirtyIncidents[inc.ID] = true
	}
	s.merge(into, from)
	s.inheritApart(into.ID, from.ID)
	into.Keywords = rankKeywords(s.kwWeight[into.ID], eventKeywords)
	into.Heat = model.Heat(into, s.authority[into.ID])
	r.m.eventsMerged.Inc()
	r.log.Info("events merged by hand", "into", into.ID, "from", from.ID, "by", h.Actor)
	note := ""
	if both {
		note = ";两个事件均已立案,各自的处置不变"
	}
	return []model.HistoryEntry{
		{IncidentID: from.ID, Action: model.ActionEventMerged, From: from.ID, To: into.ID,
			Reason: withReason(fmt.Sprintf("人工合并:本事件%d条信息并入事件%s《%s》%s", posts, into.ID, into.Title, note), req.Reason)},
		{IncidentID: into.ID, Action: model.ActionEventAbsorbed, From: from.ID, To: into.ID,
			Reason: withReason(fmt.Sprintf("人工合并:事件%s《%s》的%d条信息并入本事件%s", from.ID, fromTitle, posts, note), req.Reason)},
	}, nil
}

// splitByHand moves req.Posts of the request's event into a new event,
// and keeps the two apart from then on.
func (r *Responder) splitByHand(ctx context.Context, h model.HistoryEntry, req model.EventRequest) ([]model.HistoryEntry, error) {
	s := r.state
	ev, err := r.loadEvent(ctx, h.IncidentID)
	if err != nil {
		return nil, err
	}
	if ev.MergedInto != "" {
		return nil, refusal("该事件已并入事件" + ev.MergedInto + ",不能再拆分")
	}
	off := map[string]bool{}
	for _, id := range req.Posts {
		if !slices.Contains(ev.PostIDs, id) {
			return nil, refusal("信息" + id + "不属于该事件")
		}
		off[id] = true
	}
	switch {
	case len(off) == 0:
		return nil, refusal("未选择要拆分出去的信息")
	case len(off) >= len(ev.PostIDs):
		return nil, refusal("不能把全部信息拆出去:至少要留下一条")
	case ev.PostCount > len(ev.PostIDs):
		return nil, refusal(fmt.Sprintf("该事件信息过多(超过%d条),不能人工拆分", maxPostIDs))
	}
	// Every post is read before anything changes: a store that cannot
	// answer leaves the state as it was.
	var keep, moved []model.Post
	var missing []string
	for _, id := range ev.PostIDs {
		p, err := r.st.GetPost(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			if !off[id] {
				missing = append(missing, id)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read post %s of event %s: %w", id, ev.ID, err)
		}
		if off[id] {
			moved = append(moved, p)
		} else {
			keep = append(keep, p)
		}
	}
	if len(moved) == 0 {
		return nil, refusal("要拆分出去的信息已不在库中")
	}
	if len(keep) == 0 {
		return nil, refusal("留在该事件中的信息已不在库中,不能拆分")
	}
	nid := splitEventID(h.ID)
	old := *ev
	s.forget(ev.ID)
	rest := r.refill(&model.Event{ID: old.ID, Version: old.Version, IncidentID: old.IncidentID}, keep)
	for _, id := range missing {
		// A post no longer stored stays where it was, uncounted but listed.
		rest.PostIDs = append(rest.PostIDs, id)
		s.postEvent[id] = rest.ID
	}
	split := r.refill(&model.Event{ID: nid}, moved)
	s.keepApart(rest.ID, split.ID)
	r.m.eventsCreated.Inc()
	r.log.Info("event split by hand", "event", rest.ID, "new", split.ID, "posts", len(moved), "by", h.Actor)
	return []model.HistoryEntry{
		{IncidentID: rest.ID, Action: model.ActionEventSplit, From: rest.ID, To: split.ID,
			Reason: withReason(fmt.Sprintf("人工拆分:拆出%d条信息,另立事件%s《%s》", len(moved), split.ID, split.Title), req.Reason)},
		{IncidentID: split.ID, Action: model.ActionEventSplitFrom, From: rest.ID, To: split.ID,
			Reason: withReason(fmt.Sprintf("人工拆分:自事件%s《%s》拆出%d条信息另立本事件", rest.ID, rest.Title, len(moved)), req.Reason)},
	}, nil
}

// refill puts ev, with posts as its members, into the state, as if the
// posts had arrived one by one in the order they were published.
func (r *Responder) refill(ev *model.Event, posts []model.Post) *model.Event {
	s := r.state
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].PublishedAt.Before(posts[j].PublishedAt) })
	first := &posts[0]
	ev.FirstPostID, ev.FirstSeen, ev.LastSeen, ev.Title = first.ID, first.PublishedAt, first.PublishedAt, first.Title
	s.add(ev)
	for i := range posts {
		p := &posts[i]
		s.join(ev, p, s.postVector(p))
		if !r.backlog(p) && (s.firstLive[ev.ID].IsZero() || p.PublishedAt.Before(s.firstLive[ev.ID])) {
			s.firstLive[ev.ID] = p.PublishedAt
		}
		s.figures[ev.ID] = s.figures[ev.ID].merge(Casualties(p.Title + "。" + p.Body))
	}
	ev.Keywords = rankKeywords(s.kwWeight[ev.ID], eventKeywords)
	ev.Heat = model.Heat(ev, s.authority[ev.ID])
	s.dirty[ev.ID] = true
	return ev
}

// forget drops event id and what the state keeps of it, as if it had
// never been seen (its posts too).
func (s *state) forget(id string) {
	if ev := s.events[id]; ev != nil {
		for _, pid := range ev.PostIDs {
			if s.postEvent[pid] == id {
				delete(s.postEvent, pid)
			}
		}
	}
	delete(s.events, id)
	s.retop(id)
	delete(s.kwWeight, id)
	delete(s.centroids, id)
	delete(s.officialCount, id)
	delete(s.criticalCount, id)
	delete(s.casualtyPosts, id)
	delete(s.officialPosts, id)
	delete(s.firstLive, id)
	delete(s.sources, id)
	delete(s.authority, id)
	delete(s.figures, id)
	delete(s.topics, id)
	delete(s.tiers, id)
	delete(s.recent, id)
}
