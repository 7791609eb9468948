package analyzer

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/config"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/scheme"
)

func TestMatchSchemes(t *testing.T) {
	a := testAnalyzer(t)
	schemes := []scheme.Scheme{
		{ID: "chem", Regions: []string{"南京", "江寧"}, Subjects: []string{"化工廠", "化工园区"}, Events: []string{"爆炸", "起火"}, Exclusions: []string{"演習"}},
		{ID: "near2", Expression: "NEAR/2(化工厂, 爆炸)"},
		{ID: "near1", Expression: "NEAR/1(化工厂, 爆炸)"},
		{ID: "casualty", Expression: "NEAR/4((化工厂|化工园区), (死亡|受伤)) AND 起火"},
		{ID: "ai", Expression: "AI AND 诈骗"},
	}
	m, err := scheme.Compile(schemes, SchemeOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, title, body string
		want              []scheme.Hit
	}{
		// gse: 南京 一 化工厂 昨日 发生 爆炸 — two tokens between.
		{"simplified text, traditional terms", "南京一化工厂昨日发生爆炸", "", []scheme.Hit{
			{SchemeID: "chem", Terms: []string{"南京", "化工廠", "爆炸"}},
			{SchemeID: "near2", Terms: []string{"化工厂", "爆炸"}},
		}},
		// gse: 南京 一 化工厂 发生 爆炸 — one token between.
		{"traditional text", "", "南京一化工廠發生爆炸", []scheme.Hit{
			{SchemeID: "chem", Terms: []string{"南京", "化工廠", "爆炸"}},
			{SchemeID: "near2", Terms: []string{"化工厂", "爆炸"}},
			{SchemeID: "near1", Terms: []string{"化工厂", "爆炸"}},
		}},
		{"exclusion in the body excludes only the scheme that has it", "南京化工厂爆炸", "消防演习现场", []scheme.Hit{
			{SchemeID: "near2", Terms: []string{"化工厂", "爆炸"}},
			{SchemeID: "near1", Terms: []string{"化工厂", "爆炸"}},
		}},
		// gse: 江宁区 化工园区 起火 致 3 人 受伤 — four tokens between.
		{"NEAR over gse tokens, title and body", "江宁区化工园区起火致3人受伤", "\n", []scheme.Hit{
			{SchemeID: "chem", Terms: []string{"江寧", "化工园区", "起火"}},
			{SchemeID: "casualty", Terms: []string{"化工园区", "起火", "受伤"}},
		}},
		{"full-width Latin", "", "警惕ＡＩ换脸诈骗", []scheme.Hit{{SchemeID: "ai", Terms: []string{"AI", "诈骗"}}}},
		{"empty document", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.MatchSchemes(m, tt.title, tt.body); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MatchSchemes(%q, %q) = %v, want %v", tt.title, tt.body, got, tt.want)
			}
		})
	}
}

func TestSchemePost(t *testing.T) {
	a := testAnalyzer(t)
	plain, err := scheme.Compile([]scheme.Scheme{{ID: "a", Expression: "爆炸"}}, SchemeOptions())
	if err != nil {
		t.Fatal(err)
	}
	near, err := scheme.Compile([]scheme.Scheme{{ID: "a", Expression: "NEAR/1(化工厂, 爆炸)"}}, SchemeOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		m           *scheme.Matcher
		title, body string
		want        scheme.Post
	}{
		{plain, " 化工厂　爆炸 ", "<p>現場</p>", scheme.Post{ID: "p", Text: "化工厂 爆炸\n现场"}},
		{near, "化工厂爆炸", "", scheme.Post{ID: "p", Text: "化工厂爆炸", Tokens: []string{"化工厂", "爆炸"}}},
		{near, "", "", scheme.Post{ID: "p", Text: ""}},
	}
	for _, tt := range tests {
		if got := a.SchemePost(tt.m, "p", tt.title, tt.body); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SchemePost(%q, %q) = %#v, want %#v", tt.title, tt.body, got, tt.want)
		}
	}
}

// TestBackTestStoredPosts runs a back-test the way the console wires it:
// stored posts through SchemePost into scheme.BackTest.
func TestBackTestStoredPosts(t *testing.T) {
	a := testAnalyzer(t)
	m, err := scheme.Compile([]scheme.Scheme{{ID: "near", Expression: "NEAR/1(化工厂, 爆炸) -演习"}}, SchemeOptions())
	if err != nil {
		t.Fatal(err)
	}
	stored := [][3]string{
		{"p1", "化工廠發生爆炸", ""},
		{"p2", "化工厂昨日发生爆炸", ""}, // two tokens between
		{"p3", "化工厂爆炸演习", ""},
		{"p4", "", "某化工厂突发爆炸"},
	}
	posts := func(yield func(scheme.Post) bool) {
		for _, s := range stored {
			if !yield(a.SchemePost(m, s[0], s[1], s[2])) {
				return
			}
		}
	}
	rep := scheme.BackTest(m, posts, 5)
	want := scheme.Report{Posts: 4, Schemes: []scheme.SchemeReport{{SchemeID: "near", Matched: 2, Samples: []scheme.Sample{
		{PostID: "p1", Terms: []string{"化工厂", "爆炸"}}, {PostID: "p4", Terms: []string{"化工厂", "爆炸"}},
	}}}}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("BackTest = %+v, want %+v", rep, want)
	}
}

