package readmodel

import (
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

func TestHumanizedWords(t *testing.T) {
	at := time.Date(2026, 12, 2, 6, 5, 0, 0, time.UTC)
	for got, want := range map[string]string{
		Time(at):                               "12月2日 14:05",
		Date(at):                               "2026年12月2日",
		Time(time.Time{}):                      "—",
		Duration(6 * time.Hour):                "6小时",
		Duration(26*time.Hour + 3*time.Minute): "1天2小时",
		Duration(4*time.Hour + 12*time.Minute): "4小时12分钟",
		Duration(20 * time.Second):             "不到1分钟",
		Countdown(at.Add(90*time.Minute), at):  "剩余1小时30分钟",
		Countdown(at, at.Add(2*time.Hour)):     "已超时2小时",
		Count(9999):                            "9999",
		Count(12345):                           "1.2万",
		Count(30000):                           "3万",
		Text("触发条件:6h0m0s内4条信息、2个信息源"):             "触发条件：6小时内4条信息、2个信息源",
		Text("死亡3人,建议调整为II级(已确认)"):                 "死亡3人，建议调整为II级（已确认）",
		Text("见 http://a.example/x?a=1,b 于14:05"):  "见 http://a.example/x?a=1,b 于14:05",
		SentimentName(model.Negative):              "负面",
		ObligationState(model.ObligationFulfilled): "已履行",
		DeliveryStatus("sent"):                     "已发送",
		RequestName(model.RequestRecordResponse):   "登记回应",
		LevelName("II"):                            "Ⅱ级（重大）",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	inc := model.Incident{Obligations: []model.Obligation{{Rule: "R-5H", Title: "发布权威信息"}}}
	lines := History(inc, []model.HistoryEntry{
		{At: at, Actor: "system", Action: "obligation_created", To: "R-5H", Reason: "R-5H:5小时内发布权威信息"},
		{At: at, Actor: "李四", Action: "request.assign", Reason: `{"assignee":"李四"}`},
		{At: at, Actor: "张三", Action: "request.acknowledge", Reason: `{}`},
		{At: at, Actor: "system", Action: "obligation_breached", From: "pending", To: "breached"},
		{At: at, Actor: "李四", Action: "request_rejected", Reason: "不能从「已办结」变为「处置中」"},
		{At: at, Actor: "system", Action: "clock_start_changed", From: "2026-11-21T06:00:00Z", To: "2026-11-21T05:00:00Z"},
	})
	want := []HistoryLine{
		{"12月2日 14:05", "系统", "新增回应时限", "「发布权威信息」", "「发布权威信息」：5小时内发布权威信息", false},
		{"12月2日 14:05", "李四", "申请指派处置人", "", "处置人李四", false},
		{"12月2日 14:05", "张三", "申请确认收到提醒", "", "", false},
		{"12月2日 14:05", "系统", "回应超时", "办理中 → 已超时", "", false},
		{"12月2日 14:05", "李四", "请求未执行", "", "不能从「已办结」变为「处置中」", true},
		{"12月2日 14:05", "系统", "调整计时起点", "11月21日 14:00 → 11月21日 13:00", "", false},
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("history line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
	for _, l := range lines {
		for _, raw := range []string{"R-5H", "{", "pending", "_"} {
			if strings.Contains(l.What+l.Change+l.Note, raw) {
				t.Errorf("history line %+v shows %q", l, raw)
			}
		}
	}
	if got := NotificationName(ObligationsOf(inc), "R-5H/reminder/50%"); got != "「发布权威信息」时限提醒（已过50%）" {
		t.Errorf("notification name %q", got)
	}
}
