// Package sqlite is the embedded store: store.Store on one SQLite file,
// through the pure-Go modernc.org/sqlite driver so the binary stays CGO-free.
//
// It guarantees what store.Store promises. Writes go through a single writer
// connection, so concurrent writers queue in Go instead of failing with
// SQLITE_BUSY, and every batch is one transaction: all of it is durable or
// none of it is. Reads use a separate pool of read-only connections and, in
// WAL mode, never wait for the writer. Full-text search uses an FTS5 trigram
// index for queries of three or more characters and a LIKE scan for shorter
// ones, which the trigram index cannot answer; the index is written behind
// the posts by an indexer goroutine, and search scans the posts it does not
// cover yet (fts.go), so it is exact at every moment.
//
// Times are stored as Unix nanoseconds and read back in UTC, exactly; the
// zero time.Time is stored as 0. Versions must fit in an int64.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Driver is the driver label of this store's metrics.
const Driver = "sqlite"

// busyTimeout is how long a connection waits for a lock held by another
// process (a second yuqing, or `yuqing migrate`) before failing. Within one
// process the single writer connection already serializes writes.
const busyTimeout = 10 * time.Second

// readerMmap is how much of the database file a reader connection maps
// into memory (SQLite caps it at 2 GiB): a page read from the map is not
// copied into the connection's own small page cache, which a search's
// thousands of row lookups otherwise go through (25 000 posts looked up
// by rowid out of 1 M: 155 ms without, 80 ms with).
const readerMmap = 1 << 31

// writerCacheKiB is the writer connection's page cache (SQLite's default
// is 2 MiB). A write of posts touches pages all over the rollup's B-tree
// (about 100 rows a post) as well as the posts'; with the default cache
// most of them are read again from the file and written out early.
const writerCacheKiB = 64 << 10

// Store is the SQLite store. It is safe for concurrent use.
type Store struct {
	write   *sql.DB // exactly one connection: all writes queue on it
	read    *sql.DB // read-only connections
	metrics *store.Metrics
	log     *slog.Logger
	fts     *ftsIndexer // writes the full-text index behind the posts (fts.go)
	commit  *committer  // writes every batch, several per transaction (group.go)
}

var _ store.Store = (*Store)(nil)

// Option changes how Open opens the store.
type Option func(*options)

type options struct{ migrate bool }

// WithMigrate makes Open create the database file if missing and bring its
// schema up to date first, as Migrate does: what the embedded default
// does, so that `yuqing run` on a new data dir is one command.
func WithMigrate() Option { return func(o *options) { o.migrate = true } }

// Open opens the database at path and returns the store. Its schema must be
// the one this binary needs: Open refuses, with a *store.SchemaBehindError,
// a database that lacks a migration (or does not exist), unless
// WithMigrate is given. path must be a file: the writer and the readers
// are separate connections, which an in-memory database cannot share.
//
// The connections run in WAL mode with synchronous=NORMAL: a transaction is
// in the write-ahead log before its commit returns, so a committed write
// survives a crash of the process (kill -9). Only an operating-system crash
// or power loss can roll back the last few commits; that is the trade the
// embedded default makes for write throughput.
func Open(ctx context.Context, path string, reg prometheus.Registerer, log *slog.Logger, opts ...Option) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if !o.migrate {
		// Opening a file that is not there would create it, empty.
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot open sqlite store %q: %w", path, &store.SchemaBehindError{Want: SchemaVersion()})
		}
	}
	metrics, err := store.NewMetrics(reg, Driver)
	if err != nil {
		return nil, fmt.Errorf("cannot register sqlite store metrics: %w", err)
	}
	write, err := openWriter(ctx, path)
	if err != nil {
		return nil, err
	}
	if o.migrate {
		err = migrate(ctx, write)
		if err != nil {
			err = fmt.Errorf("cannot migrate sqlite store %q: %w", path, err)
		}
	} else if err = checkSchema(ctx, write); err != nil {
		err = fmt.Errorf("cannot open sqlite store %q: %w", path, err)
	}
	if err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("cannot open sqlite store %q: %w", path, err)
	}
	readers := max(2, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("cannot open sqlite store %q: %w", path, err)
	}
	log.Info("sqlite store open", "path", path, "schema_version", SchemaVersion())
	s := &Store{write: write, read: read, metrics: metrics, log: log}
	err = s.startCommitter(reg)
	if err == nil {
		err = s.startIndexer(reg)
	}
	if err != nil {
		s.stopCommitter()
		write.Close()
		read.Close()
		return nil, fmt.Errorf("cannot register sqlite store metrics: %w", err)
	}
	return s, nil
}

