package analyzer

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// maxRunTokens is the most adjacent tokens joined when looking a phrase up
// in a lexicon or the topic table: a phrase gse splits into up to three
// tokens still matches.
const maxRunTokens = 3

// forEachMatch calls fn for every longest match of a key of m in tokens,
// scanning left to right; a match of n tokens consumes them. The joined
// candidate is built in a buffer on the stack and looked up without
// allocating. When m was registered with registerKeyFilter, candidates
// that cannot be keys are ruled out without a lookup.
func forEachMatch[V any](tokens []token, m map[string]V, fn func(i, n int, v V)) {
	forEachMatchIn(tokens, m, registeredFilter(m), fn)
}

// forEachMatchIn is forEachMatch with an optional keyFilter of m's keys.
func forEachMatchIn[V any](tokens []token, m map[string]V, f *keyFilter, fn func(i, n int, v V)) {
	var arr [128]byte
	for i := 0; i < len(tokens); {
		matched := 0
		// With a filter, the candidates at i are tested on their first
		// rune, which is that of tokens[i] when it starts with a valid
		// rune, and their last rune, that of their last token when it ends
		// with one; otherwise the filter stands aside.
		first, size := utf8.RuneError, 0 // as DecodeRuneInString("")
		if w := tokens[i].text; w != "" {
			first, size = decodeRune(w, 0)
		}
		filter := f != nil && !(first == utf8.RuneError && size <= 1)
		if !filter || f.mayStart(first) {
			maxN := min(maxRunTokens, len(tokens)-i)
			buf := arr[:0] // tokens[i:i+maxN] joined, once a candidate needs it
			joined := 0    // the candidate's length in bytes
			for k := range maxN {
				joined += len(tokens[i+k].text)
			}
			for n := maxN; n >= 1; n-- {
				last := tokens[i+n-1].text
				if filter {
					r, size := decodeLastRune(last)
					if !(r == utf8.RuneError && size <= 1) && !f.mayBe(first, r, joined) {
						joined -= len(last)
						continue
					}
				}
				var (
					v  V
					ok bool
				)
				if n == 1 {
					v, ok = m[tokens[i].text]
				} else {
					if len(buf) == 0 {
						for _, t := range tokens[i : i+maxN] {
							buf = append(buf, t.text...)
						}
					}
					v, ok = m[string(buf[:joined])]
				}
				if ok {
					fn(i, n, v)
					matched = n
					break
				}
				joined -= len(last)
			}
		}
		if matched == 0 {
			matched = 1
		}
		i += matched
	}
}

// keyFilter holds facts about the keys of a map: the runes they start with,
// their lengths in bytes, and (hashed) their first and last runes
// together. A candidate that fails one of them is not a key; most tokens
// of a text start no key, and most runs of tokens that do are no key
// either.
type keyFilter struct {
	first  [0x10000 / 64]uint64 // BMP runes that start a key
	ends   [endsBits / 64]uint64
	astral bool   // a key starts above U+FFFF
	lens   uint64 // bit n: a key has n bytes; bit 63: 63 or more
}

const endsBits = 1 << 16

func endsHash(first, last rune) uint32 {
	return (uint32(first)*0x9E3779B1 ^ uint32(last)) * 0x85EBCA6B >> 16
}

func newKeyFilter[V any](m map[string]V) *keyFilter {
	f := &keyFilter{}
	for k := range m {
		r, _ := utf8.DecodeRuneInString(k)
		if r < 0x10000 {
			f.first[r>>6] |= 1 << (r & 63)
		} else {
			f.astral = true
		}
		last, _ := utf8.DecodeLastRuneInString(k)
		h := endsHash(r, last)
		f.ends[h>>6] |= 1 << (h & 63)
		f.lens |= 1 << min(len(k), 63)
	}
	return f
}

// mayStart reports whether a key may start with rune r.
func (f *keyFilter) mayStart(r rune) bool {
	if r < 0x10000 {
		return f.first[r>>6]&(1<<(r&63)) != 0
	}
	return f.astral
}

// mayBe reports whether a key may start with rune first, end with rune
// last and have size bytes.
func (f *keyFilter) mayBe(first, last rune, size int) bool {
	if f.lens&(1<<min(size, 63)) == 0 {
		return false
	}
	h := endsHash(first, last)
	return f.ends[h>>6]&(1<<(h&63)) != 0
}

// Filters of maps that forEachMatch is called with and cannot be handed
// (the sentiment lexicon's words, which forEachPunctOrMatch passes), by the
// map's identity. An entry keeps its map alive, so the identity is never
// reused, and records its size: should the map change size after all, the
// filter is not used. Registered maps must not otherwise change.
var (
	filtersMu sync.Mutex
	filters   atomic.Pointer[[]mapFilter]
)

type mapFilter struct {
	id   unsafe.Pointer // the map
	keep any            // the map itself, keeping id valid
	size int
	f    *keyFilter
}

// registerKeyFilter builds and registers the keyFilter of m, a map that
// is read-only from now on.
func registerKeyFilter[V any](m map[string]V) {
	filtersMu.Lock()
	defer filtersMu.Unlock()
	var list []mapFilter
	if old := filters.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, mapFilter{id: reflect.ValueOf(m).UnsafePointer(), keep: m, size: len(m), f: newKeyFilter(m)})
	filters.Store(&list)
}

// registeredFilter returns the registered filter of m, or nil.
func registeredFilter[V any](m map[string]V) *keyFilter {
	list := filters.Load()
	if list == nil {
		return nil
	}
	id := reflect.ValueOf(m).UnsafePointer()
	for i := range *list {
		if e := &(*list)[i]; e.id == id {
			if e.size != len(m) {
				return nil
			}
			return e.f
		}
	}
	return nil
}
