package responder

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/rules"
)

// The actor of the changes the responder makes by itself.
const actorSystem = "system"

// History actions.
const (
	ActionOpened     = "opened"
	ActionLevel      = "level_changed"
	ActionObligation = "obligation_created"
	ActionWaived     = "obligation_waived"
	ActionFulfilled  = "obligation_fulfilled"
	ActionBreached   = "obligation_breached"
	// ActionNotice is the 通报 record a breach requires.
	ActionNotice = "notice"
	ActionEffect = "effect_evaluated"
)

// historyEntry builds an entry whose ID is derived from what it records, so
// recording the same change again (a replay) stores it once.
func historyEntry(incidentID string, at time.Time, actor, action, from, to, reason string) model.HistoryEntry {
	return model.HistoryEntry{
		ID:         "H-" + shortHash(strings.Join([]string{incidentID, action, from, to, at.UTC().Format(time.RFC3339Nano), actor}, "\x00")),
		IncidentID: incidentID, At: at.UTC(), Actor: actor, Action: action, From: from, To: to, Reason: reason,
	}
}

func (r *Responder) record(e model.HistoryEntry) {
	r.state.history = append(r.state.history, e)
}

// syncObligations makes inc's obligations those its level calls for: a
// rule newly applicable gets an obligation due from the clock start; a
// pending obligation whose rule no longer applies (the level changed) is
// waived with the reason. Obligations already met or breached stay.
func (r *Responder) syncObligations(inc *model.Incident, now time.Time) {
	applicable := r.rules.ForLevel(inc.Level)
	for _, rule := range applicable {
		if slices.ContainsFunc(inc.Obligations, func(o model.Obligation) bool { return o.Rule == rule.ID }) {
			continue
		}
		due, prov := rule.Due(inc.ClockStart, r.cal)
		inc.Obligations = append(inc.Obligations, model.Obligation{
			Rule: rule.ID, Title: rule.Title, DueAt: due.UTC(), Provisional: prov, State: model.ObligationPending,
		})
		r.record(historyEntry(inc.ID, now, actorSystem, ActionObligation, "", rule.ID,
			fmt.Sprintf("%s:%s内%s,应于%s前完成(%s)", rule.ID, rule.Limit(), rule.Title, due.In(model.China).Format("01月02日15:04"), rule.Source)))
	}
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.State != model.ObligationPending || !strings.HasPrefix(o.Rule, "R-") {
			continue
		}
		if !slices.ContainsFunc(applicable, func(rule rules.Rule) bool { return rule.ID == o.Rule }) {
			o.State = model.ObligationWaived
			o.WaivedReason = "事件级别调整为" + inc.Level + "级,该时限不再适用"
			r.record(historyEntry(inc.ID, now, actorSystem, ActionWaived, model.ObligationPending, model.ObligationWaived, o.Rule+":"+o.WaivedReason))
		}
	}
}

var (
	// Markers of an authoritative release on an official channel.
	releaseRe = regexp.MustCompile(`情况通报|通报|情况说明|权威发布|回应|辟谣|声明|公告|答记者问`)
	// A press conference that was held (not one announced for later).
	pressHeldRe     = regexp.MustCompile(`(召开|举行|举办)了?[^。,，;；]{0,24}(新闻发布会|发布会|吹风会)|(新闻发布会|发布会|吹风会)[^。,，;；]{0,6}(召开|举行)`)
	pressAnnounceRe = regexp.MustCompile(`(将|拟|定于|计划)[^。,，;；]{0,16}(召开|举行|举办)`)
)

// responseKinds returns what an official post does: release (an
// authoritative release), press_conference (a press conference was held),
// response (any official response). None for a post that is not one.
func responseKinds(p *model.Post) []string {
	text := p.Title + "\n" + firstRunes(p.Body, 600)
	var kinds []string
	if releaseRe.MatchString(text) {
		kinds = append(kinds, rules.FulfilledByRelease, rules.FulfilledByResponse)
	}
	if m := pressHeldRe.FindString(p.Title); m != "" && !pressAnnounceRe.MatchString(p.Title) {
		kinds = append(kinds, rules.FulfilledByPressConference, rules.FulfilledByRelease, rules.FulfilledByResponse)
	} else if m := pressHeldRe.FindString(text); m != "" && !pressAnnounceRe.MatchString(m) && !pressAnnounceRe.MatchString(p.Title) {
		kinds = append(kinds, rules.FulfilledByPressConference, rules.FulfilledByResponse)
	}
	return kinds
}

