package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
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

// TestSearchPlans checks that every way a search is planned (search.go)
// selects the same posts as the filter does in Go: a term matched by its
// full-text set, by that set only probed, or with LIKE; a page newest
// first found among the newest candidates (scanPage) and one that is not
// (the matches all older than the scanDepth newest posts), with sentiment
// corrections both to and away from the filtered sentiment.
func TestSearchPlans(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "s.db"), prometheus.NewRegistry())
	defer s.Close()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	labels := []string{model.Negative, model.Neutral, model.Positive}
	n := scanDepth + manyMatches + 600
	var posts []model.Post
	for i := range n {
		p := storetest.NewPost(fmt.Sprintf("q%05d", i), 1, at.Add(time.Duration(i)*time.Minute))
		p.Title, p.Body, p.Schemes = fmt.Sprintf("第%d条", i), "平常的一天。", nil
		p.Sentiment.Label = labels[i%3]
		switch {
		case i < manyMatches+600: // the oldest only
			p.Body = "旧闻：化工园区检查通报。"
		case i%2 == 0: // half of the newest
			p.Title = fmt.Sprintf("第%d条：新闻发布会", i)
		}
		if i%3 == 0 {
			p.Body += " Weekly REPORT"
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
	// Corrections: to negative, away from it, and twice (the later wins).
	corrected := map[string]string{}
	var cs []model.SentimentCorrection
	for i := 1; i < n; i += 97 {
		p := posts[i]
		label := labels[(i+1)%3]
		cs = append(cs, storetest.NewCorrection(fmt.Sprintf("c%05d", i), p, label, time.Duration(i)*time.Minute))
		corrected[p.ID] = label
		if i%2 == 1 {
			label = labels[(i+2)%3]
			cs = append(cs, storetest.NewCorrection(fmt.Sprintf("d%05d", i), p, label, time.Duration(i+1)*time.Minute))
			corrected[p.ID] = label
		}
	}
	if err := s.AppendCorrections(ctx, cs); err != nil {
		t.Fatal(err)
	}
	sentiment := func(p model.Post) string {
		if l, ok := corrected[p.ID]; ok {
			return l
		}
		return p.Sentiment.Label
	}
	matches := func(f store.Filter) []string {
		var out []model.Post
		for _, p := range posts {
			if f.Sentiment != "" && sentiment(p) != f.Sentiment {
				continue
			}
			if !f.Since.IsZero() && p.PublishedAt.Before(f.Since) {
				continue
			}
			all := true
			for _, term := range strings.Fields(f.Text) { // ASCII case-insensitively
				all = all && (strings.Contains(strings.ToLower(p.Title), term) || strings.Contains(strings.ToLower(p.Body), term))
			}
			if !all {
				continue
			}
			out = append(out, p)
		}
		slices.SortFunc(out, func(a, b model.Post) int {
			if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		ids := make([]string, len(out))
		for i, p := range out {
			ids[i] = p.ID
		}
		return ids
	}
	for _, c := range []struct {
		f      store.Filter
		scanOK bool // the first page is among the scanDepth newest
	}{
		{store.Filter{Text: "检查通报"}, false},
		// Fewer negative candidates than scanDepth: all are walked.
		{store.Filter{Text: "检查通报", Sentiment: model.Negative}, true},
		{store.Filter{Text: "新闻发布会"}, true},
		{store.Filter{Text: "新闻发布会", Sentiment: model.Negative, Since: at}, true},
		{store.Filter{Text: "新闻发布会", Sentiment: model.Positive, Since: at.Add(time.Duration(n-3000) * time.Minute)}, true},
		{store.Filter{Text: "report 新闻发布会", Since: at}, true},
		{store.Filter{Text: "检查通报 report"}, false},
	} {
		want := matches(c.f)
		if len(want) < 300 {
			t.Fatalf("%+v: only %d matches, the test needs more", c.f, len(want))
		}
		// Every term plan counts the same posts.
		probeAll := map[string]bool{}
		for _, term := range strings.Fields(c.f.Text) {
			probeAll[term] = true
		}
		for _, plan := range []termPlan{{}, {probe: probeAll}, {scan: true}} {
			where, args, err := postFilterPlan(c.f, nil, plan)
			if err != nil {
				t.Fatal(err)
			}
			var total int
			if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM posts`+where, args...).Scan(&total); err != nil {
				t.Fatal(err)
			}
			if total != len(want) {
				t.Errorf("%+v with plan %+v: %d posts, want %d", c.f, plan, total, len(want))
			}
		}
		if _, ok, err := scanPage(ctx, s.read, c.f, int64(len(want)), 30, 0); err != nil || ok != c.scanOK {
			t.Errorf("%+v: scanPage found the first page %t (%v), want %t", c.f, ok, err, c.scanOK)
		}
		for _, offset := range []int{0, 30, 250, len(want) - 10} {
			page, err := s.QueryPosts(ctx, c.f.Posts(30, offset))
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != int64(len(want)) {
				t.Fatalf("%+v: total %d, want %d", c.f, page.Total, len(want))
			}
			var got []string
			for _, p := range page.Items {
				got = append(got, p.ID)
			}
			if exp := want[offset:min(offset+30, len(want))]; !slices.Equal(got, exp) {
				t.Errorf("%+v offset %d: page %v, want %v", c.f, offset, got, exp)
			}
		}
		facets, err := s.PostFacets(ctx, store.FacetQuery{Filter: c.f, By: []store.Dimension{store.BySentiment}})
		if err != nil {
			t.Fatal(err)
		}
		bySentiment := map[string]int64{}
		for _, id := range want {
			bySentiment[sentiment(posts[slices.IndexFunc(posts, func(p model.Post) bool { return p.ID == id })])]++
		}
		got := map[string]int64{}
		for _, v := range facets.By[store.BySentiment] {
			got[v.Key] = v.Count
		}
		if facets.Total != int64(len(want)) || !maps.Equal(got, bySentiment) {
			t.Errorf("%+v: facets total %d by sentiment %v, want %d, %v", c.f, facets.Total, got, len(want), bySentiment)
		}
	}
}

// TestScanExact checks which terms LIKE and the trigram index agree on.
func TestScanExact(t *testing.T) {
	for term, want := range map[string]bool{
		"安全生产": true, "热词07": true, "abc": true, "A-B_C%": true, "１２３": true,
		"kit": false, "Kit": false, "wiki": false, "İstanbul": false, "Ärger": false, "straße": false, "Ωmega": false,
		"\xff\xfe": false,
	} {
		if got := scanExact(term); got != want {
			t.Errorf("scanExact(%q) = %t, want %t", term, got, want)
		}
	}
}

// TestListFields checks that reading the lists' fields without decoding
// them (scanList) gives what decoding them does, on lists as the store
// writes them, and that it gives up on what it cannot read plainly.
func TestListFields(t *testing.T) {
	names := []string{"", "安全生产", "a\"b", `back\slash`, "<&>", "tab\there", "é", "\u2028", "x"}
	var lists [][]byte
	for i := range 200 {
		var topics []model.Topic
		var regions []model.Region
		var schemes []model.SchemeHit
		for j := range i % 4 {
			name := names[(i+j)%len(names)]
			topics = append(topics, model.Topic{Name: name, Score: float64(i) / 7, Terms: []string{name, "爆炸"}[:j%3/2+1]})
			regions = append(regions, model.Region{Code: fmt.Sprint(320500 + i + j), Name: name, Role: "发生地"})
			schemes = append(schemes, model.SchemeHit{ID: fmt.Sprintf("s%d", j), Name: name, Terms: nil, Alert: j%2 == 0})
		}
		for _, v := range []any{topics, regions, schemes} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			lists = append(lists, b)
		}
	}
	lists = append(lists, []byte(" [ { \"name\" : \"a\" , \"n\" : [1, -2.5e3, true, null, {\"x\": []}] } ] "), []byte(`[]`), []byte(`null`))
	plain := 0
	for _, list := range lists {
		for _, f := range [][2]string{{"name", ""}, {"code", "name"}, {"id", "name"}} {
			var elems []map[string]json.RawMessage
			if err := json.Unmarshal(list, &elems); err != nil {
				t.Fatal(err)
			}
			var wantK, wantL []string
			for _, e := range elems {
				var k, l string
				if raw, ok := e[f[0]]; ok {
					json.Unmarshal(raw, &k)
				}
				if raw, ok := e[f[1]]; ok && f[1] != "" {
					json.Unmarshal(raw, &l)
				}
				wantK, wantL = append(wantK, k), append(wantL, l)
			}
			gotK, gotL, err := appendFields(nil, nil, list, f[0], f[1])
			if err != nil || !slices.Equal(gotK, wantK) || !slices.Equal(gotL, wantL) {
				t.Errorf("appendFields(%s, %q) = %q, %q, %v; want %q, %q", list, f, gotK, gotL, err, wantK, wantL)
			}
			if k, l, ok := scanList(nil, nil, list, f[0], f[1]); ok {
				plain++
				if !slices.Equal(k, wantK) || !slices.Equal(l, wantL) {
					t.Errorf("scanList(%s, %q) = %q, %q; want %q, %q", list, f, k, l, wantK, wantL)
				}
			} else if !bytes.Contains(list, []byte(`\`)) && !bytes.Equal(list, []byte(`null`)) {
				t.Errorf("scanList(%s) gave up on a list without escapes", list)
			}
		}
	}
	if plain < 300 {
		t.Errorf("scanList read only %d lists plainly, the test means more", plain)
	}
}
