package notify

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Alert is a dispatched notification awaiting acknowledgement, as the
// responder keeps it (in memory, or rebuilt from the store after a
// restart).
type Alert struct {
	// Message is the notification as dispatched: its Key, Level, Step and
	// Recipients are what escalation reads.
	Message Message
	// SentAt is when it was dispatched.
	SentAt time.Time
	// Acked is set once anyone it was sent to acknowledged it, or any
	// other message of its escalation chain (same incident and RootKey).
	Acked bool
}

// Escalator decides which unacknowledged notifications go up the chain:
// an alert not acknowledged within the wait of its level is sent to the
// next person in the roster's escalation chain (duty officer → section
// chief → leader). It keeps no state: the same alerts give the same
// escalations, with deterministic keys, so running it again (every minute,
// or after a restart) never sends an escalation twice through the
// Dispatcher.
type Escalator struct {
	roster *Roster
	after  map[Level]time.Duration
	// def is the wait for ungraded incidents.
	def time.Duration
}

// DefaultEscalationAfter are the waits before escalating, by level: the
// graver the incident, the sooner a silent duty officer is passed over.
var DefaultEscalationAfter = map[Level]time.Duration{
	LevelI: 10 * time.Minute, LevelII: 15 * time.Minute, LevelIII: 30 * time.Minute, LevelIV: 60 * time.Minute,
}

// NewEscalator returns an escalator over roster; after gives the wait per
// level (missing levels take DefaultEscalationAfter). Ungraded incidents
// wait as long as level IV.
func NewEscalator(roster *Roster, after map[Level]time.Duration) *Escalator {
	e := &Escalator{roster: roster, after: map[Level]time.Duration{}}
	for l, d := range DefaultEscalationAfter {
		e.after[l] = d
	}
	for l, d := range after {
		if d > 0 {
			e.after[l] = d
		}
	}
	e.def = e.after[LevelIV]
	return e
}

// Wait is how long an alert of level l may go unacknowledged.
func (e *Escalator) Wait(l Level) time.Duration {
	if d, ok := e.after[l]; ok {
		return d
	}
	return e.def
}

// Escalate returns the escalation messages due at now for alerts: for each
// chain (incident and root key) not acknowledged, whose latest step was
// sent at least the level's wait ago and has a next step, a message of kind
// escalation to the next person, with Key EscalationKey(root, step).
func (e *Escalator) Escalate(now time.Time, alerts []Alert) []Message {
	type chainID struct{ incident, root string }
	latest := map[chainID]Alert{}
	acked := map[chainID]bool{}
	for _, a := range alerts {
		id := chainID{a.Message.IncidentID, RootKey(a.Message.Key)}
		if a.Acked {
			acked[id] = true
		}
		if cur, ok := latest[id]; !ok || a.Message.Step > cur.Message.Step {
			latest[id] = a
		}
	}
	var out []Message
	for id, a := range latest {
		if acked[id] {
			continue
		}
		wait := e.Wait(a.Message.Level)
		if now.Sub(a.SentAt) < wait {
			continue
		}
		next := a.Message.Step + 1
		p, ok := e.roster.Escalation(next, now)
		if !ok {
			continue // the top of the chain was reached
		}
		m := a.Message
		m.Kind = KindEscalation
		m.Key = EscalationKey(id.root, next)
		m.Step = next
		m.Recipients = []Recipient{p.Recipient()}
		m.Note = fmt.Sprintf("「%s」通知已发给%s，%d分钟内无人确认，现升级至%s",
			a.Message.Kind.Headline(), names(a.Message.Recipients), int(wait/time.Minute), describe(p))
		m.AckURL, m.IdempotencyKey, m.ThreadKey, m.At = "", "", "", time.Time{}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].IncidentID != out[j].IncidentID {
			return out[i].IncidentID < out[j].IncidentID
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func names(rs []Recipient) string {
	var ns []string
	for _, r := range rs {
		n := r.Name
		if n == "" {
			n = r.ID
		}
		ns = append(ns, n)
	}
	return strings.Join(ns, "、")
}

func describe(p Person) string {
	if p.Title != "" {
		return p.Title + p.Name
	}
	return p.Name
}
