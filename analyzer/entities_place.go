package analyzer

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/model"
)

// maxRegions bounds the regions carried by a post.
const maxRegions = 20

// regionSetup is the division table and home jurisdiction in use. It is
// replaced whole by SetRegions, never modified, so Analyze may read it
// while SetRegions runs.
type regionSetup struct {
	table *region.Table
	home  string
}

func defaultRegionSetup() *regionSetup { return &regionSetup{table: region.Default()} }

// SetRegions sets the office's home jurisdiction (a GB/T 2260 code, or ""
// for none) and adds divisions the embedded table lacks, such as the demo's
// invented 361200 澜州市 and 361221 青岚县. The home jurisdiction decides
// between equally named divisions (朝阳区, 鼓楼区) when the text does not;
// without it, a post's publisher region stands in. Posts analysed after it
// returns use the new setting; it is safe to call while Analyze runs.
func (a *Analyzer) SetRegions(home string, extra ...region.Division) error {
	t := region.Default()
	for _, d := range extra {
		if err := t.Add(d); err != nil {
			return fmt.Errorf("cannot set the analyzer's regions: %w", err)
		}
	}
	if _, ok := t.Lookup(home); home != "" && !ok {
		return fmt.Errorf("cannot set the analyzer's home region %q: no such division", home)
	}
	a.regions.Store(&regionSetup{table: t, home: home})
	if len(extra) == 0 {
		return nil
	}
	// The added divisions' names join the segmenter.
	a.placesMu.Lock()
	defer a.placesMu.Unlock()
	return a.rebuildSegmenter(a.seg.Load().user)
}

// findRegions returns the regions of a post: its publisher's region, then
// the divisions its text (title and body joined as schemeText joins them)
// says events happened in, then those it mentions, each code once per role
// (an event place is not listed again as mentioned); and the mentions
// themselves, for the entities. tokens are the segmentation of title and
// body: a division's name counts only where a word starts (see
// region.Table.FindAtStarts).
func (a *Analyzer) findRegions(publisher, text string, tokens []token) ([]model.Region, []region.Mention) {
	setup := a.regions.Load()
	out := []model.Region{}
	if publisher != "" {
		d, _ := setup.table.Lookup(publisher)
		out = append(out, model.Region{Code: publisher, Name: d.Name, Role: RolePublisher})
	}
	home := setup.home
	if home == "" {
		home = publisher
	}
	var mentions []region.Mention
	sp := startsPool.Get().(*[]int)
	if starts, ok := wordStarts(text, tokens, (*sp)[:0]); ok {
		mentions = setup.table.FindAtStarts(text, home, starts)
		*sp = starts
	} else {
		mentions = setup.table.Find(text, home)
	}
	startsPool.Put(sp)
	if len(mentions) == 0 {
		return out, nil
	}
	roleOf := make(map[string]string, len(mentions))
	for _, m := range mentions {
		if m.Role == region.RoleEvent || roleOf[m.Code] == "" {
			roleOf[m.Code] = m.Role
		}
	}
	for _, role := range []string{RoleEvent, RoleMentioned} {
		for _, m := range mentions {
			if roleOf[m.Code] != role || len(out) == maxRegions {
				continue
			}
			out = append(out, model.Region{Code: m.Code, Name: m.Name, Role: role})
			roleOf[m.Code] = "" // listed
		}
	}
	return out, mentions
}

// isDivisionName reports whether w names an administrative division (a
// full name or a short form): such places are listed once, by their
// official name, from the region mentions.
func (a *Analyzer) isDivisionName(w string) bool {
	return a.regions.Load().table.IsName(strings.TrimSpace(w))
}

// startsPool holds the word-start buffers of findRegions.
var startsPool = sync.Pool{New: func() any { s := make([]int, 0, 1024); return &s }}

// wordStarts appends to dst the byte offsets of text at which tokens start,
// ascending; text is the text the tokens were cut from (whitespace between
// them). gse lower-cases Latin letters, so tokens are found in a
// lower-cased copy. Should a token not be found (the text and the tokens
// disagree), every later rune counts as a start, which is what Find does
// without tokens. ok is false when the tokens cannot be aligned at all (no
// tokens, or lower-casing changes the text's length): then every position
// counts.
func wordStarts(text string, tokens []token, dst []int) (starts []int, ok bool) {
	if len(tokens) == 0 {
		return dst, false
	}
	// Most texts have nothing to lower-case. The tokens are runes of the
	// lower-cased text (cut's), which lower-casing leaves as they are:
	// when every token is found right where it belongs in the text
	// itself, and what follows the last one has no case either, the text
	// is its own lower-cased copy, and this is the answer.
	if starts, end, ok := alignTokens(text, text, tokens, dst, true); ok && toLower(text[end:]) == text[end:] {
		return starts, true
	}
	lower := toLower(text)
	if len(lower) != len(text) {
		return dst[:0], false
	}
	starts, _, _ = alignTokens(lower, text, tokens, dst[:0], false)
	return starts, true
}

// alignTokens finds tokens in lower, the lower-cased text, one after the
// other, appending their offsets to dst, and returns where the last one
// ends. A token normally follows at once, after whitespace at most;
// otherwise it is searched further on, and if it is not found every later
// rune of text counts as a start. strict gives up (ok false) on the first
// token that does not follow at once.
func alignTokens(lower, text string, tokens []token, dst []int, strict bool) (starts []int, end int, ok bool) {
	pos := 0
	for _, tk := range tokens {
		if isBlank(tk.text) {
			continue
		}
		for pos < len(lower) && (lower[pos] == ' ' || lower[pos] == '\n' || lower[pos] == '\t' || lower[pos] == '\r') {
			pos++
		}
		k := 0
		if !strings.HasPrefix(lower[pos:], tk.text) {
			if strict {
				return dst, 0, false
			}
			k = strings.Index(lower[pos:], tk.text)
		}
		if k < 0 {
			for i := range text[pos:] {
				dst = append(dst, pos+i)
			}
			return dst, len(text), true
		}
		dst = append(dst, pos+k)
		pos += k + len(tk.text)
	}
	return dst, pos, true
}

// toLower is strings.ToLower (which is how gse lower-cases), faster on
// Chinese text: runes without case are copied in runs, and text without
// an upper-case letter or an invalid byte is returned as it is.
func toLower(s string) string {
	var b strings.Builder
	start := 0 // s[start:i] is copied as it is, not yet written
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		var lower rune
		switch {
		case r < utf8.RuneSelf:
			if r < 'A' || r > 'Z' {
				i++
				continue
			}
			lower = r + 'a' - 'A'
		case r >= 0x2E80 && r < 0xA000:
			// CJK radicals, kana, ideographs, Yi: no case.
			i += size
			continue
		case r == utf8.RuneError && size == 1:
			lower = utf8.RuneError // an invalid byte becomes U+FFFD
		default:
			if lower = unicode.ToLower(r); lower == r {
				i += size
				continue
			}
		}
		if b.Cap() == 0 {
			b.Grow(len(s) + utf8.UTFMax)
		}
		b.WriteString(s[start:i])
		b.WriteRune(lower)
		i += size
		start = i
	}
	if b.Cap() == 0 {
		return s
	}
	b.WriteString(s[start:])
	return b.String()
}
