// Package brief owns the briefs leaders read: numbered 舆情日报, 周报 and
// 月报, and 专报 on one incident. It builds a brief's content from the
// store's read side (the same aggregates the console shows) with text from
// templates only, and writes it as DOCX (OOXML written directly), HTML and
// PDF (LibreOffice headless, when installed), with charts drawn in pure Go
// as PNG with an embedded CJK font.
//
// A Builder only reads; what it returns is a draft (model.BriefDraft)
// whose figures are named in Content.Figures, so every figure can be
// checked against the same query through the API. Numbering (期号) and
// the workflow's steps are the store's and model.Brief's.
package brief

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Source is what a Builder reads: the read side and a few rows by ID.
// store.Store satisfies it. Every call only reads.
type Source interface {
	store.Aggregates
	// QueryPosts returns a page of posts matching q, newest first.
	QueryPosts(ctx context.Context, q store.PostQuery) (store.PostPage, error)
	// GetPost returns one post, or an error wrapping store.ErrNotFound.
	GetPost(ctx context.Context, id string) (model.Post, error)
	// GetEvent returns one event, or an error wrapping store.ErrNotFound.
	GetEvent(ctx context.Context, id string) (model.Event, error)
	// GetIncident returns one incident, or an error wrapping
	// store.ErrNotFound.
	GetIncident(ctx context.Context, id string) (model.Incident, error)
	// ListIncidents returns incidents, most recently opened first.
	ListIncidents(ctx context.Context, q store.IncidentQuery) ([]model.Incident, error)
	// ListHistory returns an incident's history, oldest first.
	ListHistory(ctx context.Context, incidentID string) ([]model.HistoryEntry, error)
}

// Options are a brief's fixed parts: who issues it and to whom.
type Options struct {
	// Unit is the 编发单位 (e.g. 中共某县委宣传部（网信办）).
	Unit string
	// Jurisdiction names what is watched, in the text (全县, 我县).
	Jurisdiction string
	// Classification is 内部资料 or a 密级; empty is 内部资料.
	Classification string
	Copies         int
	// ReportTo, SendTo and CopyTo are the 报, 送, 发 recipients.
	ReportTo, SendTo, CopyTo []string
	// TopN is how many hot events a periodic brief lists; 0 is 5.
	TopN int
	// SerialStart, when positive, prints 总第M期 counting from it.
	SerialStart int
}

// Builder builds briefs' content from a Source.
type Builder struct {
	src  Source
	opts Options
	now  func() time.Time
}

// NewBuilder returns a builder reading src; now is its clock (nil is
// time.Now).
func NewBuilder(src Source, opts Options, now func() time.Time) *Builder {
	if now == nil {
		now = time.Now
	}
	if opts.TopN <= 0 {
		opts.TopN = 5
	}
	if opts.Classification == "" {
		opts.Classification = "内部资料"
	}
	if opts.Jurisdiction == "" {
		opts.Jurisdiction = "本地"
	}
	return &Builder{src: src, opts: opts, now: now}
}

// Period returns the period of a periodic brief of type t that holds the
// day ref, in China time: the day, the week from Monday, the calendar
// month or the year.
func Period(t model.BriefType, ref time.Time) (start, end time.Time) {
	c := ref.In(model.China)
	day := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, model.China)
	switch t {
	case model.BriefWeekly:
		start = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		return start, start.AddDate(0, 0, 7)
	case model.BriefMonthly:
		start = time.Date(c.Year(), c.Month(), 1, 0, 0, 0, 0, model.China)
		return start, start.AddDate(0, 1, 0)
	case model.BriefAnnual:
		start = time.Date(c.Year(), 1, 1, 0, 0, 0, 0, model.China)
		return start, start.AddDate(1, 0, 0)
	}
	return day, day.AddDate(0, 0, 1)
}

// previous returns the period before [start, end) of the same type: as
// many days before a daily or weekly brief's.
func previous(t model.BriefType, start, end time.Time) (time.Time, time.Time) {
	if t == model.BriefDaily || t == model.BriefWeekly {
		return start.Add(-end.Sub(start)), start
	}
	return Period(t, start.Add(-time.Hour))
}

