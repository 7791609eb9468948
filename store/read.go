package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Aggregates is the read side: the figures dashboards and briefs are drawn
// from, computed by the database (GROUP BY) over the posts a Filter
// selects, never by reading posts one by one. Anyone may call it; it only
// reads, and it sees every write that returned before the call. Counts are
// of distinct posts, each in its winning version, and go by a post's
// sentiment as an officer corrected it, as Filter.Sentiment does. A call
// on a large window is one query per dimension, each bounded by the
// window's posts.
type Aggregates interface {
	// PostSeries counts posts by publish time in buckets of q.Step
	// aligned in China time (model.China), optionally split by one
	// dimension.
	PostSeries(ctx context.Context, q SeriesQuery) (Series, error)
	// PostFacets counts posts by each dimension of q.By, and in all.
	PostFacets(ctx context.Context, q FacetQuery) (Facets, error)
	// TopTerms returns the keywords (Post.Keywords) of the most posts.
	TopTerms(ctx context.Context, q TermQuery) ([]TermCount, error)
	// TopEvents returns the hottest events active in a window.
	TopEvents(ctx context.Context, q EventQuery) ([]model.Event, error)
}

// Dimension is what posts are counted by.
type Dimension string

// The dimensions. A post has one value of each single-valued dimension
// (its sentiment, source, tier and kind; possibly empty) and any number of
// a multi-valued one (topics, regions, schemes), counted once under each
// distinct value it has; a post with none is in no value.
const (
	// BySentiment is the sentiment label as corrected (see
	// Filter.Sentiment).
	BySentiment Dimension = "sentiment"
	// BySource is the source (Post.SourceID); the label is its name.
	BySource Dimension = "source"
	// ByTier is the authority tier (Post.Authority).
	ByTier Dimension = "tier"
	// ByKind is the source kind (Post.SourceKind).
	ByKind Dimension = "kind"
	// ByTopic is each topic's name (Post.Topics).
	ByTopic Dimension = "topic"
	// ByRegion is each region's GB/T 2260 code (Post.Regions, any role);
	// the label is its name.
	ByRegion Dimension = "region"
	// ByScheme is each matched monitoring scheme's ID (Post.Schemes); the
	// label is its name.
	ByScheme Dimension = "scheme"
)

// Dimensions lists every dimension.
var Dimensions = []Dimension{BySentiment, BySource, ByTier, ByKind, ByTopic, ByRegion, ByScheme}

// Valid reports whether d is one of Dimensions.
func (d Dimension) Valid() bool { return slices.Contains(Dimensions, d) }

// Step is the width of the buckets of a time series, aligned in China
// time: an hour, a day from 00:00, a week from Monday 00:00, a calendar
// month from the 1st, 00:00.
type Step string

// The steps.
const (
	StepHour  Step = "hour"
	StepDay   Step = "day"
	StepWeek  Step = "week"
	StepMonth Step = "month"
)

// Valid reports whether s is one of the steps.
func (s Step) Valid() bool {
	return s == StepHour || s == StepDay || s == StepWeek || s == StepMonth
}

// ChinaOffsetNanos is model.China's offset from UTC in nanoseconds, for
// the bucket arithmetic of the drivers' SQL (see Step.Index). China has
// kept UTC+8 all year since 1991, which the arithmetic relies on.
const ChinaOffsetNanos = 8 * int64(time.Hour)

// Bucket widths in nanoseconds, and the day of the week of the Unix epoch
// counted from Monday (1 January 1970 was a Thursday).
const (
	hourNanos    = int64(time.Hour)
	dayNanos     = 24 * hourNanos
	epochWeekday = 3
)

// Index returns the number of the bucket that holds t: what a driver's
// SQL computes from a time column's Unix nanoseconds n, as
//
//	hour:  floor((n + 8h) / 1h)
//	day:   floor((n + 8h) / 24h)
//	week:  floor((day + 3) / 7)
//	month: year*12 + month - 1 of the UTC calendar at n + 8h
//
// where the divisions round down (towards minus infinity) and 8h is
// ChinaOffsetNanos.
func (s Step) Index(t time.Time) int64 {
	n := t.UnixNano() + ChinaOffsetNanos
	switch s {
	case StepHour:
		return floorDiv(n, hourNanos)
	case StepDay:
		return floorDiv(n, dayNanos)
	case StepWeek:
		return floorDiv(floorDiv(n, dayNanos)+epochWeekday, 7)
	case StepMonth:
		c := t.In(model.China)
		return int64(c.Year())*12 + int64(c.Month()) - 1
	}
	panic(fmt.Sprintf("BUG: unknown step %q", s))
}

