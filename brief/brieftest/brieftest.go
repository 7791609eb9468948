// Package brieftest seeds a store with demo-like data for the briefs'
// tests: a day of posts from sources of every tier, a chemical-plant
// explosion event with its incident and deadlines (one met, one breached),
// a quieter event, and a disclosure item.
package brieftest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Writer is what Seed writes through; store.Store satisfies it.
type Writer interface {
	UpsertPosts(ctx context.Context, posts []model.Post) error
	UpsertEvents(ctx context.Context, events []model.Event) error
	UpsertIncidents(ctx context.Context, incidents []model.Incident) error
	AppendHistory(ctx context.Context, entries []model.HistoryEntry) error
}

// IncidentID is the explosion incident's ID; DisclosureID the disclosure
// item's.
const (
	IncidentID   = "inc-explosion"
	DisclosureID = "disc-policy"
)

type source struct{ id, name, tier, kind string }

var sources = []source{
	{"county-gov", "某县人民政府网", model.TierOfficial, model.KindPortal},
	{"xinhua", "新华网", model.TierCentral, model.KindNews},
	{"prov-daily", "省日报", model.TierProvincial, model.KindNews},
	{"county-news", "县融媒体中心", model.TierLocal, model.KindNews},
	{"forum", "县城论坛", model.TierForum, model.KindForum},
	{"wemedia", "本地生活号", model.TierSelfMedia, model.KindFeed},
}

var texts = []struct{ title, body, label string }{
	{"化工园区一企业发生爆炸", "今日凌晨，某县化工园区一企业车间发生爆炸，现场浓烟滚滚。消防救援力量已赶赴现场处置，伤亡情况正在核实。", model.Negative},
	{"网友：爆炸声很大，窗户都震响了", "住在附近的网友称爆炸声很大，窗户都震响了，希望政府尽快公布伤亡和空气质量情况。", model.Negative},
	{"县应急管理局通报化工企业爆炸情况", "县应急管理局通报：事故已造成2人受伤，均已送医救治，无生命危险，事故原因正在调查。", model.Neutral},
	{"环境监测数据显示空气质量总体稳定", "县生态环境局在事故周边布设监测点，数据显示空气质量总体稳定，未检出有毒气体超标。", model.Positive},
	{"县城老旧小区改造进展顺利", "今年县城老旧小区改造项目已完成过半，居民对加装电梯等措施普遍满意。", model.Positive},
	{"市民反映学校门口交通拥堵", "有市民反映早晚高峰学校门口交通拥堵，希望交警部门加强疏导。", model.Negative},
}

func post(i int, day time.Time) model.Post {
	s := sources[(i+i/6)%len(sources)]
	tx := texts[i%len(texts)]
	at := day.Add(time.Duration(1+i%20)*time.Hour + time.Duration(i)*time.Minute)
	region := model.Region{Code: "320581", Name: "常熟市", Role: "mentioned"}
	if i%3 == 0 {
		region = model.Region{Code: "320582", Name: "张家港市", Role: "mentioned"}
	}
	return model.Post{
		Document: model.Document{ID: fmt.Sprintf("p%03d", i), Version: 1, URL: fmt.Sprintf("http://%s.example.cn/%d.html", s.id, i),
			SourceID: s.id, SourceName: s.name, SourceKind: s.kind, Authority: s.tier, RegionCode: region.Code,
			Title: tx.title, Body: tx.body, PublishedAt: at, FetchedAt: at.Add(time.Minute)},
		AnalyzedAt: at.Add(2 * time.Minute),
		Sentiment:  model.Sentiment{Label: tx.label, Score: 0.8},
		Keywords:   []model.Keyword{{Word: "爆炸", Weight: 1}, {Word: "化工", Weight: 0.5}},
		Regions:    []model.Region{region},
	}
}

