package readmodel

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/yuqing-project/yuqing/model"
)

// This file is the one place where the system's keys, states and times
// become the Chinese people read: history entries, requests, obligation and
// delivery states, durations and times. Pages and briefs call these
// functions; nothing else turns a key into words.

// Time says t in China time as people write it: 12月2日 14:05; the zero
// time is a dash.
func Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	c := t.In(model.China)
	return fmt.Sprintf("%d月%d日 %02d:%02d", int(c.Month()), c.Day(), c.Hour(), c.Minute())
}

// Date says the day of t in China time: 2026年12月2日.
func Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	c := t.In(model.China)
	return fmt.Sprintf("%d年%d月%d日", c.Year(), int(c.Month()), c.Day())
}

// Duration says d in Chinese, to the minute: 6小时, 1天2小时, 4小时12分钟,
// 30分钟; under a minute is 不到1分钟.
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%d天", days)
	}
	if hours > 0 {
		fmt.Fprintf(&b, "%d小时", hours)
	}
	if mins > 0 && days == 0 {
		fmt.Fprintf(&b, "%d分钟", mins)
	}
	if b.Len() == 0 {
		return "不到1分钟"
	}
	return b.String()
}

// Countdown says how long until due from now: 剩余4小时12分钟, or
// 已超时2小时.
func Countdown(due, now time.Time) string {
	d := due.Sub(now)
	if d < 0 {
		return "已超时" + Duration(-d)
	}
	return "剩余" + Duration(d)
}

// Count says a number as Chinese figures do: 9999, 1.2万, 3.4亿.
func Count(n int64) string {
	switch {
	case n >= 100_000_000:
		return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", float64(n)/1e8), "0"), ".0") + "亿"
	case n >= 10_000:
		return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e4), "0"), ".") + "万"
	}
	return fmt.Sprint(n)
}

// goDuration matches a duration as Go prints it (6h0m0s, 30m0s, 1h30m, 45s).
var goDuration = regexp.MustCompile(`\b(\d+h)?(\d+m)?(\d+(\.\d+)?s)?\b`)

// halfWidth are the punctuation marks written full-width in Chinese text.
var halfWidth = map[rune]rune{':': '：', ',': '，', '(': '（', ')': '）', ';': '；', '?': '？', '!': '！'}

// Text makes a sentence the system wrote fit to read: durations as Go
// prints them become Chinese (6h0m0s内4条信息 → 6小时内4条信息) and ASCII
// punctuation next to Chinese becomes full-width (触发条件:6小时内 →
// 触发条件：6小时内). Punctuation between digits or Latin letters (14:05,
// a URL) stays as it is.
func Text(s string) string {
	s = goDuration.ReplaceAllStringFunc(s, func(m string) string {
		if m == "" || !strings.ContainsAny(m, "hms") || m == "s" || m == "m" || m == "h" {
			return m
		}
		d, err := time.ParseDuration(m)
		if err != nil {
			return m
		}
		return Duration(d)
	})
	rs := []rune(s)
	for i, r := range rs {
		fw, ok := halfWidth[r]
		if !ok {
			continue
		}
		prevHan := i > 0 && isHan(rs[i-1])
		nextHan := i+1 < len(rs) && isHan(rs[i+1])
		switch r {
		case '(':
			if nextHan || prevHan {
				rs[i] = fw
			}
		case ')':
			if prevHan || (i+1 < len(rs) && isHan(rs[i+1])) {
				rs[i] = fw
			}
		default:
			if prevHan || nextHan {
				rs[i] = fw
			}
		}
	}
	return string(rs)
}

func isHan(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) || r == '》' || r == '《'
}

// VoiceName is the Chinese name of a post's voice (model.Voice…); empty
// for public opinion, which needs no mark.
func VoiceName(voice string) string {
	switch voice {
	case model.VoiceOfficial:
		return "官方发布"
	case model.VoiceRelay:
		return "政策解读"
	}
	return ""
}

// SentimentName names a sentiment label: 正面, 中性, 负面.
func SentimentName(label string) string {
	switch label {
	case model.Negative:
		return "负面"
	case model.Positive:
		return "正面"
	case model.Neutral:
		return "中性"
	}
	return "未判断"
}

