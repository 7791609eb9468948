package analyzer

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// explosionNews is a local-news report of the kind the demo's incident
// produces, written for these tests.
const explosionNews = `5月12日14时许，某县经济开发区一化工厂发生爆炸事故，现场浓烟滚滚。` +
	`事故已造成3人死亡、12人受伤，伤者已送往县人民医院救治。` +
	`事故发生后，县委、县政府立即启动应急响应，应急管理局、消防救援等部门赶赴现场处置。` +
	`据了解，该化工厂主要生产危险化学品，此前曾因安全生产隐患被责令整改。` +
	`目前，事故原因正在调查中，县政府将于今晚召开新闻发布会通报情况。`

// longReport is a longer follow-up report, written for these tests: SimHash
// is only reliable on texts of some length (see SameStoryMaxDistance).
const longReport = explosionNews +
	"\n记者从县应急管理局获悉，事发企业为当地一家精细化工企业，主要生产医药中间体和农药原料，" +
	"共有员工一百二十余人。事故发生时，车间内正在进行反应釜投料作业，爆炸引发的火势迅速蔓延至相邻仓库。" +
	"消防救援大队先后调派十二辆消防车、六十余名指战员到场处置，经过近四个小时的扑救，明火于当晚六时被扑灭。" +
	"\n县生态环境局在事故现场周边设置了五个空气质量监测点和三个水质监测点，截至目前，" +
	"各项监测指标未见明显异常，消防废水已全部收集至应急池，未流入附近河道。" +
	"县卫生健康局组织县人民医院、县中医院开通绿色通道，抽调骨干医护人员全力救治伤员，" +
	"其中两名重伤员已转往市第一人民医院进一步治疗，其余伤员生命体征平稳。" +
	"\n县政府已成立事故调查组，对涉事企业负责人依法采取控制措施，并在全县范围内开展危险化学品企业安全生产大排查，" +
	"对存在重大隐患的企业一律停产整顿。县政府有关负责人表示，将以最严格的标准查明事故原因，依法依规严肃追责问责，" +
	"并及时向社会公布调查进展，回应群众关切。"

