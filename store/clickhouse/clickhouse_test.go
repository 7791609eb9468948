package clickhouse

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/clickhouse/chtest"
	"github.com/yuqing-project/yuqing/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// server is the package's one ClickHouse server, shared by every test.
var server *chtest.Server

func TestMain(m *testing.M) {
	flag.Parse()
	server = chtest.Start()
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

var databases atomic.Int64

// newConfig returns the config of a fresh database on the test server.
func newConfig(t *testing.T) config.ClickHouseConfig {
	t.Helper()
	return config.ClickHouseConfig{
		Addrs:       []string{server.Addr(t)},
		Database:    fmt.Sprintf("yuqing_test_%d", databases.Add(1)),
		Username:    "default",
		DialTimeout: 5 * time.Second,
	}
}

// open migrates the database of cfg, as `yuqing migrate` does, and opens
// the store.
func open(t *testing.T, cfg config.ClickHouseConfig, reg prometheus.Registerer) *Store {
	t.Helper()
	if err := Migrate(context.Background(), cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	s, err := Open(context.Background(), cfg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	server.Addr(t)
	t.Logf("ClickHouse server %s", server.Version())
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, newConfig(t), prometheus.NewRegistry())
	})
}

// TestMigrateIdempotent migrates and opens one database three times: the
// schema is created once and recorded once, and data written survives
// reopening.
func TestMigrateIdempotent(t *testing.T) {
	ctx := context.Background()
	cfg := newConfig(t)
	reg := prometheus.NewRegistry()
	for i := range 3 {
		s := open(t, cfg, reg)
		if err := s.UpsertPosts(ctx, []model.Post{storetest.NewPost(fmt.Sprintf("m%d", i), 1, time.Now())}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountPosts(ctx); err != nil || n != int64(i+1) {
			t.Errorf("open %d: CountPosts = %d, %v; want %d", i, n, err, i+1)
		}
		var rows uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.table("schema_migrations")+" FINAL").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != uint64(len(migrations)) {
			t.Errorf("open %d: schema_migrations has %d rows, want %d", i, rows, len(migrations))
		}
		s.Close()
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	cfg := newConfig(t)
	s := open(t, cfg, nil)
	batch, err := s.conn.PrepareBatch(ctx, schemaMigrations.insertSQL(cfg.Database))
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Append(uint32(99), "future", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, cfg, nil, slog.New(slog.DiscardHandler))
	want := fmt.Sprintf("database %q schema version 99 is newer than this binary's %d: upgrade yuqing", cfg.Database, SchemaVersion())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open error = %v, want it to contain %q", err, want)
	}
	if err := Migrate(ctx, cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Migrate error = %v, want it to contain %q", err, want)
	}
}

// TestOpenRequiresMigrate checks that Open changes no schema: on a
// database that does not exist it creates nothing and says what to run,
// and after Migrate it opens.
func TestOpenRequiresMigrate(t *testing.T) {
	ctx := context.Background()
	cfg := newConfig(t)
	_, err := Open(ctx, cfg, nil, slog.New(slog.DiscardHandler))
	var behind *store.SchemaBehindError
	if !errors.As(err, &behind) || behind.Have != 0 || behind.Want != SchemaVersion() {
		t.Fatalf("Open of a new database: error %v, want a SchemaBehindError at version 0", err)
	}
	want := fmt.Sprintf(`cannot open clickhouse store [%s] database %q: store schema is at version 0, this yuqing needs %d: run "yuqing migrate -config FILE"`,
		cfg.Addrs[0], cfg.Database, SchemaVersion())
	if err.Error() != want {
		t.Errorf("Open error = %q, want %q", err, want)
	}
	databases := func(s *Store) uint64 {
		var n uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", cfg.Database).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	c, err := connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.conn.Close()
	if n := databases(c); n != 0 {
		t.Errorf("Open created database %s", cfg.Database)
	}
	s := open(t, cfg, nil)
	defer s.Close()
	if n := databases(s); n != 1 {
		t.Errorf("database %s not there after Migrate", cfg.Database)
	}
}

// TestSchemaMatchesServer checks the tables the server created against the
// definition: every column, with the types the server's features allow.
func TestSchemaMatchesServer(t *testing.T) {
	ctx := context.Background()
	cfg := newConfig(t)
	s := open(t, cfg, nil)
	defer s.Close()
	for _, tab := range []table{currentPosts(schemaOptions{}), eventsTable, incidentsTable, historyTable, deliveriesTable, correctionsTable, dictionaryTable, briefsTable, schemaMigrations} {
		rows, err := s.conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = ? AND table = ?", cfg.Database, tab.name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			got = append(got, name+" "+typ)
		}
		rows.Close()
		var want []string
		for _, c := range tab.columns {
			typ := c.typ
			if c.lowCardinality && s.features.LowCardinality {
				typ = strings.Replace(typ, "String", "LowCardinality(String)", 1)
			}
			want = append(want, c.name+" "+typ)
		}
		// 18.16 lists materialized columns last, so compare as sets.
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("table %s columns on %s:\n got %q\nwant %q", tab.name, s.version, got, want)
		}
	}
}

