package scheme

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Limits of the expression language. They keep a mistyped or hostile
// scheme from costing the analyzer more than any sensible one: a NEAR
// window wider than a few sentences means nothing, and nesting deeper than
// a person can read would only risk the parser's stack.
const (
	MaxExprRunes = 4000
	MaxNear      = 100
	MaxDepth     = 50
)

// Op is the kind of an Expr node.
type Op int

const (
	OpTerm Op = iota // a word or quoted phrase, found as a substring of the text
	OpAnd            // all Args
	OpOr             // any of Args
	OpNot            // not Args[0]
	OpNear           // all Args within Dist tokens of each other
)

// Expr is a parsed scheme expression. AND and OR nodes are flattened (an
// AND never has an AND child); a NOT has one argument; the arguments of a
// NEAR are terms or ORs of terms.
type Expr struct {
	Op   Op
	Term string // OpTerm: the word, whitespace runs folded to one space
	Dist int    // OpNear: the most tokens allowed between two arguments
	Args []*Expr
}

// Terms returns the distinct terms of e in the order they first appear.
func (e *Expr) Terms() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*Expr)
	walk = func(x *Expr) {
		if x.Op == OpTerm {
			if !seen[x.Term] {
				seen[x.Term] = true
				out = append(out, x.Term)
			}
			return
		}
		for _, a := range x.Args {
			walk(a)
		}
	}
	walk(e)
	return out
}

// String returns e in the expression language, fully parenthesised where
// operators mix, so that Parse(e.String()) gives e back.
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b, true)
	return b.String()
}

func (e *Expr) write(b *strings.Builder, top bool) {
	switch e.Op {
	case OpTerm:
		b.WriteString(quoteTerm(e.Term))
	case OpNot:
		b.WriteString("NOT ")
		e.Args[0].write(b, false)
	case OpNear:
		fmt.Fprintf(b, "NEAR/%d(", e.Dist)
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			a.write(b, false)
		}
		b.WriteByte(')')
	case OpAnd, OpOr:
		if !top {
			b.WriteByte('(')
		}
		sep := " AND "
		if e.Op == OpOr {
			sep = " OR "
		}
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(sep)
			}
			a.write(b, false)
		}
		if !top {
			b.WriteByte(')')
		}
	default:
		panic(fmt.Sprintf("BUG: expression node with unknown op %d", e.Op))
	}
}

// quoteTerm writes a term bare when Parse would read it back as the same
// term, and in ASCII quotes with \" and \\ escaped otherwise.
func quoteTerm(t string) string {
	bare := t != "" && !isOperatorWord(t)
	for i, r := range t {
		if unicode.IsSpace(r) || isSpecial(r) || r == '\\' || (i == 0 && isPrefixOp(r)) {
			bare = false
			break
		}
	}
	if bare {
		return t
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t) + `"`
}

func isOperatorWord(w string) bool {
	return w == "AND" || w == "OR" || w == "NOT" || w == "NEAR" || strings.HasPrefix(w, "NEAR/")
}

// isSpecial reports the runes that end a bare term: parentheses, the
// binary operators, quotes and the NEAR argument separator, each in its
// ASCII and its full-width (Chinese input method) form.
func isSpecial(r rune) bool {
	switch r {
	case '(', ')', '（', '）', '&', '＆', '|', '｜', '"', '“', '”', ',', '，':
		return true
	}
	return false
}

// isPrefixOp reports the runes that are an operator at the start of a
// word: NOT (! - ！ －) and AND (+ ＋). Inside a word they are text, so
// COVID-19 and C++ are terms.
func isPrefixOp(r rune) bool {
	switch r {
	case '!', '-', '！', '－', '+', '＋':
		return true
	}
	return false
}

// ParseError is a syntax error in a scheme expression. Pos is a rune
// offset (0-based) into Expr, Found the offending token as the user wrote
// it ("" at the end of the expression), and Msg what went wrong.
type ParseError struct {
	Expr  string
	Pos   int
	Found string
	Msg   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("scheme %q: %s at %d", e.Expr, e.Msg, e.Pos)
}

type tokKind int

const (
	tkEOF tokKind = iota
	tkTerm
	tkAnd
	tkOr
	tkNot
	tkNear
	tkLParen
	tkRParen
	tkComma
)

type tok struct {
	kind tokKind
	pos  int    // rune offset
	text string // as written
	term string // tkTerm: the term
	dist int    // tkNear: the distance
}

// describe names a token for an error message: operators as written,
// terms quoted, the end as such.
func (t tok) describe() string {
	switch t.kind {
	case tkEOF:
		return "end of expression"
	case tkTerm:
		if strings.HasPrefix(t.text, `"`) || strings.HasPrefix(t.text, "“") {
			return t.text // a phrase, already quoted
		}
		return strconv.Quote(t.text)
	}
	return t.text
}

