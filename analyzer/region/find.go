package region

import (
	"strings"
	"unicode/utf8"
)

// Roles of a mention.
const (
	// RoleMentioned: the text names the division.
	RoleMentioned = "mentioned"
	// RoleEvent: the text says something happened there (在XX发生, 位于XX的,
	// XX境内).
	RoleEvent = "event"
)

// Mention is one division named in a text.
type Mention struct {
	Division
	// Start and End are the byte offsets of the name in the text.
	Start, End int
	// Surface is the name as written (青川县, 青川, 凉山州).
	Surface string
	// Role is RoleMentioned or RoleEvent.
	Role string
}

// match is a name found in the text, before disambiguation.
type match struct {
	start, end int
	refs       []ref
}

// Scores of a candidate meaning. Context outweighs the home jurisdiction,
// which outweighs the level: "南京市鼓楼区" is Nanjing's even for an office
// in Fuzhou, and "吉林" alone is the province rather than the city. A
// division named right before or after the candidate (in a chain such as
// 北京朝阳区 or 吉林船营区) says more than one named elsewhere in the text.
const (
	scoreChainParent   = 8   // the name right before is the candidate's parent
	scoreChainAncestor = 6   // the name right before is a farther ancestor (北京朝阳区)
	scoreChainChild    = 4   // the name right after is the candidate's child
	scoreChainDescend  = 2   // the name right after is a farther descendant
	scoreTextParent    = 3   // the parent is named elsewhere in the text
	scoreTextAncestor  = 2   // a farther ancestor is named elsewhere in the text
	scoreTextDescend   = 1   // a descendant is named elsewhere in the text
	scoreHomeCity      = 3   // the candidate is in the home's city, is it, or encloses it
	scoreHomeProv      = 1   // the candidate is in the home's province
	scoreLevelStep     = 0.1 // per level above county, breaking ties across levels
	// minWeakScore is the least context a weak short form needs: its parent
	// named in the text, an enclosing division named right before it, a
	// child named right after it, or the home jurisdiction's city. A
	// province named somewhere is not enough: 健康龙江 in a text about
	// 黑龙江省 is no 龙江县.
	minWeakScore = 3
	// tieEpsilon: scores closer than this are equal.
	tieEpsilon = 1e-9
)

// Find returns the divisions named in text, in order of appearance. home
// is the code of the jurisdiction the reader is responsible for (the
// office's county, or "" for none); it decides between equally named
// divisions when the text does not.
//
// A name may mean several divisions (朝阳区 of Beijing and of Changchun;
// 鼓楼区 of four cities; 吉林 the province and the city). Each meaning is
// scored by the other divisions the text names (a parent or child named
// next to it counts most), then by the home jurisdiction, then by level
// (the broader division wins). A name whose best meanings tie at the same
// level is left out rather than guessed: a wrong region routes a post to
// the wrong office. A weak short form (朝阳, 鼓楼, 和平) counts only when
// context or the home jurisdiction supports it, and gives no context to
// other names.
//
// A division in a sentence that says something happened there gets
// RoleEvent: "在XX发生/突发/出现…", "发生在XX", "位于XX", "XX境内", "XX辖区",
// "XX发生", "XX一煤矿发生…". In a chain of names (四川省广元市青川县) the
// most specific one gets the role.
func (t *Table) Find(text, home string) []Mention { return t.FindAligned(text, home, nil) }

// FindAligned is Find for a segmented text: a name is taken only where
// startsWord(i) says a word starts at byte i. Matching raw text finds names
// across word boundaries (亚运城市 holds 运城市, 吕西安 西安); a segmenter's
// word starts rule those out. Only starts are checked, because segmenters
// glue a county's suffix to the next word (青川/县人民政府). A nil
// startsWord takes every position.
func (t *Table) FindAligned(text, home string, startsWord func(int) bool) []Mention {
	return t.resolve(text, home, t.scan(text, startsWord))
}

