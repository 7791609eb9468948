package analyzer

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
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
func dropInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "")
}

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
	start := 0 // s[start:i] is text, not yet written
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '<')
		if k < 0 {
			break
		}
		i += k
		if i+1 < len(s) && isTagStart(s[i+1]) {
			end := strings.IndexByte(s[i+1:min(len(s), i+1+maxTagLen)], '>')
			if end >= 0 && !strings.ContainsRune(s[i+1:i+1+end], '<') {
				if b.Cap() == 0 {
					b.Grow(len(s))
				}
				b.WriteString(s[start:i])
				// A tag separates words the way a space does.
				b.WriteByte(' ')
				i += end + 2
				start = i
				continue
			}
		}
		i++
	}
	if b.Cap() == 0 {
		return s // no tag
	}
	b.WriteString(s[start:])
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
	// Runs of runes that stay as they are (most of a text) are copied in
	// one piece: s[start:i] is such a run, not yet written. Nothing is
	// allocated for a text that needs no change.
	var b strings.Builder
	pendingSpace, pendingBreak := false, false
	start := 0
	// write writes the run before i and moves start past the rune at i.
	write := func(i, size int) {
		if b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[start:i])
		start = i + size
	}
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		class := foldClassOf(r, size)
		switch class {
		case foldKeep:
			if pendingSpace || pendingBreak {
				write(i, 0) // the run is empty: whitespace ended it
				flushPending(&b, pendingSpace, pendingBreak)
				pendingSpace, pendingBreak = false, false
			}
		case foldBreak, foldSpace:
			write(i, size)
			if class == foldBreak {
				pendingBreak = true
			} else {
				pendingSpace = true
			}
		case foldDrop:
			write(i, size)
		case foldRewrite:
			write(i, size)
			flushPending(&b, pendingSpace, pendingBreak)
			pendingSpace, pendingBreak = false, false
			if r >= 0xFF01 && r <= 0xFF5E {
				r -= 0xFF01 - 0x21
			}
			b.WriteRune(r)
		}
		i += size
	}
	if start == 0 && b.Cap() == 0 {
		return s // unchanged: no whitespace to fold, nothing to drop or map
	}
	// Whitespace still pending at the end is dropped; the last run is not.
	b.WriteString(s[start:])
	return b.String()
}

// What foldWidthAndSpace does with a rune.
const (
	foldKeep    = iota // copy it as it is
	foldRewrite        // write it in another form (full-width ASCII, an invalid byte)
	foldBreak          // a line break: part of a whitespace run that becomes "\n"
	foldSpace          // other whitespace: part of a run that becomes " "
	foldDrop           // zero-width and control characters
)

// foldClassOf classifies r, decoded from size bytes.
func foldClassOf(r rune, size int) int {
	switch {
	case r > ' ' && r < 0x7F, r > 0x3000 && r < 0xFEFF:
		// Printable ASCII; CJK punctuation, kana, ideographs: no space,
		// control or zero-width character, and nothing to map.
		return foldKeep
	case r >= 0xFF01 && r <= 0xFF5E:
		return foldRewrite
	case r == 0x3000:
		return foldSpace
	case r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029:
		return foldBreak
	case unicode.IsSpace(r):
		return foldSpace
	case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF:
		return foldDrop
	case unicode.IsControl(r):
		return foldDrop
	case r == utf8.RuneError && size == 1:
		return foldRewrite // an invalid byte becomes U+FFFD
	}
	return foldKeep
}

// flushPending writes the separator a whitespace run leaves, if any and if
// something precedes it: leading whitespace is dropped.
func flushPending(b *strings.Builder, pendingSpace, pendingBreak bool) {
	if b.Len() == 0 {
		return
	}
	switch {
	case pendingBreak:
		b.WriteByte('\n')
	case pendingSpace:
		b.WriteByte(' ')
	}
}

// decodeRune is utf8.DecodeRuneInString(s[i:]) with the ASCII and the
// common three-byte cases (all of CJK) decoded inline.
func decodeRune(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	// E1–EC and EE–EF take any continuation bytes; E0 and ED restrict the
	// second byte and go the long way.
	if c >= 0xE1 && c <= 0xEF && c != 0xED && i+2 < len(s) {
		if c1, c2 := s[i+1], s[i+2]; c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
			return rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

// decodeLastRune is utf8.DecodeLastRuneInString(s) with the ASCII and the
// common three-byte cases decoded inline.
func decodeLastRune(s string) (rune, int) {
	n := len(s)
	if n > 0 && s[n-1] < utf8.RuneSelf {
		return rune(s[n-1]), 1
	}
	// A valid three-byte rune at the end is what DecodeLastRuneInString
	// finds: its lead byte is the first rune start scanning back.
	if n >= 3 {
		if c := s[n-3]; c >= 0xE1 && c <= 0xEF && c != 0xED && s[n-2]&0xC0 == 0x80 && s[n-1]&0xC0 == 0x80 {
			return rune(c&0x0F)<<12 | rune(s[n-2]&0x3F)<<6 | rune(s[n-1]&0x3F), 3
		}
	}
	return utf8.DecodeLastRuneInString(s)
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
