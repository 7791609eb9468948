package responder

import (
	"slices"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/responder/rules"
)

func TestResponseKinds(t *testing.T) {
	for _, tc := range []struct {
		title, body string
		release     bool
		press       bool
	}{
		{"关于宏源化工有限公司爆炸事故的情况通报", "现将有关情况通报如下", true, false},
		{"青岚县将召开“11·21”爆炸事故新闻发布会", "定于今天下午召开新闻发布会", false, false},
		{"青岚县召开“11·21”爆炸事故新闻发布会", "县政府今天举行新闻发布会,通报事故救援进展", true, true},
		// A press conference held is also an authoritative release.
		{"“11·21”事故新闻发布会举行", "发布会上,县长介绍了情况", true, true},
		{"关于网传“死亡人数超过百人”的辟谣", "经核实,该信息不实", true, false},
		{"青岚县举办农民丰收节", "农特产品展销受追捧", false, false},
	} {
		p := &bus.Post{Document: bus.Document{Title: tc.title, Body: tc.body}}
		kinds := responseKinds(p)
		if got := slices.Contains(kinds, rules.FulfilledByRelease); got != tc.release {
			t.Errorf("%q: release = %v, want %v (kinds %v)", tc.title, got, tc.release, kinds)
		}
		if got := slices.Contains(kinds, rules.FulfilledByPressConference); got != tc.press {
			t.Errorf("%q: press conference = %v, want %v (kinds %v)", tc.title, got, tc.press, kinds)
		}
	}
}

func TestEventTime(t *testing.T) {
	ref := time.Date(2026, 11, 21, 15, 30, 0, 0, cst)
	for _, tc := range []struct {
		text string
		want time.Time
	}{
		{"11月21日13时59分许,位于工业园区的化工厂发生爆炸", time.Date(2026, 11, 21, 13, 59, 0, 0, cst)},
		{"21日下午1时59分,化工厂发生爆炸", time.Date(2026, 11, 21, 13, 59, 0, 0, cst)},
		{"20日22时许发生火灾,21日9时扑灭", time.Date(2026, 11, 20, 22, 0, 0, 0, cst)},
		{"11月25日10时将召开发布会", time.Time{}}, // in the future
		{"11月1日10时发生的事故", time.Time{}},   // too long before the post
		{"化工厂发生爆炸,现场浓烟滚滚", time.Time{}},  // no time given
	} {
		if got := eventTime(tc.text, ref); !got.Equal(tc.want) {
			t.Errorf("eventTime(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
