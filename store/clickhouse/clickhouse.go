// Package clickhouse is the distributed store: store.Store on ClickHouse,
// over the native protocol with clickhouse-go/v2.
//
// It guarantees what store.Store promises, the ClickHouse way. Every table
// is a ReplacingMergeTree with the row version as its version column, so a
// row written twice, or an older version written after a newer one, is
// merged away; every read uses FINAL, so a row not yet merged never shows
// twice and a filter only ever sees the winning version. A write returns
// when the server has acknowledged the whole batch (one INSERT per call).
//
// The schema is generated from one Go definition (schema.go) and migrated on
// Open with versioned, idempotent steps; LowCardinality, codecs, skip indexes
// and TTL are added only on servers that support them (20.3 and newer), so
// Debian's 18.16 and the production 23.8+ run the same store.
//
// Times are stored as Int64 Unix nanoseconds, exact, and read back in UTC;
// the zero time.Time is stored as 0. Times must lie between 1677 and 2262.
//
// Filtered post queries find candidate IDs without FINAL (pruning month
// partitions and using skip indexes) and then filter the candidates' winning
// versions with FINAL; see postFilter.
package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Driver is the driver label of this store's metrics.
const Driver = "clickhouse"

// Store is the ClickHouse store. It is safe for concurrent use.
type Store struct {
	conn     driver.Conn
	database string
	version  string
	features features
	posts    table
	metrics  *store.Metrics
	log      *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Option changes how Open creates the schema.
type Option func(*schemaOptions)

// WithRetention keeps posts for d after their publish time (whole days), as
// a TTL on the posts table, on servers that support TTL. It applies when
// the table is created; changing the retention of an existing table is an
// operator's ALTER TABLE posts MODIFY TTL.
func WithRetention(d time.Duration) Option {
	return func(o *schemaOptions) { o.retention = d }
}

// Open connects to ClickHouse, creates the database if missing, brings its
// schema up to date and returns the store.
func Open(ctx context.Context, cfg config.ClickHouseConfig, reg prometheus.Registerer, log *slog.Logger, opts ...Option) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("cannot open clickhouse store: no address configured (store.clickhouse.addrs)")
	}
	if cfg.Database == "" {
		return nil, errors.New("cannot open clickhouse store: no database configured (store.clickhouse.database)")
	}
	var o schemaOptions
	for _, opt := range opts {
		opt(&o)
	}
	metrics, err := store.NewMetrics(reg, Driver)
	if err != nil {
		return nil, fmt.Errorf("cannot register clickhouse store metrics: %w", err)
	}
	tlsConfig, err := cfg.TLS.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("cannot open clickhouse store %v: %w", cfg.Addrs, err)
	}
	dialTimeout := cfg.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = 10 * time.Second
	}
	// The connection names no database: the database may not exist yet,
	// and every statement names its table with the database.
	conn, err := clickhouse.Open(&clickhouse.Options{
		Protocol:    clickhouse.Native,
		Addr:        cfg.Addrs,
		Auth:        clickhouse.Auth{Username: cfg.Username, Password: cfg.Password},
		TLS:         tlsConfig,
		DialTimeout: dialTimeout,
		Compression: &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
	})
	if err != nil {
		return nil, fmt.Errorf("cannot open clickhouse store %v: %w", cfg.Addrs, err)
	}
	s := &Store{conn: conn, database: cfg.Database, posts: currentPosts(o), metrics: metrics, log: log}
	if err := s.init(ctx, cfg.Cluster, o); err != nil {
		conn.Close()
		return nil, fmt.Errorf("cannot open clickhouse store %v database %q: %w", cfg.Addrs, cfg.Database, err)
	}
	log.Info("clickhouse store open", "addrs", cfg.Addrs, "database", cfg.Database,
		"server_version", s.version, "schema_version", SchemaVersion(), "modern_ddl", s.features.LowCardinality)
	return s, nil
}

func (s *Store) init(ctx context.Context, cluster string, o schemaOptions) error {
	if err := s.conn.QueryRow(ctx, "SELECT version()").Scan(&s.version); err != nil {
		return fmt.Errorf("cannot read server version: %w", err)
	}
	f, err := featuresOf(s.version)
	if err != nil {
		return err
	}
	s.features = f
	return migrate(ctx, s.conn, s.database, cluster, f, o)
}

// ServerVersion returns the version the server reported, e.g. 18.16.1.
func (s *Store) ServerVersion() string { return s.version }

