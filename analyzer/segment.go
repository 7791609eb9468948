package analyzer

import (
	"bufio"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/go-ego/gse/hmm"
)

//go:embed data/domain_dict.txt
var domainDictData string

// token is one segment of analysed text.
type token struct {
	text   string // lower-cased by gse for Latin letters
	pos    string // part of speech from the dictionary; "" for words found by the HMM
	title  bool   // from the title rather than the body
	boiler bool   // from a byline, source or copyright line (see isBoilerplateLine)
	word   bool   // contains a letter or digit (not punctuation or symbols)
	// info is what the analysis needs to know of a word of gse's
	// dictionary, precomputed (entryInfo); 0 for other words.
	info entryInfo
	// wid is 1 + the word's index in the docWords it was cut with, or 0.
	wid int32
}

// hmmModelOnce loads gse's HMM emission tables. gse keeps them in a
// package-level map that every gse.Segmenter.Init rewrites; rewriting it while
// another segmenter reads it is a data race (and a crash: concurrent map
// write). Loading it exactly once per process, and building segmenters with
// NotLoadHMM, makes it write-once, read-many.
var hmmModelOnce sync.Once

// segmenter wraps a gse.Segmenter loaded with gse's embedded dictionary and
// yuqing's domain dictionary. After newSegmenter returns it is only read, so
// it is safe for concurrent use.
type segmenter struct {
	seg gse.Segmenter
	// info is the entryInfo of each entry of seg's dictionary, by index
	// (gse's Dictionary.Tokens); nil until setInfo.
	info []entryInfo
	// user are the user words added on top of the domain dictionary
	// (SetUserWords), as given.
	user []UserWord
}

// newSegmenter loads gse's embedded Chinese dictionary (nothing is read from
// disk or the module cache) and applies the domain dictionary.
func newSegmenter(domainDict string) (*segmenter, error) {
	hmmModelOnce.Do(func() { hmm.LoadModel() })
	s := &segmenter{}
	s.seg.NotLoadHMM = true
	s.seg.SkipLog = true
	if err := s.seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, fmt.Errorf("cannot load gse's embedded dictionary: %w", err)
	}
	if err := s.applyDomainDict(domainDict); err != nil {
		return nil, err
	}
	return s, nil
}

// applyDomainDict adds "word freq pos" lines and removes "-word" lines; see
// data/domain_dict.txt. A word already in gse's dictionary is re-added with
// the domain frequency, so the domain's view of it wins.
func (s *segmenter) applyDomainDict(data string) error {
	sc := bufio.NewScanner(strings.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if w, ok := strings.CutPrefix(line, "-"); ok {
			// Removing a word gse does not have is a no-op: the goal (the
			// word is not one token) already holds.
			_ = s.seg.RemoveToken(strings.TrimSpace(w))
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf("cannot parse domain dictionary line %d %q: want \"word frequency pos\"", n, line)
		}
		freq, err := strconv.ParseFloat(f[1], 64)
		if err != nil || freq <= 0 {
			return fmt.Errorf("cannot parse domain dictionary line %d %q: frequency %q is not a positive number", n, line, f[1])
		}
		if err := s.addWord(f[0], freq, f[2]); err != nil {
			return fmt.Errorf("cannot add domain word %q (line %d): %w", f[0], n, err)
		}
	}
	return nil
}

// addWord adds word to gse's dictionary with freq and pos; a word gse
// already has is re-added, so the caller's frequency and part of speech
// win.
func (s *segmenter) addWord(word string, freq float64, pos string) error {
	if fr, _, ok := s.seg.Find(word); ok && fr > 0 {
		return s.seg.ReAddToken(word, freq, pos)
	}
	return s.seg.AddToken(word, freq, pos)
}

// cut segments text with gse's DAG + HMM mode (the jieba algorithm: the most
// probable path through the dictionary, with the HMM finding words the
// dictionary lacks, such as personal names). Whitespace tokens are dropped.
// words, if not nil, collects the document's distinct words: a word seen
// before is not looked up in the dictionary again.
func (s *segmenter) cut(text string, title, boiler bool, dst []token, words *docWords) []token {
	for _, w := range s.seg.Cut(text, true) {
		if isBlank(w) {
			continue
		}
		if words != nil {
			k := words.index(s, w)
			d := &words.list[k]
			dst = append(dst, token{text: w, pos: d.pos, title: title, boiler: boiler, word: d.word, info: d.info, wid: int32(k) + 1})
			continue
		}
		info, pos, word := s.lookup(w)
		dst = append(dst, token{text: w, pos: pos, title: title, boiler: boiler, word: word, info: info})
	}
	return dst
}

