package analyzer

import (
	"slices"
	"testing"

	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

func org(s string) model.Entity    { return model.Entity{Text: s, Kind: EntityOrg} }
func person(s string) model.Entity { return model.Entity{Text: s, Kind: EntityPerson} }
func place(s string) model.Entity  { return model.Entity{Text: s, Kind: EntityPlace} }

func TestEntities(t *testing.T) {
	a := testAnalyzer(t)
	for _, tc := range []struct {
		name, text string
		want, not  []model.Entity
	}{
		{"bureau with its county, official by title",
			"青川县应急管理局局长王建国表示,县长李明和县委书记张伟赶赴现场。",
			[]model.Entity{org("青川县应急管理局"), person("王建国"), person("李明"), person("张伟"), place("青川县")},
			[]model.Entity{org("应急管理局"), person("县长")}},
		{"government office and company",
			"四川省广元市青川县人民政府办公室发布通知,成都天府建设集团有限公司中标。",
			[]model.Entity{org("四川省广元市青川县人民政府办公室"), org("成都天府建设集团有限公司"),
				place("四川省"), place("广元市"), place("青川县")},
			[]model.Entity{place("成都")}},
		{"abbreviated bodies",
			"县住建局、县市场监管局、县卫健委联合开展检查。国务院办公厅、国家发展改革委发布通知。",
			[]model.Entity{org("县住建局"), org("县市场监管局"), org("县卫健委"), org("国务院办公厅"), org("国家发展改革委")},
			nil},
		{"court and police station",
			"广元市中级人民法院和青川县公安局城关派出所。",
			[]model.Entity{org("广元市中级人民法院"), org("青川县公安局城关派出所")},
			nil},
		{"words that end like a body are not one",
			"市委书记刘强在调研时强调,要举办好活动,全部干部参加,顾全大局。",
			[]model.Entity{person("刘强")},
			[]model.Entity{org("全部干部"), org("干部"), org("举办"), org("大局"), person("市委书记")}},
		{"lexicon words tagged nr are no persons",
			"张伟表示将荣获表彰,惠民政策落实到位。",
			[]model.Entity{person("张伟")},
			[]model.Entity{person("荣获"), person("惠民")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := a.Analyze(model.Document{Body: tc.text})
			for _, e := range tc.want {
				if !slices.Contains(p.Entities, e) {
					t.Errorf("missing %v in %v", e, p.Entities)
				}
			}
			for _, e := range tc.not {
				if slices.Contains(p.Entities, e) {
					t.Errorf("unexpected %v in %v", e, p.Entities)
				}
			}
			seen := map[model.Entity]bool{}
			for _, e := range p.Entities {
				if seen[e] {
					t.Errorf("duplicate %v in %v", e, p.Entities)
				}
				seen[e] = true
			}
		})
	}
}

func TestAnalyzeRegions(t *testing.T) {
	a, err := New(config.AnalyzerConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := model.Document{
		RegionCode: "361221",
		Title:      "青岚县一化工厂发生爆炸",
		Body:       "今天上午,位于澜州市青岚县的一家化工厂发生爆炸。北京朝阳区、南京市鼓楼区派出专家。鼓楼区和城关镇的居民反映。",
	}
	// Before the demo divisions are added, the publisher is known only by
	// its code and the invented names match nothing.
	p := a.Analyze(doc)
	if p.Regions[0] != (model.Region{Code: "361221", Role: RolePublisher}) {
		t.Errorf("publisher %v", p.Regions[0])
	}
	if err := a.SetRegions("361221", region.Division{Code: "361200", Name: "澜州市"}, region.Division{Code: "361221", Name: "青岚县"}); err != nil {
		t.Fatal(err)
	}
	p = a.Analyze(doc)
	want := []model.Region{
		{Code: "361221", Name: "青岚县", Role: RolePublisher},
		{Code: "361221", Name: "青岚县", Role: RoleEvent},
		{Code: "361200", Name: "澜州市", Role: RoleMentioned},
		{Code: "110000", Name: "北京市", Role: RoleMentioned},
		{Code: "110105", Name: "朝阳区", Role: RoleMentioned},
		{Code: "320100", Name: "南京市", Role: RoleMentioned},
		{Code: "320106", Name: "鼓楼区", Role: RoleMentioned},
	}
	if !slices.Equal(p.Regions, want) {
		t.Errorf("regions\n %v\nwant\n %v", p.Regions, want)
	}

	// Names across word boundaries are not divisions: 亚运城市 holds 运城市,
	// 吕西安 西安.
	p = a.Analyze(model.Document{Body: "广州亚运城市志愿者服务站启用,作家吕西安笔下的故事。"})
	if want := []model.Region{{Code: "440100", Name: "广州市", Role: RoleMentioned}}; !slices.Equal(p.Regions, want) {
		t.Errorf("regions %v, want %v", p.Regions, want)
	}

	for _, tc := range []struct {
		home  string
		extra []region.Division
		want  string
	}{
		{"999999", nil, `cannot set the analyzer's home region "999999": no such division`},
		{"", []region.Division{{Code: "3612", Name: "澜州市"}}, `cannot set the analyzer's regions: cannot add division "澜州市" (3612): the code is not six digits of a GB/T 2260 code`},
	} {
		if err := a.SetRegions(tc.home, tc.extra...); err == nil || err.Error() != tc.want {
			t.Errorf("SetRegions(%q, %v) = %v, want %s", tc.home, tc.extra, err, tc.want)
		}
	}
}