// Seed writes the data of day (00:00 China time) and of the day before,
// and returns the explosion incident.
func Seed(ctx context.Context, w Writer, day time.Time) (model.Incident, error) {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, model.China)
	var posts []model.Post
	for i := range 36 {
		posts = append(posts, post(i, day))
	}
	for i := range 12 {
		p := post(100+i, day.AddDate(0, 0, -1))
		posts = append(posts, p)
	}
	if err := w.UpsertPosts(ctx, posts); err != nil {
		return model.Incident{}, err
	}
	var expl, other []string
	for i, p := range posts[:36] {
		switch i % len(texts) {
		case 0, 1, 2, 3:
			expl = append(expl, p.ID)
		case 5:
			other = append(other, p.ID)
		}
	}
	neg := func(ids []string) int {
		n := 0
		for _, p := range posts {
			for _, id := range ids {
				if p.ID == id && p.Sentiment.Label == model.Negative {
					n++
				}
			}
		}
		return n
	}
	sourcesOf := func(ids []string) []string {
		var out []string
		for _, p := range posts {
			for _, id := range ids {
				if p.ID == id && !slices.Contains(out, p.SourceID) {
					out = append(out, p.SourceID)
				}
			}
		}
		return out
	}
	ev := model.Event{ID: "ev-explosion", Version: 1, Title: "化工园区企业爆炸", FirstPostID: expl[0], FirstSeen: posts[0].PublishedAt,
		LastSeen: day.Add(22 * time.Hour), PostCount: len(expl), NegativeCount: neg(expl), SourceCount: len(sourcesOf(expl)), Heat: 88,
		Keywords: []string{"爆炸", "化工园区", "伤亡", "空气质量"}, PostIDs: expl, Sources: sourcesOf(expl),
		IncidentID: IncidentID}
	ev2 := model.Event{ID: "ev-traffic", Version: 1, Title: "学校门口交通拥堵", FirstPostID: other[0], FirstSeen: posts[5].PublishedAt,
		LastSeen: day.Add(21 * time.Hour), PostCount: len(other), NegativeCount: neg(other), SourceCount: len(sourcesOf(other)), Heat: 31,
		Keywords: []string{"交通", "拥堵"}, PostIDs: other, Sources: sourcesOf(other)}
	if err := w.UpsertEvents(ctx, []model.Event{ev, ev2}); err != nil {
		return model.Incident{}, err
	}
	start := posts[0].PublishedAt
	in := model.Incident{ID: IncidentID, Version: 1, EventID: ev.ID, Title: "化工园区企业爆炸", Level: "II", State: model.StateHandling,
		OpenedAt: start.Add(20 * time.Minute), ClockStart: start, DetectedAt: start, EventTime: start.Add(-30 * time.Minute), Open: true,
		Reason: "化工企业发生爆炸，有人员受伤", Category: "涉及突发事件处置和自然灾害应对",
		Obligations: []model.Obligation{
			{Rule: "R-5H", Title: "发布权威信息", DueAt: start.Add(5 * time.Hour), State: model.ObligationFulfilled,
				Evidence: &model.Evidence{URL: "http://county-gov.example.cn/2.html", Title: "县应急管理局通报化工企业爆炸情况", Source: "某县人民政府网", PublishedAt: start.Add(3 * time.Hour)}},
			{Rule: "R-24H", Title: "举行新闻发布会", DueAt: start.Add(40 * time.Hour), State: model.ObligationPending},
			{Rule: "R-48H", Title: "回应社会关切", DueAt: start.Add(2 * time.Hour), State: model.ObligationBreached, BreachedAt: start.Add(2 * time.Hour)},
		}}
	disc := model.Incident{ID: DisclosureID, Version: 1, Kind: "disclosure", Title: "《县城老旧小区改造实施方案》政策解读", State: model.StateHandling,
		OpenedAt: day.AddDate(0, 0, -3), ClockStart: day.AddDate(0, 0, -3), Open: true,
		Obligations: []model.Obligation{{Rule: "D-INTERP", Title: "同步发布政策解读", DueAt: day.Add(30 * time.Hour), State: model.ObligationPending}}}
	// Two applications for disclosure: one of last year answered this
	// year, late; one of this year still open.
	yearStart := time.Date(day.Year(), 1, 1, 0, 0, 0, 0, model.China)
	apply1 := model.Incident{ID: "disc-apply-1", Version: 1, Kind: "disclosure", Title: "申请公开化工园区环评报告", State: model.StateClosed,
		OpenedAt: yearStart.AddDate(0, 0, -10), ClockStart: yearStart.AddDate(0, 0, -10),
		Obligations: []model.Obligation{{Rule: "D-APPLY", Title: "答复政府信息公开申请", DueAt: yearStart.AddDate(0, 0, 18), State: model.ObligationFulfilled, Late: true,
			Evidence: &model.Evidence{Title: "政府信息公开申请答复书", Source: "县政府办", PublishedAt: yearStart.AddDate(0, 0, 25)}}}}
	apply2 := model.Incident{ID: "disc-apply-2", Version: 1, Kind: "disclosure", Title: "申请公开老旧小区改造资金使用情况", State: model.StateHandling, Open: true,
		OpenedAt: day.AddDate(0, 0, -5), ClockStart: day.AddDate(0, 0, -5),
		Obligations: []model.Obligation{{Rule: "D-APPLY", Title: "答复政府信息公开申请", DueAt: day.AddDate(0, 0, 23), State: model.ObligationPending}}}
	if err := w.UpsertIncidents(ctx, []model.Incident{in, disc, apply1, apply2}); err != nil {
		return model.Incident{}, err
	}
	if err := w.AppendHistory(ctx, []model.HistoryEntry{
		{ID: "h1", IncidentID: in.ID, At: in.OpenedAt, Actor: "system", Action: "open", To: model.StatePending, Reason: in.Reason},
		{ID: "h2", IncidentID: in.ID, At: in.OpenedAt.Add(40 * time.Minute), Actor: "值班员", Action: "confirm", From: model.StatePending, To: model.StateHandling},
	}); err != nil {
		return model.Incident{}, err
	}
	return in, nil
}
