package responder

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/yuqing-project/yuqing/model"
)

// trigger decides whether ev becomes an incident and says why, in Chinese
// for the duty staff; "" when it does not. Any one of:
//
//   - a burst: within the burst window, at least IncidentMinPosts posts
//     from IncidentMinSources sources, IncidentNegativeShare of them
//     negative; for an event on a sensitive topic (IncidentTopics) half the
//     posts suffice;
//   - heat: the heat index reaches IncidentMinHeat (when set);
//   - authoritative coverage: a source of a tier in IncidentTiers (中央媒体
//     by default) reported it negatively, and the event has two posts;
//   - a monitoring scheme marked for alerts matched the post.
//
// Only something wrong becomes an incident: apart from a scheme an officer
// marked for alerts (their explicit request), an event opens one only when
// its public posts are negative — at least IncidentNegativeShare of them
// (at least one when the share is 0). A positive or neutral story, however
// hot, never does. The government's own posts are not counted (see
// stance.go).
func (r *Responder) trigger(ev *model.Event, p *model.Post) string {
	s := r.state
	for _, h := range p.Schemes {
		if h.Alert {
			name := h.Name
			if name == "" {
				name = h.ID
			}
			return "触发条件:命中预警监测方案「" + name + "」(" + strings.Join(h.Terms, "、") + ")"
		}
	}
	if !r.negativeStory(ev) {
		return ""
	}
	posts, negative, sources := s.burst(ev, r.cfg.IncidentBurstWindow)
	minPosts := r.cfg.IncidentMinPosts
	topic := r.sensitiveTopic(ev)
	if topic != "" {
		minPosts = max(2, int(math.Ceil(float64(minPosts)/2)))
	}
	if posts >= minPosts && sources >= r.cfg.IncidentMinSources && float64(negative) >= r.cfg.IncidentNegativeShare*float64(posts) {
		why := fmt.Sprintf("触发条件:%s内%d条信息、%d个信息源、%d条负面", r.cfg.IncidentBurstWindow, posts, sources, negative)
		if topic != "" {
			why += "(敏感领域「" + topic + "」,门槛减半)"
		}
		return why
	}
	if r.cfg.IncidentMinHeat > 0 && ev.Heat >= r.cfg.IncidentMinHeat {
		return fmt.Sprintf("触发条件:热度%.1f达到%.1f", ev.Heat, r.cfg.IncidentMinHeat)
	}
	if ev.PostCount >= 2 {
		for _, tier := range r.cfg.IncidentTiers {
			if s.tiers[ev.ID][tier] > 0 {
				return "触发条件:" + tier + "负面报道"
			}
		}
	}
	return ""
}

// negativeStory says whether ev's public posts are negative enough for an
// incident.
func (r *Responder) negativeStory(ev *model.Event) bool {
	pub := r.state.publicPosts(ev)
	if ev.NegativeCount == 0 || pub == 0 {
		return false
	}
	return float64(ev.NegativeCount) >= r.cfg.IncidentNegativeShare*float64(pub)
}

// sensitiveTopic returns the configured sensitive topic ev is most about,
// or "".
func (r *Responder) sensitiveTopic(ev *model.Event) string {
	best, score := "", 0.0
	for t, v := range r.state.topics[ev.ID] {
		if slices.Contains(r.cfg.IncidentTopics, t) && v > score && v/float64(max(ev.PostCount, 1)) >= 0.3 {
			best, score = t, v
		}
	}
	return best
}

// categories maps the analyzer's topics to the kinds of 政务舆情 that must
// be answered (国办发〔2016〕61号): "对政府及其部门重大政策措施存在误解误读的;
// 涉及公众切身利益且产生较大影响的;涉及民生领域严重冲击社会道德底线的;涉及突发
// 事件处置和自然灾害应对的;上级政府要求下级政府主动回应的".
var categories = []struct {
	name   string
	topics []string
}{
	{"涉及突发事件处置和自然灾害应对", []string{"突发事件与自然灾害", "安全生产"}},
	{"涉及民生领域严重冲击社会道德底线", []string{"食品药品安全", "社会治安"}},
	{"对政府及其部门重大政策措施存在误解误读", []string{"政策解读", "行政权力与权责清单", "财政预决算与收费"}},
	{"涉及公众切身利益且产生较大影响", []string{"征地拆迁与住房", "社会保障与救助", "教育", "医疗卫生", "就业", "交通", "环境保护",
		"农业农村", "扶贫", "金融风险与债务", "政务服务与审批", "公共资源配置与招投标", "重大建设项目"}},
}

// category names the must-respond category of an event from its topic
// scores: the category of its strongest topic, or the broad "涉及公众切身利益"
// when no topic is known.
func category(topics map[string]float64) string {
	best, score := "", 0.0
	for t, v := range topics {
		if v > score {
			best, score = t, v
		}
	}
	for _, c := range categories {
		if slices.Contains(c.topics, best) {
			return c.name
		}
	}
	return "涉及公众切身利益且产生较大影响"
}

// suggestLevel is the level the evidence suggests for ev: the gravest of
// the level its casualty and loss figures reach (条例第三条) and the level
// configured for the tiers that covered it negatively; "" when nothing
// gives a level. It says why in Chinese.
func (r *Responder) suggestLevel(ev *model.Event, figs CasualtyFigures) (level, why string) {
	if l := figs.Level(); l != "" {
		level, why = l, "文中提及"+figures(figs)+",按生产安全事故报告和调查处理条例第三条"
	}
	for tier, n := range r.state.tiers[ev.ID] {
		l := r.cfg.LevelByTier[tier]
		if n == 0 || l == "" || (level != "" && model.LevelRank(l) >= model.LevelRank(level)) {
			continue
		}
		level, why = l, tier+"负面报道"
	}
	return level, why
}
