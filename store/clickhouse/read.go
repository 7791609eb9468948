package clickhouse

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the post filter and the read side: counts and top lists
// from the rollup where a filter allows (rollup.go), else computed by
// ClickHouse's GROUP BY over the winning versions of the posts matching
// (winning). ClickHouse has no read transaction, so the figures of one
// call are each as of their own query.

// postFilter builds the WHERE clause (with its leading space, or empty) and
// its arguments for f, on posts FINAL; with anyTerms, a post must also
// contain one of them (see store.CandidateQuery).
//
// A filter must see only each post's winning version, yet a time range
// should not read the whole table. So the filter runs twice: a subquery
// without FINAL finds the IDs of every row, of any version, that matches —
// there it may prune month partitions by published_at and use skip indexes,
// and it finds the winning row whenever that row matches — and the outer
// query keeps, of those IDs, the posts whose winning version matches, by
// the same conditions after FINAL. The outer conditions never name
// published_at: pruning parts by it under FINAL would drop a part that
// holds a newer version whose publish time moved out of the range, and
// return the stale version instead.
//
// Text terms and anyTerms match ASCII and other letters case-insensitively
// (positionCaseInsensitiveUTF8), so short Chinese terms match like long
// ones. The sentiment filter overlays officers' corrections: a corrected
// post matches by the label of its latest correction, whichever version of
// the post is stored, and others by the analyzer's label.
func (s *Store) postFilter(f store.Filter, anyTerms []string) (string, []any, error) {
	inner, outer, args, err := s.filterParts(f, anyTerms)
	if err != nil || inner == "" {
		return "", nil, err
	}
	where := fmt.Sprintf(" WHERE id IN (SELECT id FROM %s WHERE %s) AND %s", s.table(store.TablePosts), inner, outer)
	return where, append(slices.Clone(args), args...), nil
}