// Word lists for generated schemes: what 舆情 schemes are made of —
// divisions of the jurisdiction, the bodies and companies watched, the
// events that matter, and the usual exclusions.
var (
	benchSubjects = []string{
		"政府", "人民政府", "卫健委", "教育局", "公安局", "交警", "城管", "住建局", "环保局", "生态环境局", "应急管理局",
		"市场监管局", "自然资源局", "人社局", "医保局", "税务局", "法院", "检察院", "纪委", "信访局", "街道办", "居委会",
		"村委会", "医院", "人民医院", "学校", "中学", "小学", "幼儿园", "化工厂", "化工园区", "煤矿", "工地", "物业",
		"开发商", "银行", "村干部", "书记", "局长", "县长", "市长", "镇政府", "派出所", "消防", "供电公司", "自来水公司",
		"燃气公司", "公交公司", "地铁", "高速", "养老院", "福利院", "食品厂", "餐馆", "外卖", "快递", "网约车", "出租车",
	}
	benchEvents = []string{
		"爆炸", "起火", "火灾", "泄漏", "坍塌", "事故", "伤亡", "死亡", "受伤", "欠薪", "讨薪", "强拆", "拆迁", "腐败",
		"受贿", "贪污", "维权", "上访", "停水", "停电", "停气", "污染", "排污", "异味", "食物中毒", "疫情", "暴雨",
		"洪水", "内涝", "地震", "滑坡", "塌方", "霸凌", "猥亵", "打人", "冲突", "围堵", "跳楼", "失联", "诈骗", "非法集资",
		"暴力执法", "乱收费", "烂尾", "延期交房", "投诉", "举报", "曝光", "不作为", "乱作为", "辱骂", "殴打", "辟谣", "谣言",
	}
	benchExclusions = []string{"演习", "演练", "广告", "招聘", "转发抽奖", "电视剧", "游戏", "小说", "培训班", "优惠"}
)

// benchHome is the jurisdiction of the generated schemes' office: one
// deployment watches its own city, so most of its schemes name it.
var benchHome = []string{"南京", "南京市", "江宁", "江宁区", "鼓楼区", "玄武区", "秦淮区", "建邺区", "浦口区", "栖霞区", "雨花台区", "六合区", "溧水区", "高淳区"}

// benchRegionNames reads the division names (provinces, cities and
// counties) and their short forms (南京 for 南京市) from the region table
// shipped in the repository.
func benchRegionNames(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile("region/divisions.tsv")
	if err != nil {
		tb.Fatalf("read divisions: %v", err)
	}
	var names []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		names = append(names, f[1])
		if len(f) > 2 {
			for short := range strings.SplitSeq(f[2], ",") {
				if short = strings.TrimPrefix(short, "~"); short != "" {
					names = append(names, short)
				}
			}
		}
	}
	return names
}

// generateSchemes makes n schemes as officers write them: most in the
// simple form (1–3 region words, from the office's jurisdiction in seven
// schemes of ten, 2–5 subject words, 2–6 event words, up to
// 2 exclusions, some subjects qualified by a region such as 江宁区卫健委),
// one in five with an expression, half of those using NEAR.
func generateSchemes(regions []string, n int) []scheme.Scheme {
	r := rand.New(rand.NewPCG(2260, uint64(n)))
	pick := func(from []string, k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = from[r.IntN(len(from))]
		}
		return out
	}
	out := make([]scheme.Scheme, n)
	for i := range out {
		s := scheme.Scheme{ID: fmt.Sprintf("s%05d", i), Regions: pick(regions, 1+r.IntN(3))}
		if r.IntN(10) < 7 {
			s.Regions = pick(benchHome, 1+r.IntN(3))
		}
		s.Subjects = pick(benchSubjects, 2+r.IntN(4))
		if r.IntN(2) == 0 {
			s.Subjects = append(s.Subjects, s.Regions[0]+benchSubjects[r.IntN(len(benchSubjects))])
		}
		s.Events = pick(benchEvents, 2+r.IntN(5))
		s.Exclusions = pick(benchExclusions, r.IntN(3))
		if r.IntN(5) == 0 {
			s.Events = nil
			if r.IntN(2) == 0 {
				s.Expression = fmt.Sprintf("NEAR/%d((%s), (%s)) -%s", 2+r.IntN(8),
					strings.Join(pick(benchSubjects, 2), " OR "), strings.Join(pick(benchEvents, 3), " OR "), benchExclusions[r.IntN(len(benchExclusions))])
			} else {
				s.Expression = fmt.Sprintf("(%s | %s) & (%s | \"%s\") !%s", benchEvents[r.IntN(len(benchEvents))], benchEvents[r.IntN(len(benchEvents))],
					benchSubjects[r.IntN(len(benchSubjects))], benchSubjects[r.IntN(len(benchSubjects))], benchExclusions[r.IntN(len(benchExclusions))])
			}
		}
		out[i] = s
	}
	return out
}

