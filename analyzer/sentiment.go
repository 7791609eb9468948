package analyzer

import (
	"bufio"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/yuqing-project/yuqing/bus"
)

//go:embed data/sentiment.tsv
var sentimentData string

// lexKind is the role of a word in the sentiment lexicon.
type lexKind uint8

const (
	kindPolarity lexKind = iota + 1 // general evaluative word
	kindDomain                      // government public-opinion event or conduct
	kindNegator
	kindDegree
	kindContrast
	kindOfficial
)

var lexKinds = map[string]lexKind{
	"polarity": kindPolarity,
	"domain":   kindDomain,
	"negator":  kindNegator,
	"degree":   kindDegree,
	"contrast": kindContrast,
	"official": kindOfficial,
}

type lexEntry struct {
	kind  lexKind
	value float64
}

// Parameters of the lexicon model. They were set by hand on the reasoning
// in the comments and checked on ChnSentiCorp's training split; the
// measured accuracy is logged by TestSentimentAccuracy.
const (
	// negationWindow is how many tokens before an evaluative word a
	// negator still applies to (未 造成 人员 伤亡).
	negationWindow = 4
	// negatedGeneral scales a negated general word: 不满意 is negative, 不差
	// is mildly positive, not as positive as 好.
	negatedGeneral = -0.8
	// negatedDomain scales a negated domain word: 无人员伤亡 in an accident
	// report softens it but does not make it good news.
	negatedDomain = -0.3
	// exclamationBoost scales a clause that ends with "!".
	exclamationBoost = 1.3
	// titleBoost scales evaluative words in the title.
	titleBoost = 1.5
	// logitScale turns the polarity evidence z into class logits.
	logitScale = 1.6
	// neutralPrior is the neutral logit with no evidence; each unit of
	// evidence lowers it by neutralDecay, up to neutralDecayCap units.
	neutralPrior    = 1.2
	neutralDecay    = 0.25
	neutralDecayCap = 6.0
	// officialDamping and officialNeutralBias express the official-notice
	// register: notices (通知, 印发, 各有关单位) describe rather than
	// judge, so evidence counts less and neutral is more likely.
	officialDamping     = 0.6
	officialNeutralBias = 1.0
)

// lexicon is the sentiment model: word → role. Read-only after parsing.
type lexicon struct {
	words map[string]lexEntry
}

// parseLexicon reads the kind<TAB>word<TAB>value format of data/sentiment.tsv.
func parseLexicon(data string) (*lexicon, error) {
	l := &lexicon{words: map[string]lexEntry{}}
	sc := bufio.NewScanner(strings.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("cannot parse sentiment lexicon line %d %q: want kind<TAB>word<TAB>value", n, line)
		}
		kind, ok := lexKinds[f[0]]
		if !ok {
			return nil, fmt.Errorf("cannot parse sentiment lexicon line %d: unknown kind %q", n, f[0])
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("cannot parse sentiment lexicon line %d: value %q: %w", n, f[2], err)
		}
		w := strings.ToLower(f[1])
		if prev, dup := l.words[w]; dup {
			return nil, fmt.Errorf("cannot parse sentiment lexicon line %d: %q is already a %v entry", n, w, prev.kind)
		}
		l.words[w] = lexEntry{kind: kind, value: v}
	}
	return l, nil
}

// evidence is what the lexicon found in a text.
type evidence struct {
	pos, neg         float64 // summed magnitudes of positive and negative contributions
	domainNeg        float64 // the part of neg from the domain layer
	officialMarkers  int     // distinct official-register markers
	officialRegister bool
}

