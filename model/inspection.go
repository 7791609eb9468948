package model

import (
	"fmt"
	"time"
)

// Kinds of inspection finding: what an inspection of the jurisdiction's own
// portal, done the way the national 政府网站普查 does, found wrong.
const (
	FindingUnavailable       = "unavailable"        // the site did not answer (站点无法访问)
	FindingStaleColumn       = "stale_column"       // a column not updated within its limit (栏目不更新)
	FindingEmptyColumn       = "empty_column"       // a column with no content (空白栏目), or one that only links elsewhere
	FindingDeadLink          = "dead_link"          // a link that does not open (链接不可用)
	FindingMissingRequired   = "missing_required"   // a required column or document is missing
	FindingUnansweredMessage = "unanswered_message" // a 网民留言 left without a reply past its limit
)

// FindingKinds lists the kinds of finding, in the order pages show them.
var FindingKinds = []string{FindingUnavailable, FindingStaleColumn, FindingEmptyColumn, FindingDeadLink, FindingMissingRequired, FindingUnansweredMessage}

// FindingKindLabel is the Chinese name of each kind of finding.
var FindingKindLabel = map[string]string{
	FindingUnavailable:       "站点无法访问",
	FindingStaleColumn:       "栏目不更新",
	FindingEmptyColumn:       "空白栏目",
	FindingDeadLink:          "链接不可用",
	FindingMissingRequired:   "必备栏目或文件缺失",
	FindingUnansweredMessage: "网民留言未回复",
}

// States of a finding.
const (
	FindingOpen  = "open"  // seen in the latest inspection
	FindingFixed = "fixed" // seen before, not seen in the latest inspection
)

// Finding is one thing an inspection of an own portal found wrong. Its ID
// is derived from the portal, the kind and what it is about (a column, a
// link and the page linking it, a message), so the same fault seen by
// every inspection is one finding whose LastSeen moves on; once an
// inspection no longer sees it, its State becomes fixed.
type Finding struct {
	ID      string `json:"id"`
	Version uint64 `json:"version"`
	// Portal is the ID of the configured portal the finding is about.
	Portal string `json:"portal"`
	Kind   string `json:"kind"`
	// URL is the page the finding is about: the column, the dead link, the
	// message; for a missing item, the page it was looked for on.
	URL string `json:"url"`
	// Subject names what the finding is about in words (a column's name,
	// the title of a message, a required document).
	Subject string `json:"subject"`
	// Evidence says what was seen, in Chinese, e.g. the status of a dead
	// link and the page that links it.
	Evidence string `json:"evidence"`
	// Rule is the ID of the census rule the finding breaks.
	Rule string `json:"rule"`
	// Veto is set when the finding is, or is part of, a 单项否决 item of
	// the census: one such item fails the whole site.
	Veto      bool      `json:"veto"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	State     string    `json:"state"`
	// DueAt is when a reply to a message is due (unanswered_message only).
	DueAt time.Time `json:"due_at,omitzero"`
	// Unit is the responsible unit alerts go to.
	Unit string `json:"unit,omitempty"`
}

// Validate reports what is wrong with a finding, naming the field.
func (f *Finding) Validate() error {
	switch {
	case f.ID == "":
		return fmt.Errorf("missing field id")
	case f.Portal == "":
		return fmt.Errorf("finding %s: missing field portal", f.ID)
	case FindingKindLabel[f.Kind] == "":
		return fmt.Errorf("finding %s: invalid field kind=%q", f.ID, f.Kind)
	case f.State != FindingOpen && f.State != FindingFixed:
		return fmt.Errorf("finding %s: invalid field state=%q", f.ID, f.State)
	}
	return nil
}
