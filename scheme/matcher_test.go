package scheme

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestAutomaton(t *testing.T) {
	patterns := []string{"化工", "化工厂", "工厂", "厂", "he", "she", "his", "hers", "爆炸"}
	rs := make([][]rune, len(patterns))
	for i, p := range patterns {
		rs[i] = foldString(p)
	}
	a := newAutomaton(rs)
	type occ struct {
		p   string
		end int
	}
	tests := []struct {
		text string
		want []occ
	}{
		{"", nil},
		{"没有", nil},
		{"化工厂", []occ{{"化工", 2}, {"化工厂", 3}, {"工厂", 3}, {"厂", 3}}},
		{"ushers", []occ{{"she", 4}, {"he", 4}, {"hers", 6}}},
		{"USHERS", []occ{{"she", 4}, {"he", 4}, {"hers", 6}}},
		{"化化工工厂爆炸", []occ{{"化工", 3}, {"工厂", 5}, {"厂", 5}, {"爆炸", 7}}},
		{"ｈｉｓ化工", []occ{{"his", 3}, {"化工", 5}}},
	}
	for _, tt := range tests {
		var got []occ
		a.scan(foldString(tt.text), func(p int32, end int) { got = append(got, occ{patterns[p], end}) })
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("scan(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ABCxyz", "abcxyz"},
		{"ＡＩ换脸，１２３", "ai换脸,123"},
		{"a\tb\nc\u3000d\x00e", "a b c d e"},
		{"ÄÖ Ω", "äö ω"},
		{"爆炸", "爆炸"},
	}
	for _, tt := range tests {
		if got := string(foldString(tt.in)); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// chemical is the simple form of a scheme about chemical plant accidents
// in 南京.
var chemical = Scheme{
	ID:         "chem",
	Name:       "南京化工安全",
	Regions:    []string{"南京", "江宁"},
	Subjects:   []string{"化工厂", "化工园区"},
	Events:     []string{"爆炸", "起火"},
	Exclusions: []string{"演习", "演练"},
}

func TestMatch(t *testing.T) {
	traditional := strings.NewReplacer("發", "发", "廠", "厂").Replace
	tests := []struct {
		name    string
		schemes []Scheme
		opts    Options
		text    string
		tokens  []string
		want    []Hit
	}{
		{"simple form matches", []Scheme{chemical}, Options{}, "南京江宁一化工厂发生爆炸，暂无人员伤亡", nil,
			[]Hit{{"chem", []string{"南京", "江宁", "化工厂", "爆炸"}}}},
		{"simple form: exclusion word", []Scheme{chemical}, Options{}, "南京一化工厂举行消防演练，模拟爆炸", nil, nil},
		{"simple form: no region word", []Scheme{chemical}, Options{}, "苏州一化工厂发生爆炸", nil, nil},
		{"simple form: no event word", []Scheme{chemical}, Options{}, "南京化工园区扩建", nil, nil},
		{"simple form: empty lists are left out", []Scheme{{ID: "s", Subjects: []string{"化工厂"}, Events: []string{"爆炸", "", " "}}}, Options{},
			"某化工厂爆炸", nil, []Hit{{"s", []string{"化工厂", "爆炸"}}}},
		{"terms in order of first occurrence", []Scheme{chemical}, Options{}, "爆炸！化工园区位于江宁，属南京", nil,
			[]Hit{{"chem", []string{"爆炸", "化工园区", "江宁", "南京"}}}},
		{"lists and expression both hold", []Scheme{{ID: "s", Regions: []string{"南京"}, Expression: "欠薪 OR 讨薪"}}, Options{},
			"南京工地讨薪", nil, []Hit{{"s", []string{"南京", "讨薪"}}}},
		{"lists and expression: expression fails", []Scheme{{ID: "s", Regions: []string{"南京"}, Expression: "欠薪 OR 讨薪"}}, Options{},
			"南京工地开工", nil, nil},
		{"terms under NOT are not reported", []Scheme{{ID: "s", Expression: "化工厂 AND NOT (演习 AND 爆炸)"}}, Options{},
			"化工厂演习", nil, []Hit{{"s", []string{"化工厂"}}}},
		{"NOT of a conjunction that holds", []Scheme{{ID: "s", Expression: "化工厂 AND NOT (演习 AND 爆炸)"}}, Options{},
			"化工厂爆炸演习", nil, nil},
		{"overlapping terms", []Scheme{{ID: "s", Expression: "化工 化工厂 工厂"}}, Options{},
			"化工厂", nil, []Hit{{"s", []string{"化工", "化工厂", "工厂"}}}},
		{"case and width folded", []Scheme{{ID: "s", Expression: "AI AND 诈骗"}}, Options{},
			"ＡＩ换脸诈骗", nil, []Hit{{"s", []string{"AI", "诈骗"}}}},
		{"Latin term needs a word boundary", []Scheme{{ID: "s", Expression: "AI AND 诈骗"}}, Options{},
			"she said 诈骗", nil, nil},
		{"digit term needs a boundary", []Scheme{{ID: "s", Expression: `3人 AND 死亡`}}, Options{},
			"事故造成13人死亡", nil, nil},
		{"digit term at a boundary", []Scheme{{ID: "s", Expression: `3人 AND 死亡`}}, Options{},
			"事故造成3人死亡", nil, []Hit{{"s", []string{"3人", "死亡"}}}},
		{"phrase with a space", []Scheme{{ID: "s", Expression: `"hong kong" 台风`}}, Options{},
			"Hong  Kong台风", nil, nil},
		{"phrase with a space, normalised text", []Scheme{{ID: "s", Expression: `"hong kong" 台风`}}, Options{},
			"Hong Kong台风", nil, []Hit{{"s", []string{"hong kong", "台风"}}}},
		{"Normalize applies to terms", []Scheme{{ID: "s", Subjects: []string{"化工廠"}, Events: []string{"發生爆炸"}}}, Options{Normalize: traditional},
			"化工厂发生爆炸", nil, []Hit{{"s", []string{"化工廠", "發生爆炸"}}}},
		{"schemes in compile order", []Scheme{{ID: "b", Expression: "爆炸"}, {ID: "a", Expression: "化工厂"}, {ID: "c", Expression: "地震"}}, Options{},
			"化工厂爆炸", nil, []Hit{{"b", []string{"爆炸"}}, {"a", []string{"化工厂"}}}},
		{"shared term, different spellings", []Scheme{{ID: "a", Expression: "AI"}, {ID: "b", Expression: "ai"}}, Options{},
			"AI", nil, []Hit{{"a", []string{"AI"}}, {"b", []string{"ai"}}}},
		{"NEAR within distance, tokens", []Scheme{{ID: "s", Expression: "NEAR/2(化工厂, 爆炸)"}}, Options{},
			"化工厂昨日发生爆炸", []string{"化工厂", "昨日", "发生", "爆炸"}, []Hit{{"s", []string{"化工厂", "爆炸"}}}},
		{"NEAR beyond distance, tokens", []Scheme{{ID: "s", Expression: "NEAR/1(化工厂, 爆炸)"}}, Options{},
			"化工厂昨日发生爆炸", []string{"化工厂", "昨日", "发生", "爆炸"}, nil},
		{"NEAR either order", []Scheme{{ID: "s", Expression: "NEAR/2(化工厂, 爆炸)"}}, Options{},
			"爆炸发生在化工厂", []string{"爆炸", "发生", "在", "化工厂"}, []Hit{{"s", []string{"爆炸", "化工厂"}}}},
		{"NEAR/0 is adjacent", []Scheme{{ID: "s", Expression: "NEAR/0(化工厂, 爆炸)"}}, Options{},
			"化工厂 爆炸", []string{"化工厂", "爆炸"}, []Hit{{"s", []string{"化工厂", "爆炸"}}}},
		{"NEAR ignores line-break tokens", []Scheme{{ID: "s", Expression: "NEAR/0(化工厂, 爆炸)"}}, Options{},
			"化工厂\n爆炸", []string{"化工厂", "\n", "爆炸"}, []Hit{{"s", []string{"化工厂", "爆炸"}}}},
		{"NEAR picks the close pair", []Scheme{{ID: "s", Expression: "NEAR/1(化工厂, 爆炸)"}}, Options{},
			"化工厂停产后，另一化工厂爆炸", []string{"化工厂", "停产", "后", "，", "另", "一", "化工厂", "爆炸"}, []Hit{{"s", []string{"化工厂", "爆炸"}}}},
		{"NEAR three arguments with a group", []Scheme{{ID: "s", Expression: "NEAR/4((化工厂|化工园区), 爆炸, (死亡|受伤))"}}, Options{},
			"化工园区爆炸致3人受伤", []string{"化工园区", "爆炸", "致", "3", "人", "受伤"}, []Hit{{"s", []string{"化工园区", "爆炸", "受伤"}}}},
		{"NEAR three arguments, one too far", []Scheme{{ID: "s", Expression: "NEAR/3((化工厂|化工园区), 爆炸, (死亡|受伤))"}}, Options{},
			"化工园区爆炸致3人受伤", []string{"化工园区", "爆炸", "致", "3", "人", "受伤"}, nil},
		{"NEAR counts runes without tokens (4 apart)", []Scheme{{ID: "s", Expression: "NEAR/3(化工厂, 爆炸)"}}, Options{},
			"化工厂昨日发生爆炸", nil, nil},
		{"NEAR counts runes without tokens", []Scheme{{ID: "s", Expression: "NEAR/4(化工厂, 爆炸)"}}, Options{},
			"化工厂昨日发生爆炸", nil, []Hit{{"s", []string{"化工厂", "爆炸"}}}},
		{"NEAR falls back to runes where tokens disagree", []Scheme{{ID: "s", Expression: "NEAR/2(化工厂, 爆炸)"}}, Options{},
			"化工厂昨日发生爆炸", []string{"化工厂", "今日"}, nil},
		{"NEAR term inside a token", []Scheme{{ID: "s", Expression: "NEAR/0(工厂, 爆炸)"}}, Options{},
			"化工厂爆炸", []string{"化工厂", "爆炸"}, []Hit{{"s", []string{"工厂", "爆炸"}}}},
		{"NEAR under NOT", []Scheme{{ID: "s", Expression: "化工厂 NOT NEAR/1(爆炸, 演习)"}}, Options{},
			"化工厂爆炸演习", []string{"化工厂", "爆炸", "演习"}, nil},
		{"no terms found", []Scheme{chemical}, Options{}, "今天天气很好", nil, nil},
		{"empty text", []Scheme{chemical}, Options{}, "", nil, nil},
		{"no schemes", nil, Options{}, "南京化工厂爆炸", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compile(tt.schemes, tt.opts)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got := m.Match(tt.text, tt.tokens)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		schemes []Scheme
		opts    Options
		want    string
	}{
		{"no ID", []Scheme{{Name: "化工", Events: []string{"爆炸"}}}, Options{},
			"cannot compile scheme 1 (化工): it has no ID"},
		{"duplicate ID", []Scheme{{ID: "a", Events: []string{"爆炸"}}, {ID: "a", Events: []string{"起火"}}}, Options{},
			`cannot compile scheme "a": the ID is used by an earlier scheme`},
		{"nothing to match", []Scheme{{ID: "a", Regions: []string{" "}}}, Options{},
			`cannot compile scheme "a": it has no words and no expression`},
		{"only exclusions", []Scheme{{ID: "a", Exclusions: []string{"广告"}}}, Options{},
			`cannot compile scheme "a": it would match every post that contains none of its words (it has only 排除词 or NOT terms); add words a post must contain`},
		{"NOT-only expression", []Scheme{{ID: "a", Expression: "NOT 广告 OR 爆炸"}}, Options{},
			`cannot compile scheme "a": it would match every post that contains none of its words (it has only 排除词 or NOT terms); add words a post must contain`},
		{"parse error", []Scheme{{ID: "a", Expression: "化工厂 AND (爆炸"}}, Options{},
			`cannot compile scheme "a": scheme "化工厂 AND (爆炸": missing ) to close ( at 8`},
		{"term empty once normalised", []Scheme{{ID: "a", Events: []string{"爆炸", "\u200b"}}}, Options{Normalize: func(s string) string { return strings.ReplaceAll(s, "\u200b", "") }},
			`cannot compile scheme "a": term "\u200b" is empty once normalised`},
		{"every error is reported", []Scheme{{ID: "a", Expression: "("}, {ID: "b", Events: []string{"爆炸"}}, {ID: "c", Expression: "x OR"}}, Options{},
			"cannot compile scheme \"a\": scheme \"(\": expected a term, a phrase, ( or NOT, found end of expression at 1\n" +
				"cannot compile scheme \"c\": scheme \"x OR\": expected a term, a phrase, ( or NOT after OR, found end of expression at 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.schemes, tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Compile error\n got %v\nwant %s", err, tt.want)
			}
			if len(tt.schemes) == 1 && tt.opts.Normalize == nil {
				if verr := tt.schemes[0].Validate(); verr == nil || verr.Error() != tt.want {
					t.Errorf("Validate error\n got %v\nwant %s", verr, tt.want)
				}
			}
		})
	}
}