// Migrate creates the database at path if missing and brings its schema up
// to date: what `yuqing migrate` runs. It is idempotent and safe to run
// from several processes at once (see migrate).
func Migrate(ctx context.Context, path string, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	if err := checkPath(path); err != nil {
		return err
	}
	write, err := openWriter(ctx, path)
	if err != nil {
		return err
	}
	defer write.Close()
	if err := migrate(ctx, write); err != nil {
		return fmt.Errorf("cannot migrate sqlite store %q: %w", path, err)
	}
	log.Info("sqlite store migrated", "path", path, "schema_version", SchemaVersion())
	return nil
}

// checkPath refuses a path that is not a file.
func checkPath(path string) error {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		return fmt.Errorf("cannot open sqlite store %q: a database file path is required", path)
	}
	return nil
}

// openWriter opens the one writer connection of the database at path,
// creating the file if missing.
func openWriter(ctx context.Context, path string) (*sql.DB, error) {
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("cannot open sqlite store %q: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("cannot open sqlite store %q: %w", path, err)
	}
	return write, nil
}

// dsn builds the modernc.org/sqlite data source name for path. The file:
// URI form with an escaped path lets any file name through, '?' included.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", readerMmap))
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -writerCacheKiB))
		// IMMEDIATE takes the write lock at BEGIN, so a transaction never
		// fails halfway with SQLITE_BUSY when another process writes.
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Close closes the store. Writes in flight finish first; the full-text
// indexer stops (what it has not covered yet it covers at the next Open).
func (s *Store) Close() error {
	s.stopIndexer()
	s.stopCommitter()
	return errors.Join(s.read.Close(), s.write.Close())
}

// layout is how SQLite keeps rows: every list as JSON text, and uint64s
// as int64, since SQLite has no unsigned integers.
var layout = store.Layout{JSONLists: true, SignedIntegers: true}

// UpsertPosts writes posts in one transaction, keeping the stored row where
// its version is the same or higher.
func (s *Store) UpsertPosts(ctx context.Context, posts []model.Post) error {
	return writeWith(ctx, s, store.PostsTable, posts, nil, rollupPostsWrite(posts))
}

// UpsertEvents writes events in one transaction, higher version winning.
func (s *Store) UpsertEvents(ctx context.Context, events []model.Event) error {
	return write(ctx, s, store.EventsTable, events)
}

// UpsertIncidents writes incidents in one transaction, higher version
// winning.
func (s *Store) UpsertIncidents(ctx context.Context, incidents []model.Incident) error {
	return write(ctx, s, store.IncidentsTable, incidents)
}

// write writes rows into t in one transaction (see upsert), records the
// write in the metrics, and says what could not be written: "cannot
// upsert 3 posts". A versioned table is upserted by id, the higher version
// winning (see upsertSQL); into a log, a row whose id is stored is not
// inserted again, and nothing stored is ever overwritten.
func write[T any](ctx context.Context, s *Store, t *store.Table[T], rows []T) error {
	return writeWith(ctx, s, t, rows, nil, nil)
}

