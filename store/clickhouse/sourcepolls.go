package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the outcome of the crawler's polls, the sources'
// status: one row per poll. A record appended twice (a retried write) has
// one ID and is folded by the merge; reads keep one row per ID (LIMIT 1
// BY) until then. ClickHouse 18.16 has no TTL; rows are a few dozen
// bytes, so the table is left to grow and partitions can be dropped by
// hand.

// sourcePollsTable keeps poll records; the order key starts with the
// source and time, which every read filters or groups by.
var sourcePollsTable = tableOf(store.SourcePollsTable, "source_id, at_ns, id",
	column{name: "source_id", lowCardinality: true}, column{name: "result", lowCardinality: true},
	column{name: "problem", lowCardinality: true}, column{name: "error", codec: "ZSTD(1)"})

// AppendSourcePolls appends poll records as one batch.
func (s *Store) AppendSourcePolls(ctx context.Context, polls []model.SourcePoll) error {
	return write(ctx, s, store.SourcePollsTable, polls)
}

// SourceStatus returns every source's latest poll and its counts since.
func (s *Store) SourceStatus(ctx context.Context, since time.Time) ([]model.SourceStatus, error) {
	start := time.Now()
	out, err := s.sourceStatus(ctx, since)
	s.metrics.QueryDone("source_status", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot read the sources' status: %w", err)
	}
	return out, nil
}

func (s *Store) sourceStatus(ctx context.Context, since time.Time) ([]model.SourceStatus, error) {
	n, err := store.UnixNanos("since", since)
	if err != nil {
		return nil, err
	}
	cols := columns(store.SourcePollsTable)
	t := s.table(store.TableSourcePolls)
	latest := func(where string, args ...any) ([]model.SourcePoll, error) {
		return query(ctx, s, store.SourcePollsTable, "SELECT "+cols+" FROM "+t+" "+where+
			" ORDER BY source_id, at_ns DESC, id DESC LIMIT 1 BY source_id", args...)
	}
	last, err := latest("")
	if err != nil {
		return nil, err
	}
	lastErr, err := latest("WHERE at_ns >= ? AND result != 'ok'", n)
	if err != nil {
		return nil, err
	}
	byID := map[string]*model.SourceStatus{}
	out := make([]model.SourceStatus, len(last))
	for i, p := range last {
		out[i] = model.SourceStatus{SourceID: p.SourceID, Last: p}
		byID[p.SourceID] = &out[i]
	}
	for _, p := range lastErr {
		if st := byID[p.SourceID]; st != nil {
			st.LastError = p
		}
	}
	rows, err := s.conn.Query(ctx, "SELECT source_id, count(), countIf(result != 'ok'), sum(robots_refused), sum(documents) FROM (SELECT source_id, result, robots_refused, documents FROM "+
		t+" WHERE at_ns >= ? LIMIT 1 BY id) GROUP BY source_id", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id           string
			polls, errs  uint64
			robots, docs int64
		)
		if err := rows.Scan(&id, &polls, &errs, &robots, &docs); err != nil {
			return nil, err
		}
		if st := byID[id]; st != nil {
			st.Polls, st.Errors, st.RobotsRefused, st.Documents = int64(polls), int64(errs), robots, docs
		}
	}
	return out, rows.Err()
}
