package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/store"
)

// migration is one versioned schema step. Steps are applied in order, each
// in its own transaction together with its row in schema_migrations, so a
// step is either fully applied and recorded or not at all.
type migration struct {
	version int
	name    string
	stmts   []string
	// fn, when set, runs after stmts in the step's transaction: for data a
	// statement cannot compute well (the rollup's backfill).
	fn func(ctx context.Context, tx *sql.Tx) error
}

// migrations is the schema history. Append only: a released step is never
// edited, a change is a new step.
var migrations = []migration{
	{
		version: 1,
		name:    "posts, full-text index, events, incidents",
		stmts: []string{
			// seq is an INTEGER PRIMARY KEY so the full-text index can point
			// at a rowid that VACUUM never renumbers; id is the post's
			// deterministic ID and the key of every upsert. Times are Unix
			// nanoseconds (0 is the zero time), which round-trip exactly.
			`CREATE TABLE posts (
				seq INTEGER PRIMARY KEY,
				id TEXT NOT NULL UNIQUE,
				version INTEGER NOT NULL,
				schema INTEGER NOT NULL,
				url TEXT NOT NULL,
				source_id TEXT NOT NULL,
				source_name TEXT NOT NULL,
				source_kind TEXT NOT NULL,
				authority TEXT NOT NULL,
				region_code TEXT NOT NULL,
				title TEXT NOT NULL,
				body TEXT NOT NULL,
				author TEXT NOT NULL,
				origin TEXT NOT NULL,
				published_at INTEGER NOT NULL,
				published_at_source TEXT NOT NULL,
				fetched_at INTEGER NOT NULL,
				content_hash TEXT NOT NULL,
				encoding TEXT NOT NULL,
				analyzed_at INTEGER NOT NULL,
				sentiment_label TEXT NOT NULL,
				sentiment_score REAL NOT NULL,
				sentiment_negativity REAL NOT NULL,
				topics TEXT NOT NULL,
				keywords TEXT NOT NULL,
				regions TEXT NOT NULL,
				entities TEXT NOT NULL,
				simhash INTEGER NOT NULL,
				flags TEXT NOT NULL
			)`,
			// Newest-first listing, and the time range under every filter.
			`CREATE INDEX posts_published ON posts (published_at, id)`,
			`CREATE INDEX posts_source_published ON posts (source_id, published_at, id)`,
			`CREATE INDEX posts_sentiment_published ON posts (sentiment_label, published_at, id)`,
			// The trigram tokenizer indexes every three-character window, so
			// a Chinese substring of three or more characters is found
			// without word segmentation. It is an external-content table:
			// the text lives once, in posts, and the triggers keep the index
			// in step with every insert, upsert and delete.
			`CREATE VIRTUAL TABLE posts_fts USING fts5(
				title, body, content='posts', content_rowid='seq', tokenize='trigram'
			)`,
			`CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
				INSERT INTO posts_fts (rowid, title, body) VALUES (new.seq, new.title, new.body);
			END`,
			`CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
				INSERT INTO posts_fts (posts_fts, rowid, title, body) VALUES ('delete', old.seq, old.title, old.body);
			END`,
			`CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, body ON posts BEGIN
				INSERT INTO posts_fts (posts_fts, rowid, title, body) VALUES ('delete', old.seq, old.title, old.body);
				INSERT INTO posts_fts (rowid, title, body) VALUES (new.seq, new.title, new.body);
			END`,
			`CREATE TABLE events (
				id TEXT PRIMARY KEY,
				version INTEGER NOT NULL,
				title TEXT NOT NULL,
				first_post_id TEXT NOT NULL,
				first_seen INTEGER NOT NULL,
				last_seen INTEGER NOT NULL,
				post_count INTEGER NOT NULL,
				negative_count INTEGER NOT NULL,
				source_count INTEGER NOT NULL,
				heat REAL NOT NULL,
				keywords TEXT NOT NULL,
				simhashes TEXT NOT NULL,
				post_ids TEXT NOT NULL,
				sources TEXT NOT NULL,
				incident_id TEXT NOT NULL,
				merged_into TEXT NOT NULL
			)`,
			`CREATE INDEX events_last_seen ON events (last_seen, id)`,
			`CREATE TABLE incidents (
				id TEXT PRIMARY KEY,
				version INTEGER NOT NULL,
				event_id TEXT NOT NULL,
				title TEXT NOT NULL,
				level TEXT NOT NULL,
				state TEXT NOT NULL,
				opened_at INTEGER NOT NULL,
				clock_start INTEGER NOT NULL,
				reason TEXT NOT NULL,
				open INTEGER NOT NULL,
				detail TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX incidents_opened ON incidents (opened_at, id)`,
			`CREATE INDEX incidents_open_opened ON incidents (open, opened_at, id)`,
			`CREATE TABLE incident_history (
				id TEXT PRIMARY KEY,
				incident_id TEXT NOT NULL,
				at INTEGER NOT NULL,
				actor TEXT NOT NULL,
				action TEXT NOT NULL,
				from_state TEXT NOT NULL,
				to_state TEXT NOT NULL,
				reason TEXT NOT NULL
			)`,
			`CREATE INDEX incident_history_incident ON incident_history (incident_id, at, id)`,
			// History is append-only: the database itself refuses to change
			// or remove an entry, whatever code runs against it.
			`CREATE TRIGGER incident_history_no_update BEFORE UPDATE ON incident_history
				BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END`,
			`CREATE TRIGGER incident_history_no_delete BEFORE DELETE ON incident_history
				BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END`,
			`CREATE TABLE deliveries (
				id TEXT PRIMARY KEY,
				key TEXT NOT NULL,
				incident_id TEXT NOT NULL,
				at INTEGER NOT NULL,
				final INTEGER NOT NULL,
				detail TEXT NOT NULL
			)`,
			`CREATE INDEX deliveries_key ON deliveries (key, final)`,
			`CREATE INDEX deliveries_incident ON deliveries (incident_id, at, id)`,
		},
	},
	{
		version: 2,
		name:    "scheme hits of posts, sentiment evidence and topic terms, sentiment corrections, user dictionary",
		stmts: []string{
			// The monitoring schemes a post matched, as JSON. Posts stored
			// before this step matched none that was recorded.
			`ALTER TABLE posts ADD COLUMN schemes TEXT NOT NULL DEFAULT '[]'`,
			// The words the sentiment rests on (model.Sentiment.Evidence), as
			// JSON; topics already keep their terms inside their JSON.
			`ALTER TABLE posts ADD COLUMN sentiment_evidence TEXT NOT NULL DEFAULT '[]'`,
			// post_schemes indexes posts by scheme ID for the scheme filter;
			// like the full-text index, triggers keep it in step with every
			// insert, upsert and delete of a post.
			`CREATE TABLE post_schemes (
				scheme_id TEXT NOT NULL,
				post_seq INTEGER NOT NULL,
				PRIMARY KEY (scheme_id, post_seq)
			) WITHOUT ROWID`,
			`CREATE INDEX post_schemes_post ON post_schemes (post_seq)`,
			`CREATE TRIGGER posts_schemes_insert AFTER INSERT ON posts BEGIN
				INSERT OR IGNORE INTO post_schemes (scheme_id, post_seq)
					SELECT json_extract(value, '$.id'), new.seq FROM json_each(new.schemes)
					WHERE json_extract(value, '$.id') IS NOT NULL;
			END`,
			`CREATE TRIGGER posts_schemes_update AFTER UPDATE OF schemes ON posts BEGIN
				DELETE FROM post_schemes WHERE post_seq = old.seq;
				INSERT OR IGNORE INTO post_schemes (scheme_id, post_seq)
					SELECT json_extract(value, '$.id'), new.seq FROM json_each(new.schemes)
					WHERE json_extract(value, '$.id') IS NOT NULL;
			END`,
			`CREATE TRIGGER posts_schemes_delete AFTER DELETE ON posts BEGIN
				DELETE FROM post_schemes WHERE post_seq = old.seq;
			END`,
			// Officers' sentiment corrections, append-only like the
			// incident history; the latest per post (at, then id) wins.
			`CREATE TABLE sentiment_corrections (
				id TEXT PRIMARY KEY,
				post_id TEXT NOT NULL,
				label TEXT NOT NULL,
				corrected_by TEXT NOT NULL,
				at INTEGER NOT NULL,
				note TEXT NOT NULL,
				model_label TEXT NOT NULL,
				title TEXT NOT NULL,
				body TEXT NOT NULL
			)`,
			`CREATE INDEX sentiment_corrections_post ON sentiment_corrections (post_id, at, id)`,
			`CREATE TRIGGER sentiment_corrections_no_update BEFORE UPDATE ON sentiment_corrections
				BEGIN SELECT RAISE(ABORT, 'sentiment corrections are append-only'); END`,
			`CREATE TRIGGER sentiment_corrections_no_delete BEFORE DELETE ON sentiment_corrections
				BEGIN SELECT RAISE(ABORT, 'sentiment corrections are append-only'); END`,
			// The user dictionary as an append-only log of changes; the
			// latest entry per word (at, then id) says whether it is in.
			`CREATE TABLE user_dictionary (
				id TEXT PRIMARY KEY,
				word TEXT NOT NULL,
				freq REAL NOT NULL,
				pos TEXT NOT NULL,
				changed_by TEXT NOT NULL,
				at INTEGER NOT NULL,
				removed INTEGER NOT NULL
			)`,
			`CREATE INDEX user_dictionary_word ON user_dictionary (word, at, id)`,
			`CREATE TRIGGER user_dictionary_no_update BEFORE UPDATE ON user_dictionary
				BEGIN SELECT RAISE(ABORT, 'the user dictionary log is append-only'); END`,
			`CREATE TRIGGER user_dictionary_no_delete BEFORE DELETE ON user_dictionary
				BEGIN SELECT RAISE(ABORT, 'the user dictionary log is append-only'); END`,
		},
	},
	{
		version: 3,
		name:    "indexes for the tier and source-kind filters of the read side",
		stmts: []string{
			// Dashboards and briefs count a time window's posts of one tier
			// or one kind of source; topics, regions and schemes are found
			// within the window's posts through their JSON.
			`CREATE INDEX posts_authority_published ON posts (authority, published_at, id)`,
			`CREATE INDEX posts_kind_published ON posts (source_kind, published_at, id)`,
		},
	},
	{
		version: 4,
		name:    "accounts, sessions, API tokens, failed-login counters, the audit log",
		stmts:   accountsMigration(),
	},
	{
		version: 5,
		name:    "briefs",
		stmts: append(createTable(store.BriefsTable, false),
			// A 期号 is never given twice: the database itself refuses a
			// second brief of one type, year and number.
			`CREATE UNIQUE INDEX briefs_number ON briefs (type, year, number) WHERE number > 0`,
			`CREATE INDEX briefs_created ON briefs (created_at, id)`),
	},
	{
		version: 6,
		name:    "inspection findings of own portals",
		stmts: append(createTable(store.FindingsTable, false),
			`CREATE INDEX inspection_findings_portal ON inspection_findings (portal, state, kind)`),
	},
	// Step 7 (issue 16): the full-text index is written behind the posts
	// instead of in their transaction (see fts.go). fts_progress holds the
	// highest seq the index covers; the triggers keep only that covered
	// part in step with updates and deletes, and the indexer adds the rest.
	{
		version: 7,
		name:    "full-text index maintained behind the writes",
		stmts: []string{
			`CREATE TABLE fts_progress (
				id INTEGER PRIMARY KEY CHECK (id = 1),
				indexed_seq INTEGER NOT NULL
			)`,
			// Every post stored so far is indexed by the old triggers.
			`INSERT INTO fts_progress (id, indexed_seq) VALUES (1, coalesce((SELECT max(seq) FROM posts), 0))`,
			`DROP TRIGGER posts_fts_insert`,
			`DROP TRIGGER posts_fts_delete`,
			`DROP TRIGGER posts_fts_update`,
			// A new row normally gets a seq above the covered part; one that
			// reuses a seq inside it (after the newest post was deleted) is
			// indexed at once.
			`CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts
				WHEN new.seq <= (SELECT indexed_seq FROM fts_progress) BEGIN
				INSERT INTO posts_fts (rowid, title, body) VALUES (new.seq, new.title, new.body);
			END`,
			`CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts
				WHEN old.seq <= (SELECT indexed_seq FROM fts_progress) BEGIN
				INSERT INTO posts_fts (posts_fts, rowid, title, body) VALUES ('delete', old.seq, old.title, old.body);
			END`,
			`CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, body ON posts
				WHEN old.seq <= (SELECT indexed_seq FROM fts_progress) BEGIN
				INSERT INTO posts_fts (posts_fts, rowid, title, body) VALUES ('delete', old.seq, old.title, old.body);
				INSERT INTO posts_fts (rowid, title, body) VALUES (new.seq, new.title, new.body);
			END`,
		},
	},
	// Step 8 (issue 12): the settings people change while the system runs
	// (monitoring schemes, duty shifts), an append-only log whose latest
	// change per kind and key is in force.
	{
		version: 8,
		name:    "settings changed at run time: monitoring schemes, duty shifts",
		stmts: append(createTable(store.SettingsTable, true),
			`CREATE INDEX setting_changes_key ON setting_changes (kind, setting_key, at, id)`),
	},
	// Step 9 (issue 12): post counts per hour and dimension, kept in the
	// posts' own transaction and filled from the posts stored already
	// (rollup.go); the read side counts a window from them.
	{
		version: 9,
		name:    "post counts per hour and dimension (rollup)",
		stmts:   rollupMigration(),
		fn:      rollupBackfill,
	},
	// Step 10 (issue 12): the outcome of every poll of the crawler, the
	// sources' status the console shows.
	{
		version: 10,
		name:    "poll records of the sources (status)",
		stmts: append(createTable(store.SourcePollsTable, false),
			`CREATE INDEX source_polls_source ON source_polls (source_id, at)`),
	},
}