// writeWith is write with before run in the transaction first and the
// rollup's changes counted by rollup (see writeReq).
func writeWith[T any](ctx context.Context, s *Store, t *store.Table[T], rows []T, before func(context.Context, *sql.Tx) error,
	rollup func(context.Context, *sql.Tx) (rollupDeltas, error)) error {
	if len(rows) == 0 {
		return nil
	}
	cols := t.ColumnNames(layout)
	stmt := fmt.Sprintf("INSERT OR IGNORE INTO %s (%s) VALUES (%s)", t.Name, strings.Join(cols, ", "), placeholders(len(cols)))
	if t.Versioned() {
		stmt = upsertSQL(t.Name, cols)
	}
	start := time.Now()
	skipped, err := s.submit(&writeReq{ctx: ctx, table: t.Name, stmt: stmt, n: len(rows), before: before, rollup: rollup,
		args: func(i int) ([]any, error) { return t.Values(layout, &rows[i]) }})
	if err == nil && skipped > 0 {
		s.log.Debug("store rows skipped: same or higher version stored", "table", t.Name, "skipped", skipped, "rows", len(rows))
	}
	s.metrics.WriteDone(t.Name, start, len(rows), skipped, err)
	if err != nil {
		return fmt.Errorf("cannot %s %d %s: %w", t.Verb(), len(rows), t.Plural, err)
	}
	if t.Name == store.PostsTable.Name {
		s.postsWritten()
	}
	return nil
}

// upsertSQL builds an INSERT that, for an ID already stored, updates every
// column only when the new version is higher. The first column must be id.
func upsertSQL(table string, cols []string) string {
	var set []string
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT(id) DO UPDATE SET %s WHERE excluded.version > %s.version",
		table, strings.Join(cols, ", "), placeholders(len(cols)), strings.Join(set, ", "), table)
}

// placeholders returns n comma-separated parameters.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// columns returns t's select list.
func columns[T any](t *store.Table[T]) string {
	return strings.Join(t.ColumnNames(layout), ", ")
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// query runs a query whose result columns are t's select list and reads
// every row.
func query[T any](ctx context.Context, q queryer, t *store.Table[T], query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		dest, row := t.Scanner(layout)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		v, err := row()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// get returns the row of t with the given id, or store.ErrNotFound, and
// records the read as op.
func get[T any](ctx context.Context, s *Store, t *store.Table[T], op, id string) (T, error) {
	start := time.Now()
	var v T
	dest, row := t.Scanner(layout)
	err := s.read.QueryRowContext(ctx, `SELECT `+columns(t)+` FROM `+t.Name+` WHERE id = ?`, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err == nil {
		v, err = row()
	}
	s.metrics.QueryDone(op, start, err)
	if err != nil {
		return v, fmt.Errorf("cannot get %s %q: %w", t.Singular, id, err)
	}
	return v, nil
}

// GetPost returns one post by ID, or store.ErrNotFound.
func (s *Store) GetPost(ctx context.Context, id string) (model.Post, error) {
	return get(ctx, s, store.PostsTable, "get_post", id)
}

// GetEvent returns one event by ID, or store.ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, id string) (model.Event, error) {
	return get(ctx, s, store.EventsTable, "get_event", id)
}

// GetIncident returns one incident by ID, or store.ErrNotFound.
func (s *Store) GetIncident(ctx context.Context, id string) (model.Incident, error) {
	return get(ctx, s, store.IncidentsTable, "get_incident", id)
}

// manyMatches is the number of matches from which a page newest first is
// read by walking the publish-time index (newestFirst).
const manyMatches = 2000

// newestFirst is the condition where of a page of posts newest first that
// total posts match. SQLite drives a query from an IN set of a scheme or
// of the full-text index when it can, which fetches and sorts every match
// before the page: quick for a few matches, a second for a common scheme
// or term over a million posts. With many matches the page's posts are
// met soon when walking the publish-time index newest first, so the IN
// sets are made conditions only (a unary + keeps SQLite from driving by
// them).
func newestFirst(where string, total int64) string {
	if total < manyMatches {
		return where
	}
	return strings.ReplaceAll(where, " seq IN (", " +seq IN (")
}

// CountPosts returns how many posts are stored.
func (s *Store) CountPosts(ctx context.Context) (int64, error) {
	start := time.Now()
	var n int64
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM posts`).Scan(&n)
	s.metrics.QueryDone("count_posts", start, err)
	if err != nil {
		return 0, fmt.Errorf("cannot count posts: %w", err)
	}
	return n, nil
}

// QueryPosts returns one page of matching posts, newest published first (ties
// broken by ID, descending), and the total number of matches. Both come
// from one read transaction, so they agree.
//
// q.Text is split on white space and every term must occur in the title or
// the body (see termCond).
func (s *Store) QueryPosts(ctx context.Context, q store.PostQuery) (store.PostPage, error) {
	start := time.Now()
	page, err := s.queryPosts(ctx, q)
	s.metrics.QueryDone("query_posts", start, err)
	if err != nil {
		return store.PostPage{}, fmt.Errorf("cannot query posts %+v: %w", q, err)
	}
	return page, nil
}

func (s *Store) queryPosts(ctx context.Context, q store.PostQuery) (store.PostPage, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.PostPage{}, err
	}
	defer tx.Rollback()
	terms, err := planTerms(ctx, tx, q.Filter())
	if err != nil {
		return store.PostPage{}, err
	}
	where, args, err := postFilterPlan(q.Filter(), nil, terms)
	if err != nil {
		return store.PostPage{}, err
	}
	var page store.PostPage
	if plan, ok := planRollup(q.Filter()); ok {
		page.Total, err = rollupTotal(ctx, tx, plan)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM posts`+where, args...).Scan(&page.Total)
	}
	if err != nil {
		return store.PostPage{}, err
	}
	page.Items, err = pageOf(ctx, tx, q, where, args, page.Total)
	if err != nil {
		return store.PostPage{}, err
	}
	return page, nil
}

