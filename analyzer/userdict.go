package analyzer

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// UserWord is a word officers added to the segmenter at run time (the
// console's user dictionary): a new place, an organisation, a person in the
// news, a slang term, that must stay one token for keywords, event
// matching, schemes and entities.
type UserWord struct {
	Word string
	// Freq is the word's frequency on gse's scale; 0 means
	// DefaultUserWordFreq.
	Freq float64
	// POS is its part of speech (gse's tags: nr person, ns place, nt
	// organisation, nz other proper noun …); "" means nz.
	POS string
}

// DefaultUserWordFreq is the frequency of a user word given without one:
// the domain dictionary's, enough to beat any split of the word.
const DefaultUserWordFreq = 2000

// SetUserWords replaces the user dictionary: documents analysed after it
// returns are segmented with gse's dictionary, the domain dictionary and
// exactly these words (a word left out of words since the last call is no
// longer one token, unless gse or the domain dictionary has it). The
// segmenter is rebuilt aside (about a second) and swapped in atomically, so
// it is safe to call while Analyze runs; the same words as now rebuild
// nothing. On an error nothing changes.
func (a *Analyzer) SetUserWords(words []UserWord) error {
	for i, w := range words {
		if w.Word == "" || strings.IndexFunc(w.Word, unicode.IsSpace) >= 0 {
			return fmt.Errorf("user word %d %q: must be non-empty and without white space", i, w.Word)
		}
		if w.Freq < 0 {
			return fmt.Errorf("user word %q: frequency %v is negative", w.Word, w.Freq)
		}
	}
	if slices.Equal(a.seg.Load().user, words) {
		a.m.dictLoads.WithLabelValues("ok").Inc()
		return nil
	}
	a.placesMu.Lock()
	err := a.rebuildSegmenter(words)
	a.placesMu.Unlock()
	if err != nil {
		return err
	}
	a.m.userWords.Set(float64(len(words)))
	a.m.dictLoads.WithLabelValues("ok").Inc()
	return nil
}

// addUser adds the user words to s.
func (s *segmenter) addUser(words []UserWord) error {
	for _, w := range words {
		word := strings.ToLower(w.Word) // gse lower-cases Latin letters when it cuts
		freq, pos := w.Freq, w.POS
		if freq == 0 {
			freq = DefaultUserWordFreq
		}
		if pos == "" {
			pos = "nz"
		}
		if err := s.addWord(word, freq, pos); err != nil {
			return fmt.Errorf("cannot add user word %q: %w", w.Word, err)
		}
	}
	return nil
}