// createTable derives the statements that create the table keeping st: a
// NOT NULL column for every column of st in the driver's layout, TEXT,
// INTEGER or REAL as its kind is kept, the first (id) the primary key;
// with appendOnly, triggers make the database itself refuse to change or
// remove a row, whatever code runs against it. Tables a migration after
// schema version 3 creates are derived this way, so a new table is
// written once, in store; the earlier ones are spelled out above as they
// were released (a test checks that they agree with the derivation).
func createTable[T any](st *store.Table[T], appendOnly bool) []string {
	var defs []string
	for i, c := range st.Physical(layout) {
		typ := "TEXT"
		switch {
		case c.JSON:
		case c.Kind == store.KindFloat:
			typ = "REAL"
		case c.Kind != store.KindString:
			typ = "INTEGER"
		}
		def := c.Name + " " + typ + " NOT NULL"
		if i == 0 {
			def = c.Name + " " + typ + " PRIMARY KEY"
		}
		defs = append(defs, def)
	}
	stmts := []string{fmt.Sprintf("CREATE TABLE %s (\n\t%s\n)", st.Name, strings.Join(defs, ",\n\t"))}
	if appendOnly {
		for _, op := range []string{"UPDATE", "DELETE"} {
			stmts = append(stmts, fmt.Sprintf("CREATE TRIGGER %[1]s_no_%[2]s BEFORE %[3]s ON %[1]s\n\tBEGIN SELECT RAISE(ABORT, '%[4]s are append-only'); END",
				st.Name, strings.ToLower(op), op, st.Plural))
		}
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

// migrate brings the database to the current schema. It is idempotent and
// safe to run from several processes at once: each step runs in an
// IMMEDIATE transaction (db must be opened with _txlock=immediate, as
// openWriter does) that first checks whether the step is already
// recorded. It refuses a database whose schema is newer than this binary
// knows.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("cannot create table schema_migrations: %w", err)
	}
	if _, err := appliedSteps(ctx, db); err != nil {
		return err
	}
	for _, m := range migrations {
		if err := apply(ctx, db, m); err != nil {
			return fmt.Errorf("cannot apply migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// checkSchema returns a *store.SchemaBehindError unless the database has
// every migration this binary knows; it changes nothing.
func checkSchema(ctx context.Context, db *sql.DB) error {
	applied, err := appliedSteps(ctx, db)
	if err != nil {
		return err
	}
	return store.CheckSteps(applied, steps())
}

// appliedSteps returns the migrations the database has recorded (none
// when it has no schema_migrations table), refusing a database whose
// schema is newer than this binary knows.
func appliedSteps(ctx context.Context, db *sql.DB) (map[int]bool, error) {
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	if tables == 0 {
		return applied, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	defer rows.Close()
	newest := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
		}
		applied[v], newest = true, max(newest, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	if newest > SchemaVersion() {
		return nil, fmt.Errorf("database schema version %d is newer than this binary's %d: upgrade yuqing", newest, SchemaVersion())
	}
	return applied, nil
}

func apply(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if m.fn != nil {
		if err := m.fn(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	return tx.Commit()
}
