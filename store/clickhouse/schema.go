package clickhouse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/store"
)

// The schema is defined once, here, as Go values; the DDL for a particular
// server is generated from it (createSQL), adding the clauses only newer
// servers understand (LowCardinality, codecs, skip indexes, TTL) when the
// server has them. So the 18.16 that Debian ships and the 23.8+ production
// target get the same tables, columns and keys.

// column is one column of a table.
type column struct {
	name string
	// typ is the column type without the optional clauses, e.g. String or
	// Array(String).
	typ string
	// lowCardinality wraps the String in typ in LowCardinality(...) where
	// supported: for columns with few distinct values (sources, labels).
	lowCardinality bool
	// codec is the compression codec where supported, e.g. ZSTD(3).
	codec string
	// materialized, when set, is the expression the server computes the
	// column from; the column is never inserted.
	materialized string
}

// skipIndex is a data-skipping index, created where supported.
type skipIndex struct {
	name, expr, typ string
	granularity     int
}

// table is one table of the schema.
type table struct {
	name    string
	columns []column
	// version is the ReplacingMergeTree version column; of the rows with
	// one sorting key, the one with the highest version survives merges
	// and FINAL.
	version     string
	partitionBy string // empty: one partition
	orderBy     string
	// ttl is the TTL expression where supported, e.g. published_at + INTERVAL 365 DAY.
	ttl     string
	indexes []skipIndex
	// sum, when set, makes the table a SummingMergeTree adding up these
	// columns of the rows with one sorting key (the rollup), instead of a
	// ReplacingMergeTree.
	sum []string
	// shardBy, when set, is the column whose hash shards the table on a
	// cluster, instead of the first of the sorting key.
	shardBy string
}

// features are the optional DDL clauses a server supports.
type features struct {
	LowCardinality bool
	Codecs         bool
	SkipIndexes    bool
	TTL            bool
}

// featuresOf returns the clauses the server of version (as SELECT version()
// gives it, e.g. 18.16.1 or 23.8.2.7) supports. Each came in a 19.x release,
// several behind experimental settings at first; 20.3, the first LTS with
// all of them generally available, is the threshold for all four.
func featuresOf(version string) (features, error) {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return features{}, fmt.Errorf("cannot parse ClickHouse version %q", version)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return features{}, fmt.Errorf("cannot parse ClickHouse version %q", version)
	}
	modern := major > 20 || major == 20 && minor >= 3
	return features{LowCardinality: modern, Codecs: modern, SkipIndexes: modern, TTL: modern}, nil
}

// Options that change the generated schema.
type schemaOptions struct {
	// retention, when positive, is how long posts are kept after their
	// publish time (a TTL, where supported).
	retention time.Duration
}

// schemaMigrations records the applied migrations. ReplacingMergeTree
// without a version keeps one row per version number, so two processes
// migrating at once leave one record.
var schemaMigrations = table{
	name: "schema_migrations",
	columns: []column{
		{name: "version", typ: "UInt32"},
		{name: "name", typ: "String"},
		{name: "applied_at", typ: "DateTime"},
	},
	orderBy: "version",
}

