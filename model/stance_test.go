package model

import "testing"

func TestOpinionLabel(t *testing.T) {
	for _, tc := range []struct {
		authority, title, tone, want string
	}{
		{TierOfficial, "关于化工厂爆炸事故的情况通报", Negative, Neutral},
		{TierOfficial, "桃源乡脐橙喜获丰收", Positive, Positive},
		{TierLocal, "政策解读：森林防火条例", Negative, Neutral},
		{TierLocal, "化工厂爆炸致3人死亡", Negative, Negative},
		{TierForum, "伤亡人数是不是被瞒报了？", Negative, Negative},
		{TierForum, "路灯坏了", Neutral, Neutral},
	} {
		p := &Post{Document: Document{Authority: tc.authority, Title: tc.title}}
		if got := p.OpinionLabel(tc.tone); got != tc.want {
			t.Errorf("%s %q read as %s: counted %s, want %s", tc.authority, tc.title, tc.tone, got, tc.want)
		}
	}
}
