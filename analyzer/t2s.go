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
	return t, nil
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
// character (or phrase start) is returned as is, without allocating.
func (t *t2sTable) convert(s string) string {
	// Find the first position that changes. A flagged rune may start a
	// phrase that maps to itself (乾隆) or one whose first character is
	// ordinary simplified text; those change nothing.
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if t.isFlagged(r) {
			if n, v := t.longestPhrase(s[i:]); n > 0 {
				if v != s[i:i+n] {
					break
				}
				i += n
				continue
			}
			if _, ok := t.chars[r]; ok {
				break
			}
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !t.isFlagged(r) {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		if n, v := t.longestPhrase(s[i:]); n > 0 {
			b.WriteString(v)
			i += n
			continue
		}
		if v, ok := t.chars[r]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// longestPhrase returns the byte length and simplified form of the longest
// phrase s starts with, or 0. Phrases have two runes or more.
func (t *t2sTable) longestPhrase(s string) (int, string) {
	first, _ := utf8.DecodeRuneInString(s)
	lens := t.phraseLens[first]
	if lens == 0 {
		return 0, ""
	}
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
