package console

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/httpserver"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
)

// actionRequest is the body of POST /api/v1/incidents/{id}/actions.
type actionRequest struct {
	Action string `json:"action"`
	// Actor is who asks: the authenticated account, whatever the body
	// says (a body's actor is accepted for older clients and ignored).
	Actor string `json:"actor"`
	model.Request
}

var actions = []string{model.RequestConfirm, model.RequestAssign, model.RequestAcknowledge, model.RequestRecordResponse,
	model.RequestConfirmEvidence, model.RequestWaive, model.RequestSetLevel, model.RequestClose, model.RequestFalseAlarm,
	model.RequestExtend, model.RequestRestart, model.RequestPause}

// action hands a person's request on an incident to the responder, the
// one writer of incidents, which applies it as it arrives and records it
// and the outcome in the history. The answer is 202 Accepted with the
// request entry, or 409 Conflict with the reason in Chinese when the
// incident's state would refuse or ignore it (model.Incident.Refusal: any
// request once closed, a confirm of a confirmed incident, a waiver of a
// fulfilled obligation, ...).
func (c *Console) action(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req actionRequest
	if !decodeBody(w, r, &req) {
		return
	}
	req.Actor = actorName(r)
	if err := errors.Join(validateAction(req), model.CheckText("actor", req.Actor, model.MaxActorLen),
		req.Request.Validate(c.now())); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	note(r, model.RequestPrefix+req.Action, "incident:"+id, req.Reason)
	if !c.allow(w, r, req.Action) {
		return
	}
	inc, err := c.st.GetIncident(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if inc.Open && req.Rule != "" && !slices.ContainsFunc(inc.Obligations, func(o model.Obligation) bool { return o.Rule == req.Rule }) {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("invalid field rule=%q: incident %s has no such obligation", req.Rule, id)})
		return
	}
	if why := inc.Refusal(req.Action, req.Request); why != "" {
		c.refused(w, r, req.Action, inc.State, why)
		return
	}
	entry := requestEntry(id, req, c.now())
	if !c.submit(w, r, entry) {
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "accepted", "request": entry})
}

// submit hands entry to the responder, then records it in the incident's
// history. The message goes first: once it is on the bus the responder
// applies the request and records it (by its ID) whatever happens here, so
// a request is never recorded without being applied. If it cannot be
// handed over, nothing is recorded and the answer is 503: the person may
// simply try again.
func (c *Console) submit(w http.ResponseWriter, r *http.Request, entry model.HistoryEntry) bool {
	if err := c.requests.PublishRequests(r.Context(), bus.Request{HistoryEntry: entry}); err != nil {
		c.log.Error("cannot hand a request to the responder", "incident", entry.IncidentID, "request", entry.ID,
			"request_id", httpserver.RequestID(r.Context()), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{"cannot submit the request now (the message bus is unavailable): try again"})
		return false
	}
	if err := c.st.AppendHistory(r.Context(), []model.HistoryEntry{entry}); err != nil {
		// The responder records it when it applies it.
		c.log.Warn("cannot record a request in the history; the responder will", "incident", entry.IncidentID,
			"request", entry.ID, "request_id", httpserver.RequestID(r.Context()), "err", err)
	}
	return true
}

func validateAction(req actionRequest) error {
	switch {
	case !slices.Contains(actions, req.Action):
		return fmt.Errorf("invalid field action=%q: want one of %s", req.Action, strings.Join(actions, ", "))
	case strings.TrimSpace(req.Actor) == "":
		return errors.New("missing field actor: who makes the request")
	}
	need := func(field, v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("missing field %s: %s needs it", field, req.Action)
		}
		return nil
	}
	switch req.Action {
	case model.RequestAssign:
		return need("assignee", req.Assignee)
	case model.RequestRecordResponse:
		return errors.Join(need("rule", req.Rule), need("url", req.URL), need("title", req.Title))
	case model.RequestConfirmEvidence:
		return need("rule", req.Rule)
	case model.RequestWaive:
		return errors.Join(need("rule", req.Rule), need("reason", req.Reason))
	case model.RequestSetLevel:
		if !model.ValidLevel(req.Level) {
			return fmt.Errorf("invalid field level=%q: want I, II, III or IV", req.Level)
		}
	case model.RequestExtend:
		return need("rule", req.Rule)
	case model.RequestRestart:
		if req.From.IsZero() {
			return errors.New("missing field from: restart needs the date the corrected application arrived")
		}
		return need("rule", req.Rule)
	case model.RequestPause:
		if req.Days <= 0 {
			return fmt.Errorf("invalid field days=%d: pause needs a positive number of working days", req.Days)
		}
		return need("rule", req.Rule)
	case model.RequestConfirm:
		if req.Level != "" && !model.ValidLevel(req.Level) {
			return fmt.Errorf("invalid field level=%q: want I, II, III or IV", req.Level)
		}
	}
	return nil
}

