package scheme

import "testing"

// FuzzParse: a scheme expression an officer types never panics the
// parser; one that parses can be compiled or is refused with an error.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`(化工厂 | 化工企业) & (爆炸 | 泄漏) & !演练`, `"山体滑坡" NEAR/5 死亡`, `((((a`, `!!!a`, `a & | b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if _, err := Parse(expr); err != nil {
			return
		}
		_, _ = Compile([]Scheme{{ID: "f", Name: "f", Expression: expr}}, Options{})
	})
}