// pageOf reads q's page of the posts where selects (q's filter, planned),
// of which there are total: nil when the page is past them.
func pageOf(ctx context.Context, tx *sql.Tx, q store.PostQuery, where string, args []any, total int64) ([]model.Post, error) {
	limit, offset := q.Page()
	if total == 0 || offset >= int(total) {
		return nil, nil
	}
	if q.Sort == store.SortHeat {
		return heatPage(ctx, tx, where, args, limit, offset)
	}
	if total >= manyMatches {
		items, ok, err := scanPage(ctx, tx, q.Filter(), total, limit, offset)
		if err != nil || ok {
			return items, err
		}
	}
	return query(ctx, tx, store.PostsTable, `SELECT `+columns(store.PostsTable)+` FROM posts`+newestFirst(where, total)+
		` ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
}

// SearchPosts returns a feed's page of posts, its facets and how many of
// them belong to an event with an incident, in one read transaction. A
// filter the rollup cannot answer is evaluated once for all the figures
// (facetsOnce, with the incident's count as one more column), and the page
// is read knowing the total; one the rollup answers is counted from it.
func (s *Store) SearchPosts(ctx context.Context, q store.SearchQuery) (store.SearchResult, error) {
	fq := q.Facets()
	if err := fq.Check(); err != nil {
		return store.SearchResult{}, fmt.Errorf("cannot search posts: %w", err)
	}
	var out store.SearchResult
	err := s.readTx(ctx, "search_posts", func(tx *sql.Tx) error {
		f := q.Filter()
		limit := fq.Limit
		if limit <= 0 {
			limit = -1 // SQLite: no limit
		}
		terms, err := planTerms(ctx, tx, f)
		if err != nil {
			return err
		}
		where, args, err := postFilterPlan(f, nil, terms)
		if err != nil {
			return err
		}
		out.Facets.By = map[store.Dimension][]store.FacetValue{}
		if plan, ok := planRollup(f); ok {
			if out.Facets.Total, err = rollupTotal(ctx, tx, plan); err != nil {
				return err
			}
			for _, dim := range q.By {
				if out.Facets.By[dim], err = rollupCounts(ctx, tx, plan, dim, limit); err != nil {
					return err
				}
			}
			inc := f
			inc.HasIncident = true
			iwhere, iargs, err := postFilterPlan(inc, nil, terms)
			if err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM posts`+iwhere, iargs...).Scan(&out.InIncident); err != nil {
				return err
			}
		} else if out.Facets.Total, out.Facets.By, out.InIncident, err = facetsOnce(ctx, tx, where, args, q.By, limit, true); err != nil {
			return err
		}
		out.Page.Total = out.Facets.Total
		out.Page.Items, err = pageOf(ctx, tx, q.PostQuery, where, args, out.Page.Total)
		return err
	})
	if err != nil {
		return store.SearchResult{}, fmt.Errorf("cannot search posts %+v: %w", q, err)
	}
	return out, nil
}

