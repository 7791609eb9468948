package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/model"
)

// envFloat reads a positive number from the environment, or def.
func envFloat(t *testing.T, name string, def float64) float64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return f
}

// TestWholeBinaryJudgement is the judgement issue's acceptance test: the
// binary plays the demo for 15 minutes of its scenario and, as a duty
// officer would check it afterwards,
//   - no incident opened on a positive or neutral story;
//   - no alert for a moment already past (no reminder sent at or after its
//     deadline, no incident born overdue);
//   - the explosion's doubts are in the explosion's event;
//   - the official 情况通报 and press conference are not counted as
//     negative opinion in it.
//
// The demo's truth (demo.Stream: which story every item belongs to, which
// items are official) is matched to the stored posts by URL path.
//
// By default the scenario clock runs 3 times faster than the wall clock,
// so the 15 scenario minutes take 5 (the scenario's times are the wall
// clock's: a faster scenario publishes the same items closer together).
// YUQING_JUDGE_SPEED=1 plays it in real time; YUQING_JUDGE_MINUTES sets
// the scenario minutes.
func TestWholeBinaryJudgement(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the demo for minutes")
	}
	speed := envFloat(t, "YUQING_JUDGE_SPEED", 3)
	minutes := envFloat(t, "YUQING_JUDGE_MINUTES", 15)
	run := time.Duration(minutes * float64(time.Minute) / speed)

	bin := buildBinary(t)
	dir := t.TempDir()
	httpAddr, brokerAddr, demoAddr := freePort(t), freePort(t), freePort(t)
	cfg := filepath.Join(dir, "yuqing.yaml")
	dataDir := filepath.Join(dir, "data")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
crawler:
  interval: 5s
  host_delay: 10ms
demo:
  enabled: true
  listen: %s
  speed: %g