// newBrief returns a draft with the options' fixed parts.
func (b *Builder) newBrief(t model.BriefType, start, end time.Time) model.Brief {
	now := b.now().UTC()
	return model.Brief{
		ID:      fmt.Sprintf("%s-%s-%d", t, start.In(model.China).Format("20060102"), now.UnixNano()),
		Version: 1, Type: t, Title: t.Name(),
		PeriodStart: start.UTC(), PeriodEnd: end.UTC(),
		Unit: b.opts.Unit, Classification: b.opts.Classification, Copies: b.opts.Copies,
		ReportTo: b.opts.ReportTo, SendTo: b.opts.SendTo, CopyTo: b.opts.CopyTo,
		State: model.BriefDraft, CreatedAt: now,
	}
}

// Periodic builds a daily, weekly, monthly or annual brief for the period
// of type t that holds ref. actor is who generated it (a person, or the
// schedule).
func (b *Builder) Periodic(ctx context.Context, t model.BriefType, ref time.Time, actor string) (model.Brief, error) {
	if t == model.BriefSpecial || !t.Valid() {
		return model.Brief{}, fmt.Errorf("type %q is not a periodic brief: want daily, weekly, monthly or annual", t)
	}
	if t == model.BriefAnnual {
		return b.Annual(ctx, ref, actor)
	}
	start, end := Period(t, ref)
	return b.PeriodicRange(ctx, t, start, end, actor)
}

// PeriodicRange builds a periodic brief of type t covering [start, end):
// a daily brief that covers several days (the days off merged into the
// next working day's), compared with as many days before.
func (b *Builder) PeriodicRange(ctx context.Context, t model.BriefType, start, end time.Time, actor string) (model.Brief, error) {
	if t == model.BriefSpecial || t == model.BriefAnnual || !t.Valid() || !start.Before(end) {
		return model.Brief{}, fmt.Errorf("type %q is not a periodic brief of a period", t)
	}
	br := b.newBrief(t, start, end)
	c, err := b.periodic(ctx, t, start, end)
	if err != nil {
		return model.Brief{}, fmt.Errorf("cannot build the %s of %s: %w", t.Name(), start.Format("2006-01-02"), err)
	}
	br.Content = c
	br.Steps = []model.BriefStep{{At: br.CreatedAt, Actor: actor, Action: model.BriefActionGenerate, To: model.BriefDraft}}
	return br, nil
}

// periodLabel says which period a brief covers, as its text does.
func periodLabel(t model.BriefType, start, end time.Time) string {
	s := start.In(model.China)
	switch t {
	case model.BriefDaily:
		if end.Sub(start) <= 25*time.Hour {
			return s.Format("2006年1月2日")
		}
	case model.BriefMonthly:
		return s.Format("2006年1月")
	case model.BriefAnnual:
		return s.Format("2006年")
	}
	return s.Format("2006年1月2日") + "至" + end.In(model.China).AddDate(0, 0, -1).Format("1月2日")
}

// prevWord is what a period is compared with: 前一日, 上周, 上月, 上年.
func prevWord(t model.BriefType, start, end time.Time) string {
	if t == model.BriefDaily && end.Sub(start) > 25*time.Hour {
		return "此前同期"
	}
	switch t {
	case model.BriefWeekly:
		return "上周"
	case model.BriefMonthly:
		return "上月"
	case model.BriefAnnual:
		return "上年"
	}
	return "前一日"
}

// stepOf is the step of a period's volume chart.
func stepOf(t model.BriefType) store.Step {
	switch t {
	case model.BriefDaily:
		return store.StepHour
	case model.BriefAnnual:
		return store.StepMonth
	}
	return store.StepDay
}

// Figure names of Content.Figures (the cross-check reads them).
const (
	FigPosts        = "posts"
	FigPrevPosts    = "prev_posts"
	FigNegative     = "negative"
	FigPositive     = "positive"
	FigNeutral      = "neutral"
	FigEvents       = "events"
	FigIncidents    = "incidents"
	FigObligations  = "obligations"
	FigOnTime       = "on_time"
	FigLate         = "late"
	FigBreached     = "breached"
	FigDisclosDue   = "disclosure_due"
	FigDisclosMet   = "disclosure_met"
	FigDisclosLate  = "disclosure_overdue"
	figSourcePrefix = "source:"
	figRegionPrefix = "region:"
)

