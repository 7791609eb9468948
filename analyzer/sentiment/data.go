package sentiment

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Example is one labelled text.
type Example struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Label string `json:"label"` // Positive, Neutral or Negative
	Set   string `json:"set"`
}

// Split is where a row goes: trained on, used to calibrate, or held out for
// measuring. It is a function of the row's text alone (see SplitOf).
type Split uint8

// Splits.
const (
	SplitTrain Split = iota
	SplitCalibration
	SplitHeldOut
)

// SplitOf assigns a text to a split by the FNV-1a hash of its key (the text
// without whitespace): one tenth is calibration; of the sets marked
// held-out, another tenth is held out. A text repeated in a set lands in
// one split, so a duplicate cannot leak the held-out rows into training.
func SplitOf(text string, heldOutSet bool) Split {
	h := fnv.New64a()
	_, _ = io.WriteString(h, key(text))
	switch h.Sum64() % 10 {
	case 1:
		return SplitCalibration
	case 0:
		if heldOutSet {
			return SplitHeldOut
		}
	}
	return SplitTrain
}

// key is the identity of a text for splitting and de-duplication.
func key(text string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\ufeff' {
			return -1
		}
		return r
	}, text)
}

// SetSpec describes one labelled file of the shared data directory.
type SetSpec struct {
	Name    string
	File    string
	Licence string
	// Field is the JSON field holding the label; Labels maps its values to
	// classes (values not in the map, such as SMP2020's surprise, which can
	// be glad or shocked, are not used).
	Field  string
	Labels map[string]string
	// HeldOut sets have a tenth of their rows held out for measuring.
	HeldOut bool
	// Review sets are product or service reviews rather than public
	// opinion; their weight in training is capped (Options.ReviewShare).
	Review bool
	// Research sets may be used for research only and are read only when
	// Options.Research is set. ResearchCategories are the categories
	// (field "cat") of a set that are research-only.
	Research           bool
	ResearchCategories []string
}

var binaryLabels = map[string]string{"pos": Positive, "neg": Negative}

// Sets are the labelled files Train knows, in the order they are read.
// ChnSentiCorp is research-only (Baidu LUGE agreement); the 酒店, 计算机
// and 书籍 categories of online_shopping_10_cats are, row for row, largely
// the ChnSentiCorp hotel/notebook/book corpus (6,394 of their 16,679 rows are
// ChnSentiCorp rows, including 1,089 of its 1,160 validation rows), so they
// are treated as ChnSentiCorp.
var Sets = []SetSpec{
	{Name: "weibo2018", File: "weibo2018_train.jsonl", Licence: "no licence stated (dengxiuqi/weibo2018)",
		Field: "label", Labels: binaryLabels, HeldOut: true},
	{Name: "smp2020", File: "smp2020_ewect_train.jsonl", Licence: "competition data, no licence stated (SMP2020-EWECT)",
		Field: "emotion", HeldOut: true, Labels: map[string]string{
			"happy": Positive, "neural": Neutral, "angry": Negative, "sad": Negative, "fear": Negative}},
	{Name: "clue_emotion", File: "clue_emotion_valid.jsonl", Licence: "no licence stated (CLUE emotion 2020)",
		Field: "emotion", Labels: map[string]string{
			"like": Positive, "happiness": Positive, "sadness": Negative, "anger": Negative, "disgust": Negative, "fear": Negative}},
	{Name: "waimai_10k", File: "waimai_10k.jsonl", Licence: "no licence stated (SophonPlus/ChineseNlpCorpus)",
		Field: "label", Labels: binaryLabels, Review: true},
	{Name: "online_shopping", File: "online_shopping_10_cats.jsonl", Licence: "no licence stated (SophonPlus/ChineseNlpCorpus); 酒店/计算机/书籍 treated as ChnSentiCorp",
		Field: "label", Labels: binaryLabels, Review: true, ResearchCategories: []string{"酒店", "计算机", "书籍"}},
	{Name: "chnsenticorp", File: "chnsenticorp_train.jsonl", Licence: "Baidu LUGE agreement: non-commercial research use only",
		Field: "label", Labels: binaryLabels, Review: true, Research: true},
}

// EvaluationFiles are never trained on: a training row with the same text
// as a row of one of them is dropped, whichever set it comes from.
var EvaluationFiles = []string{"chnsenticorp_validation.jsonl"}

// Data is what LoadData read: rows by split, and per-set counts.
type Data struct {
	Train, Calibration []Example
	// HeldOut are the held-out rows by set name, plus the evaluation files
	// by their base name without .jsonl.
	HeldOut map[string][]Example
	Sets    []SetInfo
}