func TestNeedsTokens(t *testing.T) {
	for _, tt := range []struct {
		expr string
		want bool
	}{{"化工厂 爆炸", false}, {"化工厂 NEAR/3(爆炸, 起火)", true}} {
		m, err := Compile([]Scheme{{ID: "a", Expression: tt.expr}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if m.NeedsTokens() != tt.want || m.Len() != 1 {
			t.Errorf("%q: NeedsTokens %v Len %d, want %v 1", tt.expr, m.NeedsTokens(), m.Len(), tt.want)
		}
	}
}

// vocabulary for the generated schemes and texts. Some words contain
// others (化工 in 化工厂), so the automaton reports overlapping terms.
var vocabulary = []string{
	"南京", "江宁", "鼓楼", "化工", "化工厂", "工厂", "爆炸", "起火", "泄漏", "死亡", "受伤",
	"演习", "演练", "欠薪", "讨薪", "工地", "拆迁", "强拆", "政府", "街道", "通报", "回应", "广告",
}

var filler = []string{"今天", "一", "发生", "了", "，", "。", "记者", "现场", "据悉", "相关", "部门", "正在", "处理", "\n"}

// randomExpr builds a random expression over vocabulary, including NEAR,
// up to depth levels deep.
func randomExpr(r *rand.Rand, depth int) string {
	term := func() string { return vocabulary[r.IntN(len(vocabulary))] }
	if depth == 0 || r.IntN(4) == 0 {
		return term()
	}
	switch r.IntN(5) {
	case 0:
		return "NOT " + randomExpr(r, depth-1)
	case 1:
		return fmt.Sprintf("NEAR/%d(%s, (%s | %s))", r.IntN(6), term(), term(), term())
	case 2:
		return "(" + randomExpr(r, depth-1) + " OR " + randomExpr(r, depth-1) + ")"
	default:
		return "(" + randomExpr(r, depth-1) + " AND " + randomExpr(r, depth-1) + ")"
	}
}

func randomScheme(r *rand.Rand, id int) Scheme {
	s := Scheme{ID: fmt.Sprintf("s%d", id)}
	pick := func(n int) []string {
		var out []string
		for range n {
			out = append(out, vocabulary[r.IntN(len(vocabulary))])
		}
		return out
	}
	if r.IntN(2) == 0 {
		s.Regions, s.Subjects, s.Events, s.Exclusions = pick(r.IntN(2)), pick(r.IntN(3)), pick(1+r.IntN(2)), pick(r.IntN(2))
	}
	if r.IntN(3) > 0 {
		s.Expression = randomExpr(r, 3)
	}
	return s
}

// randomText returns a text and its tokens: words from the vocabulary
// and filler in random order.
func randomText(r *rand.Rand) (string, []string) {
	var toks []string
	for range 3 + r.IntN(25) {
		if r.IntN(3) == 0 {
			toks = append(toks, vocabulary[r.IntN(len(vocabulary))])
		} else {
			toks = append(toks, filler[r.IntN(len(filler))])
		}
	}
	return strings.Join(toks, ""), toks
}

// TestManySchemesConsistency compiles hundreds of random schemes into one
// matcher and checks, on random texts, that it gives exactly what each
// scheme compiled alone gives, and that both agree with a brute-force
// evaluation of the parsed expression.
func TestManySchemesConsistency(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 6))
	var schemes []Scheme
	var alone []*Matcher
	for i := 0; len(schemes) < 400; i++ {
		s := randomScheme(r, i)
		m, err := Compile([]Scheme{s}, Options{})
		if err != nil {
			if !strings.Contains(err.Error(), "would match every post") && !strings.Contains(err.Error(), "no words and no expression") {
				t.Fatalf("scheme %+v: %v", s, err)
			}
			continue
		}
		schemes, alone = append(schemes, s), append(alone, m)
	}
	all, err := Compile(schemes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	matched := 0
	for range 600 {
		text, toks := randomText(r)
		var tokens []string
		if r.IntN(4) > 0 {
			tokens = toks // sometimes nil: NEAR counts runes
		}
		got := all.Match(text, tokens)
		var want []Hit
		for i, m := range alone {
			h := m.Match(text, tokens)
			ref := bruteForce(t, schemes[i], text, tokens)
			if (len(h) == 1) != ref {
				t.Fatalf("scheme %s %+v on %q (tokens %q): alone %v, brute force %v", schemes[i].ID, schemes[i], text, tokens, h, ref)
			}
			want = append(want, h...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("on %q: all schemes together give %v, each alone %v", text, got, want)
		}
		matched += len(got)
	}
	if matched < 200 {
		t.Errorf("only %d matches in the run: the generator no longer exercises the matcher", matched)
	}
	t.Logf("%d schemes, %d matches over 600 texts", len(schemes), matched)
}

// bruteForce evaluates a scheme the slow obvious way: strings.Contains
// for terms, and every combination of occurrences for NEAR.
func bruteForce(t *testing.T, s Scheme, text string, tokens []string) bool {
	t.Helper()
	var parts []string
	list := func(words []string) string {
		var q []string
		for _, w := range words {
			q = append(q, `"`+w+`"`)
		}
		return "(" + strings.Join(q, " OR ") + ")"
	}
	for _, l := range [][]string{s.Regions, s.Subjects, s.Events} {
		if len(l) > 0 {
			parts = append(parts, list(l))
		}
	}
	if len(s.Exclusions) > 0 {
		parts = append(parts, "NOT "+list(s.Exclusions))
	}
	if s.Expression != "" {
		parts = append(parts, "("+s.Expression+")")
	}
	e, err := Parse(strings.Join(parts, " AND "))
	if err != nil {
		t.Fatal(err)
	}
	// Token of each rune: the vocabulary and filler are Chinese, and the
	// tokens spell the text exactly, so rune i belongs to the token whose
	// runes cover i; without tokens each rune is one token, and the one
	// space-like rune (the line break) belongs to the token after it.
	runes := []rune(text)
	tokOf := make([]int, len(runes))
	if tokens != nil {
		pos, k := 0, 0
		for _, tk := range tokens {
			n := len([]rune(tk))
			for i := range n {
				tokOf[pos+i] = k
			}
			pos += n
			if strings.TrimSpace(tk) != "" {
				k++
			}
		}
	} else {
		k := 0
		for i, c := range runes {
			tokOf[i] = k
			if c != '\n' {
				k++
			}
		}
	}
	occurrences := func(term string) [][2]int {
		var out [][2]int
		tr := []rune(term)
		for i := 0; i+len(tr) <= len(runes); i++ {
			if string(runes[i:i+len(tr)]) == term {
				out = append(out, [2]int{tokOf[i], tokOf[i+len(tr)-1] + 1})
			}
		}
		return out
	}
	var eval func(*Expr) bool
	eval = func(x *Expr) bool {
		switch x.Op {
		case OpTerm:
			return strings.Contains(text, x.Term)
		case OpNot:
			return !eval(x.Args[0])
		case OpAnd:
			for _, a := range x.Args {
				if !eval(a) {
					return false
				}
			}
			return true
		case OpOr:
			return slices.ContainsFunc(x.Args, eval)
		}
		// NEAR: try every combination of one occurrence per argument.
		var occ [][][2]int
		for _, a := range x.Args {
			var o [][2]int
			for _, term := range a.Terms() {
				o = append(o, occurrences(term)...)
			}
			occ = append(occ, o)
		}
		var try func(i, maxStart, minEnd int) bool
		try = func(i, maxStart, minEnd int) bool {
			if i == len(occ) {
				return maxStart-minEnd <= x.Dist
			}
			for _, o := range occ[i] {
				if try(i+1, max(maxStart, o[0]), min(minEnd, o[1])) {
					return true
				}
			}
			return false
		}
		return try(0, -1<<30, 1<<30)
	}
	return eval(e)
}

func TestMatchConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var schemes []Scheme
	for i := 0; len(schemes) < 100; i++ {
		s := randomScheme(r, i)
		if s.Validate() == nil {
			schemes = append(schemes, s)
		}
	}
	m, err := Compile(schemes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type sample struct {
		text   string
		tokens []string
		want   []Hit
	}
	var samples []sample
	for range 50 {
		text, toks := randomText(r)
		samples = append(samples, sample{text, toks, m.Match(text, toks)})
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				s := samples[(i+g)%len(samples)]
				if got := m.Match(s.text, s.tokens); !reflect.DeepEqual(got, s.want) {
					t.Errorf("concurrent Match(%q) = %v, want %v", s.text, got, s.want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestBackTest(t *testing.T) {
	m, err := Compile([]Scheme{chemical, {ID: "wage", Expression: "欠薪 OR 讨薪"}, {ID: "none", Events: []string{"地震"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	posts := []Post{
		{ID: "p1", Text: "南京一化工厂爆炸"},
		{ID: "p2", Text: "江宁化工园区起火，工人讨薪"},
		{ID: "p3", Text: "南京化工厂消防演习，模拟爆炸"},
		{ID: "p4", Text: "工地欠薪"},
		{ID: "p5", Text: "南京化工厂起火"},
	}
	got := BackTest(m, slices.Values(posts), 2)
	want := Report{Posts: 5, Schemes: []SchemeReport{
		{SchemeID: "chem", Matched: 3, Samples: []Sample{{"p1", []string{"南京", "化工厂", "爆炸"}}, {"p2", []string{"江宁", "化工园区", "起火"}}}},
		{SchemeID: "wage", Matched: 2, Samples: []Sample{{"p2", []string{"讨薪"}}, {"p4", []string{"欠薪"}}}},
		{SchemeID: "none"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BackTest =\n%+v\nwant\n%+v", got, want)
	}
	if empty := BackTest(m, slices.Values([]Post(nil)), 2); empty.Posts != 0 || len(empty.Schemes) != 3 || empty.Schemes[0].Matched != 0 {
		t.Errorf("BackTest of no posts = %+v", empty)
	}
}