// lex splits src into tokens. Positions are rune offsets.
func lex(src string) ([]tok, error) {
	rs := []rune(src)
	var toks []tok
	fail := func(pos int, found, msg string) error {
		return &ParseError{Expr: src, Pos: pos, Found: found, Msg: msg}
	}
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == '（':
			toks = append(toks, tok{kind: tkLParen, pos: i, text: string(r)})
			i++
		case r == ')' || r == '）':
			toks = append(toks, tok{kind: tkRParen, pos: i, text: string(r)})
			i++
		case r == ',' || r == '，':
			toks = append(toks, tok{kind: tkComma, pos: i, text: string(r)})
			i++
		case r == '&' || r == '＆' || r == '|' || r == '｜':
			kind := tkAnd
			if r == '|' || r == '｜' {
				kind = tkOr
			}
			n := 1
			if i+1 < len(rs) && rs[i+1] == r {
				n = 2 // && and || read as & and |
			}
			toks = append(toks, tok{kind: kind, pos: i, text: string(rs[i : i+n])})
			i += n
		case isPrefixOp(r):
			kind := tkNot
			if r == '+' || r == '＋' {
				kind = tkAnd
			}
			toks = append(toks, tok{kind: kind, pos: i, text: string(r)})
			i++
		case r == '"' || r == '“':
			closeR := '"'
			if r == '“' {
				closeR = '”'
			}
			var b strings.Builder
			j := i + 1
			for ; j < len(rs) && rs[j] != closeR; j++ {
				if rs[j] == '\\' && r == '"' && j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
					j++
				}
				b.WriteRune(rs[j])
			}
			if j == len(rs) {
				return nil, fail(i, string(r), fmt.Sprintf("missing %c to close %c", closeR, r))
			}
			term := foldSpace(b.String())
			if term == "" {
				return nil, fail(i, string(rs[i:j+1]), "empty phrase")
			}
			toks = append(toks, tok{kind: tkTerm, pos: i, text: string(rs[i : j+1]), term: term})
			i = j + 1
		case r == '”':
			return nil, fail(i, string(r), "” without an opening “")
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !isSpecial(rs[j]) {
				j++
			}
			w := string(rs[i:j])
			t := tok{kind: tkTerm, pos: i, text: w, term: w}
			switch {
			case w == "AND":
				t.kind = tkAnd
			case w == "OR":
				t.kind = tkOr
			case w == "NOT":
				t.kind = tkNot
			case w == "NEAR":
				return nil, fail(i, w, "expected a distance after NEAR, as in NEAR/5(化工厂, 爆炸)")
			case strings.HasPrefix(w, "NEAR/"):
				d, err := strconv.Atoi(w[len("NEAR/"):])
				if err != nil || d < 0 || strings.ContainsAny(w[len("NEAR/"):], "+-") {
					return nil, fail(i+5, w[5:], fmt.Sprintf("expected a number of tokens after NEAR/, found %q", w[5:]))
				}
				if d > MaxNear {
					return nil, fail(i, w, fmt.Sprintf("NEAR distance %d is more than %d", d, MaxNear))
				}
				t.kind, t.dist = tkNear, d
			}
			toks = append(toks, t)
			i = j
		}
	}
	return append(toks, tok{kind: tkEOF, pos: len(rs)}), nil
}

// foldSpace trims a phrase and folds its whitespace runs to one space, as
// the analyzer's normalisation does to document text.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// Parse parses a scheme expression.
//
// The language, loosest binding first:
//
//	a OR b      also a | b, a || b, a ｜ b
//	a AND b     also a & b, a && b, a ＆ b, a + b, and plain juxtaposition: a b
//	NOT a       also !a, -a, ！a, －a (an operator only at the start of a word)
//	( a )       also （ a ）
//	"a phrase"  also “a phrase”; a quoted term may hold spaces and operators; in ASCII quotes \" and \\ escape
//	NEAR/n(a, b, …)  every argument found with at most n tokens between any two of them;
//	            an argument is a term or a parenthesised OR of terms: NEAR/5((化工厂|化工园区), 爆炸)
//
// Operator words are upper case; a lower-case "and" is a term. A term is
// found as a substring of the normalised text, case-insensitively; a term
// that starts or ends with a Latin letter or digit matches whole words at
// that end only (AI does not match "said").
func Parse(expr string) (*Expr, error) {
	if n := len([]rune(expr)); n > MaxExprRunes {
		return nil, &ParseError{Expr: expr, Pos: MaxExprRunes, Msg: fmt.Sprintf("expression of %d characters is longer than %d", n, MaxExprRunes)}
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{src: expr, toks: toks}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tkEOF:
		return e, nil
	case tkRParen:
		return nil, p.fail(t, "unmatched "+t.text)
	case tkComma:
		return nil, p.fail(t, "unexpected "+t.text+" outside NEAR (quote a term that contains a comma)")
	default:
		return nil, p.fail(t, "unexpected "+t.describe())
	}
}

type parser struct {
	src  string
	toks []tok
	i    int
}

func (p *parser) peek() tok { return p.toks[p.i] }
func (p *parser) next() tok { t := p.toks[p.i]; p.i++; return t }

func (p *parser) fail(t tok, msg string) error {
	return &ParseError{Expr: p.src, Pos: t.pos, Found: t.text, Msg: msg}
}

