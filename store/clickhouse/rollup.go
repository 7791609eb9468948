package clickhouse

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// The rollup (see store/rollup.go) on ClickHouse: post counts per China
// hour, so that the overview and the feed's totals and facets read a few
// rows per hour instead of merging the posts table FINAL, whose cost grows
// with the table, not the window (issue 12, item 8; issue 16, item 2).
//
// ClickHouse has no transaction to keep counts in step with the posts, and
// a SummingMergeTree can only add. So what is counted is kept as a log of
// its own, post_counted: per post, the rows it adds to the rollup
// (store.RollupRowsOf) with its hour and its sentiment as corrected,
// stored with sign 1; when a post is replaced or corrected, its counted
// state is written again with sign -1 (taking it out) beside the new state
// with sign 1, in one INSERT. A materialized view turns every inserted row
// of post_counted into its rollup rows in post_rollup, a SummingMergeTree
// that adds sign to n (and sign × weight to w) per row key. Reads sum n
// and skip keys whose sum is 0, so unmerged parts never need FINAL.
//
// The counted state is read back by ID (argMax over `written`, which the
// writer increments per change of one post), so a write is idempotent: a
// retried write finds the state it wrote itself and changes nothing, and
// one that failed between the posts and the log finds the old state and
// moves it. post_counted is a ReplacingMergeTree by (id, sign), so it
// keeps the latest state and the latest take-out of each post.
//
// The rollup counts whole hours. The parts of a window outside them (the
// last 24 hours asked at 12:17 start at 12:17 yesterday) are counted from
// post_timeline, a second view of the log: its rows sorted by publish time
// (hour, then published_ns, the post's publish time of that state), with
// the rollup rows as arrays. An edge reads the log rows of its time range
// and adds up their signs by key, as the rollup does per hour: a state
// taken out has a 1 and a -1 there, the counted one a 1. Before, edges were
// counted from the posts FINAL, whose merge costs the whole table however
// short the edge is (45 s at 10 M posts for the off-hour overview).
//
// Writers of one post are assumed one at a time: the analyzer's partition
// (posts are keyed by ID) and an officer's correction. A correction made
// within the same moment as a re-analysis of its post could count the post
// twice; store-wide figures would then be off by one until the post is
// written again.

// postCountedTable is the log of what the rollup counts of each post.
func postCountedTable(o schemaOptions) table {
	t := table{
		name: "post_counted",
		columns: []column{
			{name: "id", typ: "String"},
			{name: "written", typ: "UInt64"},
			{name: "sign", typ: "Int8"},
			{name: "version", typ: "UInt64"},
			{name: "hour", typ: "Int64"},
			{name: "sentiment", typ: "String", lowCardinality: true},
			{name: "r_scope", typ: "Array(String)", lowCardinality: true},
			{name: "r_scope_key", typ: "Array(String)"},
			{name: "r_dim", typ: "Array(String)", lowCardinality: true},
			{name: "r_key", typ: "Array(String)"},
			{name: "r_label", typ: "Array(String)"},
			{name: "r_weight", typ: "Array(Float64)"},
		},
		version: "written",
		orderBy: "id, sign",
	}
	t.ttl = rollupTTL(o)
	return t
}

// postCountedAdded are the columns migration 10 added to post_counted: the
// publish time (Unix nanoseconds) of the counted state, which places it on
// post_timeline. currentPostCounted is the table with them.
var postCountedAdded = []column{{name: "published_ns", typ: "Int64"}}

func currentPostCounted(o schemaOptions) table {
	t := postCountedTable(o)
	t.columns = append(slices.Clone(t.columns), postCountedAdded...)
	return t
}

