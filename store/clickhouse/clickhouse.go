// Package clickhouse is the distributed store: store.Store on ClickHouse,
// over the native protocol with clickhouse-go/v2.
//
// It guarantees what store.Store promises, the ClickHouse way. Every table
// is a ReplacingMergeTree with the row version as its version column, so a
// row written twice, or an older version written after a newer one, is
// merged away. A read never sees a row not yet merged twice: a read by ID
// takes the highest version, counts count distinct IDs, logs keep one row
// per ID (LIMIT 1 BY), and filters and aggregates over posts, events and
// incidents read FINAL, so that a filter only ever sees the winning
// version. A write returns
// when the server has acknowledged the whole batch (one INSERT per call).
//
// The schema is generated from one Go definition (schema.go) and changed
// only by Migrate (`yuqing migrate`), in versioned, idempotent steps; Open
// checks that the schema is the one this binary needs and changes nothing.
// LowCardinality, codecs, skip indexes and TTL are added only on servers
// that support them (20.3 and newer), so Debian's 18.16 and the production
// 23.8+ run the same store. With a cluster configured, every table is a
// ReplicatedReplacingMergeTree on each node (name_local) under a
// Distributed table (name) sharded by the first column of its sorting key,
// so that all versions of a post meet on one shard; the store reads and
// writes the Distributed tables, inserting synchronously
// (insert_distributed_sync), so a write still returns only when its rows
// are on their shards.
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
	"slices"
	"strings"
	"sync"
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
	cluster  string // store.clickhouse.cluster: the tables are Distributed over name_local
	version  string
	features features
	metrics  *store.Metrics
	log      *slog.Logger
	// issuing serialises IssueBrief in this process (see IssueBrief).
	issuing sync.Mutex
}

var _ store.Store = (*Store)(nil)

// Option changes the schema Migrate creates.
type Option func(*schemaOptions)

// WithRetention keeps posts for d after their publish time (whole days), as
// a TTL on the posts table, on servers that support TTL. It applies when
// the table is created; changing the retention of an existing table is an
// operator's ALTER TABLE posts MODIFY TTL.
func WithRetention(d time.Duration) Option {
	return func(o *schemaOptions) { o.retention = d }
}

// Open connects to ClickHouse and returns the store. It changes no schema:
// the database must have every migration this binary knows, or Open
// returns a *store.SchemaBehindError that says to run `yuqing migrate`
// (Migrate), so replicas starting together never race on DDL.
func Open(ctx context.Context, cfg config.ClickHouseConfig, reg prometheus.Registerer, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	metrics, err := store.NewMetrics(reg, Driver)
	if err != nil {
		return nil, fmt.Errorf("cannot register clickhouse store metrics: %w", err)
	}
	s, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.metrics, s.log = metrics, log
	applied, err := appliedSteps(ctx, s.conn, s.database)
	if err == nil {
		err = store.CheckSteps(applied, steps())
	}
	if err != nil {
		s.conn.Close()
		return nil, fmt.Errorf("cannot open clickhouse store %v database %q: %w", cfg.Addrs, cfg.Database, err)
	}
	log.Info("clickhouse store open", "addrs", cfg.Addrs, "database", cfg.Database,
		"server_version", s.version, "schema_version", SchemaVersion(), "modern_ddl", s.features.LowCardinality)
	return s, nil
}

// Migrate connects to ClickHouse, creates the database if missing and
// applies the migrations it lacks: what `yuqing migrate` runs, once per
// deployment and release, before the processes start. Every step is
// idempotent, so running it again, or after an interrupted run, is safe.
func Migrate(ctx context.Context, cfg config.ClickHouseConfig, log *slog.Logger, opts ...Option) error {
	if log == nil {
		log = slog.Default()
	}
	var o schemaOptions
	for _, opt := range opts {
		opt(&o)
	}
	s, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.conn.Close()
	if err := migrate(ctx, s.conn, s.database, cfg.Cluster, s.features, o); err != nil {
		return fmt.Errorf("cannot migrate clickhouse store %v database %q: %w", cfg.Addrs, cfg.Database, err)
	}
	log.Info("clickhouse store migrated", "addrs", cfg.Addrs, "database", cfg.Database,
		"server_version", s.version, "schema_version", SchemaVersion(), "modern_ddl", s.features.LowCardinality)
	return nil
}