// lookup returns what a token of w carries from the dictionary.
func (s *segmenter) lookup(w string) (info entryInfo, pos string, word bool) {
	info, pos = s.find(w)
	if info.known() {
		return info, pos, info.word()
	}
	return info, pos, isWord(w)
}

// docWords is the vocabulary of one document: its distinct words, each with
// what segmenter.lookup found for it, in order of first appearance. Looking
// a word up in it costs less than in gse's dictionary, and the keywords
// and the SimHash count by it (token.wid) without hashing the words again.
type docWords struct {
	// slots is an open-addressing hash table of list by hash: 1 + the
	// index, 0 for a free slot; its size is a power of two, at least twice
	// len(list).
	slots []int32
	list  []docWord
}

type docWord struct {
	text string
	hash uint64 // fnv64a(text)
	pos  string
	info entryInfo
	word bool
}

var docWordsPool = sync.Pool{New: func() any { return &docWords{slots: make([]int32, 1024)} }}

// index returns the index in list of w, adding it if new.
func (d *docWords) index(s *segmenter, w string) int {
	h := fnv64a(w)
	mask := uint64(len(d.slots) - 1)
	for p := (h ^ h>>32) & mask; ; p = (p + 1) & mask {
		k := d.slots[p]
		if k == 0 {
			info, pos, word := s.lookup(w)
			d.list = append(d.list, docWord{text: w, hash: h, pos: pos, info: info, word: word})
			d.slots[p] = int32(len(d.list))
			if 2*len(d.list) > len(d.slots) {
				d.grow()
			}
			return len(d.list) - 1
		}
		if x := &d.list[k-1]; x.hash == h && x.text == w {
			return int(k - 1)
		}
	}
}

// grow doubles slots and rehashes list into it.
func (d *docWords) grow() {
	d.slots = make([]int32, 2*len(d.slots))
	mask := uint64(len(d.slots) - 1)
	for i := range d.list {
		h := d.list[i].hash
		p := (h ^ h>>32) & mask
		for d.slots[p] != 0 {
			p = (p + 1) & mask
		}
		d.slots[p] = int32(i + 1)
	}
}

// reset empties d for the next document, dropping its words.
func (d *docWords) reset() {
	clear(d.slots)
	clear(d.list)
	d.list = d.list[:0]
}

// find looks w up in gse's dictionary the way gse.Segmenter.Find does and
// returns its entryInfo (0 if w is not an entry or setInfo was not called)
// and part of speech.
func (s *segmenter) find(w string) (entryInfo, string) {
	v, _, err := s.seg.Dict.Value([]byte(w))
	if err != nil {
		return 0, "" // not a word, or only the prefix of words
	}
	// gse has just read the entry (its frequency) while cutting: taking
	// the part of speech from it costs less than keeping it in info.
	pos := s.seg.Dict.Tokens[v].Pos()
	if v < len(s.info) {
		return s.info[v], pos
	}
	return 0, pos
}

// entries returns every entry of gse's dictionary, by index, as the token
// cut would make of it (not title, not boilerplate, no info).
func (s *segmenter) entries() []token {
	out := make([]token, len(s.seg.Dict.Tokens))
	for i := range s.seg.Dict.Tokens {
		e := &s.seg.Dict.Tokens[i]
		w := e.Text()
		out[i] = token{text: w, pos: e.Pos(), word: isWord(w)}
	}
	return out
}

// entryInfo packs what the analysis needs of a dictionary word, so that a
// token carries it from the segmenter at the cost of one read of a small
// array (two bytes an entry):
//
//	bits 0–11  the index of its IDF in idfTable.values, from 1 (0: no
//	           entryInfo, the word is looked up one by one)
//	bit  12    idfTable.contentWord
//	bits 13–14 orgPart: part and head
//	bit  15    isWord
type entryInfo uint16

const (
	infoIDFBits = 12
	infoContent = 1 << 12
	infoOrgPart = 1 << 13
	infoOrgHead = 1 << 14
	infoWord    = 1 << 15
)

func (e entryInfo) known() bool   { return e&(1<<infoIDFBits-1) != 0 }
func (e entryInfo) idf() int      { return int(e & (1<<infoIDFBits - 1)) }
func (e entryInfo) content() bool { return e&infoContent != 0 }
func (e entryInfo) word() bool    { return e&infoWord != 0 }

