package analyzer

import (
	"bufio"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/yuqing-project/yuqing/bus"
)

//go:embed data/stopwords.txt
var extraStopWords string

// MaxKeywords is how many keywords a post carries.
const MaxKeywords = 10

// titleWeight is how much more a title occurrence counts than a body one,
// for keywords, topics and sentiment: a title states what a post is about.
const titleWeight = 2.0

// idfTable holds inverse document frequencies and stop words for TF-IDF.
// It is read-only after construction.
type idfTable struct {
	idf    map[string]float64
	median float64 // the IDF of a word not in the table, as jieba does
	stop   map[string]bool
}

// newIDFTable parses an IDF table in jieba's format ("word idf" a line) and
// the stop-word lists. The IDF text is gse's embedded data/dict/zh/idf.txt
// (jieba's idf.txt, MIT; see NOTICE.md), compiled into the binary by gse's
// own go:embed, so nothing is read from disk at run time.
func newIDFTable(idfText string, stop map[string]bool, stopLists ...string) (*idfTable, error) {
	t := &idfTable{idf: make(map[string]float64, 280000), stop: make(map[string]bool, len(stop)+200)}
	for w := range stop {
		t.stop[w] = true
	}
	vals := make([]float64, 0, 280000)
	sc := bufio.NewScanner(strings.NewReader(idfText))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		w, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			if strings.TrimSpace(line) == "" {
				continue
			}
			return nil, fmt.Errorf("cannot parse IDF line %d %q: want \"word idf\"", n, line)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, fmt.Errorf("cannot parse IDF line %d %q: %w", n, line, err)
		}
		t.idf[w] = f
		vals = append(vals, f)
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("cannot use an empty IDF table")
	}
	slices.Sort(vals)
	t.median = vals[len(vals)/2]
	for _, list := range stopLists {
		for line := range strings.Lines(list) {
			w := strings.TrimSpace(line)
			if w != "" && !strings.HasPrefix(w, "#") {
				t.stop[w] = true
			}
		}
	}
	return t, nil
}

// gseIDF is gse's embedded IDF text; a variable so the provenance is in one place.
var gseIDF = gse.ZhIdf

// lookup returns the IDF of w.
func (t *idfTable) lookup(w string) float64 {
	if v, ok := t.idf[w]; ok {
		return v
	}
	return t.median
}

// contentWord reports whether a token can be a keyword or a SimHash feature:
// a word of two runes or more (or a Latin/number token of three or more),
// not a stop word, not a function word by its part of speech.
func (t *idfTable) contentWord(tk token) bool {
	if !tk.word || t.stop[tk.text] {
		return false
	}
	n := utf8.RuneCountInString(tk.text)
	if n < 2 || isNumber(tk.text) {
		return false
	}
	if n < 3 && tk.text[0] < utf8.RuneSelf { // short Latin tokens: "de", "ok"
		return false
	}
	switch tk.pos {
	case "c", "p", "u", "uj", "ul", "uz", "ud", "ug", "uv", "r", "rr", "rz", "d", "m", "mq", "q", "y", "e", "o", "x", "xx":
		return false
	}
	return true
}

// termWeights returns the TF-IDF weight of each content word of tokens,
// normalised by the number of tokens, title occurrences counting
// titleWeight times. Words of boilerplate lines (bylines, sources) are not
// content: a reporter's name is not what a post is about.
func (t *idfTable) termWeights(tokens []token) map[string]float64 {
	tf := make(map[string]float64, len(tokens)/2)
	total := 0.0
	for _, tk := range tokens {
		if !tk.word {
			continue
		}
		w := 1.0
		if tk.title {
			w = titleWeight
		}
		total += w
		if !tk.boiler && t.contentWord(tk) {
			tf[tk.text] += w
		}
	}
	for k, v := range tf {
		tf[k] = v / total * t.lookup(k)
	}
	return tf
}

// keywords returns the top MaxKeywords words by TF-IDF, heaviest first, ties
// broken by the word so the result is deterministic.
func (t *idfTable) keywords(weights map[string]float64) []bus.Keyword {
	kws := make([]bus.Keyword, 0, len(weights))
	for w, v := range weights {
		kws = append(kws, bus.Keyword{Word: w, Weight: v})
	}
	slices.SortFunc(kws, func(a, b bus.Keyword) int {
		if a.Weight != b.Weight {
			if a.Weight > b.Weight {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Word, b.Word)
	})
	if len(kws) > MaxKeywords {
		kws = kws[:MaxKeywords]
	}
	for i := range kws {
		kws[i].Weight = math.Round(kws[i].Weight*1e4) / 1e4
	}
	return kws
}

func isNumber(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '%' || r == ',') {
			return false
		}
	}
	return true
}
