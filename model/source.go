package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Source is a source the crawler polls (信息源) as the settings keep it:
// the fields of a crawler.sources entry of the configuration, with the
// interval as a Go duration ("10m"; empty for the crawler's default), and
// whether the source is in use.
type Source struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Authority      string   `json:"authority,omitempty"`
	Region         string   `json:"region,omitempty"`
	URL            string   `json:"url"`
	Interval       string   `json:"interval,omitempty"`
	AllowedDomains []string `json:"allowed_domains,omitempty"`
	AllowPrivate   bool     `json:"allow_private,omitempty"`
	Encoding       string   `json:"encoding,omitempty"`
	List           struct {
		Links    string `json:"links,omitempty"`
		Next     string `json:"next,omitempty"`
		MaxPages int    `json:"max_pages,omitempty"`
	} `json:"list,omitzero"`
	Article struct {
		Title  string `json:"title,omitempty"`
		Body   string `json:"body,omitempty"`
		Time   string `json:"time,omitempty"`
		Author string `json:"author,omitempty"`
	} `json:"article,omitzero"`
	API struct {
		Items      string `json:"items,omitempty"`
		ID         string `json:"id,omitempty"`
		Title      string `json:"title,omitempty"`
		Body       string `json:"body,omitempty"`
		Time       string `json:"time,omitempty"`
		Author     string `json:"author,omitempty"`
		URL        string `json:"url,omitempty"`
		TimeFormat string `json:"time_format,omitempty"`
		Next       string `json:"next,omitempty"`
		MaxPages   int    `json:"max_pages,omitempty"`
	} `json:"api,omitzero"`
	// Disabled sources are kept but not polled.
	Disabled bool `json:"disabled,omitempty"`
}

// SourceKinds are the kinds of source the crawler reads.
var SourceKinds = []string{KindPortal, KindNews, KindForum, KindFeed, KindAPI}

// Tiers are the authority tiers of a source.
var Tiers = []string{TierOfficial, TierCentral, TierProvincial, TierLocal, TierForum, TierSelfMedia}

// IntervalOf returns the source's poll interval, 0 for the crawler's
// default.
func (s *Source) IntervalOf() (time.Duration, error) {
	if s.Interval == "" {
		return 0, nil
	}
	return time.ParseDuration(s.Interval)
}

// Validate checks what the settings themselves require of a source (the
// crawler judges its selectors and API paths), naming the field.
func (s *Source) Validate() error {
	var errs []error
	if err := validateKey(s.ID); err != nil {
		errs = append(errs, err)
	} else if strings.ContainsAny(s.ID, `.`) {
		errs = append(errs, fmt.Errorf("invalid field id=%q: letters, digits, '-', '_' only", s.ID))
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case strings.TrimSpace(s.Name) == "":
		errs = append(errs, errors.New("missing field name"))
	case n > MaxSchemeNameRunes || strings.ContainsAny(s.Name, "\r\n"):
		errs = append(errs, fmt.Errorf("invalid field name=%q: one line of at most %d characters", s.Name, MaxSchemeNameRunes))
	}
	if !contains(SourceKinds, s.Kind) {
		errs = append(errs, fmt.Errorf("invalid field kind=%q: want one of %s", s.Kind, strings.Join(SourceKinds, ", ")))
	}
	if s.Authority != "" && !contains(Tiers, s.Authority) {
		errs = append(errs, fmt.Errorf("invalid field authority=%q: want one of %s", s.Authority, strings.Join(Tiers, ", ")))
	}
	if s.URL == "" {
		errs = append(errs, errors.New("missing field url"))
	}
	if d, err := s.IntervalOf(); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("invalid field interval=%q: want a duration such as 10m", s.Interval))
	}
	return errors.Join(errs...)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Change returns the setting change that makes s the source in force.
func (s Source) Change(id, by string, at time.Time) SettingChange {
	b, _ := json.Marshal(s) // strings, bools and ints always encode
	return SettingChange{ID: id, Kind: SettingSource, Key: s.ID, Value: string(b), By: by, At: at}
}

