package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/storetest"
)

// TestPageOfManyMatches reads pages newest first of a scheme and a
// full-text term that more than manyMatches posts match, the case read by
// walking the publish-time index (newestFirst), and compares each with the
// posts the filter selects in Go.
func TestPageOfManyMatches(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "y.db"), prometheus.NewRegistry())
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	n := manyMatches*2 + 300
	var posts []model.Post
	for i := range n {
		p := storetest.NewPost(fmt.Sprintf("m%05d", i), 1, at.Add(time.Duration((i*7919)%n)*time.Minute))
		p.Title, p.Body, p.Schemes = fmt.Sprintf("第%d条", i), "平常的一天。", nil
		if i%5 != 0 {
			p.Schemes = []model.SchemeHit{{ID: "chem", Name: "危化品"}}
			p.Body = "化工园区安全检查。"
		}
		posts = append(posts, p)
	}
	if err := s.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	for {
		if done, err := s.IndexFTS(ctx, 5000); err != nil {
			t.Fatal(err)
		} else if done == 0 {
			break
		}
	}
	var want []model.Post
	for _, p := range posts {
		if len(p.Schemes) > 0 {
			want = append(want, p)
		}
	}
	slices.SortFunc(want, func(a, b model.Post) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	for _, f := range []store.Filter{{Scheme: "chem"}, {Text: "化工园区"}, {Text: "化工园区", Scheme: "chem"}} {
		for _, offset := range []int{0, 30, len(want) - 10} {
			page, err := s.QueryPosts(ctx, f.Posts(30, offset))
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != int64(len(want)) || page.Total < manyMatches {
				t.Fatalf("%+v: total %d, want %d (at least %d)", f, page.Total, len(want), manyMatches)
			}
			var got, exp []string
			for _, p := range page.Items {
				got = append(got, p.ID)
			}
			for _, p := range want[offset:min(offset+30, len(want))] {
				exp = append(exp, p.ID)
			}
			if !slices.Equal(got, exp) {
				t.Errorf("%+v offset %d: page %v, want %v", f, offset, got, exp)
			}
		}
	}
}
