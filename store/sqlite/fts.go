package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// The full-text index is written behind the posts, not in their
// transaction. Tokenising a news-sized post into trigrams costs more than
// storing it (BENCHMARKS.md: the store wrote ~650 posts/s with the index
// in the write path and ~6,000 without), so the analyzer's writes leave the
// index to an indexer goroutine that catches up when writes pause. Search
// stays exact at every moment: fts_progress.indexed_seq is the highest post
// seq the index covers, and a term is looked up in the index for the posts
// up to it and matched with LIKE in the posts after it (the uncovered
// tail). Index and watermark move in one transaction, so a reader's
// snapshot always sees them agree. The migration's triggers keep the
// covered part in step with updates and deletes.

const (
	// ftsStep is how many posts one indexing transaction covers: small
	// enough that a writer queued behind it waits a fraction of a second.
	ftsStep = 128
	// ftsQuiet is how long writes to posts must pause before the indexer
	// starts, so that a burst is stored first and indexed after.
	ftsQuiet = 300 * time.Millisecond
	// ftsMaxLag bounds the uncovered tail: past it the indexer runs even
	// while writes go on, so the LIKE part of a search stays bounded.
	ftsMaxLag = 20000
)

// ftsIndexer runs the indexing loop of one store.
type ftsIndexer struct {
	wake chan struct{} // a post was written
	stop context.CancelFunc
	done chan struct{}
	lag  prometheus.Gauge
}

// startIndexer starts the store's indexer; Close stops it.
func (s *Store) startIndexer(reg prometheus.Registerer) error {
	lag, err := registerOrReuse(reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "yuqing_store_fts_lag_posts",
		Help: "Stored posts the SQLite full-text index does not cover yet (search scans them); an upper bound once posts were deleted.",
	}))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ix := &ftsIndexer{wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{}), lag: lag}
	s.fts = ix
	go func() {
		defer close(ix.done)
		s.indexLoop(ctx)
	}()
	ix.wake <- struct{}{} // index what an earlier process left
	return nil
}

// postsWritten tells the indexer that posts were written.
func (s *Store) postsWritten() {
	if s.fts == nil {
		return
	}
	select {
	case s.fts.wake <- struct{}{}:
	default:
	}
}

func (s *Store) stopIndexer() {
	if s.fts != nil {
		s.fts.stop()
		<-s.fts.done
	}
}

// indexLoop waits for writes, lets a burst pass (ftsQuiet), then indexes
// the uncovered tail step by step until it is covered.
func (s *Store) indexLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.fts.wake:
		}
		for {
			// Wait for a pause in the writes, unless the tail is too long.
			quiet := time.NewTimer(ftsQuiet)
			select {
			case <-ctx.Done():
				quiet.Stop()
				return
			case <-s.fts.wake:
				quiet.Stop()
				if lag, err := s.ftsLag(ctx); err != nil || lag < ftsMaxLag {
					continue
				}
			case <-quiet.C:
			}
			n, err := s.IndexFTS(ctx, ftsStep)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("full-text indexing failed; search scans the uncovered posts meanwhile", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
	}
}

// ftsLag returns how many stored posts the index does not cover, and sets
// the lag gauge. It is the distance from the watermark to the newest seq,
// read in constant time from the rowid index: exact while no post is
// deleted, an upper bound after.
func (s *Store) ftsLag(ctx context.Context) (int64, error) {
	var lag int64
	err := s.read.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(seq), 0) FROM posts) - (SELECT indexed_seq FROM fts_progress)`).Scan(&lag)
	if err == nil && s.fts != nil {
		s.fts.lag.Set(float64(max(lag, 0)))
	}
	return max(lag, 0), err
}

// IndexFTS adds up to limit posts of the uncovered tail to the full-text
// index, oldest first, in one transaction with the watermark, and returns
// how many it added (0: the index covers every post). The indexer calls
// it; tests and tools may too.
func (s *Store) IndexFTS(ctx context.Context, limit int) (int, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var from int64
	if err := tx.QueryRowContext(ctx, `SELECT indexed_seq FROM fts_progress`).Scan(&from); err != nil {
		return 0, fmt.Errorf("cannot read the full-text watermark: %w", err)
	}
	var to sql.NullInt64
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT max(seq), count(*) FROM (SELECT seq FROM posts WHERE seq > ? ORDER BY seq LIMIT ?)`,
		from, limit).Scan(&to, &n); err != nil {
		return 0, fmt.Errorf("cannot read the posts to index: %w", err)
	}
	if n == 0 {
		s.ftsLag(ctx)
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO posts_fts (rowid, title, body)
		SELECT seq, title, body FROM posts WHERE seq > ? AND seq <= ?`, from, to.Int64); err != nil {
		return 0, fmt.Errorf("cannot index posts %d to %d: %w", from+1, to.Int64, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fts_progress SET indexed_seq = ?`, to.Int64); err != nil {
		return 0, fmt.Errorf("cannot move the full-text watermark: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	s.ftsLag(ctx)
	return n, nil
}

// termCond is the condition that a post's title or body contains term,
// with its arguments. A term of three or more characters is looked up in
// the trigram index for the covered posts and matched with LIKE in the
// uncovered tail; a shorter one, which a trigram index cannot hold, is
// matched with LIKE everywhere. Both match ASCII letters
// case-insensitively.
func termCond(term string) (string, []any) {
	like := "%" + escapeLike(term) + "%"
	scan := `title LIKE ? ESCAPE '\' OR body LIKE ? ESCAPE '\'`
	if utf8.RuneCountInString(term) < 3 {
		return "(" + scan + ")", []any{like, like}
	}
	// One IN over both parts, so the index answers the covered posts and
	// only the tail (a rowid range) is scanned.
	return `seq IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?
		UNION ALL SELECT seq FROM posts WHERE seq > (SELECT indexed_seq FROM fts_progress) AND (` + scan + `))`, []any{ftsString(term), like, like}
}
