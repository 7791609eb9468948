package model

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// SentimentCorrection is an officer's correction of the sentiment the
// analyzer gave a post. Corrections are append-only, like incident
// history: a post corrected twice has two corrections, and the latest one
// (greatest At, ties broken by the greater ID) is the post's corrected
// sentiment. The stored analysis of the post is never changed, so a
// re-analysis of the post (a redelivered or re-crawled document) does not
// lose the correction; readers overlay it.
//
// A correction keeps the post's title and body as they were when it was
// made, so training on corrections needs nothing but the corrections.
type SentimentCorrection struct {
	// ID identifies the correction (the console derives it from the post,
	// the person and the time), so appending it again stores it once.
	ID     string `json:"id"`
	PostID string `json:"post_id"`
	// Label is the sentiment the officer gave: positive, neutral or
	// negative.
	Label string    `json:"label"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	// Note says why, in the officer's words; optional.
	Note string `json:"note,omitempty"`
	// ModelLabel is the label the analyzer had given the post when it was
	// corrected.
	ModelLabel string `json:"model_label"`
	Title      string `json:"title"`
	Body       string `json:"body"`
}

// Limits of a correction's free-text fields, in characters.
const (
	MaxByRunes   = 64
	MaxNoteRunes = 500
)

// Validate returns what is wrong with c, naming the fields (label, by,
// note) as the API does; nil if c may be stored. A store refuses to
// append a correction that does not validate.
func (c *SentimentCorrection) Validate() error {
	var errs []error
	switch c.Label {
	case Positive, Neutral, Negative:
	default:
		errs = append(errs, fmt.Errorf("invalid field label=%q: want positive, neutral or negative", c.Label))
	}
	errs = append(errs, validateBy(c.By, "who corrects the sentiment"))
	if n := utf8.RuneCountInString(c.Note); n > MaxNoteRunes {
		errs = append(errs, fmt.Errorf("invalid field note: %d characters, at most %d", n, MaxNoteRunes))
	}
	if c.ID == "" || c.PostID == "" {
		errs = append(errs, errors.New("BUG: a correction needs an id and a post_id"))
	}
	return errors.Join(errs...)
}

// validateBy checks the field that names a person: required, on one line,
// at most MaxByRunes characters.
func validateBy(by, who string) error {
	switch {
	case strings.TrimSpace(by) == "":
		return fmt.Errorf("missing field by: %s", who)
	case strings.ContainsAny(by, "\r\n"):
		return fmt.Errorf("invalid field by=%q: must be one line", by)
	case utf8.RuneCountInString(by) > MaxByRunes:
		return fmt.Errorf("invalid field by=%q: at most %d characters", by, MaxByRunes)
	}
	return nil
}

// TrainingText is the text the sentiment model learns the correction
// from: the title and the body on separate lines, as the analyzer reads a
// post.
func (c *SentimentCorrection) TrainingText() string {
	title, body := strings.TrimSpace(c.Title), strings.TrimSpace(c.Body)
	switch {
	case title == "":
		return body
	case body == "":
		return title
	}
	return title + "\n" + body
}

// trainingLine is one line of the corrections file the trainer reads
// (yuqing train sentiment -corrections; analyzer/sentiment.ReadCorrections).
type trainingLine struct {
	Text  string `json:"text"`
	Label string `json:"label"`
}

// WriteTrainingLines writes cs as the JSON lines {"text","label"} that
// `yuqing train sentiment -corrections FILE` reads, in the order given,
// and returns how many lines it wrote. A correction of a post without any
// text teaches the model nothing, and the trainer refuses an empty text, so
// it is left out.
func WriteTrainingLines(w io.Writer, cs []SentimentCorrection) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	for i := range cs {
		text := cs[i].TrainingText()
		if text == "" {
			continue
		}
		if err := enc.Encode(trainingLine{Text: text, Label: cs[i].Label}); err != nil {
			return n, fmt.Errorf("cannot write correction %q: %w", cs[i].ID, err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("cannot write corrections: %w", err)
	}
	return n, nil
}