// KindName names a source kind: 政府网站, 新闻网站, 论坛, 订阅源.
func KindName(kind string) string {
	if n, ok := map[string]string{model.KindPortal: "政府网站", model.KindNews: "新闻网站", model.KindForum: "论坛",
		model.KindFeed: "订阅源", model.KindAPI: "数据接口"}[kind]; ok {
		return n
	}
	if kind == "" {
		return "其他"
	}
	return kind
}

// LevelName names an incident level: Ⅱ级（重大）; empty is 未定级.
func LevelName(l string) string {
	if n, ok := map[string]string{"I": "Ⅰ级（特别重大）", "II": "Ⅱ级（重大）", "III": "Ⅲ级（较大）", "IV": "Ⅳ级（一般）"}[l]; ok {
		return n
	}
	return "未定级"
}

// ShortLevel names a level briefly: Ⅱ级.
func ShortLevel(l string) string {
	if n, ok := map[string]string{"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "IV": "Ⅳ级"}[l]; ok {
		return n
	}
	return "未定级"
}

// ObligationState names an obligation state: 办理中, 已履行, 已超时, 已豁免.
func ObligationState(s string) string {
	if n, ok := map[string]string{model.ObligationPending: "办理中", model.ObligationFulfilled: "已履行",
		model.ObligationBreached: "已超时", model.ObligationWaived: "已豁免"}[s]; ok {
		return n
	}
	return s
}

// DeliveryStatus names a delivery's result: 已发送, 发送失败, 暂缓发送.
func DeliveryStatus(s string) string {
	if n, ok := map[string]string{"sent": "已发送", "failed": "发送失败", "held": "暂缓发送（免打扰时段）"}[s]; ok {
		return n
	}
	return s
}

// RequestName names a request people make of an incident: 确认事件, 指派处置人, ….
func RequestName(action string) string {
	if n, ok := map[string]string{
		model.RequestConfirm: "确认事件", model.RequestAssign: "指派处置人", model.RequestAcknowledge: "确认收到提醒",
		model.RequestRecordResponse: "登记回应", model.RequestConfirmEvidence: "确认回应证据", model.RequestWaive: "豁免时限",
		model.RequestSetLevel: "确定级别", model.RequestClose: "办结", model.RequestFalseAlarm: "标记误报",
		model.RequestExtend: "延长办理期限", model.RequestRestart: "补正后重新计时", model.RequestPause: "暂停计时（征求意见）",
		model.RequestEventMerge: "合并事件", model.RequestEventSplit: "拆分事件",
	}[action]; ok {
		return n
	}
	return "其他请求"
}

// Obligations names the obligations of an incident by their rules, so
// that a history entry says 发布权威信息 rather than the rule's ID.
type Obligations map[string]string

// ObligationsOf returns the names of inc's obligations by rule ID.
func ObligationsOf(inc model.Incident) Obligations {
	o := Obligations{}
	for _, ob := range inc.Obligations {
		if ob.Title != "" {
			o[ob.Rule] = ob.Title
		}
	}
	return o
}

// Name returns what the obligation of rule is called: its title in quotes
// (「发布权威信息」), or 「回应义务」 when the incident has no such rule.
func (o Obligations) Name(rule string) string {
	if t, ok := o[rule]; ok {
		return "「" + t + "」"
	}
	return "「回应义务」"
}

// replaceRules puts the obligations' names for the rule IDs a sentence
// starts or is sprinkled with (R-5H:登记回应… → 「发布权威信息」：登记回应…).
func (o Obligations) replaceRules(s string) string {
	for rule := range o {
		s = strings.ReplaceAll(s, rule+"/", o.Name(rule)+" ")
		s = strings.ReplaceAll(s, rule, o.Name(rule))
	}
	return s
}

// HistoryLine is one entry of an incident's history as people read it.
type HistoryLine struct {
	At, Actor string
	// What the entry is: 申请指派处置人, 指派处置人, 新增回应时限, ….
	What string
	// Change is what changed (待研判 → 已确认), Note why or how; either
	// may be empty.
	Change, Note string
	// Rejected is set on the outcome of a request that was not applied.
	Rejected bool
}

// Actor names who did something: 系统 for the responder.
func Actor(a string) string {
	if a == "system" || a == "" {
		return "系统"
	}
	return a
}

