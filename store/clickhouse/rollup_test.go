package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// rollupPosts are posts over a few hours that differ in every counted
// dimension, and a newer version of some of them (one published in the
// next month).
func rollupPosts() (posts, newer []model.Post) {
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, model.China)
	sentiments := []string{model.Negative, model.Neutral, model.Positive}
	for i := range 24 {
		p := storetest.NewPost(fmt.Sprintf("r%02d", i), 1, start.Add(time.Duration(i)*17*time.Minute))
		p.Sentiment.Label = sentiments[i%3]
		p.SourceID, p.SourceName = fmt.Sprintf("src%d", i%4), fmt.Sprintf("信息源%d", i%4)
		p.Keywords = append(p.Keywords, model.Keyword{Word: fmt.Sprintf("词%d", i%5), Weight: 0.5})
		if i%2 == 0 {
			p.Schemes = []model.SchemeHit{{ID: "chem", Name: "危化品安全"}}
		}
		posts = append(posts, p)
		if i%4 == 0 {
			q := p
			q.Version = 2
			q.PublishedAt = q.PublishedAt.Add(95 * time.Minute)
			q.Topics = []model.Topic{{Name: "教育", Score: 0.5}}
			if i == 20 { // moves month, so into another partition
				q.PublishedAt = time.Date(2026, 12, 1, 10, 0, 0, 0, model.China)
			}
			newer = append(newer, q)
		}
	}
	return posts, newer
}

