// Package responder owns the stateful end of the pipeline: it groups
// analysed posts into events, decides which events become incidents, and
// keeps both in the store. It runs active/standby: the posts topic has one
// partition, so one member of the responder group holds it; a standby takes
// over on failover and rebuilds its state from the store before it handles
// any post.
//
// Every step is idempotent. Event and incident IDs are derived from the post
// that founded the event, a post already counted in an event is skipped when
// delivered again, and state changed in memory is written again until the
// store accepts it, so at-least-once delivery never counts a post twice.
package responder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

// Responder clusters posts into events and opens incidents. Handle is the
// bus handler; it is safe to call from one consumer at a time, and Rebuild
// may run concurrently with nothing else.
type Responder struct {
	cfg       config.ResponderConfig
	st        store.Store
	now       func() time.Time
	log       *slog.Logger
	m         *metrics
	rules     *rules.Set
	cal       *calendar.Calendar
	reminders []reminder
	alerter   *Alerter
	hot       HotRequester
	mu        sync.Mutex
	state     *state
}

// maxRecentRebuild bounds the posts read back per event on a rebuild.
const maxRecentRebuild = 200

// Option changes a Responder.
type Option func(*Responder)

// WithClock sets the clock used to expire events (tests).
func WithClock(now func() time.Time) Option { return func(r *Responder) { r.now = now } }

// WithRules sets the rule set (default: the embedded rules).
func WithRules(s *rules.Set) Option { return func(r *Responder) { r.rules = s } }

// WithCalendar sets the working-day calendar (default: the embedded one).
func WithCalendar(c *calendar.Calendar) Option { return func(r *Responder) { r.cal = c } }

// HotRequester asks the crawler to poll a source faster for a while
// (bus.Producer does it over the bus). It returns once the request is
// durable.
type HotRequester interface {
	RequestHotSource(ctx context.Context, h bus.HotSource) error
}

// WithHotRequests makes the responder ask for the sources of a new incident
// and the official sources to be polled faster, so the official response
// is seen sooner.
func WithHotRequests(h HotRequester) Option { return func(r *Responder) { r.hot = h } }

// WithAlerter sets who alerts duty staff (default: nobody is alerted).
func WithAlerter(a *Alerter) Option { return func(r *Responder) { r.alerter = a } }

// New returns a responder writing to st. Call Rebuild before handling
// posts. The config must be validated: a bad reminder point panics.
func New(cfg config.ResponderConfig, st store.Store, reg prometheus.Registerer, log *slog.Logger, opts ...Option) *Responder {
	if log == nil {
		log = slog.Default()
	}
	r := &Responder{cfg: cfg, st: st, now: time.Now, log: log, m: newMetrics(reg), state: newState(),
		rules: rules.Default(), cal: calendar.Default()}
	for _, o := range opts {
		o(r)
	}
	rem, err := parseReminders(cfg.Reminders)
	if err != nil {
		panic("BUG: unvalidated responder config: " + err.Error())
	}
	r.reminders = rem
	if r.cfg.ClockStart == "" {
		r.cfg.ClockStart = "earliest"
	}
	if r.cfg.EffectWindow == 0 {
		r.cfg.EffectWindow = 6 * time.Hour
	}
	if r.cfg.BacklogHorizon == 0 {
		r.cfg.BacklogHorizon = 6 * time.Hour
	}
	return r
}