// Close closes the connections.
func (s *Store) Close() error { return s.conn.Close() }

func (s *Store) table(name string) string { return quote(s.database) + "." + quote(name) }

// insert sends n rows into t as one batch. Rows that fail to convert fail
// the whole batch before anything is sent.
func (s *Store) insert(ctx context.Context, t table, n int, row func(i int) ([]any, error)) error {
	batch, err := s.conn.PrepareBatch(ctx, t.insertSQL(s.database))
	if err != nil {
		return err
	}
	for i := range n {
		values, err := row(i)
		if err == nil {
			err = batch.Append(values...)
		}
		if err != nil {
			batch.Abort()
			return err
		}
	}
	return batch.Send()
}

// writeRows sends n rows into t as one batch (see insert), records the
// write in the metrics under name, and says what could not be written:
// "cannot <verb> <n> <noun>".
func (s *Store) writeRows(ctx context.Context, t table, name, verb, noun string, n int, row func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	start := time.Now()
	err := s.insert(ctx, t, n, row)
	s.metrics.WriteDone(name, start, n, 0, err)
	if err != nil {
		return fmt.Errorf("cannot %s %d %s: %w", verb, n, noun, err)
	}
	return nil
}

// UpsertPosts writes posts as one batch.
func (s *Store) UpsertPosts(ctx context.Context, posts []model.Post) error {
	return s.writeRows(ctx, s.posts, store.TablePosts, "upsert", "posts", len(posts), func(i int) ([]any, error) { return postValues(&posts[i]) })
}

// UpsertEvents writes events as one batch.
func (s *Store) UpsertEvents(ctx context.Context, events []model.Event) error {
	return s.writeRows(ctx, eventsTable, store.TableEvents, "upsert", "events", len(events), func(i int) ([]any, error) { return eventValues(&events[i]) })
}

// UpsertIncidents writes incidents as one batch.
func (s *Store) UpsertIncidents(ctx context.Context, incidents []model.Incident) error {
	return s.writeRows(ctx, incidentsTable, store.TableIncidents, "upsert", "incidents", len(incidents), func(i int) ([]any, error) {
		return incidentValues(&incidents[i])
	})
}

// postValues returns p's values in the order of postsTable's insert
// columns.
func postValues(p *model.Post) ([]any, error) {
	published, err1 := timeColumn("published_at", p.PublishedAt)
	fetched, err2 := timeColumn("fetched_at", p.FetchedAt)
	analyzed, err3 := timeColumn("analyzed_at", p.AnalyzedAt)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("cannot store post %q: %w", p.ID, err)
	}
	topicNames, topicScores, topicTerms := make([]string, len(p.Topics)), make([]float64, len(p.Topics)), make([][]string, len(p.Topics))
	for i, t := range p.Topics {
		topicNames[i], topicScores[i], topicTerms[i] = t.Name, t.Score, nonNil(t.Terms)
	}
	words, weights := make([]string, len(p.Keywords)), make([]float64, len(p.Keywords))
	for i, k := range p.Keywords {
		words[i], weights[i] = k.Word, k.Weight
	}
	codes, names, roles := make([]string, len(p.Regions)), make([]string, len(p.Regions)), make([]string, len(p.Regions))
	for i, r := range p.Regions {
		codes[i], names[i], roles[i] = r.Code, r.Name, r.Role
	}
	texts, kinds := make([]string, len(p.Entities)), make([]string, len(p.Entities))
	for i, e := range p.Entities {
		texts[i], kinds[i] = e.Text, e.Kind
	}
	n := len(p.Schemes)
	schemeIDs, schemeNames, schemeTerms, schemeAlerts := make([]string, n), make([]string, n), make([][]string, n), make([]uint8, n)
	for i, h := range p.Schemes {
		schemeIDs[i], schemeNames[i], schemeTerms[i] = h.ID, h.Name, nonNil(h.Terms)
		if h.Alert {
			schemeAlerts[i] = 1
		}
	}
	return []any{
		p.ID, p.Version, int64(p.Schema), p.URL, p.SourceID, p.SourceName, p.SourceKind, p.Authority,
		p.RegionCode, p.Title, p.Body, p.Author, p.Origin, published, p.PublishedAtSource, fetched,
		p.ContentHash, p.Encoding, analyzed, p.Sentiment.Label, p.Sentiment.Score, p.Sentiment.Negativity,
		topicNames, topicScores, words, weights, codes, names, roles, texts, kinds,
		p.SimHash, nonNil(p.Flags),
		schemeIDs, schemeNames, schemeTerms, schemeAlerts,
		nonNil(p.Sentiment.Evidence), topicTerms,
	}, nil
}

