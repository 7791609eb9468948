package brief

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// ToFill marks a cell of the annual report that yuqing cannot know (who
// applied, how an application was decided, reviews and lawsuits): a
// person fills it in before the report is signed. The formats shade it.
const ToFill = "待填写"

// The rules whose disclosure items the annual report counts.
const (
	ruleApply      = "D-APPLY"     // 答复政府信息公开申请
	rulePermit     = "D-PERMIT"    // 公开行政许可、行政处罚决定
	ruleProactive  = "D-PROACTIVE" // 主动公开政府信息
	ruleInterpret  = "D-INTERP"    // 发布政策解读材料
	maxDisclosures = 1000
)

// Figures of the annual report.
const (
	FigApplyNew      = "apply_new"
	FigApplyCarried  = "apply_carried_in"
	FigApplyAnswered = "apply_answered"
	FigApplyCarryOut = "apply_carried_out"
	FigApplyLate     = "apply_late"
	FigPolicyDocs    = "policy_documents"
	FigPermits       = "permit_decisions"
	FigProactive     = "proactive_items"
)

// hasRule returns the item's obligation of rule, if any.
func hasRule(in model.Incident, rule string) (model.Obligation, bool) {
	for _, o := range in.Obligations {
		if o.Rule == rule {
			return o, true
		}
	}
	return model.Obligation{}, false
}

// doneAt is when an obligation was met (its evidence's time), or zero.
func doneAt(o model.Obligation) time.Time {
	if o.State == model.ObligationFulfilled && o.Evidence != nil {
		return o.Evidence.PublishedAt
	}
	return time.Time{}
}