// connect opens the connection of cfg and reads the server's version.
func connect(ctx context.Context, cfg config.ClickHouseConfig) (*Store, error) {
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("cannot open clickhouse store: no address configured (store.clickhouse.addrs)")
	}
	if cfg.Database == "" {
		return nil, errors.New("cannot open clickhouse store: no database configured (store.clickhouse.database)")
	}
	tlsConfig, err := cfg.TLS.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("cannot open clickhouse store %v: %w", cfg.Addrs, err)
	}
	dialTimeout := cfg.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = 10 * time.Second
	}
	// On a cluster an INSERT into a Distributed table returns only once
	// the rows are written on their shards, not when they are queued on
	// the node that took them.
	var settings clickhouse.Settings
	if cfg.Cluster != "" {
		settings = clickhouse.Settings{"insert_distributed_sync": 1}
	}
	// The connection names no database: the database may not exist yet,
	// and every statement names its table with the database.
	conn, err := clickhouse.Open(&clickhouse.Options{
		Settings:    settings,
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
	s := &Store{conn: conn, database: cfg.Database, cluster: cfg.Cluster}
	err = conn.QueryRow(ctx, "SELECT version()").Scan(&s.version)
	if err == nil {
		s.features, err = featuresOf(s.version)
	} else {
		err = fmt.Errorf("cannot read server version: %w", err)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("cannot open clickhouse store %v database %q: %w", cfg.Addrs, cfg.Database, err)
	}
	return s, nil
}

// ServerVersion returns the version the server reported, e.g. 18.16.1.
func (s *Store) ServerVersion() string { return s.version }

// Close closes the connections.
func (s *Store) Close() error { return s.conn.Close() }

func (s *Store) table(name string) string { return quote(s.database) + "." + quote(name) }

// layout is how ClickHouse keeps rows: times in columns named with _ns,
// lists of structs as parallel arrays, bools as UInt8.
var layout = store.Layout{TimeSuffix: "_ns", BoolsAsUint8: true}

// columns returns t's column list, for INSERT and SELECT.
func columns[T any](t *store.Table[T]) string {
	return strings.Join(t.ColumnNames(layout), ", ")
}

// write sends rows into t as one batch, records the write in the metrics,
// and says what could not be written: "cannot upsert 3 posts". Rows that
// fail to convert fail the whole batch before anything is sent. A row
// written again (a retried write) has the same sorting key and is folded
// by the table's merge and never read twice (see the package doc).
func write[T any](ctx context.Context, s *Store, t *store.Table[T], rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	start := time.Now()
	err := insert(ctx, s, t, rows)
	s.metrics.WriteDone(t.Name, start, len(rows), 0, err)
	if err != nil {
		return fmt.Errorf("cannot %s %d %s: %w", t.Verb(), len(rows), t.Plural, err)
	}
	return nil
}

// insert sends rows into t as one batch, naming the columns, which 18.16
// needs for a batch insert.
func insert[T any](ctx context.Context, s *Store, t *store.Table[T], rows []T) error {
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.table(t.Name)+" ("+columns(t)+")")
	if err != nil {
		return err
	}
	for i := range rows {
		values, err := t.Values(layout, &rows[i])
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

// UpsertPosts writes posts as one batch.
//
// The rollup is brought in step after the posts are written (countPosts);
// a failure there fails the call, and the retried write finds the posts
// stored and counts them then.
func (s *Store) UpsertPosts(ctx context.Context, posts []model.Post) error {
	if err := write(ctx, s, store.PostsTable, posts); err != nil {
		return err
	}
	start := time.Now()
	n, err := s.countPosts(ctx, posts)
	s.metrics.WriteDone("post_counted", start, n, 0, err)
	if err != nil {
		return fmt.Errorf("cannot count %d posts into the rollup: %w", len(posts), err)
	}
	return nil
}

// UpsertEvents writes events as one batch.
func (s *Store) UpsertEvents(ctx context.Context, events []model.Event) error {
	return write(ctx, s, store.EventsTable, events)
}

// UpsertIncidents writes incidents as one batch.
func (s *Store) UpsertIncidents(ctx context.Context, incidents []model.Incident) error {
	return write(ctx, s, store.IncidentsTable, incidents)
}

// query runs a query whose result columns are t's column list and reads
// every row.
func query[T any](ctx context.Context, s *Store, t *store.Table[T], query string, args ...any) ([]T, error) {
	rows, err := s.conn.Query(ctx, query, args...)
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

// get returns the winning version of the row of t with the given id, or
// store.ErrNotFound, and records the read as op. It needs no FINAL: the
// rows of one id are the few versions in its sorting-key range, and the
// highest version is the winner (versions written twice are the same
// row).
func get[T any](ctx context.Context, s *Store, t *store.Table[T], op, id string) (T, error) {
	start := time.Now()
	var v T
	rows, err := query(ctx, s, t, "SELECT "+columns(t)+" FROM "+s.table(t.Name)+" WHERE id = ? ORDER BY version DESC LIMIT 1", id)
	if err == nil && len(rows) == 0 {
		err = store.ErrNotFound
	}
	s.metrics.QueryDone(op, start, err)
	if err != nil {
		return v, fmt.Errorf("cannot get %s %q: %w", t.Singular, id, err)
	}
	return rows[0], nil
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
	var page store.PostPage
	if plan, ok := store.PlanRollup(q.Filter()); ok {
		total, err := s.rollupTotal(ctx, plan)
		if err != nil {
			return store.PostPage{}, err
		}
		page.Total = total
	} else {
		winners, args, err := s.winning("id", q.Filter(), nil)
		if err != nil {
			return store.PostPage{}, err
		}
		var total uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+winners, args...).Scan(&total); err != nil {
			return store.PostPage{}, err
		}
		page.Total = int64(total)
	}
	return s.pageOf(ctx, q, page.Total)
}

// pageOf reads q's page of the posts matching its filter, of which there
// are total.
func (s *Store) pageOf(ctx context.Context, q store.PostQuery, total int64) (store.PostPage, error) {
	limit, offset := q.Page()
	page := store.PostPage{Total: total}
	if page.Total == 0 || offset >= int(page.Total) {
		return page, nil
	}
	if q.Sort != store.SortHeat && offset+limit <= maxNewestPage {
		items, ok, err := s.newestPage(ctx, q.Filter(), limit, offset)
		if err != nil {
			return store.PostPage{}, err
		}
		if ok {
			page.Items = items
			return page, nil
		}
	}
	from, args, err := s.winning(columns(store.PostsTable), q.Filter(), nil)
	if err != nil {
		return store.PostPage{}, err
	}
	// LIMIT offset, count is the form every server version accepts.
	order := "published_at_ns DESC, id DESC"
	if q.Sort == store.SortHeat {
		// Each post's hottest event, joined once for the query; a post of
		// no event gets the join's default, below every event's heat.
		from = fmt.Sprintf("%s ANY LEFT JOIN (SELECT arrayJoin(post_ids) AS id, max(heat) + 1 AS event_heat FROM %s FINAL WHERE merged_into = '' GROUP BY id) USING (id)",
			from, s.table(store.TableEvents))
		order = "event_heat DESC, " + order
	}
	page.Items, err = query(ctx, s, store.PostsTable, fmt.Sprintf("SELECT %s FROM %s ORDER BY %s LIMIT %d, %d",
		columns(store.PostsTable), from, order, offset, limit), args...)
	if err != nil {
		return store.PostPage{}, err
	}
	return page, nil
}

// SearchPosts returns a feed's page of posts, its facets and how many of
// them belong to an event with an incident. ClickHouse has no read
// transaction, so each figure is as of its own query (as PostFacets'); the
// page's total is the facets' total.
func (s *Store) SearchPosts(ctx context.Context, q store.SearchQuery) (store.SearchResult, error) {
	start := time.Now()
	out, err := s.searchPosts(ctx, q)
	s.metrics.QueryDone("search_posts", start, err)
	if err != nil {
		return store.SearchResult{}, fmt.Errorf("cannot search posts %+v: %w", q, err)
	}
	return out, nil
}

func (s *Store) searchPosts(ctx context.Context, q store.SearchQuery) (store.SearchResult, error) {
	var out store.SearchResult
	var err error
	if _, ok := store.PlanRollup(q.Filter()); !ok {
		// Counted from the posts: every figure and the page newest
		// first from one read (facetsOnce).
		limit, offset := q.Page()
		newest := 0
		if q.Sort != store.SortHeat && offset+limit <= maxNewestPage {
			newest = offset + limit
		}
		var ids []string
		if out.Facets, out.InIncident, ids, err = s.facetsOnce(ctx, q.Facets(), true, newest); err != nil {
			return out, err
		}
		if newest == 0 {
			out.Page, err = s.pageOf(ctx, q.PostQuery, out.Facets.Total)
			return out, err
		}
		out.Page.Total = out.Facets.Total
		if offset < len(ids) {
			out.Page.Items, err = s.postsByID(ctx, ids[offset:])
		}
		return out, err
	}
	if out.Facets, err = s.postFacets(ctx, q.Facets()); err != nil {
		return out, err
	}
	inc := q.Facets()
	inc.HasIncident, inc.By = true, nil
	incident, err := s.postFacets(ctx, inc)
	if err != nil {
		return out, err
	}
	out.InIncident = incident.Total
	out.Page, err = s.pageOf(ctx, q.PostQuery, out.Facets.Total)
	return out, err
}

// maxNewestPage bounds the pages newestPage reads (offset + limit): a
// deeper page is read by sorting the winning versions (winning).
const maxNewestPage = 1000

// newestPage reads the page at limit and offset of the posts matching f,
// newest published first, without merging the whole table FINAL: the
// newest rows of any version that match f's conditions are the
// candidates (their sort reads a few columns of the window's partitions),
// and of their IDs only the winning versions (the highest) that still
// match are kept, read from the granules of the IDs, which the sorting key
// finds, without merging them FINAL. A post whose winning
// version matches has that version among the rows, so every one newer than
// the last candidate is a candidate; ok is false when fewer than the page
// are (stale versions filled the candidates), and the caller sorts FINAL.
func (s *Store) newestPage(ctx context.Context, f store.Filter, limit, offset int) (items []model.Post, ok bool, err error) {
	inner, outer, args, err := s.filterParts(f, nil)
	if err != nil {
		return nil, false, err
	}
	want := offset + limit
	k := 2*want + 64
	where := ""
	if inner != "" {
		where = " WHERE " + inner
	}
	type key struct {
		id string
		at int64
	}
	newer := func(a, b key) bool { return a.at > b.at || a.at == b.at && a.id > b.id }
	read := func(stmt string, args ...any) ([]key, error) {
		rows, err := s.conn.Query(ctx, stmt, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []key
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.id, &k.at); err != nil {
				return nil, err
			}
			out = append(out, k)
		}
		return out, rows.Err()
	}
	// The searchable copy holds the same rows sorted by time, so a window
	// reads only its own granules there (search.go).
	from := s.table(store.TablePosts)
	if !f.Since.IsZero() || !f.Until.IsZero() {
		from = s.table("post_search")
	}
	cands, err := read(fmt.Sprintf("SELECT id, published_at_ns FROM %s%s ORDER BY published_at_ns DESC, id DESC LIMIT %d",
		from, where, k), args...)
	if err != nil || len(cands) == 0 {
		return nil, err == nil, err
	}
	exhausted, last := len(cands) < k, cands[len(cands)-1]
	var ids []string
	seen := map[string]bool{}
	for _, c := range cands {
		if !seen[c.id] {
			seen[c.id] = true
			ids = append(ids, c.id)
		}
	}
	// Each ID's winning version, the highest (which FINAL keeps), and
	// whether it matches, read from the IDs' granules without merging.
	in, inArgs := idsIn(ids)
	matches := "1"
	if outer != "" {
		matches = "(" + outer + ")"
	}
	winners, err := read(fmt.Sprintf("SELECT id, at FROM (SELECT id, argMax(published_at_ns, version) AS at, argMax(%s, version) AS ok FROM %s WHERE %s GROUP BY id) WHERE ok = 1",
		matches, s.table(store.TablePosts), in), append(args, inArgs...)...)
	if err != nil {
		return nil, false, err
	}
	var keep []key
	for _, w := range winners {
		if exhausted || !newer(last, w) {
			keep = append(keep, w)
		}
	}
	slices.SortFunc(keep, func(a, b key) int {
		if newer(a, b) {
			return -1
		}
		if newer(b, a) {
			return 1
		}
		return 0
	})
	if len(keep) < want && !exhausted {
		return nil, false, nil
	}
	if offset >= len(keep) {
		return []model.Post{}, true, nil
	}
	keep = keep[offset:min(want, len(keep))]
	pageIDs := make([]string, len(keep))
	for i, k := range keep {
		pageIDs[i] = k.id
	}
	posts, err := s.postsByID(ctx, pageIDs)
	if err != nil {
		return nil, false, err
	}
	return posts, true, nil
}

// idsIn is the condition that id is one of ids (an IN list, which the
// sorting key answers), and its arguments.
func idsIn(ids []string) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
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
	q := "SELECT " + columns(store.EventsTable) + " FROM " + s.table("events") + " FINAL WHERE merged_into = ''"
	var args []any
	if !since.IsZero() {
		n, err := store.UnixNanos("since", since)
		if err != nil {
			return nil, err
		}
		q += " AND last_seen_ns >= ?"
		args = append(args, n)
	}
	q += " ORDER BY last_seen_ns DESC, id DESC"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return query(ctx, s, store.EventsTable, q, args...)
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
	sql := "SELECT " + columns(store.IncidentsTable) + " FROM " + s.table("incidents") + " FINAL"
	if q.OnlyOpen {
		sql += " WHERE open = 1"
	}
	sql += fmt.Sprintf(" ORDER BY opened_at_ns DESC, id DESC LIMIT %d", limit)
	incidents, err := query(ctx, s, store.IncidentsTable, sql)
	s.metrics.QueryDone("list_incidents", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list incidents %+v: %w", q, err)
	}
	return incidents, nil
}