func eventValues(e *model.Event) ([]any, error) {
	first, err1 := timeColumn("first_seen", e.FirstSeen)
	last, err2 := timeColumn("last_seen", e.LastSeen)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("cannot store event %q: %w", e.ID, err)
	}
	return []any{
		e.ID, e.Version, e.Title, e.FirstPostID, first, last, int64(e.PostCount),
		int64(e.NegativeCount), int64(e.SourceCount), e.Heat, nonNil(e.Keywords), nonNil(e.SimHashes),
		nonNil(e.PostIDs), nonNil(e.Sources), e.IncidentID, e.MergedInto,
	}, nil
}

func incidentValues(in *model.Incident) ([]any, error) {
	opened, err1 := timeColumn("opened_at", in.OpenedAt)
	clock, err2 := timeColumn("clock_start", in.ClockStart)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("cannot store incident %q: %w", in.ID, err)
	}
	var open uint8
	if in.Open {
		open = 1
	}
	detail, err := store.EncodeIncidentDetail(in)
	if err != nil {
		return nil, err
	}
	return []any{in.ID, in.Version, in.EventID, in.Title, in.Level, in.State, opened, clock, in.Reason, open, detail}, nil
}

// nonNil returns s, or an empty slice for nil, which every driver version
// appends as an empty array.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// nilIfEmpty returns nil for an empty slice: empty arrays read back as nil.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Times representable as Unix nanoseconds in an int64.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// timeColumn stores t as Unix nanoseconds; the zero time is 0.
func timeColumn(column string, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("%s: time %s is outside the storable range %s to %s", column,
			t.Format(time.RFC3339), minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// fromUnixNano is the inverse of timeColumn, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// scanner is what driver.Row and driver.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

func scanPost(r scanner) (model.Post, error) {
	var (
		p                               model.Post
		schema                          int64
		published, fetched, analyzed    int64
		topicNames, words, codes, names []string
		roles, texts, kinds, flags      []string
		topicScores, weights            []float64
		schemeIDs, schemeNames          []string
		schemeTerms, topicTerms         [][]string
		schemeAlerts                    []uint8
		evidence                        []string
	)
	err := r.Scan(&p.ID, &p.Version, &schema, &p.URL, &p.SourceID, &p.SourceName, &p.SourceKind, &p.Authority,
		&p.RegionCode, &p.Title, &p.Body, &p.Author, &p.Origin, &published, &p.PublishedAtSource, &fetched,
		&p.ContentHash, &p.Encoding, &analyzed, &p.Sentiment.Label, &p.Sentiment.Score, &p.Sentiment.Negativity,
		&topicNames, &topicScores, &words, &weights, &codes, &names, &roles, &texts, &kinds,
		&p.SimHash, &flags, &schemeIDs, &schemeNames, &schemeTerms, &schemeAlerts, &evidence, &topicTerms)
	if err != nil {
		return model.Post{}, err
	}
	p.Schema = int(schema)
	p.PublishedAt, p.FetchedAt, p.AnalyzedAt = fromUnixNano(published), fromUnixNano(fetched), fromUnixNano(analyzed)
	if len(topicNames) != len(topicScores) || len(words) != len(weights) ||
		len(codes) != len(names) || len(codes) != len(roles) || len(texts) != len(kinds) ||
		len(schemeIDs) != len(schemeNames) || len(schemeIDs) != len(schemeTerms) || len(schemeIDs) != len(schemeAlerts) ||
		len(topicTerms) != 0 && len(topicTerms) != len(topicNames) {
		return model.Post{}, fmt.Errorf("cannot read post %q: its parallel arrays differ in length", p.ID)
	}
	for i := range topicNames {
		t := model.Topic{Name: topicNames[i], Score: topicScores[i]}
		if len(topicTerms) != 0 {
			t.Terms = nilIfEmpty(topicTerms[i])
		}
		p.Topics = append(p.Topics, t)
	}
	for i := range words {
		p.Keywords = append(p.Keywords, model.Keyword{Word: words[i], Weight: weights[i]})
	}
	for i := range codes {
		p.Regions = append(p.Regions, model.Region{Code: codes[i], Name: names[i], Role: roles[i]})
	}
	for i := range texts {
		p.Entities = append(p.Entities, model.Entity{Text: texts[i], Kind: kinds[i]})
	}
	for i := range schemeIDs {
		p.Schemes = append(p.Schemes, model.SchemeHit{ID: schemeIDs[i], Name: schemeNames[i], Terms: nilIfEmpty(schemeTerms[i]), Alert: schemeAlerts[i] == 1})
	}
	p.Flags = nilIfEmpty(flags)
	p.Sentiment.Evidence = nilIfEmpty(evidence)
	return p, nil
}

func scanEvent(r scanner) (model.Event, error) {
	var (
		e                         model.Event
		first, last               int64
		posts, negatives, sources int64
	)
	err := r.Scan(&e.ID, &e.Version, &e.Title, &e.FirstPostID, &first, &last, &posts,
		&negatives, &sources, &e.Heat, &e.Keywords, &e.SimHashes, &e.PostIDs, &e.Sources, &e.IncidentID, &e.MergedInto)
	if err != nil {
		return model.Event{}, err
	}
	e.FirstSeen, e.LastSeen = fromUnixNano(first), fromUnixNano(last)
	e.PostCount, e.NegativeCount, e.SourceCount = int(posts), int(negatives), int(sources)
	e.Keywords, e.SimHashes = nilIfEmpty(e.Keywords), nilIfEmpty(e.SimHashes)
	e.PostIDs, e.Sources = nilIfEmpty(e.PostIDs), nilIfEmpty(e.Sources)
	return e, nil
}

func scanIncident(r scanner) (model.Incident, error) {
	var (
		in            model.Incident
		opened, clock int64
		open          uint8
		detail        string
	)
	err := r.Scan(&in.ID, &in.Version, &in.EventID, &in.Title, &in.Level, &in.State, &opened, &clock, &in.Reason, &open, &detail)
	if err != nil {
		return model.Incident{}, err
	}
	in.OpenedAt, in.ClockStart, in.Open = fromUnixNano(opened), fromUnixNano(clock), open == 1
	return in, store.DecodeIncidentDetail(detail, &in)
}

// getOne runs a query for at most one row and scans it, or returns
// store.ErrNotFound.
func getOne[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	var zero T
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return zero, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, err
		}
		return zero, store.ErrNotFound
	}
	v, err := scan(rows)
	if err != nil {
		return zero, err
	}
	return v, rows.Err()
}