// FigureSource and FigureRegion name the figure of one source's and one
// region's posts.
func FigureSource(id string) string   { return figSourcePrefix + id }
func FigureRegion(code string) string { return figRegionPrefix + code }

var chineseNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// numbered titles sections 一、二、… in order.
func numbered(secs []model.BriefSection) []model.BriefSection {
	for i := range secs {
		n := fmt.Sprint(i + 1)
		if i < len(chineseNumerals) {
			n = chineseNumerals[i]
		}
		secs[i].Title = n + "、" + secs[i].Title
	}
	return secs
}

func (b *Builder) periodic(ctx context.Context, t model.BriefType, start, end time.Time) (model.BriefContent, error) {
	fig := map[string]int64{}
	f := store.Filter{Since: start, Until: end}
	facets, err := b.src.PostFacets(ctx, store.FacetQuery{Filter: f, By: []store.Dimension{store.BySentiment, store.BySource, store.ByRegion, store.ByTier}, Limit: 10})
	if err != nil {
		return model.BriefContent{}, err
	}
	ps, pe := previous(t, start, end)
	prev, err := b.src.PostFacets(ctx, store.FacetQuery{Filter: store.Filter{Since: ps, Until: pe}})
	if err != nil {
		return model.BriefContent{}, err
	}
	fig[FigPosts], fig[FigPrevPosts] = facets.Total, prev.Total
	sent := map[string]int64{}
	for _, v := range facets.By[store.BySentiment] {
		sent[v.Key] = v.Count
	}
	fig[FigNegative], fig[FigPositive], fig[FigNeutral] = sent[model.Negative], sent[model.Positive], sent[model.Neutral]
	for _, v := range facets.By[store.BySource] {
		fig[FigureSource(v.Key)] = v.Count
	}
	for _, v := range facets.By[store.ByRegion] {
		fig[FigureRegion(v.Key)] = v.Count
	}
	events, err := b.src.TopEvents(ctx, store.EventQuery{Since: start, Until: end, Limit: b.opts.TopN})
	if err != nil {
		return model.BriefContent{}, err
	}
	fig[FigEvents] = int64(len(events))
	label := periodLabel(t, start, end)

	var secs []model.BriefSection
	secs = append(secs, b.overview(t, start, end, label, facets, prev.Total, sent, events))
	trend, err := b.trend(ctx, t, f)
	if err != nil {
		return model.BriefContent{}, err
	}
	secs = append(secs, trend)
	hot, err := b.hotEvents(ctx, events)
	if err != nil {
		return model.BriefContent{}, err
	}
	secs = append(secs, hot)
	views, err := b.viewpoints(ctx, f)
	if err != nil {
		return model.BriefContent{}, err
	}
	secs = append(secs, views)
	secs = append(secs, regions(facets))
	incidents, err := b.src.ListIncidents(ctx, store.IncidentQuery{Limit: 1000})
	if err != nil {
		return model.BriefContent{}, err
	}
	secs = append(secs, handling(incidents, start, end, b.now(), fig))
	secs = append(secs, disclosure(incidents, start, end, b.now(), fig))
	secs = append(secs, b.watch(incidents, events, end))
	return model.BriefContent{Sections: numbered(secs), Figures: fig}, nil
}

// change says how n compares with prev: 增加12条（上升50.0%）.
func change(n, prev int64) string {
	switch {
	case prev == 0 && n == 0:
		return "持平"
	case prev == 0:
		return fmt.Sprintf("增加%d条", n)
	case n == prev:
		return "持平"
	case n > prev:
		return fmt.Sprintf("增加%d条（上升%.1f%%）", n-prev, float64(n-prev)*100/float64(prev))
	}
	return fmt.Sprintf("减少%d条（下降%.1f%%）", prev-n, float64(prev-n)*100/float64(prev))
}

func pct(n, total int64) string {
	if total == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(total))
}

