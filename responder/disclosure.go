package responder

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/model"
)

// Kinds of incident: a public-opinion incident (the default), or a
// disclosure item (政务公开事项) whose obligations are the working-day
// disclosure limits.
const (
	KindOpinion    = ""
	KindDisclosure = "disclosure"
)

var (
	// A policy document published on the portal: 关于印发《X》的通知, or
	// a 办法/规定/方案/意见 issued by a government body.
	policyRe = regexp.MustCompile(`关于印发(.{2,60}?)的通知|关于(.{2,40}?(?:实施意见|指导意见|管理办法|实施办法|暂行办法|若干规定|实施方案|工作方案))的通知`)
	// An interpretation of a policy document.
	interpRe = regexp.MustCompile(`解读|答记者问|一图读懂|图解`)
)

// policyName returns the name of the policy document a title publishes
// (without 《》), or "".
func policyName(title string) string {
	m := policyRe.FindStringSubmatch(title)
	if m == nil {
		return ""
	}
	name := m[1]
	if name == "" {
		name = m[2]
	}
	return strings.Trim(name, "《》 ")
}

// watchDisclosure opens a disclosure item when an official portal publishes
// a policy document (D-INTERP: its interpretation is due within 3 working
// days), and fulfils an open item when the portal publishes the
// interpretation of its document.
func (r *Responder) watchDisclosure(ctx context.Context, p *model.Post, now time.Time) {
	if p.Authority != model.TierOfficial || p.SourceKind != model.KindPortal {
		return
	}
	if interpRe.MatchString(p.Title) {
		for _, inc := range r.state.incidents {
			if inc == nil || !inc.Open || inc.Kind != KindDisclosure || inc.Category != "政策解读" {
				continue
			}
			name := strings.TrimSuffix(strings.TrimPrefix(inc.Title, "《"), "》的政策解读")
			if name == "" || !strings.Contains(p.Title+p.Body, name) {
				continue
			}
			r.fulfil(inc, "D-INTERP", p, now)
		}
		return
	}
	name := policyName(p.Title)
	if name == "" {
		return
	}
	id := "DIS-" + shortHash("D-INTERP:"+p.ID)
	if _, ok := r.state.incidents[id]; ok {
		return
	}
	// An item closed earlier is not in the state; a policy post delivered
	// again must not open it again.
	if _, err := r.st.GetIncident(ctx, id); err == nil {
		return
	}
	inc := &model.Incident{
		ID: id, Version: uint64(now.UnixNano()), Kind: KindDisclosure, Title: "《" + name + "》的政策解读",
		State: model.StatePending, Open: true, OpenedAt: now.UTC(), DetectedAt: p.PublishedAt.UTC(),
		ClockStart: p.PublishedAt.UTC(), ClockAnchor: "detection", Category: "政策解读",
		Reason: fmt.Sprintf("%s于%s发布《%s》,解读材料应于文件公开后3个工作日内在政府网站发布(%s)", p.SourceName,
			p.PublishedAt.In(model.China).Format("01月02日"), name, p.URL),
		Obligations: []model.Obligation{{Rule: "D-INTERP"}},
	}
	r.fillObligations(inc, now)
	if r.backlog(p) {
		// A notice first seen long after it was published is history:
		// recorded, never reminded or paged (see responder.backlog_horizon).
		inc.State, inc.Open = model.StateHistorical, false
		inc.Reason = "历史事项(首次采集时已发布超过" + hoursText(r.cfg.BacklogHorizon) + ",不提醒、不告警);" + inc.Reason
	}
	r.state.incidents[id] = inc
	r.state.dirtyIncidents[id] = true
	r.record(historyEntry(id, now, actorSystem, ActionOpened, "", inc.State, inc.Reason))
	r.log.Info("disclosure item opened", "incident", id, "title", inc.Title)
}

// fillObligations gives the obligations created without a due time (a
// disclosure item opened by hand, or above) their rule's title and due
// time, counted from the clock start on the working-day calendar.
func (r *Responder) fillObligations(inc *model.Incident, now time.Time) {
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if !o.DueAt.IsZero() {
			continue
		}
		rule, ok := r.rules.Get(o.Rule)
		if !ok {
			o.State, o.WaivedReason = model.ObligationWaived, "规则"+o.Rule+"不存在"
			continue
		}
		due, prov := rule.Due(inc.ClockStart, r.cal)
		o.Title, o.DueAt, o.Provisional = rule.Title, due.UTC(), prov
		if o.State == "" {
			o.State = model.ObligationPending
		}
		r.record(historyEntry(inc.ID, now, actorSystem, ActionObligation, "", rule.ID,
			fmt.Sprintf("%s:%s内%s,应于%s前完成(%s)%s", rule.ID, rule.Limit(), rule.Title, calendar.DateOf(due.Add(-time.Nanosecond)).String(),
				rule.Source, provisionalNote(prov))))
	}
}