// FindAtStarts is FindAligned with the word starts given as byte offsets
// into text, ascending, each at a rune boundary: a name is taken only at
// one of them. It costs a lookup per word rather than per rune.
func (t *Table) FindAtStarts(text, home string, starts []int) []Mention {
	return t.resolve(text, home, t.scanStarts(text, starts))
}

// resolve picks the meaning of each name found and marks the event places.
func (t *Table) resolve(text, home string, matches []match) []Mention {
	if len(matches) == 0 {
		return nil
	}
	homeDiv, hasHome := t.divs[home]
	ctx := t.newTextContext(text, matches)
	var out []Mention
	for i, m := range matches {
		best, bestScore, tie := ref{}, -1.0, false
		for _, r := range m.refs {
			s := t.contextScore(text, ctx, matches, i, r.code)
			if hasHome {
				s += t.homeScore(r.code, homeDiv)
			}
			if r.weak && s < minWeakScore {
				continue
			}
			s += scoreLevelStep * float64(County-t.divs[r.code].Level)
			switch {
			case s > bestScore+tieEpsilon:
				best, bestScore, tie = r, s, false
			case s > bestScore-tieEpsilon:
				tie = true
			}
		}
		if bestScore < 0 || tie {
			continue
		}
		out = append(out, Mention{Division: *t.divs[best.code], Start: m.start, End: m.end, Surface: text[m.start:m.end], Role: RoleMentioned})
	}
	t.markEvents(text, out)
	return out
}

// textContext indexes the strong meanings of the names in a text: for
// each code, the distinct surfaces naming it and the distinct surfaces
// naming one of its descendants. Weak short forms give no context.
type textContext struct {
	named, below map[string][]string
}

func (t *Table) newTextContext(text string, matches []match) textContext {
	c := textContext{named: map[string][]string{}, below: map[string][]string{}}
	for _, m := range matches {
		surface := text[m.start:m.end]
		for _, r := range m.refs {
			if r.weak {
				continue
			}
			c.named[r.code] = addOnce(c.named[r.code], surface)
			for a := t.parent(r.code); a != ""; a = t.parent(a) {
				c.below[a] = addOnce(c.below[a], surface)
			}
		}
	}
	return c
}

