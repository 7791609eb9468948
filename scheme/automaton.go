package scheme

import "unicode"

// automaton is an Aho–Corasick automaton over runes: one pass over a text
// finds every occurrence of every pattern, however many patterns there are,
// which is what lets thousands of schemes cost one scan per document.
//
// Transitions live in one open-addressing hash table keyed by (state,
// rune), because the alphabet (CJK runes) is far too large for dense rows
// and a Go map costs several times more per lookup on the hot path.
type automaton struct {
	table []slot
	mask  uint64
	// root holds the edges of the start state for runes of the Basic
	// Multilingual Plane, indexed by rune (0: none). Most steps fall back
	// to the start state, so this saves a hash lookup on most runes.
	root  []int32
	fail  []int32 // longest proper suffix state
	out   []int32 // pattern ending at this state, or -1
	dict  []int32 // nearest state on the fail chain with out >= 0, or -1
	plens []int32 // rune length of each pattern
}

// slot is one transition: key (state<<32 | rune; 0 marks an empty slot,
// which no edge has because rune 0 is never a pattern rune) and target.
// Key and target sit together so that a lookup touches one cache line.
type slot struct {
	key uint64
	to  int32
}

// fold maps a rune to the form patterns and text are compared in: Latin
// letters in lower case, full-width ASCII in half width, every space and
// control character as ' '. The analyzer's normalisation does the same to documents already; the
// automaton repeats it so that a matcher is correct on raw text too.
func fold(r rune) rune {
	switch {
	case r < 0x80:
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if r < 0x20 {
			return ' ' // control characters, NUL included, never reach a pattern
		}
		return r
	case r >= 0x4E00 && r <= 0x9FFF:
		return r // CJK unified ideographs: the common case, no table lookup
	case r >= 0xFF01 && r <= 0xFF5E:
		return fold(r - 0xFEE0)
	case unicode.IsSpace(r):
		return ' '
	}
	return unicode.ToLower(r)
}

// foldString folds every rune of s.
func foldString(s string) []rune {
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		rs = append(rs, fold(r))
	}
	return rs
}

// isAlnum reports ASCII letters and digits, the runes at which a term
// matches only on a word boundary.
func isAlnum(r rune) bool {
	return r < 0x80 && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
}

// newAutomaton builds the automaton of patterns, which are already folded
// and non-empty; pattern i is reported as i.
func newAutomaton(patterns [][]rune) *automaton {
	type edge struct {
		r  rune
		to int32
	}
	children := [][]edge{nil}
	out := []int32{-1}
	edges := map[uint64]int32{}
	for id, p := range patterns {
		if len(p) == 0 {
			panic("BUG: empty pattern in the scheme automaton")
		}
		s := int32(0)
		for _, r := range p {
			k := key(s, r)
			next, ok := edges[k]
			if !ok {
				next = int32(len(children))
				children = append(children, nil)
				out = append(out, -1)
				edges[k] = next
				children[s] = append(children[s], edge{r, next})
			}
			s = next
		}
		if out[s] < 0 {
			out[s] = int32(id)
		}
	}
	n := len(children)
	a := &automaton{fail: make([]int32, n), out: out, dict: make([]int32, n), plens: make([]int32, len(patterns))}
	for i, p := range patterns {
		a.plens[i] = int32(len(p))
	}
	size := 1
	for size < 2*len(edges)+2 {
		size <<= 1
	}
	a.table, a.mask = make([]slot, size), uint64(size-1)
	a.root = make([]int32, 0x10000)
	for k, v := range edges {
		a.put(k, v)
		if k>>32 == 0 && k < 0x10000 {
			a.root[k] = v
		}
	}
	// Breadth-first, so that a state's fail target is final before its
	// children are computed from it.
	a.dict[0] = -1
	queue := make([]int32, 0, n)
	for _, e := range children[0] {
		a.fail[e.to], a.dict[e.to] = 0, -1
		queue = append(queue, e.to)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range children[s] {
			f := a.fail[s]
			for {
				if t, ok := a.get(f, e.r); ok {
					a.fail[e.to] = t
					break
				}
				if f == 0 {
					a.fail[e.to] = 0
					break
				}
				f = a.fail[f]
			}
			if ft := a.fail[e.to]; a.out[ft] >= 0 {
				a.dict[e.to] = ft
			} else {
				a.dict[e.to] = a.dict[ft]
			}
			queue = append(queue, e.to)
		}
	}
	return a
}

func key(s int32, r rune) uint64 { return uint64(s)<<32 | uint64(uint32(r)) }

// hash mixes a key for the table (Fibonacci hashing).
func hash(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> 20 }

func (a *automaton) put(k uint64, v int32) {
	for i := hash(k) & a.mask; ; i = (i + 1) & a.mask {
		if a.table[i].key == 0 {
			a.table[i] = slot{k, v}
			return
		}
	}
}

func (a *automaton) get(s int32, r rune) (int32, bool) {
	if s == 0 && r < 0x10000 {
		t := a.root[r]
		return t, t != 0
	}
	k := key(s, r)
	for i := hash(k) & a.mask; ; i = (i + 1) & a.mask {
		switch a.table[i].key {
		case k:
			return a.table[i].to, true
		case 0:
			return 0, false
		}
	}
}

// scan runs the automaton over folded text and calls emit for every
// occurrence, with the pattern and the rune offset one past its end.
// Occurrences are reported in order of their end; at one end, longer
// patterns first.
func (a *automaton) scan(text []rune, emit func(pattern int32, end int)) {
	s := int32(0)
	for i, r := range text {
		for {
			if t, ok := a.get(s, r); ok {
				s = t
				break
			}
			if s == 0 {
				break
			}
			s = a.fail[s]
		}
		t := s
		if a.out[t] < 0 {
			t = a.dict[t]
		}
		for ; t >= 0; t = a.dict[t] {
			emit(a.out[t], i+1)
		}
	}
}
