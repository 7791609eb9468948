package scheme

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"juxtaposition is AND", "化工厂 爆炸", "化工厂 AND 爆炸"},
		{"AND binds tighter than OR", "化工厂 OR 危化品 AND 爆炸", "化工厂 OR (危化品 AND 爆炸)"},
		{"AND binds tighter than OR, left", "化工厂 AND 爆炸 OR 泄漏", "(化工厂 AND 爆炸) OR 泄漏"},
		{"NOT binds tighter than AND", "NOT 演习 AND 爆炸", "NOT 演习 AND 爆炸"},
		{"NOT of a group", "爆炸 NOT (演习 OR 演练)", "爆炸 AND NOT (演习 OR 演练)"},
		{"double NOT cancels", "NOT NOT 爆炸", "爆炸"},
		{"nested parentheses", "((化工厂 OR (化工园区)) AND ((爆炸)))", "(化工厂 OR 化工园区) AND 爆炸"},
		{"same operators flatten", "a AND (b AND (c AND d))", "a AND b AND c AND d"},
		{"symbols", "(化工厂 | 化工园区) & !演习", "(化工厂 OR 化工园区) AND NOT 演习"},
		{"doubled symbols", "a || b && c", "a OR (b AND c)"},
		{"minus and plus at a word start", "化工厂 -演习 +爆炸", "化工厂 AND NOT 演习 AND 爆炸"},
		{"standalone minus", "化工厂 - 演习", "化工厂 AND NOT 演习"},
		{"full-width operators", "（化工厂｜化工园区）＆爆炸 －演习 ！演练", "(化工厂 OR 化工园区) AND 爆炸 AND NOT 演习 AND NOT 演练"},
		{"operator runes inside a word are text", "COVID-19 C++ 救命!", "COVID-19 AND C++ AND 救命!"},
		{"ASCII phrase", `"化工厂  爆炸" 江宁`, `"化工厂 爆炸" AND 江宁`},
		{"Chinese-quoted phrase", "“危化品 泄漏” OR 爆炸", `"危化品 泄漏" OR 爆炸`},
		{"phrase holding operators", `"AND" "a|b" "(x)"`, `"AND" AND "a|b" AND "(x)"`},
		{"escaped quote", `"说 \"没事\""`, `"说 \"没事\""`},
		{"lower-case operator words are terms", "and or not", "and AND or AND not"},
		{"NEAR", "NEAR/5(化工厂, 爆炸)", "NEAR/5(化工厂, 爆炸)"},
		{"NEAR with OR groups, full-width comma", "NEAR/3((化工厂|化工园区)，爆炸，(死亡 OR 受伤))", "NEAR/3((化工厂 OR 化工园区), 爆炸, (死亡 OR 受伤))"},
		{"NEAR zero, a phrase argument", `NEAR/0("危化品 车", 侧翻)`, `NEAR/0("危化品 车", 侧翻)`},
		{"NEAR in an expression", "南京 NEAR/5(化工厂, 爆炸) -演习", "南京 AND NEAR/5(化工厂, 爆炸) AND NOT 演习"},
		{"one-term group in NEAR", "NEAR/2((化工厂), 爆炸)", "NEAR/2(化工厂, 爆炸)"},
		{"full-width spaces", "化工厂\u3000爆炸", "化工厂 AND 爆炸"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
			// The printed form parses back to itself.
			back, err := Parse(e.String())
			if err != nil {
				t.Fatalf("Parse(%q) of the printed form: %v", e.String(), err)
			}
			if back.String() != e.String() {
				t.Errorf("round trip of %q gave %q", e.String(), back.String())
			}
		})
	}
}

