package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/store"
)

// The superseded versions of posts (CH step 12). A ReplacingMergeTree
// keeps a post's highest version only once its parts merge; until then
// every version's row is in the table, and a read that does not merge
// FINAL must leave the lower ones out. Before step 12 that took, for the
// IDs matching a filter, the highest version of each over the whole table:
// their granules are spread over the whole ID-sorted table, so at 10 M
// posts the lookup read every row of it (1.4 s for a week's search). Now
// the writer records each version it sees replaced, or written after a
// higher one, in post_superseded, with the China hour of that version's
// publish time; a read leaves out the matching rows whose (id, version)
// is recorded there, looking only at the hours of its window. Versions
// are few beside posts (a re-fetch, a re-analysis), so the set is small.
//
// The record is written with the rollup's log, from the counted state the
// log keeps (countPosts), so it takes no extra lookup; a copy of a version
// written twice is not recorded (LIMIT 1 BY id drops it).

// postSupersededTable holds the (id, version) of every post version that a
// higher one replaces, with hour the China hour of its publish time.
func postSupersededTable(o schemaOptions) table {
	t := table{
		name: "post_superseded",
		columns: []column{
			{name: "id", typ: "String"},
			{name: "version", typ: "UInt64"},
			{name: "hour", typ: "Int64"},
		},
		partitionBy: "toYYYYMM(" + hourStart("hour") + ")",
		orderBy:     "id, version",
	}
	t.ttl = rollupTTL(o)
	return t
}

// supersededRow is one row of post_superseded.
type supersededRow struct {
	id      string
	version uint64
	hour    int64
}

// insertSuperseded records versions replaced, as one batch.
func (s *Store) insertSuperseded(ctx context.Context, rows []supersededRow) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.table("post_superseded")+" (id, version, hour)")
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := batch.Append(r.id, r.version, r.hour); err != nil {
			batch.Abort()
			return err
		}
	}
	return batch.Send()
}

// supersededIn is the set, as a subquery, of the (id, version) recorded
// superseded whose publish hour may fall in f's window: a row of posts in
// the window that is superseded has its record in the window's hours.
// f's times are valid: winning checked them (filterParts).
func (s *Store) supersededIn(f store.Filter) (string, []any) {
	var conds []string
	var args []any
	if !f.Since.IsZero() {
		conds, args = append(conds, "hour >= ?"), append(args, store.StepHour.Index(f.Since))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "hour <= ?"), append(args, store.StepHour.Index(f.Until.Add(-time.Nanosecond)))
	}
	q := "SELECT id, version FROM " + s.table("post_superseded")
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	return "(" + q + ")", args
}

// backfillSuperseded records the superseded versions of the posts stored
// before step 12: in each range of IDs (as backfillRollup reads them), the
// rows whose version is not their ID's highest. Inserting a record twice
// leaves one, so an interrupted step is simply run again.
func backfillSuperseded(ctx context.Context, s *Store) error {
	posts := s.table(store.TablePosts)
	hour := floorDiv(fmt.Sprintf("published_at_ns + %d", store.ChinaOffsetNanos), int64(time.Hour))
	return s.eachIDRange(ctx, "record the superseded versions of the posts", func(where string, args []any) error {
		return s.conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s (id, version, hour) SELECT id, version, %s FROM %s WHERE %s AND (id, version) NOT IN"+
			" (SELECT id, max(version) FROM %s WHERE %s GROUP BY id)", s.table("post_superseded"), hour, posts, where, posts, where), append(args, args...)...)
	})
}

// eachIDRange calls fn with the condition on id, and its arguments, of
// each range of about backfillChunk posts (idBounds) in turn, so that no
// query of a backfill reads the whole table at once; what says what fn
// does, for the error.
func (s *Store) eachIDRange(ctx context.Context, what string, fn func(where string, args []any) error) error {
	bounds, err := s.idBounds(ctx, backfillChunk)
	if err != nil {
		return err
	}
	for i := 0; i <= len(bounds); i++ {
		where, args := idRange(bounds, i)
		if err := fn(where, args); err != nil {
			return fmt.Errorf("cannot %s (range %d of %d): %w", what, i+1, len(bounds)+1, err)
		}
	}
	return nil
}

// idRange is the condition on id of the i-th of the ranges bounds cut
// (0 to len(bounds)), and its arguments: 1 when there is one range.
func idRange(bounds []string, i int) (string, []any) {
	switch {
	case len(bounds) == 0:
		return "1", nil
	case i == 0:
		return "id < ?", []any{bounds[0]}
	case i == len(bounds):
		return "id >= ?", []any{bounds[i-1]}
	}
	return "id >= ? AND id < ?", []any{bounds[i-1], bounds[i]}
}
