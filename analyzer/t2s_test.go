package analyzer

import (
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/model"
)

// t2sCases are checked against OpenCC's own output (opencc -c t2s, Debian
// opencc 1.1.6) when it is installed, and against these expectations always.
var t2sCases = []struct{ in, want string }{
	{"特別重大、重大突發事件發生后,應在24小時內舉行新聞發布會", "特别重大、重大突发事件发生后,应在24小时内举行新闻发布会"},
	{"政府資訊公開工作年度報告", "政府资讯公开工作年度报告"},
	{"乾隆年間的乾坤,乾燥的天氣", "乾隆年间的乾坤,干燥的天气"},
	{"後來他們於是去了臺灣", "后来他们于是去了台湾"},
	{"已經是簡體的文字不變:著名、干部、头发", "已经是简体的文字不变:著名、干部、头发"},
	{"English text and 123 數字", "English text and 123 数字"},
	{"", ""},
	{"老態龍鍾", "老态龙钟"},
	{"㑮", "𫝈"},
}

func TestToSimplified(t *testing.T) {
	for _, tc := range t2sCases {
		if got := toSimplified(tc.in); got != tc.want {
			t.Errorf("toSimplified(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestToSimplifiedMatchesOpenCC compares the embedded table with the opencc
// command on the cases and on the seed documents, when both are available.
func TestToSimplifiedMatchesOpenCC(t *testing.T) {
	if _, err := exec.LookPath("opencc"); err != nil {
		t.Skip("opencc is not installed (apt-get install opencc)")
	}
	inputs := []string{}
	for _, tc := range t2sCases {
		inputs = append(inputs, tc.in)
	}
	seeds, _ := os.ReadDir("/work/shared/seeds")
	for _, e := range seeds {
		if b, err := os.ReadFile("/work/shared/seeds/" + e.Name()); err == nil && len(inputs) < 40 {
			inputs = append(inputs, string(b))
		}
	}
	for _, in := range inputs {
		in = strings.ReplaceAll(in, "\r", "")
		cmd := exec.Command("opencc", "-c", "t2s")
		cmd.Stdin = strings.NewReader(in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("opencc: %v", err)
		}
		want := strings.TrimSuffix(string(out), "\n")
		if got := strings.TrimSuffix(toSimplified(in), "\n"); got != want {
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Errorf("line %d differs from opencc:\n got  %q\n want %q", i, gl[i], wl[i])
					break
				}
			}
		}
	}
}

func TestToSimplifiedLeavesSimplifiedUnallocated(t *testing.T) {
	s := strings.Repeat("政府信息公开工作年度报告,依申请公开。", 100)
	if n := testing.AllocsPerRun(10, func() { toSimplified(s) }); n != 0 {
		t.Errorf("toSimplified allocated %v times on simplified text", n)
	}
}

func TestParseT2SErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"# c\n發\n", `cannot parse t2s line 2 "發": want traditional<TAB>simplified`},
		{"發\t\n", `cannot parse t2s line 1 "發\t": want traditional<TAB>simplified`},
	} {
		if _, err := parseT2S(tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("parseT2S(%q) = %v, want %s", tc.in, err, tc.want)
		}
	}
}

// TestTraditionalAnalysedLikeSimplified: a traditional post gets the tokens,
// keywords, topics and regions of its simplified form, and keeps its text.
func TestTraditionalAnalysedLikeSimplified(t *testing.T) {
	a := testAnalyzer(t)
	trad := model.Document{
		Title: "關於四川省青川縣突發事件新聞發布工作的通知",
		Body:  "特別重大、重大突發事件發生后,應在24小時內舉行新聞發布會。各級政府應當及時發布權威信息,回應社會關切,做好輿情處置工作。",
	}
	simp := model.Document{
		Title: "关于四川省青川县突发事件新闻发布工作的通知",
		Body:  "特别重大、重大突发事件发生后,应在24小时内举行新闻发布会。各级政府应当及时发布权威信息,回应社会关切,做好舆情处置工作。",
	}
	pt, ps := a.Analyze(trad), a.Analyze(simp)
	if pt.Title != trad.Title || pt.Body != trad.Body {
		t.Error("the traditional text was not kept in the post")
	}
	if tt, ts := a.Tokens(trad.Title, trad.Body), a.Tokens(simp.Title, simp.Body); !slices.Equal(tt, ts) {
		t.Errorf("tokens differ:\n trad %q\n simp %q", tt, ts)
	}
	if !slices.Equal(pt.Keywords, ps.Keywords) || len(pt.Keywords) == 0 {
		t.Errorf("keywords differ:\n trad %v\n simp %v", pt.Keywords, ps.Keywords)
	}
	if !reflect.DeepEqual(pt.Topics, ps.Topics) || len(pt.Topics) == 0 {
		t.Errorf("topics differ:\n trad %v\n simp %v", pt.Topics, ps.Topics)
	}
	if !slices.Equal(pt.Regions, ps.Regions) || len(pt.Regions) == 0 {
		t.Errorf("regions differ:\n trad %v\n simp %v", pt.Regions, ps.Regions)
	}
	if !reflect.DeepEqual(pt.Sentiment, ps.Sentiment) || pt.SimHash != ps.SimHash {
		t.Errorf("sentiment or simhash differ: %v %x, %v %x", pt.Sentiment, pt.SimHash, ps.Sentiment, ps.SimHash)
	}
}

func BenchmarkToSimplified(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"simplified", strings.Repeat("特别重大、重大突发事件发生后,应在24小时内举行新闻发布会。", 100)},
		{"traditional", strings.Repeat("特別重大、重大突發事件發生后,應在24小時內舉行新聞發布會。", 100)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				toSimplified(bc.text)
			}
		})
	}
}
