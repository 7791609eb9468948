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
		if fr, _, ok := s.seg.Find(f[0]); ok && fr > 0 {
			err = s.seg.ReAddToken(f[0], freq, f[2])
		} else {
			err = s.seg.AddToken(f[0], freq, f[2])
		}
		if err != nil {
			return fmt.Errorf("cannot add domain word %q (line %d): %w", f[0], n, err)
		}
	}
	return nil
}

// cut segments text with gse's DAG + HMM mode (the jieba algorithm: the most
// probable path through the dictionary, with the HMM finding words the
// dictionary lacks, such as personal names). Whitespace tokens are dropped.
func (s *segmenter) cut(text string, title, boiler bool, dst []token) []token {
	for _, w := range s.seg.Cut(text, true) {
		if strings.TrimSpace(w) == "" {
			continue
		}
		_, pos, _ := s.seg.Find(w)
		dst = append(dst, token{text: w, pos: pos, title: title, boiler: boiler, word: isWord(w)})
	}
	return dst
}

// cutBody segments a body line by line, marking the tokens of boilerplate
// lines. A line break ends a sentence anyway, so cutting per line gives the
// same words as cutting the whole body.
func (s *segmenter) cutBody(body string, dst []token) []token {
	for line := range strings.Lines(body) {
		dst = s.cut(line, false, isBoilerplateLine(line), dst)
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
	if utf8.RuneCountInString(l) > 80 {
		return false
	}
	return strings.Contains(l, "侵权") || strings.Contains(l, "转载自") || strings.Contains(l, "版权归") || strings.Contains(l, "版权所有")
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
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}