// DecodeSource returns the source a change sets.
func DecodeSource(c SettingChange) (Source, error) {
	var s Source
	if err := json.Unmarshal([]byte(c.Value), &s); err != nil {
		return Source{}, fmt.Errorf("setting change %s: cannot decode source %q: %w", c.ID, c.Key, err)
	}
	s.ID = c.Key
	return s, nil
}

// Results of a poll (SourcePoll.Result).
const (
	PollOK           = "ok"
	PollFetchError   = "fetch_error"
	PollPublishError = "publish_error"
	PollStateError   = "state_error"
	PollCanceled     = "canceled"
)

// SourcePoll is the outcome of one poll of a source, which the crawler
// records in the store so the console (maybe another process) can show
// each source's status.
type SourcePoll struct {
	// ID identifies the poll (source and start), so a record written
	// twice is stored once.
	ID       string    `json:"id"`
	SourceID string    `json:"source_id"`
	At       time.Time `json:"at"`
	// Result is one of the Poll constants.
	Result string `json:"result"`
	// Problem classifies a failure for people (one of the Problem
	// constants; empty when the poll succeeded).
	Problem string `json:"problem,omitempty"`
	// Error is the failure as the crawler logged it (English).
	Error string `json:"error,omitempty"`
	// Documents is how many documents the poll published, Fetched how
	// many pages it requested, RobotsRefused how many URLs robots.txt
	// forbade.
	Documents     int `json:"documents"`
	Fetched       int `json:"fetched"`
	RobotsRefused int `json:"robots_refused"`
}

// Problems of a failed poll (SourcePoll.Problem).
const (
	ProblemTimeout  = "timeout" // the site did not answer in time
	ProblemDNS      = "dns"     // the host name does not resolve
	ProblemConnect  = "connect" // the connection was refused or reset
	ProblemRefused  = "refused" // a private address the source may not reach
	ProblemHTTP     = "http"    // the site answered with an error status
	ProblemParse    = "parse"   // the page, feed or API answer could not be read
	ProblemPublish  = "publish" // the message queue did not take the documents
	ProblemState    = "state"   // the crawler could not save what it has seen
	ProblemOther    = "other"   // anything else
	MaxPollErrorLen = 500       // bytes of SourcePoll.Error kept
)

// Validate returns what is wrong with p; nil if it may be stored.
func (p *SourcePoll) Validate() error {
	var errs []error
	if p.ID == "" {
		errs = append(errs, errors.New("BUG: a poll record needs an id"))
	}
	if p.SourceID == "" {
		errs = append(errs, errors.New("missing field source_id"))
	}
	if p.At.IsZero() {
		errs = append(errs, errors.New("missing field at"))
	}
	switch p.Result {
	case PollOK, PollFetchError, PollPublishError, PollStateError, PollCanceled:
	default:
		errs = append(errs, fmt.Errorf("invalid field result=%q", p.Result))
	}
	if len(p.Error) > MaxPollErrorLen || !utf8.ValidString(p.Error) {
		errs = append(errs, fmt.Errorf("invalid field error: at most %d bytes of UTF-8", MaxPollErrorLen))
	}
	return errors.Join(errs...)
}

// SourcePollRetention is how long poll records are kept at least.
const SourcePollRetention = 30 * 24 * time.Hour

// SourceStatus is how a source's polls went over a window: the latest
// poll and counts since the window's start.
type SourceStatus struct {
	SourceID string `json:"source_id"`
	// Last is the latest poll (zero At: never polled in the window).
	Last SourcePoll `json:"last"`
	// LastError is the latest failed poll in the window (zero At: none).
	LastError     SourcePoll `json:"last_error,omitzero"`
	Polls         int64      `json:"polls"`
	Errors        int64      `json:"errors"`
	RobotsRefused int64      `json:"robots_refused"`
	Documents     int64      `json:"documents"`
}
