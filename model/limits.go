package model

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what a person enters (in characters, not bytes). Every free
// text field of a request has one, so no input can grow a page or a
// history without bound.
const (
	MaxActorLen  = 64   // a user name
	MaxNameLen   = 200  // an assignee, a rule, a source, a level
	MaxTitleLen  = 500  // a title
	MaxReasonLen = 4000 // a reason, a note
	MaxURLLen    = 2048 // an evidence URL
)

// EarliestDate is the earliest date a person may enter: nothing yuqing
// tracks happened before it. LatestAhead is how far past now a date may
// be (a planned publication, a restarted clock).
var (
	EarliestDate = time.Date(2000, 1, 1, 0, 0, 0, 0, China)
	LatestAhead  = 366 * 24 * time.Hour
)

// CheckText returns an error naming field when v is not valid UTF-8 or
// longer than max characters.
func CheckText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("invalid field %s: not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Errorf("invalid field %s: %d characters, at most %d", field, n, max)
	}
	return nil
}

// CheckDate returns an error naming field when t (if set) is before
// EarliestDate or more than LatestAhead after now.
func CheckDate(field string, t, now time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Before(EarliestDate) || t.After(now.Add(LatestAhead)) {
		return fmt.Errorf("invalid field %s=%s: must be between %s and %s", field, t.Format(time.RFC3339),
			EarliestDate.Format("2006-01-02"), now.Add(LatestAhead).In(China).Format("2006-01-02"))
	}
	return nil
}

// CheckEvidenceURL returns an error naming field unless v is an absolute
// http or https URL with a host: what a published response is.
func CheckEvidenceURL(field, v string) error {
	if err := CheckText(field, v, MaxURLLen); err != nil {
		return err
	}
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid field %s=%q: want an http or https address of the published response", field, v)
	}
	return nil
}

// Validate checks the shape of a request's fields against the limits:
// lengths, UTF-8, the evidence URL's scheme, dates in range. Which fields
// an action needs is the console's concern.
func (r Request) Validate(now time.Time) error {
	errs := []error{
		CheckText("reason", r.Reason, MaxReasonLen),
		CheckText("level", r.Level, MaxNameLen),
		CheckText("assignee", r.Assignee, MaxNameLen),
		CheckText("rule", r.Rule, MaxNameLen),
		CheckText("title", r.Title, MaxTitleLen),
		CheckText("source", r.Source, MaxNameLen),
		CheckDate("published_at", r.PublishedAt, now),
		CheckDate("from", r.From, now),
	}
	if r.URL != "" {
		errs = append(errs, CheckEvidenceURL("url", r.URL))
	}
	if r.Days < 0 || r.Days > 3650 {
		errs = append(errs, fmt.Errorf("invalid field days=%d: must be between 0 and 3650", r.Days))
	}
	return errors.Join(errs...)
}
