package notify

import (
	"strings"
	"testing"
	"time"
)

func TestCountdown(t *testing.T) {
	due := testNow.Add(5 * time.Hour)
	for _, tc := range []struct {
		name       string
		obligation string
		at         time.Time
		want       string
	}{
		{"hours and minutes", "5小时权威发布", due.Add(-72 * time.Minute), "距5小时权威发布时限还剩 1小时12分"},
		{"truncated, never overstated", "5小时权威发布", due.Add(-72*time.Minute - 59*time.Second), "距5小时权威发布时限还剩 1小时12分"},
		{"whole hours", "24小时新闻发布会", due.Add(-3 * time.Hour), "距24小时新闻发布会时限还剩 3小时"},
		{"minutes only", "5小时权威发布", due.Add(-35 * time.Minute), "距5小时权威发布时限还剩 35分钟"},
		{"days", "20个工作日公开", due.Add(-(50*time.Hour + 10*time.Minute)), "距20个工作日公开时限还剩 2天2小时"},
		{"under a minute", "5小时权威发布", due.Add(-20 * time.Second), "距5小时权威发布时限还剩 不足1分钟"},
		{"overdue", "5小时权威发布", due.Add(35 * time.Minute), "5小时权威发布已超时 35分钟"},
		{"overdue hours", "", due.Add(2*time.Hour + 5*time.Minute), "已超时 2小时5分"},
		{"exactly due", "5小时权威发布", due, "5小时权威发布已超时 不足1分钟"},
		{"no obligation name", "", due.Add(-time.Hour), "距截止时限还剩 1小时"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Countdown(tc.obligation, due, tc.at); got != tc.want {
				t.Errorf("Countdown = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	breach := testMessage(nil)
	breach.Kind, breach.Key, breach.At = KindBreach, "R-5H/breach", breach.DueAt.Add(35*time.Minute)
	fulfilled := testMessage(nil)
	fulfilled.Kind = KindFulfilled
	ungraded := testMessage(nil)
	ungraded.Level, ungraded.Title = "", "标题\n换行 注入"
	for _, tc := range []struct {
		name    string
		m       Message
		want    []string
		notWant []string
	}{
		{"reminder", testMessage(nil), []string{
			"【舆情 INC-0123abcd】回应时限提醒：" + testTitle, "级别：Ⅱ级（重大）", "状态：处置中",
			"时限：" + testCountdown + "（截止 2026-11-21 15:12）",
			"查看详情：https://yuqing.example.gov.cn/incidents/INC-0123abcd",
			"确认收到：https://yuqing.example.gov.cn/api/v1/ack?token=abc",
		}, nil},
		{"breach", breach, []string{"回应已超时", "5小时权威发布已超时 35分钟"}, []string{"还剩"}},
		{"fulfilled", fulfilled, []string{"回应义务已履行", "5小时权威发布已履行"}, []string{"还剩", "超时"}},
		{"ungraded, title on one line", ungraded, []string{"级别：未定级", "标题 换行 注入"}, []string{"标题\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Render(tc.m)
			all := r.Subject + "\n" + r.Text
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("rendered text lacks %q:\n%s", w, all)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(r.Text, w) {
					t.Errorf("rendered text has %q:\n%s", w, r.Text)
				}
			}
			if strings.Contains(r.Subject, "\n") {
				t.Errorf("subject spans lines: %q", r.Subject)
			}
		})
	}
	md := Render(testMessage(nil)).Markdown
	for _, w := range []string{"### 【舆情 INC-0123abcd】回应时限提醒", "**" + testTitle + "**", "**" + testCountdown + "**",
		"[查看详情](https://yuqing.example.gov.cn/incidents/INC-0123abcd)", "[确认收到](https://yuqing.example.gov.cn/api/v1/ack?token=abc)"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
}