// History returns inc's history entries as people read them.
func History(inc model.Incident, entries []model.HistoryEntry) []HistoryLine {
	obs := ObligationsOf(inc)
	out := make([]HistoryLine, 0, len(entries))
	for _, e := range entries {
		out = append(out, historyLine(obs, e))
	}
	return out
}

func historyLine(obs Obligations, e model.HistoryEntry) HistoryLine {
	l := HistoryLine{At: Time(e.At), Actor: Actor(e.Actor)}
	state := func(s string) string {
		if n := ObligationState(s); n != s {
			return n
		}
		if model.ValidLevel(s) {
			return ShortLevel(s)
		}
		if _, ok := obs[s]; ok {
			return obs.Name(s)
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return Time(t)
		}
		return s
	}
	change := func() string {
		switch {
		case e.From != "" && e.To != "" && e.From != e.To:
			return state(e.From) + " → " + state(e.To)
		case e.To != "" && e.From == "":
			return state(e.To)
		}
		return ""
	}
	note := Text(obs.replaceRules(e.Reason))
	if name, ok := strings.CutPrefix(e.Action, model.RequestPrefix); ok {
		l.What = "申请" + RequestName(name)
		l.Note = requestNote(obs, name, e.Reason)
		return l
	}
	switch e.Action {
	case "opened":
		l.What, l.Change, l.Note = "登记事件", change(), note
	case "level_changed":
		l.What, l.Change, l.Note = "调整级别", change(), note
	case "obligation_created":
		l.What, l.Note = "新增回应时限", note
		if e.To != "" {
			l.Change = obs.Name(e.To)
		}
	case "obligation_waived":
		l.What, l.Change, l.Note = "豁免回应时限", change(), note
	case "obligation_fulfilled":
		l.What, l.Change, l.Note = "履行回应时限", change(), note
	case "obligation_breached":
		l.What, l.Change, l.Note = "回应超时", change(), note
	case "notice":
		l.What, l.Note = "超时通报", note
	case "effect_evaluated":
		l.What, l.Note = "效果评估", note
	case "clock_start_changed":
		l.What, l.Change, l.Note = "调整计时起点", change(), note
	case "request_rejected":
		l.What, l.Change, l.Note, l.Rejected = "请求未执行", "", note, true
	case model.ActionEventMerged:
		l.What, l.Change, l.Note = "并入其他事件", "并入 "+e.To, note
	case model.ActionEventAbsorbed:
		l.What, l.Change, l.Note = "合并其他事件", e.From+" 并入", note
	case model.ActionEventSplit:
		l.What, l.Change, l.Note = "拆分事件", "拆出 "+e.To, note
	case model.ActionEventSplitFrom:
		l.What, l.Change, l.Note = "由拆分而来", "拆自 "+e.From, note
	default:
		l.What, l.Change, l.Note = RequestName(e.Action), change(), note
	}
	return l
}

// requestNote says what a request asked for, from the JSON the console
// stored it as.
func requestNote(obs Obligations, action, body string) string {
	if action == model.RequestEventMerge || action == model.RequestEventSplit {
		return eventRequestNote(body)
	}
	var r model.Request
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return Text(body)
	}
	var parts []string
	if r.Rule != "" {
		parts = append(parts, obs.Name(r.Rule))
	}
	if r.Assignee != "" {
		parts = append(parts, "处置人"+r.Assignee)
	}
	if r.Level != "" {
		parts = append(parts, "级别"+ShortLevel(r.Level))
	}
	if r.Title != "" {
		parts = append(parts, "《"+r.Title+"》")
	}
	if r.Source != "" {
		parts = append(parts, "发布方"+r.Source)
	}
	if !r.PublishedAt.IsZero() {
		parts = append(parts, "发布于"+Time(r.PublishedAt))
	}
	if !r.From.IsZero() {
		parts = append(parts, "自"+Date(r.From)+"起重新计算")
	}
	if r.Days > 0 {
		parts = append(parts, fmt.Sprintf("暂停%d个工作日", r.Days))
	}
	if r.Reason != "" {
		parts = append(parts, "说明："+Text(r.Reason))
	}
	return strings.Join(parts, "，")
}