// postTimelineTable is the log post_counted sorted by publish time (see
// the top of this file), filled by post_timeline_view. It is a
// ReplacingMergeTree only to keep one row per log row (id, written,
// sign): nothing replaces a row of it but its own duplicate.
func postTimelineTable(o schemaOptions) table {
	t := table{
		name: "post_timeline",
		columns: []column{
			{name: "hour", typ: "Int64"},
			{name: "published_ns", typ: "Int64"},
			{name: "id", typ: "String"},
			{name: "written", typ: "UInt64"},
			{name: "sign", typ: "Int8"},
			{name: "sentiment", typ: "String", lowCardinality: true},
			{name: "r_scope", typ: "Array(String)", lowCardinality: true},
			{name: "r_scope_key", typ: "Array(String)"},
			{name: "r_dim", typ: "Array(String)", lowCardinality: true},
			{name: "r_key", typ: "Array(String)"},
			{name: "r_label", typ: "Array(String)"},
			{name: "r_weight", typ: "Array(Float64)"},
		},
		partitionBy: "toYYYYMM(" + hourStart("hour") + ")",
		orderBy:     "hour, published_ns, id, written, sign",
	}
	t.ttl = rollupTTL(o)
	return t
}

// timelineViewSQL is the materialized view that copies every row inserted
// into post_counted to post_timeline, node by node on a cluster like
// rollupViewSQL.
func timelineViewSQL(database, cluster string) string {
	from, to, on := "post_counted", "post_timeline", ""
	if cluster != "" {
		from, to, on = localName(from), localName(to), " ON CLUSTER "+quote(cluster)
	}
	return fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s%s TO %s.%s AS\n"+
		"SELECT hour, published_ns, id, written, sign, sentiment, r_scope, r_scope_key, r_dim, r_key, r_label, r_weight\n"+
		"FROM %s.%s",
		quote(database), quote("post_timeline_view"), on, quote(database), quote(to), quote(database), quote(from))
}

// postRollupTable is the rollup: n posts per row key, w their weights.
func postRollupTable(o schemaOptions) table {
	t := table{
		name: "post_rollup",
		columns: []column{
			{name: "scope", typ: "String", lowCardinality: true},
			{name: "scope_key", typ: "String"},
			{name: "dim", typ: "String", lowCardinality: true},
			{name: "hour", typ: "Int64"},
			{name: "sentiment", typ: "String", lowCardinality: true},
			{name: "key", typ: "String"},
			{name: "label", typ: "String"},
			{name: "n", typ: "Int64"},
			{name: "w", typ: "Float64"},
		},
		sum:         []string{"n", "w"},
		partitionBy: "toYYYYMM(" + hourStart("hour") + ")",
		orderBy:     "scope, scope_key, dim, hour, sentiment, key, label",
	}
	t.ttl = rollupTTL(o)
	return t
}

// hourStart is the DateTime at which the China hour number e starts.
func hourStart(e string) string {
	return fmt.Sprintf("toDateTime(%s * 3600 - %d)", e, store.ChinaOffsetNanos/int64(time.Second))
}

// rollupTTL keeps the rollup as long as the posts (see postsTable).
func rollupTTL(o schemaOptions) string {
	if days := int(o.retention / (24 * time.Hour)); days > 0 {
		return fmt.Sprintf("%s + INTERVAL %d DAY", hourStart("hour"), days)
	}
	return ""
}

// rollupViewSQL is the materialized view that adds every row inserted into
// post_counted to post_rollup; on a cluster it runs on every node, from
// the local log to the local rollup of the same shard.
func rollupViewSQL(database, cluster string) string {
	from, to, on := "post_counted", "post_rollup", ""
	if cluster != "" {
		from, to, on = localName(from), localName(to), " ON CLUSTER "+quote(cluster)
	}
	return fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s%s TO %s.%s AS\n"+
		"SELECT scope, scope_key, dim, hour, sentiment, key, label, toInt64(sign) AS n, sign * weight AS w\n"+
		"FROM %s.%s ARRAY JOIN r_scope AS scope, r_scope_key AS scope_key, r_dim AS dim, r_key AS key, r_label AS label, r_weight AS weight",
		quote(database), quote("post_rollup_view"), on, quote(database), quote(to), quote(database), quote(from))
}

// counted is what the rollup counts of one post: the state last written
// to post_counted with sign 1.
type counted struct {
	written, version uint64
	hour, published  int64 // published: Unix nanoseconds
	sentiment        string
	rows             []store.RollupRow
}