// TestMetrics checks that writes are counted under the clickhouse driver
// label, that the rollup's log (post_counted) gets rows only for posts
// that change what it counts (not for the same posts written again), and
// that a replaced version is recorded superseded once.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	s := open(t, newConfig(t), reg)
	defer s.Close()
	at := time.Now() // the same posts: the timeline counts their publish times to the nanosecond
	for range 2 {
		if err := s.UpsertPosts(ctx, []model.Post{storetest.NewPost("a", 1, at), storetest.NewPost("b", 1, at)}); err != nil {
			t.Fatal(err)
		}
	}
	// A newer version of a: its old state out and its new one in, and the
	// old version recorded superseded.
	if err := s.UpsertPosts(ctx, []model.Post{storetest.NewPost("a", 2, at)}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP yuqing_store_rows_written_total Rows written to the store, by table.
# TYPE yuqing_store_rows_written_total counter
yuqing_store_rows_written_total{driver="clickhouse",table="post_counted"} 4
yuqing_store_rows_written_total{driver="clickhouse",table="post_superseded"} 1
yuqing_store_rows_written_total{driver="clickhouse",table="posts"} 5
# HELP yuqing_store_write_batches_total Write batches attempted, by table.
# TYPE yuqing_store_write_batches_total counter
yuqing_store_write_batches_total{driver="clickhouse",table="post_counted"} 3
yuqing_store_write_batches_total{driver="clickhouse",table="post_superseded"} 1
yuqing_store_write_batches_total{driver="clickhouse",table="posts"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "yuqing_store_rows_written_total", "yuqing_store_write_batches_total"); err != nil {
		t.Error(err)
	}
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  config.ClickHouseConfig
		want string
	}{
		{"no address", config.ClickHouseConfig{Database: "yuqing"}, "cannot open clickhouse store: no address configured (store.clickhouse.addrs)"},
		{"no database", config.ClickHouseConfig{Addrs: []string{"127.0.0.1:9000"}}, "cannot open clickhouse store: no database configured (store.clickhouse.database)"},
		{"missing CA file", config.ClickHouseConfig{Addrs: []string{"127.0.0.1:9000"}, Database: "yuqing",
			TLS: config.TLSConfig{Enabled: true, CAFile: "/nonexistent/ca.pem"}}, `cannot read TLS CA file "/nonexistent/ca.pem"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.cfg, nil, slog.New(slog.DiscardHandler))
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestFeaturesOf(t *testing.T) {
	tests := []struct {
		version string
		modern  bool
		err     bool
	}{
		{"18.16.1", false, false},
		{"19.17.4.11", false, false},
		{"20.1.2.4", false, false},
		{"20.3.8.53", true, false},
		{"23.8.2.7", true, false},
		{"24.3.1.2672", true, false},
		{"garbage", false, true},
		{"x.y", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			f, err := featuresOf(tt.version)
			if (err != nil) != tt.err {
				t.Fatalf("featuresOf(%q) error = %v, want error %v", tt.version, err, tt.err)
			}
			want := features{LowCardinality: tt.modern, Codecs: tt.modern, SkipIndexes: tt.modern, TTL: tt.modern}
			if f != want {
				t.Errorf("featuresOf(%q) = %+v, want %+v", tt.version, f, want)
			}
		})
	}
}

// TestSchemaGolden pins the DDL generated for an old and a modern server,
// single node and cluster, so a schema change is reviewed as a diff.
// Run with -update to rewrite the golden files.
func TestSchemaGolden(t *testing.T) {
	tests := []struct {
		name    string
		version string
		cluster string
		opts    schemaOptions
	}{
		{"18.16", "18.16.1", "", schemaOptions{}},
		{"23.8", "23.8.2.7", "", schemaOptions{retention: 365 * 24 * time.Hour}},
		{"23.8-cluster", "23.8.2.7", "yuqing", schemaOptions{retention: 180 * 24 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := featuresOf(tt.version)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString(schemaMigrations.createSQL("yuqing", tt.cluster, f) + ";\n\n")
			for _, m := range migrations {
				fmt.Fprintf(&b, "-- migration %d: %s\n", m.version, m.name)
				for _, stmt := range m.stmts("yuqing", tt.cluster, f, tt.opts) {
					b.WriteString(stmt + ";\n\n")
				}
				for _, a := range m.added {
					for _, name := range alteredTables(tt.cluster, a.table) {
						b.WriteString(addColumnsSQL("yuqing", tt.cluster, name, a.columns, f) + ";\n\n")
					}
				}
				for _, ix := range m.indexes {
					if stmt := addIndexSQL("yuqing", tt.cluster, ix, f); stmt != "" {
						b.WriteString(stmt + ";\n\n")
					}
				}
			}
			path := filepath.Join("testdata", "schema-"+tt.name+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("schema for %s differs from %s (run with -update if intended):\n%s", tt.name, path, b.String())
			}
		})
	}
}

// TestTablesMatchSchema checks that every table of the store's row
// mapping has, laid out for ClickHouse, exactly the insert columns the
// schema defines, each of the type its kind maps to, and that a row's
// values line up with them.
func TestTablesMatchSchema(t *testing.T) {
	p := storetest.NewPost("x", 1, time.Now())
	e := storetest.NewEvent("x", 1, time.Now())
	in := storetest.NewIncident("x", 1, time.Now(), true)
	tests := []struct {
		schema table
		cols   []store.PhysicalColumn
		values func() ([]any, error)
	}{
		{currentPosts(schemaOptions{}), store.PostsTable.Physical(layout), func() ([]any, error) { return store.PostsTable.Values(layout, &p) }},
		{eventsTable, store.EventsTable.Physical(layout), func() ([]any, error) { return store.EventsTable.Values(layout, &e) }},
		{incidentsTable, store.IncidentsTable.Physical(layout), func() ([]any, error) { return store.IncidentsTable.Values(layout, &in) }},
		{historyTable, store.HistoryTable.Physical(layout), nil},
		{deliveriesTable, store.DeliveriesTable.Physical(layout), nil},
		{correctionsTable, store.CorrectionsTable.Physical(layout), nil},
		{dictionaryTable, store.DictionaryTable.Physical(layout), nil},
		{findingsTable, store.FindingsTable.Physical(layout), nil},
		{settingsTable, store.SettingsTable.Physical(layout), nil},
		{sourcePollsTable, store.SourcePollsTable.Physical(layout), nil},
	}
	for _, tt := range tests {
		t.Run(tt.schema.name, func(t *testing.T) {
			var got, want []string
			for _, c := range tt.cols {
				got = append(got, c.Name+" "+typeOf(c))
			}
			for _, c := range tt.schema.columns {
				if c.materialized == "" {
					want = append(want, c.name+" "+c.typ)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("row mapping columns:\n got %q\nwant %q (the schema's)", got, want)
			}
			if tt.values == nil {
				return
			}
			values, err := tt.values()
			if err != nil {
				t.Fatal(err)
			}
			if len(values) != len(tt.cols) {
				t.Errorf("%d values for %d columns", len(values), len(tt.cols))
			}
		})
	}
}

// TestDerivedTablesMatchReleased checks that deriving a table from the
// store's row mapping (tableOf) gives the tables released before it
// existed, given their sorting keys and optional clauses: so a table
// derived for a later migration is what one written out would be.
func TestDerivedTablesMatchReleased(t *testing.T) {
	tests := []struct {
		released, derived table
	}{
		{eventsTable, tableOf(store.EventsTable, "id", eventsTable.columns...)},
		{incidentsTable, tableOf(store.IncidentsTable, "id", incidentsTable.columns...)},
		{historyTable, tableOf(store.HistoryTable, "incident_id, id", historyTable.columns...)},
		{deliveriesTable, tableOf(store.DeliveriesTable, "key, id", deliveriesTable.columns...)},
		{correctionsTable, tableOf(store.CorrectionsTable, "post_id, id", correctionsTable.columns...)},
		{dictionaryTable, tableOf(store.DictionaryTable, "word, id", dictionaryTable.columns...)},
	}
	for _, tt := range tests {
		for _, f := range []features{{}, {LowCardinality: true, Codecs: true, SkipIndexes: true, TTL: true}} {
			if got, want := tt.derived.createSQL("yuqing", "", f), tt.released.createSQL("yuqing", "", f); got != want {
				t.Errorf("derived table %s:\n%s\nwant\n%s", tt.released.name, got, want)
			}
		}
	}
}

// TestUpgradeFromV1 opens a database that migration 1 created and that
// holds a post, as the previous release left it, with one of migration 2's
// columns already added (a step interrupted before it was recorded):
// migration 2 adds the rest and the new tables, the old post reads back
// without schemes, and everything new works on it.
func TestUpgradeFromV1(t *testing.T) {
	ctx := context.Background()
	cfg := newConfig(t)
	old := storetest.NewPost("old", 1, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	old.Schemes = nil
	func() {
		saved := migrations
		migrations = migrations[:1]
		defer func() { migrations = saved }()
		s := open(t, cfg, nil)
		defer s.Close()
		v1 := postsTable(schemaOptions{})
		all, err := store.PostsTable.Values(layout, &old)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]any{}
		for i, c := range store.PostsTable.ColumnNames(layout) {
			byName[c] = all[i]
		}
		var values []any
		for _, c := range v1.insertColumns() {
			values = append(values, byName[c])
		}
		batch, err := s.conn.PrepareBatch(ctx, v1.insertSQL(cfg.Database))
		if err != nil {
			t.Fatal(err)
		}
		if err := batch.Append(values...); err != nil {
			t.Fatal(err)
		}
		if err := batch.Send(); err != nil {
			t.Fatalf("write a v1 post: %v", err)
		}
		if err := s.conn.Exec(ctx, addColumnsSQL(cfg.Database, "", "posts", postsAdded[:1], s.features)); err != nil {
			t.Fatal(err)
		}
	}()

	_, err := Open(ctx, cfg, nil, slog.New(slog.DiscardHandler))
	want := fmt.Sprintf(`store schema is at version 1, this yuqing needs %d: run "yuqing migrate -config FILE"`, SchemaVersion())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open before the upgrade: error %v, want it to contain %q", err, want)
	}
	s := open(t, cfg, nil)
	defer s.Close()
	var versions []uint32
	rows, err := s.conn.Query(ctx, "SELECT version FROM "+s.table("schema_migrations")+" FINAL ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	var all []uint32
	for _, m := range migrations {
		all = append(all, uint32(m.version))
	}
	if !slices.Equal(versions, all) {
		t.Errorf("schema_migrations = %v, want %v", versions, all)
	}
	storetest.CheckUpgradedV1Post(t, s, old)
}