// postsTable is the posts table as migration 1 created it. Later steps
// add columns to it (postsAdded); currentPosts is the table with them.
//
// Its sorting key is (id) alone, because a ReplacingMergeTree deduplicates
// by sorting key: with (published_at, id), a version whose publish time
// changed (a corrected date, or a page without one, whose fetch time stands
// in) would have a new key and show up as a second row. Time-range queries
// are served instead by the month partitions (they prune whole months) and,
// where supported, a minmax skip index on published_at that skips granules
// inside a month.
//
// Times are Int64 Unix nanoseconds (0 is the zero time), exact to the
// nanosecond and available on every server; published_at is a DateTime
// computed from published_at_ns for partitioning, pruning and dashboards.
//
// The slices of a post are parallel arrays (topic_names[i] goes with
// topic_scores[i]), which every server supports and SQL can ARRAY JOIN.
func postsTable(o schemaOptions) table {
	t := table{
		name: "posts",
		columns: []column{
			{name: "id", typ: "String"},
			{name: "version", typ: "UInt64"},
			{name: "schema", typ: "Int64"},
			{name: "url", typ: "String", codec: "ZSTD(1)"},
			{name: "source_id", typ: "String", lowCardinality: true},
			{name: "source_name", typ: "String", lowCardinality: true},
			{name: "source_kind", typ: "String", lowCardinality: true},
			{name: "authority", typ: "String", lowCardinality: true},
			{name: "region_code", typ: "String", lowCardinality: true},
			{name: "title", typ: "String", codec: "ZSTD(1)"},
			{name: "body", typ: "String", codec: "ZSTD(3)"},
			{name: "author", typ: "String", codec: "ZSTD(1)"},
			{name: "origin", typ: "String", lowCardinality: true},
			{name: "published_at_ns", typ: "Int64"},
			{name: "published_at", typ: "DateTime('UTC')", materialized: "toDateTime(intDiv(published_at_ns, 1000000000))"},
			{name: "published_at_source", typ: "String", lowCardinality: true},
			{name: "fetched_at_ns", typ: "Int64"},
			{name: "content_hash", typ: "String", codec: "ZSTD(1)"},
			{name: "encoding", typ: "String", lowCardinality: true},
			{name: "analyzed_at_ns", typ: "Int64"},
			{name: "sentiment_label", typ: "String", lowCardinality: true},
			{name: "sentiment_score", typ: "Float64"},
			{name: "sentiment_negativity", typ: "Float64"},
			{name: "topic_names", typ: "Array(String)", lowCardinality: true},
			{name: "topic_scores", typ: "Array(Float64)"},
			{name: "keyword_words", typ: "Array(String)"},
			{name: "keyword_weights", typ: "Array(Float64)"},
			{name: "region_codes", typ: "Array(String)", lowCardinality: true},
			{name: "region_names", typ: "Array(String)", lowCardinality: true},
			{name: "region_roles", typ: "Array(String)", lowCardinality: true},
			{name: "entity_texts", typ: "Array(String)"},
			{name: "entity_kinds", typ: "Array(String)", lowCardinality: true},
			{name: "simhash", typ: "UInt64"},
			{name: "flags", typ: "Array(String)", lowCardinality: true},
		},
		version:     "version",
		partitionBy: "toYYYYMM(published_at)",
		orderBy:     "id",
		indexes: []skipIndex{
			{name: "published_at_minmax", expr: "published_at_ns", typ: "minmax", granularity: 1},
			{name: "source_id_set", expr: "source_id", typ: "set(1000)", granularity: 4},
			{name: "sentiment_label_set", expr: "sentiment_label", typ: "set(3)", granularity: 4},
		},
	}
	if days := int(o.retention / (24 * time.Hour)); days > 0 {
		t.ttl = fmt.Sprintf("published_at + INTERVAL %d DAY", days)
	}
	return t
}

// postsAdded are the columns migration 2 added to the posts table: the
// monitoring schemes a post matched (model.Post.Schemes), as parallel arrays
// (scheme_terms[i] are the words that matched scheme_ids[i]); the words its
// sentiment rests on (model.Sentiment.Evidence); and the terms of each topic,
// parallel to topic_names (empty for posts stored before migration 2).
var postsAdded = []column{
	{name: "scheme_ids", typ: "Array(String)", lowCardinality: true},
	{name: "scheme_names", typ: "Array(String)", lowCardinality: true},
	{name: "scheme_terms", typ: "Array(Array(String))"},
	{name: "scheme_alerts", typ: "Array(UInt8)"},
	{name: "sentiment_evidence", typ: "Array(String)"},
	{name: "topic_terms", typ: "Array(Array(String))"},
}

// currentPosts is the posts table with every column the migrations gave
// it, in the order the store writes and reads them.
func currentPosts(o schemaOptions) table {
	t := postsTable(o)
	t.columns = append(slices.Clone(t.columns), postsAdded...)
	return t
}

