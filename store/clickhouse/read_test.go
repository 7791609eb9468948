package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// TestWinningAgreesWithFinal checks the winning versions read without
// FINAL (winning) against FINAL with postFilter, row for row, on posts
// whose newer versions move across months and out of the text and
// sentiment filters, with versions written twice and left unmerged, and a
// correction.
func TestWinningAgreesWithFinal(t *testing.T) {
	ctx := context.Background()
	s := open(t, newConfig(t), prometheus.NewRegistry())
	defer s.Close()
	start := time.Date(2026, 10, 30, 20, 0, 0, 0, model.China)
	var posts, newer []model.Post
	for i := range 40 {
		p := storetest.NewPost(fmt.Sprintf("w%02d", i), 1, start.Add(time.Duration(i)*3*time.Hour))
		p.Title = fmt.Sprintf("第%d条 %s", i, []string{"化工厂 Leak", "防汛通知", "学校食堂"}[i%3])
		p.Sentiment.Label = []string{model.Negative, model.Neutral, model.Positive}[i%3]
		posts = append(posts, p)
		if i%3 == 0 {
			q := p
			q.Version = 2
			q.PublishedAt = q.PublishedAt.AddDate(0, 1, 0) // another month's partition
			if i%2 == 0 {
				q.Title = "已更正的标题" // out of the text filter
				q.Sentiment.Label = model.Neutral
			}
			newer = append(newer, q)
		}
	}
	// The newer versions twice: the copies of one version stay unmerged.
	// Then the older versions of some again, after the newer (a replay).
	var replayed []model.Post
	for i := 0; i < len(posts); i += 6 {
		replayed = append(replayed, posts[i])
	}
	for _, batch := range [][]model.Post{posts, newer, newer, replayed} {
		if err := s.UpsertPosts(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AppendCorrections(ctx, []model.SentimentCorrection{{ID: "c1", PostID: "w04", Label: model.Negative, By: "monitor",
		At: start, ModelLabel: model.Positive, Title: "t", Body: "b"}}); err != nil {
		t.Fatal(err)
	}
	ids := func(stmt string, args ...any) []string {
		t.Helper()
		rows, err := s.conn.Query(ctx, stmt, args...)
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	for _, f := range []store.Filter{
		{Text: "化工厂"},
		{Text: "leak"},
		{Text: "化工厂", Since: start.AddDate(0, 1, 0), Until: start.AddDate(0, 1, 5)},
		{Text: "防汛", Since: start, Until: start.AddDate(0, 0, 3)},
		{Sentiment: model.Negative},
		{Sentiment: model.Neutral, Since: start.AddDate(0, 1, 0)},
		{Until: start.AddDate(0, 0, 2)},
		{SourceID: posts[0].SourceID, Text: "第"},
	} {
		from, args, err := s.winning("id", f, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := ids("SELECT id FROM "+from+" ORDER BY id", args...)
		where, wargs, err := s.postFilter(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := ids("SELECT id FROM "+s.table(store.TablePosts)+" FINAL"+where+" ORDER BY id", wargs...)
		if len(want) == 0 {
			t.Fatalf("filter %+v selects nothing", f)
		}
		if !slices.Equal(got, want) {
			t.Errorf("filter %+v: winning selects %v, FINAL %v", f, got, want)
		}
	}
}
