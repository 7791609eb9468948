package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the post filter and the read side: counts and top lists
// computed by SQLite's GROUP BY, in one read transaction per call so that
// a call's figures agree with each other.

// correctedSentiment is a post's sentiment as the read side means it: the
// label of its latest correction (by at, then id), where there is one,
// else the analyzer's. The filter and the counts use the same expression.
// Whether a post has a correction is a probe of the corrections' index
// (the few corrected posts only run the subquery), and both columns read
// from posts are in posts_sentiment_published, so a count filtered by it
// can be answered from that index alone.
const correctedSentiment = `CASE WHEN posts.id IN (SELECT post_id FROM sentiment_corrections)
	THEN (SELECT c.label FROM sentiment_corrections c WHERE c.post_id = posts.id ORDER BY c.at DESC, c.id DESC LIMIT 1)
	ELSE sentiment_label END`

// sentimentCandidates is a condition every post whose corrected sentiment
// is the argument meets, and that SQLite answers from the index
// posts_sentiment_published: the analyzer's label is the argument or that
// of a post corrected to it. postFilter adds it before the exact
// correctedSentiment, which alone no index can answer.
const sentimentCandidates = `sentiment_label IN (SELECT ? UNION SELECT p.sentiment_label FROM sentiment_corrections sc
	JOIN posts p ON p.id = sc.post_id WHERE sc.label = ?)`

// postFilter builds the WHERE clause (with its leading space, or empty) and
// its arguments for f, on the posts table; with anyTerms, a post must
// also contain one of them (see store.CandidateQuery).
//
// f.Text is split on white space and every term must occur in the title
// or the body (see termCond).
func postFilter(f store.Filter, anyTerms []string) (string, []any, error) {
	return postFilterPlan(f, anyTerms, termPlan{})
}

// postFilterPlan is postFilter with the terms of f.Text matched as plan
// says (see termPlan).
func postFilterPlan(f store.Filter, anyTerms []string, plan termPlan) (string, []any, error) {
	var (
		conds []string
		args  []any
	)
	for _, term := range strings.Fields(f.Text) {
		cond, condArgs := plan.cond(term)
		conds, args = append(conds, cond), append(args, condArgs...)
	}
	if cond, condArgs := anyTerm(anyTerms); cond != "" {
		conds = append(conds, cond)
		args = append(args, condArgs...)
	}
	for _, eq := range []struct{ column, value string }{
		{"source_id", f.SourceID}, {"authority", f.Tier}, {"source_kind", f.Kind},
	} {
		if eq.value != "" {
			conds = append(conds, eq.column+` = ?`)
			args = append(args, eq.value)
		}
	}
	if f.Sentiment != "" {
		conds = append(conds, sentimentCandidates, correctedSentiment+` = ?`)
		args = append(args, f.Sentiment, f.Sentiment, f.Sentiment)
	}
	if f.Scheme != "" {
		conds = append(conds, `seq IN (SELECT post_seq FROM post_schemes WHERE scheme_id = ?)`)
		args = append(args, f.Scheme)
	}
	if f.Topic != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM json_each(posts.topics) WHERE json_extract(value, '$.name') = ?)`)
		args = append(args, f.Topic)
	}
	if f.Region != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM json_each(posts.regions) WHERE json_extract(value, '$.code') = ?)`)
		args = append(args, f.Region)
	}
	if f.Event != "" {
		conds = append(conds, `posts.id IN (SELECT j.value FROM events e, json_each(e.post_ids) j WHERE e.id = ?)`)
		args = append(args, f.Event)
	}
	if f.HasIncident {
		conds = append(conds, `posts.id IN (SELECT j.value FROM events e, json_each(e.post_ids) j WHERE e.incident_id != '' AND e.merged_into = '')`)
	}
	if !f.Since.IsZero() {
		n, err := store.UnixNanos("since", f.Since)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, `published_at >= ?`)
		args = append(args, n)
	}
	if !f.Until.IsZero() {
		n, err := store.UnixNanos("until", f.Until)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, `published_at < ?`)
		args = append(args, n)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// anyTerm is the condition that a post's title or body contains one of
