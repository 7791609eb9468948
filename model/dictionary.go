package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DictionaryEntry is one change of the user dictionary: officers add words
// the segmenter should know (a new place, an organisation, a person in the
// news) or remove them, while the system runs. The dictionary is an
// append-only log of changes; of the entries for one word, the latest
// (greatest At, ties broken by the greater ID) says whether the word is in
// the dictionary and with which frequency and part of speech.
type DictionaryEntry struct {
	// ID identifies the change (the console derives it from the word, the
	// person and the time), so appending it again stores it once.
	ID   string `json:"id"`
	Word string `json:"word"`
	// Freq is the word's frequency for the segmenter; 0 leaves it to the
	// analyzer's default for user words.
	Freq float64 `json:"freq,omitempty"`
	// POS is the word's part of speech, one of POSTags, or empty.
	POS string    `json:"pos,omitempty"`
	By  string    `json:"by"`
	At  time.Time `json:"at"`
	// Removed is set on a change that takes the word out.
	Removed bool `json:"removed,omitempty"`
}

// Limits of a dictionary entry.
const (
	// MaxWordRunes bounds a word: long enough for the full name of an
	// organisation (中华人民共和国国务院新闻办公室 is 15), short enough that
	// a sentence pasted by mistake is refused.
	MaxWordRunes = 32
	// MaxWordFreq bounds the frequency; gse's own dictionary stays below
	// one million.
	MaxWordFreq = 1e8
)

// POSTags are the part-of-speech tags a user word may carry: the tag set
// of gse's dictionary and POS segmenter (jieba's, after ICTCLAS: n noun,
// nr person, ns place, nt organisation, nz other proper noun, v verb, ...,
// and eng for Latin-script words).
var POSTags = []string{
	"a", "ad", "ag", "an", "b", "bg", "c", "d", "df", "dg", "e", "en", "eng", "f", "g", "h", "i", "in", "j", "jn",
	"k", "l", "ln", "m", "mg", "mq", "n", "ng", "nr", "nrfg", "nrt", "ns", "nt", "nz", "o", "p", "q", "qe", "qg",
	"r", "rg", "rr", "rz", "s", "t", "tg", "u", "ud", "ug", "uj", "ul", "uv", "uz", "v", "vd", "vg", "vi", "vn",
	"vq", "w", "x", "y", "yg", "z", "zg",
}

// ValidateWord returns what is wrong with word as a user-dictionary word,
// naming the field as the API does; nil if it may be stored.
func ValidateWord(word string) error {
	switch n := utf8.RuneCountInString(word); {
	case word == "":
		return errors.New("missing field word: the word to add")
	case !utf8.ValidString(word):
		return errors.New("invalid field word: not valid UTF-8")
	case strings.IndexFunc(word, unicode.IsSpace) >= 0:
		return fmt.Errorf("invalid field word=%q: must not contain white space", word)
	case strings.IndexFunc(word, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) >= 0:
		return fmt.Errorf("invalid field word=%q: must not contain control characters", word)
	case n > MaxWordRunes:
		return fmt.Errorf("invalid field word=%q: %d characters, at most %d", word, n, MaxWordRunes)
	}
	return nil
}

// Validate returns what is wrong with e, naming the fields (word, freq,
// pos, by) as the API does; nil if e may be stored. A store refuses to
// append an entry that does not validate.
func (e *DictionaryEntry) Validate() error {
	errs := []error{ValidateWord(e.Word)}
	if math.IsNaN(e.Freq) || e.Freq < 0 || e.Freq > MaxWordFreq {
		errs = append(errs, fmt.Errorf("invalid field freq=%v: must be between 0 and %g (0: the analyzer's default)", e.Freq, float64(MaxWordFreq)))
	}
	if e.POS != "" && !slices.Contains(POSTags, e.POS) {
		errs = append(errs, fmt.Errorf("invalid field pos=%q: want one of gse's tags (%s) or empty", e.POS, strings.Join(POSTags, " ")))
	}
	errs = append(errs, validateBy(e.By, "who changes the dictionary"))
	if e.ID == "" {
		errs = append(errs, errors.New("BUG: a dictionary entry needs an id"))
	}
	return errors.Join(errs...)
}

// DictionaryVersion is the change marker of the user dictionary: cheap to
// read, and different whenever the dictionary may have changed.
type DictionaryVersion struct {
	// Changes is how many distinct entries were ever appended. The log is
	// append-only, so it only grows: every change makes it larger.
	Changes int64 `json:"changes"`
	// LastChange is the latest At of any entry (zero for an empty log),
	// for showing when the dictionary last changed.
	LastChange time.Time `json:"last_change,omitzero"`
}

// UserDictionary is the current user dictionary with the version it was
// read at.
type UserDictionary struct {
	Version DictionaryVersion `json:"version"`
	// Words are the words in the dictionary now, each its latest entry,
	// sorted by word (bytewise). Removed words are not in it.
	Words []DictionaryEntry `json:"words"`
}
