// Package notify owns the alerts that reach duty staff (值班人员): the
// notification channels (generic webhook, DingTalk, WeCom and Feishu group
// robots, SMTP email), the Chinese message templates, the Dispatcher that
// sends each notification at most once per channel and recipient (also across
// restarts, through a DeliveryLog), quiet hours, the duty roster (值班表) with
// its escalation chain, the Escalator, and signed acknowledgement links.
//
// It guarantees: a notification with the same (incident, key, channel,
// recipient) is delivered at most once once a delivery of it has been logged
// as sent; level I and II notifications are never held back by quiet hours;
// every retry, hold, skip and failure is logged and counted.
package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Level is an incident level: I (特别重大), II (重大), III (较大), IV (一般),
// or empty when not yet graded.
type Level string

// The four incident levels of 突发事件应对法 第三条.
const (
	LevelI   Level = "I"
	LevelII  Level = "II"
	LevelIII Level = "III"
	LevelIV  Level = "IV"
)

// levels lists the levels from the gravest.
var levels = []Level{LevelI, LevelII, LevelIII, LevelIV}

// Name is the level's Chinese name, or 未定级 when it is not graded.
func (l Level) Name() string {
	switch l {
	case LevelI:
		return "特别重大"
	case LevelII:
		return "重大"
	case LevelIII:
		return "较大"
	case LevelIV:
		return "一般"
	}
	return "未定级"
}

// Numeral is the level written with a Roman numeral as officers write it
// (Ⅱ级), or 未定级.
func (l Level) Numeral() string {
	switch l {
	case LevelI:
		return "Ⅰ级"
	case LevelII:
		return "Ⅱ级"
	case LevelIII:
		return "Ⅲ级"
	case LevelIV:
		return "Ⅳ级"
	}
	return "未定级"
}

// Urgent reports whether the level is I or II: such notifications are
// never held back by quiet hours.
func (l Level) Urgent() bool { return l == LevelI || l == LevelII }

// Valid reports whether l is one of I–IV.
func (l Level) Valid() bool { return slices.Contains(levels, l) }

// Kind says why a notification is sent.
type Kind string

// The kinds of notification.
const (
	KindOpened     Kind = "opened"     // an incident was opened
	KindReminder   Kind = "reminder"   // an obligation's deadline is approaching
	KindEscalation Kind = "escalation" // an earlier notification was not acknowledged
	KindBreach     Kind = "breach"     // an obligation's deadline passed
	KindFulfilled  Kind = "fulfilled"  // an obligation was fulfilled
	// KindBriefDraft and KindBrief are about a brief (IncidentID is then
	// "brief:" and the brief's ID): a draft awaits review, or a brief was
	// issued (with its DOCX attached on email).
	KindBriefDraft Kind = "brief_draft"
	KindBrief      Kind = "brief"
	KindLevel      Kind = "level"      // the level changed, with the obligations it brings
	KindDisclosure Kind = "disclosure" // a 政务公开 item (a working-day disclosure limit) was opened
)

// Headline is the kind's Chinese headline.
func (k Kind) Headline() string {
	switch k {
	case KindOpened:
		return "新增舆情事件"
	case KindReminder:
		return "回应时限提醒"
	case KindEscalation:
		return "未确认升级提醒"
	case KindBreach:
		return "回应已超时"
	case KindFulfilled:
		return "回应义务已履行"
	case KindBriefDraft:
		return "舆情简报待审核"
	case KindBrief:
		return "舆情简报已印发"
	case KindLevel:
		return "事件级别调整"
	case KindDisclosure:
		return "新增政务公开事项"
	}
	return "舆情通知"
}

// Recipient is a person a notification is addressed to.
type Recipient struct {
	// ID is the person's stable ID in the roster; it is part of the
	// delivery key, so it must not change between restarts.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Contacts maps a channel name to the person's address on it: an
	// email address, a mobile number to @ in DingTalk, a WeCom userid, a
	// Feishu open_id. A group robot with an empty address posts without
	// mentioning anyone.
	Contacts map[string]string `json:"contacts,omitempty"`
}

