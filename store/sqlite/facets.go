package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/yuqing-project/yuqing/store"
)

// facetsOnce counts the posts where selects, in all and by each of dims
// (the top limit values of each, -1 for all), from one statement: the
// matching posts are read once, only the columns dims need, and counted
// here. A filter the rollup cannot answer — a full-text term above all —
// is so evaluated once, not once per dimension; and counting in Go costs
// a fraction of SQLite's GROUP BY over json_each (a search's facets over
// 13 000 of 1 M posts: about 300 ms less).
//
// The counts are those of a GROUP BY of the posts on each dimension's
// key: a single-valued dimension counts each post under its column's
// value, labelled by the greatest of its posts' names (the source's); a
// multi-valued one counts each post once under each distinct key of its
// list (topics by name; regions by code and schemes by ID, labelled by
// the greatest name they are given, empty where none), as the lists are
// stored (JSON of model.Topic, model.Region, model.SchemeHit). Values are
// ordered by count, most first, then by key (byte order, as SQLite's).
func facetsOnce(ctx context.Context, tx *sql.Tx, where string, args []any, dims []store.Dimension, limit int) (int64, map[store.Dimension][]store.FacetValue, error) {
	counters := make([]facetCounter, len(dims))
	cols := []string{`1`}
	for i, dim := range dims {
		c, err := newFacetCounter(dim, len(cols))
		if err != nil {
			return 0, nil, err
		}
		counters[i] = c
		cols = append(cols, c.columns()...)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM posts`+where, args...)
	if err != nil {
		return 0, nil, err
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	var total int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, nil, err
		}
		total++
		for i := range counters {
			if err := counters[i].add(raw); err != nil {
				rows.Close()
				return 0, nil, fmt.Errorf("cannot count posts by %s: %w", dims[i], err)
			}
		}
	}
	if err := rowsDone(rows); err != nil {
		return 0, nil, err
	}
	by := map[store.Dimension][]store.FacetValue{}
	for i, dim := range dims {
		by[dim] = counters[i].top(limit)
	}
	return total, by, nil
}

// facetCount is one key's count and label.
type facetCount struct {
	n     int64
	label string
}

// facetCounter counts the posts by one dimension, from the columns of
// the row from col on.
type facetCounter struct {
	dim    store.Dimension
	col    int
	counts map[string]*facetCount
	// keys and labels of the current post's list (multi-valued).
	keys, labels []string
	topics       []struct {
		Name string `json:"name"`
	}
	regions []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	schemes []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
}

func newFacetCounter(dim store.Dimension, col int) (facetCounter, error) {
	c := facetCounter{dim: dim, col: col, counts: map[string]*facetCount{}}
	if c.columns() == nil {
		return c, fmt.Errorf("BUG: unknown dimension %q", dim)
	}
	return c, nil
}

// columns are the select list the counter reads: the key, and the label
// of a single-valued dimension that has one.
func (c *facetCounter) columns() []string {
	switch c.dim {
	case store.BySentiment:
		return []string{correctedSentiment}
	case store.BySource:
		return []string{`source_id`, `source_name`}
	case store.ByTier:
		return []string{`authority`}
	case store.ByKind:
		return []string{`source_kind`}
	case store.ByTopic:
		return []string{`topics`}
	case store.ByRegion:
		return []string{`regions`}
	case store.ByScheme:
		return []string{`schemes`}
	}
	return nil
}

// add counts the post of row.
func (c *facetCounter) add(row []sql.RawBytes) error {
	v := row[c.col]
	switch c.dim {
	case store.BySource:
		c.count(string(v), string(row[c.col+1]))
		return nil
	case store.BySentiment, store.ByTier, store.ByKind:
		c.count(string(v), "")
		return nil
	}
	c.keys, c.labels = c.keys[:0], c.labels[:0]
	// Unmarshal reuses the slices' elements, whose fields a missing one
	// (an omitted empty name) would leave as the last post had them.
	clear(c.topics[:cap(c.topics)])
	clear(c.regions[:cap(c.regions)])
	clear(c.schemes[:cap(c.schemes)])
	switch c.dim {
	case store.ByTopic:
		if err := json.Unmarshal(v, &c.topics); err != nil {
			return err
		}
		for _, t := range c.topics {
			c.keys, c.labels = append(c.keys, t.Name), append(c.labels, "")
		}
	case store.ByRegion:
		if err := json.Unmarshal(v, &c.regions); err != nil {
			return err
		}
		for _, r := range c.regions {
			c.keys, c.labels = append(c.keys, r.Code), append(c.labels, r.Name)
		}
	case store.ByScheme:
		if err := json.Unmarshal(v, &c.schemes); err != nil {
			return err
		}
		for _, s := range c.schemes {
			c.keys, c.labels = append(c.keys, s.ID), append(c.labels, s.Name)
		}
	}
	// A post counts once per distinct key; every element's name is a
	// candidate label.
	for i, key := range c.keys {
		if slices.Contains(c.keys[:i], key) {
			c.label(key, c.labels[i])
			continue
		}
		c.count(key, c.labels[i])
	}
	return nil
}

func (c *facetCounter) count(key, label string) {
	fc := c.counts[key]
	if fc == nil {
		fc = &facetCount{label: label}
		c.counts[key] = fc
	}
	fc.n++
	fc.label = max(fc.label, label)
}

func (c *facetCounter) label(key, label string) {
	fc := c.counts[key]
	fc.label = max(fc.label, label)
}

// top returns the limit (-1: all) values counted most, by key on ties.
func (c *facetCounter) top(limit int) []store.FacetValue {
	values := make([]store.FacetValue, 0, len(c.counts))
	for key, fc := range c.counts {
		values = append(values, store.FacetValue{Key: key, Label: fc.label, Count: fc.n})
	}
	slices.SortFunc(values, func(a, b store.FacetValue) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
	})
	if limit >= 0 && len(values) > limit {
		values = values[:limit]
	}
	return values
}
