package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds what officers add to the analysis: sentiment corrections
// and the user dictionary. Both are append-only logs whose latest entry per
// key wins; an entry appended twice (a retried write) has one ID and is
// folded by the merge, and reads use FINAL, so it is never read twice.

// AppendCorrections appends sentiment corrections as one batch.
func (s *Store) AppendCorrections(ctx context.Context, cs []model.SentimentCorrection) error {
	return s.writeRows(ctx, correctionsTable, store.TableCorrections, "append", "sentiment corrections", len(cs), func(i int) ([]any, error) {
		c := &cs[i]
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("cannot store sentiment correction %q: %w", c.ID, err)
		}
		at, err := timeColumn("at", c.At)
		if err != nil {
			return nil, fmt.Errorf("cannot store sentiment correction %q: %w", c.ID, err)
		}
		return []any{c.ID, c.PostID, c.Label, c.By, at, c.Note, c.ModelLabel, c.Title, c.Body}, nil
	})
}

func scanCorrection(r scanner) (model.SentimentCorrection, error) {
	var c model.SentimentCorrection
	var at int64
	if err := r.Scan(&c.ID, &c.PostID, &c.Label, &c.By, &at, &c.Note, &c.ModelLabel, &c.Title, &c.Body); err != nil {
		return c, err
	}
	c.At = fromUnixNano(at)
	return c, nil
}

// latestCorrections selects the latest correction of every post matching
// where (with its leading space, or empty).
func (s *Store) latestCorrections(where string) string {
	return "SELECT " + correctionsTable.selectList() + " FROM " + s.table(correctionsTable.name) + " FINAL" + where +
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
	cs, err := all(ctx, s, scanCorrection, s.latestCorrections(" WHERE has(?, post_id)"), postIDs)
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
	out, err := all(ctx, s, scanCorrection, "SELECT "+correctionsTable.selectList()+" FROM ("+s.latestCorrections("")+") ORDER BY at_ns, id")
	s.metrics.QueryDone("list_corrections", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list sentiment corrections: %w", err)
	}
	return out, nil
}

// AppendDictionary appends user dictionary changes as one batch.
func (s *Store) AppendDictionary(ctx context.Context, entries []model.DictionaryEntry) error {
	return s.writeRows(ctx, dictionaryTable, store.TableDictionary, "append", "dictionary entries", len(entries), func(i int) ([]any, error) {
		e := &entries[i]
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("cannot store dictionary entry %q: %w", e.ID, err)
		}
		at, err := timeColumn("at", e.At)
		if err != nil {
			return nil, fmt.Errorf("cannot store dictionary entry %q: %w", e.ID, err)
		}
		var removed uint8
		if e.Removed {
			removed = 1
		}
		return []any{e.ID, e.Word, e.Freq, e.POS, e.By, at, removed}, nil
	})
}

// DictionaryVersion returns the number of distinct dictionary changes and
// the time of the latest. FINAL counts an entry appended twice once, so
// the count only ever grows.
func (s *Store) DictionaryVersion(ctx context.Context) (model.DictionaryVersion, error) {
	start := time.Now()
	var (
		n    uint64
		last int64
	)
	err := s.conn.QueryRow(ctx, "SELECT count(), max(at_ns) FROM "+s.table(dictionaryTable.name)+" FINAL").Scan(&n, &last)
	s.metrics.QueryDone("dictionary_version", start, err)
	if err != nil {
		return model.DictionaryVersion{}, fmt.Errorf("cannot read the user dictionary version: %w", err)
	}
	return model.DictionaryVersion{Changes: int64(n), LastChange: fromUnixNano(last)}, nil
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
	words, err := all(ctx, s, func(r scanner) (model.DictionaryEntry, error) {
		var e model.DictionaryEntry
		var at int64
		var removed uint8
		if err := r.Scan(&e.ID, &e.Word, &e.Freq, &e.POS, &e.By, &at, &removed); err != nil {
			return e, err
		}
		e.At, e.Removed = fromUnixNano(at), removed == 1
		return e, nil
	}, "SELECT "+dictionaryTable.selectList()+" FROM (SELECT "+dictionaryTable.selectList()+" FROM "+s.table(dictionaryTable.name)+
		" FINAL ORDER BY word, at_ns DESC, id DESC LIMIT 1 BY word) WHERE removed = 0 ORDER BY word")
	s.metrics.QueryDone("user_dictionary", start, err)
	if err != nil {
		return model.UserDictionary{}, fmt.Errorf("cannot read the user dictionary: %w", err)
	}
	return model.UserDictionary{Version: v, Words: words}, nil
}
