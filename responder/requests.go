package responder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
)

// catchUpRequests applies what people asked for that the responder has
// not applied yet, reading it from the store: incidents a person opened by
// hand that are not in the state, and the requests in the histories of
// open incidents (see model.RequestPrefix), oldest first, each once. It
// runs when the state is rebuilt (at start and on failover), so a request
// whose message was consumed by a responder that then crashed, or one
// recorded by an older console, is not lost; in between, requests arrive
// on bus.TopicRequests (HandleRequests).
func (r *Responder) catchUpRequests(ctx context.Context, now time.Time) error {
	open, err := r.st.ListIncidents(ctx, store.IncidentQuery{OnlyOpen: true, Limit: 10000})
	if err != nil {
		return fmt.Errorf("cannot read open incidents: %w", err)
	}
	for i := range open {
		r.adopt(&open[i], now)
	}
	for _, inc := range r.state.incidents {
		if inc == nil || !inc.Open {
			continue
		}
		hist, err := r.st.ListHistory(ctx, inc.ID)
		if err != nil {
			return fmt.Errorf("cannot read requests of incident %s: %w", inc.ID, err)
		}
		for _, h := range hist {
			if !inc.Open {
				break
			}
			r.applyRequest(inc, h, now)
		}
	}
	return nil
}

// adopt takes into the state an incident a person opened through the
// console (an application for disclosure entered by hand, an incident
// reported by phone), and gives one that has no obligations yet the
// obligations of its level, due by the rules.
func (r *Responder) adopt(inc *model.Incident, now time.Time) {
	if !inc.Open {
		return
	}
	if known := r.state.incidents[inc.ID]; known != nil {
		inc = known
	} else {
		r.state.incidents[inc.ID] = inc
		r.fillObligations(inc, now)
		r.state.dirtyIncidents[inc.ID] = true
	}
	if inc.Kind == KindOpinion && len(inc.Obligations) == 0 {
		// Opened by hand: the obligations of its level.
		r.syncObligations(inc, now)
		r.fillObligations(inc, now)
		r.state.dirtyIncidents[inc.ID] = true
	}
}

// applyRequest applies the request entry h to inc, once: an entry that is
// not a request, or one already applied, changes nothing. The request and
// its outcome are both recorded in the history (the request again, by its
// ID, in case the console could not store it).
func (r *Responder) applyRequest(inc *model.Incident, h model.HistoryEntry, now time.Time) {
	name, ok := strings.CutPrefix(h.Action, model.RequestPrefix)
	if !ok || slices.Contains(inc.Applied, h.ID) {
		return
	}
	var req model.Request
	if err := json.Unmarshal([]byte(h.Reason), &req); err != nil {
		req = model.Request{Reason: h.Reason}
	}
	outcome := r.apply(inc, name, h.Actor, req, now)
	inc.Applied = append(inc.Applied, h.ID)
	r.state.dirtyIncidents[inc.ID] = true
	r.m.requests.WithLabelValues(name, map[bool]string{true: "applied", false: "rejected"}[outcome.ok]).Inc()
	action := name
	if !outcome.ok {
		action = "request_rejected"
	}
	r.record(h)
	// The outcome is filed right after its request (a microsecond later),
	// so the history reads request, outcome, request, ... in the order
	// people made them.
	r.record(historyEntry(inc.ID, h.At.Add(time.Microsecond), h.Actor, action, outcome.from, outcome.to, outcome.text))
}

