package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

func open(t *testing.T, path string, reg prometheus.Registerer) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, reg, slog.New(slog.DiscardHandler), WithMigrate())
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "yuqing.db"), prometheus.NewRegistry())
	})
}

// TestReopenKeepsData checks that what a write acknowledged survives closing
// and reopening the file, including the full-text index, and that opening
// an existing database runs no migration twice.
func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd ?#% name.db")
	reg := prometheus.NewRegistry()
	s := open(t, path, reg)
	posts := []storetestPost{{"a", "化工厂爆炸"}, {"b", "道路积水"}}
	for _, p := range posts {
		post := storetest.NewPost(p.id, 1, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
		post.Title = p.title
		if err := s.UpsertPosts(ctx, []model.Post{post}); err != nil {
			t.Fatalf("UpsertPosts: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range 2 {
		s = open(t, path, reg)
		if n, err := s.CountPosts(ctx); err != nil || n != 2 {
			t.Fatalf("CountPosts after reopen = %d, %v; want 2", n, err)
		}
		for _, q := range []string{"爆炸", "化工厂", "积水"} {
			page, err := s.QueryPosts(ctx, store.PostQuery{Text: q})
			if err != nil || page.Total != 1 {
				t.Errorf("QueryPosts(%q) after reopen = %d, %v; want 1", q, page.Total, err)
			}
		}
		var migrated int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&migrated); err != nil {
			t.Fatal(err)
		}
		if migrated != len(migrations) {
			t.Errorf("schema_migrations has %d rows, want %d", migrated, len(migrations))
		}
		var mode string
		if err := s.write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q, %v; want wal", mode, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
}

type storetestPost struct{ id, title string }

// TestMetrics checks that writes and skipped replays are counted under the
// sqlite driver label, and that a second store on the same registry shares
// the collectors instead of failing.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "a.db"), reg)
	defer s.Close()
	other := open(t, filepath.Join(dir, "b.db"), reg)
	defer other.Close()
	p := storetest.NewPost("m", 2, time.Now())
	for range 3 {
		if err := s.UpsertPosts(ctx, []model.Post{p}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GetPost(ctx, "absent"); err == nil {
		t.Fatal("GetPost(absent) succeeded")
	}
	want := `
# HELP yuqing_store_rows_skipped_total Rows not written because the stored row has the same or a higher version (replays of at-least-once delivery, or stale versions).
# TYPE yuqing_store_rows_skipped_total counter
yuqing_store_rows_skipped_total{driver="sqlite",table="accounts"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="api_tokens"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="audit_log"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="deliveries"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="events"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="incident_history"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="incidents"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="login_throttles"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="inspection_findings"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="posts"} 2
yuqing_store_rows_skipped_total{driver="sqlite",table="sentiment_corrections"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="sessions"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="setting_changes"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="source_polls"} 0
yuqing_store_rows_skipped_total{driver="sqlite",table="user_dictionary"} 0
# HELP yuqing_store_rows_written_total Rows written to the store, by table.
# TYPE yuqing_store_rows_written_total counter
yuqing_store_rows_written_total{driver="sqlite",table="posts"} 1
# HELP yuqing_store_write_batches_total Write batches attempted, by table.
# TYPE yuqing_store_write_batches_total counter
yuqing_store_write_batches_total{driver="sqlite",table="posts"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"yuqing_store_rows_written_total", "yuqing_store_rows_skipped_total", "yuqing_store_write_batches_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "yuqing_store_query_failures_total"); n != 0 {
		t.Errorf("query failures has %d series after a not-found, want 0", n)
	}
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"empty path", "", `cannot open sqlite store "": a database file path is required`},
		{"memory", ":memory:", `cannot open sqlite store ":memory:": a database file path is required`},
		{"missing directory", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), "cannot open sqlite store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.path, nil, nil)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q) error = %q, want it to contain %q", tt.path, err, tt.want)
			}
		})
	}
}

func TestUpsertRejectsUnstorable(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "x.db"), nil)
	defer s.Close()
	ctx := context.Background()
	huge := storetest.NewPost("huge", 1<<63, time.Now())
	farFuture := storetest.NewPost("future", 1, time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		post model.Post
		want string
	}{
		{"version above int64", huge, `cannot upsert 2 posts: cannot store post "huge": version 9223372036854775808 is above the largest storable`},
		{"time after 2262", farFuture, `cannot upsert 2 posts: cannot store post "future": published_at: time 2500-01-01T00:00:00Z is outside the storable range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := storetest.NewPost("ok", 1, time.Now())
			err := s.UpsertPosts(ctx, []model.Post{ok, tt.post})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("UpsertPosts error = %v, want %q", err, tt.want)
			}
			if n, _ := s.CountPosts(ctx); n != 0 {
				t.Errorf("CountPosts = %d after a failed batch, want 0: a batch is all or nothing", n)
			}
		})
	}
}

