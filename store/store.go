// Package store owns persistence: analysed posts, events and incidents with
// their append-only history, the notification delivery log, officers'
// sentiment corrections and the user dictionary, and the read side that
// dashboards and briefs are drawn from.
//
// It defines one role interface per kind of data (Posts, Events,
// Incidents, Deliveries, Corrections and Dictionary, which together are
// Officers) and the read side (Aggregates), each saying who may call it
// and what it guarantees; a stage takes only the roles it uses. Store is
// their union, what a driver implements. The drivers live below: store/sqlite
// (the embedded default) and store/clickhouse (the distributed
// deployment). The conformance suite in store/storetest runs against both,
// role by role, so they behave the same.
//
// Every write is idempotent: writing the same row twice (as at-least-once
// delivery does) leaves one row, and of two versions of a row the higher
// Version wins, whatever order they arrive in. Every call is safe for
// concurrent use and blocks until the database has answered or ctx is
// done. A write returns only when its rows are durable (after it returns
// nil, a crash loses nothing of it); a failed write is retried as it was:
// SQLite writes a batch in one transaction, all or nothing, and of a batch
// ClickHouse kept in part the retry's idempotent writes make it whole.
// Reads never wait for writes; writes of one process queue behind each
// other on SQLite and run side by side on ClickHouse.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// ErrNotFound is returned when a row asked for by ID does not exist.
var ErrNotFound = errors.New("not found")

// Posts is the analysed posts. The analyzer writes them (any number of
// replicas at once: a write is an idempotent upsert by ID, the higher
// Version winning); every target may read them. A write of one batch
// blocks until the whole batch is durable, and either all of it is written
// or the call fails and may be retried as it was.
type Posts interface {
	// UpsertPosts writes posts by ID. A post whose stored Version is higher
	// than the one written is left as it is.
	UpsertPosts(ctx context.Context, posts []model.Post) error
	// GetPost returns one post by ID, or ErrNotFound. Posts read back as
	// the analyzer wrote them, Schemes included: an officer's sentiment
	// correction is not applied to them (see Corrections).
	GetPost(ctx context.Context, id string) (model.Post, error)
	// QueryPosts returns the page of posts matching q, newest published
	// first, with the total number of matches.
	QueryPosts(ctx context.Context, q PostQuery) (PostPage, error)
	// SearchPosts returns what a feed shows of one filter: the page of
	// posts matching q.PostQuery (as QueryPosts gives it), their counts by
	// each of q.By and in all (as PostFacets), and how many of them belong
	// to an event with an incident (as Filter.HasIncident selects), from
	// one read, so that a driver evaluates a full-text filter once rather
	// than once per figure.
	SearchPosts(ctx context.Context, q SearchQuery) (SearchResult, error)
	// CountPosts returns how many distinct posts are stored.
	CountPosts(ctx context.Context) (int64, error)
	// QueryCandidates returns the posts matching q.Filter whose title or
	// body contains any of q.Terms, newest published first (ties by ID,
	// descending), with their total: the few posts a scheme back-test must
	// match, found by the database, so that the matcher never reads a
	// window's posts one by one.
	QueryCandidates(ctx context.Context, q CandidateQuery) (CandidatePage, error)
}

// Events is the events the responder clusters posts into. Only the
// responder writes them (its one active instance; a standby takes over
// after a failover and rebuilds from ListEvents); the console reads them.
// Writes are idempotent upserts by ID, the higher Version winning.
type Events interface {
	// UpsertEvents writes events by ID, higher Version winning.
	UpsertEvents(ctx context.Context, events []model.Event) error
	// GetEvent returns one event by ID, or ErrNotFound.
	GetEvent(ctx context.Context, id string) (model.Event, error)
	// ListEvents returns events whose LastSeen is at or after since, most
	// recently seen first, at most limit (0: no limit). Events merged into
	// another are left out.
	ListEvents(ctx context.Context, since time.Time, limit int) ([]model.Event, error)
}

// Incidents is the incidents and their history. The responder writes
// incidents (upserts by ID, the higher Version winning); the console
// writes only the incidents people create by hand (disclosure items). The
// history is append-only and auditable: the responder appends the changes
// it makes and the console the requests people make, and no call changes
// or removes an entry. An entry appended again (a retry) is stored once.
type Incidents interface {
	// UpsertIncidents writes incidents by ID, higher Version winning.
	UpsertIncidents(ctx context.Context, incidents []model.Incident) error
	// GetIncident returns one incident by ID, or ErrNotFound.
	GetIncident(ctx context.Context, id string) (model.Incident, error)
	// ListIncidents returns incidents matching q, most recently opened first.
	ListIncidents(ctx context.Context, q IncidentQuery) ([]model.Incident, error)

	// AppendHistory appends entries to incidents' histories; an entry
	// whose ID is already stored is not stored again.
	AppendHistory(ctx context.Context, entries []model.HistoryEntry) error
	// ListHistory returns an incident's history, oldest first (ties by ID).
	ListHistory(ctx context.Context, incidentID string) ([]model.HistoryEntry, error)
}

