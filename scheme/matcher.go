// Package scheme owns monitoring schemes (监测方案): the keyword logic
// officers define to say which posts concern them, and the matcher that
// applies thousands of schemes to a document at once.
//
// A scheme is either the simple form — four word lists, 地域词 (Regions),
// 主体词 (Subjects), 事件词 (Events) and 排除词 (Exclusions) — or an
// expression in the language Parse documents, or both, combined with AND.
// The simple form means
//
//	(any region word) AND (any subject word) AND (any event word) AND NOT (any exclusion word)
//
// with empty lists left out.
//
// Guarantees:
//
//   - Compile puts every term of every scheme into one Aho–Corasick
//     automaton over runes, so Match reads the text once however many
//     schemes there are, then evaluates only the schemes one of whose
//     trigger terms occurs: terms the scheme cannot hold without, such as
//     its region words. (A scheme that could match a post containing none
//     of its terms has no such terms; Compile rejects it.)
//   - Match is a pure function of the text and tokens; a Matcher is
//     immutable and safe for concurrent use.
//   - A Hit names the terms that made its scheme match, for the officer who
//     asks why a post was flagged.
//   - Invalid schemes get an error naming the scheme, and for expressions
//     the rune offset, the offending token and what was expected
//     (*ParseError).
package scheme

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Scheme is one monitoring scheme as an officer defines it.
type Scheme struct {
	ID   string
	Name string
	// The simple form. Each word is a literal term (operators in it are
	// text); blank words are ignored.
	Regions    []string // 地域词
	Subjects   []string // 主体词
	Events     []string // 事件词
	Exclusions []string // 排除词
	// Expression is the advanced form (see Parse). When the word lists are
	// set too, both must hold.
	Expression string
}

// Options tune how a Matcher compares terms with text.
type Options struct {
	// Normalize is applied to every term before it is compiled, so that
	// terms are in the form the caller puts document text in (the analyzer
	// passes its traditional → simplified normalisation: a scheme written
	// with 發生 then matches a post that says 发生 or 發生). Nil leaves terms
	// as written. Case and character width are folded in any case.
	Normalize func(string) string
}

// Hit is one scheme that matched a text.
type Hit struct {
	SchemeID string
	// Terms are the scheme's terms found in the text that count towards
	// the match (terms under NOT are not listed), as the scheme spells
	// them, in order of their first occurrence.
	Terms []string
}

// Matcher matches texts against a compiled set of schemes.
type Matcher struct {
	ac      *automaton
	terms   []termInfo
	schemes []compiled
	// postings lists, for each term, the schemes it triggers.
	postings [][]int32
	// nearTerms is the number of terms used inside NEAR; those have
	// termInfo.near set to their index among them.
	nearTerms int
	pool      sync.Pool // *scratch
}

type termInfo struct {
	leftWord, rightWord bool  // match only on an ASCII word boundary at that end
	near                int32 // index among NEAR terms, or -1
}

type compiled struct {
	id       string
	root     *node
	positive []spelledTerm // the terms reported in a Hit
}

type spelledTerm struct {
	id    int32
	spell string
}

type node struct {
	op   Op
	term int32     // OpTerm
	dist int       // OpNear
	args []*node   // OpAnd, OpOr (unless anyOf is set), OpNot
	near [][]int32 // OpNear: the terms of each argument
	// anyOf holds the terms of an OR of terms (a word list, the most
	// common node), which is evaluated as one loop instead of a call per
	// term.
	anyOf []int32
}

