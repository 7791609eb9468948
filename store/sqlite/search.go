package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// How a search over many posts is planned (issue 12: a feed of 1 M posts
// within 300 ms). termCond gives SQLite the set of posts containing a term
// as an IN list, which SQLite prefers to drive a query from: right for a
// rare term, but a common one (in a sixth of a million posts) then costs a
// lookup of every post containing it, most of them outside the window or
// of another sentiment. For a common term the set is better only probed,
// while an index on the other conditions (the time window, the sentiment,
// the source) drives; and a page newest first is better read by testing
// the newest candidates for the term directly than by building the set at
// all. Every plan here gives the same posts; only the cost differs.

// commonTerm bounds how many rows of the full-text index planTerms reads
// to tell whether a term's set is better probed: a term in more posts
// than that is (a lookup per post of its set then costs more than a
// scan of most windows' index entries).
const commonTerm = 40000

// termPlan is how the terms of a filter are matched: by default as
// termCond says (the full-text set, from which SQLite may drive); a term
// in probe has its set made a condition only (a unary + keeps SQLite
// from driving by it); with scan set, every term is matched with LIKE
// (scanCond), which needs no set at all.
type termPlan struct {
	probe map[string]bool
	scan  bool
}

func (p termPlan) cond(term string) (string, []any) {
	if p.scan {
		return scanCond(term)
	}
	cond, args := termCond(term)
	if p.probe[term] {
		cond = "+" + cond
	}
	return cond, args
}

// planTerms returns how the terms of f are best matched by a count or an
// aggregate over every matching post. An indexed term's set is probed
// (not driven from) when f has a condition an index answers (a window, a
// sentiment, a source, tier or kind) and the term is in at least a
// quarter as many posts as that condition selects (at most commonTerm):
// a lookup per post of the set costs about as much as scanning four
// entries of an index and probing the set. (Over 1 M posts, a week: a
// term in 25 000 posts is counted in 80 ms driving from its set, 155 ms
// probing it; one in 167 000, with a sentiment, in 520 ms and 320 ms.)
// The candidates are counted from the rollup (by window, sentiment and
// scope only: an upper bound), the term by reading at most that many
// rows of the full-text index.
func planTerms(ctx context.Context, tx *sql.Tx, f store.Filter) (termPlan, error) {
	plan := termPlan{probe: map[string]bool{}}
	if f.Since.IsZero() && f.Until.IsZero() && f.Sentiment == "" && f.SourceID == "" && f.Tier == "" && f.Kind == "" {
		return plan, nil
	}
	var indexed []string
	for _, term := range strings.Fields(f.Text) {
		if utf8.RuneCountInString(term) >= 3 && !slices.Contains(indexed, term) {
			indexed = append(indexed, term)
		}
	}
	if len(indexed) == 0 {
		return plan, nil
	}
	limit := int64(commonTerm)
	scope := store.Filter{Since: f.Since, Until: f.Until, Sentiment: f.Sentiment, Scheme: f.Scheme, Region: f.Region, Topic: f.Topic}
	if rp, ok := planRollup(scope); ok {
		n, err := rollupTotal(ctx, tx, rp)
		if err != nil {
			return termPlan{}, err
		}
		limit = min(max(n/4, 1), limit)
	}
	for _, term := range indexed {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM posts_fts WHERE posts_fts MATCH ? LIMIT ?)`,
			ftsString(term), limit).Scan(&n); err != nil {
			return termPlan{}, err
		}
		if n >= limit {
			plan.probe[term] = true
		}
	}
	return plan, nil
}

// scanCond is the condition that a post's title or body contains term,
// matched with LIKE only (see termCond).
func scanCond(term string) (string, []any) {
	like := "%" + escapeLike(term) + "%"
	return `(title LIKE ? ESCAPE '\' OR body LIKE ? ESCAPE '\')`, []any{like, like}
}

// scanExact reports whether LIKE (ASCII letters case-insensitive) and the
// trigram index (Unicode case folding) agree on which texts contain term:
// every rune of it is ASCII but the letters i and k (which the Unicode
// letters İ and the Kelvin sign fold to) or has no case at all.
func scanExact(term string) bool {
	for _, r := range term {
		switch {
		case r == utf8.RuneError:
			return false
		case r < utf8.RuneSelf:
			if l := r | 0x20; l == 'i' || l == 'k' {
				return false
			}
		case unicode.SimpleFold(r) != r || unicode.ToLower(r) != r || unicode.ToUpper(r) != r:
			return false
		}
	}
	return true
}

// scanDepth is how many of the newest candidates (the posts matching a
// filter but for its terms) scanPage tests for the terms before it gives
// up for the full-text set.
const scanDepth = 5000

// scanPage reads the page at limit and offset, newest first, of the posts
// matching f, of which there are total, by walking the newest candidates
// and testing each for the terms of f with LIKE (scanCond): for a search
// with many matches, the page is met among the first few hundred, and no
// set of the posts containing a term is built. It walks at most the
// scanDepth newest candidates, so it reports ok false when the page is
// not all among them (or a term is not scanExact), and the caller reads
// it otherwise. The posts it reads are a prefix of the matches in the
// page's order, so a page found in full is the page.
func scanPage(ctx context.Context, q queryer, f store.Filter, total int64, limit, offset int) ([]model.Post, bool, error) {
	terms := strings.Fields(f.Text)
	for _, term := range terms {
		if !scanExact(term) {
			return nil, false, nil
		}
	}
	want := min(int64(limit), total-int64(offset))
	if len(terms) == 0 || want <= 0 {
		return nil, false, nil
	}
	rest := f
	rest.Text = ""
	where, args, err := postFilter(rest, nil)
	if err != nil {
		return nil, false, err
	}
	// The oldest time among the scanDepth newest candidates bounds the
	// walk (all candidates when there are fewer).
	bound := `published_at >= coalesce((SELECT published_at FROM posts` + newestFirst(where, total) +
		` ORDER BY published_at DESC, id DESC LIMIT 1 OFFSET ?), -9223372036854775808)`
	all, allArgs, err := postFilterPlan(f, nil, termPlan{scan: true})
	if err != nil {
		return nil, false, err
	}
	if all == "" {
		all = " WHERE " + bound
	} else {
		all += " AND " + bound
	}
	allArgs = append(append(allArgs, args...), scanDepth-1, limit, offset)
	items, err := query(ctx, q, store.PostsTable, `SELECT `+columns(store.PostsTable)+` FROM posts`+newestFirst(all, total)+
		` ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`, allArgs...)
	if err != nil {
		return nil, false, err
	}
	return items, int64(len(items)) == want, nil
}
