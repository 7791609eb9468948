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
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Topic names. Documents are keyed by document ID so that every version of
// one page lands on one partition in order; posts likewise.
const (
	TopicDocs       = "yuqing.docs.v1"
	TopicPosts      = "yuqing.posts.v1"
	TopicDeadLetter = "yuqing.deadletter.v1"
	// TopicRequests carries people's requests of incidents (confirm,
	// assign, record a response, ...) and of events (merge, split) from
	// the console to the responder, keyed by incident or event ID. The history entry is the record; the message
	// is how the responder learns of it without reading histories.
	TopicRequests = "yuqing.requests.v1"
)

// SchemaVersion is the current minor version of the v1 messages. Version 2
// added Document.PublishedAtConfidence and Document.Injected.
const SchemaVersion = 2

// DeadLetter wraps a message that failed permanently (see Handler), with
// where it came from, the error, the stage (consumer group) and how many
// times it was tried. Its key is the original key; replaying it produces
// Value under Key to Topic again.
type DeadLetter struct {
	Topic     string    `json:"topic"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Key       string    `json:"key"`
	Value     []byte    `json:"value"`
	Error     string    `json:"error"`
	Stage     string    `json:"stage"`
	Attempts  int       `json:"attempts,omitempty"`
	At        time.Time `json:"at"`
}

// Request is what crosses TopicRequests: a history entry a person made (an
// action "request.<name>", see model.RequestPrefix), or the "opened" entry
// of an incident a person opened by hand, with the incident.
type Request struct {
	Schema int `json:"schema"`
	model.HistoryEntry
	// Incident is set on the "opened" entry of an incident a person opened
	// by hand: the responder takes it over from the message, so it does
	// not depend on the console having stored it.
	Incident *model.Incident `json:"incident,omitempty"`
}
