// Package sqlite is the embedded store: store.Store on one SQLite file,
// through the pure-Go modernc.org/sqlite driver so the binary stays CGO-free.
//
// It guarantees what store.Store promises. Writes go through a single writer
// connection, so concurrent writers queue in Go instead of failing with
// SQLITE_BUSY, and every batch is one transaction: all of it is durable or
// none of it is. Reads use a separate pool of read-only connections and, in
// WAL mode, never wait for the writer. Full-text search uses an FTS5 trigram
// index for queries of three or more characters and a LIKE scan for shorter
// ones, which the trigram index cannot answer.
//
// Times are stored as Unix nanoseconds and read back in UTC, exactly; the
// zero time.Time is stored as 0. Versions must fit in an int64.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

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

// Store is the SQLite store. It is safe for concurrent use.
type Store struct {
	write   *sql.DB // exactly one connection: all writes queue on it
	read    *sql.DB // read-only connections
	metrics *store.Metrics
	log     *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open opens or creates the database at path, brings its schema up to date
// and returns the store. path must be a file: the writer and the readers are
// separate connections, which an in-memory database cannot share.
//
// The connections run in WAL mode with synchronous=NORMAL: a transaction is
// in the write-ahead log before its commit returns, so a committed write
// survives a crash of the process (kill -9). Only an operating-system crash
// or power loss can roll back the last few commits; that is the trade the
// embedded default makes for write throughput.
func Open(ctx context.Context, path string, reg prometheus.Registerer, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		return nil, fmt.Errorf("cannot open sqlite store %q: a database file path is required", path)
	}
	metrics, err := store.NewMetrics(reg, Driver)
	if err != nil {
		return nil, fmt.Errorf("cannot register sqlite store metrics: %w", err)
	}
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
	if err := Migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("cannot migrate sqlite store %q: %w", path, err)
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
	return &Store{write: write, read: read, metrics: metrics, log: log}, nil
}

// dsn builds the modernc.org/sqlite data source name for path. The file:
// URI form with an escaped path lets any file name through, '?' included.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		// IMMEDIATE takes the write lock at BEGIN, so a transaction never
		// fails halfway with SQLITE_BUSY when another process writes.
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Close closes the store. Writes in flight finish first.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// UpsertPosts writes posts in one transaction, keeping the stored row where
// its version is the same or higher.
func (s *Store) UpsertPosts(ctx context.Context, posts []model.Post) error {
	return s.writeRows(ctx, store.TablePosts, upsertPostSQL, "upsert", "posts", len(posts), func(i int) ([]any, error) {
		return postArgs(&posts[i])
	})
}

// UpsertEvents writes events in one transaction, higher version winning.
func (s *Store) UpsertEvents(ctx context.Context, events []model.Event) error {
	return s.writeRows(ctx, store.TableEvents, upsertEventSQL, "upsert", "events", len(events), func(i int) ([]any, error) {
		return eventArgs(&events[i])
	})
}

// UpsertIncidents writes incidents in one transaction, higher version
// winning.
func (s *Store) UpsertIncidents(ctx context.Context, incidents []model.Incident) error {
	return s.writeRows(ctx, store.TableIncidents, upsertIncidentSQL, "upsert", "incidents", len(incidents), func(i int) ([]any, error) {
		return incidentArgs(&incidents[i])
	})
}

// writeRows writes n rows with stmt in one transaction (see upsert),
// records the write in the metrics, and says what could not be written:
// "cannot <verb> <n> <noun>".
func (s *Store) writeRows(ctx context.Context, table, stmt, verb, noun string, n int, args func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	start := time.Now()
	skipped, err := s.upsert(ctx, table, stmt, n, args)
	s.metrics.WriteDone(table, start, n, skipped, err)
	if err != nil {
		return fmt.Errorf("cannot %s %d %s: %w", verb, n, noun, err)
	}
	return nil
}