// filterParts returns the conditions of postFilter apart, with their
// arguments (the same for both): inner, on rows of any version (with the
// pruning of month partitions), and outer, on the winning versions; both
// are empty when f has no condition.
func (s *Store) filterParts(f store.Filter, anyTerms []string) (inner, outer string, args []any, err error) {
	var conds, prune []string
	for _, term := range strings.Fields(f.Text) {
		conds = append(conds, "("+containsTerm(term)+")")
		args = append(args, term, term)
	}
	if len(anyTerms) > 0 && !slices.Contains(anyTerms, "") {
		var ors []string
		for _, term := range anyTerms {
			ors = append(ors, containsTerm(term))
			args = append(args, term, term)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	for _, eq := range []struct{ cond, value string }{
		{"source_id = ?", f.SourceID}, {"authority = ?", f.Tier}, {"source_kind = ?", f.Kind},
		{"has(scheme_ids, ?)", f.Scheme}, {"has(topic_names, ?)", f.Topic}, {"has(region_codes, ?)", f.Region},
	} {
		if eq.value != "" {
			conds = append(conds, eq.cond)
			args = append(args, eq.value)
		}
	}
	if f.Sentiment != "" {
		conds = append(conds, fmt.Sprintf("(id IN (SELECT post_id FROM (SELECT post_id, argMax(label, (at_ns, id)) AS latest FROM %[1]s GROUP BY post_id) WHERE latest = ?)"+
			" OR sentiment_label = ? AND id NOT IN (SELECT post_id FROM %[1]s))", s.table(store.TableCorrections)))
		args = append(args, f.Sentiment, f.Sentiment)
	}
	if f.Event != "" {
		conds = append(conds, fmt.Sprintf("id IN (SELECT arrayJoin(post_ids) FROM %s FINAL WHERE id = ?)", s.table(store.TableEvents)))
		args = append(args, f.Event)
	}
	if f.HasIncident {
		conds = append(conds, fmt.Sprintf("id IN (SELECT arrayJoin(post_ids) FROM %s FINAL WHERE incident_id != '' AND merged_into = '')", s.table(store.TableEvents)))
	}
	if !f.Since.IsZero() {
		n, err := store.UnixNanos("since", f.Since)
		if err != nil {
			return "", "", nil, err
		}
		conds = append(conds, "published_at_ns >= ?")
		args = append(args, n)
		if secs := f.Since.Unix(); secs > 0 && secs <= math.MaxUint32 {
			prune = append(prune, fmt.Sprintf("published_at >= toDateTime(%d)", secs))
		}
	}
	if !f.Until.IsZero() {
		n, err := store.UnixNanos("until", f.Until)
		if err != nil {
			return "", "", nil, err
		}
		conds = append(conds, "published_at_ns < ?")
		args = append(args, n)
		if secs := f.Until.Unix() + 1; secs > 0 && secs <= math.MaxUint32 {
			prune = append(prune, fmt.Sprintf("published_at <= toDateTime(%d)", secs))
		}
	}
	if len(conds) == 0 {
		return "", "", nil, nil
	}
	return strings.Join(append(conds, prune...), " AND "), strings.Join(conds, " AND "), args, nil
}

// winning is a subquery, to read FROM, of the columns cols (which must
// include id) of the winning versions of the posts matching f (and
// anyTerms, as postFilter): what FROM posts FINAL with postFilter selects,
// without FINAL, whose merge of the whole table on every query costs
// seconds at 10 M posts however few posts match (issue 12, item 8).
//
// The rows of any version matching the filter are found with the pruning
// of month partitions (filterParts' inner conditions); of those, a row is
// kept unless its (id, version) is recorded superseded (superseded.go)
// in the window's hours. A winning version that matches is among the
// matching rows, and one that does not match leaves its ID out, as after
// FINAL. LIMIT 1 BY id drops the copies of a version written twice and
// not merged yet. The filter is evaluated once. With a window, and
// columns the searchable copy has, the rows are read from it.
func (s *Store) winning(cols string, f store.Filter, anyTerms []string) (string, []any, error) {
	inner, _, args, err := s.filterParts(f, anyTerms)
	if err != nil {
		return "", nil, err
	}
	posts := s.table(store.TablePosts)
	if inner == "" {
		return fmt.Sprintf("(SELECT %s FROM %s FINAL)", cols, posts), nil, nil
	}
	if (!f.Since.IsZero() || !f.Until.IsZero()) && searchable(cols) {
		posts = s.table("post_search") // the window's granules only (search.go)
	}
	sup, supArgs := s.supersededIn(f)
	return fmt.Sprintf("(SELECT %s FROM %s WHERE %s AND (id, version) NOT IN %s LIMIT 1 BY id)",
		cols, posts, inner, sup), append(slices.Clone(args), supArgs...), nil
}

// containsTerm is the condition, with two placeholders for term, that the
// title or the body contains term, letters of either case matching. A term
// without cased letters (most Chinese terms) is searched byte for byte
// (position), several times faster than positionCaseInsensitiveUTF8 and
// the same matches: lowering the case of the text leaves its uncased
// characters as they are.
func containsTerm(term string) string {
	if strings.ToLower(term) == term && strings.ToUpper(term) == term {
		return "position(title, ?) > 0 OR position(body, ?) > 0"
	}
	return "positionCaseInsensitiveUTF8(title, ?) > 0 OR positionCaseInsensitiveUTF8(body, ?) > 0"
}

// dimension is how the posts are counted by one store.Dimension: the
// columns read from the filtered posts besides id and published_at_ns,
// what is joined to them, and the key, label and count expressions over
// the result.
type dimension struct{ cols, join, key, label, count string }

func (s *Store) dimensionOf(d store.Dimension) dimension {
	switch d {
	case store.BySentiment:
		// The latest correction of each corrected post, joined to the
		// posts; a post without one gets the empty label.
		return dimension{cols: "sentiment_label",
			join: fmt.Sprintf(" ANY LEFT JOIN (SELECT post_id AS id, corrected FROM (SELECT post_id, argMax(label, (at_ns, id)) AS corrected FROM %s GROUP BY post_id)) USING id",
				s.table(store.TableCorrections)),
			key: "if(corrected = '', sentiment_label, corrected)", label: "''", count: "count()"}
	case store.BySource:
		return dimension{cols: "source_id, source_name", key: "source_id", label: "source_name", count: "count()"}
	case store.ByTier:
		return dimension{cols: "authority", key: "authority", label: "''", count: "count()"}
	case store.ByKind:
		return dimension{cols: "source_kind", key: "source_kind", label: "''", count: "count()"}
	case store.ByTopic:
		return dimension{cols: "topic_names", join: " ARRAY JOIN topic_names AS topic", key: "topic", label: "''", count: "uniqExact(id)"}
	case store.ByRegion:
		return dimension{cols: "region_codes, region_names", join: " ARRAY JOIN region_codes AS region, region_names AS region_name",
			key: "region", label: "region_name", count: "uniqExact(id)"}
	case store.ByScheme:
		return dimension{cols: "scheme_ids, scheme_names", join: " ARRAY JOIN scheme_ids AS scheme, scheme_names AS scheme_name",
			key: "scheme", label: "scheme_name", count: "uniqExact(id)"}
	}
	panic(fmt.Sprintf("BUG: unknown dimension %q", d))
}

// floorDiv is e divided by n rounded down, in SQL, n positive.
func floorDiv(e string, n int64) string {
	return fmt.Sprintf("(intDiv(%[1]s, %[2]d) - ((%[1]s) %% %[2]d < 0))", e, n)
}

// bucketOf is the number of the bucket of step that holds the time in the
// nanosecond column (see store.Step.Index), an Int64.
func bucketOf(step store.Step, column string) string {
	shifted := fmt.Sprintf("%s + toInt64(%d)", column, store.ChinaOffsetNanos)
	day := floorDiv(shifted, 24*int64(time.Hour))
	var e string
	switch step {
	case store.StepHour:
		e = floorDiv(shifted, int64(time.Hour))
	case store.StepDay:
		e = day
	case store.StepWeek:
		e = floorDiv(day+" + 3", 7)
	case store.StepMonth:
		t := "toDateTime(" + floorDiv(shifted, int64(time.Second)) + ", 'UTC')"
		e = fmt.Sprintf("toYear(%[1]s) * 12 + toMonth(%[1]s) - 1", t)
	default:
		panic(fmt.Sprintf("BUG: unknown step %q", step))
	}
	return "toInt64(" + e + ")"
}

// PostSeries counts the posts matching q by publish time, in buckets of
// q.Step aligned in China time, split by q.By.
func (s *Store) PostSeries(ctx context.Context, q store.SeriesQuery) (store.Series, error) {
	start := time.Now()
	series, err := s.postSeries(ctx, q)
	s.metrics.QueryDone("post_series", start, err)
	if err != nil {
		return store.Series{}, fmt.Errorf("cannot count posts by %s: %w", q.Step, err)
	}
	return series, nil
}

func (s *Store) postSeries(ctx context.Context, q store.SeriesQuery) (store.Series, error) {
	if err := q.Check(); err != nil {
		return store.Series{}, err
	}
	if plan, ok := store.PlanRollup(q.Filter); ok {
		counts, err := s.rollupSeries(ctx, plan, q.Step, q.By)
		if err != nil {
			return store.Series{}, err
		}
		return store.NewSeries(q, counts)
	}
	d := dimension{key: "''", label: "''", count: "count()"}
	if q.By != "" {
		d = s.dimensionOf(q.By)
	}
	cols := "id, published_at_ns"
	if d.cols != "" {
		cols += ", " + d.cols
	}
	from, args, err := s.winning(cols, q.Filter, nil)
	if err != nil {
		return store.Series{}, err
	}
	rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT %s AS bucket, toString(%s) AS k, toString(max(%s)), %s FROM %s%s GROUP BY bucket, k",
		bucketOf(q.Step, "published_at_ns"), d.key, d.label, d.count, from, d.join), args...)
	if err != nil {
		return store.Series{}, err
	}
	defer rows.Close()
	var counts []store.SeriesCount
	for rows.Next() {
		var (
			c store.SeriesCount
			n uint64
		)
		if err := rows.Scan(&c.Bucket, &c.Key, &c.Label, &n); err != nil {
			return store.Series{}, err
		}
		c.Count = int64(n)
		counts = append(counts, c)
	}
	if err := rows.Err(); err != nil {
		return store.Series{}, err
	}
	return store.NewSeries(q, counts)
}