// eventHeat is each post's hottest event not merged into another: its
// heat by post ID (heat_post, event_heat).
const eventHeat = `(SELECT j.value AS heat_post, max(e.heat) AS event_heat FROM events e, json_each(e.post_ids) j
	WHERE e.merged_into = '' GROUP BY j.value)`

// heatPage reads the page at limit and offset of the posts where selects
// in store.SortHeat's order. Events hold few of the posts, so it reads
// from the events' side first: the posts of events by heat, then the
// others newest first (by the publish-time index).
func heatPage(ctx context.Context, tx *sql.Tx, where string, args []any, limit, offset int) ([]model.Post, error) {
	var inEvents int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+eventHeat+` JOIN posts ON posts.id = heat_post`+where, args...).Scan(&inEvents); err != nil {
		return nil, err
	}
	var items []model.Post
	if offset < inEvents {
		got, err := query(ctx, tx, store.PostsTable, `SELECT `+columns(store.PostsTable)+` FROM `+eventHeat+` JOIN posts ON posts.id = heat_post`+where+
			` ORDER BY event_heat DESC, published_at DESC, posts.id DESC LIMIT ? OFFSET ?`, append(slices.Clone(args), limit, offset)...)
		if err != nil {
			return nil, err
		}
		items = got
	}
	if len(items) == limit {
		return items, nil
	}
	rest := ` WHERE `
	if where != "" {
		rest = where + ` AND `
	}
	rest += `posts.id NOT IN (SELECT j.value FROM events e, json_each(e.post_ids) j WHERE e.merged_into = '')`
	got, err := query(ctx, tx, store.PostsTable, `SELECT `+columns(store.PostsTable)+` FROM posts`+rest+
		` ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`, append(slices.Clone(args), limit-len(items), max(0, offset-inEvents))...)
	if err != nil {
		return nil, err
	}
	return append(items, got...), nil
}

// ListEvents returns events last seen at or after since and not merged into
// another, most recently seen first (ties broken by ID, descending), at most
// limit (0: no limit).
func (s *Store) ListEvents(ctx context.Context, since time.Time, limit int) ([]model.Event, error) {
	start := time.Now()
	events, err := s.listEvents(ctx, since, limit)
	s.metrics.QueryDone("list_events", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list events since %s: %w", since.Format(time.RFC3339), err)
	}
	return events, nil
}

func (s *Store) listEvents(ctx context.Context, since time.Time, limit int) ([]model.Event, error) {
	from := int64(math.MinInt64)
	if !since.IsZero() {
		var err error
		if from, err = store.UnixNanos("since", since); err != nil {
			return nil, err
		}
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return query(ctx, s.read, store.EventsTable, `SELECT `+columns(store.EventsTable)+` FROM events WHERE last_seen >= ? AND merged_into = ''
		ORDER BY last_seen DESC, id DESC LIMIT ?`, from, limit)
}

// defaultIncidentLimit is IncidentQuery's limit when it gives none.
const defaultIncidentLimit = 100

// ListIncidents returns incidents matching q, most recently opened first
// (ties broken by ID, descending).
func (s *Store) ListIncidents(ctx context.Context, q store.IncidentQuery) ([]model.Incident, error) {
	start := time.Now()
	incidents, err := s.listIncidents(ctx, q)
	s.metrics.QueryDone("list_incidents", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list incidents %+v: %w", q, err)
	}
	return incidents, nil
}

func (s *Store) listIncidents(ctx context.Context, q store.IncidentQuery) ([]model.Incident, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultIncidentLimit
	}
	where := ""
	if q.OnlyOpen {
		where = ` WHERE open = 1`
	}
	return query(ctx, s.read, store.IncidentsTable, `SELECT `+columns(store.IncidentsTable)+` FROM incidents`+where+
		` ORDER BY opened_at DESC, id DESC LIMIT ?`, limit)
}

