package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// rollupFixture are posts over a few hours with every counted dimension,
// duplicates inside their lists included.
func rollupFixture() []model.Post {
	var out []model.Post
	for i := range 40 {
		p := storetest.NewPost(fmt.Sprintf("r%02d", i), 1, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*17*time.Minute))
		p.Sentiment.Label = []string{model.Negative, model.Neutral, model.Positive}[i%3]
		p.Topics = []model.Topic{{Name: "安全生产"}, {Name: []string{"教育", "安全生产"}[i%2]}}
		p.Regions = []model.Region{{Code: "320500", Name: "苏州市", Role: "publisher"}, {Code: "320500", Name: "苏州市", Role: "event"}}
		p.Schemes = []model.SchemeHit{{ID: []string{"chem", "flood"}[i%2], Name: "方案"}}
		p.Keywords = []model.Keyword{{Word: "爆炸", Weight: 0.5}, {Word: "爆炸", Weight: 0.25}, {Word: fmt.Sprintf("词%d", i%4), Weight: 1}}
		out = append(out, p)
	}
	return out
}

// rollupRows returns the rollup's rows that count something.
func rollupRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT fdim, fkey, dim, hour, sentiment, key, label, n, w FROM post_rollup WHERE n <> 0
		ORDER BY fdim, fkey, dim, hour, sentiment, key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var fdim, fkey, dim, sentiment, key, label string
		var hour, n int64
		var w float64
		if err := rows.Scan(&fdim, &fkey, &dim, &hour, &sentiment, &key, &label, &n, &w); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%s %s %d %s %s(%s) %d %g", fdim, fkey, dim, hour, sentiment, key, label, n, w))
	}
	return out
}

// TestRollupBackfill checks that the migration's backfill of posts stored
// before it makes the same rollup as the triggers make of the same posts
// written after it.
func TestRollupBackfill(t *testing.T) {
	ctx := context.Background()
	posts := rollupFixture()
	correction := storetest.NewCorrection("c1", posts[3], model.Positive, time.Hour)

	before := filepath.Join(t.TempDir(), "before.db")
	func() {
		db, err := sql.Open("sqlite", dsn(before, false))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		saved := migrations
		// The schema before the rollup step (later steps come after it).
		migrations = migrations[:slices.IndexFunc(migrations, func(m migration) bool { return m.fn != nil && m.version == 9 })]
		defer func() { migrations = saved }()
		if err := migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		cols := store.PostsTable.ColumnNames(layout)
		for i := range posts {
			values, err := store.PostsTable.Values(layout, &posts[i])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, upsertSQL("posts", cols), values...); err != nil {
				t.Fatal(err)
			}
		}
		values, err := store.CorrectionsTable.Values(layout, &correction)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO sentiment_corrections (%s) VALUES (%s)",
			columns(store.CorrectionsTable), placeholders(len(values))), values...); err != nil {
			t.Fatal(err)
		}
	}()
	if err := Migrate(ctx, before, nil); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, before, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	b, err := Open(ctx, filepath.Join(t.TempDir(), "after.db"), nil, nil, WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	if err := b.AppendCorrections(ctx, []model.SentimentCorrection{correction}); err != nil {
		t.Fatal(err)
	}
	backfilled, triggered := rollupRows(t, a.read), rollupRows(t, b.read)
	if len(triggered) == 0 || !reflect.DeepEqual(backfilled, triggered) {
		t.Errorf("rollup after the backfill:\n%v\nafter the triggers:\n%v", backfilled, triggered)
	}
	// Both are written by rollupDeltas.apply; the SQL definition of the
	// rollup (rollupSelect), run over the posts stored, is the reference.
	if _, err := b.write.ExecContext(ctx, `CREATE TABLE reference AS SELECT * FROM post_rollup WHERE false`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.write.ExecContext(ctx, `INSERT INTO reference `+rollupSelect("true", rollupSentiment(""), 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.write.ExecContext(ctx, `DELETE FROM post_rollup`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.write.ExecContext(ctx, `INSERT INTO post_rollup SELECT * FROM reference`); err != nil {
		t.Fatal(err)
	}
	if reference := rollupRows(t, b.read); !reflect.DeepEqual(reference, triggered) {
		t.Errorf("rollup written:\n%v\nits SQL definition:\n%v", triggered, reference)
	}
}