// score runs the lexicon over tokens and returns the sentiment. official
// says the source is an official one (authority 官方), which lowers the
// number of register markers needed to read the text as a notice.
func (l *lexicon) score(tokens []token, officialSource bool) (bus.Sentiment, evidence) {
	var ev evidence
	markers := map[string]bool{}

	var (
		clause      float64 // signed sum of the current clause
		lastNegator = -1000 // token index of the last negator in the clause
		negations   int     // negators since the last evaluative word
		degree      = 1.0
		contrast    = 1.0 // raised after 但是 for the rest of the sentence
	)
	closeClause := func(excl bool) {
		f := contrast
		if excl {
			f *= exclamationBoost
		}
		c := clause * f
		if c > 0 {
			ev.pos += c
		} else {
			ev.neg -= c
		}
		clause, lastNegator, negations, degree = 0, -1000, 0, 1
	}

	forEachPunctOrMatch(tokens, l.words, func(i, n int, e lexEntry, punct string) {
		if punct != "" {
			excl := strings.ContainsAny(punct, "!")
			closeClause(excl)
			if strings.ContainsAny(punct, "。!?\n") {
				contrast = 1
			}
			return
		}
		switch e.kind {
		case kindNegator:
			if i-lastNegator > negationWindow {
				negations = 0
			}
			negations++
			lastNegator = i
		case kindDegree:
			degree = e.value
		case kindContrast:
			contrast = e.value
		case kindOfficial:
			markers[tokensText(tokens[i:i+n])] = true
		case kindPolarity, kindDomain:
			v := e.value * degree
			if negations%2 == 1 && i-lastNegator <= negationWindow {
				if e.kind == kindDomain {
					v *= negatedDomain
				} else {
					v *= negatedGeneral
				}
			} else if e.kind == kindDomain && v < 0 {
				ev.domainNeg -= v
			}
			if tokens[i].title {
				v *= titleBoost
			}
			clause += v
			negations, degree = 0, 1
		}
	})
	closeClause(false)

	ev.officialMarkers = len(markers)
	ev.officialRegister = ev.officialMarkers >= 3 || officialSource && ev.officialMarkers >= 1
	return probabilities(ev), ev
}

// probabilities turns evidence into the three-class distribution: a softmax
// over a polarity logit ±z and a neutral logit that falls as evidence grows.
func probabilities(ev evidence) bus.Sentiment {
	total := ev.pos + ev.neg
	z := (ev.pos - ev.neg) / math.Sqrt(total+1)
	neutral := neutralPrior - neutralDecay*math.Min(total, neutralDecayCap)
	if ev.officialRegister {
		z *= officialDamping
		neutral += officialNeutralBias
	}
	lp, ln := logitScale*z, -logitScale*z
	m := math.Max(lp, math.Max(ln, neutral))
	ep, en, eu := math.Exp(lp-m), math.Exp(ln-m), math.Exp(neutral-m)
	sum := ep + en + eu
	pPos, pNeg, pNeu := ep/sum, en/sum, eu/sum
	s := bus.Sentiment{Label: bus.Neutral, Score: pNeu, Negativity: round4(pNeg)}
	switch {
	case pNeg > pNeu && pNeg >= pPos:
		s.Label, s.Score = bus.Negative, pNeg
	case pPos > pNeu && pPos > pNeg:
		s.Label, s.Score = bus.Positive, pPos
	}
	s.Score = round4(s.Score)
	return s
}

// forEachPunctOrMatch walks tokens once: a punctuation token is reported
// with punct set (it closes a clause); otherwise lexicon matches are
// reported as forEachMatch does.
func forEachPunctOrMatch(tokens []token, m map[string]lexEntry, fn func(i, n int, e lexEntry, punct string)) {
	start := 0
	for j := 0; j <= len(tokens); j++ {
		if j < len(tokens) && (tokens[j].word || !isClauseBreak(tokens[j].text)) {
			continue
		}
		seg := tokens[start:j]
		forEachMatch(seg, m, func(i, n int, e lexEntry) { fn(start+i, n, e, "") })
		if j < len(tokens) {
			fn(j, 1, lexEntry{}, tokens[j].text)
		}
		start = j + 1
	}
}

func isClauseBreak(s string) bool {
	return strings.ContainsAny(s, ",.!?;:，。！？；：、…\n")
}

func tokensText(ts []token) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.text)
	}
	return b.String()
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