// TestUpgradeFromV1 opens a database that migration 1 created and that
// holds a post, as the previous release left it: migration 2 adds the
// scheme column and the new tables, the old post reads back without
// schemes, and everything new works on it.
func TestUpgradeFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	old := storetest.NewPost("old", 1, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	old.Schemes = nil
	func() {
		db, err := sql.Open("sqlite", dsn(path, false))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		saved := migrations
		migrations = migrations[:1]
		defer func() { migrations = saved }()
		if err := migrate(ctx, db); err != nil {
			t.Fatalf("migration 1: %v", err)
		}
		// Version 1 had every column of the posts table but the two that
		// migration 2 added.
		values, err := store.PostsTable.Values(layout, &old)
		if err != nil {
			t.Fatal(err)
		}
		var v1Columns []string
		var v1Values []any
		for i, c := range store.PostsTable.ColumnNames(layout) {
			if c != "schemes" && c != "sentiment_evidence" {
				v1Columns, v1Values = append(v1Columns, c), append(v1Values, values[i])
			}
		}
		if _, err := db.ExecContext(ctx, upsertSQL("posts", v1Columns), v1Values...); err != nil {
			t.Fatalf("write a v1 post: %v", err)
		}
	}()

	want := fmt.Sprintf(`cannot open sqlite store %q: store schema is at version 1, this yuqing needs %d: run "yuqing migrate -config FILE"`, path, SchemaVersion())
	if s, err := Open(ctx, path, nil, nil); err == nil || err.Error() != want {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open before the upgrade: error %v, want %q", err, want)
	}
	if err := Migrate(ctx, path, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	s, err := Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatalf("Open after Migrate: %v", err)
	}
	defer s.Close()
	var versions []int
	rows, err := s.read.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	if want := allVersions(); !slices.Equal(versions, want) {
		t.Errorf("schema_migrations = %v, want %v", versions, want)
	}
	storetest.CheckUpgradedV1Post(t, s, old)
}