func tokenTexts(ts []token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.text
	}
	return out
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"full-width ASCII", "ＡＢＣ１２３，ｏｋ！", "ABC123,ok!"},
		{"ideographic space folded", "政务　　公开", "政务 公开"},
		{"whitespace runs", "a \t b\u00a0\u00a0c", "a b c"},
		{"line breaks kept as one", "第一段\r\n\r\n\n第二段", "第一段\n第二段"},
		{"entities", "A&amp;B&nbsp;C &#x4E2D;&#22269; &lt;x&gt;", "A&B C 中国 <x>"},
		{"tags removed", "第一句<br/>第二句</p><span class=\"x\">第三句</span>", "第一句 第二句 第三句"},
		{"Chinese angle text kept", "<荐书> 推荐 a < b", "<荐书> 推荐 a < b"},
		{"zero-width and control", "政\u200b务\ufeff公\x07开", "政务公开"},
		{"invalid UTF-8 dropped", "政务\xff\xfe公开", "政务公开"},
		{"Chinese punctuation kept", "《条例》。、", "《条例》。、"},
		{"leading and trailing space", "  标题  ", "标题"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.TrimSpace(normalize(tc.in)); got != tc.want {
				t.Errorf("normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTruncateRunes(t *testing.T) {
	for _, tc := range []struct {
		in      string
		n       int
		want    string
		wantCut bool
	}{
		{"政务公开", 4, "政务公开", false},
		{"政务公开", 2, "政务", true},
		{"ab政务", 3, "ab政", true},
		{"", 3, "", false},
	} {
		got, cut := truncateRunes(tc.in, tc.n)
		if got != tc.want || cut != tc.wantCut {
			t.Errorf("truncateRunes(%q, %d) = %q, %v; want %q, %v", tc.in, tc.n, got, cut, tc.want, tc.wantCut)
		}
	}
}

func TestSegmentationKeepsDomainWordsWhole(t *testing.T) {
	a := testAnalyzer(t)
	for _, tc := range []struct {
		text  string
		whole []string
	}{
		{"全面推进政务公开，动态调整权责清单，按时公开部门预决算。", []string{"政务公开", "权责清单", "预决算"}},
		{"县政府召开新闻发布会，发布化工厂爆炸事故情况通报。", []string{"新闻发布会", "化工厂", "情况通报"}},
		{"深入开展安全生产大检查，严查危险化学品企业。", []string{"安全生产", "危险化学品"}},
		{"农民工反映欠薪问题，部分居民遭遇强拆后维权。", []string{"欠薪", "强拆", "维权"}},
		// 发生爆炸 is one word in gse's dictionary; the domain dictionary
		// removes it so that 爆炸 is seen by keywords and sentiment.
		{"化工厂发生爆炸", []string{"化工厂", "发生", "爆炸"}},
	} {
		t.Run(tc.text, func(t *testing.T) {
			toks, _, err := a.segment("", normalize(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			got := tokenTexts(toks)
			for _, w := range tc.whole {
				if !slices.Contains(got, w) {
					t.Errorf("%q not one token in %v", w, got)
				}
			}
		})
	}
}

func TestKeywordsOfExplosionNews(t *testing.T) {
	a := testAnalyzer(t)
	p := a.Analyze(model.Document{Title: "某县一化工厂发生爆炸 已致3死12伤", Body: explosionNews})
	var words []string
	for i, k := range p.Keywords {
		words = append(words, k.Word)
		if k.Weight <= 0 {
			t.Errorf("keyword %q has weight %v", k.Word, k.Weight)
		}
		if i > 0 && k.Weight > p.Keywords[i-1].Weight {
			t.Errorf("keywords not sorted by weight: %v", p.Keywords)
		}
	}
	if len(p.Keywords) != MaxKeywords {
		t.Errorf("got %d keywords, want %d", len(p.Keywords), MaxKeywords)
	}
	for _, w := range []string{"爆炸", "化工厂", "事故"} {
		if !slices.Contains(words, w) {
			t.Errorf("keywords %v lack %q", words, w)
		}
	}
	for _, stop := range []string{"的", "目前", "已", "3", "12", "，"} {
		if slices.Contains(words, stop) {
			t.Errorf("keywords %v contain stop word %q", words, stop)
		}
	}
}

func TestSentiment(t *testing.T) {
	a := testAnalyzer(t)
	for _, tc := range []struct {
		name      string
		title     string
		body      string
		authority string
		want      string
	}{
		// Domain layer: events and conduct, no review vocabulary.
		{"explosion with casualties", "", explosionNews, "", model.Negative},
		{"unpaid wages", "", "工地老板欠薪半年，几十名农民工讨薪无门，多次投诉没人管。", "", model.Negative},
		{"forced demolition", "", "村民反映夜里房子被强拆，家具都被埋在废墟里，至今没有任何补偿。", "", model.Negative},
		{"corruption", "", "网友举报某局长涉嫌腐败受贿，并隐瞒事故真相。", "", model.Negative},
		{"water and power cut", "", "小区已经停水停电三天了，物业一直推诿。", "", model.Negative},
		{"pollution", "", "化工园区附近河水被污染，发出阵阵恶臭。", "", model.Negative},
		// General evaluations.
		{"review negative", "", "房间不干净，服务态度差，非常失望。", "", model.Negative},
		{"review positive", "", "这家酒店服务很好，房间干净舒适，下次还来！", "", model.Positive},
		{"domain positive", "", "我县荣获全省安全生产先进集体表彰，惠民工程成功竣工。", "", model.Positive},
		{"praise for the government", "", "感谢政府，新修的道路又宽又平，群众纷纷点赞。", "", model.Positive},
		// Negation flips.
		{"negated positive", "", "这次的处理结果我们一点都不满意，也不认可。", "", model.Negative},
		{"negated negative", "", "这家店的菜不难吃，价格也不贵。", "", model.Positive},
		{"negated good", "", "服务一点也不好。", "", model.Negative},
		// Neutral: official notices and plain statements.
		{"official notice", "关于印发2024年政务公开工作要点的通知",
			"各乡镇人民政府、县直各有关单位：现将《2024年政务公开工作要点》印发给你们，请认真遵照执行。", model.TierOfficial, model.Neutral},
		{"policy statement", "", "根据《中华人民共和国政府信息公开条例》规定，现将2023年度政府信息公开工作年度报告公告如下。", model.TierOfficial, model.Neutral},
		{"plain fact", "", "县城明天上午九点举行马拉松比赛，途经人民路和解放路。", "", model.Neutral},
		{"empty", "", "", "", model.Neutral},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := a.Analyze(model.Document{Title: tc.title, Body: tc.body, Authority: tc.authority})
			s := p.Sentiment
			if s.Label != tc.want {
				t.Errorf("label %s (score %.3f, negativity %.3f), want %s", s.Label, s.Score, s.Negativity, tc.want)
			}
			if s.Score < 0 || s.Score > 1 || s.Negativity < 0 || s.Negativity > 1 {
				t.Errorf("score %v or negativity %v out of [0,1]", s.Score, s.Negativity)
			}
			if s.Score < 1.0/3-1e-4 {
				t.Errorf("score %v: the label's probability must be the largest of three", s.Score)
			}
			if s.Label == model.Negative && s.Negativity != s.Score {
				t.Errorf("negative label: negativity %v should equal score %v", s.Negativity, s.Score)
			}
		})
	}
}

func TestSentimentOfficialVoiceKeepsItsToneNotTheLabel(t *testing.T) {
	a := testAnalyzer(t)
	// The same incident reported by a forum and in an official notice: the
	// notice's wording is still read as negative (people died), softened by
	// the official register, and kept in Negativity and Evidence; but the
	// government's own voice is not negative opinion, so it is labelled
	// (and counted everywhere) neutral. A media post relaying a policy in
	// the government's words is not opinion either.
	forum := a.Analyze(model.Document{Body: explosionNews, Authority: model.TierForum}).Sentiment
	notice := a.Analyze(model.Document{
		Title:     "关于某县化工厂爆炸事故的情况通报",
		Body:      "现将有关情况通报如下：" + explosionNews + "特此通报。",
		Authority: model.TierOfficial,
	}).Sentiment
	if forum.Label != model.Negative || notice.Label != model.Neutral {
		t.Fatalf("labels forum %s, notice %s; want negative and neutral", forum.Label, notice.Label)
	}
	if notice.Negativity > forum.Negativity || notice.Negativity < 0.4 || len(notice.Evidence) == 0 {
		t.Errorf("official notice negativity %v (forum %v), evidence %v: want its negative tone kept, softened", notice.Negativity, forum.Negativity, notice.Evidence)
	}
	relay := a.Analyze(model.Document{Title: "政策解读：化工企业安全生产专项整治", Body: explosionNews, Authority: model.TierLocal}).Sentiment
	if relay.Label != model.Neutral {
		t.Errorf("a policy relayed by the media labelled %s, want neutral", relay.Label)
	}
}

func TestTopics(t *testing.T) {
	a := testAnalyzer(t)
	for _, tc := range []struct {
		name  string
		title string
		body  string
		want  []string // must be tagged
		not   []string // must not be tagged
	}{
		{"explosion", "某县一化工厂发生爆炸", explosionNews, []string{"安全生产"}, []string{"教育", "扶贫"}},
		{"budget disclosure", "县财政局2024年部门预算公开",
			"按照预决算公开要求，现将县财政局2024年部门预算及三公经费预算情况公开如下。", []string{"财政预决算与收费"}, []string{"安全生产"}},
		{"school", "", "家长反映学校食堂饭菜质量差，教育局表示将对全县中小学校园食品安全开展检查。", []string{"教育", "食品药品安全"}, []string{"交通"}},
		{"unpaid wages", "", "工地老板欠薪半年，农民工讨薪无门，人社局介入劳动仲裁。", []string{"就业"}, []string{"环境保护"}},
		{"flood", "", "受强降雨影响，多个乡镇发生洪涝灾害，县里启动防汛应急响应，转移被困群众。", []string{"突发事件与自然灾害"}, []string{"教育"}},
		{"demolition", "", "村民反映征地拆迁补偿不到位，安置房迟迟不能交房。", []string{"征地拆迁与住房"}, nil},
		{"no topic", "", "今天天气不错，和朋友去公园散步。", nil, []string{"教育", "安全生产", "交通"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := a.Analyze(model.Document{Title: tc.title, Body: tc.body})
			var names []string
			for i, tp := range p.Topics {
				names = append(names, tp.Name)
				if tp.Score < TopicThreshold || tp.Score > 1 {
					t.Errorf("topic %s score %v outside [%v,1]", tp.Name, tp.Score, TopicThreshold)
				}
				if i > 0 && tp.Score > p.Topics[i-1].Score {
					t.Errorf("topics not sorted: %v", p.Topics)
				}
			}
			for _, w := range tc.want {
				if !slices.Contains(names, w) {
					t.Errorf("topics %v lack %s", p.Topics, w)
				}
			}
			for _, w := range tc.not {
				if slices.Contains(names, w) {
					t.Errorf("topics %v contain %s", p.Topics, w)
				}
			}
		})
	}
}

func TestLoadTopics(t *testing.T) {
	for _, tc := range []struct{ name, in, wantErr string }{
		{"ok", "# c\n\n甲\t关键词\t1\n甲\t词二\t0.5\n乙\t关键词\t0.3\n", ""},
		{"two fields", "甲\t关键词\n", `cannot parse topic line 1 "甲\t关键词": want topic<TAB>keyword<TAB>weight`},
		{"weight above 1", "甲\t关键词\t1.5\n", `cannot parse topic line 1 "甲\t关键词\t1.5": weight "1.5" is not in (0,1]`},
		{"weight not a number", "\n甲\t关键词\tx\n", `cannot parse topic line 2 "甲\t关键词\tx": weight "x" is not in (0,1]`},
		{"duplicate", "甲\t词\t1\n甲\t词\t0.5\n", `cannot parse topic line 2 "甲\t词\t0.5": keyword "词" is already listed for 甲`},
		{"empty keyword", "甲\t \t1\n", `cannot parse topic line 1 "甲\t \t1": topic and keyword must not be empty`},
		{"empty table", "# nothing\n", "cannot use an empty topic table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := LoadTopics(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tp.Names(); !slices.Equal(got, []string{"甲", "乙"}) {
				t.Errorf("names %v", got)
			}
		})
	}
	if n := len(DefaultTopics().Names()); n != 20 {
		t.Errorf("embedded table has %d topics, want the 20 focus areas", n)
	}
}

