package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// migration is one versioned schema step. ClickHouse has no transactional
// DDL, so every statement of a step is idempotent (IF NOT EXISTS): a step
// interrupted before it was recorded is simply run again.
type migration struct {
	version int
	name    string
	stmts   func(database, cluster string, f features, o schemaOptions) []string
	// added are columns the step adds to tables that exist, after its
	// stmts. 18.16 has no ADD COLUMN IF NOT EXISTS, so migrate adds only
	// the columns a table lacks, which keeps the step idempotent.
	added []addedColumns
	// indexes are skip indexes the step adds to tables that exist, on
	// servers that have skip indexes, only where a table lacks them.
	indexes []addedIndex
	// backfill, when set, fills what the step created from the data
	// stored, after its statements and before the step is recorded; it
	// must be safe to run again after an interruption.
	backfill func(ctx context.Context, s *Store) error
}

// addedIndex is a skip index a migration adds to one table. It covers the
// parts written from then on; older parts get it as merges rewrite them
// (or at once with ALTER TABLE ... MATERIALIZE INDEX, an operator's choice:
// it rewrites the table).
type addedIndex struct {
	table string
	index skipIndex
}

// addedColumns are columns a migration adds to one table.
type addedColumns struct {
	table   string
	columns []column
}

// migrations is the schema history. Append only: a released step is never
// edited, a change is a new step.
var migrations = []migration{
	{
		version: 1,
		name:    "posts, events, incidents, incident history, deliveries",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return creates(database, cluster, f, postsTable(o), eventsTable, incidentsTable, historyTable, deliveriesTable)
		},
	},
	{
		version: 2,
		name:    "scheme hits of posts, sentiment evidence and topic terms, sentiment corrections, user dictionary",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return creates(database, cluster, f, correctionsTable, dictionaryTable)
		},
		added: []addedColumns{{table: "posts", columns: postsAdded}},
	},
	{
		version: 3,
		name:    "skip indexes for the tier and source-kind filters of the read side",
		stmts:   func(database, cluster string, f features, o schemaOptions) []string { return nil },
		indexes: []addedIndex{
			{"posts", skipIndex{name: "authority_set", expr: "authority", typ: "set(16)", granularity: 4}},
			{"posts", skipIndex{name: "source_kind_set", expr: "source_kind", typ: "set(16)", granularity: 4}},
		},
	},
	{
		version: 4,
		name:    "accounts, sessions, API tokens, failed-login counters, the audit log",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return creates(database, cluster, f, accountsTables...)
		},
	},
	{
		version: 5,
		name:    "briefs",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return creates(database, cluster, f, briefsTable)
		},
	},
	{
		version: 6,
		name:    "inspection findings of own portals",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return []string{findingsTable.createSQL(database, cluster, f)}
		},
	},
	// Step 7 (issue 12): the settings people change while the system runs
	// (monitoring schemes, duty shifts).
	{
		version: 7,
		name:    "settings changed at run time: monitoring schemes, duty shifts",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return creates(database, cluster, f, settingsTable)
		},
	},
	// Step 8 (issue 12): the outcome of every poll of the crawler, the
	// sources' status the console shows.
	{
		version: 8,
		name:    "poll records of the sources (status)",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return creates(database, cluster, f, sourcePollsTable)
		},
	},
	{
		version: 9,
		name:    "post counts per hour for the read side (rollup.go), filled from the posts stored",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return append(creates(database, cluster, f, postCountedTable(o), postRollupTable(o)), rollupViewSQL(database, cluster))
		},
		// Step 9 filled the rollup here when it was released; step 11,
		// which adds the timeline, now fills both (backfillRollup writes
		// the column step 10 adds), so a database migrated through 9 to 11
		// in one run is counted once, and one at 9 is counted again.
	},
	{
		version: 10,
		name:    "publish times of the counted posts, for the timeline (rollup.go)",
		stmts:   func(database, cluster string, f features, o schemaOptions) []string { return nil },
		added:   []addedColumns{{table: "post_counted", columns: postCountedAdded}},
	},
	{
		version: 11,
		name:    "the counted posts by publish time, for the parts of a window outside whole hours (rollup.go), filled with the rollup from the posts stored",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return append(creates(database, cluster, f, postTimelineTable(o)), timelineViewSQL(database, cluster))
		},
		backfill: backfillRollup,
	},
	{
		version: 12,
		name:    "the superseded versions of posts, for reads without FINAL (superseded.go), filled from the posts stored",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return creates(database, cluster, f, postSupersededTable(o))
		},
		backfill: backfillSuperseded,
	},
	{
		version: 13,
		name:    "the searchable columns of posts sorted by publish time (search.go), filled from the posts stored",
		stmts: func(database, cluster string, f features, o schemaOptions) []string {
			return append(creates(database, cluster, f, postSearchTable(o)), searchViewSQL(database, cluster))
		},
		backfill: backfillSearch,
	},
}

// creates returns the statements that create tables (see createStmts).
func creates(database, cluster string, f features, tables ...table) []string {
	var stmts []string
	for _, t := range tables {
		stmts = append(stmts, t.createStmts(database, cluster, f)...)
	}
	return stmts
}

// SchemaVersion is the schema version Migrate brings a database to, and
// the version Open requires.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// steps returns the version of every migration, in order.
func steps() []int {
	var out []int
	for _, m := range migrations {
		out = append(out, m.version)
	}
	return out
}

