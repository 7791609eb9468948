package analyzer

import (
	"bufio"
	_ "embed"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/model"

	"github.com/go-ego/gse"
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
	// values are the distinct IDFs of idf and median, numbered from 1 for
	// entryInfo (values[0] is unused); valueOf numbers them.
	values  []float64
	valueOf map[float64]int
}

// valueIndex returns the number of lookup(w) in values, numbering it if
// new; ok is false when entryInfo has no room for another.
func (t *idfTable) valueIndex(w string) (int, bool) {
	v := t.lookup(w)
	if k, ok := t.valueOf[v]; ok {
		return k, true
	}
	if t.values == nil {
		t.values = []float64{0}
		t.valueOf = map[float64]int{}
	}
	if len(t.values) == 1<<infoIDFBits {
		return 0, false
	}
	t.valueOf[v] = len(t.values)
	t.values = append(t.values, v)
	return len(t.values) - 1, true
}

// lookupToken returns the IDF of tk's word.
func (t *idfTable) lookupToken(tk token) float64 {
	if tk.info.known() {
		return t.values[tk.info.idf()]
	}
	return t.lookup(tk.text)
}

// contentToken is contentWord(tk).
func (t *idfTable) contentToken(tk token) bool {
	if tk.info.known() {
		return tk.info.content()
	}
	return t.contentWord(tk)
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

// termStat is what one document says about one distinct word.
type termStat struct {
	word    string
	hash    uint64    // fnv64a(word)
	info    entryInfo // token.info
	content bool      // contentWord: the same for every token of the word
	tf      float64   // occurrences outside boilerplate, title ones counting titleWeight
	body    float64   // occurrences in body content lines
	all     float64   // occurrences in title and body content lines
}

// termScratch is the per-document working memory of termStats, reused
// through termPool so that a document costs no map of its own.
type termScratch struct {
	// byWid maps a token's wid to 1 + the position of its word in stats (0:
	// not there yet), when the tokens come with their docWords.
	byWid []int32
	// slots is, when they do not, an open-addressing hash table of the
	// words by their FNV-1a hash (which the SimHash needs anyway): 1 +
	// their position in stats, 0 for a free slot. Its size is a power of
	// two, at least twice the number of tokens.
	slots []int32
	stats []termStat
	feats []simFeature
}

var termPool = sync.Pool{New: func() any { return new(termScratch) }}

// index returns the position in stats of tk's word, adding it if new.
// words is the tokens' docWords, or nil.
func (sc *termScratch) index(t *idfTable, tk *token, words *docWords) int {
	if words != nil {
		w := tk.wid - 1 // every word token of words' document has a wid
		if k := sc.byWid[w]; k > 0 {
			return int(k - 1)
		}
		sc.stats = append(sc.stats, termStat{word: tk.text, hash: words.list[w].hash, info: tk.info, content: t.contentToken(*tk)})
		sc.byWid[w] = int32(len(sc.stats))
		return len(sc.stats) - 1
	}
	h := fnv64a(tk.text)
	mask := uint64(len(sc.slots) - 1)
	for p := (h ^ h>>32) & mask; ; p = (p + 1) & mask {
		k := sc.slots[p]
		if k == 0 {
			sc.stats = append(sc.stats, termStat{word: tk.text, hash: h, info: tk.info, content: t.contentToken(*tk)})
			sc.slots[p] = int32(len(sc.stats))
			return len(sc.stats) - 1
		}
		if st := &sc.stats[k-1]; st.hash == h && st.word == tk.text {
			return int(k - 1)
		}
	}
}

// keywordsAndFingerprint computes, in one pass over tokens, the keywords of
// a post and its SimHash fingerprint:
//
//   - keywords: the TF-IDF weight of each content word, normalised by the
//     number of word tokens, title occurrences counting titleWeight times;
//     words of boilerplate lines (bylines, sources) are not content: a
//     reporter's name is not what a post is about. The top MaxKeywords,
//     heaviest first, ties broken by the word so the result is
//     deterministic.
//   - fingerprint: the SimHash of the body's content words, each weighted
//     by (1 + ln tf) × idf; a post without body words is fingerprinted by
//     its title. Headers and bylines differ between reposts while bodies do
//     not, which is why the title and boilerplate lines are left out. The
//     term frequency is damped so that one repeated word (an emoticon typed
//     six times) cannot outvote the rest of a short post.
//
// Body tokens start at bodyStart. words is the docWords the tokens were
// cut with (every token but line breaks carries its wid), or nil.
func (t *idfTable) keywordsAndFingerprint(tokens []token, bodyStart int, words *docWords) ([]model.Keyword, uint64) {
	sc := termPool.Get().(*termScratch)
	switch {
	case words != nil:
		sc.byWid = slices.Grow(sc.byWid[:0], len(words.list))[:len(words.list)]
	case len(sc.slots) < 2*len(tokens):
		sc.slots = make([]int32, 1<<bits.Len(uint(2*len(tokens))))
	}
	defer func() {
		clear(sc.byWid)
		clear(sc.slots)
		clear(sc.stats) // drop the words, which belong to the document
		sc.stats = sc.stats[:0]
		clear(sc.feats)
		sc.feats = sc.feats[:0]
		termPool.Put(sc)
	}()
	total := 0.0
	bodyWords := false
	for j := range tokens {
		tk := &tokens[j]
		if !tk.word {
			continue // no content word, and not counted in total
		}
		w := 1.0
		if tk.title {
			w = titleWeight
		}
		total += w
		if tk.boiler {
			continue
		}
		st := &sc.stats[sc.index(t, tk, words)]
		if !st.content {
			continue
		}
		st.tf += w
		st.all++
		if j >= bodyStart {
			st.body++
			bodyWords = true
		}
	}

	var top [MaxKeywords]model.Keyword
	n := 0
	for i := range sc.stats {
		st := &sc.stats[i]
		if !st.content {
			continue
		}
		idf := t.lookupToken(token{text: st.word, info: st.info})
		if !fragment(st.word) {
			n = insertKeyword(&top, n, model.Keyword{Word: st.word, Weight: st.tf / total * idf})
		}
		count := st.all
		if bodyWords {
			count = st.body
		}
		switch {
		case count == 1: // 1 + ln 1 is 1
			sc.feats = append(sc.feats, simFeature{hash: st.hash, weight: idf})
		case count > 1:
			sc.feats = append(sc.feats, simFeature{hash: st.hash, weight: (1 + math.Log(count)) * idf})
		}
	}
	kws := make([]model.Keyword, n)
	for i := range kws {
		kws[i] = model.Keyword{Word: top[i].Word, Weight: math.Round(top[i].Weight*1e4) / 1e4}
	}
	return kws, simHash(sc.feats)
}

// insertKeyword inserts k into top[:n], which is ordered heaviest first
// (ties by word), keeping at most MaxKeywords; it returns the new length.
func insertKeyword(top *[MaxKeywords]model.Keyword, n int, k model.Keyword) int {
	pos := n
	for pos > 0 && keywordBefore(k, top[pos-1]) {
		pos--
	}
	if pos == MaxKeywords {
		return n
	}
	if n < MaxKeywords {
		n++
	}
	copy(top[pos+1:n], top[pos:n-1])
	top[pos] = k
	return n
}

// keywordBefore is the keyword order: heavier first, then by word.
func keywordBefore(a, b model.Keyword) bool {
	if a.Weight != b.Weight {
		return a.Weight > b.Weight
	}
	return a.Word < b.Word
}

func isNumber(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '%' || r == ',') {
			return false
		}
	}
	return true
}

// fragment reports whether a two-rune word is a piece cut across word
// boundaries rather than a word: a function character glued to the start
// of the next word (或村 of 或村（社区）, 及县 of 及县直单位, 由县, 据澜, 至澜),
// or a date or subject glued to the next verb (日起 of 12月1日起, 人要 of
// 老人要注意). It stays a SimHash feature; it is never a keyword.
func fragment(w string) bool {
	r := []rune(w)
	if len(r) != 2 {
		return false
	}
	switch {
	case strings.ContainsRune("或及由据至向经从将", r[0]) && strings.ContainsRune("县市区村镇乡省州澜岚", r[1]):
		return true
	case strings.ContainsRune("日月年", r[0]) && strings.ContainsRune("起止前后", r[1]):
		return true
	case r[0] == '人' && strings.ContainsRune("要能会将", r[1]):
		return true
	}
	return false
}