// detectResponse checks whether p is the government answering inc: a post
// from an official source with response markers, published after the clock
// started. It fulfils the obligations the post meets, with the post as
// evidence, pending a person's confirmation.
func (r *Responder) detectResponse(inc *model.Incident, p *model.Post, now time.Time) {
	if p.Authority != model.TierOfficial || p.PublishedAt.Before(inc.ClockStart) {
		return
	}
	kinds := responseKinds(p)
	if len(kinds) == 0 {
		return
	}
	changed := false
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.State != model.ObligationPending && o.State != model.ObligationBreached {
			continue
		}
		rule, ok := r.rules.Get(o.Rule)
		if !ok || !slices.Contains(kinds, rule.FulfilledBy) {
			continue
		}
		from := o.State
		o.Late = p.PublishedAt.After(o.DueAt)
		o.State = model.ObligationFulfilled
		o.Evidence = &model.Evidence{URL: p.URL, PostID: p.ID, Title: p.Title, Source: p.SourceName,
			PublishedAt: p.PublishedAt.UTC(), DetectedAt: now.UTC(), Auto: true}
		note := "按时"
		if o.Late {
			note = "超时"
		}
		r.record(historyEntry(inc.ID, now, actorSystem, ActionFulfilled, from, model.ObligationFulfilled,
			fmt.Sprintf("%s:%s(%s)发布《%s》,%s履行,待人工确认", o.Rule, p.SourceName, p.PublishedAt.In(model.China).Format("01-02 15:04"), p.Title, note)))
		r.m.responseDetection.Observe(max(0, now.Sub(p.PublishedAt).Seconds()))
		r.m.obligationsDone.WithLabelValues(o.Rule, map[bool]string{true: "late", false: "on_time"}[o.Late]).Inc()
		r.log.Info("official response detected", "incident", inc.ID, "rule", o.Rule, "post", p.ID, "title", p.Title, "late", o.Late)
		changed = true
	}
	if changed {
		r.state.dirtyIncidents[inc.ID] = true
	}
}

// tick moves every open incident's deadlines on to now: it marks overdue
// obligations breached with their 通报 record, evaluates the effect of the
// first response once its window has passed, and returns the
// notifications that are due (reminders and breaches). It runs under the
// responder's lock.
//
// A reminder is for a moment still ahead of the deadline and not already
// past when the incident opened: an incident born with a point passed is
// not reminded of it, and an obligation breached is announced by its
// breach alone. Of the reminder points of one obligation that passed, only
// the latest is sent, so one moment brings at most one alert per incident
// and obligation. A level changed since opening (by the figures or by a
// person) is alerted once per level, with the obligations it brings; a
// 政务公开 item is announced as such, not as a 舆情事件.
func (r *Responder) tick(now time.Time) []alert {
	var alerts []alert
	for _, inc := range r.state.incidents {
		if inc == nil || !inc.Open {
			continue
		}
		if inc.Kind == KindDisclosure {
			alerts = append(alerts, alert{inc: *inc, key: "opened", kind: notify.KindDisclosure})
		} else {
			alerts = append(alerts, alert{inc: *inc, key: "opened", kind: notify.KindOpened, note: bornOverdue(inc)})
		}
		if inc.OpenedLevel != "" && inc.Level != inc.OpenedLevel {
			alerts = append(alerts, alert{inc: *inc, key: "level/" + inc.Level, kind: notify.KindLevel, note: r.levelNote(inc)})
		}
		alerts = append(alerts, r.escalations(inc, now)...)
		for i := range inc.Obligations {
			o := &inc.Obligations[i]
			if o.State == model.ObligationFulfilled && o.Evidence != nil {
				alerts = append(alerts, alert{inc: *inc, ob: *o, key: o.Rule + "/fulfilled", kind: notify.KindFulfilled})
			}
			if o.State != model.ObligationPending {
				continue
			}
			if !now.Before(o.DueAt) {
				o.State = model.ObligationBreached
				o.BreachedAt = o.DueAt
				rule, _ := r.rules.Get(o.Rule)
				r.record(historyEntry(inc.ID, o.DueAt, actorSystem, ActionBreached, model.ObligationPending, model.ObligationBreached,
					fmt.Sprintf("%s:未在%s内%s(时限%s)", o.Rule, rule.Limit(), o.Title, o.DueAt.In(model.China).Format("01月02日15:04"))))
				r.record(historyEntry(inc.ID, o.DueAt, actorSystem, ActionNotice, "", o.Rule,
					fmt.Sprintf("通报:「%s」未在%s内%s,超过%s规定时限。依据:%s", inc.Title, rule.Limit(), o.Title, rule.Source, rule.Quote)))
				r.state.dirtyIncidents[inc.ID] = true
				r.m.breaches.WithLabelValues(o.Rule).Inc()
				r.log.Warn("obligation breached", "incident", inc.ID, "rule", o.Rule, "due", o.DueAt)
				// A deadline already past when the incident opened is
				// said in its opening alert: one alert for that moment.
				if o.DueAt.After(inc.OpenedAt) {
					alerts = append(alerts, alert{inc: *inc, ob: *o, key: o.Rule + "/breach", kind: notify.KindBreach, escalate: true})
				}
				continue
			}
			// The latest reminder point passed, if it was not already past
			// when the incident opened.
			var due *reminder
			var dueAt time.Time
			for i, p := range r.reminders {
				at := reminderAt(inc.ClockStart, o.DueAt, p)
				if now.Before(at) || at.Before(inc.OpenedAt) {
					continue
				}
				if due == nil || at.After(dueAt) {
					due, dueAt = &r.reminders[i], at
				}
			}
			if due != nil {
				alerts = append(alerts, alert{inc: *inc, ob: *o, key: o.Rule + "/reminder/" + due.name, kind: notify.KindReminder})
			}
		}
		r.evaluateEffect(inc, now)
	}
	r.updateObligationMetrics()
	return alerts
}

