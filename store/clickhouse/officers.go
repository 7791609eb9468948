package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds what officers add to the analysis: sentiment corrections
// and the user dictionary. Both are append-only logs whose latest entry per
// key wins; an entry appended twice (a retried write) has one ID and is
// folded by the merge, and reads keep the latest entry per key (LIMIT 1
// BY), or count distinct IDs, so it is never read twice.

// AppendCorrections appends sentiment corrections as one batch.
// Each corrected post then moves to its new sentiment in the rollup
// (recountCorrected); a failure there fails the call.
func (s *Store) AppendCorrections(ctx context.Context, cs []model.SentimentCorrection) error {
	if err := write(ctx, s, store.CorrectionsTable, cs); err != nil {
		return err
	}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		if !slices.Contains(ids, c.PostID) {
			ids = append(ids, c.PostID)
		}
	}
	start := time.Now()
	n, err := s.recountCorrected(ctx, ids)
	s.metrics.WriteDone("post_counted", start, n, 0, err)
	if err != nil {
		return fmt.Errorf("cannot move %d corrected posts in the rollup: %w", len(ids), err)
	}
	return nil
}

// latestCorrections selects the latest correction of every post matching
// where (with its leading space, or empty).
func (s *Store) latestCorrections(where string) string {
	return "SELECT " + columns(store.CorrectionsTable) + " FROM " + s.table(store.TableCorrections) + where +
		" ORDER BY post_id, at_ns DESC, id DESC LIMIT 1 BY post_id"
}

// PostCorrections returns the latest correction of each of postIDs that
// has one.
func (s *Store) PostCorrections(ctx context.Context, postIDs []string) (map[string]model.SentimentCorrection, error) {
	out := map[string]model.SentimentCorrection{}
	if len(postIDs) == 0 {
		return out, nil
	}
	start := time.Now()
	// An IN list, not has(): the sorting key finds the posts' granules.
	in, args := idsIn(postIDs)
	cs, err := query(ctx, s, store.CorrectionsTable, s.latestCorrections(" WHERE "+strings.Replace(in, "id IN", "post_id IN", 1)), args...)
	s.metrics.QueryDone("post_corrections", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot read the sentiment corrections of %d posts: %w", len(postIDs), err)
	}
	for _, c := range cs {
		out[c.PostID] = c
	}
	return out, nil
}

// ListCorrections returns the latest correction of every corrected post,
// oldest first.
func (s *Store) ListCorrections(ctx context.Context) ([]model.SentimentCorrection, error) {
	start := time.Now()
	out, err := query(ctx, s, store.CorrectionsTable, "SELECT "+columns(store.CorrectionsTable)+" FROM ("+s.latestCorrections("")+") ORDER BY at_ns, id")
	s.metrics.QueryDone("list_corrections", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list sentiment corrections: %w", err)
	}
	return out, nil
}

// AppendDictionary appends user dictionary changes as one batch.
func (s *Store) AppendDictionary(ctx context.Context, entries []model.DictionaryEntry) error {
	return write(ctx, s, store.DictionaryTable, entries)
}

// DictionaryVersion returns the number of distinct dictionary changes and
// the time of the latest. Counting distinct IDs counts an entry appended
// twice once, whether merged yet or not, so the count only ever grows.
func (s *Store) DictionaryVersion(ctx context.Context) (model.DictionaryVersion, error) {
	start := time.Now()
	var (
		n    uint64
		last int64
	)
	err := s.conn.QueryRow(ctx, "SELECT uniqExact(id), max(at_ns) FROM "+s.table(store.TableDictionary)).Scan(&n, &last)
	s.metrics.QueryDone("dictionary_version", start, err)
	if err != nil {
		return model.DictionaryVersion{}, fmt.Errorf("cannot read the user dictionary version: %w", err)
	}
	return model.DictionaryVersion{Changes: int64(n), LastChange: store.FromUnixNanos(last)}, nil
}

// UserDictionary returns the words in the dictionary now and the version
// they reflect. ClickHouse has no read transaction, so the version is read
// first: a change that lands between the two reads is in the words and
// not yet in the version, and a poller reloads once more.
func (s *Store) UserDictionary(ctx context.Context) (model.UserDictionary, error) {
	v, err := s.DictionaryVersion(ctx)
	if err != nil {
		return model.UserDictionary{}, fmt.Errorf("cannot read the user dictionary: %w", err)
	}
	start := time.Now()
	cols := columns(store.DictionaryTable)
	words, err := query(ctx, s, store.DictionaryTable, "SELECT "+cols+" FROM (SELECT "+cols+" FROM "+s.table(store.TableDictionary)+
		" ORDER BY word, at_ns DESC, id DESC LIMIT 1 BY word) WHERE removed = 0 ORDER BY word")
	s.metrics.QueryDone("user_dictionary", start, err)
	if err != nil {
		return model.UserDictionary{}, fmt.Errorf("cannot read the user dictionary: %w", err)
	}
	return model.UserDictionary{Version: v, Words: words}, nil
}