func TestParseTree(t *testing.T) {
	e, err := Parse("南京 (化工厂 | 化工园区) NEAR/4(爆炸, 起火) -演习")
	if err != nil {
		t.Fatal(err)
	}
	if e.Op != OpAnd || len(e.Args) != 4 {
		t.Fatalf("top = op %d with %d args, want AND of 4", e.Op, len(e.Args))
	}
	ops := []Op{e.Args[0].Op, e.Args[1].Op, e.Args[2].Op, e.Args[3].Op}
	if want := []Op{OpTerm, OpOr, OpNear, OpNot}; !slices.Equal(ops, want) {
		t.Errorf("argument ops = %v, want %v", ops, want)
	}
	if e.Args[2].Dist != 4 {
		t.Errorf("NEAR distance = %d, want 4", e.Args[2].Dist)
	}
	if got, want := e.Terms(), []string{"南京", "化工厂", "化工园区", "爆炸", "起火", "演习"}; !slices.Equal(got, want) {
		t.Errorf("Terms = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", MaxDepth+1) + "a" + strings.Repeat(")", MaxDepth+1)
	long := strings.Repeat("a ", MaxExprRunes/2+1)
	tests := []struct {
		in    string
		want  string
		pos   int
		found string
	}{
		{"", `scheme "": empty expression at 0`, 0, ""},
		{"  ", `scheme "  ": empty expression at 2`, 2, ""},
		{"化工厂 AND (爆炸", `scheme "化工厂 AND (爆炸": missing ) to close ( at 8`, 8, "("},
		{"化工厂 AND （爆炸", `scheme "化工厂 AND （爆炸": missing ) to close （ at 8`, 8, "（"},
		{"化工厂 AND", `scheme "化工厂 AND": expected a term, a phrase, ( or NOT after AND, found end of expression at 7`, 7, ""},
		{"化工厂 OR OR 爆炸", `scheme "化工厂 OR OR 爆炸": expected a term, a phrase, ( or NOT after OR, found OR at 7`, 7, "OR"},
		{"化工厂 & | 爆炸", `scheme "化工厂 & | 爆炸": expected a term, a phrase, ( or NOT after &, found | at 6`, 6, "|"},
		{"OR 爆炸", `scheme "OR 爆炸": expected a term, a phrase, ( or NOT, found OR at 0`, 0, "OR"},
		{"爆炸 NOT", `scheme "爆炸 NOT": expected a term, a phrase, ( or NOT after NOT, found end of expression at 6`, 6, ""},
		{"爆炸 -", `scheme "爆炸 -": expected a term, a phrase, ( or NOT after -, found end of expression at 4`, 4, ""},
		{"化工厂) 爆炸", `scheme "化工厂) 爆炸": unmatched ) at 3`, 3, ")"},
		{"(a))", `scheme "(a))": unmatched ) at 3`, 3, ")"},
		{"(a b, c)", `scheme "(a b, c)": expected an operator or ), found , at 4`, 4, ","},
		{"a, b", `scheme "a, b": unexpected , outside NEAR (quote a term that contains a comma) at 1`, 1, ","},
		{`"化工厂 爆炸`, `scheme "\"化工厂 爆炸": missing " to close " at 0`, 0, `"`},
		{"南京 “化工厂", `scheme "南京 “化工厂": missing ” to close “ at 3`, 3, "“"},
		{"化工厂” 爆炸", `scheme "化工厂” 爆炸": ” without an opening “ at 3`, 3, "”"},
		{`a ""`, `scheme "a \"\"": empty phrase at 2`, 2, `""`},
		{`a "  "`, `scheme "a \"  \"": empty phrase at 2`, 2, `"  "`},
		{"NEAR(a, b)", `scheme "NEAR(a, b)": expected a distance after NEAR, as in NEAR/5(化工厂, 爆炸) at 0`, 0, "NEAR"},
		{"NEAR/x(a, b)", `scheme "NEAR/x(a, b)": expected a number of tokens after NEAR/, found "x" at 5`, 5, "x"},
		{"NEAR/(a, b)", `scheme "NEAR/(a, b)": expected a number of tokens after NEAR/, found "" at 5`, 5, ""},
		{"NEAR/-1(a, b)", `scheme "NEAR/-1(a, b)": expected a number of tokens after NEAR/, found "-1" at 5`, 5, "-1"},
		{"NEAR/500(a, b)", `scheme "NEAR/500(a, b)": NEAR distance 500 is more than 100 at 0`, 0, "NEAR/500"},
		{"NEAR/5 化工厂", `scheme "NEAR/5 化工厂": expected ( after NEAR/5, found "化工厂" at 7`, 7, "化工厂"},
		{"NEAR/5", `scheme "NEAR/5": expected ( after NEAR/5, found end of expression at 6`, 6, ""},
		{"NEAR/5(化工厂)", `scheme "NEAR/5(化工厂)": NEAR/5 needs at least 2 arguments, found 1 at 0`, 0, "NEAR/5"},
		{"NEAR/5(化工厂 爆炸)", `scheme "NEAR/5(化工厂 爆炸)": expected , or ) after a NEAR/5 argument, found "爆炸" at 11`, 11, "爆炸"},
		{"NEAR/5(NOT a, b)", `scheme "NEAR/5(NOT a, b)": expected a term or ( after NEAR/5(, found NOT at 7`, 7, "NOT"},
		{"NEAR/5(a, )", `scheme "NEAR/5(a, )": expected a term or ( after NEAR/5(, found ) at 10`, 10, ")"},
		{"NEAR/5((a AND b), c)", `scheme "NEAR/5((a AND b), c)": expected OR or ) after a term in NEAR/5, found AND at 10`, 10, "AND"},
		{"NEAR/5((NOT a), c)", `scheme "NEAR/5((NOT a), c)": expected a term after ( in NEAR/5, found NOT at 8`, 8, "NOT"},
		{"NEAR/5((a OR b, c)", `scheme "NEAR/5((a OR b, c)": expected OR or ) after a term in NEAR/5, found , at 14`, 14, ","},
		{"NEAR/5((a OR b", `scheme "NEAR/5((a OR b": missing ) to close ( at 7`, 7, "("},
		{"NEAR/5(a, b", `scheme "NEAR/5(a, b": missing ) to close ( at 6`, 6, "("},
		{deep, fmt.Sprintf("scheme %q: parentheses nested deeper than %d at %d", deep, MaxDepth, MaxDepth), MaxDepth, "("},
		{long, fmt.Sprintf("scheme %q: expression of %d characters is longer than %d at %d", long, len(long), MaxExprRunes, MaxExprRunes), MaxExprRunes, ""},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want %s", tt.in, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%q) error\n got %s\nwant %s", tt.in, err, tt.want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error %T is not a *ParseError", tt.in, err)
			continue
		}
		if pe.Pos != tt.pos || pe.Found != tt.found {
			t.Errorf("Parse(%q): Pos %d Found %q, want %d %q", tt.in, pe.Pos, pe.Found, tt.pos, tt.found)
		}
	}
}