// bornOverdue says which deadlines had passed when inc opened, or "".
func bornOverdue(inc *model.Incident) string {
	var parts []string
	for _, o := range inc.Obligations {
		if !o.DueAt.IsZero() && !o.DueAt.After(inc.OpenedAt) && o.State != model.ObligationFulfilled && o.State != model.ObligationWaived {
			parts = append(parts, obligationLabel(o)+"("+o.DueAt.In(model.China).Format("01月02日15:04")+")")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "发现时已超过时限:" + strings.Join(parts, "、")
}

// levelNote says what a level change brings: the pending obligations with
// their deadlines.
func (r *Responder) levelNote(inc *model.Incident) string {
	var parts []string
	for _, o := range inc.Obligations {
		if o.State == model.ObligationPending {
			parts = append(parts, obligationLabel(o)+"("+o.DueAt.In(model.China).Format("01月02日15:04")+"前)")
		}
	}
	s := "级别由" + inc.OpenedLevel + "级调整为" + inc.Level + "级"
	if len(parts) > 0 {
		s += ",待履行:" + strings.Join(parts, "、")
	}
	return s
}

// reminder is a configured reminder point.
type reminder struct {
	name   string
	share  float64
	before time.Duration
}

func parseReminders(ps []string) ([]reminder, error) {
	out := make([]reminder, 0, len(ps))
	for _, p := range ps {
		share, before, err := config.ParseReminder(p)
		if err != nil {
			return nil, err
		}
		out = append(out, reminder{p, share, before})
	}
	return out, nil
}

func reminderAt(start, due time.Time, p reminder) time.Time {
	if p.share > 0 {
		return start.Add(time.Duration(p.share * float64(due.Sub(start))))
	}
	at := due.Add(-p.before)
	if at.Before(start) {
		return start
	}
	return at
}

// evaluateEffect records the effect of the first response (效果评估) once
// the window after it has passed: the event's posts, negative share and
// heat in the windows before and after.
func (r *Responder) evaluateEffect(inc *model.Incident, now time.Time) {
	if inc.Effect != nil {
		return
	}
	var first time.Time
	for _, o := range inc.Obligations {
		if o.Evidence != nil && (first.IsZero() || o.Evidence.PublishedAt.Before(first)) {
			first = o.Evidence.PublishedAt
		}
	}
	w := r.cfg.EffectWindow
	if first.IsZero() || now.Before(first.Add(w)) {
		return
	}
	ev := r.state.events[inc.EventID]
	if ev == nil {
		return
	}
	window := func(from, to time.Time) model.EffectWindow {
		var n, neg int
		src := map[string]bool{}
		for _, p := range r.state.recent[ev.ID] {
			if p.at.Before(from) || !p.at.Before(to) {
				continue
			}
			n++
			src[p.source] = true
			if p.negative {
				neg++
			}
		}
		out := model.EffectWindow{Posts: n}
		if n > 0 {
			out.NegativeShare = float64(neg) / float64(n)
			out.Heat = model.Heat(&model.Event{PostCount: n, NegativeCount: neg, SourceCount: len(src), FirstSeen: from, LastSeen: to},
				r.state.authority[ev.ID])
		}
		return out
	}
	inc.Effect = &model.Effect{ResponseAt: first.UTC(), Window: w, Before: window(first.Add(-w), first), After: window(first, first.Add(w))}
	r.record(historyEntry(inc.ID, now, actorSystem, ActionEffect, "", "",
		fmt.Sprintf("首次回应前后%s:信息量%d→%d,负面占比%.0f%%→%.0f%%", w, inc.Effect.Before.Posts, inc.Effect.After.Posts,
			100*inc.Effect.Before.NegativeShare, 100*inc.Effect.After.NegativeShare)))
	r.state.dirtyIncidents[inc.ID] = true
}

// updateObligationMetrics sets the obligation gauges from the state. It
// runs once per batch of posts, per deadline check and per rebuild, not on
// every change.
func (r *Responder) updateObligationMetrics() {
	r.m.obligations.Reset()
	r.m.openIncidents.Reset()
	nearest := map[string]float64{}
	now := r.now()
	for _, inc := range r.state.incidents {
		if inc == nil || !inc.Open {
			continue
		}
		r.m.openIncidents.WithLabelValues(inc.Level).Inc()
		for _, o := range inc.Obligations {
			r.m.obligations.WithLabelValues(o.Rule, o.State).Inc()
			if o.State == model.ObligationPending {
				left := o.DueAt.Sub(now).Seconds()
				if v, ok := nearest[o.Rule]; !ok || left < v {
					nearest[o.Rule] = left
				}
			}
		}
	}
	r.m.nearestDeadline.Reset()
	for rule, v := range nearest {
		r.m.nearestDeadline.WithLabelValues(rule).Set(v)
	}
}

// eventTimeRe finds when a text says an event happened: 11月21日13时59分,
// 21日13时许, 今天下午1时59分 is left out (no date).
var eventTimeRe = regexp.MustCompile(`(?:(\d{1,2})月)?(\d{1,2})日\s*(?:凌晨|上午|中午|下午|晚上|傍晚)?\s*(\d{1,2})[时点:：](\d{1,2})?分?许?`)

// eventTime returns the time a text gives for the event, interpreted in
// China Standard Time near ref (the post's publish time): the earliest
// plausible one within two days before ref, or zero.
func eventTime(text string, ref time.Time) time.Time {
	var best time.Time
	r := ref.In(model.China)
	for _, m := range eventTimeRe.FindAllStringSubmatch(firstRunes(text, 400), -1) {
		month := int(r.Month())
		if m[1] != "" {
			month, _ = strconv.Atoi(m[1])
		}
		day, _ := strconv.Atoi(m[2])
		hour, _ := strconv.Atoi(m[3])
		minute := 0
		if m[4] != "" {
			minute, _ = strconv.Atoi(m[4])
		}
		if strings.Contains(m[0], "下午") || strings.Contains(m[0], "晚上") || strings.Contains(m[0], "傍晚") {
			if hour < 12 {
				hour += 12
			}
		}
		if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 {
			continue
		}
		t := time.Date(r.Year(), time.Month(month), day, hour, minute, 0, 0, model.China)
		if t.After(ref) || ref.Sub(t) > 48*time.Hour {
			continue
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	return best
}

func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// restartClock moves inc's clock start when a text gave an event time that
// changes it under the configured anchor, and moves the due times of the
// pending clock-hour obligations with it.
func (r *Responder) restartClock(inc *model.Incident, now time.Time) {
	start := clockStart(inc.ClockAnchor, inc.EventTime, inc.DetectedAt).UTC()
	if start.Equal(inc.ClockStart) {
		return
	}
	r.record(historyEntry(inc.ID, now, actorSystem, "clock_start_changed", inc.ClockStart.Format(time.RFC3339), start.Format(time.RFC3339),
		"文中给出事发时间"+inc.EventTime.In(model.China).Format("01月02日15:04")+",回应时限自事发时间起算"))
	inc.ClockStart = start
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if rule, ok := r.rules.Get(o.Rule); ok && o.State == model.ObligationPending && rule.Kind == rules.KindHours {
			o.DueAt, _ = rule.Due(start, r.cal)
			o.DueAt = o.DueAt.UTC()
		}
	}
}
