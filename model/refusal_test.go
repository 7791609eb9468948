package model

import (
	"strings"
	"testing"
	"time"
)

// TestRefusal: each move the state does not take has a reason, a full
// Chinese sentence; the moves it takes have none.
func TestRefusal(t *testing.T) {
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	ob := Obligation{Rule: "D-APPLY", Title: "答复依申请公开", DueAt: now.Add(24 * time.Hour), State: ObligationPending}
	inc := func(state string, f func(*Incident)) Incident {
		i := Incident{ID: "I", State: state, Open: state != StateClosed && state != StateFalseAlarm && state != StateHistorical,
			Level: "III", Obligations: []Obligation{ob}}
		if f != nil {
			f(&i)
		}
		return i
	}
	for _, tc := range []struct {
		inc    Incident
		action string
		req    Request
		want   string // "" when it takes effect
	}{
		{inc(StateHistorical, nil), RequestClose, Request{}, "已归入历史"},
		{inc(StateClosed, nil), RequestAcknowledge, Request{}, "已办结"},
		{inc(StatePending, nil), RequestConfirm, Request{}, ""},
		{inc(StateHandling, nil), RequestConfirm, Request{}, "无需再次确认"},
		{inc(StatePending, func(i *Incident) { i.Assignee = "甲" }), RequestAssign, Request{Assignee: "乙"}, ""},
		{inc(StatePending, func(i *Incident) { i.AckedAt = now }), RequestAcknowledge, Request{}, "值班人员确认收到"},
		{inc(StatePending, nil), RequestSetLevel, Request{Level: "III"}, ""}, // the suggested level, confirmed
		{inc(StateHandling, nil), RequestFalseAlarm, Request{}, ""},
		{inc(StatePending, nil), RequestWaive, Request{Rule: "R-5H"}, "没有R-5H这项时限"},
		{inc(StatePending, nil), RequestExtend, Request{Rule: "D-APPLY"}, ""},
		{inc(StatePending, func(i *Incident) { i.Obligations[0].State = ObligationBreached }), RequestRestart, Request{Rule: "D-APPLY"}, "已不在办理中（已超时）"},
		{inc(StatePending, func(i *Incident) { i.Obligations[0].State = ObligationBreached }), RequestRecordResponse, Request{Rule: "D-APPLY"}, ""},
		{inc(StatePending, func(i *Incident) { i.Obligations[0].Evidence = &Evidence{Title: "答复书", Auto: true} }), RequestConfirmEvidence, Request{Rule: "D-APPLY"}, ""},
	} {
		got := tc.inc.Refusal(tc.action, tc.req)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s on %s is refused: %s", tc.action, tc.inc.State, got)
		case tc.want != "" && (!strings.Contains(got, tc.want) || !strings.HasSuffix(got, "。")):
			t.Errorf("%s on %s: refusal %q, want a sentence with %q", tc.action, tc.inc.State, got, tc.want)
		}
	}
}