// HandleRequests applies people's requests as they arrive on
// bus.TopicRequests, in order, and returns once what they changed is
// durable in the store. An incident a person opened by hand comes with its
// "opened" entry and is taken over from the message. A request of an
// incident the state does not know (one closed since) is looked up in the
// store; one of an incident that is not stored is dropped and counted.
func (r *Responder) HandleRequests(ctx context.Context, reqs []bus.Request) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for _, q := range reqs {
		h := q.HistoryEntry
		if model.IsEventRequest(h.Action) {
			if err := r.handleEventRequest(ctx, h); err != nil {
				return err
			}
			continue
		}
		if q.Incident != nil && q.Incident.ID == h.IncidentID {
			if _, known := r.state.incidents[h.IncidentID]; !known {
				inc := *q.Incident
				r.adopt(&inc, now)
				r.record(h)
			}
			continue
		}
		inc := r.state.incidents[h.IncidentID]
		if inc == nil {
			stored, err := r.st.GetIncident(ctx, h.IncidentID)
			if errors.Is(err, store.ErrNotFound) {
				r.m.requests.WithLabelValues(strings.TrimPrefix(h.Action, model.RequestPrefix), "unknown_incident").Inc()
				r.log.Warn("request of an unknown incident dropped", "incident", h.IncidentID, "request", h.ID)
				continue
			}
			if err != nil {
				return fmt.Errorf("cannot read incident %s of request %s: %w", h.IncidentID, h.ID, err)
			}
			// Open ones get what a hand-opened incident needs; closed ones
			// refuse requests as the lifecycle refuses them.
			r.adopt(&stored, now)
			if inc = r.state.incidents[stored.ID]; inc == nil {
				inc = &stored
				r.state.incidents[inc.ID] = inc
			}
		}
		r.applyRequest(inc, h, now)
	}
	return r.flush(ctx)
}

type outcome struct {
	ok       bool
	from, to string
	text     string
}

// transitions are the lifecycle moves a person may make.
var transitions = map[string][]string{
	model.StatePending:   {model.StateConfirmed, model.StateHandling, model.StateResponded, model.StateClosed, model.StateFalseAlarm},
	model.StateConfirmed: {model.StateHandling, model.StateResponded, model.StateClosed, model.StateFalseAlarm},
	model.StateHandling:  {model.StateResponded, model.StateClosed, model.StateFalseAlarm},
	model.StateResponded: {model.StateHandling, model.StateClosed},
}

func (r *Responder) moveTo(inc *model.Incident, to string) (outcome, bool) {
	from := inc.State
	if from == to {
		return outcome{ok: true, from: from, to: to}, true
	}
	if !slices.Contains(transitions[from], to) {
		return outcome{from: from, to: to, text: fmt.Sprintf("不能从「%s」变为「%s」", from, to)}, false
	}
	inc.State = to
	inc.Open = to != model.StateClosed && to != model.StateFalseAlarm
	return outcome{ok: true, from: from, to: to}, true
}

func (r *Responder) apply(inc *model.Incident, name, actor string, req model.Request, now time.Time) outcome {
	why := req.Reason
	switch name {
	case model.RequestConfirm:
		if req.Level != "" {
			if o := r.setLevel(inc, req.Level, now); !o.ok {
				return o
			}
		}
		o, _ := r.moveTo(inc, model.StateConfirmed)
		o.text = joinText("研判确认", why)
		return o
	case model.RequestAssign:
		if req.Assignee == "" {
			return outcome{text: "未指定处置人"}
		}
		inc.Assignee = req.Assignee
		o := outcome{ok: true, from: inc.State, to: inc.State}
		if inc.State == model.StatePending || inc.State == model.StateConfirmed {
			o, _ = r.moveTo(inc, model.StateHandling)
		}
		o.text = joinText("交由"+req.Assignee+"处置", why)
		return o
	case model.RequestAcknowledge:
		if inc.AckedAt.IsZero() {
			inc.AckedAt, inc.AckedBy = now.UTC(), actor
		}
		return outcome{ok: true, from: inc.State, to: inc.State, text: joinText(actor+"已确认收到提醒", why)}
	case model.RequestSetLevel:
		o := r.setLevel(inc, req.Level, now)
		o.text = joinText(o.text, why)
		return o
	case model.RequestRecordResponse, model.RequestConfirmEvidence, model.RequestWaive:
		return r.obligationRequest(inc, name, actor, req, now)
	case model.RequestExtend:
		return r.extend(inc, req.Rule, now)
	case model.RequestRestart:
		if req.From.IsZero() {
			return outcome{text: "未给出补正后申请的收到日期"}
		}
		return r.restart(inc, req.Rule, req.From, now)
	case model.RequestPause:
		return r.pause(inc, req.Rule, req.Days)
	case model.RequestClose:
		o, _ := r.moveTo(inc, model.StateClosed)
		o.text = joinText("办结", why)
		return o
	case model.RequestFalseAlarm:
		o, _ := r.moveTo(inc, model.StateFalseAlarm)
		o.text = joinText("研判为误报", why)
		return o
	}
	return outcome{text: "未知请求:" + name}
}