// LoadData reads the sets in dir. A missing file is skipped (and absent from
// Data.Sets); a malformed line is an error naming the file and line.
// corrections (may be nil) are officers' corrections in JSON lines
// {"text","label"}; they are all trained on.
func LoadData(dir string, research bool, corrections io.Reader) (*Data, error) {
	d := &Data{HeldOut: map[string][]Example{}}
	evalKeys := map[string]bool{}
	for _, f := range EvaluationFiles {
		name := strings.TrimSuffix(f, ".jsonl")
		rows, err := readRows(filepath.Join(dir, f), "label")
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for i, r := range rows {
			c, ok := binaryLabels[r.label]
			if !ok {
				return nil, fmt.Errorf("cannot read %s line %d: label %q, want pos or neg", f, r.line, r.label)
			}
			evalKeys[key(r.text)] = true
			d.HeldOut[name] = append(d.HeldOut[name], Example{ID: fmt.Sprintf("%s-%d", name, i+1), Text: r.text, Label: c, Set: name})
		}
	}
	// First pass: the held-out rows of every set, so that a training row of
	// another set with the same text can be dropped too.
	type setRows struct {
		spec SetSpec
		rows []row
	}
	var all []setRows
	for _, s := range Sets {
		if s.Research && !research {
			continue
		}
		rows, err := readRows(filepath.Join(dir, s.File), s.Field)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		all = append(all, setRows{s, rows})
		if s.HeldOut {
			for _, r := range rows {
				if SplitOf(r.text, true) == SplitHeldOut {
					evalKeys[key(r.text)] = true
				}
			}
		}
	}
	for _, sr := range all {
		s := sr.spec
		info := SetInfo{Name: s.Name, Licence: s.Licence}
		for _, r := range sr.rows {
			c, ok := s.Labels[r.label]
			if !ok || strings.TrimSpace(r.text) == "" {
				continue
			}
			if !research && contains(s.ResearchCategories, r.cat) {
				continue
			}
			ex := Example{ID: fmt.Sprintf("%s-%d", s.Name, r.line), Text: r.text, Label: c, Set: s.Name}
			switch SplitOf(r.text, s.HeldOut) {
			case SplitHeldOut:
				d.HeldOut[s.Name] = append(d.HeldOut[s.Name], ex)
				info.HeldOut++
			case SplitCalibration:
				if evalKeys[key(r.text)] {
					info.Excluded++
					continue
				}
				d.Calibration = append(d.Calibration, ex)
				info.Calibration++
			default:
				if evalKeys[key(r.text)] {
					info.Excluded++
					continue
				}
				d.Train = append(d.Train, ex)
				info.Train++
			}
		}
		d.Sets = append(d.Sets, info)
	}
	if corrections != nil {
		rows, err := ReadCorrections(corrections)
		if err != nil {
			return nil, err
		}
		d.Train = append(d.Train, rows...)
		d.Sets = append(d.Sets, SetInfo{Name: CorrectionsSet, Licence: "officers' corrections, the deploying office's own data", Train: len(rows)})
	}
	if len(d.Train) == 0 {
		return nil, fmt.Errorf("cannot train: no labelled rows found in %s", dir)
	}
	return d, nil
}

// CorrectionsSet is the set name of officers' corrections.
const CorrectionsSet = "corrections"

// ReadCorrections reads officers' corrections: JSON lines
// {"text": ..., "label": "positive|neutral|negative"}.
func ReadCorrections(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c struct {
			Text  string `json:"text"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("cannot parse correction line %d: %w", n, err)
		}
		switch c.Label {
		case Positive, Neutral, Negative:
		default:
			return nil, fmt.Errorf("cannot use correction line %d: label %q, want positive, neutral or negative", n, c.Label)
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, fmt.Errorf("cannot use correction line %d: empty text", n)
		}
		out = append(out, Example{ID: fmt.Sprintf("%s-%d", CorrectionsSet, n), Text: c.Text, Label: c.Label, Set: CorrectionsSet})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read corrections: %w", err)
	}
	return out, nil
}

type row struct {
	line             int
	text, label, cat string
}

// readRows reads a JSON-lines file of {"text", field, "cat"?} objects.
func readRows(path, field string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open training data %s: %w", path, err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("cannot parse %s line %d: %w", path, n, err)
		}
		text, _ := m["text"].(string)
		label, _ := m[field].(string)
		cat, _ := m["cat"].(string)
		rows = append(rows, row{line: n, text: strings.TrimPrefix(text, "\ufeff"), label: label, cat: cat})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return rows, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isReviewSet reports whether the named set is one of the review sets.
func isReviewSet(name string) bool {
	for _, s := range Sets {
		if s.Name == name {
			return s.Review
		}
	}
	return false
}