// setInfo computes the entryInfo of every entry of the dictionary: the
// IDF and content-word test of idf, the organisation-name tests of
// orgPartOf. Should the IDF table hold more distinct values than entryInfo
// has bits for, it sets nothing and the analysis looks words up one by
// one.
func (s *segmenter) setInfo(idf *idfTable) {
	entries := s.entries()
	info := make([]entryInfo, len(entries))
	for i, e := range entries {
		v, ok := idf.valueIndex(e.text)
		if !ok {
			return
		}
		x := entryInfo(v)
		if e.word {
			x |= infoWord
		}
		if idf.contentWord(e) {
			x |= infoContent
		}
		if p := orgPartOf(e); p.part {
			x |= infoOrgPart
			if p.head {
				x |= infoOrgHead
			}
		}
		info[i] = x
	}
	s.info = info
}

// cutBody segments a body line by line, marking the tokens of boilerplate
// lines. A line break ends a sentence anyway, so cutting per line gives the
// same words as cutting the whole body.
func (s *segmenter) cutBody(body string, dst []token, words *docWords) []token {
	for line := range strings.Lines(body) {
		dst = s.cut(line, false, isBoilerplateLine(line), dst, words)
		if strings.HasSuffix(line, "\n") {
			// Keep the line break: it closes a clause for sentiment.
			dst = append(dst, token{text: "\n"})
		}
	}
	return dst
}

// boilerplatePrefixes start the lines a repost changes: bylines, sources,
// editors, original titles.
var boilerplatePrefixes = []string{
	"来源", "文章来源", "稿件来源", "信息来源", "记者", "本报记者", "通讯员", "编辑", "责任编辑", "责编",
	"作者", "原标题", "摄影", "图片来源", "转自", "转载", "本文", "免责声明", "版权声明", "声明",
}

// isBoilerplateLine reports whether a body line is a byline, source,
// editor or copyright line rather than content: it starts with one of
// boilerplatePrefixes (after brackets), or it is short and speaks of
// reposting rights. Reposts of one story differ in exactly these lines, so
// they are left out of the SimHash and of keywords.
func isBoilerplateLine(line string) bool {
	l := strings.TrimLeft(strings.TrimSpace(line), "(（[【〔<《 ")
	if l == "" {
		return false
	}
	for _, p := range boilerplatePrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	if runesOver(l, 80) {
		return false
	}
	return strings.Contains(l, "侵权") || strings.Contains(l, "转载自") || strings.Contains(l, "版权归") || strings.Contains(l, "版权所有")
}

// runesOver reports whether s has more than n runes, counting no further
// than needed: a long line is known long by its bytes.
func runesOver(s string, n int) bool {
	switch {
	case len(s) <= n:
		return false
	case len(s) > utf8.UTFMax*n:
		return true // a rune (or an invalid byte) takes at most UTFMax bytes
	}
	for range s {
		if n == 0 {
			return true // a rune beyond the n-th
		}
		n--
	}
	return false
}

// stopWords returns gse's embedded Chinese stop-token list (function words
// and punctuation).
func (s *segmenter) stopWords() (map[string]bool, error) {
	var g gse.Segmenter
	if err := g.LoadStopEmbed(); err != nil {
		return nil, fmt.Errorf("cannot load gse's embedded stop words: %w", err)
	}
	return g.StopWordMap, nil
}

// words returns the raw gse segmentation, for the benchmark of gse alone.
func (s *segmenter) words(text string) []string { return s.seg.Cut(text, true) }

func isWord(w string) bool {
	for _, r := range w {
		// U+4E00–U+9FFF are all letters; other Han runes (〇, radicals)
		// need not be.
		if r >= 0x4E00 && r <= 0x9FFF || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// isBlank reports whether w is empty or all whitespace, as
// strings.TrimSpace(w) == "" does.
func isBlank(w string) bool {
	if w != "" {
		// Printable ASCII, and the lead bytes of U+4000–U+9FFF (most of
		// the ideographs): no space starts so.
		if c := w[0]; c > ' ' && c < 0x7F || c >= 0xE4 && c <= 0xE9 {
			return false
		}
	}
	for _, r := range w {
		if r < utf8.RuneSelf {
			if r != ' ' && (r < '\t' || r > '\r') {
				return false
			}
		} else if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
