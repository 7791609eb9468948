// Package readmodel owns the views people read, computed from the store:
// posts with the latest sentiment correction overlaid, an event's detail
// (timeline, provenance, posts per hour, the terms of its heat index), an
// incident's page (its deadlines with the rules they come from, its
// history and alert deliveries) and the overview's figures. The console
// renders them as JSON and pages; the briefs read the same views, so both
// show the same numbers.
//
// A view only reads. It reads through the narrow interfaces below, which
// list just the store methods the views call; store.Store satisfies them,
// and so does any value with the store roles' methods of the same names.
package readmodel

import (
	"context"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

// PostReader reads stored posts as the analyzer wrote them.
type PostReader interface {
	// GetPost returns one post, or an error wrapping store.ErrNotFound.
	GetPost(ctx context.Context, id string) (model.Post, error)
	// QueryPosts returns a page of posts matching q, newest first.
	QueryPosts(ctx context.Context, q store.PostQuery) (store.PostPage, error)
	// SearchPosts returns a feed's page of posts with its facets (see
	// store.Posts).
	SearchPosts(ctx context.Context, q store.SearchQuery) (store.SearchResult, error)
}

// CorrectionReader reads officers' sentiment corrections.
type CorrectionReader interface {
	// PostCorrections returns the latest correction of each of postIDs
	// that has one, keyed by post ID.
	PostCorrections(ctx context.Context, postIDs []string) (map[string]model.SentimentCorrection, error)
}

// EventReader reads events.
type EventReader interface {
	// GetEvent returns one event, or an error wrapping store.ErrNotFound.
	GetEvent(ctx context.Context, id string) (model.Event, error)
}

// IncidentReader reads incidents and their histories.
type IncidentReader interface {
	// GetIncident returns one incident, or an error wrapping
	// store.ErrNotFound.
	GetIncident(ctx context.Context, id string) (model.Incident, error)
	// ListIncidents returns incidents matching q, most recently opened
	// first.
	ListIncidents(ctx context.Context, q store.IncidentQuery) ([]model.Incident, error)
	// ListHistory returns an incident's history, oldest first.
	ListHistory(ctx context.Context, incidentID string) ([]model.HistoryEntry, error)
}

// DeliveryReader reads the alert delivery log.
type DeliveryReader interface {
	// ListDeliveries returns an incident's deliveries, oldest first.
	ListDeliveries(ctx context.Context, incidentID string) ([]model.Delivery, error)
}

// DictionaryReader reads the user dictionary.
type DictionaryReader interface {
	// UserDictionary returns the current user dictionary.
	UserDictionary(ctx context.Context) (model.UserDictionary, error)
}

// Store is everything the views read: the roles above and the read side,
// which counts posts in the database (store.Aggregates).
type Store interface {
	store.Aggregates
	PostReader
	CorrectionReader
	EventReader
	IncidentReader
	DeliveryReader
	DictionaryReader
	FindingReader
}

// Views computes the views from a store. It holds no state of its own and
// is safe for concurrent use.
type Views struct {
	st    Store
	rules *rules.Set
}

// New returns the views of st. rs are the rules in force, whose sources an
// incident's page quotes; nil quotes none.
func New(st Store, rs *rules.Set) *Views {
	return &Views{st: st, rules: rs}
}

// nonNil returns s, or an empty slice for nil, so that JSON shows [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
