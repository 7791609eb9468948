package model

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

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
	PublishedAtConfidence float64 `json:"published_at_confidence,omitempty"`
	// PublishedUncertain is set when PublishedAt rests on a weak clue only
	// (an unlabelled date, the URL's date, a date that may be the page
	// chrome's, a month, or the fetch time): the response clock then
	// starts from when the system first saw the post (FetchedAt of the
	// first version), as the rules allow, not from PublishedAt.
	PublishedUncertain bool      `json:"published_uncertain,omitempty"`
	FetchedAt          time.Time `json:"fetched_at"`
	// Injected is set when the page carried injected spam (gambling or
	// lottery links on a hacked portal) that the crawler stripped.
	Injected bool `json:"injected,omitempty"`
	// ContentHash is a hash of title and body; an unchanged page has the
	// same hash and is not published again.
	ContentHash string `json:"content_hash"`
	Encoding    string `json:"encoding,omitempty"` // the page's original charset
}

// DocumentID returns the deterministic ID of a document: the first 16 bytes
// of SHA-256 of its key (canonical URL, or source + native ID), in hex.
func DocumentID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}
