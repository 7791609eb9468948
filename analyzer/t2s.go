package analyzer

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:generate go run ./internal/gen/t2s -dir /usr/share/opencc -out data/t2s.txt

// t2sData is OpenCC's traditional → simplified table (TSCharacters and
// TSPhrases), generated from Debian's OpenCC packages; see NOTICE.md.
//
//go:embed data/t2s.txt
var t2sData string

// t2sTable converts traditional Chinese to simplified the way OpenCC's t2s
// configuration does: at each position the longest phrase of TSPhrases wins,
// otherwise the character is mapped by TSCharacters. It is read-only after
// parseT2S, so it is safe for concurrent use.
type t2sTable struct {
	// chars maps one traditional character to its simplified form (a few
	// map to characters outside the BMP, so values are strings).
	chars map[rune]string
	// phrases maps a traditional phrase to its simplified form.
	// phraseLens has, for each rune that starts a phrase, bit n set when a
	// phrase of n runes starts with it, so that a longest-match attempt
	// looks up only lengths that exist.
	phrases    map[string]string
	phraseLens map[rune]uint64
	// flagged marks, for BMP runes, whether the rune has a character entry
	// or starts a phrase. Most text handed to the analyzer is already
	// simplified: one bit test per rune lets it pass unchanged and
	// unallocated. astral holds the same for runes above U+FFFF.
	flagged [0x10000 / 64]uint64
	astral  map[rune]bool
	// starts marks the BMP runes that start a phrase, and charIndex has
	// for each BMP rune 1 + the index of its simplified form in
	// charValues, or 0: the lookups of a flagged rune without hashing.
	starts     [0x10000 / 64]uint64
	charIndex  *[0x10000]uint16
	charValues []string
}

var (
	t2sOnce  sync.Once
	t2sTab   *t2sTable
	t2sError error
)

// defaultT2S returns the table parsed from the embedded data, parsing it on
// first use (about 2 ms). The table is immutable, so sharing it keeps no
// mutable state global.
func defaultT2S() *t2sTable {
	t2sOnce.Do(func() { t2sTab, t2sError = parseT2S(t2sData) })
	if t2sError != nil {
		panic("BUG: the embedded data/t2s.txt does not parse: " + t2sError.Error())
	}
	return t2sTab
}

// parseT2S reads "key<TAB>value" lines; # starts a comment line.
func parseT2S(data string) (*t2sTable, error) {
	t := &t2sTable{chars: map[rune]string{}, phrases: map[string]string{}, phraseLens: map[rune]uint64{}, astral: map[rune]bool{}}
	n := 0
	for line := range strings.Lines(data) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok || k == "" || v == "" || !utf8.ValidString(k) {
			return nil, fmt.Errorf("cannot parse t2s line %d %q: want traditional<TAB>simplified", n, line)
		}
		first, size := utf8.DecodeRuneInString(k)
		if size == len(k) {
			t.chars[first] = v
		} else {
			runes := utf8.RuneCountInString(k)
			if runes > 63 {
				return nil, fmt.Errorf("cannot parse t2s line %d: phrase %q is longer than 63 runes", n, k)
			}
			t.phrases[k] = v
			t.phraseLens[first] |= 1 << runes
		}
		t.flag(first)
	}
	t.charIndex = new([0x10000]uint16)
	for r, v := range t.chars {
		if r < 0x10000 {
			t.charValues = append(t.charValues, v)
			t.charIndex[r] = uint16(len(t.charValues))
		}
	}
	for r := range t.phraseLens {
		if r < 0x10000 {
			t.starts[r>>6] |= 1 << (r & 63)
		}
	}
	return t, nil
}

// phraseLensOf returns phraseLens[r].
func (t *t2sTable) phraseLensOf(r rune) uint64 {
	if r < 0x10000 && t.starts[r>>6]&(1<<(r&63)) == 0 {
		return 0
	}
	return t.phraseLens[r]
}

// char returns chars[r].
func (t *t2sTable) char(r rune) (string, bool) {
	if r < 0x10000 {
		if k := t.charIndex[r]; k > 0 {
			return t.charValues[k-1], true
		}
		return "", false
	}
	v, ok := t.chars[r]
	return v, ok
}

func (t *t2sTable) flag(r rune) {
	if r < 0x10000 {
		t.flagged[r>>6] |= 1 << (r & 63)
	} else {
		t.astral[r] = true
	}
}

func (t *t2sTable) isFlagged(r rune) bool {
	if r < 0x10000 {
		return t.flagged[r>>6]&(1<<(r&63)) != 0
	}
	return t.astral[r]
}

// convert returns s in simplified characters. Text without a traditional
// character (or phrase) is returned as is, without allocating.
func (t *t2sTable) convert(s string) string {
	// s[start:i] is text that stays as it is and is not written yet: runs
	// of unflagged runes are copied in one piece. A flagged rune may start
	// a phrase that maps to itself (乾隆) or one whose first character is
	// ordinary simplified text; those change nothing.
	var b strings.Builder
	start := 0
	replace := func(i, n int, v string) {
		if b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[start:i])
		b.WriteString(v)
		start = i + n
	}
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		if !t.isFlagged(r) {
			i += size
			continue
		}
		if lens := t.phraseLensOf(r); lens != 0 {
			if n, v := t.longestPhrase(s[i:], lens); n > 0 {
				if v != s[i:i+n] {
					replace(i, n, v)
				}
				i += n
				continue
			}
		}
		if v, ok := t.char(r); ok && v != s[i:i+size] {
			replace(i, size, v)
		}
		i += size
	}
	if start == 0 {
		return s // nothing replaced
	}
	b.WriteString(s[start:])
	return b.String()
}

// longestPhrase returns the byte length and simplified form of the longest
// phrase s starts with, or 0; lens is the phraseLens of s's first rune.
// Phrases have two runes or more.
func (t *t2sTable) longestPhrase(s string, lens uint64) (int, string) {
	best, bestV := 0, ""
	n := 0
	for pos := range s {
		if n > 0 && lens&(1<<n) != 0 {
			if v, ok := t.phrases[s[:pos]]; ok {
				best, bestV = pos, v
			}
		}
		n++
		if lens>>n == 0 {
			return best, bestV
		}
	}
	if n < 64 && lens&(1<<n) != 0 {
		if v, ok := t.phrases[s]; ok {
			best, bestV = len(s), v
		}
	}
	return best, bestV
}

// toSimplified is the normalisation step that turns traditional Chinese
// into simplified, so that gse's simplified dictionary, the IDF table, the
// lexicons, the topic table and the region names all see one script.
// Only analysis uses it: the post keeps the text as published.
func toSimplified(s string) string { return defaultT2S().convert(s) }
