package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The searchable copy of the posts (CH step 13). posts is sorted by ID,
// as replacing versions needs, so a time window prunes only month
// partitions and a search reads the time, sentiment and text columns of
// every post of the month: 534 ms of a week's search at 10 M posts, and
// its facets' arrays scattered over every granule. post_search holds the
// columns a filter and the facets read, sorted by publish time, filled
// from every insert into posts by a materialized view (a projection, on
// servers that have none). A read with a window reads only the window's
// granules there (winning). It holds the same rows as posts, versions and
// copies included, so the winning versions are found there the same way
// (superseded.go). Its cost is a second copy of the titles and bodies.

// searchColumns are the columns of posts that post_search copies.
var searchColumns = []string{
	"id", "version", "published_at_ns", "published_at", "title", "body",
	"sentiment_label", "source_id", "source_name", "source_kind", "authority",
	"topic_names", "region_codes", "region_names", "scheme_ids", "scheme_names",
}

// postSearchTable is post_search: searchColumns as posts has them, sorted
// by publish time, partitioned and kept as the posts are. On a cluster it
// is sharded by post ID like posts, which the view keeps local to local.
func postSearchTable(o schemaOptions) table {
	posts := currentPosts(o)
	t := table{
		name:        "post_search",
		version:     posts.version,
		partitionBy: posts.partitionBy,
		orderBy:     "published_at_ns, id",
		shardBy:     "id",
		ttl:         posts.ttl,
	}
	for _, name := range searchColumns {
		i := slices.IndexFunc(posts.columns, func(c column) bool { return c.name == name })
		if i < 0 {
			panic("BUG: posts has no column " + name)
		}
		c := posts.columns[i]
		c.materialized = "" // written by the view, from the posts' value
		t.columns = append(t.columns, c)
	}
	return t
}

// searchViewSQL is the materialized view that copies every row inserted
// into posts to post_search, node by node on a cluster like rollupViewSQL.
func searchViewSQL(database, cluster string) string {
	from, to, on := "posts", "post_search", ""
	if cluster != "" {
		from, to, on = localName(from), localName(to), " ON CLUSTER "+quote(cluster)
	}
	return fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s%s TO %s.%s AS\nSELECT %s\nFROM %s.%s",
		quote(database), quote("post_search_view"), on, quote(database), quote(to), searchInsertList(), quote(database), quote(from))
}

// searchInsertList is the columns written to post_search: all of them,
// published_at too (materialized in posts, a plain column here).
func searchInsertList() string { return strings.Join(searchColumns, ", ") }

// backfillSearch copies the posts stored before step 13 into post_search,
// range of IDs by range (as backfillRollup reads them). A row copied twice
// (written while the step ran, or by a step run again) is a copy the
// reads drop (LIMIT 1 BY id) and the merges remove.
func backfillSearch(ctx context.Context, s *Store) error {
	return s.eachIDRange(ctx, "copy the posts to search", func(where string, args []any) error {
		return s.conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s (%s) SELECT %[2]s FROM %s WHERE %s",
			s.table("post_search"), searchInsertList(), s.table("posts"), where), args...)
	})
}

// searchable reports whether every column of cols (a list as SELECT takes
// it, names only) is in post_search.
func searchable(cols string) bool {
	for _, c := range strings.Split(cols, ",") {
		if !slices.Contains(searchColumns, strings.TrimSpace(c)) {
			return false
		}
	}
	return true
}