// Start returns the start, in model.China, of bucket number i.
func (s Step) Start(i int64) time.Time {
	switch s {
	case StepHour:
		return time.Unix(0, i*hourNanos-ChinaOffsetNanos).In(model.China)
	case StepDay:
		return time.Unix(0, i*dayNanos-ChinaOffsetNanos).In(model.China)
	case StepWeek:
		return time.Unix(0, (i*7-epochWeekday)*dayNanos-ChinaOffsetNanos).In(model.China)
	case StepMonth:
		return time.Date(int(floorDiv(i, 12)), time.Month(i-floorDiv(i, 12)*12+1), 1, 0, 0, 0, 0, model.China)
	}
	panic(fmt.Sprintf("BUG: unknown step %q", s))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// MaxBuckets bounds the buckets of one series.
const MaxBuckets = 10000

// ErrTooManyBuckets is returned for a series of more than MaxBuckets
// buckets (hours over years, say): ask for a wider step.
var ErrTooManyBuckets = errors.New("too many buckets")

// SeriesQuery asks for a time series of post counts.
type SeriesQuery struct {
	Filter
	Step Step
	// By, when set, splits the series into one line per value of the
	// dimension; otherwise there is one line, of every post, with an
	// empty key.
	By Dimension
	// Limit, when positive, keeps the lines of the Limit values with the
	// most posts in all.
	Limit int
}

// Series is a time series of post counts.
type Series struct {
	Step Step
	// Buckets are the starts of consecutive buckets, in model.China,
	// oldest first: from the one holding Since to the one holding the
	// instant before Until. An open end is the first or the last bucket
	// that a line has a post in; with no post counted and an open end
	// there are no buckets.
	Buckets []time.Time
	// Lines are ordered by their total, most posts first, ties by key.
	Lines []Line
}

// Line is one line of a series: the posts of one value of the dimension.
type Line struct {
	Key   string
	Label string
	// Counts are parallel to the series' Buckets.
	Counts []int64
	Total  int64
}

// SeriesCount is one row of a driver's series query: how many posts of a
// value of the dimension (Key; empty when not split) fell into bucket
// number Bucket (see Step.Index).
type SeriesCount struct {
	Bucket     int64
	Key, Label string
	Count      int64
}

// Check reports what is wrong with q before a driver queries.
func (q SeriesQuery) Check() error {
	if !q.Step.Valid() {
		return fmt.Errorf("invalid step %q: must be hour, day, week or month", q.Step)
	}
	if q.By != "" && !q.By.Valid() {
		return fmt.Errorf("invalid dimension %q", q.By)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() {
		if n := q.Step.Index(q.Until.Add(-1)) - q.Step.Index(q.Since) + 1; n > MaxBuckets {
			return fmt.Errorf("cannot count %d %s buckets, at most %d: %w", n, q.Step, MaxBuckets, ErrTooManyBuckets)
		}
	}
	return nil
}

// NewSeries assembles the series q asks for from a driver's counts.
func NewSeries(q SeriesQuery, counts []SeriesCount) (Series, error) {
	out := Series{Step: q.Step}
	first, last := int64(0), int64(-1)
	if len(counts) > 0 {
		first, last = counts[0].Bucket, counts[0].Bucket
		for _, c := range counts {
			first, last = min(first, c.Bucket), max(last, c.Bucket)
		}
	}
	if !q.Since.IsZero() {
		first = q.Step.Index(q.Since)
		if len(counts) == 0 && q.Until.IsZero() {
			last = first - 1
		}
	}
	if !q.Until.IsZero() {
		last = q.Step.Index(q.Until.Add(-1))
		if len(counts) == 0 && q.Since.IsZero() {
			first = last + 1
		}
	}
	n := last - first + 1
	if n > MaxBuckets {
		return Series{}, fmt.Errorf("cannot count %d %s buckets, at most %d: %w", n, q.Step, MaxBuckets, ErrTooManyBuckets)
	}
	for i := first; i <= last; i++ {
		out.Buckets = append(out.Buckets, q.Step.Start(i))
	}
	lines := map[string]*Line{}
	for _, c := range counts {
		if c.Bucket < first || c.Bucket > last {
			continue
		}
		l := lines[c.Key]
		if l == nil {
			l = &Line{Key: c.Key, Counts: make([]int64, n)}
			lines[c.Key] = l
		}
		l.Label = max(l.Label, c.Label)
		l.Counts[c.Bucket-first] += c.Count
		l.Total += c.Count
	}
	if q.By == "" && len(lines) == 0 {
		lines[""] = &Line{Counts: make([]int64, n)}
	}
	for _, l := range lines {
		out.Lines = append(out.Lines, *l)
	}
	slices.SortFunc(out.Lines, func(a, b Line) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	if q.Limit > 0 && len(out.Lines) > q.Limit {
		out.Lines = out.Lines[:q.Limit]
	}
	return out, nil
}

// FacetQuery asks for post counts by dimension.
type FacetQuery struct {
	Filter
	// By are the dimensions to count by; none counts only the total.
	By []Dimension
	// Limit, when positive, keeps at most Limit values per dimension.
	Limit int
}

// Check reports what is wrong with q before a driver queries.
func (q FacetQuery) Check() error {
	for _, d := range q.By {
		if !d.Valid() {
			return fmt.Errorf("invalid dimension %q", d)
		}
	}
	return nil
}

// Facets are post counts by dimension.
type Facets struct {
	// Total is how many posts match the filter.
	Total int64
	// By holds, for each dimension asked for, its values with the most
	// posts first, ties by key.
	By map[Dimension][]FacetValue
}

// FacetValue is one value of a dimension and how many posts have it.
type FacetValue struct {
	Key   string
	Label string
	Count int64
}

// TermQuery asks for the keywords of the most posts.
type TermQuery struct {
	Filter
	Limit int // 0 means 50; at most 1000
}

// Limits of a TermQuery and an EventQuery.
const (
	DefaultTopLimit = 50
	MaxTopLimit     = 1000
)

// TopLimit returns the limit n asks for: 0 (or less) means
// DefaultTopLimit, more than MaxTopLimit means MaxTopLimit.
func TopLimit(n int) int {
	if n <= 0 {
		return DefaultTopLimit
	}
	return min(n, MaxTopLimit)
}

// TermCount is a keyword, in how many posts it is a keyword and the sum of
// its weights in them. TopTerms orders them by posts, then weight, most
// first, then by term.
type TermCount struct {
	Term   string
	Posts  int64
	Weight float64
}

// EventQuery selects the events active in a window: last seen at or after
// Since and first seen before Until (a zero bound does not bound), not
// merged into another. TopEvents returns them by Heat, hottest first, ties
// by ID, descending.
type EventQuery struct {
	Since time.Time
	Until time.Time
	Limit int // 0 means 50; at most 1000
}