// Run checks deadlines every interval until ctx ends: obligations falling
// due are marked breached and recorded, and the reminders, breaches and
// fulfilments that are due are sent to duty staff. After a restart the
// first check sends what fell due while the process was down, once.
func (r *Responder) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("deadline check failed; retrying at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick checks deadlines once (see Run) and persists what changed before
// it sends any notification.
func (r *Responder) Tick(ctx context.Context) error {
	r.mu.Lock()
	now := r.now()
	alerts := r.tick(now)
	err := r.flush(ctx)
	hot := r.state.hot
	r.state.hot = nil
	r.mu.Unlock()
	for i, h := range hot {
		if r.hot == nil {
			break
		}
		if herr := r.hot.RequestHotSource(ctx, h); herr != nil {
			// Kept for the next tick: polling faster is worth asking again.
			r.mu.Lock()
			r.state.hot = append(r.state.hot, hot[i:]...)
			r.mu.Unlock()
			r.log.Warn("cannot ask for a hot source to be polled faster", "source", h.SourceID, "err", herr)
			break
		}
	}
	if err != nil {
		return err
	}
	if r.alerter == nil || len(alerts) == 0 {
		return nil
	}
	return r.alerter.Send(ctx, alerts)
}

// Rebuild replaces the in-memory state with the events of the last window
// from the store. It is called at start and when this member takes over the
// posts partition.
func (r *Responder) Rebuild(ctx context.Context) error {
	events, err := r.st.ListEvents(ctx, r.now().Add(-r.cfg.Window), 0)
	if err != nil {
		return fmt.Errorf("cannot rebuild responder state: %w", err)
	}
	incidents, err := r.st.ListIncidents(ctx, store.IncidentQuery{OnlyOpen: true, Limit: 10000})
	if err != nil {
		return fmt.Errorf("cannot rebuild responder state: %w", err)
	}
	s := newState()
	for i := range events {
		s.add(&events[i])
	}
	for i := range incidents {
		s.incidents[incidents[i].ID] = &incidents[i]
	}
	// Events that may still cross the incident thresholds need the times,
	// sentiment and sources of their recent posts back.
	burstFrom := r.now().Add(-r.cfg.IncidentBurstWindow)
	for i := range events {
		ev := &events[i]
		// The burst thresholds need the recent posts of events without an
		// incident; the effect evaluation those of events with an open one.
		inc, hasOpen := s.incidents[ev.IncidentID]
		needed := (ev.IncidentID == "" && !ev.LastSeen.Before(burstFrom)) || (hasOpen && inc.Effect == nil)
		if !needed {
			continue
		}
		ids := ev.PostIDs[max(0, len(ev.PostIDs)-maxRecentRebuild):]
		for _, id := range ids {
			p, err := r.st.GetPost(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("cannot rebuild responder state: %w", err)
			}
			s.recent[ev.ID] = append(s.recent[ev.ID], recentOf(&p))
			if officialVoice(&p) {
				s.officialCount[ev.ID]++
				if len(s.officialPosts[ev.ID]) < maxOfficialPosts {
					s.officialPosts[ev.ID] = append(s.officialPosts[ev.ID], p)
				}
			} else if countsNegative(&p) && critical(&p) {
				s.criticalCount[ev.ID]++
			}
		}
	}
	if err := r.rebuildApart(ctx, s); err != nil {
		return fmt.Errorf("cannot rebuild responder state: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state = s
	now := r.now()
	// Official answers that reached an open incident's event while no
	// responder was checking them (after downtime) are credited now.
	for _, inc := range s.incidents {
		if ev := s.events[inc.EventID]; ev != nil && inc.Open && inc.Kind == KindOpinion {
			r.creditExisting(inc, ev, now)
		}
	}
	// What people asked for while no responder was applying it.
	if err := r.catchUpRequests(ctx, now); err != nil {
		return fmt.Errorf("cannot rebuild responder state: %w", err)
	}
	if err := r.flush(ctx); err != nil {
		return fmt.Errorf("cannot rebuild responder state: %w", err)
	}
	r.updateObligationMetrics()
	r.m.rebuilds.Inc()
	r.m.activeEvents.Set(float64(len(s.events)))
	r.log.Info("responder state rebuilt from the store", "events", len(events))
	return nil
}

// Handle is the bus handler for TopicPosts and TopicRequests: it decodes
// posts, assigns each to an event and opens incidents, and applies
// people's requests, in the order they arrived, returning after what
// changed is durable in the store.
func (r *Responder) Handle(ctx context.Context, msgs []bus.Message) error {
	for len(msgs) > 0 {
		// A run of messages of one topic at a time keeps each topic's order.
		n := 1
		for n < len(msgs) && msgs[n].Topic == msgs[0].Topic {
			n++
		}
		var err error
		if msgs[0].Topic == bus.TopicRequests {
			err = r.handleRequests(ctx, msgs[:n])
		} else {
			err = r.handlePosts(ctx, msgs[:n])
		}
		if err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

func (r *Responder) handleRequests(ctx context.Context, msgs []bus.Message) error {
	reqs := make([]bus.Request, 0, len(msgs))
	for _, m := range msgs {
		var req bus.Request
		if err := json.Unmarshal(m.Value, &req); err != nil {
			return bus.Permanent(fmt.Errorf("cannot decode request at %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err))
		}
		if req.ID == "" || req.IncidentID == "" {
			return bus.Permanent(fmt.Errorf("request at %s/%d@%d has no id or incident_id", m.Topic, m.Partition, m.Offset))
		}
		reqs = append(reqs, req)
	}
	return r.HandleRequests(ctx, reqs)
}

func (r *Responder) handlePosts(ctx context.Context, msgs []bus.Message) error {
	posts := make([]model.Post, 0, len(msgs))
	for _, m := range msgs {
		var p model.Post
		if err := json.Unmarshal(m.Value, &p); err != nil {
			return bus.Permanent(fmt.Errorf("cannot decode post at %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err))
		}
		if p.ID == "" {
			return bus.Permanent(fmt.Errorf("post at %s/%d@%d has no id", m.Topic, m.Partition, m.Offset))
		}
		posts = append(posts, p)
	}
	return r.HandlePosts(ctx, posts)
}

// HandlePosts assigns posts to events and persists what changed.
func (r *Responder) HandlePosts(ctx context.Context, posts []model.Post) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].PublishedAt.Before(posts[j].PublishedAt) })
	for i := range posts {
		r.assign(ctx, &posts[i])
	}
	r.state.finish()
	r.updateObligationMetrics()
	r.state.expire(r.now().Add(-r.cfg.Window))
	r.m.activeEvents.Set(float64(len(r.state.events)))
	return r.flush(ctx)
}

// assign puts p into its event, creating one if no event matches.
func (r *Responder) assign(ctx context.Context, p *model.Post) {
	s := r.state
	if _, dup := s.postEvent[p.ID]; dup {
		r.m.posts.WithLabelValues("duplicate").Inc()
		return
	}
	if p.Authority == model.TierOfficial {
		s.official[p.SourceID] = true
	}
	v := s.postVector(p)
	ev := s.best(p, v, r.cfg.Window)
	if ev == nil {
		ev = &model.Event{ID: eventID(p.ID), FirstPostID: p.ID, FirstSeen: p.PublishedAt, LastSeen: p.PublishedAt, Title: p.Title}
		s.add(ev)
		r.m.eventsCreated.Inc()
		r.m.posts.WithLabelValues("new_event").Inc()
	} else {
		r.m.posts.WithLabelValues("joined").Inc()
	}
	s.join(ev, p, v)
	if at := clockFrom(p); !r.backlog(p) && (s.firstLive[ev.ID].IsZero() || at.Before(s.firstLive[ev.ID])) {
		s.firstLive[ev.ID], s.firstLiveSeen[ev.ID] = at, p.PublishedUncertain && !p.FetchedAt.IsZero()
	}
	// Events whose representative terms came to agree hold one story:
	// merge them, keeping the one with an incident (or the larger one).
	// Two events that both opened incidents are left for a person to merge.
	for _, o := range s.mergeable(ev, r.cfg.Window) {
		into, from := ev, o
		if s.keptApart(into.ID, from.ID) {
			// A person split them: different stories.
			continue
		}
		if from.IncidentID != "" && into.IncidentID != "" {
			continue
		}
		if from.IncidentID != "" || (into.IncidentID == "" && from.PostCount > into.PostCount) {
			into, from = from, into
		}
		s.merge(into, from)
		s.inheritApart(into.ID, from.ID)
		r.m.eventsMerged.Inc()
		r.log.Info("events merged", "into", into.ID, "from", from.ID, "title", into.Title)
		ev = into
	}
	ev.Heat = model.Heat(ev, s.authority[ev.ID])
	s.dirty[ev.ID] = true
	r.maybeOpen(ev, p)
	r.watchDisclosure(ctx, p, r.now())
}

// maybeOpen opens an incident for ev when it crosses the thresholds.
func (r *Responder) maybeOpen(ev *model.Event, p *model.Post) {
	s := r.state
	figs := s.figures[ev.ID].merge(Casualties(p.Title + "。" + p.Body))
	s.figures[ev.ID] = figs
	if ev.IncidentID != "" {
		inc := s.incidents[ev.IncidentID]
		if inc != nil && inc.State == model.StateHistorical && !r.backlog(p) && r.trigger(ev, p) != "" {
			r.revive(inc, ev, p)
		}
		if inc != nil && inc.Open && inc.Kind == KindOpinion && inc.Title != ev.Title {
			// The incident is named as its event is: by its most central
			// post, which settles as the story grows.
			inc.Title = ev.Title
			s.dirtyIncidents[inc.ID] = true
		}
		if inc != nil && inc.Open {
			// Keep the suggested level current as casualty figures grow;
			// a level a person set is theirs to change.
			if lv, why := r.suggestLevel(ev, figs); lv != "" && model.LevelRank(lv) < model.LevelRank(inc.Level) && !inc.LevelConfirmed {
				now := r.now()
				r.record(historyEntry(inc.ID, now, actorSystem, ActionLevel, inc.Level, lv, why+",建议调整为"+lv+"级"))
				inc.Level = lv
				inc.Reason = reason(inc.Trigger, ev, figs)
				r.syncObligations(inc, now)
				s.dirtyIncidents[inc.ID] = true
			}
			if et := eventTime(p.Title+"。"+p.Body, p.PublishedAt); !et.IsZero() && (inc.EventTime.IsZero() || et.Before(inc.EventTime)) {
				inc.EventTime = et.UTC()
				r.restartClock(inc, r.now())
				s.dirtyIncidents[inc.ID] = true
			}
			r.detectResponse(inc, p, r.now())
		}
		return
	}
	trigger := r.trigger(ev, p)
	if trigger == "" {
		return
	}
	now := r.now()
	level, _ := r.suggestLevel(ev, figs)
	if level == "" {
		level = "IV"
	}
	historical := r.backlog(p)
	detected := earliest(ev.FirstSeen, now).UTC()
	if !historical && !s.firstLive[ev.ID].IsZero() {
		// The clock of news counts from the first post that was news when
		// it was seen, not from a backlog post days older.
		detected = s.firstLive[ev.ID].UTC()
	}
	evTime := eventTime(p.Title+"。"+p.Body, p.PublishedAt)
	if !evTime.IsZero() && evTime.Before(detected.Add(-r.cfg.BacklogHorizon)) && !historical {
		evTime = time.Time{}
	}
	inc := &model.Incident{
		ID:          incidentID(ev.ID),
		Version:     uint64(now.UnixNano()),
		EventID:     ev.ID,
		Title:       ev.Title,
		Level:       level,
		State:       model.StatePending,
		OpenedAt:    now.UTC(),
		DetectedAt:  detected,
		ClockAnchor: r.cfg.ClockStart,
		Trigger:     trigger,
		Reason:      reason(trigger, ev, figs),
		Open:        true,
		Category:    category(s.topics[ev.ID]),
		OpenedLevel: level,
	}
	if !evTime.IsZero() {
		inc.EventTime = evTime.UTC()
	}
	inc.ClockStart = clockStart(r.cfg.ClockStart, inc.EventTime, detected)
	if !historical && s.firstLiveSeen[ev.ID] && inc.ClockStart.Equal(detected) {
		inc.Reason += ";首条信息的发布时间无法确定,时限自首次采集时(" + detected.In(model.China).Format("01月02日15:04") + ")起算"
	}
	ev.IncidentID = inc.ID
	s.incidents[inc.ID] = inc
	s.dirtyIncidents[inc.ID] = true
	if historical {
		// Seen only in the backlog: kept for the record, never paged.
		inc.State, inc.Open = model.StateHistorical, false
		inc.Reason = "历史事件(首次采集时已发布超过" + hoursText(r.cfg.BacklogHorizon) + ",不提醒、不告警);" + inc.Reason
		r.record(historyEntry(inc.ID, now, actorSystem, ActionOpened, "", model.StateHistorical, inc.Reason))
		r.syncObligations(inc, now)
		r.creditExisting(inc, ev, now)
		r.m.incidentsOpened.WithLabelValues("historical").Inc()
		r.log.Info("historical incident recorded", "incident", inc.ID, "event", ev.ID, "title", inc.Title)
		return
	}
	r.record(historyEntry(inc.ID, now, actorSystem, ActionOpened, "", model.StatePending, inc.Reason))
	r.syncObligations(inc, now)
	// Official answers already in the event count: after downtime or for
	// a story first seen late, a 情况通报 published before the incident
	// opened fulfils its obligation.
	r.creditExisting(inc, ev, now)
	if r.hot != nil {
		// Watch the event's sources and the official channels closely
		// while the response clock runs.
		ids := slices.Clone(ev.Sources)
		for id := range s.official {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			s.hot = append(s.hot, bus.HotSource{SourceID: id, Interval: time.Minute, Until: now.Add(6 * time.Hour),
				Reason: "舆情事件 " + inc.ID + " " + inc.Title, At: now})
		}
	}
	r.m.incidentsOpened.WithLabelValues(level).Inc()
	r.log.Info("incident opened", "incident", inc.ID, "event", ev.ID, "title", inc.Title, "level", level,
		"posts", ev.PostCount, "negative", ev.NegativeCount, "sources", ev.SourceCount)
}

// backlog says whether p was old news when first seen: published longer
// than the backlog horizon before it was fetched (or handled, when the
// fetch time is unknown).
func (r *Responder) backlog(p *model.Post) bool {
	seen := p.FetchedAt
	if seen.IsZero() || seen.Before(p.PublishedAt) {
		seen = r.now()
	}
	return seen.Sub(p.PublishedAt) > r.cfg.BacklogHorizon
}

// clockFrom is when a live incident's clock may count from p: its publish
// time, or, when the crawler could not be sure of it
// (Document.PublishedUncertain: an unlabelled or chrome date, the URL's
// date, the fetch time), when the system first saw the post, its fetch
// time. The rules let the clock start when the government learns of a
// story; an uncertain date must not make an incident born overdue.
func clockFrom(p *model.Post) time.Time {
	if p.PublishedUncertain && !p.FetchedAt.IsZero() {
		return p.FetchedAt
	}
	return p.PublishedAt
}

// revive turns a historical incident live when its event becomes news
// again: its clock restarts from the first post that was news, and the
// obligations of the old clock, whose deadlines nobody could meet, are
// waived.
func (r *Responder) revive(inc *model.Incident, ev *model.Event, p *model.Post) {
	now := r.now()
	start := r.state.firstLive[ev.ID]
	if start.IsZero() {
		start = clockFrom(p)
	}
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.State == model.ObligationPending || o.State == model.ObligationBreached {
			o.State, o.WaivedReason = model.ObligationWaived, "历史事件重新成为热点,按新的起算时间重新计时"
		}
	}
	kept := inc.Obligations[:0]
	for _, o := range inc.Obligations {
		if o.State != model.ObligationWaived {
			kept = append(kept, o)
		}
	}
	inc.Obligations = kept
	inc.State, inc.Open = model.StatePending, true
	inc.DetectedAt, inc.ClockStart, inc.EventTime = start.UTC(), start.UTC(), time.Time{}
	inc.OpenedAt = now.UTC()
	r.record(historyEntry(inc.ID, now, actorSystem, ActionOpened, model.StateHistorical, model.StatePending,
		"历史事件出现新的信息,重新成为待研判事件,时限自"+start.In(model.China).Format("01月02日15:04")+"起算"))
	r.syncObligations(inc, now)
	r.creditExisting(inc, ev, now)
	r.state.dirtyIncidents[inc.ID] = true
	r.m.incidentsOpened.WithLabelValues(inc.Level).Inc()
}

// creditExisting checks the official posts already in ev as responses to
// inc.
func (r *Responder) creditExisting(inc *model.Incident, ev *model.Event, now time.Time) {
	ops := r.state.officialPosts[ev.ID]
	sorted := slices.Clone(ops)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].PublishedAt.Before(sorted[j].PublishedAt) })
	for i := range sorted {
		r.detectResponse(inc, &sorted[i], now)
	}
}

func hoursText(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d小时", int(d/time.Hour))
	}
	return fmt.Sprintf("%d分钟", int(d/time.Minute))
}