// Annual builds the statistical tables of the 政府信息公开工作年度报告 of
// the year that holds ref, in the national template's form (国办公开办函
// 〔2019〕60号), from the disclosure items yuqing tracks; what it cannot
// know is marked ToFill.
func (b *Builder) Annual(ctx context.Context, ref time.Time, actor string) (model.Brief, error) {
	start, end := Period(model.BriefAnnual, ref)
	br := b.newBrief(model.BriefAnnual, start, end)
	br.Subject = fmt.Sprintf("%s%d年政府信息公开工作年度报告", b.opts.Unit, start.Year())
	items, err := b.src.ListIncidents(ctx, store.IncidentQuery{Limit: maxDisclosures})
	if err != nil {
		return model.Brief{}, fmt.Errorf("cannot build the annual report of %d: %w", start.Year(), err)
	}
	in := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	fig := map[string]int64{}
	var onTime, late, pending int64
	for _, it := range items {
		if it.Kind != "disclosure" {
			continue
		}
		for _, o := range it.Obligations {
			if !in(it.OpenedAt) {
				continue
			}
			switch Outcome(o, b.now()) {
			case OutcomeOnTime:
				onTime++
			case OutcomeLate, OutcomeBreached:
				late++
			default:
				pending++
			}
		}
		if _, ok := hasRule(it, ruleInterpret); ok && in(it.OpenedAt) {
			fig[FigPolicyDocs]++
		}
		if _, ok := hasRule(it, rulePermit); ok && in(it.OpenedAt) {
			fig[FigPermits]++
		}
		if _, ok := hasRule(it, ruleProactive); ok && in(it.OpenedAt) {
			fig[FigProactive]++
		}
		o, ok := hasRule(it, ruleApply)
		if !ok {
			continue
		}
		done := doneAt(o)
		switch {
		case in(it.OpenedAt):
			fig[FigApplyNew]++
		case it.OpenedAt.Before(start) && (done.IsZero() || !done.Before(start)):
			fig[FigApplyCarried]++
		default:
			continue
		}
		if in(done) {
			fig[FigApplyAnswered]++
			if o.Late {
				fig[FigApplyLate]++
			}
		} else if done.IsZero() || !done.Before(end) {
			fig[FigApplyCarryOut]++
		}
	}
	n := func(k string) string { return fmt.Sprint(fig[k]) }
	overview := fmt.Sprintf("%d年，本系统跟踪政务公开事项%d项（按各项办理时限计），按时办结%d项，逾期或超时%d项，尚在办理%d项。"+
		"其中，收到政府信息公开申请%d件，上年结转%d件，本年答复%d件（逾期答复%d件），结转下年度继续办理%d件。"+
		"下列表格中标注“%s”的栏目，系统无法从跟踪数据得出，须由经办人员核实填写。",
		start.Year(), onTime+late+pending, onTime, late, pending, fig[FigApplyNew], fig[FigApplyCarried], fig[FigApplyAnswered], fig[FigApplyLate], fig[FigApplyCarryOut], ToFill)

	proactive := &model.BriefTable{Header: []string{"信息内容", "本年制发件数", "本年废止件数", "现行有效件数"}, Rows: [][]string{
		{"规章", ToFill, ToFill, ToFill},
		{"行政规范性文件", n(FigPolicyDocs), ToFill, ToFill},
	}}
	decisions := &model.BriefTable{Header: []string{"信息内容", "本年处理决定数量"}, Rows: [][]string{
		{"行政许可", n(FigPermits)},
		{"行政处罚", ToFill},
		{"行政强制", ToFill},
	}}
	fees := &model.BriefTable{Header: []string{"信息内容", "本年收费金额（单位：万元）"}, Rows: [][]string{{"行政事业性收费", ToFill}}}

	// 收到和处理政府信息公开申请情况: yuqing knows the totals, not who
	// applied nor how each was decided.
	appHeader := []string{"项目", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"}
	row := func(label, total string) []string {
		return []string{label, ToFill, ToFill, ToFill, ToFill, ToFill, ToFill, total}
	}
	apps := &model.BriefTable{Header: appHeader, Rows: [][]string{
		row("一、本年新收政府信息公开申请数量", n(FigApplyNew)),
		row("二、上年结转政府信息公开申请数量", n(FigApplyCarried)),
		row("三、本年度办理结果：（一）予以公开", ToFill),
		row("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ToFill),
		row("（三）不予公开", ToFill),
		row("（四）无法提供", ToFill),
		row("（五）不予处理", ToFill),
		row("（六）其他处理", ToFill),
		row("（七）总计", n(FigApplyAnswered)),
		row("四、结转下年度继续办理", n(FigApplyCarryOut)),
	}}
	review := &model.BriefTable{Header: []string{"类别", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"}, Rows: [][]string{
		{"行政复议", ToFill, ToFill, ToFill, ToFill, ToFill},
		{"行政诉讼（未经复议直接起诉）", ToFill, ToFill, ToFill, ToFill, ToFill},
		{"行政诉讼（复议后起诉）", ToFill, ToFill, ToFill, ToFill, ToFill},
	}}
	secs := []model.BriefSection{
		{Title: "总体情况", Blocks: []model.BriefBlock{{ID: "overview", Kind: model.BlockText, Text: overview}}},
		{Title: "主动公开政府信息情况", Blocks: []model.BriefBlock{
			{Kind: model.BlockTable, Table: proactive}, {Kind: model.BlockTable, Table: decisions}, {Kind: model.BlockTable, Table: fees},
			{ID: "proactive", Kind: model.BlockText, Text: fmt.Sprintf("本年跟踪主动公开事项%d项、政策文件%d件、行政许可和行政处罚决定%d项（据系统跟踪的政务公开事项统计）。", fig[FigProactive], fig[FigPolicyDocs], fig[FigPermits])}}},
		{Title: "收到和处理政府信息公开申请情况", Blocks: []model.BriefBlock{{Kind: model.BlockTable, Table: apps},
			{ID: "apply", Kind: model.BlockText, Text: "申请人为法人或其他组织的，按商业企业、科研机构、社会公益组织、法律服务机构、其他分列。本表的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和。"}}},
		{Title: "政府信息公开行政复议、行政诉讼情况", Blocks: []model.BriefBlock{{Kind: model.BlockTable, Table: review}}},
		{Title: "存在的主要问题及改进情况", Blocks: []model.BriefBlock{{ID: "problems", Kind: model.BlockText, Text: ToFill}}},
		{Title: "其他需要报告的事项", Blocks: []model.BriefBlock{{ID: "other", Kind: model.BlockText, Text: ToFill}}},
	}
	br.Content = model.BriefContent{Sections: numbered(secs), Figures: fig}
	br.Steps = []model.BriefStep{{At: br.CreatedAt, Actor: actor, Action: model.BriefActionGenerate, To: model.BriefDraft}}
	return br, nil
}
