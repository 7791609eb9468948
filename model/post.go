package model

import "time"

// Sentiment is the polarity of a post with a score in [0,1]: the model's
// confidence in Label. Label is positive, neutral or negative.
type Sentiment struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
	// Negativity is P(negative) in [0,1]; the responder sums it.
	Negativity float64 `json:"negativity"`
	// Evidence are the words the rule layer weighed, strongest first (at
	// most MaxEvidence), so an officer sees why: 爆炸, 欠薪, 满意; a word a
	// negator turned around is shown with it (否定·伤亡 for 未造成伤亡).
	// Empty when no lexicon word was found and the trained model alone
	// read the wording.
	Evidence []string `json:"evidence,omitempty"`
}

// MaxEvidence bounds Sentiment.Evidence and Topic.Terms.
const MaxEvidence = 5

// Sentiment labels.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// Topic is one 政务 focus area with a score in [0,1].
type Topic struct {
	Name  string  `json:"name"`
	Score float64 `json:"score"`
	// Terms are the topic's keywords found in the text, strongest
	// contribution first (at most MaxEvidence): why the topic was given.
	Terms []string `json:"terms,omitempty"`
}

// Keyword is a salient word with its weight (TF-IDF).
type Keyword struct {
	Word   string  `json:"word"`
	Weight float64 `json:"weight"`
}

// Region is an administrative division (GB/T 2260 code) tied to a post.
// Role is publisher (where the source is), mentioned, or event (where the
// text says the event happened).
type Region struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Entity is a named organisation, person or place found in a post.
type Entity struct {
	Text string `json:"text"`
	Kind string `json:"kind"` // org, person, place
}

// Post is an analysed document: what the analyzer publishes to TopicPosts
// and stores. The Document fields are inline in its JSON.
type Post struct {
	Document
	AnalyzedAt time.Time `json:"analyzed_at"`
	Sentiment  Sentiment `json:"sentiment"`
	Topics     []Topic   `json:"topics"`
	Keywords   []Keyword `json:"keywords"`
	Regions    []Region  `json:"regions"`
	Entities   []Entity  `json:"entities"`
	// SimHash is a 64-bit near-duplicate fingerprint of the body.
	SimHash uint64 `json:"simhash,string"`
	// Flags are quality flags: spam, injected, short, not_chinese.
	Flags []string `json:"flags"`
	// Schemes are the monitoring schemes (监测方案) the post matched.
	Schemes []SchemeHit `json:"schemes,omitempty"`
}

// SchemeHit is a monitoring scheme a post matched, with the words that
// matched, for explaining it to an officer. Alert is set when the scheme
// is marked for alerts: the responder opens an incident for it.
type SchemeHit struct {
	ID    string   `json:"id"`
	Name  string   `json:"name,omitempty"`
	Terms []string `json:"terms"`
	Alert bool     `json:"alert,omitempty"`
}