// AppendHistory appends incident history entries in one transaction; an
// entry whose ID is stored already is left as it is (a retried append
// stores nothing twice, and nothing is ever overwritten).
func (s *Store) AppendHistory(ctx context.Context, entries []model.HistoryEntry) error {
	return write(ctx, s, store.HistoryTable, entries)
}

// ListHistory returns an incident's history, oldest first.
func (s *Store) ListHistory(ctx context.Context, incidentID string) ([]model.HistoryEntry, error) {
	start := time.Now()
	out, err := query(ctx, s.read, store.HistoryTable, `SELECT `+columns(store.HistoryTable)+
		` FROM incident_history WHERE incident_id = ? ORDER BY at, id`, incidentID)
	s.metrics.QueryDone("list_history", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list history of incident %q: %w", incidentID, err)
	}
	return out, nil
}

// AppendDeliveries appends delivery log entries in one transaction; one
// already stored is left as it is.
func (s *Store) AppendDeliveries(ctx context.Context, ds []model.Delivery) error {
	return write(ctx, s, store.DeliveriesTable, ds)
}

// DeliveryFinal reports whether a final delivery is stored under key.
func (s *Store) DeliveryFinal(ctx context.Context, key string) (bool, error) {
	start := time.Now()
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE key = ? AND final = 1`, key).Scan(&n)
	s.metrics.QueryDone("delivery_final", start, err)
	if err != nil {
		return false, fmt.Errorf("cannot look up delivery %q: %w", key, err)
	}
	return n > 0, nil
}

// QueryDeliveries returns a page of the delivery log, newest first; the
// status and channel are read from the entry's JSON detail.
func (s *Store) QueryDeliveries(ctx context.Context, q store.DeliveryQuery) (store.DeliveryPage, error) {
	start := time.Now()
	page, err := s.queryDeliveries(ctx, q)
	s.metrics.QueryDone("query_deliveries", start, err)
	if err != nil {
		return store.DeliveryPage{}, fmt.Errorf("cannot query the delivery log: %w", err)
	}
	return page, nil
}

func (s *Store) queryDeliveries(ctx context.Context, q store.DeliveryQuery) (store.DeliveryPage, error) {
	var conds []string
	var args []any
	if q.IncidentID != "" {
		conds, args = append(conds, "incident_id = ?"), append(args, q.IncidentID)
	}
	if q.Channel != "" {
		conds, args = append(conds, "json_extract(detail, '$.channel') = ?"), append(args, q.Channel)
	}
	where := func(c []string) string {
		if len(c) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(c, " AND ")
	}
	page := store.DeliveryPage{ByStatus: map[string]int64{}}
	rows, err := s.read.QueryContext(ctx, `SELECT coalesce(json_extract(detail, '$.status'), ''), count(*) FROM deliveries`+where(conds)+
		` GROUP BY 1`, args...)
	if err != nil {
		return page, err
	}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return page, err
		}
		page.ByStatus[st] = n
		if q.Status == "" || q.Status == st {
			page.Total += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, err
	}
	if q.Status != "" {
		conds, args = append(conds, "json_extract(detail, '$.status') = ?"), append(args, q.Status)
	}
	limit, offset := q.Page()
	if page.Total == 0 || offset >= int(page.Total) {
		return page, nil
	}
	page.Items, err = query(ctx, s.read, store.DeliveriesTable, `SELECT `+columns(store.DeliveriesTable)+
		` FROM deliveries`+where(conds)+` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return page, err
}

// ListDeliveries returns an incident's deliveries, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, incidentID string) ([]model.Delivery, error) {
	start := time.Now()
	out, err := query(ctx, s.read, store.DeliveriesTable, `SELECT `+columns(store.DeliveriesTable)+
		` FROM deliveries WHERE incident_id = ? ORDER BY at, id`, incidentID)
	s.metrics.QueryDone("list_deliveries", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list deliveries of incident %q: %w", incidentID, err)
	}
	return out, nil
}