// Deliveries is the notification delivery log, append-only. The
// responder's alerter appends an entry for every attempt and asks
// DeliveryFinal before sending, so an alert settled once is never sent
// again after a restart or a failover; the console lists the log.
type Deliveries interface {
	// AppendDeliveries appends notification deliveries to the delivery
	// log; an entry whose ID is already stored is not stored again.
	AppendDeliveries(ctx context.Context, ds []model.Delivery) error
	// DeliveryFinal reports whether a final delivery (sent, or failed for
	// good) is recorded under a delivery key.
	DeliveryFinal(ctx context.Context, key string) (bool, error)
	// ListDeliveries returns an incident's deliveries, oldest first.
	ListDeliveries(ctx context.Context, incidentID string) ([]model.Delivery, error)
	// QueryDeliveries returns a page of the delivery log, newest first
	// (ties by ID, descending), with the number of entries the query
	// selects before paging, in all and by status, counted by the store.
	QueryDeliveries(ctx context.Context, q DeliveryQuery) (DeliveryPage, error)
}

// DeliveryQuery selects entries of the delivery log. The status and the
// channel are the notifier's fields of an entry's Detail ("status",
// "channel"); an empty field selects every value.
type DeliveryQuery struct {
	IncidentID string
	Channel    string
	// Status is sent, failed or held.
	Status string
	// Limit is the page size (default 50, at most 500); Offset skips.
	Limit, Offset int
}

// Page returns the query's limit and offset with their defaults.
func (q DeliveryQuery) Page() (limit, offset int) {
	limit = q.Limit
	if limit <= 0 {
		limit = 50
	}
	return min(limit, 500), max(q.Offset, 0)
}

// DeliveryPage is a page of the delivery log.
type DeliveryPage struct {
	Items []model.Delivery
	// Total is how many entries the query selects (all pages);
	// ByStatus the same by status, without the query's status filter, so
	// a page can offer every status with its count.
	Total    int64
	ByStatus map[string]int64
}

// Corrections is officers' sentiment corrections, an append-only log the
// console writes (a person's action) and the console, the read side and
// `yuqing train` read. The latest correction of a post (by At, ties by
// ID) is its sentiment wherever the store filters or counts by
// sentiment; the post itself is left as the analyzer wrote it, so a
// re-analysis never undoes a correction.
type Corrections interface {
	// AppendCorrections appends officers' sentiment corrections; a
	// correction whose ID is already stored is not stored again. It
	// refuses, storing nothing, a batch with a correction that does not
	// Validate. Corrections are append-only: the Store has no call that
	// changes or removes one.
	AppendCorrections(ctx context.Context, cs []model.SentimentCorrection) error
	// PostCorrections returns the latest correction of each of postIDs
	// that has one, keyed by post ID; posts without a correction are not
	// in the map. Whether the posts exist is not checked.
	PostCorrections(ctx context.Context, postIDs []string) (map[string]model.SentimentCorrection, error)
	// ListCorrections returns the latest correction of every corrected
	// post, oldest first (by At, ties by ID), so the same corrections give
	// the same list: what the sentiment model is trained on.
	ListCorrections(ctx context.Context) ([]model.SentimentCorrection, error)
}

// Dictionary is the user dictionary, an append-only log of changes the
// console writes and every analyzer replica polls (DictionaryVersion is
// cheap) to reload its segmenter's user words.
type Dictionary interface {
	// AppendDictionary appends changes to the user dictionary; an entry
	// whose ID is already stored is not stored again. It refuses, storing
	// nothing, a batch with an entry that does not Validate.
	AppendDictionary(ctx context.Context, entries []model.DictionaryEntry) error
	// DictionaryVersion returns the dictionary's change marker. It is
	// cheap (one small aggregate), for a process that polls for changes:
	// when Changes differs from the Changes of the last dictionary it
	// loaded, it calls UserDictionary again.
	DictionaryVersion(ctx context.Context) (model.DictionaryVersion, error)
	// UserDictionary returns the current user dictionary: the latest entry
	// of every word whose latest entry is not a removal, sorted by word,
	// and the version it reflects. The version is read no later than the
	// words, so the words are at least as new as it: a poller that reloads
	// whenever DictionaryVersion().Changes differs from the loaded
	// Version.Changes never misses a change (it may reload once more than
	// needed). A word the poller loaded before and that is missing now was
	// removed; the poller takes it out of its segmenter.
	UserDictionary(ctx context.Context) (model.UserDictionary, error)
}