// AppendHistory appends incident history entries as one batch. An entry
// appended again (a retried write) has the same ID and is folded by the
// table's merge; reads keep one row per ID, so it is never seen twice.
func (s *Store) AppendHistory(ctx context.Context, entries []model.HistoryEntry) error {
	return write(ctx, s, store.HistoryTable, entries)
}

// ListHistory returns an incident's history, oldest first.
func (s *Store) ListHistory(ctx context.Context, incidentID string) ([]model.HistoryEntry, error) {
	start := time.Now()
	out, err := query(ctx, s, store.HistoryTable, "SELECT "+columns(store.HistoryTable)+" FROM "+s.table("incident_history")+
		" WHERE incident_id = ? ORDER BY at_ns, id LIMIT 1 BY id", incidentID)
	s.metrics.QueryDone("list_history", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list history of incident %q: %w", incidentID, err)
	}
	return out, nil
}

// AppendDeliveries appends delivery log entries as one batch; an entry
// appended again is folded by the merge and never read twice (reads keep
// one row per ID).
func (s *Store) AppendDeliveries(ctx context.Context, ds []model.Delivery) error {
	return write(ctx, s, store.DeliveriesTable, ds)
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

// QueryDeliveries returns a page of the delivery log, newest first; the
// status and channel are read from the entry's JSON detail (flat, as the
// notifier writes it). An entry appended twice counts once.
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
		conds, args = append(conds, "visitParamExtractString(detail, 'channel') = ?"), append(args, q.Channel)
	}
	where := func(c []string) string {
		if len(c) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(c, " AND ")
	}
	page := store.DeliveryPage{ByStatus: map[string]int64{}}
	rows, err := s.conn.Query(ctx, "SELECT visitParamExtractString(detail, 'status') AS st, uniqExact(id) FROM "+s.table("deliveries")+
		where(conds)+" GROUP BY st", args...)
	if err != nil {
		return page, err
	}
	for rows.Next() {
		var st string
		var n uint64
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return page, err
		}
		page.ByStatus[st] = int64(n)
		if q.Status == "" || q.Status == st {
			page.Total += int64(n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, err
	}
	if q.Status != "" {
		conds, args = append(conds, "visitParamExtractString(detail, 'status') = ?"), append(args, q.Status)
	}
	limit, offset := q.Page()
	if page.Total == 0 || offset >= int(page.Total) {
		return page, nil
	}
	// LIMIT offset, count is the form every server version accepts.
	page.Items, err = query(ctx, s, store.DeliveriesTable, fmt.Sprintf("SELECT %s FROM %s%s ORDER BY at_ns DESC, id DESC LIMIT 1 BY id LIMIT %d, %d",
		columns(store.DeliveriesTable), s.table("deliveries"), where(conds), offset, limit), args...)
	return page, err
}

// ListDeliveries returns an incident's deliveries, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, incidentID string) ([]model.Delivery, error) {
	start := time.Now()
	out, err := query(ctx, s, store.DeliveriesTable, "SELECT "+columns(store.DeliveriesTable)+" FROM "+s.table("deliveries")+
		" WHERE incident_id = ? ORDER BY at_ns, id LIMIT 1 BY id", incidentID)
	s.metrics.QueryDone("list_deliveries", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list deliveries of incident %q: %w", incidentID, err)
	}
	return out, nil
}