// terms (see termCond). No terms, or an empty one (which every post
// contains), make no condition.
func anyTerm(terms []string) (string, []any) {
	var (
		ors  []string
		args []any
	)
	for _, term := range terms {
		if term == "" {
			return "", nil
		}
		cond, condArgs := termCond(term)
		ors, args = append(ors, cond), append(args, condArgs...)
	}
	if len(ors) == 0 {
		return "", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// ftsString quotes term as an FTS5 string, which the trigram tokenizer
// matches as a substring; an inner quote is escaped by doubling.
func ftsString(term string) string {
	return `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
}

// escapeLike escapes LIKE's wildcards so a term matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// dimension is how the posts are counted by one store.Dimension: the
// table joined to posts for a multi-valued one, and the key and label
// expressions.
type dimension struct{ join, key, label string }

func dimensionOf(d store.Dimension) dimension {
	each := func(column, key, label string) dimension {
		return dimension{
			join:  ` JOIN json_each(posts.` + column + `) AS j`,
			key:   `json_extract(j.value, '$.` + key + `')`,
			label: label,
		}
	}
	switch d {
	case store.BySentiment:
		return dimension{key: correctedSentiment, label: `''`}
	case store.BySource:
		return dimension{key: `source_id`, label: `source_name`}
	case store.ByTier:
		return dimension{key: `authority`, label: `''`}
	case store.ByKind:
		return dimension{key: `source_kind`, label: `''`}
	case store.ByTopic:
		return each("topics", "name", `''`)
	case store.ByRegion:
		return each("regions", "code", `coalesce(json_extract(j.value, '$.name'), '')`)
	case store.ByScheme:
		return each("schemes", "id", `coalesce(json_extract(j.value, '$.name'), '')`)
	}
	panic(fmt.Sprintf("BUG: unknown dimension %q", d))
}

// floorDiv is e divided by n rounded down, in SQL, n positive.
func floorDiv(e string, n int64) string {
	return fmt.Sprintf("((%[1]s) / %[2]d - ((%[1]s) %% %[2]d < 0))", e, n)
}

// bucketOf is the number of the bucket of step that holds the time in
// column (see store.Step.Index).
func bucketOf(step store.Step, column string) string {
	shifted := fmt.Sprintf("%s + %d", column, store.ChinaOffsetNanos)
	day := floorDiv(shifted, 24*int64(time.Hour))
	switch step {
	case store.StepHour:
		return floorDiv(shifted, int64(time.Hour))
	case store.StepDay:
		return day
	case store.StepWeek:
		return floorDiv(day+" + 3", 7)
	case store.StepMonth:
		secs := floorDiv(shifted, int64(time.Second))
		return fmt.Sprintf("(CAST(strftime('%%Y', %[1]s, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%%m', %[1]s, 'unixepoch') AS INTEGER) - 1)", secs)
	}
	panic(fmt.Sprintf("BUG: unknown step %q", step))
}

// readTx runs fn in one read transaction and records it as op.
func (s *Store) readTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	start := time.Now()
	err := func() error {
		tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback()
		return fn(tx)
	}()
	s.metrics.QueryDone(op, start, err)
	return err
}

// PostSeries counts the posts matching q by publish time, in buckets of
// q.Step aligned in China time, split by q.By.
func (s *Store) PostSeries(ctx context.Context, q store.SeriesQuery) (store.Series, error) {
	if err := q.Check(); err != nil {
		return store.Series{}, fmt.Errorf("cannot count posts by %s: %w", q.Step, err)
	}
	var counts []store.SeriesCount
	err := s.readTx(ctx, "post_series", func(tx *sql.Tx) error {
		if plan, ok := planRollup(q.Filter); ok {
			var err error
			counts, err = rollupSeries(ctx, tx, plan, q.Step, q.By)
			return err
		}
		terms, err := planTerms(ctx, tx, q.Filter)
		if err != nil {
			return err
		}
		where, args, err := postFilterPlan(q.Filter, nil, terms)
		if err != nil {
			return err
		}
		d := dimension{key: `''`, label: `''`}
		if q.By != "" {
			d = dimensionOf(q.By)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+bucketOf(q.Step, "published_at")+` AS b, `+d.key+` AS k, max(`+d.label+`), count(DISTINCT posts.id)
			FROM posts`+d.join+where+` GROUP BY b, k`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c store.SeriesCount
			if err := rows.Scan(&c.Bucket, &c.Key, &c.Label, &c.Count); err != nil {
				return err
			}
			counts = append(counts, c)
		}
		return rows.Err()
	})
	var series store.Series
	if err == nil {
		series, err = store.NewSeries(q, counts)
	}
	if err != nil {
		return store.Series{}, fmt.Errorf("cannot count posts by %s: %w", q.Step, err)
	}
	return series, nil
}

// PostFacets counts the posts matching q, in all and by each of q.By.
func (s *Store) PostFacets(ctx context.Context, q store.FacetQuery) (store.Facets, error) {
	if err := q.Check(); err != nil {
		return store.Facets{}, fmt.Errorf("cannot count posts by %v: %w", q.By, err)
	}
	out := store.Facets{By: map[store.Dimension][]store.FacetValue{}}
	err := s.readTx(ctx, "post_facets", func(tx *sql.Tx) error {
		limit := q.Limit
		if limit <= 0 {
			limit = -1 // SQLite: no limit
		}
		if plan, ok := planRollup(q.Filter); ok {
			var err error
			if out.Total, err = rollupTotal(ctx, tx, plan); err != nil {
				return err
			}
			for _, dim := range q.By {
				if out.By[dim], err = rollupCounts(ctx, tx, plan, dim, limit); err != nil {
					return err
				}
			}
			return nil
		}
		terms, err := planTerms(ctx, tx, q.Filter)
		if err != nil {
			return err
		}
		where, args, err := postFilterPlan(q.Filter, nil, terms)
		if err != nil {
			return err
		}
		out.Total, out.By, _, err = facetsOnce(ctx, tx, where, args, q.By, limit, false)
		return err
	})
	if err != nil {
		return store.Facets{}, fmt.Errorf("cannot count posts by %v: %w", q.By, err)
	}
	return out, nil
}

// rowsDone closes rows and returns the error that ended their iteration.
func rowsDone(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// TopTerms returns the keywords of the most posts matching q.
func (s *Store) TopTerms(ctx context.Context, q store.TermQuery) ([]store.TermCount, error) {
	var out []store.TermCount
	err := s.readTx(ctx, "top_terms", func(tx *sql.Tx) error {
		if plan, ok := planRollup(q.Filter); ok {
			var err error
			out, err = rollupTerms(ctx, tx, plan, store.TopLimit(q.Limit))
			return err
		}
		terms, err := planTerms(ctx, tx, q.Filter)
		if err != nil {
			return err
		}
		where, args, err := postFilterPlan(q.Filter, nil, terms)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT json_extract(j.value, '$.word') AS w, count(DISTINCT posts.id) AS n,
			total(json_extract(j.value, '$.weight')) AS weight
			FROM posts JOIN json_each(posts.keywords) AS j`+where+` GROUP BY w ORDER BY n DESC, weight DESC, w LIMIT ?`,
			append(args, store.TopLimit(q.Limit))...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var t store.TermCount
			if err := rows.Scan(&t.Term, &t.Posts, &t.Weight); err != nil {
				rows.Close()
				return err
			}
			out = append(out, t)
		}
		return rowsDone(rows)
	})
	if err != nil {
		return nil, fmt.Errorf("cannot count the keywords of posts: %w", err)
	}
	return out, nil
}

