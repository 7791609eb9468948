// Package store owns persistence: analysed posts, events and incidents,
// officers' sentiment corrections and the user dictionary. It
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
	"encoding/json"
	"errors"
	"fmt"
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
	// GetPost returns one post by ID, or ErrNotFound. Posts read back as
	// the analyzer wrote them, Schemes included: an officer's sentiment
	// correction is not applied to them (see PostCorrections).
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

	// AppendHistory appends entries to incidents' histories; an entry
	// whose ID is already stored is not stored again.
	AppendHistory(ctx context.Context, entries []HistoryEntry) error
	// ListHistory returns an incident's history, oldest first (ties by ID).
	ListHistory(ctx context.Context, incidentID string) ([]HistoryEntry, error)

	// AppendDeliveries appends notification deliveries to the delivery
	// log; an entry whose ID is already stored is not stored again.
	AppendDeliveries(ctx context.Context, ds []Delivery) error
	// DeliveryFinal reports whether a final delivery (sent, or failed for
	// good) is recorded under a delivery key.
	DeliveryFinal(ctx context.Context, key string) (bool, error)
	// ListDeliveries returns an incident's deliveries, oldest first.
	ListDeliveries(ctx context.Context, incidentID string) ([]Delivery, error)

	// AppendCorrections appends officers' sentiment corrections; a
	// correction whose ID is already stored is not stored again. It
	// refuses, storing nothing, a batch with a correction that does not
	// Validate. Corrections are append-only: the Store has no call that
	// changes or removes one.
	AppendCorrections(ctx context.Context, cs []SentimentCorrection) error
	// PostCorrections returns the latest correction of each of postIDs
	// that has one, keyed by post ID; posts without a correction are not
	// in the map. Whether the posts exist is not checked.
	PostCorrections(ctx context.Context, postIDs []string) (map[string]SentimentCorrection, error)
	// ListCorrections returns the latest correction of every corrected
	// post, oldest first (by At, ties by ID), so the same corrections give
	// the same list: what the sentiment model is trained on.
	ListCorrections(ctx context.Context) ([]SentimentCorrection, error)

	// AppendDictionary appends changes to the user dictionary; an entry
	// whose ID is already stored is not stored again. It refuses, storing
	// nothing, a batch with an entry that does not Validate.
	AppendDictionary(ctx context.Context, entries []DictionaryEntry) error
	// DictionaryVersion returns the dictionary's change marker. It is
	// cheap (one small aggregate), for a process that polls for changes:
	// when Changes differs from the Changes of the last dictionary it
	// loaded, it calls UserDictionary again.
	DictionaryVersion(ctx context.Context) (DictionaryVersion, error)
	// UserDictionary returns the current user dictionary: the latest entry
	// of every word whose latest entry is not a removal, sorted by word,
	// and the version it reflects. The version is read no later than the
	// words, so the words are at least as new as it: a poller that reloads
	// whenever DictionaryVersion().Changes differs from the loaded
	// Version.Changes never misses a change (it may reload once more than
	// needed). A word the poller loaded before and that is missing now was
	// removed; the poller takes it out of its segmenter.
	UserDictionary(ctx context.Context) (UserDictionary, error)

	// Close releases the store's resources.
	Close() error
}

// PostQuery selects posts. Zero fields do not filter.
type PostQuery struct {
	// Text is a full-text query: posts whose title or body contains it
	// (Chinese substring match, so 爆炸 finds 化工厂爆炸).
	Text     string
	SourceID string
	// Sentiment is positive, neutral or negative: posts whose sentiment
	// is that, as corrected by an officer where a correction exists (the
	// latest correction wins), else as the analyzer labelled it.
	Sentiment string
	// Scheme is a monitoring scheme's ID: posts the analyzer found
	// matching it (bus.Post.Schemes).
	Scheme string
	Since  time.Time
	Until  time.Time
	Limit  int // 0 means 50; at most 1000
	Offset int
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
	// Trigger is the condition that opened it (the first part of Reason),
	// kept apart so Reason can be brought up to date as figures grow.
	Trigger string `json:"trigger,omitempty"`
	// Open is true while State is not closed or a false alarm.
	Open bool `json:"open"`

	// EventTime is when the event happened, when a text says so; zero if
	// unknown. DetectedAt is when its first post was published or seen.
	// ClockAnchor says which of them ClockStart is: earliest, event or
	// detection.
	EventTime   time.Time `json:"event_time,omitzero"`
	DetectedAt  time.Time `json:"detected_at"`
	ClockAnchor string    `json:"clock_anchor"`
	// Kind is "" for a public-opinion incident, "disclosure" for a
	// government disclosure item (政务公开事项: a policy interpretation due,
	// an application for disclosure) tracked on working-day limits.
	Kind string `json:"kind,omitempty"`
	// Category is which must-respond category of the rules applies
	// (e.g. 涉及突发事件处置和自然灾害应对), in Chinese.
	Category string `json:"category,omitempty"`
	// Assignee is who handles it, once assigned.
	Assignee string `json:"assignee,omitempty"`
	// Obligations are the deadlines the incident must meet.
	Obligations []Obligation `json:"obligations"`
	// Effect compares the event before and after the first response.
	Effect *Effect `json:"effect,omitempty"`
	// LevelConfirmed is set once a person set the level; the responder
	// then no longer raises it from the figures in the text.
	LevelConfirmed bool `json:"level_confirmed,omitempty"`
	// AckedAt and AckedBy record the first acknowledgement of its alerts;
	// until then, alerts go up the escalation chain.
	AckedAt time.Time `json:"acked_at,omitzero"`
	AckedBy string    `json:"acked_by,omitempty"`
	// Applied are the IDs of the history entries with people's requests
	// (confirm, assign, record a response, ...) the responder has applied.
	Applied []string `json:"applied,omitempty"`
}

