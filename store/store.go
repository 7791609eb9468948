// Package store owns persistence: analysed posts, events and incidents. It
// defines the Store interface that every stage writes through, and its two
// implementations live below it: store/sqlite (the embedded default) and
// store/clickhouse (the distributed deployment). The conformance suite in
// store/storetest runs against both, so they behave the same.
//
// Every write is idempotent: writing the same row twice (as at-least-once
// delivery does) leaves one row, and of two versions of a row the higher
// Version wins, whatever order they arrive in.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/yuqing-project/yuqing/bus"
)

// ErrNotFound is returned when a row asked for by ID does not exist.
var ErrNotFound = errors.New("not found")

// Store is the persistence contract. Implementations are safe for concurrent
// use. A write returns only when its rows are durable; after it returns nil,
// a crash loses nothing of it.
type Store interface {
	// UpsertPosts writes posts by ID. A post whose stored Version is higher
	// than the one written is left as it is.
	UpsertPosts(ctx context.Context, posts []bus.Post) error
	// GetPost returns one post by ID, or ErrNotFound.
	GetPost(ctx context.Context, id string) (bus.Post, error)
	// QueryPosts returns the page of posts matching q, newest published
	// first, with the total number of matches.
	QueryPosts(ctx context.Context, q PostQuery) (PostPage, error)
	// CountPosts returns how many distinct posts are stored.
	CountPosts(ctx context.Context) (int64, error)

	// UpsertEvents writes events by ID, higher Version winning.
	UpsertEvents(ctx context.Context, events []Event) error
	// GetEvent returns one event by ID, or ErrNotFound.
	GetEvent(ctx context.Context, id string) (Event, error)
	// ListEvents returns events whose LastSeen is at or after since, most
	// recently seen first, at most limit (0: no limit). Events merged into
	// another are left out.
	ListEvents(ctx context.Context, since time.Time, limit int) ([]Event, error)

	// UpsertIncidents writes incidents by ID, higher Version winning.
	UpsertIncidents(ctx context.Context, incidents []Incident) error
	// GetIncident returns one incident by ID, or ErrNotFound.
	GetIncident(ctx context.Context, id string) (Incident, error)
	// ListIncidents returns incidents matching q, most recently opened first.
	ListIncidents(ctx context.Context, q IncidentQuery) ([]Incident, error)

	// Close releases the store's resources.
	Close() error
}

// PostQuery selects posts. Zero fields do not filter.
type PostQuery struct {
	// Text is a full-text query: posts whose title or body contains it
	// (Chinese substring match, so 爆炸 finds 化工厂爆炸).
	Text      string
	SourceID  string
	Sentiment string // positive, neutral, negative
	Since     time.Time
	Until     time.Time
	Limit     int // 0 means 50; at most 1000
	Offset    int
}

// Page sizes of a PostQuery.
const (
	DefaultPostLimit = 50
	MaxPostLimit     = 1000
)

// Page returns the limit and offset q asks for: 0 (or less) means
// DefaultPostLimit, more than MaxPostLimit means MaxPostLimit, and a
// negative offset means 0.
func (q PostQuery) Page() (limit, offset int) {
	limit = q.Limit
	if limit <= 0 {
		limit = DefaultPostLimit
	}
	return min(limit, MaxPostLimit), max(q.Offset, 0)
}

// PostPage is one page of a post query.
type PostPage struct {
	Total int64
	Items []bus.Post
}

// Event is a cluster of posts about one happening.
type Event struct {
	ID      string `json:"id"`
	Version uint64 `json:"version"`
	Title   string `json:"title"`
	// FirstPostID is the earliest post of the event: who published first.
	FirstPostID string    `json:"first_post_id"`
	FirstSeen   time.Time `json:"first_seen"` // earliest publish time
	LastSeen    time.Time `json:"last_seen"`  // latest publish time
	PostCount   int       `json:"post_count"`
	// NegativeCount is how many posts were negative.
	NegativeCount int `json:"negative_count"`
	// SourceCount is how many distinct sources published about it.
	SourceCount int `json:"source_count"`
	// Heat is the event's heat index (see responder for the formula).
	Heat float64 `json:"heat"`
	// Keywords are the event's top keywords, its topical fingerprint.
	Keywords []string `json:"keywords"`
	// SimHashes are fingerprints of its distinct stories.
	SimHashes []uint64 `json:"simhashes"`
	// PostIDs are its member posts, first published first.
	PostIDs []string `json:"post_ids"`
	// Sources are the source IDs that published about it.
	Sources []string `json:"sources"`
	// IncidentID is set once the event opened an incident.
	IncidentID string `json:"incident_id,omitempty"`
	// MergedInto is set when the event turned out to be part of another:
	// its posts were moved there. ListEvents leaves merged events out;
	// GetEvent returns them, so a link to one can be followed.
	MergedInto string `json:"merged_into,omitempty"`
}

// Incident states (the lifecycle 待研判 → 已确认 → 处置中 → 已回应 → 已办结, or 误报).
const (
	StatePending    = "待研判"
	StateConfirmed  = "已确认"
	StateHandling   = "处置中"
	StateResponded  = "已回应"
	StateClosed     = "已办结"
	StateFalseAlarm = "误报"
)

// Incident is an event that needs the government to answer.
type Incident struct {
	ID      string `json:"id"`
	Version uint64 `json:"version"`
	EventID string `json:"event_id"`
	Title   string `json:"title"`
	// Level is the suggested or confirmed level: I, II, III, IV, or empty
	// when not yet graded.
	Level    string    `json:"level"`
	State    string    `json:"state"`
	OpenedAt time.Time `json:"opened_at"`
	// ClockStart is when the response clock starts: the earlier of the
	// event time and the detection time.
	ClockStart time.Time `json:"clock_start"`
	// Reason says why it was opened, in Chinese for the duty staff.
	Reason string `json:"reason"`
	// Open is true while State is not closed or a false alarm.
	Open bool `json:"open"`
}

// IncidentQuery selects incidents. Zero fields do not filter.
type IncidentQuery struct {
	OnlyOpen bool
	Limit    int // 0 means 100
}