func (b *Builder) overview(t model.BriefType, start, end time.Time, label string, facets store.Facets, prev int64, sent map[string]int64, events []model.Event) model.BriefSection {
	total := facets.Total
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s，共监测到涉%s网络信息%d条，较%s%s。", label, b.opts.Jurisdiction, total, prevWord(t, start, end), change(total, prev))
	if total > 0 {
		fmt.Fprintf(&sb, "其中负面信息%d条，占%s；中性信息%d条，正面信息%d条。",
			sent[model.Negative], pct(sent[model.Negative], total), sent[model.Neutral], sent[model.Positive])
	}
	if src := facets.By[store.BySource]; len(src) > 0 {
		var parts []string
		for _, v := range src[:min(3, len(src))] {
			parts = append(parts, fmt.Sprintf("%s（%d条）", cmp.Or(v.Label, v.Key), v.Count))
		}
		fmt.Fprintf(&sb, "信息主要来自%s。", strings.Join(parts, "、"))
	}
	if len(events) > 0 {
		fmt.Fprintf(&sb, "热度最高的事件为“%s”。", events[0].Title)
	} else {
		sb.WriteString("未发现热点事件。")
	}
	rows := [][]string{{"信息总量", fmt.Sprint(total), fmt.Sprint(prev), change(total, prev)}}
	for _, v := range facets.By[store.ByTier] {
		rows = append(rows, []string{"其中" + cmp.Or(v.Label, v.Key), fmt.Sprint(v.Count), "—", pct(v.Count, total)})
	}
	return model.BriefSection{Title: "舆情概况", Blocks: []model.BriefBlock{
		{ID: "overview", Kind: model.BlockText, Text: sb.String()},
		{Kind: model.BlockTable, Table: &model.BriefTable{Header: []string{"指标", "本期", prevWord(t, start, end), "变化或占比"}, Rows: rows}},
	}}
}

// axisLabel labels a bucket of a series.
func axisLabel(step store.Step, t time.Time) string {
	switch step {
	case store.StepHour:
		return t.Format("15时")
	case store.StepMonth:
		return t.Format("1月")
	}
	return t.Format("1/2")
}

var sentimentNames = map[string]string{model.Negative: "负面", model.Neutral: "中性", model.Positive: "正面"}

func (b *Builder) trend(ctx context.Context, t model.BriefType, f store.Filter) (model.BriefSection, error) {
	step := stepOf(t)
	vol, err := b.src.PostSeries(ctx, store.SeriesQuery{Filter: f, Step: step})
	if err != nil {
		return model.BriefSection{}, err
	}
	bySent, err := b.src.PostSeries(ctx, store.SeriesQuery{Filter: f, Step: step, By: store.BySentiment})
	if err != nil {
		return model.BriefSection{}, err
	}
	labels := make([]string, len(vol.Buckets))
	for i, bk := range vol.Buckets {
		labels[i] = axisLabel(step, bk)
	}
	volChart := &model.BriefChart{Kind: "line", Title: "声量走势（条）", Labels: labels}
	peak, peakAt := int64(0), ""
	for _, l := range vol.Lines {
		vals := make([]float64, len(l.Counts))
		for i, c := range l.Counts {
			vals[i] = float64(c)
			if c > peak {
				peak, peakAt = c, labels[i]
			}
		}
		volChart.Series = append(volChart.Series, model.BriefChartSeries{Name: "信息量", Values: vals})
	}
	sentChart := &model.BriefChart{Kind: "line", Title: "情感走势（条）", Labels: labels}
	for _, key := range []string{model.Negative, model.Neutral, model.Positive} {
		vals := make([]float64, len(labels))
		for _, l := range bySent.Lines {
			if l.Key != key {
				continue
			}
			for i, c := range l.Counts {
				if i < len(vals) {
					vals[i] = float64(c)
				}
			}
		}
		sentChart.Series = append(sentChart.Series, model.BriefChartSeries{Name: sentimentNames[key], Values: vals})
	}
	text := "本期无相关信息。"
	if peak > 0 {
		text = fmt.Sprintf("信息量峰值出现在%s，为%d条。", peakAt, peak)
	}
	return model.BriefSection{Title: "声量与情感走势", Blocks: []model.BriefBlock{
		{ID: "trend", Kind: model.BlockText, Text: text},
		{Kind: model.BlockChart, Chart: volChart},
		{Kind: model.BlockChart, Chart: sentChart},
	}}, nil
}