// TestAppendOnly checks that the database itself refuses to change or
// remove a correction or a dictionary entry.
func TestAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "x.db"), nil)
	defer s.Close()
	p := storetest.NewPost("p", 1, time.Now())
	if err := s.AppendCorrections(ctx, []model.SentimentCorrection{storetest.NewCorrection("c", p, model.Neutral, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendDictionary(ctx, []model.DictionaryEntry{storetest.NewWord("w", "青岚县", 0)}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE sentiment_corrections SET label = 'positive'`,
		`DELETE FROM sentiment_corrections`,
		`UPDATE user_dictionary SET removed = 1`,
		`DELETE FROM user_dictionary`,
	} {
		if _, err := s.write.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: error %v, want append-only", stmt, err)
		}
	}
}

// TestTablesMatchSchema checks that every table of the store's row
// mapping has, laid out for SQLite, exactly the columns the migrations
// create (besides the posts' rowid alias seq), each of the type its kind
// maps to.
func TestTablesMatchSchema(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "x.db"), nil)
	defer s.Close()
	tables := map[string][]store.PhysicalColumn{
		store.TablePosts:       store.PostsTable.Physical(layout),
		store.TableEvents:      store.EventsTable.Physical(layout),
		store.TableIncidents:   store.IncidentsTable.Physical(layout),
		store.TableHistory:     store.HistoryTable.Physical(layout),
		store.TableDeliveries:  store.DeliveriesTable.Physical(layout),
		store.TableCorrections: store.CorrectionsTable.Physical(layout),
		store.TableDictionary:  store.DictionaryTable.Physical(layout),
		store.TableFindings:    store.FindingsTable.Physical(layout),
		store.TableSettings:    store.SettingsTable.Physical(layout),
	}
	sqlType := map[store.Kind]string{store.KindString: "TEXT", store.KindInt: "INTEGER", store.KindUint64: "INTEGER",
		store.KindVersion: "INTEGER", store.KindFloat: "REAL", store.KindBool: "INTEGER", store.KindTime: "INTEGER"}
	for name, cols := range tables {
		var want []string
		for _, c := range cols {
			typ := sqlType[c.Kind]
			if c.JSON {
				typ = "TEXT"
			}
			want = append(want, c.Name+" "+typ)
		}
		rows, err := s.read.QueryContext(context.Background(), `SELECT name, type FROM pragma_table_info(?) WHERE name != 'seq'`, name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n, typ string
			if err := rows.Scan(&n, &typ); err != nil {
				t.Fatal(err)
			}
			got = append(got, n+" "+typ)
		}
		rows.Close()
		if !slices.Equal(got, want) {
			t.Errorf("table %s:\n got %q\nwant %q", name, got, want)
		}
	}
}

// allVersions returns the versions of every migration, in order.
func allVersions() []int {
	var vs []int
	for _, m := range migrations {
		vs = append(vs, m.version)
	}
	return vs
}

// TestOpenRequiresMigrate checks that Open changes no schema: it refuses a
// database that does not exist (creating no file) or lacks a migration,
// and says what to run, until Migrate (or WithMigrate) brings it up to
// date; and that Migrate is idempotent.
func TestOpenRequiresMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	_, err := Open(ctx, path, nil, nil)
	var behind *store.SchemaBehindError
	if !errors.As(err, &behind) || behind.Have != 0 || behind.Want != SchemaVersion() {
		t.Fatalf("Open of a missing file: error %v, want a SchemaBehindError at version 0", err)
	}
	want := fmt.Sprintf(`cannot open sqlite store %q: store schema is at version 0, this yuqing needs %d: run "yuqing migrate -config FILE"`, path, SchemaVersion())
	if err.Error() != want {
		t.Errorf("Open error = %q, want %q", err, want)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the file: %v", err)
	}
	for range 2 {
		if err := Migrate(ctx, path, nil); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	s, err := Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatalf("Open after Migrate: %v", err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, len(migrations))
	}
	s.Close()
}

// TestDerivedTablesMatchReleased checks that deriving a table from the
// store's row mapping (createTable) gives the tables released before it
// existed, column for column, and that a derived append-only table
// refuses changes: so a table derived for a later migration is what one
// written out would be.
func TestDerivedTablesMatchReleased(t *testing.T) {
	ctx := context.Background()
	released := open(t, filepath.Join(t.TempDir(), "released.db"), nil)
	defer released.Close()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "derived.db"), false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stmts []string
	stmts = append(stmts, createTable(store.EventsTable, false)...)
	stmts = append(stmts, createTable(store.IncidentsTable, false)...)
	stmts = append(stmts, createTable(store.HistoryTable, true)...)
	stmts = append(stmts, createTable(store.DeliveriesTable, false)...)
	stmts = append(stmts, createTable(store.CorrectionsTable, true)...)
	stmts = append(stmts, createTable(store.DictionaryTable, true)...)
	for _, stmt := range stmts {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	columns := func(db *sql.DB, table string) []string {
		rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull" OR pk, pk FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var name, typ string
			var notNull, pk int
			if err := rows.Scan(&name, &typ, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %s notnull=%d pk=%d", name, typ, notNull, pk))
		}
		return out
	}
	for _, table := range []string{store.TableEvents, store.TableIncidents, store.TableHistory, store.TableDeliveries, store.TableCorrections, store.TableDictionary} {
		if got, want := columns(db, table), columns(released.write, table); !slices.Equal(got, want) {
			t.Errorf("derived table %s:\n got %q\nwant %q", table, got, want)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO incident_history VALUES ('h', 'i', 1, 'a', 'b', '', '', '')`); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE incident_history SET reason = 'x'`, `DELETE FROM incident_history`} {
		if _, err := db.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "history entries are append-only") {
			t.Errorf("%s on a derived append-only table: error %v", stmt, err)
		}
	}
}
