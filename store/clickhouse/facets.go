package clickhouse

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Facets in one pass. A search cannot be counted from the rollup (its
// terms are not in it), so its total, its facets and its count in
// incidents are counted from the matching posts; one query per figure
// evaluated the filter (the text scan of a window's posts) nine times,
// 5 s for a week's search at 10 M posts. facetsOnce reads the matching
// winning versions once and counts every figure from that read: each post
// gives one tuple (figure, key, label) per value of each dimension
// (ARRAY JOIN), and the tuples are grouped. The same read can give the
// newest posts' IDs, the page of a feed newest first.

// figureTotal and figureIncident are the figures facetsOnce counts beside
// the dimensions: every post, and whether it is in an event with an
// incident ("1" or "0").
const (
	figureTotal    = "#total"
	figureIncident = "#incident"
)

// facetsOnce counts the posts matching q.Filter (which the rollup cannot
// count) by q.By, with the facets' limit, and, when incident is set, how
// many are in an event with an incident. With newest positive it also
// returns the IDs of the newest newest of them (by publish time, then ID,
// descending), the page of a feed newest first when newest is its offset
// plus its limit.
func (s *Store) facetsOnce(ctx context.Context, q store.FacetQuery, incident bool, newest int) (out store.Facets, inIncident int64, newestIDs []string, err error) {
	tuples := []string{fmt.Sprintf("[('%s', '', '')]", figureTotal)}
	cols := []string{"id", "published_at_ns"}
	join := ""
	multi := []string{}
	for _, d := range q.By {
		name := string(d)
		switch d {
		case store.BySentiment:
			cols = append(cols, "sentiment_label")
			join = s.dimensionOf(d).join
			tuples = append(tuples, fmt.Sprintf("[('%s', toString(if(corrected = '', sentiment_label, corrected)), '')]", name))
		case store.BySource:
			cols = append(cols, "source_id", "source_name")
			tuples = append(tuples, fmt.Sprintf("[('%s', toString(source_id), toString(source_name))]", name))
		case store.ByTier:
			cols = append(cols, "authority")
			tuples = append(tuples, fmt.Sprintf("[('%s', toString(authority), '')]", name))
		case store.ByKind:
			cols = append(cols, "source_kind")
			tuples = append(tuples, fmt.Sprintf("[('%s', toString(source_kind), '')]", name))
		case store.ByTopic:
			cols = append(cols, "topic_names")
			tuples = append(tuples, fmt.Sprintf("arrayMap(t -> ('%s', toString(t), ''), topic_names)", name))
			multi = append(multi, "'"+name+"'")
		case store.ByRegion:
			cols = append(cols, "region_codes", "region_names")
			tuples = append(tuples, fmt.Sprintf("arrayMap((c, l) -> ('%s', toString(c), toString(l)), region_codes, region_names)", name))
			multi = append(multi, "'"+name+"'")
		case store.ByScheme:
			cols = append(cols, "scheme_ids", "scheme_names")
			tuples = append(tuples, fmt.Sprintf("arrayMap((c, l) -> ('%s', toString(c), toString(l)), scheme_ids, scheme_names)", name))
			multi = append(multi, "'"+name+"'")
		default:
			panic(fmt.Sprintf("BUG: unknown dimension %q", d))
		}
	}
	if incident {
		tuples = append(tuples, fmt.Sprintf("[('%s', toString(id IN (SELECT arrayJoin(post_ids) FROM %s FINAL WHERE incident_id != '' AND merged_into = '')), '')]",
			figureIncident, s.table(store.TableEvents)))
	}
	from, args, err := s.winning(strings.Join(cols, ", "), q.Filter, nil)
	if err != nil {
		return store.Facets{}, 0, nil, err
	}
	// A value listed twice in one post's array counts the post once.
	count := "count()"
	if len(multi) > 0 {
		in := "f.1 IN (" + strings.Join(multi, ", ") + ")"
		count = fmt.Sprintf("if(%[1]s, uniqExactIf(id, %[1]s), count())", in)
	}
	page := "emptyArrayString()"
	if newest > 0 {
		page = fmt.Sprintf("arrayMap(t -> t.2, arraySlice(arrayReverseSort(groupArrayIf((published_at_ns, id), f.1 = '%s')), 1, %d))", figureTotal, newest)
	}
	if join != "" { // the corrections, joined before the ARRAY JOIN reads them
		from = fmt.Sprintf("(SELECT %s, corrected FROM %s%s)", strings.Join(cols, ", "), from, join)
	}
	rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT f.1, f.2, max(f.3), %s, %s FROM %s"+
		" ARRAY JOIN arrayConcat(%s) AS f GROUP BY f.1, f.2", // (figure, key, label)
		count, page, from, strings.Join(tuples, ", ")), args...)
	if err != nil {
		return store.Facets{}, 0, nil, err
	}
	defer rows.Close()
	out.By = map[store.Dimension][]store.FacetValue{}
	for _, d := range q.By {
		out.By[d] = []store.FacetValue{}
	}
	for rows.Next() {
		var (
			figure, key, label string
			n                  uint64
			ids                []string
		)
		if err := rows.Scan(&figure, &key, &label, &n, &ids); err != nil {
			return store.Facets{}, 0, nil, err
		}
		switch figure {
		case figureTotal:
			out.Total = int64(n)
			newestIDs = ids
		case figureIncident:
			if key == "1" {
				inIncident = int64(n)
			}
		default:
			d := store.Dimension(figure)
			out.By[d] = append(out.By[d], store.FacetValue{Key: key, Label: label, Count: int64(n)})
		}
	}
	if err := rows.Err(); err != nil {
		return store.Facets{}, 0, nil, err
	}
	for d, values := range out.By {
		slices.SortFunc(values, func(a, b store.FacetValue) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
		})
		if q.Limit > 0 && len(values) > q.Limit {
			out.By[d] = values[:q.Limit]
		}
	}
	return out, inIncident, newestIDs, nil
}

// postsByID reads the winning versions of the posts of ids, in the order
// of ids.
func (s *Store) postsByID(ctx context.Context, ids []string) ([]model.Post, error) {
	if len(ids) == 0 {
		return []model.Post{}, nil
	}
	at := map[string]int{}
	for i, id := range ids {
		at[id] = i
	}
	in, args := idsIn(ids)
	posts, err := query(ctx, s, store.PostsTable, fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY id, version DESC LIMIT 1 BY id",
		columns(store.PostsTable), s.table(store.TablePosts), in), args...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(posts, func(a, b model.Post) int { return at[a.ID] - at[b.ID] })
	return posts, nil
}