// migrate creates the database if missing and applies the steps not yet
// recorded in its schema_migrations table. It refuses a database whose
// schema is newer than this binary knows.
func migrate(ctx context.Context, conn driver.Conn, database, cluster string, f features, o schemaOptions) error {
	onCluster := ""
	if cluster != "" {
		onCluster = " ON CLUSTER " + quote(cluster)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+quote(database)+onCluster); err != nil {
		return fmt.Errorf("cannot create database %q: %w", database, err)
	}
	for _, stmt := range schemaMigrations.createStmts(database, cluster, f) {
		if err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("cannot create table schema_migrations: %w", err)
		}
	}
	applied, err := appliedSteps(ctx, conn, database)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		for _, stmt := range m.stmts(database, cluster, f, o) {
			if err := conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("cannot apply migration %d (%s): %w", m.version, m.name, err)
			}
		}
		for _, a := range m.added {
			if err := addColumns(ctx, conn, database, cluster, a, f); err != nil {
				return fmt.Errorf("cannot apply migration %d (%s): %w", m.version, m.name, err)
			}
		}
		for _, ix := range m.indexes {
			if err := addIndex(ctx, conn, database, cluster, ix, f); err != nil {
				return fmt.Errorf("cannot apply migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if m.backfill != nil {
			s := &Store{conn: conn, database: database, cluster: cluster, features: f}
			if err := m.backfill(ctx, s); err != nil {
				return fmt.Errorf("cannot apply migration %d (%s): %w", m.version, m.name, err)
			}
		}
		batch, err := conn.PrepareBatch(ctx, schemaMigrations.insertSQL(database))
		if err != nil {
			return fmt.Errorf("cannot record migration %d: %w", m.version, err)
		}
		if err := batch.Append(uint32(m.version), m.name, time.Now().UTC()); err != nil {
			batch.Abort()
			return fmt.Errorf("cannot record migration %d: %w", m.version, err)
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("cannot record migration %d: %w", m.version, err)
		}
	}
	return nil
}

// appliedSteps returns the migrations database has recorded (none when it
// or its schema_migrations table does not exist), refusing a database
// whose schema is newer than this binary knows.
func appliedSteps(ctx context.Context, conn driver.Conn, database string) (map[int]bool, error) {
	var tables uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = 'schema_migrations'", database).Scan(&tables); err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	if tables == 0 {
		return applied, nil
	}
	rows, err := conn.Query(ctx, "SELECT DISTINCT version FROM "+quote(database)+".schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
		}
		applied[int(v)] = true
		if int(v) > SchemaVersion() {
			return nil, fmt.Errorf("database %q schema version %d is newer than this binary's %d: upgrade yuqing", database, v, SchemaVersion())
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	return applied, nil
}

// addColumns adds the columns of a that its table lacks, in one ALTER.
// A step interrupted after its ALTER and before it was recorded finds the
// columns there when it runs again, and adds nothing.
func addColumns(ctx context.Context, conn driver.Conn, database, cluster string, a addedColumns, f features) error {
	for _, name := range alteredTables(cluster, a.table) {
		if err := addColumnsTo(ctx, conn, database, cluster, name, a.columns, f); err != nil {
			return err
		}
	}
	return nil
}

// addColumnsTo adds the columns of cols that table name lacks.
func addColumnsTo(ctx context.Context, conn driver.Conn, database, cluster, name string, cols []column, f features) error {
	a := addedColumns{table: name, columns: cols}
	rows, err := conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ?", database, a.table)
	if err != nil {
		return fmt.Errorf("cannot read the columns of table %s: %w", a.table, err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("cannot read the columns of table %s: %w", a.table, err)
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read the columns of table %s: %w", a.table, err)
	}
	var missing []column
	for _, c := range a.columns {
		if !have[c.name] {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := conn.Exec(ctx, addColumnsSQL(database, cluster, a.table, missing, f)); err != nil {
		return fmt.Errorf("cannot add columns to table %s: %w", a.table, err)
	}
	return nil
}

// addIndex adds the skip index ix, on a server that has skip indexes and
// unless its table has it already, so a step interrupted after its ALTER
// and before it was recorded adds nothing when it runs again.
func addIndex(ctx context.Context, conn driver.Conn, database, cluster string, ix addedIndex, f features) error {
	if !f.SkipIndexes {
		return nil
	}
	var create string
	if err := conn.QueryRow(ctx, "SHOW CREATE TABLE "+quote(database)+"."+quote(indexedTable(cluster, ix.table))).Scan(&create); err != nil {
		return fmt.Errorf("cannot read the definition of table %s: %w", ix.table, err)
	}
	if hasIndex(create, ix.index.name) {
		return nil
	}
	if err := conn.Exec(ctx, addIndexSQL(database, cluster, ix, f)); err != nil {
		return fmt.Errorf("cannot add index %s to table %s: %w", ix.index.name, ix.table, err)
	}
	return nil
}

// hasIndex reports whether a CREATE TABLE statement defines the index
// name, quoted or not.
func hasIndex(create, name string) bool {
	return strings.Contains(create, "INDEX "+name+" ") || strings.Contains(create, "INDEX "+quote(name)+" ")
}