// Obligation states.
const (
	ObligationPending   = "pending"
	ObligationFulfilled = "fulfilled"
	ObligationBreached  = "breached"
	ObligationWaived    = "waived"
)

// Obligation is one deadline an incident must meet, created from a rule.
type Obligation struct {
	// Rule is the rule's ID (R-5H, R-24H, R-48H, D-INTERP, ...).
	Rule string `json:"rule"`
	// Title says what must be done, in Chinese (发布权威信息).
	Title string    `json:"title"`
	DueAt time.Time `json:"due_at"`
	// Provisional is set when the due date was counted on a calendar year
	// whose holiday notice is not loaded yet.
	Provisional bool      `json:"provisional,omitempty"`
	State       string    `json:"state"`
	Evidence    *Evidence `json:"evidence,omitempty"`
	// Late is set when it was fulfilled after it was due.
	Late bool `json:"late,omitempty"`
	// Extended is set once a working-day limit was extended; PausedWorkdays
	// are working days that did not count (third-party consultation).
	Extended       bool `json:"extended,omitempty"`
	PausedWorkdays int  `json:"paused_workdays,omitempty"`
	// BreachedAt is when it was found breached.
	BreachedAt   time.Time `json:"breached_at,omitzero"`
	WaivedReason string    `json:"waived_reason,omitempty"`
	// Notified holds the keys of the reminders, breach notices and
	// escalations already sent for it, so none is sent twice.
	Notified []string `json:"notified,omitempty"`
}

