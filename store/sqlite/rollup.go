package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/store"
)

// The rollup: post counts per China hour, kept by the database itself as
// posts are written, replaced and corrected, so that the read side counts
// a window of many posts from a few rows per hour instead of a GROUP BY
// over the posts (issue 12).
//
// A row of post_rollup is (fdim, fkey, dim, hour, sentiment, key, label):
// how many posts n of hour number `hour` (store.StepHour's index), with
// `sentiment` as corrected, within the scope (fdim, fkey) have the value
// `key` of dimension `dim` under that label (the greatest name the post
// gives the key), and the sum of the weights w (keywords only). The label
// is part of the row so that a replaced version's name leaves with it: a
// key's label is the greatest of its rows that still count a post, as the
// GROUP BY's max() over the posts. The scope
// is everything ('', '') or the posts of one scheme, one region or one
// topic: what a filter of one of those can be answered with. The dim ''
// with key '' counts the posts themselves (the total, and by sentiment);
// the others are the dimensions of store.Dimension but sentiment, and
// "term" for the keywords of TopTerms. A post adds 1 to every row of each
// distinct value it has, once per distinct scope it is in.
//
// The rows are kept in step within the posts' own transaction: a write of
// posts adds each new post, and for one that replaces a stored post
// subtracts the stored version first (rollup_write.go); a delete
// subtracts, and a sentiment correction subtracts the post under its
// sentiment before the correction and adds it under the one after, both
// by triggers (the SQL of rollupSelect). A row can fall to zero and stay;
// readers skip rows whose sum is zero.

// Rollup dimension names of what is not a store.Dimension.
const (
	rollupPosts = store.RollupPosts
	rollupTerm  = store.RollupTerm
)

// multiValued is how a multi-valued column's values are read by a join on
// posts p: the JSON column and the field of the key and the label. Each
// distinct key is joined once: only its first element in the list.
type multiValued struct{ column, key, label string }

var multiValues = map[string]multiValued{
	string(store.ByScheme): {"schemes", "id", "name"},
	string(store.ByRegion): {"regions", "code", "name"},
	string(store.ByTopic):  {"topics", "name", ""},
	rollupTerm:             {"keywords", "word", ""},
}

// distinctJoin joins alias to the elements of p's column mv, the first of
// each distinct key only.
func distinctJoin(mv multiValued, alias string) string {
	return fmt.Sprintf(` JOIN json_each(p.%[1]s) AS %[2]s ON %[2]s.key = (SELECT min(d.key) FROM json_each(p.%[1]s) AS d
		WHERE json_extract(d.value, '$.%[3]s') = json_extract(%[2]s.value, '$.%[3]s'))`, mv.column, alias, mv.key)
}

// rollupSentiment is p's sentiment as corrected (see correctedSentiment);
// except, when not empty, the correction with that ID is left out (the
// sentiment before it was made).
func rollupSentiment(without string) string {
	cond := ""
	if without != "" {
		cond = ` AND c.id <> ` + without
	}
	return `coalesce((SELECT c.label FROM sentiment_corrections c WHERE c.post_id = p.id` + cond + `
		ORDER BY c.at DESC, c.id DESC LIMIT 1), p.sentiment_label)`
}

// rollupSelect is the SELECT of the rollup rows of the posts p that where
// selects (a condition on posts p), with the given sentiment expression,
// n and w multiplied by sign: one GROUP BY part per scope and dimension,
// joined by UNION ALL.
func rollupSelect(where, sentiment string, sign int) string {
	hour := floorDiv(fmt.Sprintf("p.published_at + %d", store.ChinaOffsetNanos), int64(time.Hour))
	scopes := append([]string{""}, dimStrings(store.RollupScopes)...)
	dims := store.RollupDims
	var parts []string
	for _, scope := range scopes {
		for _, dim := range dims {
			var join, conds []string
			fkey := `''`
			if scope != "" {
				mv := multiValues[scope]
				join = append(join, distinctJoin(mv, "s"))
				fkey = `json_extract(s.value, '$.` + mv.key + `')`
				conds = append(conds, fkey+` IS NOT NULL`)
			}
			key, label, w := `''`, `''`, `0.0`
			switch dim {
			case string(store.BySource):
				key, label = `p.source_id`, `p.source_name`
			case string(store.ByTier):
				key = `p.authority`
			case string(store.ByKind):
				key = `p.source_kind`
			case rollupPosts:
			default:
				mv := multiValues[dim]
				join = append(join, distinctJoin(mv, "r"))
				key = `json_extract(r.value, '$.` + mv.key + `')`
				conds = append(conds, key+` IS NOT NULL`)
				if mv.label != "" {
					label = `coalesce((SELECT max(json_extract(l.value, '$.` + mv.label + `')) FROM json_each(p.` + mv.column + `) AS l
						WHERE json_extract(l.value, '$.` + mv.key + `') = ` + key + `), '')`
				}
				if dim == rollupTerm {
					w = `(SELECT total(json_extract(l.value, '$.weight')) FROM json_each(p.keywords) AS l
						WHERE json_extract(l.value, '$.word') = ` + key + `)`
				}
			}
			conds = append(conds, where)
			parts = append(parts, fmt.Sprintf(`SELECT '%s' AS fdim, %s AS fkey, '%s' AS dim, %s AS hour, %s AS sentiment, %s AS key,
				%s AS label, %d * count(*) AS n, %d * total(%s) AS w
				FROM posts p%s WHERE %s GROUP BY 1, 2, 3, 4, 5, 6, 7`,
				scope, fkey, dim, hour, sentiment, key, label, sign, sign, w, strings.Join(join, ""), strings.Join(conds, " AND ")))
		}
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

func dimStrings(ds []store.Dimension) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d)
	}
	return out
}

