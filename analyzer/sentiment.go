package analyzer

import (
	"bufio"
	"cmp"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/yuqing-project/yuqing/analyzer/sentiment"
	"github.com/yuqing-project/yuqing/model"
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
	kindNegated
)

var lexKinds = map[string]lexKind{
	"polarity": kindPolarity,
	"domain":   kindDomain,
	"negator":  kindNegator,
	"degree":   kindDegree,
	"contrast": kindContrast,
	"official": kindOfficial,
	"negated":  kindNegated,
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

// How the domain layer and the official register move the trained model's
// calibrated logits (see combine). The trained model learnt reviews and
// Weibo posts; it has seen few reports of explosions or unpaid wages, and
// none of notices, so these are set by hand on the reasoning beside them
// and checked by TestSentiment.
const (
	// domainPolarity is the polarity logit each unit of negative domain
	// evidence takes away: one strong event word (爆炸 = 3) outweighs a
	// confident positive reading (logit 2, P = 0.88) of the surrounding text.
	domainPolarity = 1.0
	// domainNeutral is the neutral logit each unit takes away: a report of
	// an event with casualties is not neutral news for the government.
	domainNeutral = 0.8
	// domainEvidenceCap bounds the domain evidence counted, so that a long
	// report repeating 事故 forty times does not reach certainty by count.
	domainEvidenceCap = 6.0
	// domainEvidenceFloor is domain evidence ignored: one weak mention
	// (疫情 = 1) in a post that cheers the medical staff on is not an
	// incident; one strong one (事故 = 2, 爆炸 = 3) still counts.
	domainEvidenceFloor = 1.0
	// lexiconPolarity adds the lexicon's general polarity z (negation-aware:
	// 不难吃, 没有不满意) to the model's polarity logit, which n-grams of
	// up to three characters cannot always get right.
	lexiconPolarity = 1.0
	// noEvidenceNeutral raises the neutral logit of a text in which the
	// lexicon found no evaluative or domain word at all. The model's
	// neutral head learnt "neutral" from Weibo posts only and reads plain
	// news (县政府今天上午召开常务会议…, 明天人民路实行交通管制) as mildly
	// positive; most of what the analyzer reads is such news.
	//
	// The floor, the lexicon weight and this bias were chosen on the
	// calibration rows (never on the held-out ones) from {0, 0.5, 1, 1.5}
	// each: all three at 1 moved SMP2020 macro-F1 from 0.714 (all at 0) to
	// 0.733 at no cost to the binary reading (0.906 → 0.905). This bias is
	// then set higher than those rows favour, at 2 (SMP2020 0.702, binary
	// 0.900), because at 1 the plain-news sentences above stay
	// positive: Weibo emotions are not the product's domain, and calling a
	// factual notice positive misleads an officer more than calling a mild
	// Weibo post neutral.
	noEvidenceNeutral = 2.0
	// negationCorrection gives back, per unit of negated negative general
	// words (不难吃, 不差, 不脏), the polarity the model's n-grams took for
	// the negative word itself: character n-grams see 难吃 and 差 whatever
	// stands before them, so without it "菜不难吃,也不贵" read as strongly
	// negative. Set by hand so that one negated word (magnitude ~1–2)
	// outweighs a confident negative reading (logit −2.5) without turning
	// a text that also has an un-negated negative word positive; checked by
	// TestSentiment's negation cases.
	negationCorrection    = 2.5
	negationCorrectionCap = 3.0
	// officialModelDamping and officialModelNeutral express the register of
	// notices in logits: the model's polarity counts less and neutral is
	// more likely (an official notice describes rather than judges).
	officialModelDamping = 0.5
	officialModelNeutral = 2.0
)

// lexicon is the rule layer of the sentiment analysis: word → role. The
// words are read-only after parsing; model is the trained classifier the
// rules are combined with (nil: the lexicon alone decides, as before the
// model existed).
type lexicon struct {
	words map[string]lexEntry
	model atomic.Pointer[sentiment.Model]
}

// NormalizeForSentiment returns text as the analyzer gives it to the
// trained sentiment model. yuqing train sentiment applies it to every
// training row, so that training and analysis see the same text.
func NormalizeForSentiment(text string) string { return normalize(text) }

// SetSentimentModel replaces the trained sentiment model, for example with
// one read by sentiment.Load from a model file (yuqing analyze -model).
// Documents analysed after it returns use m; it is safe to call while
// Analyze runs.
func (a *Analyzer) SetSentimentModel(m *sentiment.Model) {
	if m == nil {
		panic("BUG: SetSentimentModel(nil)")
	}
	a.lex.model.Store(m)
}

// SentimentModel returns the trained sentiment model in use.
func (a *Analyzer) SentimentModel() *sentiment.Model { return a.lex.model.Load() }

// parseLexicon reads the kind<TAB>word<TAB>value format of data/sentiment.tsv
// and attaches the trained model embedded in the binary.
func parseLexicon(data string) (*lexicon, error) {
	l := &lexicon{words: map[string]lexEntry{}}
	m, err := sentiment.Default()
	if err != nil {
		return nil, err
	}
	l.model.Store(m)
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
	negatedNeg       float64 // magnitude of negative general words a negator flipped (不难吃, 不差)
	officialMarkers  int     // distinct official-register markers
	officialRegister bool
	words            []evidenceWord // the evaluative words weighed, for Sentiment.Evidence
}

// evidenceWord is a word the lexicon weighed (negated: turned around by a
// negator) and its summed magnitude.
type evidenceWord struct {
	text    string
	negated bool
	w       float64
}

// add records that the match tokens[i:i+n] contributed v.
func (ev *evidence) add(tokens []token, i, n int, negated bool, v float64) {
	word := tokens[i].text
	if n > 1 {
		word = tokensText(tokens[i : i+n])
	}
	for k := range ev.words {
		if e := &ev.words[k]; e.text == word && e.negated == negated {
			e.w += math.Abs(v)
			return
		}
	}
	ev.words = append(ev.words, evidenceWord{word, negated, math.Abs(v)})
}

// evidence returns the strongest words, at most model.MaxEvidence, strongest
// first (ties by word), or nil.
func (ev *evidence) evidence() []string {
	if len(ev.words) == 0 {
		return nil
	}
	slices.SortFunc(ev.words, func(a, b evidenceWord) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		if c := strings.Compare(a.text, b.text); c != 0 {
			return c
		}
		switch {
		case a.negated == b.negated:
			return 0
		case b.negated:
			return -1
		}
		return 1
	})
	n := min(len(ev.words), model.MaxEvidence)
	out := make([]string, n)
	for k := range n {
		out[k] = ev.words[k].text
		if ev.words[k].negated {
			out[k] = negatedPrefix + out[k]
		}
	}
	return out
}

