package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Group commit: every write of the store (a batch of rows of one table)
// is a request to one committer goroutine, which takes the requests that
// queued while the previous transaction ran and writes them in one
// transaction, each under its own savepoint. A request whose rows fail is
// rolled back to its savepoint and fails alone; the others commit
// together. So writers from several stages (the analyzer's posts, the
// responder's events and incidents) share one commit, and a batch is
// still all or nothing.

// maxGroup bounds how many requests share one transaction.
const maxGroup = 32

// writeReq is one batch to write: stmt run once per row, args giving
// row i's arguments.
type writeReq struct {
	ctx   context.Context
	table string
	stmt  string
	n     int
	args  func(i int) ([]any, error)
	// before, when set, runs in the transaction before the rows, in the
	// request's savepoint (the rollup of the posts written).
	before func(ctx context.Context, tx *sql.Tx) error
	// rollup, when set, runs in the transaction before the rows, in the
	// request's savepoint, and returns what writing them changes in the
	// rollup. The group adds up the changes of the requests that succeed
	// and writes them once, before it commits: posts of one hour share most
	// of their rollup rows, so a group of writes upserts each row once.
	rollup  func(ctx context.Context, tx *sql.Tx) (rollupDeltas, error)
	skipped int
	err     error
	done    chan struct{}
}

// committer is the group-commit goroutine of a store.
type committer struct {
	queue chan *writeReq
	stop  chan struct{} // closed by Close
	done  chan struct{} // closed when the goroutine has returned
	size  prometheus.Histogram
}

var errClosed = errors.New("sqlite store is closed")

func (s *Store) startCommitter(reg prometheus.Registerer) error {
	size, err := registerOrReuse(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "yuqing_store_group_commit_batches",
		Help:    "Write batches committed together in one SQLite transaction (group commit).",
		Buckets: []float64{1, 2, 4, 8, 16, 32},
	}))
	if err != nil {
		return err
	}
	s.commit = &committer{queue: make(chan *writeReq), stop: make(chan struct{}), done: make(chan struct{}), size: size}
	go func() {
		defer close(s.commit.done)
		for {
			var first *writeReq
			select {
			case first = <-s.commit.queue:
			case <-s.commit.stop:
				return
			}
			group := []*writeReq{first}
		more:
			for len(group) < maxGroup {
				select {
				case r := <-s.commit.queue:
					group = append(group, r)
				default:
					break more
				}
			}
			s.writeGroup(group)
			s.commit.size.Observe(float64(len(group)))
			for _, r := range group {
				close(r.done)
			}
		}
	}()
	return nil
}

// registerOrReuse registers c with reg (nil: none), or returns the
// collector of the same name registered already (a store reopened in one
// process), so both stores' series add up.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	if err := reg.Register(c); err != nil {
		are, ok := err.(prometheus.AlreadyRegisteredError)
		if !ok {
			return c, err
		}
		existing, ok := are.ExistingCollector.(C)
		if !ok {
			return c, err
		}
		return existing, nil
	}
	return c, nil
}

// stopCommitter lets the transaction in hand finish and stops the
// committer; writes after it fail with errClosed.
func (s *Store) stopCommitter() {
	if s.commit == nil {
		return
	}
	select {
	case <-s.commit.stop:
	default:
		close(s.commit.stop)
	}
	<-s.commit.done
}

// submit hands r to the committer and waits until it is written or has
// failed. It returns only then, so a caller whose context ends still
// learns what happened to its rows.
func (s *Store) submit(r *writeReq) (int, error) {
	r.done = make(chan struct{})
	select {
	case s.commit.queue <- r:
	case <-s.commit.stop:
		return 0, errClosed
	case <-r.ctx.Done():
		return 0, r.ctx.Err()
	}
	<-r.done
	return r.skipped, r.err
}

// writeGroup writes the requests of group in one transaction, each under
// a savepoint, and sets each one's outcome.
func (s *Store) writeGroup(group []*writeReq) {
	fail := func(err error) {
		for _, r := range group {
			if r.err == nil {
				r.err, r.skipped = err, 0
			}
		}
	}
	tx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback()
	ok := 0
	rollup := rollupDeltas{}
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if _, err := tx.ExecContext(context.Background(), `SAVEPOINT batch`); err != nil {
			fail(err)
			return
		}
		if r.before != nil {
			r.err = r.before(r.ctx, tx)
		}
		var d rollupDeltas
		if r.err == nil && r.rollup != nil {
			d, r.err = r.rollup(r.ctx, tx)
		}
		if r.err == nil {
			r.skipped, r.err = writeRows(r.ctx, tx, r)
		}
		if r.err == nil {
			rollup.merge(d)
		}
		if r.err != nil {
			if _, err := tx.ExecContext(context.Background(), `ROLLBACK TO batch`); err != nil {
				fail(fmt.Errorf("cannot roll back a failed batch: %w", err))
				return
			}
		} else {
			ok++
		}
		if _, err := tx.ExecContext(context.Background(), `RELEASE batch`); err != nil {
			fail(err)
			return
		}
	}
	if ok == 0 {
		return
	}
	if err := rollup.apply(context.Background(), tx); err != nil {
		fail(fmt.Errorf("cannot update the rollup: %w", err))
		return
	}
	if err := tx.Commit(); err != nil {
		fail(err)
	}
}

// writeRows runs r's statement for each of its rows in tx and returns how
// many rows were skipped: for an upsert, because the stored version was
// the same or higher (its WHERE clause makes such a row change nothing);
// for an INSERT OR IGNORE, because the row was there already. SQLite
// reports both as zero rows affected.
func writeRows(ctx context.Context, tx *sql.Tx, r *writeReq) (int, error) {
	prepared, err := tx.PrepareContext(ctx, r.stmt)
	if err != nil {
		return 0, err
	}
	defer prepared.Close()
	skipped := 0
	for i := range r.n {
		a, err := r.args(i)
		if err != nil {
			return 0, err
		}
		res, err := prepared.ExecContext(ctx, a...)
		if err != nil {
			return 0, fmt.Errorf("cannot write %s row %q: %w", r.table, a[0], err)
		}
		changed, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		if changed == 0 {
			skipped++
		}
	}
	return skipped, nil
}