// eventRequestNote says what a request of an event asked for.
func eventRequestNote(body string) string {
	var r model.EventRequest
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return Text(body)
	}
	var parts []string
	if r.Into != "" {
		parts = append(parts, "并入事件"+r.Into)
	}
	if len(r.Posts) > 0 {
		parts = append(parts, fmt.Sprintf("拆出%d条信息另立事件", len(r.Posts)))
	}
	if r.Reason != "" {
		parts = append(parts, "说明："+Text(r.Reason))
	}
	return strings.Join(parts, "，")
}

// NotificationName says what an alert was about from its key:
// R-5H/reminder/50% → 「发布权威信息」时限过半提醒.
func NotificationName(obs Obligations, key string) string {
	parts := strings.Split(key, "/")
	if parts[0] == "opened" {
		if len(parts) > 1 && strings.HasPrefix(parts[1], "escalation") {
			return "立案提醒（第" + strings.TrimPrefix(parts[1], "escalation") + "级上报）"
		}
		return "立案提醒"
	}
	name := obs.Name(parts[0])
	if len(parts) < 2 {
		return name + "提醒"
	}
	switch parts[1] {
	case "fulfilled":
		return name + "已履行通知"
	case "breach":
		return name + "超时通报"
	case "reminder":
		if len(parts) > 2 {
			return name + "时限提醒（已过" + parts[2] + "）"
		}
		return name + "时限提醒"
	}
	if strings.HasPrefix(parts[1], "escalation") {
		return name + "逐级上报"
	}
	return name + "提醒"
}

// RegionRole names a region's role in a post: 发布地, 提及, 事发地.
func RegionRole(role string) string {
	if n, ok := map[string]string{"publisher": "发布地", "mentioned": "提及", "event": "事发地"}[role]; ok {
		return n
	}
	return "相关"
}

// EntityKind names an entity's kind: 机构, 人物, 地点.
func EntityKind(kind string) string {
	if n, ok := map[string]string{"org": "机构", "person": "人物", "place": "地点"}[kind]; ok {
		return n
	}
	return "其他"
}

// ChannelType names a notification channel's type.
func ChannelType(t string) string {
	if n, ok := map[string]string{"webhook": "网络回调", "wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "email": "电子邮件",
		"sms": "短信", "page": "页面", "log": "日志"}[t]; ok {
		return n
	}
	return "其他渠道"
}

// auditActions are the audited actions in words.
var auditActions = map[string]string{
	"login": "登录", "login.second_factor": "动态口令验证", "login.sso": "统一身份认证登录", "logout": "退出登录",
	"account.add": "新建账号", "account.password": "修改密码", "account.reset_password": "重置密码", "account.role": "调整角色",
	"account.lock": "锁定账号", "account.unlock": "解锁账号", "account.totp_enrol": "绑定动态口令", "account.list": "查看账号",
	"token.create": "创建接口令牌", "token.revoke": "吊销接口令牌", "token.list": "查看接口令牌",
	"audit.export": "导出审计记录", "audit.verify": "校验审计记录", "audit.read": "查看审计记录", "audit.purge": "清理过期审计记录",
	"incident.open": "人工立案", "disclosure.open": "登记政务公开事项", "post.correct": "纠正倾向",
	"dictionary.add": "添加用户词", "dictionary.remove": "删除用户词", "dictionary.edit": "编辑用户词典",
	"scheme.edit": "编辑监测方案", "source.edit": "编辑信息源", "roster.edit": "编辑值班表",
	"brief.generate": "生成简报", "brief.draft": "编辑简报", "brief.submit": "提交审核", "brief.sign": "签发简报", "brief.issue": "印发简报",
	"inspection.run": "运行巡检",
	"event.edit":     "调整事件", "event.merge": "合并事件", "event.split": "拆分事件",
	"source.create": "新增信息源", "source.enable": "启用信息源", "source.disable": "停用信息源",
}

// AuditAction is an audited action in words: a request on an incident by
// its name, a known action by its name, anything else as 其他操作 with
// the action kept in brackets for the auditor.
func AuditAction(action string) string {
	if n, ok := auditActions[action]; ok {
		return n
	}
	if req, ok := strings.CutPrefix(action, model.RequestPrefix); ok {
		return "申请" + RequestName(req)
	}
	return "其他操作"
}
