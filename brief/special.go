package brief

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// maxEventPosts bounds the posts of an event a 专报 reads one by one.
const maxEventPosts = 500

// Special builds a 专报 on one incident, as of the builder's clock.
func (b *Builder) Special(ctx context.Context, incidentID, actor string) (model.Brief, error) {
	in, err := b.src.GetIncident(ctx, incidentID)
	if err != nil {
		return model.Brief{}, fmt.Errorf("cannot build a 专报 on incident %q: %w", incidentID, err)
	}
	now := b.now()
	start := cmp.Or(in.ClockStart, in.OpenedAt)
	br := b.newBrief(model.BriefSpecial, start, now)
	br.ID = fmt.Sprintf("special-%s-%d", in.ID, now.UnixNano())
	br.IncidentID = in.ID
	br.Title = model.BriefSpecial.Name()
	br.Subject = "关于" + in.Title + "的舆情专报"
	c, err := b.special(ctx, in, now)
	if err != nil {
		return model.Brief{}, fmt.Errorf("cannot build a 专报 on incident %q: %w", incidentID, err)
	}
	br.Content = c
	br.Steps = []model.BriefStep{{At: br.CreatedAt, Actor: actor, Action: model.BriefActionGenerate, To: model.BriefDraft}}
	return br, nil
}