// Compile checks every scheme and builds one matcher for all of them. An
// invalid scheme fails the whole set: each error is reported (joined),
// naming its scheme, so that a caller can show them all at once; use
// Validate to check one scheme before it is saved.
func Compile(schemes []Scheme, opts Options) (*Matcher, error) {
	b := &builder{opts: opts, index: map[string]int32{}}
	m := &Matcher{}
	var errs []error
	ids := map[string]bool{}
	for i, s := range schemes {
		if strings.TrimSpace(s.ID) == "" {
			errs = append(errs, fmt.Errorf("cannot compile scheme %d (%s): it has no ID", i+1, s.Name))
			continue
		}
		if ids[s.ID] {
			errs = append(errs, fmt.Errorf("cannot compile scheme %q: the ID is used by an earlier scheme", s.ID))
			continue
		}
		ids[s.ID] = true
		c, err := b.scheme(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot compile scheme %q: %w", s.ID, err))
			continue
		}
		m.schemes = append(m.schemes, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m.ac = newAutomaton(b.patterns)
	m.terms = b.terms
	m.nearTerms = b.nearTerms
	// A scheme is evaluated only for texts containing one of its trigger
	// terms, chosen so that the scheme cannot hold without one: in an AND,
	// the terms of the argument used by the fewest schemes (usually the
	// region words), which keeps the schemes evaluated per document few.
	use := make([]int, len(b.terms))
	for _, c := range m.schemes {
		for _, t := range uniqueTerms(c.root) {
			use[t]++
		}
	}
	m.postings = make([][]int32, len(b.terms))
	for si, c := range m.schemes {
		trig, ok := trigger(c.root, use)
		if !ok {
			// Only NOT stands between the root and the terms (NOT (NOT a
			// OR NOT b)); any of the scheme's terms is then a trigger, as
			// Compile rejected schemes that hold on a text without them.
			trig = uniqueTerms(c.root)
		}
		for _, t := range trig {
			if !slices.Contains(m.postings[t], int32(si)) {
				m.postings[t] = append(m.postings[t], int32(si))
			}
		}
	}
	m.pool.New = func() any { return m.newScratch() }
	return m, nil
}

// Validate reports whether s would compile, with the error Compile would
// give.
func (s Scheme) Validate() error {
	_, err := Compile([]Scheme{s}, Options{})
	return err
}

// Len is the number of schemes in m.
func (m *Matcher) Len() int { return len(m.schemes) }

// NeedsTokens reports whether some scheme uses NEAR, the only operator
// that reads the tokens passed to Match; a caller without tokens at hand
// (a back-test over stored posts) segments only when it is true.
func (m *Matcher) NeedsTokens() bool { return m.nearTerms > 0 }

// builder collects the terms of all schemes, deduplicated by their folded
// form.
type builder struct {
	opts      Options
	index     map[string]int32
	patterns  [][]rune
	terms     []termInfo
	nearTerms int
}

func (b *builder) scheme(s Scheme) (compiled, error) {
	var parts []*Expr
	for _, l := range []struct {
		name  string
		words []string
	}{{"地域词", s.Regions}, {"主体词", s.Subjects}, {"事件词", s.Events}, {"排除词", s.Exclusions}} {
		var words []*Expr
		for _, w := range l.words {
			if w = foldSpace(w); w != "" {
				words = append(words, &Expr{Op: OpTerm, Term: w})
			}
		}
		if len(words) == 0 {
			continue
		}
		e := group(OpOr, words)
		if l.name == "排除词" {
			e = &Expr{Op: OpNot, Args: []*Expr{e}}
		}
		parts = append(parts, e)
	}
	if strings.TrimSpace(s.Expression) != "" {
		e, err := Parse(s.Expression)
		if err != nil {
			return compiled{}, err
		}
		parts = append(parts, e)
	}
	if len(parts) == 0 {
		return compiled{}, errors.New("it has no words and no expression")
	}
	expr := group(OpAnd, parts)
	if evalEmpty(expr) {
		return compiled{}, errors.New("it would match every post that contains none of its words (it has only 排除词 or NOT terms); add words a post must contain")
	}
	c := compiled{id: s.ID}
	root, err := b.node(expr, false, &c)
	if err != nil {
		return compiled{}, err
	}
	c.root = root
	return c, nil
}

// node converts an Expr, registering its terms. negated tells whether an
// odd number of NOTs is above, which keeps the term out of Hit.Terms.
func (b *builder) node(e *Expr, negated bool, c *compiled) (*node, error) {
	switch e.Op {
	case OpTerm:
		id, err := b.term(e.Term, false)
		if err != nil {
			return nil, err
		}
		if !negated {
			c.addPositive(id, e.Term)
		}
		return &node{op: OpTerm, term: id}, nil
	case OpNear:
		n := &node{op: OpNear, dist: e.Dist}
		for _, a := range e.Args {
			var ids []int32
			for _, t := range a.Terms() {
				id, err := b.term(t, true)
				if err != nil {
					return nil, err
				}
				if !negated {
					c.addPositive(id, t)
				}
				ids = append(ids, id)
			}
			n.near = append(n.near, ids)
		}
		return n, nil
	case OpNot:
		negated = !negated
	}
	n := &node{op: e.Op}
	for _, a := range e.Args {
		k, err := b.node(a, negated, c)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, k)
	}
	if n.op == OpOr && !slices.ContainsFunc(n.args, func(k *node) bool { return k.op != OpTerm }) {
		for _, k := range n.args {
			n.anyOf = append(n.anyOf, k.term)
		}
	}
	return n, nil
}

func (c *compiled) addPositive(id int32, spell string) {
	for _, p := range c.positive {
		if p.id == id {
			return
		}
	}
	c.positive = append(c.positive, spelledTerm{id, spell})
}

// term returns the ID of a term, adding it on first use.
func (b *builder) term(t string, near bool) (int32, error) {
	norm := t
	if b.opts.Normalize != nil {
		norm = foldSpace(b.opts.Normalize(t))
	}
	rs := foldString(norm)
	if len(rs) == 0 {
		return 0, fmt.Errorf("term %q is empty once normalised", t)
	}
	k := string(rs)
	id, ok := b.index[k]
	if !ok {
		id = int32(len(b.patterns))
		b.index[k] = id
		b.patterns = append(b.patterns, rs)
		b.terms = append(b.terms, termInfo{leftWord: isAlnum(rs[0]), rightWord: isAlnum(rs[len(rs)-1]), near: -1})
	}
	if near && b.terms[id].near < 0 {
		b.terms[id].near = int32(b.nearTerms)
		b.nearTerms++
	}
	return id, nil
}

// evalEmpty evaluates e for a text that contains none of its terms.
func evalEmpty(e *Expr) bool {
	switch e.Op {
	case OpTerm, OpNear:
		return false
	case OpNot:
		return !evalEmpty(e.Args[0])
	case OpAnd:
		for _, a := range e.Args {
			if !evalEmpty(a) {
				return false
			}
		}
		return true
	case OpOr:
		for _, a := range e.Args {
			if evalEmpty(a) {
				return true
			}
		}
		return false
	}
	panic(fmt.Sprintf("BUG: expression node with unknown op %d", e.Op))
}

func termsOf(n *node, dst []int32) []int32 {
	switch n.op {
	case OpTerm:
		return append(dst, n.term)
	case OpNear:
		for _, ids := range n.near {
			dst = append(dst, ids...)
		}
		return dst
	}
	for _, a := range n.args {
		dst = termsOf(a, dst)
	}
	return dst
}

func uniqueTerms(n *node) []int32 {
	ts := termsOf(n, nil)
	slices.Sort(ts)
	return slices.Compact(ts)
}

// trigger returns terms at least one of which occurs in every text on
// which n holds, preferring terms few schemes use (use[t] schemes contain
// term t); ok is false when no such set can be read off the tree, which
// happens under NOT.
func trigger(n *node, use []int) (terms []int32, ok bool) {
	cost := func(ts []int32) int {
		c := 0
		for _, t := range ts {
			c += use[t]
		}
		return c
	}
	switch n.op {
	case OpTerm:
		return []int32{n.term}, true
	case OpNear:
		// Every argument occurs, so the cheapest argument's terms do.
		best := n.near[0]
		for _, ids := range n.near[1:] {
			if cost(ids) < cost(best) {
				best = ids
			}
		}
		return best, true
	case OpOr:
		for _, a := range n.args {
			ts, ok := trigger(a, use)
			if !ok {
				return nil, false
			}
			terms = append(terms, ts...)
		}
		return terms, true
	case OpAnd:
		for _, a := range n.args {
			if ts, ok := trigger(a, use); ok && (terms == nil || cost(ts) < cost(terms)) {
				terms = ts
			}
		}
		return terms, terms != nil
	}
	return nil, false
}

// occurrence is one place a term was found: runes [start, end) of the
// folded text.
type occurrence struct{ start, end int32 }

// maxOccurrences bounds the positions kept per NEAR term in one document,
// so that a term repeated thousands of times cannot make NEAR quadratic.
const maxOccurrences = 1024

// scratch is the per-call working memory of Match, reused through the
// Matcher's pool. Arrays indexed by term or scheme are valid where their
// generation stamp equals gen, so they need no clearing between texts.
type scratch struct {
	gen        uint32
	termGen    []uint32
	first      []int32 // first occurrence (start rune) of a found term
	schemeGen  []uint32
	runes      []rune
	occ        [][]occurrence // by NEAR index
	nearFound  []int32        // NEAR indexes with occurrences in this text
	tokenIndex []int32        // token of each rune, built on first NEAR
	tokensDone bool
	found      []int32 // terms found, in order of first occurrence
}

func (m *Matcher) newScratch() *scratch {
	return &scratch{
		termGen:   make([]uint32, len(m.terms)),
		first:     make([]int32, len(m.terms)),
		schemeGen: make([]uint32, len(m.schemes)),
		occ:       make([][]occurrence, m.nearTerms),
	}
}

func (sc *scratch) reset() {
	sc.gen++
	if sc.gen == 0 {
		// The stamps wrapped: clear them so an old stamp cannot alias.
		clear(sc.termGen)
		clear(sc.schemeGen)
		sc.gen = 1
	}
	for _, i := range sc.nearFound {
		sc.occ[i] = sc.occ[i][:0]
	}
	sc.nearFound = sc.nearFound[:0]
	sc.found = sc.found[:0]
	sc.tokensDone = false
}

// Match returns the schemes text matches, in the order they were
// compiled. text should be in the form the analyzer analyses (normalised);
// tokens are its segmentation, which NEAR counts distances in. When tokens
// is nil, or stops agreeing with text, NEAR counts each remaining
// non-space rune as a token, which overstates distances in Chinese by
// about half.
func (m *Matcher) Match(text string, tokens []string) []Hit {
	if len(m.schemes) == 0 {
		return nil
	}
	sc := m.pool.Get().(*scratch)
	defer m.pool.Put(sc)
	sc.reset()
	sc.runes = sc.runes[:0]
	for _, r := range text {
		sc.runes = append(sc.runes, fold(r))
	}
	rs := sc.runes
	m.ac.scan(rs, func(p int32, end int) {
		start := end - int(m.ac.plens[p])
		ti := &m.terms[p]
		if ti.leftWord && start > 0 && isAlnum(rs[start-1]) || ti.rightWord && end < len(rs) && isAlnum(rs[end]) {
			return
		}
		if sc.termGen[p] != sc.gen {
			sc.termGen[p] = sc.gen
			sc.first[p] = int32(start)
			sc.found = append(sc.found, p)
		}
		if ti.near >= 0 {
			o := sc.occ[ti.near]
			if len(o) == 0 {
				sc.nearFound = append(sc.nearFound, ti.near)
			}
			if len(o) < maxOccurrences {
				sc.occ[ti.near] = append(o, occurrence{int32(start), int32(end)})
			}
		}
	})
	if len(sc.found) == 0 {
		return nil
	}
	var cands []int32
	for _, t := range sc.found {
		for _, s := range m.postings[t] {
			if sc.schemeGen[s] != sc.gen {
				sc.schemeGen[s] = sc.gen
				cands = append(cands, s)
			}
		}
	}
	slices.Sort(cands)
	var hits []Hit
	for _, s := range cands {
		c := &m.schemes[s]
		if !m.eval(c.root, sc, tokens) {
			continue
		}
		var found []spelledTerm
		for _, p := range c.positive {
			if sc.termGen[p.id] == sc.gen {
				found = append(found, p)
			}
		}
		// By first occurrence; the scheme's own order breaks ties, as when
		// two terms start at one rune.
		slices.SortStableFunc(found, func(a, b spelledTerm) int { return int(sc.first[a.id] - sc.first[b.id]) })
		h := Hit{SchemeID: c.id, Terms: make([]string, len(found))}
		for i, p := range found {
			h.Terms[i] = p.spell
		}
		hits = append(hits, h)
	}
	return hits
}

func (m *Matcher) eval(n *node, sc *scratch, tokens []string) bool {
	switch n.op {
	case OpTerm:
		return sc.termGen[n.term] == sc.gen
	case OpNot:
		return !m.eval(n.args[0], sc, tokens)
	case OpAnd:
		for _, a := range n.args {
			if !m.eval(a, sc, tokens) {
				return false
			}
		}
		return true
	case OpOr:
		if n.anyOf != nil {
			for _, t := range n.anyOf {
				if sc.termGen[t] == sc.gen {
					return true
				}
			}
			return false
		}
		for _, a := range n.args {
			if m.eval(a, sc, tokens) {
				return true
			}
		}
		return false
	case OpNear:
		return m.near(n, sc, tokens)
	}
	panic(fmt.Sprintf("BUG: scheme node with unknown op %d", n.op))
}

// span is an occurrence in tokens: [s, e).
type span struct{ s, e int32 }

// near decides NEAR/n(A1, …, Ak): whether one occurrence of each argument
// can be chosen so that the latest start minus the earliest end, in
// tokens, is at most n — that is, at most n tokens lie between any two of
// them. Taking each occurrence in turn as the one that ends first (end E),
// it suffices that every other argument has an occurrence ending at or
// after E and starting by E+n.
func (m *Matcher) near(n *node, sc *scratch, tokens []string) bool {
	args := make([][]span, len(n.near))
	for i, ids := range n.near {
		for _, id := range ids {
			if sc.termGen[id] != sc.gen {
				continue
			}
			if !sc.tokensDone {
				sc.tokenIndex = alignTokens(sc.runes, tokens, sc.tokenIndex[:0])
				sc.tokensDone = true
			}
			for _, o := range sc.occ[m.terms[id].near] {
				args[i] = append(args[i], span{sc.tokenIndex[o.start], sc.tokenIndex[o.end-1] + 1})
			}
		}
		if len(args[i]) == 0 {
			return false
		}
	}
	for i, anchors := range args {
		for _, a := range anchors {
			ok := true
			for j, other := range args {
				if j == i {
					continue
				}
				if !slices.ContainsFunc(other, func(o span) bool { return o.e >= a.e && o.s <= a.e+int32(n.dist) }) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// alignTokens returns, for each rune of the folded text, the index of the
// token it belongs to. Tokens are matched against the text in order,
// skipping whitespace on both sides (the analyzer drops whitespace tokens
// and keeps line breaks as tokens of their own, which are not words and do
// not count); a space in the text belongs to the token after it. Where the
// tokens stop agreeing with the text, every remaining non-space rune
// counts as one token.
func alignTokens(text []rune, tokens []string, dst []int32) []int32 {
	dst = slices.Grow(dst, len(text))[:len(text)]
	pos, k := 0, int32(0)
tokens:
	for _, t := range tokens {
		word := false
		for _, r := range t {
			r = fold(r)
			if r == ' ' {
				continue
			}
			for pos < len(text) && text[pos] == ' ' {
				dst[pos] = k
				pos++
			}
			if pos == len(text) || text[pos] != r {
				if word {
					k++ // the runes this token did match stay its own
				}
				break tokens
			}
			dst[pos] = k
			pos++
			word = true
		}
		if word {
			k++
		}
	}
	for ; pos < len(text); pos++ {
		dst[pos] = k
		if text[pos] != ' ' {
			k++
		}
	}
	return dst
}