func requestEntry(incidentID string, req actionRequest, now time.Time) model.HistoryEntry {
	body, err := json.Marshal(req.Request)
	if err != nil {
		panic("BUG: cannot encode a request: " + err.Error())
	}
	return model.HistoryEntry{ID: "R-" + uniqueID(now, incidentID, req.Action, req.Actor, string(body)), IncidentID: incidentID, At: now.UTC(), Actor: req.Actor,
		Action: model.RequestPrefix + req.Action, Reason: string(body)}
}

// ack handles an acknowledgement link from an alert: a signed token names
// the incident and the recipient; the acknowledgement stops the alert's
// escalation once the responder applies it.
func (c *Console) ack(w http.ResponseWriter, r *http.Request) {
	if c.acker == nil {
		c.ackPage(w, r, http.StatusNotFound, "未启用", "本系统未配置确认链接。")
		return
	}
	claims, err := c.acker.Verify(r.URL.Query().Get("token"))
	if err != nil {
		text := "链接无效,请通过最新的提醒消息确认。"
		if errors.Is(err, notify.ErrAckExpired) {
			text = "链接已过期,请联系值班负责人。"
		}
		c.ackPage(w, r, http.StatusForbidden, "无法确认", text)
		return
	}
	// An alert already acknowledged, or of an incident closed since, has
	// nothing left to acknowledge: the page says so, nothing is recorded.
	if inc, err := c.st.GetIncident(r.Context(), claims.IncidentID); err == nil {
		if why := inc.Refusal(model.RequestAcknowledge, model.Request{}); why != "" {
			c.officers.refused.WithLabelValues(model.RequestAcknowledge).Inc()
			c.ackPage(w, r, http.StatusConflict, "无需确认", why)
			return
		}
	} else if !isNotFound(err) {
		c.log.Warn("cannot read the incident of an acknowledgement; handing it over", "incident", claims.IncidentID, "err", err)
	}
	entry := requestEntry(claims.IncidentID, actionRequest{Action: model.RequestAcknowledge, Actor: claims.Recipient,
		Request: model.Request{Reason: "通过提醒链接确认收到(" + claims.Key + ")"}}, c.now())
	if err := c.requests.PublishRequests(r.Context(), bus.Request{HistoryEntry: entry}); err != nil {
		c.log.Error("cannot hand an acknowledgement to the responder", "incident", claims.IncidentID, "request_id", httpserver.RequestID(r.Context()), "err", err)
		c.ackPage(w, r, http.StatusServiceUnavailable, "暂时无法确认", "请稍后重试或电话联系值班负责人。")
		return
	}
	if err := c.st.AppendHistory(r.Context(), []model.HistoryEntry{entry}); err != nil {
		c.log.Warn("cannot record an acknowledgement in the history; the responder will", "incident", claims.IncidentID,
			"request_id", httpserver.RequestID(r.Context()), "err", err)
	}
	c.audit(r, auth.Principal{Account: "ack:" + claims.Recipient}, model.RequestPrefix+model.RequestAcknowledge,
		"incident:"+claims.IncidentID, model.AuditOK, "提醒确认链接 "+claims.Key)
	c.ackPage(w, r, http.StatusOK, "已确认收到", "事件 "+claims.IncidentID+" 的提醒已确认,逐级上报已停止。")
}

// ackPage answers the page an acknowledgement link opens: a heading and a
// sentence, for a person who tapped a link in an alert on a phone.
func (c *Console) ackPage(w http.ResponseWriter, r *http.Request, code int, head, text string) {
	c.render(w, r, code, "ack", map[string]string{"Head": head, "Text": text})
}

