package analyzer

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// TestPublishedUncertainCarried: the crawler's doubt about a publish time
// reaches the responder on the post, through the bus's JSON, so the
// incident clock can start from when the post was first seen.
func TestPublishedUncertainCarried(t *testing.T) {
	a := testAnalyzer(t)
	seen := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	for _, uncertain := range []bool{true, false} {
		p := a.Analyze(model.Document{ID: "d1", Title: "某县一化工厂发生爆炸", Body: explosionNews,
			PublishedAt: seen.Add(-20 * time.Hour), PublishedAtSource: "url", PublishedUncertain: uncertain, FetchedAt: seen})
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var got model.Post
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if got.PublishedUncertain != uncertain || !got.FetchedAt.Equal(seen) {
			t.Errorf("uncertain %v: post says uncertain %v, fetched %v (%s)", uncertain, got.PublishedUncertain, got.FetchedAt, raw)
		}
	}
}