// Summary returns the first sentences of text, up to about n characters:
// an extractive summary.
func Summary(text string, n int) string {
	text = strings.Join(strings.Fields(text), "")
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	cut := -1
	for i, c := range r[:n] {
		if c == '。' || c == '！' || c == '？' || c == '；' {
			cut = i
		}
	}
	if cut >= 0 {
		return string(r[:cut+1])
	}
	return string(r[:n]) + "……"
}

func localTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(model.China).Format("1月2日15:04")
}

func (b *Builder) hotEvents(ctx context.Context, events []model.Event) (model.BriefSection, error) {
	sec := model.BriefSection{Title: "热点事件"}
	if len(events) == 0 {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{ID: "hot", Kind: model.BlockText, Text: "本期未发现热点事件。"})
		return sec, nil
	}
	table := &model.BriefTable{Header: []string{"事件", "首发", "传播", "负面占比", "处置"}}
	for i, e := range events {
		first, err := b.src.GetPost(ctx, e.FirstPostID)
		if err != nil && !isNotFound(err) {
			return sec, err
		}
		publisher := cmp.Or(first.SourceName, first.SourceID, "未知来源")
		inc := "未立案"
		if e.IncidentID != "" {
			if in, err := b.src.GetIncident(ctx, e.IncidentID); err == nil {
				inc = "已立案（" + levelText(in.Level) + "，" + in.State + "）"
			} else if !isNotFound(err) {
				return sec, err
			}
		}
		neg := pct(int64(e.NegativeCount), int64(e.PostCount))
		table.Rows = append(table.Rows, []string{e.Title, publisher + " " + localTime(e.FirstSeen),
			fmt.Sprintf("%d条/%d个来源", e.PostCount, e.SourceCount), neg, inc})
		sum := Summary(cmp.Or(first.Body, first.Title), 120)
		sec.Blocks = append(sec.Blocks, model.BriefBlock{ID: fmt.Sprintf("hot.%d", i+1), Kind: model.BlockText,
			Text: fmt.Sprintf("（%s）%s。%s首发于%s，共%d条相关信息、%d个来源，负面信息占%s，%s。摘要：%s",
				chineseNumerals[min(i, 9)], e.Title, localTime(e.FirstSeen), publisher, e.PostCount, e.SourceCount, neg, inc, sum)})
	}
	sec.Blocks = append([]model.BriefBlock{{Kind: model.BlockTable, Table: table}}, sec.Blocks...)
	return sec, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func levelText(l string) string {
	if l == "" {
		return "未定级"
	}
	return l + "级"
}

// mediaTiers are the tiers whose posts are media's views; the rest are
// the public's.
var mediaTiers = []string{model.TierCentral, model.TierProvincial, model.TierLocal, model.TierOfficial}

func quoteOf(p model.Post) model.BriefBlock {
	return model.BriefBlock{ID: "quote." + p.ID, Kind: model.BlockQuote, Text: Summary(cmp.Or(p.Body, p.Title), 90),
		Source: fmt.Sprintf("%s，%s", cmp.Or(p.SourceName, p.SourceID), localTime(p.PublishedAt))}
}

func (b *Builder) viewpoints(ctx context.Context, f store.Filter) (model.BriefSection, error) {
	sec := model.BriefSection{Title: "媒体与网民观点"}
	var media, public []model.BriefBlock
	for _, tier := range []string{model.TierCentral, model.TierProvincial, model.TierLocal, model.TierForum, model.TierSelfMedia} {
		g := f
		g.Tier = tier
		page, err := b.src.QueryPosts(ctx, g.Posts(2, 0))
		if err != nil {
			return sec, err
		}
		for _, p := range page.Items {
			if slices.Contains(mediaTiers, tier) {
				media = append(media, quoteOf(p))
			} else {
				public = append(public, quoteOf(p))
			}
		}
	}
	if len(media) == 0 && len(public) == 0 {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{ID: "views", Kind: model.BlockText, Text: "本期无代表性观点。"})
		return sec, nil
	}
	if len(media) > 0 {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{Kind: model.BlockHeading, Text: "媒体观点"})
		sec.Blocks = append(sec.Blocks, media[:min(4, len(media))]...)
	}
	if len(public) > 0 {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{Kind: model.BlockHeading, Text: "网民观点"})
		sec.Blocks = append(sec.Blocks, public[:min(4, len(public))]...)
	}
	return sec, nil
}