// flush writes dirty events and incidents; on error they stay dirty and are
// written with the next attempt.
func (r *Responder) flush(ctx context.Context) error {
	s := r.state
	if len(s.history) > 0 {
		if err := r.st.AppendHistory(ctx, s.history); err != nil {
			return fmt.Errorf("cannot store %d history entries: %w", len(s.history), err)
		}
		s.history = s.history[:0]
	}
	if len(s.dirtyIncidents) > 0 {
		incs := make([]model.Incident, 0, len(s.dirtyIncidents))
		now := uint64(r.now().UnixNano())
		for id := range s.dirtyIncidents {
			if inc := s.incidents[id]; inc != nil {
				inc.Version = max(inc.Version+1, now)
				incs = append(incs, *inc)
			}
		}
		if err := r.st.UpsertIncidents(ctx, incs); err != nil {
			return fmt.Errorf("cannot store %d incidents: %w", len(incs), err)
		}
		clear(s.dirtyIncidents)
	}
	if len(s.dirty) > 0 || len(s.merged) > 0 {
		evs := make([]model.Event, 0, len(s.dirty)+len(s.merged))
		now := uint64(r.now().UnixNano())
		for _, ev := range s.merged {
			ev.Version = max(ev.Version+1, now)
			evs = append(evs, *ev)
		}
		for id := range s.dirty {
			if ev := s.events[id]; ev != nil {
				ev.Version = max(ev.Version+1, now)
				evs = append(evs, *ev)
			}
		}
		if err := r.st.UpsertEvents(ctx, evs); err != nil {
			return fmt.Errorf("cannot store %d events: %w", len(evs), err)
		}
		clear(s.dirty)
		clear(s.merged)
	}
	return nil
}