// PostFacets counts the posts matching q, in all and by each of q.By.
func (s *Store) PostFacets(ctx context.Context, q store.FacetQuery) (store.Facets, error) {
	start := time.Now()
	facets, err := s.postFacets(ctx, q)
	s.metrics.QueryDone("post_facets", start, err)
	if err != nil {
		return store.Facets{}, fmt.Errorf("cannot count posts by %v: %w", q.By, err)
	}
	return facets, nil
}

func (s *Store) postFacets(ctx context.Context, q store.FacetQuery) (store.Facets, error) {
	if err := q.Check(); err != nil {
		return store.Facets{}, err
	}
	out := store.Facets{By: map[store.Dimension][]store.FacetValue{}}
	var err error
	if plan, ok := store.PlanRollup(q.Filter); ok {
		if out.Total, err = s.rollupTotal(ctx, plan); err != nil {
			return store.Facets{}, err
		}
		for _, dim := range q.By {
			if out.By[dim], err = s.rollupCounts(ctx, plan, dim, q.Limit); err != nil {
				return store.Facets{}, err
			}
		}
		return out, nil
	}
	out, _, _, err = s.facetsOnce(ctx, q, false, 0)
	return out, err
}

// TopTerms returns the keywords of the most posts matching q.
func (s *Store) TopTerms(ctx context.Context, q store.TermQuery) ([]store.TermCount, error) {
	start := time.Now()
	out, err := s.topTerms(ctx, q)
	s.metrics.QueryDone("top_terms", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot count the keywords of posts: %w", err)
	}
	return out, nil
}