func (r *Responder) setLevel(inc *model.Incident, level string, now time.Time) outcome {
	if !model.ValidLevel(level) {
		return outcome{text: fmt.Sprintf("级别%q无效,应为I、II、III或IV", level)}
	}
	from := inc.Level
	inc.Level = level
	inc.LevelConfirmed = true
	r.syncObligations(inc, now)
	return outcome{ok: true, from: from, to: level, text: "人工确定级别为" + level + "级"}
}

func (r *Responder) obligationRequest(inc *model.Incident, name, actor string, req model.Request, now time.Time) outcome {
	i := slices.IndexFunc(inc.Obligations, func(o model.Obligation) bool { return o.Rule == req.Rule })
	if i < 0 {
		return outcome{text: fmt.Sprintf("该事件没有%q回应义务", req.Rule)}
	}
	o := &inc.Obligations[i]
	from := o.State
	switch name {
	case model.RequestRecordResponse:
		if req.PublishedAt.IsZero() {
			req.PublishedAt = now
		}
		o.State, o.Late = model.ObligationFulfilled, req.PublishedAt.After(o.DueAt)
		o.Evidence = &model.Evidence{URL: req.URL, Title: req.Title, Source: req.Source,
			PublishedAt: req.PublishedAt.UTC(), DetectedAt: now.UTC(), ConfirmedBy: actor}
		r.moveTo(inc, model.StateResponded)
		return outcome{ok: true, from: from, to: o.State, text: joinText(o.Rule+":登记回应《"+req.Title+"》", req.Reason)}
	case model.RequestConfirmEvidence:
		if o.Evidence == nil {
			return outcome{from: from, to: from, text: o.Rule + ":没有待确认的回应证据"}
		}
		o.Evidence.ConfirmedBy = actor
		r.moveTo(inc, model.StateResponded)
		return outcome{ok: true, from: from, to: o.State, text: joinText(o.Rule+":确认回应证据《"+o.Evidence.Title+"》", req.Reason)}
	default: // waive
		if req.Reason == "" {
			return outcome{from: from, to: from, text: o.Rule + ":豁免须说明理由"}
		}
		o.State, o.WaivedReason = model.ObligationWaived, req.Reason
		return outcome{ok: true, from: from, to: o.State, text: o.Rule + ":豁免," + req.Reason}
	}
}

func joinText(what, why string) string {
	if why == "" {
		return what
	}
	return what + ":" + why
}

// escalations returns the alerts that go up the escalation chain because
// nobody acknowledged the incident's alerts in time: step n after n times
// the wait of the incident's level.
func (r *Responder) escalations(inc *model.Incident, now time.Time) []alert {
	if r.alerter == nil || !inc.AckedAt.IsZero() {
		return nil
	}
	wait := notify.EscalationAfterFrom(&r.alerter.cfg)[notify.Level(inc.Level)]
	if wait <= 0 {
		wait = notify.DefaultEscalationAfter[notify.Level(inc.Level)]
	}
	if wait <= 0 {
		return nil
	}
	var out []alert
	for step := 1; step < r.alerter.Roster().ChainLength(); step++ {
		if now.Before(inc.OpenedAt.Add(time.Duration(step) * wait)) {
			break
		}
		out = append(out, alert{inc: *inc, key: fmt.Sprintf("opened/escalation%d", step), kind: notify.KindEscalation, step: step,
			note: fmt.Sprintf("事件提醒发出%s后仍无人确认收到,逐级上报", time.Duration(step)*wait)})
	}
	return out
}
