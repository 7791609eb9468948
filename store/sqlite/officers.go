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

// This file holds what officers add to the analysis: sentiment corrections
// and the user dictionary. Both are append-only logs (the database refuses
// updates and deletes) whose latest entry per key wins.

// AppendCorrections appends sentiment corrections in one transaction; one
// already stored is left as it is.
func (s *Store) AppendCorrections(ctx context.Context, cs []model.SentimentCorrection) error {
	return write(ctx, s, store.CorrectionsTable, cs)
}

// latestCorrections is the latest correction of every post matching where
// (with its leading space, or empty), as a query with the correction
// columns.
func latestCorrections(where string) string {
	cols := columns(store.CorrectionsTable)
	return `SELECT ` + cols + ` FROM (SELECT ` + cols + `,
		row_number() OVER (PARTITION BY post_id ORDER BY at DESC, id DESC) AS latest FROM sentiment_corrections` + where + `) WHERE latest = 1`
}

// PostCorrections returns the latest correction of each of postIDs that
// has one.
func (s *Store) PostCorrections(ctx context.Context, postIDs []string) (map[string]model.SentimentCorrection, error) {
	out := map[string]model.SentimentCorrection{}
	if len(postIDs) == 0 {
		return out, nil
	}
	start := time.Now()
	err := s.postCorrections(ctx, postIDs, out)
	s.metrics.QueryDone("post_corrections", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot read the sentiment corrections of %d posts: %w", len(postIDs), err)
	}
	return out, nil
}

// maxParams keeps a statement's parameters well below SQLite's limit.
const maxParams = 500

func (s *Store) postCorrections(ctx context.Context, postIDs []string, out map[string]model.SentimentCorrection) error {
	for len(postIDs) > 0 {
		chunk := postIDs[:min(len(postIDs), maxParams)]
		postIDs = postIDs[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		// The window runs over the chunk's posts only, through the index
		// on post_id.
		cs, err := query(ctx, s.read, store.CorrectionsTable,
			latestCorrections(` WHERE post_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`), args...)
		if err != nil {
			return err
		}
		for _, c := range cs {
			out[c.PostID] = c
		}
	}
	return nil
}

// ListCorrections returns the latest correction of every corrected post,
// oldest first.
func (s *Store) ListCorrections(ctx context.Context) ([]model.SentimentCorrection, error) {
	start := time.Now()
	out, err := query(ctx, s.read, store.CorrectionsTable, latestCorrections("")+` ORDER BY at, id`)
	s.metrics.QueryDone("list_corrections", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list sentiment corrections: %w", err)
	}
	return out, nil
}

// AppendDictionary appends user dictionary changes in one transaction; one
// already stored is left as it is.
func (s *Store) AppendDictionary(ctx context.Context, entries []model.DictionaryEntry) error {
	return write(ctx, s, store.DictionaryTable, entries)
}

// DictionaryVersion returns the number of dictionary changes and the time
// of the latest.
func (s *Store) DictionaryVersion(ctx context.Context) (model.DictionaryVersion, error) {
	start := time.Now()
	v, err := dictionaryVersion(ctx, s.read)
	s.metrics.QueryDone("dictionary_version", start, err)
	if err != nil {
		return model.DictionaryVersion{}, fmt.Errorf("cannot read the user dictionary version: %w", err)
	}
	return v, nil
}

func dictionaryVersion(ctx context.Context, q queryer) (model.DictionaryVersion, error) {
	var (
		v    model.DictionaryVersion
		last int64
	)
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(max(at), 0) FROM user_dictionary`).Scan(&v.Changes, &last); err != nil {
		return v, err
	}
	v.LastChange = store.FromUnixNanos(last)
	return v, nil
}

// UserDictionary returns the words in the dictionary now and the version
// they reflect, both from one read transaction.
func (s *Store) UserDictionary(ctx context.Context) (model.UserDictionary, error) {
	start := time.Now()
	d, err := s.userDictionary(ctx)
	s.metrics.QueryDone("user_dictionary", start, err)
	if err != nil {
		return model.UserDictionary{}, fmt.Errorf("cannot read the user dictionary: %w", err)
	}
	return d, nil
}

func (s *Store) userDictionary(ctx context.Context) (model.UserDictionary, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return model.UserDictionary{}, err
	}
	defer tx.Rollback()
	var d model.UserDictionary
	if d.Version, err = dictionaryVersion(ctx, tx); err != nil {
		return model.UserDictionary{}, err
	}
	cols := columns(store.DictionaryTable)
	d.Words, err = query(ctx, tx, store.DictionaryTable, `SELECT `+cols+` FROM (
		SELECT `+cols+`, row_number() OVER (PARTITION BY word ORDER BY at DESC, id DESC) AS latest FROM user_dictionary
		) WHERE latest = 1 AND removed = 0 ORDER BY word`)
	if err != nil {
		return model.UserDictionary{}, err
	}
	return d, nil
}