// upsert runs stmt once per row in one transaction and returns how many rows
// were skipped: for an upsert, because the stored version was the same or
// higher (its WHERE clause makes such a row change nothing); for an
// INSERT OR IGNORE, because the row was there already. SQLite reports
// both as zero rows affected.
func (s *Store) upsert(ctx context.Context, table, stmt string, n int, args func(i int) ([]any, error)) (int, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	prepared, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return 0, err
	}
	defer prepared.Close()
	skipped := 0
	for i := range n {
		a, err := args(i)
		if err != nil {
			return 0, err
		}
		res, err := prepared.ExecContext(ctx, a...)
		if err != nil {
			return 0, fmt.Errorf("cannot write %s row %q: %w", table, a[0], err)
		}
		changed, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		if changed == 0 {
			skipped++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if skipped > 0 {
		s.log.Debug("store rows skipped: same or higher version stored", "table", table, "skipped", skipped, "rows", n)
	}
	return skipped, nil
}

const postColumns = `id, version, schema, url, source_id, source_name, source_kind, authority,
	region_code, title, body, author, origin, published_at, published_at_source, fetched_at,
	content_hash, encoding, analyzed_at, sentiment_label, sentiment_score, sentiment_negativity,
	topics, keywords, regions, entities, simhash, flags, schemes, sentiment_evidence`

var upsertPostSQL = upsertSQL("posts", postColumns)

const eventColumns = `id, version, title, first_post_id, first_seen, last_seen, post_count,
	negative_count, source_count, heat, keywords, simhashes, post_ids, sources, incident_id, merged_into`

var upsertEventSQL = upsertSQL("events", eventColumns)

const incidentColumns = `id, version, event_id, title, level, state, opened_at, clock_start, reason, open, detail`

var upsertIncidentSQL = upsertSQL("incidents", incidentColumns)

// upsertSQL builds an INSERT that, for an ID already stored, updates every
// column only when the new version is higher. The first column must be id.
func upsertSQL(table, columns string) string {
	cols := strings.Split(columns, ",")
	var set []string
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
		if cols[i] != "id" {
			set = append(set, cols[i]+" = excluded."+cols[i])
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT(id) DO UPDATE SET %s WHERE excluded.version > %s.version",
		table, strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "), strings.Join(set, ", "), table)
}

func postArgs(p *model.Post) ([]any, error) {
	version, err := storedVersion(p.Version)
	if err != nil {
		return nil, fmt.Errorf("cannot store post %q: %w", p.ID, err)
	}
	published, err1 := timeColumn("published_at", p.PublishedAt)
	fetched, err2 := timeColumn("fetched_at", p.FetchedAt)
	analyzed, err3 := timeColumn("analyzed_at", p.AnalyzedAt)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("cannot store post %q: %w", p.ID, err)
	}
	topics, err1 := jsonText(p.Topics)
	keywords, err2 := jsonText(p.Keywords)
	regions, err3 := jsonText(p.Regions)
	entities, err4 := jsonText(p.Entities)
	flags, err5 := jsonText(p.Flags)
	schemes, err6 := jsonText(p.Schemes)
	evidence, err7 := jsonText(p.Sentiment.Evidence)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		return nil, fmt.Errorf("cannot store post %q: %w", p.ID, err)
	}
	return []any{
		p.ID, version, p.Schema, p.URL, p.SourceID, p.SourceName, p.SourceKind, p.Authority,
		p.RegionCode, p.Title, p.Body, p.Author, p.Origin, published, p.PublishedAtSource, fetched,
		p.ContentHash, p.Encoding, analyzed, p.Sentiment.Label, p.Sentiment.Score, p.Sentiment.Negativity,
		topics, keywords, regions, entities, int64(p.SimHash), flags, schemes, evidence,
	}, nil
}

func eventArgs(e *model.Event) ([]any, error) {
	version, err := storedVersion(e.Version)
	if err != nil {
		return nil, fmt.Errorf("cannot store event %q: %w", e.ID, err)
	}
	first, err1 := timeColumn("first_seen", e.FirstSeen)
	last, err2 := timeColumn("last_seen", e.LastSeen)
	keywords, err3 := jsonText(e.Keywords)
	simhashes, err4 := jsonText(e.SimHashes)
	postIDs, err5 := jsonText(e.PostIDs)
	sources, err6 := jsonText(e.Sources)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return nil, fmt.Errorf("cannot store event %q: %w", e.ID, err)
	}
	return []any{
		e.ID, version, e.Title, e.FirstPostID, first, last, e.PostCount,
		e.NegativeCount, e.SourceCount, e.Heat, keywords, simhashes, postIDs, sources, e.IncidentID, e.MergedInto,
	}, nil
}