// all runs a query and scans every row.
func all[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// GetPost returns one post by ID, or store.ErrNotFound.
func (s *Store) GetPost(ctx context.Context, id string) (model.Post, error) {
	start := time.Now()
	p, err := getOne(ctx, s, scanPost, "SELECT "+s.posts.selectList()+" FROM "+s.table("posts")+" FINAL WHERE id = ? LIMIT 1", id)
	s.metrics.QueryDone("get_post", start, err)
	if err != nil {
		return model.Post{}, fmt.Errorf("cannot get post %q: %w", id, err)
	}
	return p, nil
}

// GetEvent returns one event by ID, or store.ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, id string) (model.Event, error) {
	start := time.Now()
	e, err := getOne(ctx, s, scanEvent, "SELECT "+eventsTable.selectList()+" FROM "+s.table("events")+" FINAL WHERE id = ? LIMIT 1", id)
	s.metrics.QueryDone("get_event", start, err)
	if err != nil {
		return model.Event{}, fmt.Errorf("cannot get event %q: %w", id, err)
	}
	return e, nil
}

// GetIncident returns one incident by ID, or store.ErrNotFound.
func (s *Store) GetIncident(ctx context.Context, id string) (model.Incident, error) {
	start := time.Now()
	in, err := getOne(ctx, s, scanIncident, "SELECT "+incidentsTable.selectList()+" FROM "+s.table("incidents")+" FINAL WHERE id = ? LIMIT 1", id)
	s.metrics.QueryDone("get_incident", start, err)
	if err != nil {
		return model.Incident{}, fmt.Errorf("cannot get incident %q: %w", id, err)
	}
	return in, nil
}

// CountPosts returns how many distinct posts are stored, counting IDs
// exactly whether or not their versions are merged yet.
func (s *Store) CountPosts(ctx context.Context) (int64, error) {
	start := time.Now()
	var n uint64
	err := s.conn.QueryRow(ctx, "SELECT uniqExact(id) FROM "+s.table("posts")).Scan(&n)
	s.metrics.QueryDone("count_posts", start, err)
	if err != nil {
		return 0, fmt.Errorf("cannot count posts: %w", err)
	}
	return int64(n), nil
}

