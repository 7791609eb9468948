package model

import (
	"fmt"
	"slices"
)

// Refusal says, in Chinese for the person who asked, why the request
// action with req on inc would be refused or would change nothing in the
// incident's current state; it is empty when the request would take
// effect. The console answers a non-empty refusal with 409 Conflict
// instead of handing the request to the responder, so a person is never
// told "accepted" for a move that is ignored. It judges inc as stored; a
// request it lets through may still be refused by the responder if the
// incident changed in between (the outcome is then recorded in the
// history as a rejected request).
//
// It does not validate req's fields (Request.Validate and the console do)
// and does not know the rules in force: whether a rule's limit may be
// extended at all is the responder's to say.
func (inc *Incident) Refusal(action string, req Request) string {
	if !inc.Open {
		return fmt.Sprintf("该事件已%s，不再受理任何操作；如事态再起，请重新登记事件。", closedWord(inc.State))
	}
	switch action {
	case RequestConfirm:
		if inc.State != StatePending {
			if req.Level != "" && req.Level != inc.Level {
				return fmt.Sprintf("该事件已研判确认（当前状态：%s），无需再次确认；如需调整级别，请使用「确定级别」。", inc.State)
			}
			return fmt.Sprintf("该事件已研判确认（当前状态：%s），无需再次确认。", inc.State)
		}
	case RequestAssign:
		if req.Assignee != "" && req.Assignee == inc.Assignee {
			return fmt.Sprintf("该事件已由%s处置，无需重复指派。", inc.Assignee)
		}
	case RequestAcknowledge:
		if !inc.AckedAt.IsZero() {
			who := inc.AckedBy
			if who == "" {
				who = "值班人员"
			}
			return fmt.Sprintf("提醒已由%s确认收到，没有需要确认的提醒。", who)
		}
	case RequestSetLevel:
		if req.Level == inc.Level && inc.LevelConfirmed {
			return fmt.Sprintf("该事件已确定为%s级，级别未变。", inc.Level)
		}
	case RequestFalseAlarm:
		if inc.State == StateResponded {
			return "该事件已作出回应，不能再研判为误报；如已处置完毕，请办结。"
		}
	case RequestRecordResponse, RequestConfirmEvidence, RequestWaive, RequestExtend, RequestRestart, RequestPause:
		i := slices.IndexFunc(inc.Obligations, func(o Obligation) bool { return o.Rule == req.Rule })
		if i < 0 {
			return fmt.Sprintf("该事件没有%s这项时限。", req.Rule)
		}
		return inc.Obligations[i].refusal(action)
	}
	return ""
}

// refusal says why action would be refused on o, or is empty.
func (o *Obligation) refusal(action string) string {
	name := o.Title
	if name == "" {
		name = o.Rule
	}
	switch action {
	case RequestConfirmEvidence:
		switch {
		case o.Evidence == nil:
			return fmt.Sprintf("「%s」尚无回应证据，无可确认；请先登记回应。", name)
		case o.Evidence.ConfirmedBy != "":
			return fmt.Sprintf("「%s」的回应证据《%s》已由%s确认，无需再次确认。", name, o.Evidence.Title, o.Evidence.ConfirmedBy)
		}
	case RequestWaive:
		switch o.State {
		case ObligationFulfilled:
			return fmt.Sprintf("「%s」已履行，无需豁免。", name)
		case ObligationWaived:
			return fmt.Sprintf("「%s」已豁免，无需再次豁免。", name)
		}
	case RequestExtend:
		switch {
		case o.State != ObligationPending:
			return fmt.Sprintf("「%s」已不在办理中（%s），不能延长。", name, obligationWord(o.State))
		case o.Extended:
			return fmt.Sprintf("「%s」已延长过一次，不能再延长。", name)
		}
	case RequestRestart, RequestPause:
		if o.State != ObligationPending {
			return fmt.Sprintf("「%s」已不在办理中（%s），不能再调整时限。", name, obligationWord(o.State))
		}
	}
	return ""
}

func closedWord(state string) string {
	switch state {
	case StateFalseAlarm:
		return "研判为误报"
	case StateHistorical:
		return "归入历史"
	}
	return "办结"
}

func obligationWord(s string) string {
	switch s {
	case ObligationFulfilled:
		return "已履行"
	case ObligationBreached:
		return "已超时"
	case ObligationWaived:
		return "已豁免"
	}
	return "办理中"
}
