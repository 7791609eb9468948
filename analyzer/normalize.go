package analyzer

import (
	"html"
	"strings"
	"unicode"
)

// normalizer is one step of the text normalisation applied before analysis.
// Steps see the output of the previous step; each must be safe for
// concurrent use.
type normalizer func(string) string

// normalizeSteps are applied in order by normalize. Entity decoding comes
// first so that a decoded &nbsp; or &#65313; is folded by the later steps;
// traditional → simplified comes last, when the text is clean.
var normalizeSteps = []normalizer{
	dropInvalidUTF8,
	decodeHTMLRemnants,
	foldWidthAndSpace,
	toSimplified,
}

// normalize returns the form of s that analysis works on: valid UTF-8,
// HTML entities and tag remnants removed, full-width ASCII folded to
// half-width, invisible characters dropped, whitespace runs folded to one
// space, and traditional Chinese converted to simplified (OpenCC's t2s).
// The original text is kept in the Post; only analysis sees this.
func normalize(s string) string {
	for _, step := range normalizeSteps {
		s = step(s)
	}
	return s
}

// dropInvalidUTF8 removes bytes that are not UTF-8, which a page in a
// misdetected charset can leave behind.
func dropInvalidUTF8(s string) string { return strings.ToValidUTF8(s, "") }

// decodeHTMLRemnants decodes character references (&amp;, &nbsp;, &#x4E2D;)
// and removes tags an extractor left in the text (<br/>, </p>, <span ...>).
// Only well-formed ASCII tags are removed: "<荐书>" or "a < b" are text.
func decodeHTMLRemnants(s string) string {
	if strings.IndexByte(s, '<') >= 0 {
		s = stripTags(s)
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return s
}

// maxTagLen bounds how far a tag may extend, so that a stray "<" in a long
// text does not swallow it.
const maxTagLen = 256

func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] == '<' && i+1 < len(s) && isTagStart(s[i+1]) {
			end := strings.IndexByte(s[i+1:min(len(s), i+1+maxTagLen)], '>')
			if end >= 0 && !strings.ContainsRune(s[i+1:i+1+end], '<') {
				// A tag separates words the way a space does.
				b.WriteByte(' ')
				i += end + 2
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// foldWidthAndSpace maps full-width ASCII (U+FF01–U+FF5E) to ASCII and the
// ideographic space to a space, drops zero-width and control characters, and
// folds every whitespace run to one space (a run containing a line break
// becomes one line break, so sentences and paragraphs stay apart). Chinese
// punctuation outside the full-width ASCII block (。、《》) is kept.
func foldWidthAndSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace, pendingBreak := false, false
	flush := func() {
		if b.Len() > 0 {
			switch {
			case pendingBreak:
				b.WriteByte('\n')
			case pendingSpace:
				b.WriteByte(' ')
			}
		}
		pendingSpace, pendingBreak = false, false
	}
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFF01 - 0x21
		case r == 0x3000:
			r = ' '
		}
		switch {
		case r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029:
			pendingBreak = true
			continue
		case unicode.IsSpace(r):
			pendingSpace = true
			continue
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF:
			continue
		case unicode.IsControl(r):
			continue
		}
		flush()
		b.WriteRune(r)
	}
	return b.String()
}

// truncateRunes returns s cut to at most n runes and whether it was cut.
func truncateRunes(s string, n int) (string, bool) {
	if len(s) <= n { // fewer bytes than n means fewer runes
		return s, false
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos], true
		}
		i++
	}
	return s, false
}