func provisionalNote(p bool) string {
	if p {
		return ";所跨年份的节假日安排尚未公布,暂按法定节假日推算"
	}
	return ""
}

// fulfil marks the pending obligation rule of inc fulfilled by post p.
func (r *Responder) fulfil(inc *model.Incident, rule string, p *model.Post, now time.Time) {
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.Rule != rule || (o.State != model.ObligationPending && o.State != model.ObligationBreached) {
			continue
		}
		from := o.State
		o.State, o.Late = model.ObligationFulfilled, p.PublishedAt.After(o.DueAt)
		o.Evidence = &model.Evidence{URL: p.URL, PostID: p.ID, Title: p.Title, Source: p.SourceName,
			PublishedAt: p.PublishedAt.UTC(), DetectedAt: now.UTC(), Auto: true}
		r.record(historyEntry(inc.ID, now, actorSystem, ActionFulfilled, from, model.ObligationFulfilled,
			fmt.Sprintf("%s:%s发布《%s》,待人工确认", rule, p.SourceName, p.Title)))
		r.m.responseDetection.Observe(max(0, now.Sub(p.PublishedAt).Seconds()))
		r.state.dirtyIncidents[inc.ID] = true
	}
}

// extend prolongs a working-day obligation once by its rule's extension
// (依申请公开: 20 more working days with the approval of the office's head).
func (r *Responder) extend(inc *model.Incident, ruleID string, now time.Time) outcome {
	rule, ok := r.rules.Get(ruleID)
	if !ok || rule.ExtensionWorkdays == 0 {
		return outcome{text: ruleID + ":该时限不可延长"}
	}
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.Rule != ruleID {
			continue
		}
		if o.Extended || o.State != model.ObligationPending {
			return outcome{from: o.State, to: o.State, text: ruleID + ":已延长过或已不在办理中,不能再延长"}
		}
		d, prov := r.cal.AddWorkdays(calendar.DateOf(inc.ClockStart), rule.Workdays+rule.ExtensionWorkdays+o.PausedWorkdays)
		o.DueAt, o.Provisional, o.Extended = d.Deadline().UTC(), prov, true
		return outcome{ok: true, from: o.State, to: o.State, text: fmt.Sprintf("%s:经批准延长%d个工作日,延至%s", ruleID, rule.ExtensionWorkdays, d)}
	}
	return outcome{text: "该事项没有" + ruleID + "时限"}
}

// restart starts a working-day obligation's clock again from a date (补正:
// the corrected application arrived that day).
func (r *Responder) restart(inc *model.Incident, ruleID string, from time.Time, now time.Time) outcome {
	rule, ok := r.rules.Get(ruleID)
	if !ok {
		return outcome{text: ruleID + ":规则不存在"}
	}
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.Rule != ruleID || o.State != model.ObligationPending {
			continue
		}
		inc.ClockStart = from.UTC()
		d, prov := r.cal.AddWorkdays(calendar.DateOf(from), rule.Workdays+o.PausedWorkdays)
		o.DueAt, o.Provisional, o.Extended = d.Deadline().UTC(), prov, false
		return outcome{ok: true, from: o.State, to: o.State, text: fmt.Sprintf("%s:收到补正后的申请,自%s重新计算,应于%s前答复", ruleID, calendar.DateOf(from), d)}
	}
	return outcome{text: "该事项没有办理中的" + ruleID + "时限"}
}

// pause adds working days that do not count (征求第三方意见的时间) to a
// working-day obligation.
func (r *Responder) pause(inc *model.Incident, ruleID string, days int) outcome {
	if days <= 0 {
		return outcome{text: "暂停的工作日数应为正数"}
	}
	for i := range inc.Obligations {
		o := &inc.Obligations[i]
		if o.Rule != ruleID || o.State != model.ObligationPending {
			continue
		}
		o.PausedWorkdays += days
		d, prov := r.cal.AddWorkdays(calendar.DateOf(o.DueAt.Add(-time.Nanosecond)), days)
		o.DueAt, o.Provisional = d.Deadline().UTC(), o.Provisional || prov
		return outcome{ok: true, from: o.State, to: o.State, text: fmt.Sprintf("%s:征求意见时间%d个工作日不计入,期限顺延至%s", ruleID, days, d)}
	}
	return outcome{text: "该事项没有办理中的" + ruleID + "时限"}
}
