package responder

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/yuqing-project/yuqing/model"
)

// Casualty figures stated in a text.
type CasualtyFigures struct {
	Deaths  int
	Injured int
	Missing int
	// Loss is the direct economic loss stated, in 元.
	Loss float64
}

const num = `(\d{1,5}|[零〇一二两三四五六七八九十百千]{1,6})`

var (
	deathRe = []*regexp.Regexp{
		regexp.MustCompile(num + `(?:人|名)[^,。;，、\d]{0,6}?(?:死亡|遇难|身亡|罹难|丧生)`),
		regexp.MustCompile(`(?:死亡|遇难|身亡|罹难)(?:人数)?(?:已|升至|上升至|增至|达到|达|为)?` + num + `(?:人|名)`),
		// Spoken: 死了3个人, 12个人没了.
		regexp.MustCompile(`死了` + num + `个?人`),
		regexp.MustCompile(num + `个人(?:都)?没了`),
	}
	injuredRe = []*regexp.Regexp{
		regexp.MustCompile(num + `(?:人|名)[^,。;，、\d]{0,6}?(?:受伤|重伤|轻伤|中毒)`),
		regexp.MustCompile(`(?:受伤|重伤|伤者)(?:人数)?(?:已|升至|上升至|增至|达到|达|为)?` + num + `(?:人|名)`),
	}
	missingRe = []*regexp.Regexp{
		regexp.MustCompile(num + `(?:人|名)[^,。;，、\d]{0,6}?(?:失联|失踪)`),
		regexp.MustCompile(`(?:失联|失踪)(?:人数)?(?:已|升至|上升至|增至|达到|达|为)?` + num + `(?:人|名)`),
	}
)

// The words one of which each group of patterns above requires (a new
// pattern adds its word here; TestCasualtyWordsGuardEveryPattern checks).
var (
	deathWords   = []string{"死亡", "遇难", "身亡", "罹难", "丧生", "死了", "没了"}
	injuredWords = []string{"受伤", "重伤", "轻伤", "中毒", "伤者"}
	missingWords = []string{"失联", "失踪"}
)

func containsAny(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// lossRe finds a stated direct economic loss: 直接经济损失约1.2亿元,
// 经济损失达3000万元.
var lossRe = regexp.MustCompile(`经济损失[^,。;，0-9]{0,6}?(\d+(?:\.\d+)?)\s*(亿|万)?元`)

// Casualties extracts the largest death, injury and missing figures and the
// largest direct economic loss stated in text, in Arabic or Chinese
// numerals (造成12人死亡, 死亡人数升至十二人, 3名工人遇难).
//
// Each pattern needs one of its words (deathWords and the like), so a text
// without any of them is not searched: most posts state no casualties,
// and the regular expressions cost more than the rest of the responder's
// work on a post.
func Casualties(text string) CasualtyFigures {
	f := CasualtyFigures{
		Deaths:  maxFigure(text, deathWords, deathRe),
		Injured: maxFigure(text, injuredWords, injuredRe),
		Missing: maxFigure(text, missingWords, missingRe),
	}
	if !strings.Contains(text, "经济损失") {
		return f
	}
	for _, m := range lossRe.FindAllStringSubmatch(text, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		switch m[2] {
		case "亿":
			v *= 1e8
		case "万":
			v *= 1e4
		}
		f.Loss = max(f.Loss, v)
	}
	return f
}

// Level grades figures by 生产安全事故报告和调查处理条例 第三条: the gravest
// level any measure reaches ("以上" includes the number, "以下" excludes
// it); "" when no figure gives a level.
func (f CasualtyFigures) Level() string {
	best := ""
	for _, l := range []string{levelFor(f.Deaths), injuredLevel(f.Injured), lossLevel(f.Loss)} {
		if l != "" && (best == "" || model.LevelRank(l) < model.LevelRank(best)) {
			best = l
		}
	}
	return best
}

// injuredLevel grades serious injuries (including acute poisoning): ≥100 I,
// 50–99 II, 10–49 III, fewer IV.
func injuredLevel(n int) string {
	switch {
	case n >= 100:
		return "I"
	case n >= 50:
		return "II"
	case n >= 10:
		return "III"
	case n > 0:
		return "IV"
	}
	return ""
}

// lossLevel grades direct economic loss in 元: ≥1亿 I, 5000万–1亿 II,
// 1000万–5000万 III, less IV.
func lossLevel(yuan float64) string {
	switch {
	case yuan >= 1e8:
		return "I"
	case yuan >= 5e7:
		return "II"
	case yuan >= 1e7:
		return "III"
	case yuan > 0:
		return "IV"
	}
	return ""
}

// merge keeps the largest of each figure.
func (f CasualtyFigures) merge(g CasualtyFigures) CasualtyFigures {
	return CasualtyFigures{max(f.Deaths, g.Deaths), max(f.Injured, g.Injured), max(f.Missing, g.Missing), max(f.Loss, g.Loss)}
}

func maxFigure(text string, words []string, res []*regexp.Regexp) int {
	if !containsAny(text, words) {
		return 0
	}
	best := 0
	for _, re := range res {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			if n := parseNumber(m[1]); n > best {
				best = n
			}
		}
	}
	return best
}

// parseNumber reads an Arabic or Chinese numeral up to the thousands.
func parseNumber(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	digits := map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	units := map[rune]int{'十': 10, '百': 100, '千': 1000}
	total, cur := 0, 0
	for _, r := range s {
		if d, ok := digits[r]; ok {
			cur = d
			continue
		}
		u := units[r]
		if cur == 0 {
			cur = 1 // 十二 = 12
		}
		total += cur * u
		cur = 0
	}
	return total + cur
}

// any says whether any casualty figure is stated.
func (f CasualtyFigures) any() bool { return f.Deaths+f.Injured+f.Missing > 0 }