// rollupApply is the statement that adds (sign 1) or subtracts (-1) the
// posts p that where selects to or from the rollup.
func rollupApply(where, sentiment string, sign int) string {
	return `INSERT INTO post_rollup (fdim, fkey, dim, hour, sentiment, key, label, n, w)
		SELECT fdim, fkey, dim, hour, sentiment, key, label, n, w FROM (` + rollupSelect(where, sentiment, sign) + `) WHERE true
		ON CONFLICT (fdim, fkey, dim, hour, sentiment, key, label) DO UPDATE SET n = n + excluded.n, w = w + excluded.w`
}

// rollupMigration is the schema step that creates the rollup and the
// triggers of the changes that do not go through a write of posts (a
// sentiment correction, a delete); a write of posts changes the rollup in
// its own transaction (rollupPostsWrite) and the step's backfill counts
// the posts stored already (rollupBackfill).
func rollupMigration() []string {
	return []string{
		`CREATE TABLE post_rollup (
			fdim TEXT NOT NULL,
			fkey TEXT NOT NULL,
			dim TEXT NOT NULL,
			hour INTEGER NOT NULL,
			sentiment TEXT NOT NULL,
			key TEXT NOT NULL,
			label TEXT NOT NULL,
			n INTEGER NOT NULL,
			w REAL NOT NULL,
			PRIMARY KEY (fdim, fkey, dim, hour, sentiment, key, label)
		) WITHOUT ROWID`,
		`CREATE TRIGGER post_rollup_delete BEFORE DELETE ON posts BEGIN
			` + rollupApply(`p.seq = old.seq`, rollupSentiment(""), -1) + `;
		END`,
		// A correction moves its post from the sentiment before it to the
		// one after (the same when it is not the latest: no change).
		`CREATE TRIGGER post_rollup_correction AFTER INSERT ON sentiment_corrections BEGIN
			` + rollupApply(`p.id = new.post_id`, rollupSentiment("new.id"), -1) + `;
			` + rollupApply(`p.id = new.post_id`, rollupSentiment(""), 1) + `;
		END`,
	}
}

// rollupPlan is how a filter is counted from the rollup (store.PlanRollup).
type rollupPlan = store.RollupPlan

// planRollup returns the rollup plan of f (see store.PlanRollup).
func planRollup(f store.Filter) (rollupPlan, bool) { return store.PlanRollup(f) }

