package console

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuqing-project/yuqing/model"
)

// TestEventEditsInBrowser splits a post off an event and merges the
// event into another from the event's page, as the monitor: a real
// responder applies both, and the pages show the histories in Chinese,
// in China time.
func TestEventEditsInBrowser(t *testing.T) {
	base, st, run := browser(t)
	ctx := context.Background()
	at := browserNow.Add(-90 * time.Minute)
	posts := []model.Post{
		{Document: model.Document{ID: "q1", URL: "http://a/q1", SourceID: "news", SourceName: "澜州新闻网", Title: "青岚大桥封闭施工",
			Body: "青岚大桥今起封闭施工。", PublishedAt: at}, Sentiment: model.Sentiment{Label: model.Neutral}, Keywords: kwOf("大桥", "施工")},
		{Document: model.Document{ID: "q2", URL: "http://a/q2", SourceID: "forum", SourceName: "青岚论坛", Title: "桥边烧烤摊扰民",
			Body: "夜里烧烤摊太吵。", PublishedAt: at.Add(10 * time.Minute)}, Sentiment: model.Sentiment{Label: model.Negative}, Keywords: kwOf("烧烤", "扰民")},
		{Document: model.Document{ID: "q3", URL: "http://a/q3", SourceID: "portal", SourceName: "青岚县人民政府", Title: "大桥施工期间绕行方案",
			Body: "大桥施工期间请绕行。", PublishedAt: at.Add(20 * time.Minute)}, Sentiment: model.Sentiment{Label: model.Neutral}, Keywords: kwOf("大桥", "绕行")},
	}
	if err := st.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertEvents(ctx, []model.Event{
		{ID: "EV-X", Version: 1, Title: "青岚大桥封闭施工", FirstPostID: "q1", FirstSeen: at, LastSeen: at.Add(10 * time.Minute), PostCount: 2,
			NegativeCount: 1, SourceCount: 2, Keywords: []string{"大桥", "施工", "烧烤"}, PostIDs: []string{"q1", "q2"}, Sources: []string{"news", "forum"}},
		{ID: "EV-Y", Version: 1, Title: "大桥施工期间绕行方案", FirstPostID: "q3", FirstSeen: at.Add(20 * time.Minute), LastSeen: at.Add(20 * time.Minute),
			PostCount: 1, SourceCount: 1, Keywords: []string{"大桥", "绕行"}, PostIDs: []string{"q3"}, Sources: []string{"portal"}},
	}); err != nil {
		t.Fatal(err)
	}
	var msg, hist string
	run("split the barbecue post off", chromedp.Navigate(base+"/events/EV-X"), chromedp.WaitVisible(`#split-event`, chromedp.ByQuery),
		chromedp.Click(`#split-event input[value="q2"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#se-reason`, "与大桥施工无关", chromedp.ByQuery),
		chromedp.Click(`#split-event button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#msg.ok`, chromedp.ByQuery), chromedp.Text(`#msg`, &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "所选1条信息将拆出另立新事件") {
		t.Errorf("after the split the page says %q", msg)
	}
	run("see the split in the history", chromedp.Navigate(base+"/events/EV-X"), chromedp.WaitVisible(`#event-history`, chromedp.ByQuery),
		chromedp.Text(`#event-history`, &hist, chromedp.ByQuery))
	for _, want := range []string{"申请拆分事件", "拆分事件", "monitor", "11月21日 16:", "拆出1条信息另立事件", "与大桥施工无关"} {
		if !strings.Contains(hist, want) {
			t.Errorf("the history after the split lacks %q:\n%s", want, hist)
		}
	}
	screenshot(t, run, artefacts(t), "event-edits", 1366, 768)
	ev, err := st.GetEvent(ctx, "EV-X")
	if err != nil || !slices.Equal(ev.PostIDs, []string{"q1"}) {
		t.Fatalf("EV-X after the split: %+v, %v", ev, err)
	}

	run("merge into the related event", chromedp.Navigate(base+"/events/EV-X"), chromedp.WaitVisible(`#merge-event button.pick[data-id="EV-Y"]`, chromedp.ByQuery),
		chromedp.Click(`#merge-event button.pick[data-id="EV-Y"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#me-reason`, "同一施工", chromedp.ByQuery),
		chromedp.Click(`#merge-event button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#msg.ok`, chromedp.ByQuery), chromedp.Text(`#msg`, &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "将并入事件EV-Y《大桥施工期间绕行方案》") {
		t.Errorf("after the merge the page says %q", msg)
	}
	var edits string
	run("see the merge on the merged-away event", chromedp.Navigate(base+"/events/EV-X"), chromedp.WaitVisible(`#event-history`, chromedp.ByQuery),
		chromedp.Text(`#edits`, &edits, chromedp.ByQuery))
	for _, want := range []string{"该事件已并入事件EV-Y", "并入其他事件", "同一施工"} {
		if !strings.Contains(edits, want) {
			t.Errorf("the merged-away event's page lacks %q:\n%s", want, edits)
		}
	}
	run("see the merge on the surviving event", chromedp.Navigate(base+"/events/EV-Y"), chromedp.WaitVisible(`#event-history`, chromedp.ByQuery),
		chromedp.Text(`#event-history`, &hist, chromedp.ByQuery))
	if !strings.Contains(hist, "合并其他事件") || !strings.Contains(hist, "EV-X 并入") {
		t.Errorf("the surviving event's history:\n%s", hist)
	}
	into, err := st.GetEvent(ctx, "EV-Y")
	if err != nil || !slices.Contains(into.PostIDs, "q1") || into.PostCount != 2 {
		t.Errorf("EV-Y after the merge: %+v, %v", into, err)
	}
	checkChinese(t, "/events/EV-Y", hist)
}

func kwOf(words ...string) []model.Keyword {
	out := make([]model.Keyword, len(words))
	for i, w := range words {
		out[i] = model.Keyword{Word: w, Weight: 1 - float64(i)*0.1}
	}
	return out
}