func eventID(firstPostID string) string { return "EV-" + shortHash("event:"+firstPostID) }

func incidentID(eventID string) string { return "INC-" + shortHash("incident:"+eventID) }

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// clockStart picks the response clock's start by the configured anchor:
// the event time a text gives, the detection time, or the earlier of them.
func clockStart(anchor string, event, detected time.Time) time.Time {
	switch {
	case anchor == "detection" || event.IsZero():
		return detected
	case anchor == "event":
		return event
	}
	return earliest(detected, event)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// reason says why an incident is open: what triggered it, then the
// event's figures as they stand.
func reason(trigger string, ev *model.Event, f CasualtyFigures) string {
	neg := 100 * float64(ev.NegativeCount) / float64(ev.PostCount)
	s := fmt.Sprintf("共%d条相关信息,负面占比%.0f%%,%d个信息源报道,热度%.1f", ev.PostCount, neg, ev.SourceCount, ev.Heat)
	if trigger != "" {
		s = trigger + ";" + s
	}
	if t := figures(f); t != "" {
		s += ";文中提及" + t
	}
	return s
}

// figures says the stated figures in Chinese: 死亡12人、受伤30人.
func figures(f CasualtyFigures) string {
	var parts []string
	if f.Deaths > 0 {
		parts = append(parts, fmt.Sprintf("死亡%d人", f.Deaths))
	}
	if f.Injured > 0 {
		parts = append(parts, fmt.Sprintf("受伤%d人", f.Injured))
	}
	if f.Missing > 0 {
		parts = append(parts, fmt.Sprintf("失联%d人", f.Missing))
	}
	if f.Loss > 0 {
		parts = append(parts, fmt.Sprintf("直接经济损失%g万元", f.Loss/1e4))
	}
	return strings.Join(parts, "、")
}

// levelFor grades an accident by deaths (生产安全事故报告和调查处理条例 第三条:
// "以上" includes the number, "以下" excludes it). Zero deaths gives no level
// from this measure.
func levelFor(deaths int) string {
	switch {
	case deaths >= 30:
		return "I"
	case deaths >= 10:
		return "II"
	case deaths >= 3:
		return "III"
	case deaths > 0:
		return "IV"
	}
	return ""
}
