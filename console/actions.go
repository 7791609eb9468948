package console

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math/bits"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

// SetRules makes the server show the rules in force at /api/v1/rules.
func (s *Server) SetRules(r *rules.Set) { s.rules = r }

// SetAcker makes the server accept acknowledgement links at /api/v1/ack.
func (s *Server) SetAcker(a *notify.Acker) { s.acker = a }

func (s *Server) registerIncidentActions() {
	s.handle("GET /api/v1/incidents/{id}/history", s.history)
	s.handle("GET /api/v1/incidents/{id}/deliveries", s.deliveries)
	s.handle("POST /api/v1/incidents/{id}/actions", s.action)
	s.handle("GET /api/v1/rules", s.listRules)
	s.handle("GET /api/v1/ack", s.ack)
	s.handle("POST /api/v1/disclosures", s.disclosure)
	s.handle("POST /api/v1/incidents", s.openIncident)
	s.handle("GET /api/v1/events/{id}", s.eventDetail)
	s.handle("POST /api/v1/schemes/backtest", s.backtest)
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.st.GetIncident(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.st.ListHistory(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(h)})
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request) {
	if s.rules == nil {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, s.rules)
}

// actionRequest is the body of POST /api/v1/incidents/{id}/actions.
type actionRequest struct {
	Action string `json:"action"`
	// Actor is who asks; until the console has logins it is given here.
	Actor string `json:"actor"`
	model.Request
}

var actions = []string{model.RequestConfirm, model.RequestAssign, model.RequestAcknowledge, model.RequestRecordResponse,
	model.RequestConfirmEvidence, model.RequestWaive, model.RequestSetLevel, model.RequestClose, model.RequestFalseAlarm,
	model.RequestExtend, model.RequestRestart, model.RequestPause}

// action records a person's request on an incident in its history; the
// responder, the one writer of incidents, applies it within its next
// deadline check and records the outcome. The answer is 202 Accepted with
// the request entry.
func (s *Server) action(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req actionRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if err := validateAction(req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	inc, err := s.st.GetIncident(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Rule != "" && !slices.ContainsFunc(inc.Obligations, func(o model.Obligation) bool { return o.Rule == req.Rule }) {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("invalid field rule=%q: incident %s has no such obligation", req.Rule, id)})
		return
	}
	entry := requestEntry(id, req, s.now())
	if err := s.st.AppendHistory(r.Context(), []model.HistoryEntry{entry}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "accepted", "request": entry})
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

