package store

import (
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Filter selects posts. The feed (PostQuery), the read side (Aggregates)
// and the scheme back-test (CandidateQuery) all take it, so a chart and
// the list of posts under it count the same posts. Every field that is
// set must hold; zero fields do not filter.
type Filter struct {
	// Text is a full-text query: posts whose title or body contains every
	// white-space-separated term, as a substring (so 爆炸 finds 化工厂爆炸),
	// ASCII letters matched case-insensitively.
	Text string
	// SourceID is a source's key in the config (Post.SourceID).
	SourceID string
	// Sentiment is positive, neutral or negative: posts whose sentiment
	// is that, as corrected by an officer where a correction exists (the
	// latest correction wins), else as the analyzer labelled it.
	Sentiment string
	// Scheme is a monitoring scheme's ID: posts the analyzer found
	// matching it (Post.Schemes).
	Scheme string
	// Region is a GB/T 2260 code: posts with a region of that code
	// (Post.Regions, whatever its role), matched whole: 320500 does not
	// select the posts of its counties.
	Region string
	// Topic is a topic's name: posts the analyzer gave it (Post.Topics).
	Topic string
	// Tier is an authority tier, one of the model.Tier constants
	// (Post.Authority).
	Tier string
	// Kind is a source kind, one of the model.Kind constants
	// (Post.SourceKind).
	Kind string
	// Since (inclusive) and Until (exclusive) bound the publish time.
	Since time.Time
	Until time.Time
	// Event is an event's ID: the posts the event holds (Event.PostIDs).
	Event string
	// HasIncident selects the posts of an event an incident was opened on
	// (Event.IncidentID set; events merged into another left out).
	HasIncident bool
}

// PostSort is the order of a page of posts.
type PostSort string

const (
	// SortTime is newest published first, ties by ID descending (the
	// zero value).
	SortTime PostSort = ""
	// SortHeat is by the heat of the hottest event (not merged into
	// another) that holds the post, posts of no event last, then as
	// SortTime.
	SortHeat PostSort = "heat"
)

// PostQuery selects a page of posts: a Filter (the fields have the same
// names and meanings; see Filter) and the page. Zero fields do not filter.
type PostQuery struct {
	Text      string
	SourceID  string
	Sentiment string
	Scheme    string
	Region    string
	Topic     string
	Tier      string
	Kind      string
	Since     time.Time
	Until     time.Time
	Event     string
	// HasIncident: see Filter.
	HasIncident bool
	Limit       int // 0 means 50; at most 1000
	Offset      int
	// Sort is the order of the page; the zero value is SortTime.
	Sort PostSort
}

// Filter returns the filter of q: every field but the page.
func (q PostQuery) Filter() Filter {
	return Filter{Text: q.Text, SourceID: q.SourceID, Sentiment: q.Sentiment, Scheme: q.Scheme,
		Region: q.Region, Topic: q.Topic, Tier: q.Tier, Kind: q.Kind, Since: q.Since, Until: q.Until,
		Event: q.Event, HasIncident: q.HasIncident}
}

// Posts returns the query of the page of posts that f selects at limit and
// offset.
func (f Filter) Posts(limit, offset int) PostQuery {
	return PostQuery{Text: f.Text, SourceID: f.SourceID, Sentiment: f.Sentiment, Scheme: f.Scheme,
		Region: f.Region, Topic: f.Topic, Tier: f.Tier, Kind: f.Kind, Since: f.Since, Until: f.Until,
		Event: f.Event, HasIncident: f.HasIncident, Limit: limit, Offset: offset}
}

// Page sizes of a PostQuery.
const (
	DefaultPostLimit = 50
	MaxPostLimit     = 1000
)

// Page returns the limit and offset q asks for: 0 (or less) means
// DefaultPostLimit, more than MaxPostLimit means MaxPostLimit, and a
// negative offset means 0.
func (q PostQuery) Page() (limit, offset int) {
	limit = q.Limit
	if limit <= 0 {
		limit = DefaultPostLimit
	}
	return min(limit, MaxPostLimit), max(q.Offset, 0)
}

// PostPage is one page of a post query.
type PostPage struct {
	Total int64
	Items []model.Post
}

// SearchQuery asks for a feed's page of posts and its facets (see
// Posts.SearchPosts).
type SearchQuery struct {
	PostQuery
	// By are the dimensions to count the matches by; FacetLimit, when
	// positive, keeps at most that many values of each (as
	// FacetQuery.Limit).
	By         []Dimension
	FacetLimit int
}

// Facets returns the facet query of q.
func (q SearchQuery) Facets() FacetQuery {
	return FacetQuery{Filter: q.Filter(), By: q.By, Limit: q.FacetLimit}
}

// SearchResult is what SearchPosts returns: Page.Total and Facets.Total
// are the same count.
type SearchResult struct {
	Page   PostPage
	Facets Facets
	// InIncident is how many of the matches belong to an event with an
	// incident.
	InIncident int64
}

// CandidateQuery selects the candidates of a scheme back-test: the posts
// matching Filter whose title or body contains at least one of Terms, as
// a substring, ASCII letters matched case-insensitively. With no Terms,
// every post matching Filter is a candidate. A caller passes terms such
// that every post its matcher can match contains one of them (the terms of
// one group the scheme requires, in the analyzer's normal form), so the
// candidates are a superset of the matches and only they need matching.
type CandidateQuery struct {
	Filter
	Terms  []string
	Limit  int // 0 means MaxCandidates, and at most that
	Offset int
}

// MaxCandidates bounds one page of candidates.
const MaxCandidates = 50000

// Page returns the limit and offset q asks for: 0 (or less), or more than
// MaxCandidates, means MaxCandidates, and a negative offset means 0.
func (q CandidateQuery) Page() (limit, offset int) {
	limit = q.Limit
	if limit <= 0 || limit > MaxCandidates {
		limit = MaxCandidates
	}
	return limit, max(q.Offset, 0)
}

// Candidate is what a back-test reads of a post.
type Candidate struct {
	ID          string
	Title       string
	Body        string
	PublishedAt time.Time
}

// CandidatePage is one page of candidates and how many there are in all.
type CandidatePage struct {
	Total int64
	Items []Candidate
}

// CandidatesView is how a driver reads a Candidate from the posts table.
var CandidatesView = &Table[Candidate]{
	Name: TablePosts, Singular: "post", Plural: "posts",
	ID: func(c *Candidate) string { return c.ID },
	Columns: []Column[Candidate]{
		Col("id", func(c *Candidate) *string { return &c.ID }),
		Col("title", func(c *Candidate) *string { return &c.Title }),
		Col("body", func(c *Candidate) *string { return &c.Body }),
		Col("published_at", func(c *Candidate) *time.Time { return &c.PublishedAt }),
	},
}

// IncidentQuery selects incidents. Zero fields do not filter.
type IncidentQuery struct {
	OnlyOpen bool
	Limit    int // 0 means 100
}