`, dataDir, demoAddr, speed)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startYuqing(t, bin, "-config", cfg, "-http-listen", httpAddr, "-broker-listen", brokerAddr)
	createToken(t, bin, cfg)
	started := time.Now()
	raw, err := os.ReadFile(filepath.Join(dataDir, "demo", "demo-epoch"))
	if err != nil {
		t.Fatalf("the demo's epoch: %v", err)
	}
	epoch, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("the demo's epoch %q: %v", raw, err)
	}
	t.Logf("playing %g scenario minutes at speed %g: %v of wall time", minutes, speed, run)
	time.Sleep(time.Until(started.Add(run)))
	// What was published is then crawled and analysed: two crawl intervals
	// and the pipeline's lag.
	time.Sleep(15 * time.Second)

	// The truth, by URL path: the demo's times are wall-clock times, so the
	// scenario offsets of the stream are the wall offsets times the speed.
	truth, err := demo.Stream("explosion", epoch, time.Duration(float64(time.Since(epoch))*speed))
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]demo.Labelled{}
	for _, it := range truth.Items {
		u, _ := url.Parse(it.Doc.URL)
		byPath[u.Path] = it
	}
	type postView struct {
		ID        string `json:"id"`
		URL       string `json:"url"`
		Title     string `json:"title"`
		Authority string `json:"authority"`
		Sentiment struct {
			Label string `json:"label"`
		} `json:"sentiment"`
	}
	posts := map[string]postView{}
	for off := 0; ; off += 500 {
		var page struct {
			Items []postView `json:"items"`
		}
		if err := p.getJSON(fmt.Sprintf("/api/v1/posts?limit=500&offset=%d", off), &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			posts[it.ID] = it
		}
		if len(page.Items) < 500 {
			break
		}
	}
	storyOf := func(id string) (demo.Labelled, bool) {
		po, ok := posts[id]
		if !ok {
			return demo.Labelled{}, false
		}
		u, err := url.Parse(po.URL)
		if err != nil {
			return demo.Labelled{}, false
		}
		it, ok := byPath[u.Path]
		return it, ok
	}
	matched := 0
	for id := range posts {
		if _, ok := storyOf(id); ok {
			matched++
		}
	}
	if matched < len(posts)*9/10 {
		t.Fatalf("only %d of %d posts matched the demo's truth by URL path", matched, len(posts))
	}

	type eventView struct {
		ID            string   `json:"id"`
		Title         string   `json:"title"`
		PostIDs       []string `json:"post_ids"`
		PostCount     int      `json:"post_count"`
		NegativeCount int      `json:"negative_count"`
	}
	getEvent := func(id string) eventView {
		var ev struct {
			Event eventView `json:"event"`
			eventView
		}
		if err := p.getJSON("/api/v1/events/"+id, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Event.ID != "" {
			return ev.Event
		}
		return ev.eventView
	}
	// majority returns the story most of an event's posts belong to.
	majority := func(ev eventView) (story, tone string) {
		n := map[string]int{}
		tones := map[string]string{}
		for _, id := range ev.PostIDs {
			if it, ok := storyOf(id); ok {
				n[it.Story]++
				tones[it.Story] = it.Tone
			}
		}
		best := 0
		for s, c := range n {
			if c > best || (c == best && s < story) {
				story, best = s, c
			}
		}
		return story, tones[story]
	}

	var incs struct {
		Items []struct {
			ID          string    `json:"id"`
			EventID     string    `json:"event_id"`
			Title       string    `json:"title"`
			State       string    `json:"state"`
			OpenedAt    time.Time `json:"opened_at"`
			Obligations []struct {
				Rule  string    `json:"rule"`
				DueAt time.Time `json:"due_at"`
			} `json:"obligations"`
		} `json:"items"`
	}
	if err := p.getJSON("/api/v1/incidents", &incs); err != nil {
		t.Fatal(err)
	}
	explosionEvent := ""
	onEvents, opinion, alerts, pastAlerts := 0, 0, 0, 0
	for _, inc := range incs.Items {
		if inc.EventID == "" {
			continue // a 政务公开 item
		}
		onEvents++
		ev := getEvent(inc.EventID)
		story, tone := majority(ev)
		historical := inc.State == model.StateHistorical
		t.Logf("incident %s %q (%s) on event %s of %d posts: story %q %s", inc.ID, inc.Title, inc.State, ev.ID, ev.PostCount, story, tone)
		if story == "explosion" {
			explosionEvent = ev.ID
		} else if !historical && tone != "negative" {
			t.Errorf("incident %s %q opened on the %s story %q", inc.ID, inc.Title, toneOr(tone), story)
		}
		if !historical {
			opinion++
		}
		due := map[string]time.Time{}
		for _, o := range inc.Obligations {
			due[o.Rule] = o.DueAt
		}
		var dl struct {
			Items []struct {
				At              time.Time `json:"at"`
				NotificationKey string    `json:"notification_key"`
				Status          string    `json:"status"`
			} `json:"items"`
		}
		if err := p.getJSON("/api/v1/incidents/"+inc.ID+"/deliveries", &dl); err != nil {
			t.Fatal(err)
		}
		for _, d := range dl.Items {
			alerts++
			rule, kind, _ := strings.Cut(d.NotificationKey, "/")
			switch {
			case strings.HasPrefix(kind, "reminder") && !due[rule].IsZero() && !d.At.Before(due[rule]):
				pastAlerts++
				t.Errorf("incident %s: reminder %s sent at %s, at or after its deadline %s", inc.ID, d.NotificationKey,
					d.At.In(model.China).Format(time.DateTime), due[rule].In(model.China).Format(time.DateTime))
			case strings.HasPrefix(kind, "breach") && d.At.Sub(inc.OpenedAt) < time.Minute && !historical:
				pastAlerts++
				t.Errorf("incident %s was born overdue: %s within a minute of opening", inc.ID, d.NotificationKey)
			}
		}
	}
	if explosionEvent == "" {
		t.Fatalf("no incident on the explosion's story (scenario incidents %q)", truth.Incidents)
	}

	// The doubts are in the explosion's event; the official voice in it is
	// not counted as negative opinion.
	ev := getEvent(explosionEvent)
	inEvent := map[string]bool{}
	for _, id := range ev.PostIDs {
		inEvent[id] = true
	}
	doubts := []string{"伤亡人数是不是被瞒报了", "为什么官方迟迟不发通报", "宏源化工上班"}
	found := map[string]string{}
	for id, po := range posts {
		for _, d := range doubts {
			if strings.Contains(po.Title, d) {
				found[d] = id
			}
		}
	}
	for _, d := range doubts {
		id, ok := found[d]
		switch {
		case !ok:
			t.Errorf("the doubt 「%s」 was not stored as a post", d)
		case !inEvent[id]:
			t.Errorf("the doubt 「%s」 (post %s) is not in the explosion's event %s", d, id, ev.ID)
		}
	}
	publicNeg, officialNeg, official := 0, 0, 0
	for _, id := range ev.PostIDs {
		po, ok := posts[id]
		if !ok {
			continue
		}
		it, _ := storyOf(id)
		if it.Official || po.Authority == model.TierOfficial {
			official++
			if po.Sentiment.Label == model.Negative {
				officialNeg++
			}
			continue
		}
		if po.Sentiment.Label == model.Negative {
			publicNeg++
		}
	}
	if official == 0 {
		t.Error("no official post (情况通报, press conference) in the explosion's event")
	}
	if ev.NegativeCount > publicNeg {
		t.Errorf("the explosion's event counts %d negative posts, but only %d public posts are negative: official posts (%d negative of %d) are counted as opinion",
			ev.NegativeCount, publicNeg, officialNeg, official)
	}
	fmt.Printf("judgement, %g scenario minutes at speed %g: %d posts (%d matched to the truth), %d incidents on events (%d not historical), explosion event %d posts with %d official (%d labelled negative, not counted) and %d negative counted, doubts in it %d/%d, %d alerts, %d for a moment already past\n",
		minutes, speed, len(posts), matched, onEvents, opinion, ev.PostCount, official, officialNeg, ev.NegativeCount,
		countIn(found, inEvent), len(doubts), alerts, pastAlerts)
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Errorf("yuqing exited with %v after SIGTERM, want 0", err)
	}
}

func toneOr(tone string) string {
	if tone == "" {
		return "scenario"
	}
	return tone
}

func countIn(found map[string]string, in map[string]bool) int {
	n := 0
	for _, id := range found {
		if in[id] {
			n++
		}
	}
	return n
}