func incidentArgs(in *model.Incident) ([]any, error) {
	version, err := storedVersion(in.Version)
	if err != nil {
		return nil, fmt.Errorf("cannot store incident %q: %w", in.ID, err)
	}
	opened, err1 := timeColumn("opened_at", in.OpenedAt)
	clock, err2 := timeColumn("clock_start", in.ClockStart)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("cannot store incident %q: %w", in.ID, err)
	}
	detail, err := store.EncodeIncidentDetail(in)
	if err != nil {
		return nil, err
	}
	return []any{in.ID, version, in.EventID, in.Title, in.Level, in.State, opened, clock, in.Reason, in.Open, detail}, nil
}

// storedVersion converts a version to SQLite's signed 64-bit integer; a
// larger one would compare wrongly in the upsert, so it is refused.
func storedVersion(v uint64) (int64, error) {
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("version %d is above the largest storable %d", v, int64(math.MaxInt64))
	}
	return int64(v), nil
}

// Times representable as Unix nanoseconds in an int64.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// unixNano stores t as Unix nanoseconds; the zero time is 0.
func unixNano(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("time %s is outside the storable range %s to %s", t.Format(time.RFC3339), minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// timeColumn is unixNano with the column named in its error.
func timeColumn(column string, t time.Time) (int64, error) {
	n, err := unixNano(t)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", column, err)
	}
	return n, nil
}

// fromUnixNano is the inverse of unixNano, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// jsonText encodes a slice column; an empty slice is stored as [] so SQL
// JSON functions can read every row.
func jsonText[T any](v []T) (string, error) {
	if len(v) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// fromJSONText decodes a slice column; an empty slice reads back as nil.
func fromJSONText[T any](column, text string) ([]T, error) {
	var v []T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("cannot decode column %s: %w", column, err)
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

func scanPost(r rowScanner) (model.Post, error) {
	var (
		p                                           model.Post
		version, published, fetched, analyzed, simh int64
		topics, keywords, regions, entities, flags  string
		schemes, evidence                           string
	)
	err := r.Scan(&p.ID, &version, &p.Schema, &p.URL, &p.SourceID, &p.SourceName, &p.SourceKind, &p.Authority,
		&p.RegionCode, &p.Title, &p.Body, &p.Author, &p.Origin, &published, &p.PublishedAtSource, &fetched,
		&p.ContentHash, &p.Encoding, &analyzed, &p.Sentiment.Label, &p.Sentiment.Score, &p.Sentiment.Negativity,
		&topics, &keywords, &regions, &entities, &simh, &flags, &schemes, &evidence)
	if err != nil {
		return model.Post{}, err
	}
	p.Version = uint64(version)
	p.PublishedAt = fromUnixNano(published)
	p.FetchedAt = fromUnixNano(fetched)
	p.AnalyzedAt = fromUnixNano(analyzed)
	p.SimHash = uint64(simh)
	var errs [7]error
	p.Topics, errs[0] = fromJSONText[model.Topic]("topics", topics)
	p.Keywords, errs[1] = fromJSONText[model.Keyword]("keywords", keywords)
	p.Regions, errs[2] = fromJSONText[model.Region]("regions", regions)
	p.Entities, errs[3] = fromJSONText[model.Entity]("entities", entities)
	p.Flags, errs[4] = fromJSONText[string]("flags", flags)
	p.Schemes, errs[5] = fromJSONText[model.SchemeHit]("schemes", schemes)
	p.Sentiment.Evidence, errs[6] = fromJSONText[string]("sentiment_evidence", evidence)
	if err := errors.Join(errs[:]...); err != nil {
		return model.Post{}, fmt.Errorf("cannot read post %q: %w", p.ID, err)
	}
	for i := range p.Schemes {
		if len(p.Schemes[i].Terms) == 0 {
			p.Schemes[i].Terms = nil
		}
	}
	return p, nil
}

func scanEvent(r rowScanner) (model.Event, error) {
	var (
		e                                  model.Event
		version, first, last               int64
		keywords, simhashes, postIDs, srcs string
	)
	err := r.Scan(&e.ID, &version, &e.Title, &e.FirstPostID, &first, &last, &e.PostCount,
		&e.NegativeCount, &e.SourceCount, &e.Heat, &keywords, &simhashes, &postIDs, &srcs, &e.IncidentID, &e.MergedInto)
	if err != nil {
		return model.Event{}, err
	}
	e.Version = uint64(version)
	e.FirstSeen = fromUnixNano(first)
	e.LastSeen = fromUnixNano(last)
	var errs [4]error
	e.Keywords, errs[0] = fromJSONText[string]("keywords", keywords)
	e.SimHashes, errs[1] = fromJSONText[uint64]("simhashes", simhashes)
	e.PostIDs, errs[2] = fromJSONText[string]("post_ids", postIDs)
	e.Sources, errs[3] = fromJSONText[string]("sources", srcs)
	if err := errors.Join(errs[:]...); err != nil {
		return model.Event{}, fmt.Errorf("cannot read event %q: %w", e.ID, err)
	}
	return e, nil
}

func scanIncident(r rowScanner) (model.Incident, error) {
	var (
		in                     model.Incident
		version, opened, clock int64
		detail                 string
	)
	err := r.Scan(&in.ID, &version, &in.EventID, &in.Title, &in.Level, &in.State, &opened, &clock, &in.Reason, &in.Open, &detail)
	if err != nil {
		return model.Incident{}, err
	}
	in.Version = uint64(version)
	in.OpenedAt = fromUnixNano(opened)
	in.ClockStart = fromUnixNano(clock)
	return in, store.DecodeIncidentDetail(detail, &in)
}

// GetPost returns one post by ID, or store.ErrNotFound.
func (s *Store) GetPost(ctx context.Context, id string) (model.Post, error) {
	start := time.Now()
	p, err := scanPost(s.read.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	s.metrics.QueryDone("get_post", start, err)
	if err != nil {
		return model.Post{}, fmt.Errorf("cannot get post %q: %w", id, err)
	}
	return p, nil
}

// GetEvent returns one event by ID, or store.ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, id string) (model.Event, error) {
	start := time.Now()
	e, err := scanEvent(s.read.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	s.metrics.QueryDone("get_event", start, err)
	if err != nil {
		return model.Event{}, fmt.Errorf("cannot get event %q: %w", id, err)
	}
	return e, nil
}

// GetIncident returns one incident by ID, or store.ErrNotFound.
func (s *Store) GetIncident(ctx context.Context, id string) (model.Incident, error) {
	start := time.Now()
	in, err := scanIncident(s.read.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	s.metrics.QueryDone("get_incident", start, err)
	if err != nil {
		return model.Incident{}, fmt.Errorf("cannot get incident %q: %w", id, err)
	}
	return in, nil
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
// the body. A term of three or more characters is looked up in the trigram
// index; a shorter one is matched with LIKE, since a trigram index cannot
// hold anything shorter than three characters. Both match ASCII letters
// case-insensitively.
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
	where, args, err := postFilter(q)
	if err != nil {
		return store.PostPage{}, err
	}
	limit, offset := q.Page()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.PostPage{}, err
	}
	defer tx.Rollback()
	var page store.PostPage
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM posts`+where, args...).Scan(&page.Total); err != nil {
		return store.PostPage{}, err
	}
	if page.Total == 0 || offset >= int(page.Total) {
		return page, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+postColumns+` FROM posts`+where+
		` ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return store.PostPage{}, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return store.PostPage{}, err
		}
		page.Items = append(page.Items, p)
	}
	if err := rows.Err(); err != nil {
		return store.PostPage{}, err
	}
	return page, nil
}

// postFilter builds the WHERE clause (with its leading space, or empty) and
// its arguments for q.
func postFilter(q store.PostQuery) (string, []any, error) {
	var (
		conds []string
		args  []any
		match []string
	)
	for _, term := range strings.Fields(q.Text) {
		if utf8.RuneCountInString(term) >= 3 {
			// A double-quoted FTS5 string is matched as a substring by the
			// trigram tokenizer; an inner quote is escaped by doubling.
			match = append(match, `"`+strings.ReplaceAll(term, `"`, `""`)+`"`)
			continue
		}
		like := "%" + escapeLike(term) + "%"
		conds = append(conds, `(title LIKE ? ESCAPE '\' OR body LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	if len(match) > 0 {
		conds = append(conds, `seq IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)`)
		args = append(args, strings.Join(match, " AND "))
	}
	if q.SourceID != "" {
		conds = append(conds, `source_id = ?`)
		args = append(args, q.SourceID)
	}
	if q.Sentiment != "" {
		// The latest correction, where there is one, overrides the
		// analyzer's label.
		conds = append(conds, `coalesce((SELECT c.label FROM sentiment_corrections c WHERE c.post_id = posts.id
			ORDER BY c.at DESC, c.id DESC LIMIT 1), sentiment_label) = ?`)
		args = append(args, q.Sentiment)
	}
	if q.Scheme != "" {
		conds = append(conds, `seq IN (SELECT post_seq FROM post_schemes WHERE scheme_id = ?)`)
		args = append(args, q.Scheme)
	}
	if !q.Since.IsZero() {
		n, err := unixNano(q.Since)
		if err != nil {
			return "", nil, fmt.Errorf("since: %w", err)
		}
		conds = append(conds, `published_at >= ?`)
		args = append(args, n)
	}
	if !q.Until.IsZero() {
		n, err := unixNano(q.Until)
		if err != nil {
			return "", nil, fmt.Errorf("until: %w", err)
		}
		conds = append(conds, `published_at < ?`)
		args = append(args, n)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// escapeLike escapes LIKE's wildcards so a term matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
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
		if from, err = unixNano(since); err != nil {
			return nil, err
		}
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE last_seen >= ? AND merged_into = ''
		ORDER BY last_seen DESC, id DESC LIMIT ?`, from, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []model.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
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
	rows, err := s.read.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents`+where+
		` ORDER BY opened_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var incidents []model.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		incidents = append(incidents, in)
	}
	return incidents, rows.Err()
}

// insertHistorySQL appends a history entry; an entry whose ID is stored
// already is left as it is (a retried append stores nothing twice, and
// nothing is ever overwritten).
const insertHistorySQL = `INSERT OR IGNORE INTO incident_history (id, incident_id, at, actor, action, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// AppendHistory appends incident history entries in one transaction.
func (s *Store) AppendHistory(ctx context.Context, entries []model.HistoryEntry) error {
	return s.writeRows(ctx, store.TableHistory, insertHistorySQL, "append", "history entries", len(entries), func(i int) ([]any, error) {
		e := &entries[i]
		at, err := timeColumn("at", e.At)
		if err != nil {
			return nil, fmt.Errorf("cannot store history entry %q: %w", e.ID, err)
		}
		return []any{e.ID, e.IncidentID, at, e.Actor, e.Action, e.From, e.To, e.Reason}, nil
	})
}

// ListHistory returns an incident's history, oldest first.
func (s *Store) ListHistory(ctx context.Context, incidentID string) ([]model.HistoryEntry, error) {
	start := time.Now()
	out, err := s.listHistory(ctx, incidentID)
	s.metrics.QueryDone("list_history", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list history of incident %q: %w", incidentID, err)
	}
	return out, nil
}

func (s *Store) listHistory(ctx context.Context, incidentID string) ([]model.HistoryEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, incident_id, at, actor, action, from_state, to_state, reason
		FROM incident_history WHERE incident_id = ? ORDER BY at, id`, incidentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.HistoryEntry
	for rows.Next() {
		var e model.HistoryEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.IncidentID, &at, &e.Actor, &e.Action, &e.From, &e.To, &e.Reason); err != nil {
			return nil, err
		}
		e.At = fromUnixNano(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// insertDeliverySQL appends a delivery log entry; one already stored is
// left as it is.
const insertDeliverySQL = `INSERT OR IGNORE INTO deliveries (id, key, incident_id, at, final, detail) VALUES (?, ?, ?, ?, ?, ?)`

// AppendDeliveries appends delivery log entries in one transaction.
func (s *Store) AppendDeliveries(ctx context.Context, ds []model.Delivery) error {
	return s.writeRows(ctx, store.TableDeliveries, insertDeliverySQL, "append", "deliveries", len(ds), func(i int) ([]any, error) {
		d := &ds[i]
		at, err := timeColumn("at", d.At)
		if err != nil {
			return nil, fmt.Errorf("cannot store delivery %q: %w", d.ID, err)
		}
		return []any{d.ID, d.Key, d.IncidentID, at, d.Final, d.Detail}, nil
	})
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

// ListDeliveries returns an incident's deliveries, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, incidentID string) ([]model.Delivery, error) {
	start := time.Now()
	out, err := s.listDeliveries(ctx, incidentID)
	s.metrics.QueryDone("list_deliveries", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list deliveries of incident %q: %w", incidentID, err)
	}
	return out, nil
}

func (s *Store) listDeliveries(ctx context.Context, incidentID string) ([]model.Delivery, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, key, incident_id, at, final, detail FROM deliveries WHERE incident_id = ? ORDER BY at, id`, incidentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		var d model.Delivery
		var at int64
		if err := rows.Scan(&d.ID, &d.Key, &d.IncidentID, &at, &d.Final, &d.Detail); err != nil {
			return nil, err
		}
		d.At = fromUnixNano(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