func (b *Builder) special(ctx context.Context, in model.Incident, now time.Time) (model.BriefContent, error) {
	fig := map[string]int64{}
	var ev model.Event
	var posts []model.Post
	if in.EventID != "" {
		e, err := b.src.GetEvent(ctx, in.EventID)
		if err != nil && !isNotFound(err) {
			return model.BriefContent{}, err
		}
		ev = e
		for _, id := range ev.PostIDs[:min(len(ev.PostIDs), maxEventPosts)] {
			p, err := b.src.GetPost(ctx, id)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return model.BriefContent{}, err
			}
			posts = append(posts, p)
		}
	}
	slices.SortStableFunc(posts, func(a, b model.Post) int { return a.PublishedAt.Compare(b.PublishedAt) })
	history, err := b.src.ListHistory(ctx, in.ID)
	if err != nil {
		return model.BriefContent{}, err
	}
	var neg, pos, neu int64
	tiers := map[string]int64{}
	for _, p := range posts {
		switch p.Sentiment.Label {
		case model.Negative:
			neg++
		case model.Positive:
			pos++
		default:
			neu++
		}
		tiers[cmp.Or(p.Authority, "其他")]++
	}
	fig[FigPosts], fig[FigNegative], fig[FigPositive], fig[FigNeutral] = int64(len(posts)), neg, pos, neu

	var secs []model.BriefSection
	// 事件概述
	ov := ""
	if in.Reason != "" {
		ov = "据监测，" + strings.TrimSuffix(in.Reason, "。") + "。"
	}
	if !in.EventTime.IsZero() {
		ov += fmt.Sprintf("事件发生于%s，", localTime(in.EventTime))
	}
	ov += fmt.Sprintf("系统于%s发现首条相关信息，%s立案，当前级别为%s，状态为%s。", localTime(in.DetectedAt), localTime(in.OpenedAt), levelText(in.Level), in.State)
	if len(posts) > 0 {
		ov += fmt.Sprintf("截至%s，共监测到相关信息%d条，涉及%d个来源。", localTime(now), len(posts), ev.SourceCount)
	}
	secs = append(secs, model.BriefSection{Title: "事件概述", Blocks: []model.BriefBlock{{ID: "summary", Kind: model.BlockText, Text: ov}}})

	// 时间线
	tl := &model.BriefTable{Header: []string{"时间", "节点", "来源或经办"}}
	type item struct {
		at         time.Time
		what, from string
	}
	var items []item
	for i, p := range posts {
		if i < 3 || p.Authority == model.TierOfficial || p.Authority == model.TierCentral {
			items = append(items, item{p.PublishedAt, Summary(p.Title, 40), cmp.Or(p.SourceName, p.SourceID)})
		}
	}
	for _, h := range history {
		what := h.Action
		if h.To != "" {
			what = fmt.Sprintf("%s → %s", cmp.Or(h.From, "新建"), h.To)
		}
		if h.Reason != "" {
			what += "：" + Summary(h.Reason, 40)
		}
		items = append(items, item{h.At, what, h.Actor})
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.at.Compare(b.at) })
	for _, it := range items[:min(len(items), 30)] {
		tl.Rows = append(tl.Rows, []string{localTime(it.at), it.what, it.from})
	}
	secs = append(secs, model.BriefSection{Title: "时间线", Blocks: []model.BriefBlock{{Kind: model.BlockTable, Table: tl}}})

	// 传播分析
	spread := model.BriefSection{Title: "传播分析"}
	if len(posts) == 0 {
		spread.Blocks = append(spread.Blocks, model.BriefBlock{ID: "spread", Kind: model.BlockText, Text: "暂未监测到相关传播。"})
	} else {
		first := posts[0]
		var tierParts []string
		for _, tier := range []string{model.TierOfficial, model.TierCentral, model.TierProvincial, model.TierLocal, model.TierForum, model.TierSelfMedia, "其他"} {
			if n := tiers[tier]; n > 0 {
				tierParts = append(tierParts, fmt.Sprintf("%s%d条", tier, n))
			}
		}
		spread.Blocks = append(spread.Blocks, model.BriefBlock{ID: "spread", Kind: model.BlockText,
			Text: fmt.Sprintf("该事件首发于%s（%s），此后扩散至%d个来源，共%d条信息，其中%s。", cmp.Or(first.SourceName, first.SourceID), localTime(first.PublishedAt), ev.SourceCount, len(posts), strings.Join(tierParts, "、"))})
		spread.Blocks = append(spread.Blocks, model.BriefBlock{Kind: model.BlockChart, Chart: hourly(posts)})
	}
	secs = append(secs, spread)

	// 舆论焦点与网民情绪
	focus := model.BriefSection{Title: "舆论焦点与网民情绪"}
	ft := fmt.Sprintf("负面信息%d条，占%s；中性%d条，正面%d条。", neg, pct(neg, int64(len(posts))), neu, pos)
	if len(ev.Keywords) > 0 {
		ft = fmt.Sprintf("舆论关注焦点集中在“%s”等方面。", strings.Join(ev.Keywords[:min(5, len(ev.Keywords))], "”“")) + ft
	}
	focus.Blocks = append(focus.Blocks, model.BriefBlock{ID: "focus", Kind: model.BlockText, Text: ft})
	var quoted int
	for _, p := range posts {
		if quoted < 4 && p.Authority != model.TierOfficial && (p.Sentiment.Label == model.Negative || quoted < 2) {
			focus.Blocks = append(focus.Blocks, quoteOf(p))
			quoted++
		}
	}
	secs = append(secs, focus)

	// 回应情况
	resp := model.BriefSection{Title: "回应情况"}
	rt := &model.BriefTable{Header: []string{"时限要求", "截止时间", "回应", "完成情况", "响应用时"}}
	var pending []model.Obligation
	var breached int64
	for _, o := range in.Obligations {
		out := Outcome(o, now)
		r := "—"
		if o.Evidence != nil {
			r = fmt.Sprintf("%s《%s》%s", o.Evidence.Source, o.Evidence.Title, localTime(o.Evidence.PublishedAt))
		}
		rt.Rows = append(rt.Rows, []string{o.Title, localTime(o.DueAt), r, out, latency(in, o)})
		if out == OutcomePending {
			pending = append(pending, o)
		}
		if out == OutcomeBreached {
			breached++
		}
	}
	fig[FigObligations], fig[FigBreached] = int64(len(in.Obligations)), breached
	if len(in.Obligations) == 0 {
		resp.Blocks = append(resp.Blocks, model.BriefBlock{ID: "response", Kind: model.BlockText, Text: "该事件暂无回应时限要求。"})
	} else {
		resp.Blocks = append(resp.Blocks, model.BriefBlock{ID: "response", Kind: model.BlockText,
			Text: fmt.Sprintf("该事件共有回应时限%d项，超时未完成%d项，办理中%d项。", len(in.Obligations), breached, len(pending))},
			model.BriefBlock{Kind: model.BlockTable, Table: rt})
	}
	secs = append(secs, resp)

	// 风险研判
	var risks []string
	if breached > 0 {
		risks = append(risks, fmt.Sprintf("已有%d项回应时限超时，存在舆论质疑政府回应迟缓的风险（依据：回应情况表）。", breached))
	}
	if len(posts) > 0 && neg*2 > int64(len(posts)) {
		risks = append(risks, fmt.Sprintf("负面信息占比%s，超过一半，舆论情绪偏负面（依据：%d条相关信息的情感分析）。", pct(neg, int64(len(posts))), len(posts)))
	}
	if tiers[model.TierCentral]+tiers[model.TierProvincial] > 0 {
		risks = append(risks, fmt.Sprintf("已有中央或省级媒体报道%d条，存在扩散至更大范围的风险（依据：传播分析的来源层级）。", tiers[model.TierCentral]+tiers[model.TierProvincial]))
	}
	if in.Level == "I" || in.Level == "II" {
		risks = append(risks, fmt.Sprintf("事件级别为%s，属较高级别舆情（依据：事件定级）。", levelText(in.Level)))
	}
	if len(risks) == 0 {
		risks = append(risks, "目前舆情总体平稳，未见明显扩散迹象（依据：相关信息量、情感分布和回应情况）。")
	}
	risk := model.BriefSection{Title: "风险研判"}
	for i, r := range risks {
		risk.Blocks = append(risk.Blocks, model.BriefBlock{ID: fmt.Sprintf("risk.%d", i+1), Kind: model.BlockText, Text: r})
	}
	secs = append(secs, risk)

	// 处置建议
	var adv []string
	for _, o := range pending {
		adv = append(adv, fmt.Sprintf("在%s前完成“%s”（依据：回应时限规则%s）。", localTime(o.DueAt), o.Title, o.Rule))
	}
	if breached > 0 {
		adv = append(adv, "尽快发布权威信息，说明进展和已采取的措施，回应超时事项（依据：回应情况表中的超时事项）。")
	}
	if neg > 0 {
		adv = append(adv, "针对网民集中关注的问题做好解疑释惑，及时澄清不实信息（依据：舆论焦点与网民情绪）。")
	}
	if len(adv) == 0 {
		adv = append(adv, "继续做好监测，关注后续进展（依据：当前无未完成的回应时限）。")
	}
	advice := model.BriefSection{Title: "处置建议"}
	for i, a := range adv {
		advice.Blocks = append(advice.Blocks, model.BriefBlock{ID: fmt.Sprintf("advice.%d", i+1), Kind: model.BlockText, Text: a})
	}
	secs = append(secs, advice)
	return model.BriefContent{Sections: numbered(secs), Figures: fig}, nil
}

// hourly charts an event's posts per hour, from the first post's hour.
func hourly(posts []model.Post) *model.BriefChart {
	ch := &model.BriefChart{Kind: "line", Title: "传播走势（条/小时）", Series: []model.BriefChartSeries{{Name: "信息量"}}}
	if len(posts) == 0 {
		return ch
	}
	first := store.StepHour.Index(posts[0].PublishedAt)
	last := store.StepHour.Index(posts[len(posts)-1].PublishedAt)
	if last-first > 96 {
		first = last - 96
	}
	vals := make([]float64, last-first+1)
	for _, p := range posts {
		if i := store.StepHour.Index(p.PublishedAt) - first; i >= 0 {
			vals[i]++
		}
	}
	for i := range vals {
		t := store.StepHour.Start(first + int64(i))
		ch.Labels = append(ch.Labels, t.Format("2日15时"))
	}
	ch.Series[0].Values = vals
	return ch
}