// disclosureRequest is the body of POST /api/v1/disclosures: a disclosure
// item entered by hand, e.g. an application for disclosure (依申请公开,
// D-APPLY) received on a date, or a 行政许可/处罚 decision to publish
// (D-PERMIT).
type disclosureRequest struct {
	Rule  string `json:"rule"`
	Title string `json:"title"`
	// Date is when the clock starts (YYYY-MM-DD, China Standard Time): the
	// day the application was received, the decision made, the
	// information formed. The day itself is not counted.
	Date   string `json:"date"`
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
}

var disclosureCategories = map[string]string{
	"D-APPLY": "依申请公开", "D-PERMIT": "行政许可和行政处罚公开", "D-PROACTIVE": "主动公开", "D-INTERP": "政策解读",
}

// disclosure opens a disclosure item entered by hand. The item is a new
// incident row that nobody else writes yet; the responder takes it over
// when told (create), computes the due date on the working-day calendar
// and tracks it like any obligation.
func (c *Console) disclosure(w http.ResponseWriter, r *http.Request) {
	var req disclosureRequest
	if !decodeBody(w, r, &req) {
		return
	}
	req.Actor = actorName(r)
	note(r, "disclosure.open", "disclosure:"+req.Rule, req.Title)
	category, ok := disclosureCategories[req.Rule]
	var errs []error
	if !ok {
		errs = append(errs, fmt.Errorf("invalid field rule=%q: want D-APPLY, D-PERMIT, D-PROACTIVE or D-INTERP", req.Rule))
	}
	if strings.TrimSpace(req.Title) == "" {
		errs = append(errs, errors.New("missing field title: what the item is about"))
	}
	if strings.TrimSpace(req.Actor) == "" {
		errs = append(errs, errors.New("missing field actor: who enters the item"))
	}
	day, err := time.ParseInLocation("2006-01-02", req.Date, model.China)
	if err != nil {
		errs = append(errs, fmt.Errorf("invalid field date=%q: want YYYY-MM-DD", req.Date))
	} else {
		errs = append(errs, model.CheckDate("date", day, c.now()))
	}
	errs = append(errs, model.CheckText("title", req.Title, model.MaxTitleLen), model.CheckText("actor", req.Actor, model.MaxActorLen),
		model.CheckText("reason", req.Reason, model.MaxReasonLen))
	if err := errors.Join(errs...); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	now := c.now()
	inc := model.Incident{ID: "DIS-" + uniqueID(now, req.Rule, req.Title, req.Date, req.Actor), Version: 1, Kind: "disclosure", Title: req.Title,
		State: model.StatePending, Open: true, OpenedAt: now.UTC(), DetectedAt: day.UTC(), ClockStart: day.UTC(),
		ClockAnchor: "event", EventTime: day.UTC(), Category: category, Reason: req.Reason,
		Obligations: []model.Obligation{{Rule: req.Rule}}}
	opened := model.HistoryEntry{Actor: req.Actor, Reason: "人工登记:" + category + ",自" + req.Date + "起算"}
	c.create(w, r, inc, opened)
}

// incidentRequest is the body of POST /api/v1/incidents: an incident duty
// staff open by hand, e.g. from a phone report, before anything is
// published about it.
type incidentRequest struct {
	Title string `json:"title"`
	Level string `json:"level"`
	// EventTime is when it happened (RFC 3339), if known; the response
	// clock starts from the earlier of it and now.
	EventTime *time.Time `json:"event_time,omitempty"`
	Reason    string     `json:"reason"`
	Actor     string     `json:"actor"`
	// EventID is the event it is opened on, from the event's page; empty
	// for one reported by phone.
	EventID string `json:"event_id,omitempty"`
}

