package model

import "time"

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
