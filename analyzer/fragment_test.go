package analyzer

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// Keywords hold no piece of a place name or of a date (issue #14): with the
// demo's divisions and places in the segmenter, 青岚县 and 澜州市 are words,
// and 岚县, 州市, 据澜, 日起, 或村, 人要 are not keywords.
func TestKeywordsWithoutFragments(t *testing.T) {
	// Its own analyzer: the shared one must keep the default regions.
	a, err := New(config.AnalyzerConfig{}, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetRegions("361221", region.Division{Code: "361200", Name: "澜州市"}, region.Division{Code: "361221", Name: "青岚县"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPlaces([]string{"城关镇", "下坪村", "金桂园", "府前路"}); err != nil {
		t.Fatal(err)
	}
	docs := []model.Document{
		{Title: "好消息！青岚县到澜州市城际公交开通啦", Body: "12月1日起，青岚县至澜州市城际公交正式开通，每20分钟一班。票价5元，可以使用手机扫码乘车。"},
		{Title: "未来三天澜州市将有一次降温降雨过程", Body: "据澜州市气象台消息，12月2日起我市将有一次降温降雨过程。老人要注意添衣保暖，老人要注意预防感冒。"},
		{Title: "提醒｜城乡居民医保缴费即将截止", Body: "可以通过手机缴费平台或村（社区）代办点缴纳，也可以到城关镇便民服务中心缴纳。"},
		{Title: "金桂园停水两天无人通知", Body: "青岚县金桂园居民反映，小区停水，府前路供水主管道破裂，下坪村也受影响。"},
	}
	bad := map[string]bool{"岚县": true, "州市": true, "据澜": true, "至澜": true, "日起": true, "或村": true, "人要": true, "金桂": true, "坪村": true}
	for _, d := range docs {
		p := a.Analyze(d)
		for _, k := range p.Keywords {
			if bad[k.Word] {
				t.Errorf("%q: keyword %q is a fragment (keywords %v)", d.Title, k.Word, p.Keywords)
			}
		}
	}
	p := a.Analyze(docs[3])
	places := map[string]bool{}
	for _, e := range p.Entities {
		if e.Kind == EntityPlace {
			places[e.Text] = true
		}
	}
	if !places["金桂园"] || !places["府前路"] {
		t.Errorf("the jurisdiction's places are not place entities: %v", p.Entities)
	}
}

// An organisation's name never spans the title and the body.
func TestEntitiesStopAtTitle(t *testing.T) {
	a := testAnalyzer(t)
	p := a.Analyze(model.Document{Title: "青川县将召开“11·24”爆炸事故新闻发布会",
		Body: "青川县人民政府定于11月24日10时在县政府新闻发布厅召开爆炸事故新闻发布会，通报事故救援处置情况。"})
	found := false
	for _, e := range p.Entities {
		if e.Kind != EntityOrg {
			continue
		}
		if strings.Contains(e.Text, "发布会") && strings.Contains(e.Text, "人民政府") {
			t.Errorf("entity %q spans the title and the body (entities %v)", e.Text, p.Entities)
		}
		found = found || e.Text == "青川县人民政府"
	}
	if !found {
		t.Errorf("no 青川县人民政府 among %v", p.Entities)
	}
}
