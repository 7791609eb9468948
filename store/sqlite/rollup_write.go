package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// The rollup's rows of the posts a write stores are computed here, in Go,
// in the write's own transaction: the same rows the SQL of rollupSelect
// makes (a test holds the two to each other), at a fraction of the cost
// of JSON functions run by the database for every post.

// rollupKey is a row of post_rollup.
type rollupKey struct {
	fdim, fkey, dim       string
	hour                  int64
	sentiment, key, label string
}

// rollupDelta is what a write adds to a row.
type rollupDelta struct {
	n int64
	w float64
}

// rollupDeltas accumulates the changes of one write.
type rollupDeltas map[rollupKey]*rollupDelta

// add adds (sign 1) or subtracts (-1) post p counted under sentiment.
func (d rollupDeltas) add(p *model.Post, sentiment string, sign int64) error {
	hour, rows, ok := store.RollupRowsOf(p)
	if !ok {
		// Not storable: writing the post fails and rolls the request back.
		return nil
	}
	for _, r := range rows {
		k := rollupKey{r.Scope, r.ScopeKey, r.Dim, hour, sentiment, r.Key, r.Label}
		e := d[k]
		if e == nil {
			e = &rollupDelta{}
			d[k] = e
		}
		e.n += sign
		e.w += float64(sign) * r.Weight
	}
	return nil
}

// merge adds the changes of e into d.
func (d rollupDeltas) merge(e rollupDeltas) {
	for k, x := range e {
		if y := d[k]; y != nil {
			y.n += x.n
			y.w += x.w
		} else {
			d[k] = x
		}
	}
}

// apply writes the deltas into post_rollup.
func (d rollupDeltas) apply(ctx context.Context, tx *sql.Tx) error {
	if len(d) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO post_rollup (fdim, fkey, dim, hour, sentiment, key, label, n, w)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (fdim, fkey, dim, hour, sentiment, key, label) DO UPDATE SET n = n + excluded.n, w = w + excluded.w`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for k, e := range d {
		if e.n == 0 && e.w == 0 {
			continue
		}
		if _, err := stmt.ExecContext(ctx, k.fdim, k.fkey, k.dim, k.hour, k.sentiment, k.key, k.label, e.n, e.w); err != nil {
			return err
		}
	}
	return nil
}

// rollupChunk bounds the IDs of one lookup of stored posts.
const rollupChunk = 500

// rollupPostsWrite is the hook of a write of posts (see writeReq.rollup):
// it counts, in tx and before the rows are written, what writing posts in
// order changes in the rollup. A post replaces the stored one of its ID
// only when its version is higher, as the upsert does (upsertSQL): its
// stored version is subtracted and it is added, under the sentiment as
// corrected.
func rollupPostsWrite(posts []model.Post) func(ctx context.Context, tx *sql.Tx) (rollupDeltas, error) {
	return func(ctx context.Context, tx *sql.Tx) (rollupDeltas, error) {
		current := map[string]*model.Post{}
		corrected := map[string]string{}
		ids := make([]string, 0, len(posts))
		seen := map[string]bool{}
		for i := range posts {
			if !seen[posts[i].ID] {
				seen[posts[i].ID] = true
				ids = append(ids, posts[i].ID)
			}
		}
		for i := 0; i < len(ids); i += rollupChunk {
			chunk := ids[i:min(i+rollupChunk, len(ids))]
			args := make([]any, len(chunk))
			for j, id := range chunk {
				args[j] = id
			}
			in := ` WHERE id IN (` + placeholders(len(chunk)) + `)`
			stored, err := query(ctx, tx, store.PostsTable, `SELECT `+columns(store.PostsTable)+` FROM posts`+in, args...)
			if err != nil {
				return nil, err
			}
			for j := range stored {
				current[stored[j].ID] = &stored[j]
			}
			cs, err := query(ctx, tx, store.CorrectionsTable, latestCorrections(strings.Replace(in, "id IN", "post_id IN", 1)), args...)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				corrected[c.PostID] = c.Label
			}
		}
		sentiment := func(p *model.Post) string {
			if l, ok := corrected[p.ID]; ok {
				return l
			}
			return p.Sentiment.Label
		}
		d := rollupDeltas{}
		for i := range posts {
			p := &posts[i]
			if old := current[p.ID]; old != nil {
				if p.Version <= old.Version {
					continue
				}
				if err := d.add(old, sentiment(old), -1); err != nil {
					return nil, err
				}
			}
			if err := d.add(p, sentiment(p), 1); err != nil {
				return nil, err
			}
			current[p.ID] = p
		}
		return d, nil
	}
}

// rollupBackfill fills the rollup from every post stored, in tx: the
// migration step that creates the rollup runs it.
func rollupBackfill(ctx context.Context, tx *sql.Tx) error {
	corrected := map[string]string{}
	cs, err := query(ctx, tx, store.CorrectionsTable, latestCorrections(""))
	if err != nil {
		return err
	}
	for _, c := range cs {
		corrected[c.PostID] = c.Label
	}
	d := rollupDeltas{}
	last := int64(-1 << 63)
	for {
		rows, err := tx.QueryContext(ctx, `SELECT seq, `+columns(store.PostsTable)+` FROM posts WHERE seq > ? ORDER BY seq LIMIT 5000`, last)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			dest, row := store.PostsTable.Scanner(layout)
			if err := rows.Scan(append([]any{&last}, dest...)...); err != nil {
				rows.Close()
				return err
			}
			p, err := row()
			if err != nil {
				rows.Close()
				return err
			}
			s, ok := corrected[p.ID]
			if !ok {
				s = p.Sentiment.Label
			}
			if err := d.add(&p, s, 1); err != nil {
				rows.Close()
				return err
			}
			n++
		}
		if err := rowsDone(rows); err != nil {
			return err
		}
		if n == 0 {
			return d.apply(ctx, tx)
		}
	}
}