func (s *Store) topTerms(ctx context.Context, q store.TermQuery) ([]store.TermCount, error) {
	if plan, ok := store.PlanRollup(q.Filter); ok {
		return s.rollupTerms(ctx, plan, store.TopLimit(q.Limit))
	}
	from, args, err := s.winning("id, keyword_words, keyword_weights", q.Filter, nil)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT word, uniqExact(id) AS n, sum(weight) AS weights FROM %s"+
		" ARRAY JOIN keyword_words AS word, keyword_weights AS weight GROUP BY word ORDER BY n DESC, weights DESC, word LIMIT %d",
		from, store.TopLimit(q.Limit)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TermCount
	for rows.Next() {
		var (
			t store.TermCount
			n uint64
		)
		if err := rows.Scan(&t.Term, &n, &t.Weight); err != nil {
			return nil, err
		}
		t.Posts = int64(n)
		out = append(out, t)
	}
	return out, rows.Err()
}

// TopEvents returns the hottest events active in q's window.
func (s *Store) TopEvents(ctx context.Context, q store.EventQuery) ([]model.Event, error) {
	start := time.Now()
	out, err := s.topEvents(ctx, q)
	s.metrics.QueryDone("top_events", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list the hottest events: %w", err)
	}
	return out, nil
}

func (s *Store) topEvents(ctx context.Context, q store.EventQuery) ([]model.Event, error) {
	conds, args := []string{"merged_into = ''"}, []any{}
	if !q.Since.IsZero() {
		n, err := store.UnixNanos("since", q.Since)
		if err != nil {
			return nil, err
		}
		conds, args = append(conds, "last_seen_ns >= ?"), append(args, n)
	}
	if !q.Until.IsZero() {
		n, err := store.UnixNanos("until", q.Until)
		if err != nil {
			return nil, err
		}
		conds, args = append(conds, "first_seen_ns < ?"), append(args, n)
	}
	return query(ctx, s, store.EventsTable, fmt.Sprintf("SELECT %s FROM %s FINAL WHERE %s ORDER BY heat DESC, id DESC LIMIT %d",
		columns(store.EventsTable), s.table(store.TableEvents), strings.Join(conds, " AND "), store.TopLimit(q.Limit)), args...)
}

// QueryCandidates returns the page of posts matching q.Filter that contain
// one of q.Terms, newest first, and their total.
func (s *Store) QueryCandidates(ctx context.Context, q store.CandidateQuery) (store.CandidatePage, error) {
	start := time.Now()
	page, err := s.queryCandidates(ctx, q)
	s.metrics.QueryDone("query_candidates", start, err)
	if err != nil {
		return store.CandidatePage{}, fmt.Errorf("cannot find the posts with any of %d terms: %w", len(q.Terms), err)
	}
	return page, nil
}

func (s *Store) queryCandidates(ctx context.Context, q store.CandidateQuery) (store.CandidatePage, error) {
	from, args, err := s.winning(columns(store.CandidatesView), q.Filter, q.Terms)
	if err != nil {
		return store.CandidatePage{}, err
	}
	var total uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+from, args...).Scan(&total); err != nil {
		return store.CandidatePage{}, err
	}
	page := store.CandidatePage{Total: int64(total)}
	limit, offset := q.Page()
	if total == 0 || offset >= int(total) {
		return page, nil
	}
	page.Items, err = query(ctx, s, store.CandidatesView, fmt.Sprintf("SELECT %s FROM %s ORDER BY published_at_ns DESC, id DESC LIMIT %d, %d",
		columns(store.CandidatesView), from, offset, limit), args...)
	if err != nil {
		return store.CandidatePage{}, err
	}
	return page, nil
}