func (c counted) same(o counted) bool {
	return c.version == o.version && c.hour == o.hour && c.published == o.published && c.sentiment == o.sentiment && slices.Equal(c.rows, o.rows)
}

// countedOf returns the counted state of each of ids that has one.
func (s *Store) countedOf(ctx context.Context, ids []string) (map[string]counted, error) {
	out := map[string]counted{}
	if len(ids) == 0 {
		return out, nil
	}
	// An IN list, not has(): the sorting key finds the IDs' granules.
	in, args := idsIn(ids)
	rows, err := s.conn.Query(ctx, "SELECT id, max(written), argMax(version, written), argMax(hour, written), argMax(published_ns, written), toString(argMax(sentiment, written)),"+
		" argMax(r_scope, written), argMax(r_scope_key, written), argMax(r_dim, written), argMax(r_key, written), argMax(r_label, written), argMax(r_weight, written)"+
		" FROM "+s.table("post_counted")+" WHERE sign = 1 AND "+in+" GROUP BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                             string
			c                              counted
			scopes, keys, dims, ks, labels []string
			weights                        []float64
		)
		if err := rows.Scan(&id, &c.written, &c.version, &c.hour, &c.published, &c.sentiment, &scopes, &keys, &dims, &ks, &labels, &weights); err != nil {
			return nil, err
		}
		for i := range scopes {
			c.rows = append(c.rows, store.RollupRow{Scope: scopes[i], ScopeKey: keys[i], Dim: dims[i], Key: ks[i], Label: labels[i], Weight: weights[i]})
		}
		out[id] = c
	}
	return out, rows.Err()
}

// countedRow is one row to insert into post_counted.
type countedRow struct {
	id   string
	sign int8
	counted
}

// insertCounted inserts rows into post_counted as one batch (one INSERT,
// so the rollup takes a post out and back in together).
func (s *Store) insertCounted(ctx context.Context, rows []countedRow) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.table("post_counted")+" ("+currentPostCounted(schemaOptions{}).selectList()+")")
	if err != nil {
		return err
	}
	for _, r := range rows {
		n := len(r.rows)
		scopes, keys, dims, ks, labels, weights := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]float64, n)
		for i, rr := range r.rows {
			scopes[i], keys[i], dims[i], ks[i], labels[i], weights[i] = rr.Scope, rr.ScopeKey, rr.Dim, rr.Key, rr.Label, rr.Weight
		}
		if err := batch.Append(r.id, r.written, r.sign, r.version, r.hour, r.sentiment, scopes, keys, dims, ks, labels, weights, r.published); err != nil {
			batch.Abort()
			return err
		}
	}
	return batch.Send()
}

// countedOfPost is what the rollup counts of p (written unset), with the
// sentiment of its latest correction where labels has one; ok is false
// when p's publish time cannot be stored.
func countedOfPost(p *model.Post, labels map[string]string) (counted, bool) {
	hour, rows, ok := store.RollupRowsOf(p)
	if !ok {
		return counted{}, false
	}
	published, _ := store.UnixNanos("published_at", p.PublishedAt) // valid: RollupRowsOf took it
	sentiment := p.Sentiment.Label
	if l, ok := labels[p.ID]; ok {
		sentiment = l
	}
	return counted{version: p.Version, hour: hour, published: published, sentiment: sentiment, rows: rows}, true
}

// countedChunk bounds the IDs of one lookup of counted states.
const countedChunk = 5000