func TestSetTopicsOverride(t *testing.T) {
	a := testAnalyzer(t)
	def := a.Topics()
	t.Cleanup(func() { a.SetTopics(def) })
	custom, err := LoadTopics(strings.NewReader("马拉松赛事\t马拉松\t1\n"))
	if err != nil {
		t.Fatal(err)
	}
	doc := model.Document{Body: "县城明天上午九点举行马拉松比赛，途经人民路和解放路。"}
	if got := a.Analyze(doc).Topics; len(got) != 0 {
		t.Fatalf("default topics tagged %v", got)
	}
	a.SetTopics(custom)
	got := a.Analyze(doc).Topics
	if len(got) != 1 || got[0].Name != "马拉松赛事" {
		t.Errorf("after SetTopics: %v", got)
	}
}

func TestSimHash(t *testing.T) {
	a := testAnalyzer(t)
	orig := a.Analyze(model.Document{Title: "某县一化工厂发生爆炸", Body: longReport})
	repost := a.Analyze(model.Document{
		Title: "突发！化工厂爆炸致3死12伤",
		Body: "来源：某某新闻网 记者 李明 编辑 王芳\n" + longReport +
			"\n（本文转载自某县融媒体中心，如有侵权请联系删除）",
	})
	edited := a.Analyze(model.Document{Body: strings.Replace(longReport, "浓烟滚滚", "浓烟冲天", 1)})
	unrelated := a.Analyze(model.Document{Body: "为进一步做好2024年政务公开工作，县政府办公室印发工作要点，" +
		"要求各乡镇、各部门全面梳理权责清单，及时公开部门预决算和三公经费，" +
		"加强政策解读和回应关切，提升政务服务水平，优化营商环境。"})
	similarTopic := a.Analyze(model.Document{Body: "某市一家化工企业仓库发生火灾，消防部门出动十余辆消防车扑救，" +
		"火势于两小时后被控制，暂无人员伤亡报告，起火原因正在调查。"})

	for _, tc := range []struct {
		name string
		b    model.Post
		same bool
	}{
		{"repost with another header and footer", repost, true},
		{"one phrase edited", edited, true},
		{"unrelated government notice", unrelated, false},
		{"another fire story", similarTopic, false},
	} {
		d := HammingDistance(orig.SimHash, tc.b.SimHash)
		t.Logf("%s: Hamming distance %d", tc.name, d)
		if SameStory(orig.SimHash, tc.b.SimHash) != tc.same {
			t.Errorf("%s: distance %d, same story = %v, want %v", tc.name, d, !tc.same, tc.same)
		}
	}
	if orig.SimHash == 0 {
		t.Error("fingerprint of a news text is 0")
	}
	if again := a.Analyze(model.Document{Title: "某县一化工厂发生爆炸", Body: longReport}); again.SimHash != orig.SimHash {
		t.Errorf("fingerprint not deterministic: %x vs %x", again.SimHash, orig.SimHash)
	}
}

func TestHammingDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b uint64
		want int
	}{
		{0, 0, 0},
		{0, 1, 1},
		{0xFFFFFFFFFFFFFFFF, 0, 64},
		{0b1011, 0b0110, 3},
	} {
		if got := HammingDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("HammingDistance(%b, %b) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestFlags(t *testing.T) {
	a := testAnalyzer(t)
	long := strings.Repeat("县政府召开新闻发布会通报化工厂爆炸事故情况。", MaxBodyRunes/20)
	for _, tc := range []struct {
		name  string
		doc   model.Document
		flags []string
	}{
		{"normal news", model.Document{Title: "化工厂爆炸", Body: explosionNews}, []string{}},
		{"short body", model.Document{Title: "通知", Body: "详见附件。"}, []string{FlagShort}},
		{"empty", model.Document{}, []string{FlagShort}},
		{"english", model.Document{Title: "Explosion at a chemical plant",
			Body: "Three people died and twelve were injured when a chemical plant exploded on Monday afternoon."}, []string{FlagNotChinese}},
		{"mostly english with a Chinese name", model.Document{
			Body: "The county government of 某县 held a press conference about the explosion at the chemical plant on Monday."}, []string{FlagNotChinese}},
		{"only digits and symbols", model.Document{Body: "1234567890 !@#$%^&*() 1234567890 ====="}, []string{FlagNotChinese}},
		{"huge body", model.Document{Body: long}, []string{FlagTruncated}},
		{"huge title", model.Document{Title: strings.Repeat("标题", MaxTitleRunes), Body: explosionNews}, []string{FlagTruncated}},
		{"full-width text stays Chinese", model.Document{Body: "ＡＢＣ公司在某县投资建设的化工厂项目今天正式开工建设，总投资１２亿元。"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := a.Analyze(tc.doc)
			if !slices.Equal(p.Flags, tc.flags) {
				t.Errorf("flags %v, want %v", p.Flags, tc.flags)
			}
			if p.Body != tc.doc.Body || p.Title != tc.doc.Title {
				t.Error("the original text was not kept in the post")
			}
		})
	}
}

func TestOddInputNeverFails(t *testing.T) {
	a := testAnalyzer(t)
	for _, body := range []string{
		"\xff\xfe\xfd",
		strings.Repeat("啊", 3*MaxBodyRunes),
		strings.Repeat("a", 10<<20),
		strings.Repeat("<", 5000) + strings.Repeat(">", 5000),
		"😀😀😀🚒🔥",
		"\x00\x01\x02",
		strings.Repeat("&amp;", 1000),
		"ｆｕｌｌ　ｗｉｄｔｈ　ｏｎｌｙ",
		"繁體中文的內容，政府資訊公開。",
	} {
		p := a.Analyze(model.Document{ID: "odd", Body: body})
		if p.Sentiment.Label == "" || p.Flags == nil || p.Topics == nil || p.Keywords == nil || p.Entities == nil || p.Regions == nil {
			t.Errorf("incomplete post for %.20q: %+v", body, p)
		}
	}
}

func TestRegionsAndEntities(t *testing.T) {
	a := testAnalyzer(t)
	p := a.Analyze(model.Document{RegionCode: "220102", Body: "北京市和上海市的代表在人民政府会议上发言，张伟表示将荣获表彰。"})
	want := []model.Region{{Code: "220102", Name: "南关区", Role: RolePublisher},
		{Code: "110000", Name: "北京市", Role: RoleMentioned}, {Code: "310000", Name: "上海市", Role: RoleMentioned}}
	if !slices.Equal(p.Regions, want) {
		t.Errorf("regions %v, want the publisher region then the two mentioned", p.Regions)
	}
	kinds := map[string]string{}
	for _, e := range p.Entities {
		kinds[e.Text] = e.Kind
	}
	for text, kind := range map[string]string{"北京市": "place", "上海市": "place", "人民政府": "org"} {
		if kinds[text] != kind {
			t.Errorf("entity %s: kind %q, want %q (entities %v)", text, kinds[text], kind, p.Entities)
		}
	}
	for _, notName := range []string{"荣获", "表彰"} {
		if _, ok := kinds[notName]; ok {
			t.Errorf("%s taken for an entity: %v", notName, p.Entities)
		}
	}
	if got := a.Analyze(model.Document{Body: explosionNews}).Regions; len(got) != 0 {
		t.Errorf("regions without a publisher code: %v", got)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := New(config.AnalyzerConfig{}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Analyze(model.Document{Body: explosionNews})
	a.Analyze(model.Document{})
	a.Analyze(model.Document{Body: strings.Repeat("政务公开", MaxBodyRunes)})
	for _, tc := range []struct {
		c    prometheus.Collector
		want float64
	}{
		{a.m.documents.WithLabelValues(resultOK), 1},
		{a.m.documents.WithLabelValues(resultEmpty), 1},
		{a.m.documents.WithLabelValues(resultTruncated), 1},
		{a.m.sentiment.WithLabelValues(model.Negative), 1},
		{a.m.flags.WithLabelValues(FlagTruncated), 1},
		{a.m.flags.WithLabelValues(FlagShort), 1},
	} {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("%v = %v, want %v", tc.c, got, tc.want)
		}
	}
	n, err := testutil.GatherAndCount(reg, "yuqing_analyzer_duration_seconds")
	if err != nil || n != 1 {
		t.Errorf("duration histogram: %d series, %v", n, err)
	}
	if _, err := New(config.AnalyzerConfig{}, reg, nil); err == nil {
		t.Error("registering the metrics twice in one registry did not fail")
	}
}

func TestAnalyzeConcurrently(t *testing.T) {
	a := testAnalyzer(t)
	docs := []model.Document{
		{Title: "化工厂爆炸", Body: explosionNews},
		{Body: "这家酒店服务很好，房间干净舒适，下次还来！"},
		{Body: "工地老板欠薪半年，几十名农民工讨薪无门，多次投诉没人管。"},
		{Title: "关于印发2024年政务公开工作要点的通知", Body: "现将《2024年政务公开工作要点》印发给你们，请认真遵照执行。", Authority: model.TierOfficial},
	}
	want := make([]model.Post, len(docs))
	for i, d := range docs {
		want[i] = a.Analyze(d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(docs))
	// Swapping the topic table (to an equal one) while documents are
	// analysed must be race-free.
	wg.Go(func() {
		for range 20 {
			a.SetTopics(DefaultTopics())
		}
	})
	for g := range 8 {
		wg.Go(func() {
			for r := range 5 {
				i := (g + r) % len(docs)
				got := a.Analyze(docs[i])
				if got.SimHash != want[i].SimHash || !reflect.DeepEqual(got.Sentiment, want[i].Sentiment) ||
					!slices.Equal(got.Keywords, want[i].Keywords) || !reflect.DeepEqual(got.Topics, want[i].Topics) {
					errs <- fmt.Errorf("goroutine %d doc %d: result differs from the sequential one", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSentimentEvidence(t *testing.T) {
	a := testAnalyzer(t)
	for _, tc := range []struct {
		name          string
		text          string
		official      bool
		wantRegister  bool
		wantDomainNeg bool
	}{
		{"notice from an official source", "现将《工作要点》印发给你们，请遵照执行。", true, true, false},
		{"notice register without an official source", "根据《条例》规定，现将有关事项通知如下，请各有关单位遵照执行。", false, true, false},
		{"forum complaint", "工地老板欠薪半年，农民工讨薪无门。", false, false, true},
		{"accident without casualties is still domain evidence", "此次事故未造成人员伤亡。", false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body, _ := prepare("", tc.text)
			toks, _, err := a.segment("", body)
			if err != nil {
				t.Fatal(err)
			}
			_, ev := a.lex.score(toks, tc.official)
			if ev.officialRegister != tc.wantRegister {
				t.Errorf("official register %v (markers %d), want %v", ev.officialRegister, ev.officialMarkers, tc.wantRegister)
			}
			if (ev.domainNeg > 0) != tc.wantDomainNeg {
				t.Errorf("domain negative evidence %v, want present = %v", ev.domainNeg, tc.wantDomainNeg)
			}
		})
	}
}

func TestSpamAndInjectedFlags(t *testing.T) {
	a := testAnalyzer(t)
	for _, tc := range []struct {
		doc  model.Document
		flag string
		want bool
	}{
		{model.Document{Body: "兼职日结，在家也能日赚500元，加微信详聊，名额有限。"}, FlagSpam, true},
		{model.Document{Body: "县商务局举办电商培训，帮助农户通过微信小程序销售农产品，现场发放优惠券。"}, FlagSpam, false},
		{model.Document{Body: "某县人民政府关于做好秋冬季森林防火工作的通知，各乡镇要加强巡查。", Injected: true}, FlagInjected, true},
		{model.Document{Body: "某县人民政府关于做好秋冬季森林防火工作的通知，各乡镇要加强巡查。"}, FlagInjected, false},
	} {
		p := a.Analyze(tc.doc)
		if got := slices.Contains(p.Flags, tc.flag); got != tc.want {
			t.Errorf("%.20q: flag %s = %v, want %v (flags %v)", tc.doc.Body, tc.flag, got, tc.want, p.Flags)
		}
	}
}

// TestExplanations checks that sentiment and topics say why: the words the
// sentiment rests on, strongest first, a negated one marked, and each
// topic's keywords found in the text.
func TestExplanations(t *testing.T) {
	a := testAnalyzer(t)
	p := a.Analyze(model.Document{ID: "why", Title: "化工厂爆炸致3人死亡",
		Body: "11月20日，一化工厂发生爆炸，造成3人死亡、5人受伤。网友质疑监管不力。所幸未造成环境污染。"})
	if p.Sentiment.Label != model.Negative {
		t.Fatalf("sentiment %+v, want negative", p.Sentiment)
	}
	ev := p.Sentiment.Evidence
	if len(ev) == 0 || len(ev) > model.MaxEvidence || ev[0] != "爆炸" {
		t.Errorf("evidence %q: want at most %d words, 爆炸 (in title and body) first", ev, model.MaxEvidence)
	}
	for _, w := range []string{"死亡", "否定·环境污染"} {
		if !slices.Contains(ev, w) {
			t.Errorf("evidence %q lacks %s", ev, w)
		}
	}
	var safety *model.Topic
	for i := range p.Topics {
		if p.Topics[i].Name == "安全生产" {
			safety = &p.Topics[i]
		}
		if len(p.Topics[i].Terms) == 0 {
			t.Errorf("topic %s has no terms", p.Topics[i].Name)
		}
	}
	if safety == nil || !slices.Contains(safety.Terms, "爆炸") || !slices.Contains(safety.Terms, "化工厂") {
		t.Errorf("topics %+v: want 安全生产 with terms 化工厂 and 爆炸", p.Topics)
	}

	// A text without evaluative words has no evidence: the model alone read it.
	p = a.Analyze(model.Document{ID: "plain", Body: "明天上午九点，县政府召开常务会议。"})
	if p.Sentiment.Evidence != nil {
		t.Errorf("plain notice evidence %q, want none", p.Sentiment.Evidence)
	}
}