func regions(facets store.Facets) model.BriefSection {
	sec := model.BriefSection{Title: "地域分布"}
	vals := facets.By[store.ByRegion]
	if len(vals) == 0 {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{ID: "regions", Kind: model.BlockText, Text: "本期信息未识别出地域。"})
		return sec
	}
	t := &model.BriefTable{Header: []string{"地区", "信息量（条）", "占比"}}
	ch := &model.BriefChart{Kind: "bar", Title: "地域分布（条）", Series: []model.BriefChartSeries{{Name: "信息量"}}}
	for _, v := range vals {
		name := cmp.Or(v.Label, v.Key)
		t.Rows = append(t.Rows, []string{name, fmt.Sprint(v.Count), pct(v.Count, facets.Total)})
		ch.Labels = append(ch.Labels, name)
		ch.Series[0].Values = append(ch.Series[0].Values, float64(v.Count))
	}
	top := vals[0]
	sec.Blocks = append(sec.Blocks,
		model.BriefBlock{ID: "regions", Kind: model.BlockText, Text: fmt.Sprintf("信息提及地域最多的是%s（%d条，占%s）。", cmp.Or(top.Label, top.Key), top.Count, pct(top.Count, facets.Total))},
		model.BriefBlock{Kind: model.BlockTable, Table: t}, model.BriefBlock{Kind: model.BlockChart, Chart: ch})
	return sec
}

// Obligation outcomes as a brief states them.
const (
	OutcomeOnTime   = "按时完成"
	OutcomeLate     = "逾期完成"
	OutcomeBreached = "已超时未完成"
	OutcomePending  = "办理中"
	OutcomeWaived   = "已豁免"
)

// Outcome says how an obligation ended, as of now.
func Outcome(o model.Obligation, now time.Time) string {
	switch o.State {
	case model.ObligationFulfilled:
		if o.Late {
			return OutcomeLate
		}
		return OutcomeOnTime
	case model.ObligationBreached:
		return OutcomeBreached
	case model.ObligationWaived:
		return OutcomeWaived
	}
	if !o.DueAt.IsZero() && now.After(o.DueAt) {
		return OutcomeBreached
	}
	return OutcomePending
}

// latency is how long after the clock started an obligation was met.
func latency(in model.Incident, o model.Obligation) string {
	if o.State != model.ObligationFulfilled || o.Evidence == nil || in.ClockStart.IsZero() {
		return "—"
	}
	d := o.Evidence.PublishedAt.Sub(in.ClockStart)
	if d < 0 {
		d = 0
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	if h == 0 {
		return fmt.Sprintf("%d分钟", m)
	}
	return fmt.Sprintf("%d小时%d分钟", h, m)
}

// activeIn reports whether an incident concerns [start, end): opened
// before end and either open or with an obligation due in the period.
func activeIn(in model.Incident, start, end time.Time) bool {
	if !in.OpenedAt.Before(end) {
		return false
	}
	if !in.OpenedAt.Before(start) || in.Open {
		return true
	}
	for _, o := range in.Obligations {
		if !o.DueAt.Before(start) && o.DueAt.Before(end) {
			return true
		}
	}
	return false
}

func handling(incidents []model.Incident, start, end, now time.Time, fig map[string]int64) model.BriefSection {
	sec := model.BriefSection{Title: "重点事件处置情况"}
	t := &model.BriefTable{Header: []string{"事件", "级别", "时限要求", "截止时间", "完成情况", "响应用时"}}
	var n, on, late, breached int64
	var count int64
	for _, in := range incidents {
		if in.Kind == "disclosure" || in.State == model.StateFalseAlarm || !activeIn(in, start, end) {
			continue
		}
		count++
		for _, o := range in.Obligations {
			out := Outcome(o, now)
			n++
			switch out {
			case OutcomeOnTime:
				on++
			case OutcomeLate:
				late++
			case OutcomeBreached:
				breached++
			}
			t.Rows = append(t.Rows, []string{in.Title, levelText(in.Level), o.Title, localTime(o.DueAt), out, latency(in, o)})
		}
	}
	fig[FigIncidents], fig[FigObligations], fig[FigOnTime], fig[FigLate], fig[FigBreached] = count, n, on, late, breached
	if count == 0 {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{ID: "handling", Kind: model.BlockText, Text: "本期无需处置的舆情事件。"})
		return sec
	}
	sec.Blocks = append(sec.Blocks,
		model.BriefBlock{ID: "handling", Kind: model.BlockText, Text: fmt.Sprintf("本期涉及舆情事件%d起，对应回应时限%d项：按时完成%d项，逾期完成%d项，超时未完成%d项，其余办理中。", count, n, on, late, breached)},
		model.BriefBlock{Kind: model.BlockTable, Table: t})
	return sec
}