// expected reports that after names what the parser had just read.
func (p *parser) expected(want, after string, t tok) error {
	if after != "" {
		after = " after " + after
	}
	return p.fail(t, fmt.Sprintf("expected %s%s, found %s", want, after, t.describe()))
}

const wantOperand = "a term, a phrase, ( or NOT"

func (p *parser) or(depth int) (*Expr, error) {
	left, err := p.and(depth, "")
	if err != nil {
		return nil, err
	}
	args := []*Expr{left}
	for p.peek().kind == tkOr {
		op := p.next()
		right, err := p.and(depth, op.text)
		if err != nil {
			return nil, err
		}
		args = appendFlat(args, right, OpOr)
	}
	return group(OpOr, args), nil
}

// startsOperand reports whether t can begin an operand, which makes two
// operands side by side an implicit AND.
func startsOperand(t tok) bool {
	switch t.kind {
	case tkTerm, tkNot, tkLParen, tkNear:
		return true
	}
	return false
}

func (p *parser) and(depth int, after string) (*Expr, error) {
	left, err := p.unary(depth, after)
	if err != nil {
		return nil, err
	}
	args := []*Expr{left}
	for {
		t := p.peek()
		var right *Expr
		switch {
		case t.kind == tkAnd:
			p.next()
			right, err = p.unary(depth, t.text)
		case startsOperand(t):
			right, err = p.unary(depth, "")
		default:
			return group(OpAnd, args), nil
		}
		if err != nil {
			return nil, err
		}
		args = appendFlat(args, right, OpAnd)
	}
}

func (p *parser) unary(depth int, after string) (*Expr, error) {
	t := p.peek()
	switch t.kind {
	case tkNot:
		p.next()
		arg, err := p.unary(depth, t.text)
		if err != nil {
			return nil, err
		}
		if arg.Op == OpNot {
			return arg.Args[0], nil // NOT NOT a is a
		}
		return &Expr{Op: OpNot, Args: []*Expr{arg}}, nil
	case tkTerm:
		p.next()
		return &Expr{Op: OpTerm, Term: t.term}, nil
	case tkLParen:
		if depth >= MaxDepth {
			return nil, p.fail(t, fmt.Sprintf("parentheses nested deeper than %d", MaxDepth))
		}
		p.next()
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c.kind != tkRParen {
			if c.kind == tkEOF {
				return nil, p.fail(t, "missing ) to close "+t.text)
			}
			return nil, p.expected("an operator or )", "", c)
		}
		p.next()
		return e, nil
	case tkNear:
		return p.near(t)
	}
	if after == "" && t.kind == tkEOF && p.i == 0 {
		return nil, p.fail(t, "empty expression")
	}
	return nil, p.expected(wantOperand, after, t)
}

// near parses NEAR/n(arg, arg, …) where arg is a term or a parenthesised
// OR of terms. Only terms have token positions, so AND or NOT inside NEAR
// would have no meaning to measure.
func (p *parser) near(nt tok) (*Expr, error) {
	p.next()
	if t := p.peek(); t.kind != tkLParen {
		return nil, p.expected("(", nt.text, t)
	}
	open := p.next()
	e := &Expr{Op: OpNear, Dist: nt.dist}
	for {
		arg, err := p.nearArg(nt)
		if err != nil {
			return nil, err
		}
		e.Args = append(e.Args, arg)
		t := p.next()
		switch t.kind {
		case tkComma:
			continue
		case tkRParen:
			if len(e.Args) < 2 {
				return nil, p.fail(nt, fmt.Sprintf("%s needs at least 2 arguments, found 1", nt.text))
			}
			return e, nil
		case tkEOF:
			return nil, p.fail(open, "missing ) to close "+open.text)
		default:
			return nil, p.expected(", or )", "a "+nt.text+" argument", t)
		}
	}
}

func (p *parser) nearArg(nt tok) (*Expr, error) {
	t := p.next()
	switch t.kind {
	case tkTerm:
		return &Expr{Op: OpTerm, Term: t.term}, nil
	case tkLParen:
		var args []*Expr
		for {
			a := p.next()
			if a.kind != tkTerm {
				return nil, p.expected("a term", "( in "+nt.text, a)
			}
			args = append(args, &Expr{Op: OpTerm, Term: a.term})
			switch c := p.next(); c.kind {
			case tkOr:
				continue
			case tkRParen:
				return group(OpOr, args), nil
			case tkEOF:
				return nil, p.fail(t, "missing ) to close "+t.text)
			default:
				return nil, p.expected("OR or )", "a term in "+nt.text, c)
			}
		}
	}
	return nil, p.expected("a term or (", nt.text+"(", t)
}

// appendFlat appends e to args, splicing its arguments in when it is
// itself an op node, so that a AND (b AND c) is one AND of three.
func appendFlat(args []*Expr, e *Expr, op Op) []*Expr {
	if e.Op == op {
		return append(args, e.Args...)
	}
	return append(args, e)
}

func group(op Op, args []*Expr) *Expr {
	if len(args) == 1 {
		return args[0]
	}
	out := []*Expr{}
	for _, a := range args {
		out = appendFlat(out, a, op)
	}
	return &Expr{Op: op, Args: out}
}