// countPosts brings the rollup in step with posts, just written: each
// post that replaces the counted version of its ID (a version as high or
// higher, as the ReplacingMergeTree keeps) and counts differently is taken
// out under its old state and counted under the new, with the sentiment
// of its latest correction where it has one. It returns how many rows it
// wrote to post_counted.
func (s *Store) countPosts(ctx context.Context, posts []model.Post) (int, error) {
	var ids []string
	seen := map[string]bool{}
	for i := range posts {
		if !seen[posts[i].ID] {
			seen[posts[i].ID] = true
			ids = append(ids, posts[i].ID)
		}
	}
	current, labels, err := s.statesOf(ctx, ids)
	if err != nil {
		return 0, err
	}
	var out []countedRow
	var superseded []supersededRow
	for i := range posts {
		p := &posts[i]
		next, ok := countedOfPost(p, labels)
		if !ok {
			continue
		}
		hour := next.hour
		old, had := current[p.ID]
		switch {
		case had && p.Version < old.version: // written after a higher version (superseded.go)
			superseded = append(superseded, supersededRow{id: p.ID, version: p.Version, hour: hour})
		case had && p.Version > old.version:
			superseded = append(superseded, supersededRow{id: p.ID, version: old.version, hour: old.hour})
		}
		if had && (p.Version < old.version || next.same(old)) {
			continue
		}
		next.written = old.written + 1
		if had {
			taken := old
			taken.written = next.written
			out = append(out, countedRow{id: p.ID, sign: -1, counted: taken})
		}
		out = append(out, countedRow{id: p.ID, sign: 1, counted: next})
		current[p.ID] = next
	}
	// Before the log: a retry after a failure between the two finds the
	// old state again and records the same versions, which merge as one.
	if len(superseded) > 0 {
		start := time.Now()
		err := s.insertSuperseded(ctx, superseded)
		s.metrics.WriteDone("post_superseded", start, len(superseded), 0, err)
		if err != nil {
			return 0, fmt.Errorf("cannot record %d superseded versions: %w", len(superseded), err)
		}
	}
	return len(out), s.insertCounted(ctx, out)
}

// recountCorrected moves the posts of ids, corrected just now, to the
// sentiment of their latest correction in the rollup, and returns how
// many rows it wrote to post_counted. A post not counted yet is counted as
// corrected when it is written (countPosts).
func (s *Store) recountCorrected(ctx context.Context, ids []string) (int, error) {
	cs, labels, err := s.statesOf(ctx, ids)
	if err != nil {
		return 0, err
	}
	var out []countedRow
	for id, c := range cs {
		l, ok := labels[id]
		if !ok || l == c.sentiment {
			continue
		}
		next := c
		next.written, next.sentiment = c.written+1, l
		old := c
		old.written = next.written
		out = append(out, countedRow{id: id, sign: -1, counted: old}, countedRow{id: id, sign: 1, counted: next})
	}
	return len(out), s.insertCounted(ctx, out)
}

// statesOf returns the counted state of each of ids that has one, and the
// label of the latest correction of each that has one, looked up in
// chunks of countedChunk IDs.
func (s *Store) statesOf(ctx context.Context, ids []string) (map[string]counted, map[string]string, error) {
	states, labels := map[string]counted{}, map[string]string{}
	for i := 0; i < len(ids); i += countedChunk {
		chunk := ids[i:min(i+countedChunk, len(ids))]
		cs, err := s.countedOf(ctx, chunk)
		if err != nil {
			return nil, nil, err
		}
		maps.Copy(states, cs)
		corrections, err := s.PostCorrections(ctx, chunk)
		if err != nil {
			return nil, nil, err
		}
		for id, c := range corrections {
			labels[id] = c.Label
		}
	}
	return states, labels, nil
}

// backfillChunk is about how many posts the backfill reads per query: it
// reads the posts in ranges of IDs, each through the sorting key, so no
// query streams the whole table (one SELECT over 10 M posts FINAL outlived
// the client's read timeout). A variable so the test can use many ranges.
var backfillChunk = 20000