// eventsTable is the events table. Events are few and their times change
// with every version, so it is one partition sorted by id: a partition key
// on a changing time would only scatter the versions of one event.
var eventsTable = table{
	name: "events",
	columns: []column{
		{name: "id", typ: "String"},
		{name: "version", typ: "UInt64"},
		{name: "title", typ: "String"},
		{name: "first_post_id", typ: "String"},
		{name: "first_seen_ns", typ: "Int64"},
		{name: "last_seen_ns", typ: "Int64"},
		{name: "post_count", typ: "Int64"},
		{name: "negative_count", typ: "Int64"},
		{name: "source_count", typ: "Int64"},
		{name: "heat", typ: "Float64"},
		{name: "keywords", typ: "Array(String)"},
		{name: "simhashes", typ: "Array(UInt64)"},
		{name: "post_ids", typ: "Array(String)", codec: "ZSTD(1)"},
		{name: "sources", typ: "Array(String)", lowCardinality: true},
		{name: "incident_id", typ: "String"},
		{name: "merged_into", typ: "String"},
	},
	version: "version",
	orderBy: "id",
}

// incidentsTable is the incidents table, kept like events.
var incidentsTable = table{
	name: "incidents",
	columns: []column{
		{name: "id", typ: "String"},
		{name: "version", typ: "UInt64"},
		{name: "event_id", typ: "String"},
		{name: "title", typ: "String"},
		{name: "level", typ: "String", lowCardinality: true},
		{name: "state", typ: "String", lowCardinality: true},
		{name: "opened_at_ns", typ: "Int64"},
		{name: "clock_start_ns", typ: "Int64"},
		{name: "reason", typ: "String"},
		{name: "open", typ: "UInt8"},
		{name: "detail", typ: "String", codec: "ZSTD(1)"},
	},
	version: "version",
	orderBy: "id",
}

// historyTable is the append-only incident history. An entry is never
// changed; ReplacingMergeTree without a version only folds an entry
// appended twice by a retried write, whose ID (in the order key) is the same.
var historyTable = table{
	name: "incident_history",
	columns: []column{
		{name: "id", typ: "String"},
		{name: "incident_id", typ: "String"},
		{name: "at_ns", typ: "Int64"},
		{name: "actor", typ: "String", lowCardinality: true},
		{name: "action", typ: "String", lowCardinality: true},
		{name: "from_state", typ: "String", lowCardinality: true},
		{name: "to_state", typ: "String", lowCardinality: true},
		{name: "reason", typ: "String"},
	},
	orderBy: "incident_id, id",
}

// tableOf derives the table that keeps st: a column for every column of
// st in the driver's layout, of the type its kind maps to (typeOf), with
// the optional clauses of hints (LowCardinality, codecs) by column name; a
// versioned table is replaced by its version. Tables a migration after
// schema version 3 creates are derived this way, so a new table is written
// once, in store; the earlier ones are spelled out above as they were
// released (a test checks that they agree with the derivation).
func tableOf[T any](st *store.Table[T], orderBy string, hints ...column) table {
	t := table{name: st.Name, orderBy: orderBy}
	if st.Versioned() {
		t.version = "version"
	}
	for _, pc := range st.Physical(layout) {
		c := column{name: pc.Name, typ: typeOf(pc)}
		for _, h := range hints {
			if h.name == pc.Name {
				c.lowCardinality, c.codec = h.lowCardinality, h.codec
			}
		}
		t.columns = append(t.columns, c)
	}
	return t
}

// typeOf returns the type that keeps a column of c's kind.
func typeOf(c store.PhysicalColumn) string {
	typ, ok := map[store.Kind]string{
		store.KindString: "String", store.KindInt: "Int64", store.KindUint64: "UInt64", store.KindVersion: "UInt64",
		store.KindFloat: "Float64", store.KindBool: "UInt8", store.KindTime: "Int64",
		store.KindStrings: "Array(String)", store.KindUint64s: "Array(UInt64)",
	}[c.Kind]
	if !ok {
		panic(fmt.Sprintf("BUG: column %s has kind %d, which no type keeps", c.Name, c.Kind))
	}
	if c.Part {
		typ = "Array(" + typ + ")"
	}
	return typ
}

// insertColumns returns the columns an INSERT names: all but the
// materialized ones. 18.16 accepts batch inserts only with named columns.
func (t table) insertColumns() []string {
	var cols []string
	for _, c := range t.columns {
		if c.materialized == "" {
			cols = append(cols, c.name)
		}
	}
	return cols
}

// selectList is the comma-separated insertColumns, which is also what the
// store reads back.
func (t table) selectList() string { return strings.Join(t.insertColumns(), ", ") }