// QueryPosts returns one page of matching posts, newest published first (ties
// broken by ID, descending), and the total number of matches.
//
// q.Text is split on white space and every term must occur in the title or
// the body, ASCII and other letters matched case-insensitively
// (positionCaseInsensitiveUTF8), so short Chinese terms match like long
// ones.
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
	where, args, err := postFilter(s.table("posts"), s.table(correctionsTable.name), q)
	if err != nil {
		return store.PostPage{}, err
	}
	limit, offset := q.Page()
	from := s.table("posts") + " FINAL" + where
	var (
		page  store.PostPage
		total uint64
	)
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+from, args...).Scan(&total); err != nil {
		return store.PostPage{}, err
	}
	page.Total = int64(total)
	if total == 0 || offset >= int(total) {
		return page, nil
	}
	// LIMIT offset, count is the form every server version accepts.
	page.Items, err = all(ctx, s, scanPost, fmt.Sprintf("SELECT %s FROM %s ORDER BY published_at_ns DESC, id DESC LIMIT %d, %d",
		s.posts.selectList(), from, offset, limit), args...)
	if err != nil {
		return store.PostPage{}, err
	}
	return page, nil
}

// postFilter builds the WHERE clause (with its leading space, or empty) and
// its arguments for q, on posts FINAL.
//
// A filter must see only each post's winning version, yet a time range
// should not read the whole table. So the filter runs twice: a subquery
// without FINAL finds the IDs of every row, of any version, that matches —
// there it may prune month partitions by published_at and use skip indexes,
// and it finds the winning row whenever that row matches — and the outer
// query keeps, of those IDs, the posts whose winning version matches, by
// the same conditions after FINAL. The outer conditions never name
// published_at: pruning parts by it under FINAL would drop a part that
// holds a newer version whose publish time moved out of the range, and
// return the stale version instead.
//
// The sentiment filter overlays officers' corrections: a corrected post
// matches by the label of its latest correction, whichever version of the
// post is stored, and others by the analyzer's label.
func postFilter(posts, corrections string, q store.PostQuery) (string, []any, error) {
	var (
		conds, prune []string
		args         []any
	)
	for _, term := range strings.Fields(q.Text) {
		conds = append(conds, "(positionCaseInsensitiveUTF8(title, ?) > 0 OR positionCaseInsensitiveUTF8(body, ?) > 0)")
		args = append(args, term, term)
	}
	if q.SourceID != "" {
		conds = append(conds, "source_id = ?")
		args = append(args, q.SourceID)
	}
	if q.Sentiment != "" {
		conds = append(conds, fmt.Sprintf("(id IN (SELECT post_id FROM (SELECT post_id, argMax(label, (at_ns, id)) AS latest FROM %[1]s GROUP BY post_id) WHERE latest = ?)"+
			" OR sentiment_label = ? AND id NOT IN (SELECT post_id FROM %[1]s))", corrections))
		args = append(args, q.Sentiment, q.Sentiment)
	}
	if q.Scheme != "" {
		conds = append(conds, "has(scheme_ids, ?)")
		args = append(args, q.Scheme)
	}
	if !q.Since.IsZero() {
		n, err := timeColumn("since", q.Since)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "published_at_ns >= ?")
		args = append(args, n)
		if secs := q.Since.Unix(); secs > 0 && secs <= math.MaxUint32 {
			prune = append(prune, fmt.Sprintf("published_at >= toDateTime(%d)", secs))
		}
	}
	if !q.Until.IsZero() {
		n, err := timeColumn("until", q.Until)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "published_at_ns < ?")
		args = append(args, n)
		if secs := q.Until.Unix() + 1; secs > 0 && secs <= math.MaxUint32 {
			prune = append(prune, fmt.Sprintf("published_at <= toDateTime(%d)", secs))
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	outer := strings.Join(conds, " AND ")
	inner := strings.Join(append(conds, prune...), " AND ")
	where := fmt.Sprintf(" WHERE id IN (SELECT id FROM %s WHERE %s) AND %s", posts, inner, outer)
	return where, append(slices.Clone(args), args...), nil
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
	query := "SELECT " + eventsTable.selectList() + " FROM " + s.table("events") + " FINAL WHERE merged_into = ''"
	var args []any
	if !since.IsZero() {
		n, err := timeColumn("since", since)
		if err != nil {
			return nil, err
		}
		query += " AND last_seen_ns >= ?"
		args = append(args, n)
	}
	query += " ORDER BY last_seen_ns DESC, id DESC"
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	return all(ctx, s, scanEvent, query, args...)
}

