package readmodel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

// TestEventAnalysisCountsEveryPost: the analysis's series and rankings are
// counted by the read side over all of the event's posts, more than the
// timeline reads, with its own sentiment, tier, source and kind; an
// overview's event carries its posts per hour.
func TestEventAnalysisCountsEveryPost(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	n := MaxTimeline + 20
	var posts []model.Post
	var ids []string
	for i := range n {
		tier, label := model.TierLocal, model.Neutral
		if i%4 == 0 {
			tier, label = model.TierOfficial, model.Negative
		}
		p := post(fmt.Sprintf("e%03d", i), "news", tier, "化工厂爆炸", label, time.Duration(i%3)*time.Hour, uint64(i)<<20)
		p.SourceKind = model.KindNews
		posts = append(posts, p)
		ids = append(ids, p.ID)
	}
	must(t, st.UpsertPosts(ctx, posts))
	must(t, st.UpsertEvents(ctx, []model.Event{{ID: "EV", Version: 1, Title: "化工厂爆炸", FirstPostID: ids[0], PostIDs: ids,
		FirstSeen: t0, LastSeen: t0.Add(2 * time.Hour), Heat: 9}}))
	v := New(st, rules.Default())
	a, err := v.EventAnalysis(ctx, "EV")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Detail.Timeline) != MaxTimeline {
		t.Fatalf("timeline has %d posts, want the cap %d", len(a.Detail.Timeline), MaxTimeline)
	}
	total := func(ls []NamedSeries) (sum int64) {
		for _, l := range ls {
			sum += l.Total
		}
		return sum
	}
	if got := total(a.ByTier); got != int64(n) || len(a.Hours) != 3 || total(a.BySentiment) != int64(n) {
		t.Errorf("series count %d posts by tier, %d by sentiment over %v; want %d over 3 hours", got, total(a.BySentiment), a.Hours, n)
	}
	want := map[string]int64{model.TierOfficial: int64((n + 3) / 4), model.TierLocal: int64(n - (n+3)/4)}
	for _, c := range a.Tiers {
		if want[c.Key] != c.Count {
			t.Errorf("tier %s counts %d, want %d", c.Key, c.Count, want[c.Key])
		}
	}
	if len(a.Kinds) != 1 || a.Kinds[0].Name != "新闻网站" || a.Kinds[0].Count != int64(n) || len(a.Media) != 1 || a.Media[0].Count != int64(n) {
		t.Errorf("kinds %+v, media %+v", a.Kinds, a.Media)
	}
	o, err := v.Overview(ctx, store.Filter{Since: t0.Add(-time.Hour), Until: t0.Add(3 * time.Hour)}, store.StepHour)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Events) != 1 || fmt.Sprint(o.Events[0].Trend) != fmt.Sprintf("[0 %d %d %d]", (n+2)/3, (n+1)/3, n/3) {
		t.Errorf("overview events %+v, want EV with its posts per hour", o.Events)
	}
	// Scoped: the event's posts in the scope, or no event when it has none.
	scoped := store.Filter{Since: t0.Add(-time.Hour), Until: t0.Add(3 * time.Hour), Tier: model.TierOfficial}
	if o, err = v.Overview(ctx, scoped, store.StepHour); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, c := range o.Events[0].Trend {
		sum += c
	}
	if sum != want[model.TierOfficial] {
		t.Errorf("the scoped sparkline counts %d posts, want the %d official ones", sum, want[model.TierOfficial])
	}
	scoped.Tier, scoped.Region = "", "000000"
	if o, err = v.Overview(ctx, scoped, store.StepHour); err != nil || len(o.Events) != 0 {
		t.Errorf("an overview scoped to a region without posts ranks %+v, %v", o.Events, err)
	}
}