// planWhere is the condition on post_rollup of the plan's rows of dim, and
// its arguments.
func planWhere(p rollupPlan, dim string) (string, []any) {
	conds := []string{`fdim = ?`, `fkey = ?`, `dim = ?`}
	args := []any{p.Scope, p.ScopeKey, dim}
	if p.Lo != math.MinInt64 {
		conds, args = append(conds, `hour >= ?`), append(args, p.Lo)
	}
	if p.Hi != math.MaxInt64 {
		conds, args = append(conds, `hour < ?`), append(args, p.Hi)
	}
	if p.Sentiment != "" {
		conds, args = append(conds, `sentiment = ?`), append(args, p.Sentiment)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// planEdgeWhere is the WHERE clause on posts of the plan's edges (with its
// leading space), and its arguments; ok is false when there are none.
func planEdgeWhere(p rollupPlan) (string, []any, bool, error) {
	if len(p.Edges) == 0 {
		return "", nil, false, nil
	}
	where, args, err := postFilter(p.Rest, nil)
	if err != nil {
		return "", nil, false, err
	}
	var ors []string
	for _, e := range p.Edges {
		ors, args = append(ors, `(published_at >= ? AND published_at < ?)`), append(args, e[0], e[1])
	}
	cond := "(" + strings.Join(ors, " OR ") + ")"
	if where == "" {
		return " WHERE " + cond, args, true, nil
	}
	return where + " AND " + cond, args, true, nil
}

// rollupDim is how dimension d is read from the rollup: the rows' dim and
// the key column.
func rollupDim(d store.Dimension) (dim, key string) {
	dim, bySentiment := store.RollupDim(d)
	switch {
	case bySentiment:
		return dim, `sentiment`
	case d == "":
		return dim, `''`
	}
	return dim, `key`
}

// rollupCounts returns, for the plan, the count of posts by the rollup
// dimension d ("" for the total) as (key, label, count) rows ordered by
// count, most first, then key, at most limit (negative: no limit): the
// whole hours from the rollup plus the edges counted from the posts.
func rollupCounts(ctx context.Context, tx *sql.Tx, p rollupPlan, d store.Dimension, limit int) ([]store.FacetValue, error) {
	dim, key := rollupDim(d)
	where, args := planWhere(p, dim)
	q := `SELECT ` + key + ` AS k, label AS l, n AS c FROM post_rollup` + where
	ewhere, eargs, ok, err := planEdgeWhere(p)
	if err != nil {
		return nil, err
	}
	if ok {
		e := dimension{key: `''`, label: `''`}
		if d != "" {
			e = dimensionOf(d)
		}
		q += ` UNION ALL SELECT ` + e.key + ` AS k, max(` + e.label + `) AS l, count(DISTINCT posts.id) AS c
			FROM posts` + e.join + ewhere + ` GROUP BY k`
		args = append(args, eargs...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT k, max(l), sum(kl) AS cnt FROM (SELECT k, l, sum(c) AS kl FROM (`+q+`) GROUP BY k, l HAVING sum(c) > 0)
		GROUP BY k ORDER BY cnt DESC, k LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	values := []store.FacetValue{}
	for rows.Next() {
		var v store.FacetValue
		if err := rows.Scan(&v.Key, &v.Label, &v.Count); err != nil {
			rows.Close()
			return nil, err
		}
		values = append(values, v)
	}
	return values, rowsDone(rows)
}

// rollupTotal is how many posts the plan selects.
func rollupTotal(ctx context.Context, tx *sql.Tx, p rollupPlan) (int64, error) {
	vs, err := rollupCounts(ctx, tx, p, "", -1)
	if err != nil || len(vs) == 0 {
		return 0, err
	}
	return vs[0].Count, nil
}

// rollupSeries returns the counts of the plan's posts in buckets of step
// by the dimension d (empty: not split).
func rollupSeries(ctx context.Context, tx *sql.Tx, p rollupPlan, step store.Step, d store.Dimension) ([]store.SeriesCount, error) {
	dim, key := rollupDim(d)
	where, args := planWhere(p, dim)
	start := fmt.Sprintf("(hour * %d - %d)", int64(time.Hour), store.ChinaOffsetNanos)
	q := `SELECT ` + bucketOf(step, start) + ` AS b, ` + key + ` AS k, label AS l, n AS c FROM post_rollup` + where
	ewhere, eargs, ok, err := planEdgeWhere(p)
	if err != nil {
		return nil, err
	}
	if ok {
		e := dimension{key: `''`, label: `''`}
		if d != "" {
			e = dimensionOf(d)
		}
		q += ` UNION ALL SELECT ` + bucketOf(step, "published_at") + ` AS b, ` + e.key + ` AS k, max(` + e.label + `) AS l,
			count(DISTINCT posts.id) AS c FROM posts` + e.join + ewhere + ` GROUP BY b, k`
		args = append(args, eargs...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT b, k, max(l), sum(kl) FROM (SELECT b, k, l, sum(c) AS kl FROM (`+q+`) GROUP BY b, k, l HAVING sum(c) > 0)
		GROUP BY b, k`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var counts []store.SeriesCount
	for rows.Next() {
		var c store.SeriesCount
		if err := rows.Scan(&c.Bucket, &c.Key, &c.Label, &c.Count); err != nil {
			return nil, err
		}
		counts = append(counts, c)
	}
	return counts, rows.Err()
}

// rollupTerms returns the keywords of the most posts of the plan.
func rollupTerms(ctx context.Context, tx *sql.Tx, p rollupPlan, limit int) ([]store.TermCount, error) {
	where, args := planWhere(p, rollupTerm)
	q := `SELECT key AS t, n AS c, w AS wt FROM post_rollup` + where
	ewhere, eargs, ok, err := planEdgeWhere(p)
	if err != nil {
		return nil, err
	}
	if ok {
		q += ` UNION ALL SELECT json_extract(j.value, '$.word') AS t, count(DISTINCT posts.id) AS c,
			total(json_extract(j.value, '$.weight')) AS wt FROM posts JOIN json_each(posts.keywords) AS j` + ewhere + ` GROUP BY t`
		args = append(args, eargs...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT t, sum(c) AS cnt, total(wt) AS weight FROM (`+q+`) GROUP BY t HAVING sum(c) > 0
		ORDER BY cnt DESC, round(weight, 9) DESC, t LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	var out []store.TermCount
	for rows.Next() {
		var t store.TermCount
		if err := rows.Scan(&t.Term, &t.Posts, &t.Weight); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
	}
	return out, rowsDone(rows)
}
