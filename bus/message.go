// Package bus owns the Kafka contract of yuqing: the topic names, the
// versioned message types that cross them, the at-least-once producer and
// consumer, and the embedded Kafka-protocol broker used when no external
// brokers are configured.
//
// Every message is JSON. A topic name carries its major schema version
// (yuqing.docs.v1); a breaking change to a message type creates a new topic,
// so old and new stages can run side by side during an upgrade. Additive
// changes keep the topic and bump the Schema field.
package bus

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Topic names. Documents are keyed by document ID so that every version of
// one page lands on one partition in order; posts likewise.
const (
	TopicDocs       = "yuqing.docs.v1"
	TopicPosts      = "yuqing.posts.v1"
	TopicDeadLetter = "yuqing.deadletter.v1"
)

// SchemaVersion is the current minor version of the v1 messages. Version 2
// added Document.PublishedAtConfidence and Document.Injected.
const SchemaVersion = 2

// Authority tiers of a source, from most to least authoritative. They are
// shown to users, so they are Chinese.
const (
	TierOfficial   = "官方"
	TierCentral    = "中央媒体"
	TierProvincial = "省级媒体"
	TierLocal      = "地方媒体"
	TierForum      = "论坛"
	TierSelfMedia  = "自媒体"
)

// Source kinds.
const (
	KindPortal = "portal" // government portal
	KindNews   = "news"   // news site
	KindForum  = "forum"  // message board, forum
	KindFeed   = "feed"   // RSS or Atom feed
	KindAPI    = "api"    // JSON API
)

// Document is one version of one crawled page: what the crawler publishes to
// TopicDocs. It is owned by the consumer once delivered.
type Document struct {
	Schema int `json:"schema"`
	// ID is deterministic: DocumentID of the canonical URL (or of source +
	// native ID where a source has one), so a re-crawl never creates a
	// second document.
	ID string `json:"id"`
	// Version orders versions of one document: a changed page gets a higher
	// version. It is the fetch time in Unix nanoseconds of the version.
	Version     uint64    `json:"version"`
	URL         string    `json:"url"`
	SourceID    string    `json:"source_id"`   // the source's key in the config
	SourceName  string    `json:"source_name"` // its display name, e.g. 某县人民政府网
	SourceKind  string    `json:"source_kind"` // one of the Kind constants
	Authority   string    `json:"authority"`   // one of the Tier constants
	RegionCode  string    `json:"region_code,omitempty"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	Author      string    `json:"author,omitempty"`
	Origin      string    `json:"origin,omitempty"` // 来源/转载自
	PublishedAt time.Time `json:"published_at"`
	// PublishedAtSource says how PublishedAt was found (meta, text, url,
	// feed, api, fetch); "fetch" means it was not found and the fetch time
	// stands in for it.
	PublishedAtSource string `json:"published_at_source"`
	// PublishedAtConfidence is how sure the crawler is of PublishedAt, from
	// 0 (the fetch time stood in) to 1 (a machine-readable time with the
	// time of day). The response clock starts from it, so it is shown.
	PublishedAtConfidence float64   `json:"published_at_confidence,omitempty"`
	FetchedAt             time.Time `json:"fetched_at"`
	// Injected is set when the page carried injected spam (gambling or
	// lottery links on a hacked portal) that the crawler stripped.
	Injected bool `json:"injected,omitempty"`
	// ContentHash is a hash of title and body; an unchanged page has the
	// same hash and is not published again.
	ContentHash string `json:"content_hash"`
	Encoding    string `json:"encoding,omitempty"` // the page's original charset
}

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

// DeadLetter wraps a message that could not be processed after its retries.
type DeadLetter struct {
	Topic     string    `json:"topic"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Key       string    `json:"key"`
	Value     []byte    `json:"value"`
	Error     string    `json:"error"`
	Stage     string    `json:"stage"`
	At        time.Time `json:"at"`
}

// DocumentID returns the deterministic ID of a document: the first 16 bytes
// of SHA-256 of its key (canonical URL, or source + native ID), in hex.
func DocumentID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}
