package model

// Requests people make of an event: merging it into another, or splitting
// some of its posts off into a new event. Like the requests of an
// incident they are recorded as history entries with the action
// "request.<name>" (see RequestPrefix), under the event's ID (an event's
// history lives with the incidents' and is read with the same call: an
// event ID never equals an incident ID), and the responder, the one writer
// of events, applies them and records the outcome.
const (
	RequestEventMerge = "event_merge" // the event's posts move into EventRequest.Into
	RequestEventSplit = "event_split" // EventRequest.Posts move into a new event
)

// What the responder records when it applies an event request: on the
// event merged away (From the event, To the one it went into), on the
// event that absorbed it (From the event merged away), on the event split
// (To the new event) and on the new event (From the event it came from).
const (
	ActionEventMerged    = "event_merged"
	ActionEventAbsorbed  = "event_absorbed"
	ActionEventSplit     = "event_split"
	ActionEventSplitFrom = "event_split_from"
)

// EventRequest is what a person asked of an event, as stored in a request
// entry's Reason.
type EventRequest struct {
	// Into is the event a merge moves the posts into.
	Into string `json:"into,omitempty"`
	// Posts are the posts a split moves into a new event.
	Posts  []string `json:"posts,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

// IsEventRequest reports whether a history action is a request of an
// event.
func IsEventRequest(action string) bool {
	return action == RequestPrefix+RequestEventMerge || action == RequestPrefix+RequestEventSplit
}