func addOnce(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

// otherThan reports whether ss holds a string other than s.
func otherThan(ss []string, s string) bool {
	for _, x := range ss {
		if x != s {
			return true
		}
	}
	return false
}

// contextScore scores the meaning code of matches[i] by the strong meanings
// of the other names in the text. Names written the same way as matches[i]
// are not its context: "朝阳…朝阳" must not confirm itself.
func (t *Table) contextScore(text string, ctx textContext, matches []match, i int, code string) float64 {
	s := 0.0
	m := matches[i]
	surface := text[m.start:m.end]
	for a, parent := t.parent(code), true; a != ""; a, parent = t.parent(a), false {
		if otherThan(ctx.named[a], surface) {
			if parent {
				s = max(s, scoreTextParent)
			} else {
				s = max(s, scoreTextAncestor)
			}
		}
	}
	if otherThan(ctx.below[code], surface) {
		s = max(s, scoreTextDescend)
	}
	if i > 0 && matches[i-1].end == m.start {
		for _, r := range matches[i-1].refs {
			switch {
			case r.weak:
			case t.parent(code) == r.code:
				s = max(s, scoreChainParent)
			case t.isAncestor(r.code, code):
				s = max(s, scoreChainAncestor)
			}
		}
	}
	if i+1 < len(matches) && matches[i+1].start == m.end {
		for _, r := range matches[i+1].refs {
			switch {
			case r.weak:
			case t.parent(r.code) == code:
				s = max(s, scoreChainChild)
			case t.isAncestor(code, r.code):
				s = max(s, scoreChainDescend)
			}
		}
	}
	return s
}

// homeScore scores the meaning code by the home jurisdiction.
func (t *Table) homeScore(code string, home *Division) float64 {
	switch {
	case home.Code == code || t.isAncestor(code, home.Code) || t.isAncestor(home.Code, code) || t.sameCity(code, home.Code):
		return scoreHomeCity
	case code[:2] == home.Code[:2]:
		return scoreHomeProv
	}
	return 0
}

// sameCity reports whether two divisions lie in one prefecture-level city.
func (t *Table) sameCity(a, b string) bool {
	ca, cb := t.cityOf(a), t.cityOf(b)
	return ca != "" && ca == cb
}

func (t *Table) cityOf(code string) string {
	for c := code; c != ""; c = t.parent(c) {
		if d, ok := t.divs[c]; ok && d.Level == City {
			return c
		}
	}
	return ""
}

// scan finds names leftmost-longest, without overlaps, starting where
// startsWord allows.
func (t *Table) scan(text string, startsWord func(int) bool) []match {
	var out []match
	for i := 0; i < len(text); {
		var refs []ref
		n := 0
		if startsWord == nil || startsWord(i) {
			refs, n = t.names.longest(text[i:])
		}
		if n > 0 {
			out = append(out, match{start: i, end: i + n, refs: refs})
			i += n
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return out
}

// scanStarts is scan with the allowed starts listed (see FindAtStarts).
func (t *Table) scanStarts(text string, starts []int) []match {
	var out []match
	end := 0 // no name starts inside the last one found
	for _, i := range starts {
		if i < end || i >= len(text) {
			continue
		}
		if refs, n := t.names.longest(text[i:]); n > 0 {
			out = append(out, match{start: i, end: i + n, refs: refs})
			end = i + n
		}
	}
	return out
}

// Event patterns. The words before a place and after it that say an event
// happened there; eventWindow bounds how far after the place the verb may
// stand (in runes, within one clause): 在青川县境内的一处煤矿发生.
var (
	eventBefore      = []string{"发生在", "发生于", "位于", "地处"}
	eventBeforeVerb  = []string{"在", "于"}
	eventAfterDirect = []string{"境内", "辖区", "发生", "突发", "爆发"}
	// eventAfterOne: "青川县一煤矿发生瓦斯爆炸", "北京朝阳区一小区起火".
	eventAfterOne = "一"
	eventVerbs    = []string{"发生", "突发", "爆发", "出现", "起火", "失火", "爆炸", "坍塌", "垮塌", "倒塌", "塌陷", "泄漏", "遭遇", "遭受", "受灾", "暴发"}
	clauseEnd     = "。！？；!?;\n"
)

const eventWindow = 30

// markEvents sets RoleEvent on the last mention of each chain that an
// event pattern surrounds.
func (t *Table) markEvents(text string, ms []Mention) {
	for i := 0; i < len(ms); {
		j := i
		for j+1 < len(ms) && ms[j+1].Start == ms[j].End {
			j++
		}
		before, after := text[:ms[i].Start], text[ms[j].End:]
		if isEventPlace(before, after) {
			ms[j].Role = RoleEvent
		}
		i = j + 1
	}
}

func isEventPlace(before, after string) bool {
	for _, p := range eventBefore {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	for _, p := range eventAfterDirect {
		if strings.HasPrefix(after, p) {
			return true
		}
	}
	prep := strings.HasPrefix(after, eventAfterOne)
	for _, p := range eventBeforeVerb {
		if strings.HasSuffix(before, p) {
			prep = true
			break
		}
	}
	if !prep {
		return false
	}
	clause := after
	if k := strings.IndexAny(clause, clauseEnd); k >= 0 {
		clause = clause[:k]
	}
	n := 0
	for k := range clause {
		if n == eventWindow {
			clause = clause[:k]
			break
		}
		n++
	}
	for _, v := range eventVerbs {
		if strings.Contains(clause, v) {
			return true
		}
	}
	return false
}