// Evidence is what fulfilled an obligation: an official post found by the
// responder (Auto, pending a person's confirmation) or a response recorded
// by a person.
type Evidence struct {
	URL         string    `json:"url"`
	PostID      string    `json:"post_id,omitempty"`
	Title       string    `json:"title"`
	Source      string    `json:"source"`
	PublishedAt time.Time `json:"published_at"`
	DetectedAt  time.Time `json:"detected_at"`
	Auto        bool      `json:"auto"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
}

// Effect is the effect evaluation (效果评估) of the first response: the
// event's volume, negative share and heat in equal windows before and
// after it.
type Effect struct {
	ResponseAt time.Time     `json:"response_at"`
	Window     time.Duration `json:"window"`
	Before     EffectWindow  `json:"before"`
	After      EffectWindow  `json:"after"`
}

// EffectWindow is the event in one window.
type EffectWindow struct {
	Posts         int     `json:"posts"`
	NegativeShare float64 `json:"negative_share"`
	Heat          float64 `json:"heat"`
}

// incidentDetail is the part of an incident the stores keep as one JSON
// column: what the lifecycle adds to the fixed columns.
type incidentDetail struct {
	EventTime   time.Time    `json:"event_time"`
	DetectedAt  time.Time    `json:"detected_at"`
	ClockAnchor string       `json:"clock_anchor,omitempty"`
	Category    string       `json:"category,omitempty"`
	Assignee    string       `json:"assignee,omitempty"`
	Obligations []Obligation `json:"obligations,omitempty"`
	Effect      *Effect      `json:"effect,omitempty"`
	Applied     []string     `json:"applied,omitempty"`
	AckedAt     time.Time    `json:"acked_at,omitzero"`
	AckedBy     string       `json:"acked_by,omitempty"`
	LevelOK     bool         `json:"level_confirmed,omitempty"`
	Kind        string       `json:"kind,omitempty"`
	Trigger     string       `json:"trigger,omitempty"`
}

// EncodeIncidentDetail returns the JSON column that holds in's lifecycle
// fields (used by the store implementations).
func EncodeIncidentDetail(in *Incident) (string, error) {
	b, err := json.Marshal(incidentDetail{in.EventTime, in.DetectedAt, in.ClockAnchor, in.Category, in.Assignee, in.Obligations, in.Effect, in.Applied, in.AckedAt, in.AckedBy, in.LevelConfirmed, in.Kind, in.Trigger})
	if err != nil {
		return "", fmt.Errorf("cannot encode incident %q: %w", in.ID, err)
	}
	return string(b), nil
}

// DecodeIncidentDetail fills in's lifecycle fields from the JSON column;
// times come back in UTC.
func DecodeIncidentDetail(s string, in *Incident) error {
	if s == "" {
		return nil
	}
	var d incidentDetail
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return fmt.Errorf("cannot decode incident %q: %w", in.ID, err)
	}
	utc := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.UTC()
	}
	in.EventTime, in.DetectedAt, in.ClockAnchor = utc(d.EventTime), utc(d.DetectedAt), d.ClockAnchor
	in.Category, in.Assignee, in.Effect, in.Applied = d.Category, d.Assignee, d.Effect, d.Applied
	in.AckedAt, in.AckedBy, in.LevelConfirmed, in.Kind, in.Trigger = utc(d.AckedAt), d.AckedBy, d.LevelOK, d.Kind, d.Trigger
	in.Obligations = d.Obligations
	for i := range in.Obligations {
		o := &in.Obligations[i]
		o.DueAt, o.BreachedAt = utc(o.DueAt), utc(o.BreachedAt)
		if o.Evidence != nil {
			o.Evidence.PublishedAt, o.Evidence.DetectedAt = utc(o.Evidence.PublishedAt), utc(o.Evidence.DetectedAt)
		}
	}
	if in.Effect != nil {
		in.Effect.ResponseAt = utc(in.Effect.ResponseAt)
	}
	return nil
}

// Requests people make of an incident. The console appends them to the
// incident's history as actions "request.<name>"; the responder, the one
// writer of incidents, applies them in order and records the outcome.
const (
	RequestConfirm         = "confirm"          // 待研判 → 已确认 (optionally with a level)
	RequestAssign          = "assign"           // set the assignee; → 处置中
	RequestAcknowledge     = "acknowledge"      // alerts received: stops escalation
	RequestRecordResponse  = "record_response"  // a response made, with its evidence
	RequestConfirmEvidence = "confirm_evidence" // a detected response confirmed by a person
	RequestWaive           = "waive"            // an obligation waived, with a reason
	RequestSetLevel        = "set_level"        // the level confirmed or overridden
	RequestClose           = "close"            // → 已办结
	RequestFalseAlarm      = "false_alarm"      // → 误报
	RequestExtend          = "extend"           // a working-day limit extended once (依申请公开 +20)
	RequestRestart         = "restart"          // 补正: the clock restarts from the corrected application's date
	RequestPause           = "pause"            // consultation days that do not count
)

// RequestPrefix starts the history action of a request.
const RequestPrefix = "request."

// Request is what a person asked for, as stored in a request entry's Reason.
type Request struct {
	Reason      string    `json:"reason,omitempty"`
	Level       string    `json:"level,omitempty"`
	Assignee    string    `json:"assignee,omitempty"`
	Rule        string    `json:"rule,omitempty"`
	URL         string    `json:"url,omitempty"`
	Title       string    `json:"title,omitempty"`
	Source      string    `json:"source,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	// From is the date a restarted clock counts from; Days the working
	// days a pause adds.
	From time.Time `json:"from,omitzero"`
	Days int       `json:"days,omitempty"`
}

// HistoryEntry is one change in an incident's life: who did what, when and
// why. History is append-only: the Store has no call that changes or
// removes an entry.
type HistoryEntry struct {
	// ID is deterministic (incident, action, time, actor), so appending an
	// entry again (a retried write) stores it once.
	ID         string    `json:"id"`
	IncidentID string    `json:"incident_id"`
	At         time.Time `json:"at"`
	// Actor is a person's user name, or "system" for the responder.
	Actor  string `json:"actor"`
	Action string `json:"action"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	// Reason says why, in Chinese, as the actor gave it.
	Reason string `json:"reason,omitempty"`
}

// IncidentQuery selects incidents. Zero fields do not filter.
type IncidentQuery struct {
	OnlyOpen bool
	Limit    int // 0 means 100
}

// Delivery is one entry of the notification delivery log: what happened to
// one alert on one channel for one recipient. The store keeps it for the
// responder, so that after a restart or a failover to another machine no
// alert is sent twice, and shows it to duty staff.
type Delivery struct {
	// ID identifies the entry (its delivery key and time), so appending it
	// again stores it once.
	ID string `json:"id"`
	// Key is the delivery key: incident, notification, channel, recipient.
	Key        string    `json:"key"`
	IncidentID string    `json:"incident_id"`
	At         time.Time `json:"at"`
	// Final is set when the entry settles its key (sent, or failed for
	// good): the alert is not attempted again.
	Final bool `json:"final"`
	// Detail is the entry as the notifier wrote it (JSON).
	Detail string `json:"detail"`
}