// Message is one notification about an incident.
type Message struct {
	IncidentID string `json:"incident_id"`
	// Key names the notification within its incident, e.g. "opened",
	// "R-5H/reminder/50%" or "R-5H/breach". With the incident, the channel
	// and the recipient it forms the idempotency key: the same key is
	// never delivered twice to the same person on the same channel.
	Key   string `json:"key"`
	Kind  Kind   `json:"kind"`
	Title string `json:"title"`
	Level Level  `json:"level"`
	// State is the incident's lifecycle state (待研判, 处置中 ...).
	State string `json:"state"`
	// Obligation names the obligation the deadline belongs to, as officers
	// say it: "5小时权威发布", "24小时新闻发布会". Empty for none.
	Obligation string    `json:"obligation,omitempty"`
	DueAt      time.Time `json:"due_at,omitzero"`
	// At is the moment the countdown is computed from. The Dispatcher sets
	// it to the time of each send attempt, so a held or retried
	// notification shows the countdown of when it is actually sent.
	At time.Time `json:"at"`
	// Note is an extra line, e.g. who failed to acknowledge before an
	// escalation.
	Note       string `json:"note,omitempty"`
	ConsoleURL string `json:"console_url,omitempty"`
	// AckURL is the acknowledgement link. The Dispatcher fills it per
	// recipient when it has an Acker.
	AckURL string `json:"ack_url,omitempty"`
	// Step is the position in the escalation chain of the recipients:
	// 0 the duty officer, 1 the section chief, 2 the leader.
	Step       int         `json:"step"`
	Recipients []Recipient `json:"recipients"`

	// IdempotencyKey is set by the Dispatcher for each delivery; webhook
	// receivers can deduplicate by it and email derives its Message-ID
	// from it.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// ThreadKey is the idempotency key of the incident's first message
	// (its "opened" notification) to the same recipient on the same
	// channel; email replies to it so that one incident is one thread.
	ThreadKey string `json:"thread_key,omitempty"`

	// Attachments are files an email carries (a brief's DOCX); other
	// channels link to them instead (ConsoleURL, Note).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file attached to an email.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"-"`
}

// IsBrief reports whether the message is about a brief, not an incident:
// it has no level, state or deadline to show.
func (k Kind) IsBrief() bool { return k == KindBrief || k == KindBriefDraft }

// Validate reports what makes m unsendable.
func (m *Message) Validate() error {
	switch {
	case m.IncidentID == "":
		return errors.New("message has no incident id")
	case m.Key == "":
		return fmt.Errorf("message for incident %s has no notification key", m.IncidentID)
	case strings.ContainsAny(m.IncidentID+m.Key, "\r\n"):
		return fmt.Errorf("message for incident %q has a line break in its id or key", m.IncidentID)
	case len(m.Recipients) == 0:
		return fmt.Errorf("message %s/%s has no recipients", m.IncidentID, m.Key)
	}
	for _, r := range m.Recipients {
		if r.ID == "" {
			return fmt.Errorf("message %s/%s has a recipient without an id", m.IncidentID, m.Key)
		}
	}
	return nil
}

// Receipt is what a channel reports about an accepted message.
type Receipt struct {
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
	// Remote is what the remote side said: the robot's errmsg, the SMTP
	// server's reply to the message data.
	Remote string `json:"remote,omitempty"`
	// MessageID is the email Message-ID, when there is one.
	MessageID string `json:"message_id,omitempty"`
}

// Channel delivers messages to one destination: a robot, a webhook, a mail
// server.
//
// Send blocks until the remote side accepted or refused the message, or ctx
// ends. It sends m to the first recipient of m.Recipients, at that
// recipient's address in Contacts under the channel's Name (group robots
// post to their group and mention the address when there is one). m has its
// IdempotencyKey set; a channel that can pass it on (webhook header, email
// Message-ID) does so, so the receiver can drop a repeat. A nil error means
// the remote side accepted the message. An error wrapped with Permanent
// means retrying cannot help (bad credentials, rejected signature, invalid
// payload); any other error (network failure, timeout, HTTP 5xx or 429, rate
// limit, SMTP 4xx) may succeed on a retry. Implementations are safe for
// concurrent use.
type Channel interface {
	// Name is the channel's configured name: the key of recipients'
	// Contacts and the channel label of the metrics.
	Name() string
	Send(ctx context.Context, m Message) (Receipt, error)
}

// PermanentError marks a send error that a retry cannot fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked
// Permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfterError carries the delay the remote side asked for (HTTP
// Retry-After).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// threadPrefix is the title prefix that groups all messages of an incident
// in a robot's chat, where there are no threads: one incident reads as one
// run of messages with the same prefix.
func threadPrefix(incidentID string) string { return "【舆情 " + incidentID + "】" }
