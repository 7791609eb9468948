package model

import "time"

// Incident states (the lifecycle 待研判 → 已确认 → 处置中 → 已回应 → 已办结, or 误报).
const (
	StatePending    = "待研判"
	StateConfirmed  = "已确认"
	StateHandling   = "处置中"
	StateResponded  = "已回应"
	StateClosed     = "已办结"
	StateFalseAlarm = "误报"
	// StateHistorical is an incident opened on posts older than the
	// backlog horizon when the system first saw them: it is kept and shown
	// for the record, never open, so nobody is reminded or paged for
	// deadlines that passed before anyone could act.
	StateHistorical = "历史"
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
	// OpenedLevel is the level the incident opened with; a level since
	// changed (by the figures or a person) is alerted once per level.
	OpenedLevel string `json:"opened_level,omitempty"`
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