// BenchmarkMatchSchemes is the cost per document of matching 1,000 and
// 5,000 generated schemes with the tokens Analyze has at hand, on two
// corpora: "seeds" is BenchmarkAnalyze's (the seed documents, 13–25 KB of
// government text each; compare the ns/op), "incident" is this package's
// chemical-plant explosion report under a 南京 headline, on which region,
// subject, event and NEAR schemes fire. hits/doc is how many schemes
// matched a document on average.
func BenchmarkMatchSchemes(b *testing.B) {
	a := testAnalyzer(b)
	regions := benchRegionNames(b)
	type input struct {
		text   string
		tokens []string
	}
	corpora := []struct {
		name string
		docs []model.Document
	}{
		{"seeds", benchCorpus(b)},
		{"incident", []model.Document{{Title: "江苏南京江宁区一化工厂发生爆炸 已致3死12伤", Body: longReport}}},
	}
	matchers := map[int]*scheme.Matcher{}
	for _, n := range []int{1000, 5000} {
		m, err := scheme.Compile(generateSchemes(regions, n), SchemeOptions())
		if err != nil {
			b.Fatal(err)
		}
		matchers[n] = m
	}
	for _, c := range corpora {
		inputs := make([]input, len(c.docs))
		for i, d := range c.docs {
			title, body, _ := prepare(d.Title, d.Body)
			toks, _, err := a.segment(title, body)
			if err != nil {
				b.Fatal(err)
			}
			inputs[i].text, inputs[i].tokens = schemeInput(title, body, toks)
		}
		for _, n := range []int{1000, 5000} {
			m := matchers[n]
			b.Run(fmt.Sprintf("corpus=%s/schemes=%d", c.name, n), func(b *testing.B) {
				b.SetBytes(corpusBytes(c.docs) / int64(len(c.docs)))
				b.ReportAllocs()
				hits := 0
				for i := 0; b.Loop(); i++ {
					in := inputs[i%len(inputs)]
					hits += len(m.Match(in.text, in.tokens))
				}
				b.ReportMetric(float64(hits)/float64(b.N), "hits/doc")
			})
		}
	}
}

// BenchmarkCompileSchemes is the cost of building the matcher of 5,000
// generated schemes, paid when an officer saves a scheme.
func BenchmarkCompileSchemes(b *testing.B) {
	schemes := generateSchemes(benchRegionNames(b), 5000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scheme.Compile(schemes, SchemeOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGeneratedSchemesCompile keeps the benchmark's generator honest: its
// schemes are valid and some use NEAR, so the benchmark pays for tokens.
func TestGeneratedSchemesCompile(t *testing.T) {
	schemes := generateSchemes(benchRegionNames(t), 1000)
	m, err := scheme.Compile(schemes, SchemeOptions())
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 1000 || !m.NeedsTokens() {
		t.Errorf("Len %d NeedsTokens %v, want 1000 true", m.Len(), m.NeedsTokens())
	}
}

// TestSchemesInAnalyze checks that a post carries the schemes it matched,
// with the words and the alert mark, and that a bad scheme is refused.
func TestSchemesInAnalyze(t *testing.T) {
	a := testAnalyzer(t)
	defer a.SetSchemes(nil)
	if err := a.SetSchemes([]config.Scheme{
		{ID: "chem", Name: "化工安全", Regions: []string{"青岚"}, Subjects: []string{"化工厂", "化工企业"}, Events: []string{"爆炸", "泄漏"}, Alert: true},
		{ID: "school", Name: "校园安全", Expression: "学校 AND (食物中毒 OR 欺凌)"},
	}); err != nil {
		t.Fatal(err)
	}
	p := a.Analyze(model.Document{Title: "青岚县化工厂发生爆炸", Body: "今天下午,青岚县工业园区一化工厂发生爆炸,现场浓烟滚滚。"})
	if len(p.Schemes) != 1 || p.Schemes[0].ID != "chem" || !p.Schemes[0].Alert || p.Schemes[0].Name != "化工安全" ||
		!slices.Contains(p.Schemes[0].Terms, "爆炸") {
		t.Errorf("schemes = %+v, want the alerting 化工安全 scheme with its words", p.Schemes)
	}
	if err := a.SetSchemes([]config.Scheme{{ID: "bad", Expression: "化工厂 AND (爆炸"}}); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("bad scheme accepted or not named: %v", err)
	}
}