func disclosure(incidents []model.Incident, start, end, now time.Time, fig map[string]int64) model.BriefSection {
	sec := model.BriefSection{Title: "政务公开时限"}
	t := &model.BriefTable{Header: []string{"事项", "时限要求", "截止时间", "完成情况"}}
	var due, met, over int64
	for _, in := range incidents {
		if in.Kind != "disclosure" {
			continue
		}
		for _, o := range in.Obligations {
			if o.DueAt.Before(start) && o.State != model.ObligationPending {
				continue
			}
			if !o.DueAt.Before(end.AddDate(0, 0, 7)) {
				continue
			}
			out := Outcome(o, now)
			due++
			switch out {
			case OutcomeOnTime, OutcomeLate:
				met++
			case OutcomeBreached:
				over++
			}
			t.Rows = append(t.Rows, []string{in.Title, o.Title, localTime(o.DueAt), out})
		}
	}
	fig[FigDisclosDue], fig[FigDisclosMet], fig[FigDisclosLate] = due, met, over
	if due == 0 {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{ID: "disclosure", Kind: model.BlockText, Text: "本期无到期的政务公开事项。"})
		return sec
	}
	sec.Blocks = append(sec.Blocks,
		model.BriefBlock{ID: "disclosure", Kind: model.BlockText, Text: fmt.Sprintf("本期及未来七日到期的政务公开事项%d项，已办结%d项，已超期%d项。", due, met, over)},
		model.BriefBlock{Kind: model.BlockTable, Table: t})
	return sec
}

func (b *Builder) watch(incidents []model.Incident, events []model.Event, end time.Time) model.BriefSection {
	sec := model.BriefSection{Title: "下期关注"}
	var lines []string
	for _, in := range incidents {
		if !in.Open || !in.OpenedAt.Before(end) {
			continue
		}
		next := ""
		for _, o := range in.Obligations {
			if o.State == model.ObligationPending {
				next = fmt.Sprintf("，须于%s前%s", localTime(o.DueAt), o.Title)
				break
			}
		}
		lines = append(lines, fmt.Sprintf("“%s”仍在处置中（%s，%s）%s。", in.Title, levelText(in.Level), in.State, next))
	}
	for _, e := range events {
		if e.IncidentID == "" && e.LastSeen.After(end.Add(-(end.Sub(e.FirstSeen))/2)) && e.PostCount >= 3 {
			lines = append(lines, fmt.Sprintf("“%s”热度仍在上升（%d条信息），建议持续关注。", e.Title, e.PostCount))
		}
	}
	if len(lines) == 0 {
		lines = []string{"暂无需重点关注的事项，将继续做好日常监测。"}
	}
	for i, l := range lines {
		sec.Blocks = append(sec.Blocks, model.BriefBlock{ID: fmt.Sprintf("watch.%d", i+1), Kind: model.BlockText, Text: l})
	}
	return sec
}