// contentLines runs a query of one String column and returns its rows.
func contentLines(t *testing.T, s *Store, query string) []string {
	t.Helper()
	rows, err := s.conn.Query(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rollupContent returns the rows of post_rollup that count something,
// summed per row key, one line each.
func rollupContent(t *testing.T, s *Store) []string {
	return contentLines(t, s, "SELECT arrayStringConcat([toString(scope), scope_key, toString(dim), toString(hour), toString(sentiment), key, label, toString(sum(n)), toString(round(sum(w), 6))], '|') AS line FROM "+
		s.table("post_rollup")+" GROUP BY scope, scope_key, dim, hour, sentiment, key, label HAVING sum(n) != 0 ORDER BY scope, scope_key, dim, hour, sentiment, key, label")
}

// timelineContent returns the states post_timeline counts (the log rows
// whose signs do not cancel), one line each.
func timelineContent(t *testing.T, s *Store) []string {
	return contentLines(t, s, "SELECT arrayStringConcat([toString(hour), toString(published_ns), id, toString(sentiment), toString(r_dim), toString(r_key), toString(sum(sign))], '|') AS line FROM "+
		s.table("post_timeline")+" GROUP BY hour, published_ns, id, sentiment, r_dim, r_key HAVING sum(sign) != 0 ORDER BY hour, published_ns, id")
}

// supersededContent returns the versions post_superseded records, one line
// each.
func supersededContent(t *testing.T, s *Store) []string {
	return contentLines(t, s, "SELECT DISTINCT arrayStringConcat([id, toString(version), toString(hour)], '|') AS line FROM "+s.table("post_superseded")+" ORDER BY line")
}

// searchContent returns the rows of post_search, one line per version.
func searchContent(t *testing.T, s *Store) []string {
	return contentLines(t, s, "SELECT DISTINCT arrayStringConcat([id, toString(version), toString(published_at_ns), toString(published_at), title, toString(sentiment_label), toString(scheme_ids)], '|') AS line FROM "+
		s.table("post_search")+" ORDER BY line")
}

// TestRollupBackfill checks that the migration step that creates the
// rollup and the timeline counts the posts stored before it exactly as
// writing them after it does (with a newer version and a correction), and
// that running the backfill again (an interrupted step re-run) changes
// nothing. The backfill reads the posts in many ranges of IDs here.
func TestRollupBackfill(t *testing.T) {
	ctx := context.Background()
	defer func(n int) { backfillChunk = n }(backfillChunk)
	backfillChunk = 4
	posts, newer := rollupPosts()
	correction := model.SentimentCorrection{ID: "c1", PostID: "r01", Label: model.Negative, By: "monitor",
		At: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), ModelLabel: model.Neutral, Title: "t", Body: "b"}

	// Written through the store with the rollup in place.
	live := open(t, newConfig(t), prometheus.NewRegistry())
	defer live.Close()
	for _, batch := range [][]model.Post{posts, newer} {
		if err := live.UpsertPosts(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := live.AppendCorrections(ctx, []model.SentimentCorrection{correction}); err != nil {
		t.Fatal(err)
	}

	// Stored before the step, then migrated.
	cfg := newConfig(t)
	all := migrations
	step := slices.IndexFunc(all, func(m migration) bool { return m.backfill != nil })
	migrations = all[:step]
	err := Migrate(ctx, cfg, slog.New(slog.DiscardHandler))
	migrations = all
	if err != nil {
		t.Fatal(err)
	}
	before, err := connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer before.conn.Close()
	for _, batch := range [][]model.Post{posts, newer} {
		if err := insert(ctx, before, store.PostsTable, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := insert(ctx, before, store.CorrectionsTable, []model.SentimentCorrection{correction}); err != nil {
		t.Fatal(err)
	}
	migrated := open(t, cfg, prometheus.NewRegistry())
	defer migrated.Close()
	if bounds, err := migrated.idBounds(ctx, backfillChunk); err != nil || len(bounds) < 2 {
		t.Fatalf("the backfill cut the posts into %d ranges (%v), want several", len(bounds)+1, err)
	}

	want := rollupContent(t, live)
	if len(want) == 0 {
		t.Fatal("the rollup of the posts written through the store is empty")
	}
	wantTimeline := timelineContent(t, live)
	if len(wantTimeline) != len(posts) {
		t.Fatalf("the timeline of the posts written through the store counts %d states, want one per post (%d):\n%v", len(wantTimeline), len(posts), wantTimeline)
	}
	if got := rollupContent(t, migrated); !slices.Equal(got, want) {
		t.Errorf("rollup after the backfill:\n%v\nafter writing through the store:\n%v", got, want)
	}
	if got := timelineContent(t, migrated); !slices.Equal(got, wantTimeline) {
		t.Errorf("timeline after the backfill:\n%v\nafter writing through the store:\n%v", got, wantTimeline)
	}
	wantSuperseded := supersededContent(t, live)
	if len(wantSuperseded) != len(newer) {
		t.Errorf("the store recorded %d superseded versions, want one per newer version (%d): %v", len(wantSuperseded), len(newer), wantSuperseded)
	}
	if got := supersededContent(t, migrated); !slices.Equal(got, wantSuperseded) {
		t.Errorf("superseded versions after the backfill:\n%v\nafter writing through the store:\n%v", got, wantSuperseded)
	}
	wantSearch := searchContent(t, live)
	if len(wantSearch) != len(posts)+len(newer) {
		t.Errorf("the searchable copy of the posts written through the store has %d rows, want one per version (%d)", len(wantSearch), len(posts)+len(newer))
	}
	if got := searchContent(t, migrated); !slices.Equal(got, wantSearch) {
		t.Errorf("searchable copy after the backfill:\n%v\nafter writing through the store:\n%v", got, wantSearch)
	}
	if err := backfillRollup(ctx, migrated); err != nil {
		t.Fatal(err)
	}
	if got := rollupContent(t, migrated); !slices.Equal(got, want) {
		t.Errorf("rollup after the backfill ran twice:\n%v\nwant:\n%v", got, want)
	}
	if got := timelineContent(t, migrated); !slices.Equal(got, wantTimeline) {
		t.Errorf("timeline after the backfill ran twice:\n%v\nwant:\n%v", got, wantTimeline)
	}
	// The rollup answers as counting the posts does.
	f := store.Filter{Since: posts[0].PublishedAt.Add(10 * time.Minute), Until: posts[20].PublishedAt}
	var exact uint64
	where, args, err := migrated.postFilter(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrated.conn.QueryRow(ctx, "SELECT count() FROM "+migrated.table(store.TablePosts)+" FINAL"+where, args...).Scan(&exact); err != nil {
		t.Fatal(err)
	}
	plan, ok := store.PlanRollup(f)
	if !ok || len(plan.Edges) != 2 {
		t.Fatalf("plan of %+v: %+v, %v; want one with two edges", f, plan, ok)
	}
	if n, err := migrated.rollupTotal(ctx, plan); err != nil || n != int64(exact) {
		t.Errorf("rollup total = %d, %v; counting the posts gives %d", n, err, exact)
	}
}

// TestNewestPageAgreesWithFinal checks the feed's page read from the
// newest rows of any version (newestPage) against sorting the winning
// versions FINAL, when stale versions are the newest rows: most posts have
// a newer version published a month earlier. With 60 % of them moved the
// candidates hold the page; with 90 % they do not, and the page is read
// FINAL instead.
func TestNewestPageAgreesWithFinal(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, model.China)
	for _, moved := range []int{6, 9} {
		t.Run(fmt.Sprintf("%d0%% moved", moved), func(t *testing.T) {
			s := open(t, newConfig(t), prometheus.NewRegistry())
			defer s.Close()
			var v1, v2 []model.Post
			for i := range 200 {
				p := storetest.NewPost(fmt.Sprintf("p%03d", i), 1, now.Add(-time.Duration(i)*time.Minute))
				if i%3 == 0 {
					p.Sentiment.Label = model.Positive
				}
				v1 = append(v1, p)
				if i%10 < moved {
					q := p
					q.Version = 2
					q.PublishedAt = p.PublishedAt.AddDate(0, -1, 0)
					v2 = append(v2, q)
				}
			}
			for _, batch := range [][]model.Post{v1, v2} {
				if err := s.UpsertPosts(ctx, batch); err != nil {
					t.Fatal(err)
				}
			}
			_, ok, err := s.newestPage(ctx, store.Filter{}, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := moved == 6; ok != want {
				t.Errorf("newestPage answered the first page: %v, want %v", ok, want)
			}
			for _, f := range []store.Filter{{}, {Sentiment: model.Negative}, {Since: now.Add(-150 * time.Minute), Until: now.Add(-10 * time.Minute)}} {
				for _, pg := range [][2]int{{10, 0}, {30, 0}, {10, 20}, {50, 150}} {
					q := store.PostQuery{Sentiment: f.Sentiment, Since: f.Since, Until: f.Until, Limit: pg[0], Offset: pg[1]}
					page, err := s.QueryPosts(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					where, args, err := s.postFilter(f, nil)
					if err != nil {
						t.Fatal(err)
					}
					rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT id FROM %s FINAL%s ORDER BY published_at_ns DESC, id DESC LIMIT %d, %d",
						s.table(store.TablePosts), where, pg[1], pg[0]), args...)
					if err != nil {
						t.Fatal(err)
					}
					var want, got []string
					for rows.Next() {
						var id string
						if err := rows.Scan(&id); err != nil {
							t.Fatal(err)
						}
						want = append(want, id)
					}
					rows.Close()
					for _, p := range page.Items {
						got = append(got, p.ID)
					}
					if !slices.Equal(got, want) {
						t.Errorf("filter %+v, page %v: got %v, want %v", f, pg, got, want)
					}
				}
			}
		})
	}
}