// backfillRollup counts every stored post into an empty rollup and
// timeline: migration 11, which completes them, runs it. A step
// interrupted half-way is run again from the start, so what it counted is
// truncated first. Each post counts once, in its highest version, over
// every partition and every copy not merged yet, as FINAL would give it.
func backfillRollup(ctx context.Context, s *Store) error {
	for _, t := range []string{"post_counted", "post_rollup", "post_timeline"} {
		name, on := t, ""
		if s.cluster != "" {
			name, on = localName(t), " ON CLUSTER "+quote(s.cluster)
		}
		if err := s.conn.Exec(ctx, "TRUNCATE TABLE "+s.table(name)+on); err != nil {
			return fmt.Errorf("cannot empty %s: %w", t, err)
		}
	}
	labels := map[string]string{}
	cs, err := query(ctx, s, store.CorrectionsTable, s.latestCorrections(""))
	if err != nil {
		return err
	}
	for _, c := range cs {
		labels[c.PostID] = c.Label
	}
	var batch []countedRow
	err = s.eachIDRange(ctx, "count the posts", func(where string, args []any) error {
		posts, err := query(ctx, s, store.PostsTable, "SELECT "+columns(store.PostsTable)+" FROM "+s.table(store.TablePosts)+
			" WHERE "+where+" ORDER BY id, version DESC LIMIT 1 BY id", args...)
		if err != nil {
			return err
		}
		for j := range posts {
			c, ok := countedOfPost(&posts[j], labels)
			if !ok {
				continue
			}
			c.written = 1
			batch = append(batch, countedRow{id: posts[j].ID, sign: 1, counted: c})
		}
		if len(batch) < 20000 {
			return nil
		}
		err = s.insertCounted(ctx, batch)
		batch = batch[:0]
		return err
	})
	if err != nil {
		return err
	}
	return s.insertCounted(ctx, batch)
}