var ackPage = template.Must(template.New("ack").Parse(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>确认收到</title></head>
<body style="font-family:sans-serif;padding:2em"><h2>{{.Head}}</h2><p>{{.Text}}</p></body></html>`))

// ack handles an acknowledgement link from an alert: a signed token names
// the incident and the recipient; the acknowledgement stops the alert's
// escalation once the responder applies it.
func (s *Server) ack(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if s.acker == nil {
		w.WriteHeader(http.StatusNotFound)
		_ = ackPage.Execute(w, map[string]string{"Head": "未启用", "Text": "本系统未配置确认链接。"})
		return
	}
	claims, err := s.acker.Verify(r.URL.Query().Get("token"))
	if err != nil {
		w.WriteHeader(http.StatusForbidden)
		text := "链接无效,请通过最新的提醒消息确认。"
		if errors.Is(err, notify.ErrAckExpired) {
			text = "链接已过期,请联系值班负责人。"
		}
		_ = ackPage.Execute(w, map[string]string{"Head": "无法确认", "Text": text})
		return
	}
	entry := requestEntry(claims.IncidentID, actionRequest{Action: model.RequestAcknowledge, Actor: claims.Recipient,
		Request: model.Request{Reason: "通过提醒链接确认收到(" + claims.Key + ")"}}, s.now())
	if err := s.st.AppendHistory(r.Context(), []model.HistoryEntry{entry}); err != nil {
		s.log.Error("cannot record an acknowledgement", "incident", claims.IncidentID, "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		_ = ackPage.Execute(w, map[string]string{"Head": "暂时无法确认", "Text": "请稍后重试或电话联系值班负责人。"})
		return
	}
	_ = ackPage.Execute(w, map[string]string{"Head": "已确认收到", "Text": "事件 " + claims.IncidentID + " 的提醒已确认,逐级上报已停止。"})
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
// incident row that nobody else writes yet; the responder picks it up at
// its next deadline check, computes the due date on the working-day
// calendar and tracks it like any obligation.
func (s *Server) disclosure(w http.ResponseWriter, r *http.Request) {
	var req disclosureRequest
	if !decodeBody(w, r, &req) {
		return
	}
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
	}
	if err := errors.Join(errs...); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	now := s.now()
	inc := model.Incident{ID: "DIS-" + uniqueID(now, req.Rule, req.Title, req.Date, req.Actor), Version: 1, Kind: "disclosure", Title: req.Title,
		State: model.StatePending, Open: true, OpenedAt: now.UTC(), DetectedAt: day.UTC(), ClockStart: day.UTC(),
		ClockAnchor: "event", EventTime: day.UTC(), Category: category, Reason: req.Reason,
		Obligations: []model.Obligation{{Rule: req.Rule}}}
	opened := model.HistoryEntry{Actor: req.Actor, Reason: "人工登记:" + category + ",自" + req.Date + "起算"}
	s.create(w, r, inc, opened)
}

// incidentRequest is the body of POST /api/v1/incidents: an incident duty
// staff open by hand, e.g. from a phone report, before anything is
// published about it.
type incidentRequest struct {
	Title string `json:"title"`
	Level string `json:"level"`
	// EventTime is when it happened (RFC 3339), if known; the response
	// clock starts from the earlier of it and now.
	EventTime time.Time `json:"event_time,omitzero"`
	Reason    string    `json:"reason"`
	Actor     string    `json:"actor"`
}

// openIncident opens an incident by hand. Like a disclosure item it is a
// new row nobody else writes yet; the responder picks it up at its next
// deadline check and gives it the obligations of its level.
func (s *Server) openIncident(w http.ResponseWriter, r *http.Request) {
	var req incidentRequest
	if !decodeBody(w, r, &req) {
		return
	}
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
	now := s.now()
	if req.EventTime.After(now.Add(time.Minute)) {
		errs = append(errs, fmt.Errorf("invalid field event_time=%s: in the future", req.EventTime.Format(time.RFC3339)))
	}
	if err := errors.Join(errs...); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	start := now
	if !req.EventTime.IsZero() && req.EventTime.Before(start) {
		start = req.EventTime
	}
	inc := model.Incident{ID: "INC-M-" + uniqueID(now, req.Title, req.Actor)[:12], Version: 1, Title: req.Title, Level: req.Level,
		LevelConfirmed: true, State: model.StateConfirmed, Open: true, OpenedAt: now.UTC(), DetectedAt: now.UTC(),
		EventTime: req.EventTime.UTC(), ClockStart: start.UTC(), ClockAnchor: "earliest", Reason: "人工登记:" + req.Reason}
	if req.EventTime.IsZero() {
		inc.EventTime = time.Time{}
	}
	opened := model.HistoryEntry{Actor: req.Actor, Reason: "人工登记(" + req.Level + "级):" + req.Reason}
	s.create(w, r, inc, opened)
}

// timelineItem is one post of an event's timeline.
type timelineItem struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	URL         string    `json:"url"`
	Source      string    `json:"source"`
	Authority   string    `json:"authority"`
	PublishedAt time.Time `json:"published_at"`
	Sentiment   string    `json:"sentiment"`
	// RepostOf is the earlier post this one repeats (near-duplicate text,
	// or a 来源/转载自 line naming that post's source); empty for a post
	// that says something new.
	RepostOf string `json:"repost_of,omitempty"`
	Origin   string `json:"origin,omitempty"`
}

// maxTimeline bounds the posts read for one event's timeline.
const maxTimeline = 500

// eventDetail returns an event with its provenance chain and timeline: who
// published first, who repeated whom, posts per hour, and the terms of its
// heat index.
func (s *Server) eventDetail(w http.ResponseWriter, r *http.Request) {
	ev, err := s.st.GetEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := ev.PostIDs
	if len(ids) > maxTimeline {
		ids = ids[:maxTimeline]
	}
	// The timeline shows each post's sentiment as officers corrected it.
	corrections, err := s.st.PostCorrections(r.Context(), ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var items []timelineItem
	var simhashes []uint64
	authority := 0.0
	for _, id := range ids {
		p, err := s.st.GetPost(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		authority = max(authority, model.AuthorityWeight(p.Authority))
		items = append(items, timelineItem{ID: p.ID, Title: p.Title, URL: p.URL, Source: p.SourceName, Authority: p.Authority,
			PublishedAt: p.PublishedAt, Sentiment: sentimentView(p.Sentiment, correctionOf(corrections, p.ID)).Label, Origin: p.Origin})
		simhashes = append(simhashes, p.SimHash)
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return items[a].PublishedAt.Compare(items[b].PublishedAt) })
	sorted := make([]timelineItem, len(items))
	hashes := make([]uint64, len(items))
	for i, j := range order {
		sorted[i], hashes[i] = items[j], simhashes[j]
	}
	for i := range sorted {
		for j := 0; j < i; j++ {
			near := hashes[i] != 0 && bits.OnesCount64(hashes[i]^hashes[j]) <= 3
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
	writeJSON(w, http.StatusOK, map[string]any{
		"event": ev, "heat_parts": model.HeatParts(&ev, authority), "timeline": nonNil(sorted), "posts_per_hour": perHour,
	})
}

// deliveries returns an incident's notification delivery log: every alert,
// on which channel, to whom, with what result.
func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.st.GetIncident(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := s.st.ListDeliveries(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]json.RawMessage, 0, len(ds))
	for _, d := range ds {
		items = append(items, json.RawMessage(d.Detail))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// decodeBody decodes a JSON request body strictly (unknown fields are
// errors) into v; on failure it answers 400 naming the problem and returns
// false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid request body: " + err.Error()})
		return false
	}
	return true
}

// uniqueID is a hex ID for something a person creates now: a hash of the
// time and what identifies it.
func uniqueID(now time.Time, parts ...string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(now.UnixNano(), 10) + "\x00" + strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// create stores an incident a person opened (a row nobody else writes
// yet; the responder takes it over at its next deadline check), its
// "opened" history entry (the person and reason given in opened), and answers
// 201 with it.
func (s *Server) create(w http.ResponseWriter, r *http.Request, inc model.Incident, opened model.HistoryEntry) {
	opened.ID, opened.IncidentID, opened.At = "H-"+uniqueID(inc.OpenedAt, inc.ID), inc.ID, inc.OpenedAt
	opened.Action, opened.To = "opened", inc.State
	if err := s.st.AppendHistory(r.Context(), []model.HistoryEntry{opened}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.st.UpsertIncidents(r.Context(), []model.Incident{inc}); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"incident": inc})
}