// Settings is the settings people change while the system runs
// (monitoring schemes, duty shifts), an append-only log of changes
// (model.SettingChange) the console writes, the composition root seeds
// from the configuration file, and the stages poll (SettingsVersion is
// cheap) to apply: the analyzer its schemes, the responder its roster.
type Settings interface {
	// AppendSettings appends setting changes; a change whose ID is
	// already stored is not stored again. It refuses, storing nothing, a
	// batch with a change that does not Validate.
	AppendSettings(ctx context.Context, changes []model.SettingChange) error
	// SettingsVersion returns the change marker of one kind of setting:
	// the number of distinct changes of that kind and the latest At. It
	// is cheap, for a process that polls: when Changes differs from the
	// Changes of the set it loaded, it calls CurrentSettings again.
	SettingsVersion(ctx context.Context, kind string) (model.SettingsVersion, error)
	// CurrentSettings returns the settings of one kind in force: the
	// latest change of every key whose latest change is not a removal,
	// sorted by key, and the version they reflect. The version is read no
	// later than the items, so a poller that reloads whenever the version
	// moved never misses a change.
	CurrentSettings(ctx context.Context, kind string) (model.SettingSet, error)
	// SettingHistory returns the changes of one key of a kind, oldest
	// first (by At, ties by ID): who changed it when.
	SettingHistory(ctx context.Context, kind, key string) ([]model.SettingChange, error)
	// RecentSettings returns the latest changes of one kind, every key's
	// (removed ones too), newest first (by At, ties by ID descending), at
	// most limit: what people changed lately.
	RecentSettings(ctx context.Context, kind string, limit int) ([]model.SettingChange, error)
}

// SourcePolls is the outcome of the crawler's polls (model.SourcePoll),
// which the crawler appends after every poll and the console reads as
// the sources' status. Records older than model.SourcePollRetention may
// be dropped by the store.
type SourcePolls interface {
	// AppendSourcePolls appends poll records; one whose ID is stored
	// already is not stored again. It refuses, storing nothing, a batch
	// with a record that does not Validate.
	AppendSourcePolls(ctx context.Context, polls []model.SourcePoll) error
	// SourceStatus returns, for every source with a poll record, its
	// latest poll (within the retention), its latest failed poll at or
	// after since, and the counts of polls, failed polls, robots.txt
	// refusals and documents published at or after since; sorted by
	// source ID. Each record counts once, stored twice or not.
	SourceStatus(ctx context.Context, since time.Time) ([]model.SourceStatus, error)
}

// Officers is what officers add to the analysis: sentiment corrections
// and the user dictionary.
type Officers interface {
	Corrections
	Dictionary
}

// Prober is implemented by a store that can tell whether it accepts
// writes right now. ProbeWrite writes something no reader can see (a
// transaction that leaves no row behind, or the server's liveness where a
// write would leave one) and returns the error a real write would get:
// disk full, read-only, server unreachable. /readyz calls it.
type Prober interface {
	ProbeWrite(ctx context.Context) error
}

// Inspections is the findings of inspections of the jurisdiction's own
// portals. Only the inspector writes them (upserts by ID, the higher
// Version winning: an inspection that sees a finding again moves its
// LastSeen, one that no longer sees it marks it fixed); the console and
// the briefs read them.
type Inspections interface {
	// UpsertFindings writes findings by ID, higher Version winning. It
	// refuses, storing nothing, a batch with a finding that does not
	// Validate.
	UpsertFindings(ctx context.Context, findings []model.Finding) error
	// ListFindings returns the findings matching q, open ones first, then
	// by portal, kind and most recently seen.
	ListFindings(ctx context.Context, q FindingQuery) ([]model.Finding, error)
}

// FindingQuery filters findings; an empty field matches every value.
type FindingQuery struct {
	Portal string
	Kind   string
	State  string
	// Limit bounds the result (0: no limit).
	Limit int
}

// Store is every role of the store: what a driver implements and what
// the composition root opens. A stage takes the roles it uses instead.
type Store interface {
	Posts
	Events
	Incidents
	Deliveries
	Officers
	Inspections
	Settings
	SourcePolls
	Aggregates
	Briefs
	Accounts
	Audit

	// Close releases the store's resources.
	Close() error
}
