package model

import "time"

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
	ID string `json:"id"`
	// IncidentID is the incident the entry belongs to, or the event, for
	// what people asked of an event (see RequestEventMerge).
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
