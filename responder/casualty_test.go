package responder

import "testing"

func TestCasualties(t *testing.T) {
	for _, tc := range []struct {
		text string
		want CasualtyFigures
	}{
		{"爆炸已造成12人死亡、30人受伤,另有2人失联。", CasualtyFigures{12, 30, 2, 0}},
		{"事故造成3名工人遇难", CasualtyFigures{Deaths: 3}},
		{"截至目前,死亡人数升至十二人,受伤人数达三十五人", CasualtyFigures{12, 35, 0, 0}},
		{"事故造成直接经济损失约1.2亿元", CasualtyFigures{Loss: 1.2e8}},
		{"火灾造成2人受伤,经济损失达3000万元", CasualtyFigures{Injured: 2, Loss: 3e7}},
		{"初步确认死亡3人,后经核实死亡人数上升至12人", CasualtyFigures{Deaths: 12}},
		{"现场浓烟滚滚,暂无人员伤亡报告", CasualtyFigures{}},
		{"一百零五人受伤", CasualtyFigures{Injured: 105}},
		{"2人死亡", CasualtyFigures{Deaths: 2}},
		{"共有两名群众罹难", CasualtyFigures{Deaths: 2}},
	} {
		if got := Casualties(tc.text); got != tc.want {
			t.Errorf("Casualties(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

func TestLevelFor(t *testing.T) {
	for deaths, want := range map[int]string{0: "", 1: "IV", 2: "IV", 3: "III", 9: "III", 10: "II", 12: "II", 29: "II", 30: "I", 100: "I"} {
		if got := levelFor(deaths); got != want {
			t.Errorf("levelFor(%d) = %q, want %q", deaths, got, want)
		}
	}
}

func TestCasualtyLevel(t *testing.T) {
	for _, tc := range []struct {
		f    CasualtyFigures
		want string
	}{
		{CasualtyFigures{}, ""},
		{CasualtyFigures{Deaths: 2}, "IV"},
		{CasualtyFigures{Deaths: 2, Injured: 60}, "II"},  // injuries grade higher than deaths
		{CasualtyFigures{Deaths: 12, Injured: 30}, "II"}, // deaths
		{CasualtyFigures{Injured: 9}, "IV"},
		{CasualtyFigures{Injured: 10}, "III"},
		{CasualtyFigures{Loss: 5e7}, "II"},   // 5000万 is 重大 ("以上" includes it)
		{CasualtyFigures{Loss: 9.9e6}, "IV"}, // under 1000万
		{CasualtyFigures{Deaths: 1, Loss: 1.5e8}, "I"},
	} {
		if got := tc.f.Level(); got != tc.want {
			t.Errorf("%+v.Level() = %q, want %q", tc.f, got, tc.want)
		}
	}
}
