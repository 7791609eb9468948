package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the outcome of the crawler's polls, the sources'
// status: one row per poll, the rows of a polled source older than
// model.SourcePollRetention before its newest deleted in the transaction
// that appends.

// AppendSourcePolls appends poll records in one transaction and drops the
// polled sources' records past the retention.
func (s *Store) AppendSourcePolls(ctx context.Context, polls []model.SourcePoll) error {
	return writeWith(ctx, s, store.SourcePollsTable, polls, func(ctx context.Context, tx *sql.Tx) error {
		// The retention runs back from the source's newest record.
		newest := map[string]time.Time{}
		var ids []string
		for _, p := range polls {
			if !slices.Contains(ids, p.SourceID) {
				ids = append(ids, p.SourceID)
			}
			if p.At.After(newest[p.SourceID]) {
				newest[p.SourceID] = p.At
			}
		}
		for _, id := range ids {
			cut := newest[id].Add(-model.SourcePollRetention).UnixNano()
			if _, err := tx.ExecContext(ctx, `DELETE FROM source_polls WHERE source_id = ? AND at < ?`, id, cut); err != nil {
				return fmt.Errorf("cannot drop old poll records: %w", err)
			}
		}
		return nil
	}, nil)
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
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cols := columns(store.SourcePollsTable)
	latest := func(where string, args ...any) ([]model.SourcePoll, error) {
		return query(ctx, tx, store.SourcePollsTable, `SELECT `+cols+` FROM (
			SELECT `+cols+`, row_number() OVER (PARTITION BY source_id ORDER BY at DESC, id DESC) AS latest
			FROM source_polls `+where+`) WHERE latest = 1 ORDER BY source_id`, args...)
	}
	last, err := latest(``)
	if err != nil {
		return nil, err
	}
	lastErr, err := latest(`WHERE at >= ? AND result <> 'ok'`, n)
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
	rows, err := tx.QueryContext(ctx, `SELECT source_id, count(*), sum(result <> 'ok'), sum(robots_refused), sum(documents)
		FROM source_polls WHERE at >= ? GROUP BY source_id`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			c  model.SourceStatus
		)
		if err := rows.Scan(&id, &c.Polls, &c.Errors, &c.RobotsRefused, &c.Documents); err != nil {
			return nil, err
		}
		if st := byID[id]; st != nil {
			st.Polls, st.Errors, st.RobotsRefused, st.Documents = c.Polls, c.Errors, c.RobotsRefused, c.Documents
		}
	}
	return out, rows.Err()
}
