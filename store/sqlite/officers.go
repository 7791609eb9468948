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

// insertCorrectionSQL appends a correction; one already stored is left as
// it is.
const insertCorrectionSQL = `INSERT OR IGNORE INTO sentiment_corrections
	(id, post_id, label, corrected_by, at, note, model_label, title, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

const correctionColumns = `id, post_id, label, corrected_by, at, note, model_label, title, body`

// AppendCorrections appends sentiment corrections in one transaction.
func (s *Store) AppendCorrections(ctx context.Context, cs []model.SentimentCorrection) error {
	return s.writeRows(ctx, store.TableCorrections, insertCorrectionSQL, "append", "sentiment corrections", len(cs), func(i int) ([]any, error) {
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

func scanCorrection(r rowScanner) (model.SentimentCorrection, error) {
	var c model.SentimentCorrection
	var at int64
	if err := r.Scan(&c.ID, &c.PostID, &c.Label, &c.By, &at, &c.Note, &c.ModelLabel, &c.Title, &c.Body); err != nil {
		return c, err
	}
	c.At = fromUnixNano(at)
	return c, nil
}

// latestCorrections is the latest correction of every post, as a subquery
// with the correction columns.
const latestCorrections = `SELECT ` + correctionColumns + ` FROM (SELECT ` + correctionColumns + `,
	row_number() OVER (PARTITION BY post_id ORDER BY at DESC, id DESC) AS latest FROM sentiment_corrections) WHERE latest = 1`

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
		rows, err := s.read.QueryContext(ctx, `SELECT `+correctionColumns+` FROM (SELECT `+correctionColumns+`,
			row_number() OVER (PARTITION BY post_id ORDER BY at DESC, id DESC) AS latest FROM sentiment_corrections
			WHERE post_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)) WHERE latest = 1`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			c, err := scanCorrection(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out[c.PostID] = c
		}
		if err := rowsDone(rows); err != nil {
			return err
		}
	}
	return nil
}

// rowsDone closes rows and returns the error that ended their iteration.
func rowsDone(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// ListCorrections returns the latest correction of every corrected post,
// oldest first.
func (s *Store) ListCorrections(ctx context.Context) ([]model.SentimentCorrection, error) {
	start := time.Now()
	out, err := s.listCorrections(ctx)
	s.metrics.QueryDone("list_corrections", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list sentiment corrections: %w", err)
	}
	return out, nil
}

func (s *Store) listCorrections(ctx context.Context) ([]model.SentimentCorrection, error) {
	rows, err := s.read.QueryContext(ctx, latestCorrections+` ORDER BY at, id`)
	if err != nil {
		return nil, err
	}
	var out []model.SentimentCorrection
	for rows.Next() {
		c, err := scanCorrection(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	return out, rowsDone(rows)
}

// insertDictionarySQL appends a dictionary change; one already stored is
// left as it is.
const insertDictionarySQL = `INSERT OR IGNORE INTO user_dictionary (id, word, freq, pos, changed_by, at, removed) VALUES (?, ?, ?, ?, ?, ?, ?)`

// AppendDictionary appends user dictionary changes in one transaction.
func (s *Store) AppendDictionary(ctx context.Context, entries []model.DictionaryEntry) error {
	return s.writeRows(ctx, store.TableDictionary, insertDictionarySQL, "append", "dictionary entries", len(entries), func(i int) ([]any, error) {
		e := &entries[i]
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("cannot store dictionary entry %q: %w", e.ID, err)
		}
		at, err := timeColumn("at", e.At)
		if err != nil {
			return nil, fmt.Errorf("cannot store dictionary entry %q: %w", e.ID, err)
		}
		return []any{e.ID, e.Word, e.Freq, e.POS, e.By, at, e.Removed}, nil
	})
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

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func dictionaryVersion(ctx context.Context, q queryer) (model.DictionaryVersion, error) {
	var (
		v    model.DictionaryVersion
		last int64
	)
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(max(at), 0) FROM user_dictionary`).Scan(&v.Changes, &last); err != nil {
		return v, err
	}
	v.LastChange = fromUnixNano(last)
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
	rows, err := tx.QueryContext(ctx, `SELECT id, word, freq, pos, changed_by, at, removed FROM (
		SELECT id, word, freq, pos, changed_by, at, removed,
			row_number() OVER (PARTITION BY word ORDER BY at DESC, id DESC) AS latest FROM user_dictionary
		) WHERE latest = 1 AND removed = 0 ORDER BY word`)
	if err != nil {
		return model.UserDictionary{}, err
	}
	for rows.Next() {
		var e model.DictionaryEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.Word, &e.Freq, &e.POS, &e.By, &at, &e.Removed); err != nil {
			rows.Close()
			return model.UserDictionary{}, err
		}
		e.At = fromUnixNano(at)
		d.Words = append(d.Words, e)
	}
	return d, rowsDone(rows)
}