// TopEvents returns the hottest events active in q's window.
func (s *Store) TopEvents(ctx context.Context, q store.EventQuery) ([]model.Event, error) {
	var out []model.Event
	err := s.readTx(ctx, "top_events", func(tx *sql.Tx) error {
		conds, args := []string{`merged_into = ''`}, []any{}
		if !q.Since.IsZero() {
			n, err := store.UnixNanos("since", q.Since)
			if err != nil {
				return err
			}
			conds, args = append(conds, `last_seen >= ?`), append(args, n)
		}
		if !q.Until.IsZero() {
			n, err := store.UnixNanos("until", q.Until)
			if err != nil {
				return err
			}
			conds, args = append(conds, `first_seen < ?`), append(args, n)
		}
		var err error
		out, err = query(ctx, tx, store.EventsTable, `SELECT `+columns(store.EventsTable)+` FROM events WHERE `+
			strings.Join(conds, " AND ")+` ORDER BY heat DESC, id DESC LIMIT ?`, append(args, store.TopLimit(q.Limit))...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot list the hottest events: %w", err)
	}
	return out, nil
}

// QueryCandidates returns the page of posts matching q.Filter that contain
// one of q.Terms, newest first, and their total, from one read
// transaction.
func (s *Store) QueryCandidates(ctx context.Context, q store.CandidateQuery) (store.CandidatePage, error) {
	var page store.CandidatePage
	err := s.readTx(ctx, "query_candidates", func(tx *sql.Tx) error {
		where, args, err := postFilter(q.Filter, q.Terms)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM posts`+where, args...).Scan(&page.Total); err != nil {
			return err
		}
		limit, offset := q.Page()
		if page.Total == 0 || offset >= int(page.Total) {
			return nil
		}
		page.Items, err = query(ctx, tx, store.CandidatesView, `SELECT `+columns(store.CandidatesView)+` FROM posts`+where+
			` ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		return err
	})
	if err != nil {
		return store.CandidatePage{}, fmt.Errorf("cannot find the posts with any of %d terms: %w", len(q.Terms), err)
	}
	return page, nil
}