// negatedPrefix marks an evidence word a negator turned around.
const negatedPrefix = "否定·"

// score runs the lexicon over tokens and returns the sentiment. official
// says the source is an official one (authority 官方), which lowers the
// number of register markers needed to read the text as a notice.
func (l *lexicon) score(tokens []token, officialSource bool) (model.Sentiment, evidence) {
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
		case kindNegated:
			// A negated negative word gse keeps as one token (不贵, 不差):
			// mildly positive, and the model's reading of its negative
			// characters is corrected in combine.
			v := e.value * degree
			ev.negatedNeg += v
			if tokens[i].title {
				v *= titleBoost
			}
			clause += v
			ev.add(tokens, i, n, false, v)
			negations, degree = 0, 1
		case kindPolarity, kindDomain:
			v := e.value * degree
			negated := negations%2 == 1 && i-lastNegator <= negationWindow
			if negated {
				if e.kind == kindDomain {
					v *= negatedDomain
				} else {
					if v < 0 {
						ev.negatedNeg -= v
					}
					v *= negatedGeneral
				}
			} else if e.kind == kindDomain && v < 0 {
				ev.domainNeg -= v
			}
			if tokens[i].title {
				v *= titleBoost
			}
			clause += v
			ev.add(tokens, i, n, negated, v)
			negations, degree = 0, 1
		}
	})
	closeClause(false)

	ev.officialMarkers = len(markers)
	ev.officialRegister = ev.officialMarkers >= 3 || officialSource && ev.officialMarkers >= 1
	var s model.Sentiment
	if m := l.model.Load(); m == nil || len(tokens) == 0 {
		s = probabilities(ev)
	} else {
		s = combine(m.Predict(predictionText(tokens)), ev)
	}
	s.Evidence = ev.evidence()
	return s, ev
}

// predictionText is the text of tokens the model reads: their
// concatenation, cut once it holds the sentiment.MaxRunes non-whitespace
// runes the model looks at, so that the model sees exactly what it would
// see of the whole text.
func predictionText(tokens []token) string {
	var b strings.Builder
	runes := 0
	for _, t := range tokens {
		if runes >= sentiment.MaxRunes {
			break
		}
		b.WriteString(t.text)
		for _, r := range t.text {
			if !unicode.IsSpace(r) {
				runes++
			}
		}
	}
	return b.String()
}

// combine adds the rule layer to the trained model's calibrated logits:
// negative domain evidence (事故, 欠薪, 强拆 …, not negated) lowers both the
// polarity logit and the neutral logit; the lexicon's negation-aware
// polarity is added with a modest weight; no evidence at all favours
// neutral; and the official register damps the polarity and raises neutral.
func combine(p sentiment.Prediction, ev evidence) model.Sentiment {
	d := math.Min(math.Max(ev.domainNeg-domainEvidenceFloor, 0), domainEvidenceCap)
	total := ev.pos + ev.neg
	zp := p.PolarityLogit - domainPolarity*d + lexiconPolarity*(ev.pos-ev.neg)/math.Sqrt(total+1) +
		negationCorrection*math.Min(ev.negatedNeg, negationCorrectionCap)
	zn := p.NeutralLogit - domainNeutral*d
	if total == 0 {
		zn += noEvidenceNeutral
	}
	if ev.officialRegister {
		zp *= officialModelDamping
		zn += officialModelNeutral
	}
	pPos, pNeu, pNeg := sentiment.Probabilities(zp, zn)
	return label(pPos, pNeu, pNeg)
}

// probabilities turns evidence into the three-class distribution: a softmax
// over a polarity logit ±z and a neutral logit that falls as evidence grows.
func probabilities(ev evidence) model.Sentiment {
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
	return label(ep/sum, eu/sum, en/sum)
}

// label picks the most probable class; ties go to neutral, then negative.
func label(pPos, pNeu, pNeg float64) model.Sentiment {
	s := model.Sentiment{Label: model.Neutral, Score: pNeu, Negativity: round4(pNeg)}
	switch {
	case pNeg > pNeu && pNeg >= pPos:
		s.Label, s.Score = model.Negative, pNeg
	case pPos > pNeu && pPos > pNeg:
		s.Label, s.Score = model.Positive, pPos
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

// isClauseBreak reports whether a punctuation token contains a character
// that closes a clause.
func isClauseBreak(s string) bool {
	for _, r := range s {
		switch r {
		case ',', '.', '!', '?', ';', ':', '，', '。', '！', '？', '；', '：', '、', '…', '\n':
			return true
		}
	}
	return false
}

func tokensText(ts []token) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.text)
	}
	return b.String()
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
