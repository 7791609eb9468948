package responder

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
)

// TestCasualtyWordsGuardEveryPattern: Casualties skips a group of patterns
// when the text has none of the group's words, so every pattern must
// require one of them: each pattern, with every alternation of its
// required literal parts, must contain one of its group's words.
func TestCasualtyWordsGuardEveryPattern(t *testing.T) {
	for _, g := range []struct {
		name  string
		words []string
		res   []*regexp.Regexp
	}{{"death", deathWords, deathRe}, {"injured", injuredWords, injuredRe}, {"missing", missingWords, missingRe}} {
		for _, re := range g.res {
			if !requires(t, re.String(), g.words) {
				t.Errorf("%s pattern %s can match without any of %v: add its word", g.name, re, g.words)
			}
		}
	}
}

// requires reports whether every string the pattern matches contains one
// of words: some concatenated part of the pattern is a literal holding a
// word, or an alternation each of whose branches is such a literal.
func requires(t *testing.T, pattern string, words []string) bool {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	re = re.Simplify()
	has := func(s string) bool {
		for _, w := range words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	var branchOK func(r *syntax.Regexp) bool
	branchOK = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpLiteral:
			return has(string(r.Rune))
		case syntax.OpCapture:
			return branchOK(r.Sub[0])
		case syntax.OpAlternate:
			for _, s := range r.Sub {
				if !branchOK(s) {
					return false
				}
			}
			return true
		case syntax.OpConcat:
			// The strings a run of literals and small character classes
			// can spell (the parser factors 失联|失踪 into 失[联踪]).
			run := []string{""}
			for _, s := range r.Sub {
				var next []string
				switch {
				case s.Op == syntax.OpLiteral:
					for _, p := range run {
						next = append(next, p+string(s.Rune))
					}
				case s.Op == syntax.OpCharClass && classSize(s) <= 8:
					for _, p := range run {
						for i := 0; i < len(s.Rune); i += 2 {
							for c := s.Rune[i]; c <= s.Rune[i+1]; c++ {
								next = append(next, p+string(c))
							}
						}
					}
				default:
					if branchOK(s) {
						return true
					}
					run = []string{""}
					continue
				}
				run = next
				all := true
				for _, p := range run {
					all = all && has(p)
				}
				if all {
					return true
				}
			}
		}
		return false
	}
	return branchOK(re)
}

func classSize(r *syntax.Regexp) int {
	n := 0
	for i := 0; i < len(r.Rune); i += 2 {
		n += int(r.Rune[i+1]-r.Rune[i]) + 1
	}
	return n
}
