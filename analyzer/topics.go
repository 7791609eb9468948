package analyzer

import (
	"bufio"
	"cmp"
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/yuqing-project/yuqing/model"
)

//go:embed data/topics.tsv
var topicsData string

// Topic tagging parameters.
const (
	// MaxTopics is the most topics a post carries.
	MaxTopics = 5
	// TopicThreshold is the least score a topic needs to be tagged. One
	// keyword of weight 1 in the body of a short post scores 0.49; one of
	// weight 0.5 scores 0.28 and needs a second keyword.
	TopicThreshold = 0.4
	// topicScale sets how fast the score saturates: 1 − exp(−raw/topicScale).
	topicScale = 1.5
	// topicLengthNorm is the number of word tokens beyond which raw scores
	// are divided by sqrt(tokens/topicLengthNorm), so that a long document
	// does not collect every topic from passing mentions.
	topicLengthNorm = 400
)

// Topics is a table of 政务 focus areas, each with weighted keywords. It is
// read-only once loaded and safe for concurrent use.
type Topics struct {
	names   []string              // in file order
	byWord  map[string]*topicWord // lower-cased keyword → topics it points to
	filter  *keyFilter            // of byWord's keys
	keyword int                   // number of (topic, keyword) pairs
}

// topicWord is one keyword of the table: its number (0, 1, … in file
// order) and the topics it points to.
type topicWord struct {
	id     int
	word   string
	topics []topicKeyword
}

type topicKeyword struct {
	topic  int // index into names
	weight float64
}

// DefaultTopics returns the embedded topic table (data/topics.tsv).
func DefaultTopics() *Topics {
	t, err := LoadTopics(strings.NewReader(topicsData))
	if err != nil {
		panic("BUG: embedded topic table is invalid: " + err.Error())
	}
	return t
}

// LoadTopics reads a topic table: one topic<TAB>keyword<TAB>weight a line,
// weight in (0,1], blank lines and lines starting with # ignored. It is the
// format of the embedded data/topics.tsv, so an officer can copy that file,
// change it and load it without recompiling.
func LoadTopics(r io.Reader) (*Topics, error) {
	t := &Topics{byWord: map[string]*topicWord{}}
	index := map[string]int{}
	seen := map[[2]string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("cannot parse topic line %d %q: want topic<TAB>keyword<TAB>weight", n, line)
		}
		name, kw := strings.TrimSpace(f[0]), strings.ToLower(strings.TrimSpace(f[1]))
		if name == "" || kw == "" {
			return nil, fmt.Errorf("cannot parse topic line %d %q: topic and keyword must not be empty", n, line)
		}
		w, err := strconv.ParseFloat(strings.TrimSpace(f[2]), 64)
		if err != nil || w <= 0 || w > 1 {
			return nil, fmt.Errorf("cannot parse topic line %d %q: weight %q is not in (0,1]", n, line, f[2])
		}
		if seen[[2]string{name, kw}] {
			return nil, fmt.Errorf("cannot parse topic line %d %q: keyword %q is already listed for %s", n, line, kw, name)
		}
		seen[[2]string{name, kw}] = true
		i, ok := index[name]
		if !ok {
			i = len(t.names)
			index[name] = i
			t.names = append(t.names, name)
		}
		tw := t.byWord[kw]
		if tw == nil {
			tw = &topicWord{id: len(t.byWord), word: kw}
			t.byWord[kw] = tw
		}
		tw.topics = append(tw.topics, topicKeyword{topic: i, weight: w})
		t.keyword++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read topic table: %w", err)
	}
	if len(t.names) == 0 {
		return nil, fmt.Errorf("cannot use an empty topic table")
	}
	t.filter = newKeyFilter(t.byWord)
	return t, nil
}

// Names returns the topic names in file order.
func (t *Topics) Names() []string { return slices.Clone(t.names) }

// terms returns the keywords of topic among hit, by their contribution to
// its score (then by word), at most model.MaxEvidence.
func (t *Topics) terms(topic int, hit []*topicWord, counts []float64) []string {
	type term struct {
		word string
		c    float64
	}
	var ts []term
	for _, tw := range hit {
		for _, tk := range tw.topics {
			if tk.topic == topic {
				ts = append(ts, term{tw.word, tk.weight * (1 + math.Log(counts[tw.id]))})
			}
		}
	}
	slices.SortFunc(ts, func(a, b term) int {
		if c := cmp.Compare(b.c, a.c); c != 0 {
			return c
		}
		return strings.Compare(a.word, b.word)
	})
	out := make([]string, 0, min(len(ts), model.MaxEvidence))
	for _, x := range ts[:min(len(ts), model.MaxEvidence)] {
		out = append(out, x.word)
	}
	return out
}

// tag scores every topic on tokens and returns those at or above
// TopicThreshold, best first, at most MaxTopics.
func (t *Topics) tag(tokens []token, wordTokens int) []model.Topic {
	// counts holds the weighted count of each keyword (by id), hit the
	// keywords found, first found first.
	var (
		counts []float64
		hit    []*topicWord
	)
	forEachMatchIn(tokens, t.byWord, t.filter, func(i, n int, tw *topicWord) {
		c := 1.0
		if tokens[i].title {
			c = titleWeight
		}
		if counts == nil {
			counts = make([]float64, len(t.byWord))
		}
		if counts[tw.id] == 0 {
			hit = append(hit, tw)
		}
		counts[tw.id] += c
	})
	if len(hit) == 0 {
		return nil
	}
	raw := make([]float64, len(t.names))
	for _, tw := range hit {
		for _, tk := range tw.topics {
			// Repeating a keyword adds less and less: 1 + ln(count).
			raw[tk.topic] += tk.weight * (1 + math.Log(counts[tw.id]))
		}
	}
	norm := math.Max(1, math.Sqrt(float64(wordTokens)/topicLengthNorm))
	var out []model.Topic
	for i, r := range raw {
		if s := 1 - math.Exp(-r/norm/topicScale); s >= TopicThreshold {
			out = append(out, model.Topic{Name: t.names[i], Score: round4(s), Terms: t.terms(i, hit, counts)})
		}
	}
	slices.SortStableFunc(out, func(a, b model.Topic) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	if len(out) > MaxTopics {
		out = out[:MaxTopics]
	}
	return out
}