// openIncident opens an incident by hand. Like a disclosure item it is a
// new row nobody else writes yet; the responder picks it up at its next
// deadline check and gives it the obligations of its level.
func (c *Console) openIncident(w http.ResponseWriter, r *http.Request) {
	var req incidentRequest
	if !decodeBody(w, r, &req) {
		return
	}
	req.Actor = actorName(r)
	note(r, "incident.open", "incident:new", req.Title)
	var errs []error
	if strings.TrimSpace(req.Title) == "" {
		errs = append(errs, errors.New("missing field title: what happened"))
	}
	if !model.ValidLevel(req.Level) {
		errs = append(errs, fmt.Errorf("invalid field level=%q: want I, II, III or IV", req.Level))
	}
	if strings.TrimSpace(req.Actor) == "" {
		errs = append(errs, errors.New("missing field actor: who opens the incident"))
	}
	now := c.now()
	var eventTime time.Time // zero: not known
	if req.EventTime != nil {
		eventTime = *req.EventTime
	}
	switch {
	case req.EventTime != nil && eventTime.IsZero():
		errs = append(errs, fmt.Errorf("invalid field event_time=%s: must be between %s and now", eventTime.Format(time.RFC3339), model.EarliestDate.Format("2006-01-02")))
	case eventTime.After(now.Add(time.Minute)):
		errs = append(errs, fmt.Errorf("invalid field event_time=%s: in the future", eventTime.Format(time.RFC3339)))
	default:
		errs = append(errs, model.CheckDate("event_time", eventTime, now))
	}
	errs = append(errs, model.CheckText("title", req.Title, model.MaxTitleLen), model.CheckText("actor", req.Actor, model.MaxActorLen),
		model.CheckText("reason", req.Reason, model.MaxReasonLen))
	if req.EventID != "" {
		if _, err := c.st.GetEvent(r.Context(), req.EventID); err != nil {
			if !isNotFound(err) {
				c.fail(w, r, err)
				return
			}
			errs = append(errs, fmt.Errorf("invalid field event_id=%q: no such event", req.EventID))
		}
	}
	if err := errors.Join(errs...); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	start := now
	if !eventTime.IsZero() && eventTime.Before(start) {
		start = eventTime
	}
	inc := model.Incident{ID: "INC-M-" + uniqueID(now, req.Title, req.Actor)[:12], Version: 1, Title: req.Title, Level: req.Level,
		LevelConfirmed: true, State: model.StateConfirmed, Open: true, OpenedAt: now.UTC(), DetectedAt: now.UTC(),
		EventTime: eventTime.UTC(), ClockStart: start.UTC(), ClockAnchor: "earliest", Reason: "人工登记:" + req.Reason, EventID: req.EventID}
	if eventTime.IsZero() {
		inc.EventTime = time.Time{}
	}
	opened := model.HistoryEntry{Actor: req.Actor, Reason: "人工登记(" + req.Level + "级):" + req.Reason}
	c.create(w, r, inc, opened)
}

// uniqueID is a hex ID for something a person creates now: a hash of the
// time and what identifies it.
func uniqueID(now time.Time, parts ...string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(now.UnixNano(), 10) + "\x00" + strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// create hands an incident a person opened, with its "opened" history
// entry (the person and reason given in opened), to the responder, which
// takes it over from the message; then stores the row and the entry so
// the incident's page answers at once (the responder writes them too, by
// the same IDs), and answers 201 with it. If it cannot be handed over,
// nothing is stored and the answer is 503.
func (c *Console) create(w http.ResponseWriter, r *http.Request, inc model.Incident, opened model.HistoryEntry) {
	opened.ID, opened.IncidentID, opened.At = "H-"+uniqueID(inc.OpenedAt, inc.ID), inc.ID, inc.OpenedAt
	opened.Action, opened.To = "opened", inc.State
	if err := c.requests.PublishRequests(r.Context(), bus.Request{HistoryEntry: opened, Incident: &inc}); err != nil {
		c.log.Error("cannot hand an incident opened by hand to the responder", "incident", inc.ID,
			"request_id", httpserver.RequestID(r.Context()), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{"cannot open the incident now (the message bus is unavailable): try again"})
		return
	}
	if err := c.st.AppendHistory(r.Context(), []model.HistoryEntry{opened}); err != nil {
		c.log.Warn("cannot record an incident opened by hand; the responder will", "incident", inc.ID,
			"request_id", httpserver.RequestID(r.Context()), "err", err)
	} else if err := c.st.UpsertIncidents(r.Context(), []model.Incident{inc}); err != nil {
		c.log.Warn("cannot store an incident opened by hand; the responder will", "incident", inc.ID,
			"request_id", httpserver.RequestID(r.Context()), "err", err)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"incident": inc})
}

// refused answers 409 Conflict for a request the responder would refuse
// or ignore in the incident's current state: the reason in Chinese (the
// page shows it as it is), the action and the state. Nothing is recorded
// in the incident's history; the refusal is counted.
func (c *Console) refused(w http.ResponseWriter, r *http.Request, action, state, why string) {
	c.officers.refused.WithLabelValues(action).Inc()
	writeJSON(w, http.StatusConflict, map[string]string{"error": why, "action": action, "state": state})
}