// idBounds returns sorted post IDs that cut the posts into ranges of
// about chunk posts each: the IDs whose hash is a multiple of chunk, a
// sample the server draws reading only the ID column. Nil when the posts
// are fewer than a few chunks.
func (s *Store) idBounds(ctx context.Context, chunk int) ([]string, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT id FROM "+s.table(store.TablePosts)+" WHERE cityHash64(id) % ? = 0 ORDER BY id", uint64(chunk))
	if err != nil {
		return nil, fmt.Errorf("cannot cut the posts into ranges: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// rollupWhere is the condition on post_rollup of the plan's rows of dim,
// and its arguments.
func rollupWhere(p store.RollupPlan, dim string) (string, []any) {
	conds := []string{"scope = ?", "scope_key = ?", "dim = ?"}
	args := []any{p.Scope, p.ScopeKey, dim}
	if p.Lo != math.MinInt64 {
		conds, args = append(conds, "hour >= ?"), append(args, p.Lo)
	}
	if p.Hi != math.MaxInt64 {
		conds, args = append(conds, "hour < ?"), append(args, p.Hi)
	}
	if p.Sentiment != "" {
		conds, args = append(conds, "sentiment = ?"), append(args, p.Sentiment)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// timelineFrom is the FROM and WHERE clause over post_timeline, with its
// arguments, of the log rows of dim within the plan's scope and sentiment
// published in edge: one row per rollup row of each logged state, with the
// columns sign, sentiment, key, label, weight and published_ns. An edge
// spans at most two hours, which the sorting key finds.
func (s *Store) timelineFrom(p store.RollupPlan, dim string, edge [2]int64) (string, []any) {
	// The edge's time in PREWHERE: 18.16 would otherwise ARRAY JOIN every
	// row of the granules read before it filters them (a third of the
	// time of an edge of the overview at 10 M posts).
	conds := []string{"scope = ?", "scope_key = ?", "dim = ?"}
	args := []any{store.StepHour.Index(time.Unix(0, edge[0])), store.StepHour.Index(time.Unix(0, edge[1]-1)), edge[0], edge[1], p.Scope, p.ScopeKey, dim}
	if p.Sentiment != "" {
		conds, args = append(conds, "sentiment = ?"), append(args, p.Sentiment)
	}
	return " FROM " + s.table("post_timeline") +
		" ARRAY JOIN r_scope AS scope, r_scope_key AS scope_key, r_dim AS dim, r_key AS key, r_label AS label, r_weight AS weight" +
		" PREWHERE hour >= ? AND hour <= ? AND published_ns >= ? AND published_ns < ?" +
		" WHERE " + strings.Join(conds, " AND "), args
}

// rollupParts is the UNION ALL of the rows (b, k, l, c) that count the
// plan's posts by dimension d ("" for the total): the whole hours from the
// rollup and each edge from the timeline. b is the bucket of step, or 0
// when step is empty.
func (s *Store) rollupParts(p store.RollupPlan, d store.Dimension, step store.Step) (string, []any) {
	dim, bySentiment := store.RollupDim(d)
	key, label := "key", "label"
	switch {
	case bySentiment:
		key, label = "toString(sentiment)", "''"
	case d == "":
		key, label = "''", "''"
	}
	bucket := "toInt64(0)"
	if step != "" {
		bucket = bucketOf(step, fmt.Sprintf("(hour * %d - %d)", int64(time.Hour), store.ChinaOffsetNanos))
	}
	where, args := rollupWhere(p, dim)
	parts := []string{fmt.Sprintf("SELECT %s AS b, %s AS k, %s AS l, sum(n) AS c FROM %s%s GROUP BY b, k, l",
		bucket, key, label, s.table("post_rollup"), where)}
	ebucket := "toInt64(0)"
	if step != "" {
		ebucket = bucketOf(step, "published_ns")
	}
	for _, edge := range p.Edges {
		from, eargs := s.timelineFrom(p, dim, edge)
		parts = append(parts, fmt.Sprintf("SELECT %s AS b, %s AS k, %s AS l, toInt64(sum(sign)) AS c%s GROUP BY b, k, l", ebucket, key, label, from))
		args = append(args, eargs...)
	}
	return strings.Join(parts, " UNION ALL "), args
}

// rollupCounts returns the plan's posts counted by dimension d ("" for the
// total) as values ordered by count, most first, then key, at most limit
// (0 or less: all).
func (s *Store) rollupCounts(ctx context.Context, p store.RollupPlan, d store.Dimension, limit int) ([]store.FacetValue, error) {
	parts, args := s.rollupParts(p, d, "")
	lim := ""
	if limit > 0 {
		lim = fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.conn.Query(ctx, "SELECT k, max(l), toInt64(sum(kl)) AS cnt FROM (SELECT k, l, sum(c) AS kl FROM ("+parts+") GROUP BY k, l HAVING kl > 0)"+
		" GROUP BY k ORDER BY cnt DESC, k"+lim, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	values := []store.FacetValue{}
	for rows.Next() {
		var v store.FacetValue
		if err := rows.Scan(&v.Key, &v.Label, &v.Count); err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, rows.Err()
}

// rollupTotal is how many posts the plan selects.
func (s *Store) rollupTotal(ctx context.Context, p store.RollupPlan) (int64, error) {
	vs, err := s.rollupCounts(ctx, p, "", 0)
	if err != nil || len(vs) == 0 {
		return 0, err
	}
	return vs[0].Count, nil
}

// rollupSeries returns the plan's posts counted in buckets of step by
// dimension d (empty: not split).
func (s *Store) rollupSeries(ctx context.Context, p store.RollupPlan, step store.Step, d store.Dimension) ([]store.SeriesCount, error) {
	parts, args := s.rollupParts(p, d, step)
	rows, err := s.conn.Query(ctx, "SELECT b, k, max(l), toInt64(sum(kl)) FROM (SELECT b, k, l, sum(c) AS kl FROM ("+parts+") GROUP BY b, k, l HAVING kl > 0)"+
		" GROUP BY b, k", args...)
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
func (s *Store) rollupTerms(ctx context.Context, p store.RollupPlan, limit int) ([]store.TermCount, error) {
	where, args := rollupWhere(p, store.RollupTerm)
	parts := []string{"SELECT key AS t, sum(n) AS c, sum(w) AS wt FROM " + s.table("post_rollup") + where + " GROUP BY t"}
	for _, edge := range p.Edges {
		from, eargs := s.timelineFrom(p, store.RollupTerm, edge)
		parts = append(parts, "SELECT key AS t, toInt64(sum(sign)) AS c, sum(sign * weight) AS wt"+from+" GROUP BY t")
		args = append(args, eargs...)
	}
	rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT t, toInt64(sum(c)) AS cnt, sum(wt) AS weight FROM (%s) GROUP BY t HAVING cnt > 0"+
		" ORDER BY cnt DESC, round(weight, 9) DESC, t LIMIT %d", strings.Join(parts, " UNION ALL "), limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TermCount
	for rows.Next() {
		var t store.TermCount
		if err := rows.Scan(&t.Term, &t.Posts, &t.Weight); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