// defaultIncidentLimit is IncidentQuery's limit when it gives none.
const defaultIncidentLimit = 100

// ListIncidents returns incidents matching q, most recently opened first
// (ties broken by ID, descending).
func (s *Store) ListIncidents(ctx context.Context, q store.IncidentQuery) ([]model.Incident, error) {
	start := time.Now()
	limit := q.Limit
	if limit <= 0 {
		limit = defaultIncidentLimit
	}
	query := "SELECT " + incidentsTable.selectList() + " FROM " + s.table("incidents") + " FINAL"
	if q.OnlyOpen {
		query += " WHERE open = 1"
	}
	query += fmt.Sprintf(" ORDER BY opened_at_ns DESC, id DESC LIMIT %d", limit)
	incidents, err := all(ctx, s, scanIncident, query)
	s.metrics.QueryDone("list_incidents", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list incidents %+v: %w", q, err)
	}
	return incidents, nil
}

// AppendHistory appends incident history entries as one batch. An entry
// appended again (a retried write) has the same ID and is folded by the
// table's merge; reads use FINAL, so it is never seen twice.
func (s *Store) AppendHistory(ctx context.Context, entries []model.HistoryEntry) error {
	return s.writeRows(ctx, historyTable, store.TableHistory, "append", "history entries", len(entries), func(i int) ([]any, error) {
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
	out, err := all(ctx, s, func(r scanner) (model.HistoryEntry, error) {
		var e model.HistoryEntry
		var at int64
		if err := r.Scan(&e.ID, &e.IncidentID, &at, &e.Actor, &e.Action, &e.From, &e.To, &e.Reason); err != nil {
			return e, err
		}
		e.At = fromUnixNano(at)
		return e, nil
	}, "SELECT "+historyTable.selectList()+" FROM "+s.table("incident_history")+" FINAL WHERE incident_id = ? ORDER BY at_ns, id", incidentID)
	s.metrics.QueryDone("list_history", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list history of incident %q: %w", incidentID, err)
	}
	return out, nil
}

// AppendDeliveries appends delivery log entries as one batch; an entry
// appended again is folded by the merge and never read twice (FINAL).
func (s *Store) AppendDeliveries(ctx context.Context, ds []model.Delivery) error {
	return s.writeRows(ctx, deliveriesTable, store.TableDeliveries, "append", "deliveries", len(ds), func(i int) ([]any, error) {
		d := &ds[i]
		at, err := timeColumn("at", d.At)
		if err != nil {
			return nil, fmt.Errorf("cannot store delivery %q: %w", d.ID, err)
		}
		var final uint8
		if d.Final {
			final = 1
		}
		return []any{d.ID, d.Key, d.IncidentID, at, final, d.Detail}, nil
	})
}

// DeliveryFinal reports whether a final delivery is stored under key.
func (s *Store) DeliveryFinal(ctx context.Context, key string) (bool, error) {
	start := time.Now()
	var n uint64
	err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.table("deliveries")+" WHERE key = ? AND final = 1", key).Scan(&n)
	s.metrics.QueryDone("delivery_final", start, err)
	if err != nil {
		return false, fmt.Errorf("cannot look up delivery %q: %w", key, err)
	}
	return n > 0, nil
}

// ListDeliveries returns an incident's deliveries, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, incidentID string) ([]model.Delivery, error) {
	start := time.Now()
	out, err := all(ctx, s, func(r scanner) (model.Delivery, error) {
		var d model.Delivery
		var at int64
		var final uint8
		if err := r.Scan(&d.ID, &d.Key, &d.IncidentID, &at, &final, &d.Detail); err != nil {
			return d, err
		}
		d.At, d.Final = fromUnixNano(at), final == 1
		return d, nil
	}, "SELECT "+deliveriesTable.selectList()+" FROM "+s.table("deliveries")+" FINAL WHERE incident_id = ? ORDER BY at_ns, id", incidentID)
	s.metrics.QueryDone("list_deliveries", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list deliveries of incident %q: %w", incidentID, err)
	}
	return out, nil
}