// insertSQL is the INSERT statement for a batch into database.t.
func (t table) insertSQL(database string) string {
	return fmt.Sprintf("INSERT INTO %s.%s (%s)", quote(database), quote(t.name), t.selectList())
}

// createSQL generates CREATE TABLE IF NOT EXISTS for database.t on a server
// with features f, single node. For a cluster it is the statements of
// clusterSQL joined (the golden files show them; migrate runs them one by
// one through createStmts).
func (t table) createSQL(database, cluster string, f features) string {
	return strings.Join(t.createStmts(database, cluster, f), ";\n\n")
}

// createStmts generates the statements that create database.t: one
// CREATE TABLE single node; on a cluster, the replicated local table and
// the Distributed table over it (see localName).
func (t table) createStmts(database, cluster string, f features) []string {
	if cluster == "" {
		return []string{t.localSQL(database, "", t.name, f)}
	}
	local := localName(t.name)
	return []string{
		t.localSQL(database, cluster, local, f),
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s ON CLUSTER %s AS %s.%s\nENGINE = Distributed(%s, %s, %s, %s)",
			quote(database), quote(t.name), quote(cluster), quote(database), quote(local),
			quote(cluster), quote(database), quote(local), t.shardingKey()),
	}
}

// On a cluster every table is two: name_local, a ReplicatedReplacingMergeTree
// on every node holding its shard's rows (replicated through Keeper by the
// {shard} and {replica} macros), and name, a Distributed table over the
// local ones on every node, which the store reads and writes as it does the
// single-node table. The Distributed table routes a row by its sharding
// key (shardingKey), a hash of the first column of the sorting key, so
// every version of a row (every version of a post, by id) lands on one
// shard, where the merge and FINAL replace it; a read fans out to one
// replica of each shard.
func localName(name string) string { return name + "_local" }

// shardingKey is the Distributed table's sharding expression: a hash of
// the first column of the sorting key (the id for posts, events and
// incidents; the incident for its history).
func (t table) shardingKey() string {
	if t.shardBy != "" {
		return "cityHash64(" + t.shardBy + ")"
	}
	first := strings.TrimSpace(strings.SplitN(t.orderBy, ",", 2)[0])
	return "cityHash64(" + first + ")"
}

// localSQL is the CREATE TABLE of the MergeTree table named name keeping
// t: ON CLUSTER with the Replicated engine when cluster is set, its
// ZooKeeper path keyed by shard macro, database and table.
func (t table) localSQL(database, cluster, name string, f features) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s", quote(database), quote(name))
	if cluster != "" {
		fmt.Fprintf(&b, " ON CLUSTER %s", quote(cluster))
	}
	b.WriteString("\n(\n")
	var defs []string
	for _, c := range t.columns {
		defs = append(defs, "    "+c.def(f))
	}
	if f.SkipIndexes {
		for _, ix := range t.indexes {
			defs = append(defs, fmt.Sprintf("    INDEX %s %s TYPE %s GRANULARITY %d", quote(ix.name), ix.expr, ix.typ, ix.granularity))
		}
	}
	b.WriteString(strings.Join(defs, ",\n"))
	b.WriteString("\n)\nENGINE = ")
	engine := "ReplacingMergeTree"
	if len(t.sum) > 0 {
		engine = "SummingMergeTree"
	}
	var args []string
	if cluster != "" {
		engine = "Replicated" + engine
		args = append(args, fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s'", database, name), "'{replica}'")
	}
	if t.version != "" {
		args = append(args, t.version)
	}
	if len(t.sum) > 0 {
		args = append(args, "("+strings.Join(t.sum, ", ")+")")
	}
	fmt.Fprintf(&b, "%s(%s)", engine, strings.Join(args, ", "))
	if t.partitionBy != "" {
		b.WriteString("\nPARTITION BY " + t.partitionBy)
	}
	b.WriteString("\nORDER BY (" + t.orderBy + ")")
	if t.ttl != "" && f.TTL {
		b.WriteString("\nTTL " + t.ttl)
	}
	return b.String()
}

