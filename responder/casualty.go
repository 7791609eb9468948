package responder

import (
	"regexp"
	"strconv"
)

// Casualty figures stated in a text.
type CasualtyFigures struct {
	Deaths  int
	Injured int
	Missing int
}

const num = `(\d{1,5}|[零〇一二两三四五六七八九十百千]{1,6})`

var (
	deathRe = []*regexp.Regexp{
		regexp.MustCompile(num + `(?:人|名)[^,。;，、\d]{0,6}?(?:死亡|遇难|身亡|罹难|丧生)`),
		regexp.MustCompile(`(?:死亡|遇难|身亡|罹难)(?:人数)?(?:已|升至|上升至|增至|达到|达|为)?` + num + `(?:人|名)`),
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

// Casualties extracts the largest death, injury and missing figures stated
// in text, in Arabic or Chinese numerals (造成12人死亡, 死亡人数升至十二人,
// 3名工人遇难).
func Casualties(text string) CasualtyFigures {
	return CasualtyFigures{
		Deaths:  maxFigure(text, deathRe),
		Injured: maxFigure(text, injuredRe),
		Missing: maxFigure(text, missingRe),
	}
}

func maxFigure(text string, res []*regexp.Regexp) int {
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