// def is c's definition in CREATE TABLE or ALTER TABLE ADD COLUMN on a
// server with features f.
func (c column) def(f features) string {
	typ := c.typ
	if c.lowCardinality && f.LowCardinality {
		typ = strings.Replace(typ, "String", "LowCardinality(String)", 1)
	}
	def := quote(c.name) + " " + typ
	if c.materialized != "" {
		def += " MATERIALIZED " + c.materialized
	}
	if c.codec != "" && f.Codecs {
		def += " CODEC(" + c.codec + ")"
	}
	return def
}

// addColumnsSQL generates ALTER TABLE ADD COLUMN for cols of database.name.
// 18.16 has no ADD COLUMN IF NOT EXISTS, so the caller adds only the
// columns the table lacks (see migrate). On a cluster, name is the local
// or the Distributed table (both get the columns; see alteredTables).
func addColumnsSQL(database, cluster, name string, cols []column, f features) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ALTER TABLE %s.%s", quote(database), quote(name))
	if cluster != "" {
		fmt.Fprintf(&b, " ON CLUSTER %s", quote(cluster))
	}
	for i, c := range cols {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    ADD COLUMN " + c.def(f))
	}
	return b.String()
}

// alteredTables are the tables an ALTER ADD COLUMN of table name changes:
// the table itself single node; on a cluster the local table first, then
// the Distributed one over it.
func alteredTables(cluster, name string) []string {
	if cluster == "" {
		return []string{name}
	}
	return []string{localName(name), name}
}

// indexedTable is the table a skip index of table name goes on: the
// MergeTree table (on a cluster the local one; a Distributed table has no
// data to index).
func indexedTable(cluster, name string) string {
	if cluster == "" {
		return name
	}
	return localName(name)
}

// addIndexSQL generates ALTER TABLE ADD INDEX for ix on a server with
// features f, or "" on one without skip indexes.
func addIndexSQL(database, cluster string, ix addedIndex, f features) string {
	if !f.SkipIndexes {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ALTER TABLE %s.%s", quote(database), quote(indexedTable(cluster, ix.table)))
	if cluster != "" {
		fmt.Fprintf(&b, " ON CLUSTER %s", quote(cluster))
	}
	fmt.Fprintf(&b, "\n    ADD INDEX %s %s TYPE %s GRANULARITY %d", quote(ix.index.name), ix.index.expr, ix.index.typ, ix.index.granularity)
	return b.String()
}

// quote quotes an identifier with backquotes.
func quote(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "\\`") + "`"
}

// deliveriesTable is the notification delivery log, append-only like the
// history; the order key starts with the delivery key, which the
// responder looks up before every send.
var deliveriesTable = table{
	name: "deliveries",
	columns: []column{
		{name: "id", typ: "String"},
		{name: "key", typ: "String"},
		{name: "incident_id", typ: "String"},
		{name: "at_ns", typ: "Int64"},
		{name: "final", typ: "UInt8"},
		{name: "detail", typ: "String", codec: "ZSTD(1)"},
	},
	orderBy: "key, id",
}

// correctionsTable holds officers' sentiment corrections, append-only like
// the history: ReplacingMergeTree without a version only folds a
// correction appended twice by a retried write. The order key starts with
// the post, whose latest correction the console looks up.
var correctionsTable = table{
	name: "sentiment_corrections",
	columns: []column{
		{name: "id", typ: "String"},
		{name: "post_id", typ: "String"},
		{name: "label", typ: "String", lowCardinality: true},
		{name: "corrected_by", typ: "String", lowCardinality: true},
		{name: "at_ns", typ: "Int64"},
		{name: "note", typ: "String"},
		{name: "model_label", typ: "String", lowCardinality: true},
		{name: "title", typ: "String", codec: "ZSTD(1)"},
		{name: "body", typ: "String", codec: "ZSTD(3)"},
	},
	orderBy: "post_id, id",
}

// dictionaryTable is the user dictionary's append-only log of changes,
// kept like the corrections; the order key starts with the word.
var dictionaryTable = table{
	name: "user_dictionary",
	columns: []column{
		{name: "id", typ: "String"},
		{name: "word", typ: "String"},
		{name: "freq", typ: "Float64"},
		{name: "pos", typ: "String", lowCardinality: true},
		{name: "changed_by", typ: "String", lowCardinality: true},
		{name: "at_ns", typ: "Int64"},
		{name: "removed", typ: "UInt8"},
	},
	orderBy: "word, id",
}
