package responder

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// eventReq is the request entry the console files for an event request.
func eventReq(t *testing.T, id, event, action string, req model.EventRequest, at time.Time) model.HistoryEntry {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return model.HistoryEntry{ID: id, IncidentID: event, At: at, Actor: "王科长", Action: model.RequestPrefix + action, Reason: string(b)}
}

func getEvent(t *testing.T, st store.Store, id string) model.Event {
	t.Helper()
	ev, err := st.GetEvent(context.Background(), id)
	if err != nil {
		t.Fatalf("event %s: %v", id, err)
	}
	return ev
}

func actions(t *testing.T, st store.Store, id string) []string {
	t.Helper()
	hist, err := st.ListHistory(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hist {
		out = append(out, h.Action)
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// newExplosion is a responder that has clustered explosion().
func newExplosion(t *testing.T, st store.Store, now *time.Time) *Responder {
	t.Helper()
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return *now }))
	ctx := context.Background()
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	// The analyzer stores a post before the responder sees it.
	if err := st.UpsertPosts(ctx, explosion()); err != nil {
		t.Fatal(err)
	}
	if err := r.HandlePosts(ctx, explosion()); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMergeEventsByHand(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := newExplosion(t, st, &now)
	ex, meeting := eventID("x1"), eventID("c1")
	if got := getEvent(t, st, meeting); got.MergedInto != "" || got.PostCount != 1 {
		t.Fatalf("before: the meeting is its own event: %+v", got)
	}
	req := eventReq(t, "R-m1", meeting, model.RequestEventMerge, model.EventRequest{Into: ex, Reason: "同一会议通报"}, now)
	// Delivered twice (at least once), and again after a rebuild.
	for range 2 {
		if err := r.HandleRequests(ctx, reqsOf(req)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.HandleRequests(ctx, reqsOf(req)); err != nil {
		t.Fatal(err)
	}
	gone, into := getEvent(t, st, meeting), getEvent(t, st, ex)
	if gone.MergedInto != ex || !slices.Contains(into.PostIDs, "c1") || into.PostCount != 6 {
		t.Fatalf("after the merge: merged away %q, into %d posts %v; want into %s with c1 (6 posts, once)", gone.MergedInto, into.PostCount, into.PostIDs, ex)
	}
	if a := actions(t, st, meeting); count(a, model.ActionEventMerged) != 1 || count(a, model.RequestPrefix+model.RequestEventMerge) != 1 {
		t.Errorf("history of the merged-away event: %v; want the request and its outcome once", a)
	}
	if a := actions(t, st, ex); count(a, model.ActionEventAbsorbed) != 1 {
		t.Errorf("history of the surviving event: %v; want one absorbed entry", a)
	}
	hist, _ := st.ListHistory(ctx, meeting)
	if last := hist[len(hist)-1]; last.Actor != "王科长" || !strings.Contains(last.Reason, "同一会议通报") || !strings.Contains(last.Reason, ex) {
		t.Errorf("the outcome says who and why: %+v", last)
	}
	// A later post that matches the merged-away event goes to the
	// surviving one, not into a new event.
	later := post("c3", "portal", "县政府常务会议研究供暖", "常务会议部署冬季供暖", 50*time.Minute, model.Neutral, 0xAAAAAAAAAAAAAAAB, "常务会议", "供暖", "部署")
	if err := r.HandlePosts(ctx, []model.Post{later}); err != nil {
		t.Fatal(err)
	}
	if into := getEvent(t, st, ex); !slices.Contains(into.PostIDs, "c3") {
		t.Errorf("the post matching the merged-away event is not in %s: %v", ex, into.PostIDs)
	}
	if _, err := st.GetEvent(ctx, eventID("c3")); err == nil {
		t.Errorf("the post matching the merged-away event founded an event of its own")
	}
}

func TestSplitEventByHand(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := newExplosion(t, st, &now)
	ex := eventID("x1")
	if got := getEvent(t, st, ex); got.PostCount != 5 {
		t.Fatalf("before: the explosion event has %d posts %v, want 5", got.PostCount, got.PostIDs)
	}
	req := eventReq(t, "R-s1", ex, model.RequestEventSplit, model.EventRequest{Posts: []string{"x4", "x5"}, Reason: "另一起事故"}, now)
	for range 2 {
		if err := r.HandleRequests(ctx, reqsOf(req)); err != nil {
			t.Fatal(err)
		}
	}
	nid := splitEventID("R-s1")
	rest, split := getEvent(t, st, ex), getEvent(t, st, nid)
	if rest.PostCount != 3 || slices.Contains(rest.PostIDs, "x4") || split.PostCount != 2 || !slices.Equal(split.PostIDs, []string{"x4", "x5"}) {
		t.Fatalf("after the split: %s has %d %v, %s has %d %v; want 3 and [x4 x5]", ex, rest.PostCount, rest.PostIDs, nid, split.PostCount, split.PostIDs)
	}
	if rest.NegativeCount != 3 || split.NegativeCount != 2 || split.FirstPostID != "x4" || len(split.Keywords) == 0 {
		t.Errorf("the figures are recounted: %+v / %+v", rest, split)
	}
	if a := actions(t, st, ex); count(a, model.ActionEventSplit) != 1 {
		t.Errorf("history of the split event: %v; want one split entry", a)
	}
	if a := actions(t, st, nid); count(a, model.ActionEventSplitFrom) != 1 {
		t.Errorf("history of the new event: %v; want one entry", a)
	}
	// The next posts of the story match both; the clusterer does not merge
	// what a person split, neither now nor after a rebuild.
	next := func(id string, at time.Duration) {
		t.Helper()
		p := post(id, "news3", "化工厂爆炸事故最新进展", "化工厂爆炸事故死亡人数", at, model.Negative, 0x0F0F0F0F0F0F0F1F, "化工厂", "爆炸", "死亡", "事故", "受伤")
		if err := st.UpsertPosts(ctx, []model.Post{p}); err != nil {
			t.Fatal(err)
		}
		if err := r.HandlePosts(ctx, []model.Post{p}); err != nil {
			t.Fatal(err)
		}
		a, b := getEvent(t, st, ex), getEvent(t, st, nid)
		if a.MergedInto != "" || b.MergedInto != "" {
			t.Fatalf("after post %s the events split by hand were merged again: %q / %q", id, a.MergedInto, b.MergedInto)
		}
		if a.PostCount+b.PostCount != 5+int(at/time.Minute-44) || (!slices.Contains(a.PostIDs, id) && !slices.Contains(b.PostIDs, id)) {
			t.Fatalf("post %s joined neither event: %v / %v", id, a.PostIDs, b.PostIDs)
		}
	}
	next("x6", 45*time.Minute)
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	next("x7", 46*time.Minute)
	// Delivered again after the rebuild: still applied once.
	if err := r.HandleRequests(ctx, reqsOf(req)); err != nil {
		t.Fatal(err)
	}
	if a := actions(t, st, ex); count(a, model.ActionEventSplit) != 1 || count(a, "request_rejected") != 0 {
		t.Errorf("history after redelivery: %v", a)
	}
	// The event the posts were split from is merged into another: the
	// decision holds for the one it went into, also after a rebuild.
	meeting := eventID("c1")
	if err := r.HandleRequests(ctx, reqsOf(eventReq(t, "R-m2", ex, model.RequestEventMerge, model.EventRequest{Into: meeting}, now))); err != nil {
		t.Fatal(err)
	}
	if !r.state.keptApart(meeting, nid) || r.state.keptApart(ex, nid) {
		t.Errorf("after the merge: %s apart from %s: %v; want the decision moved to %s", ex, nid, r.state.apart, meeting)
	}
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if !r.state.keptApart(meeting, nid) {
		t.Errorf("after the rebuild %s and %s are not kept apart: %v", meeting, nid, r.state.apart)
	}
}

func TestBadEventRequestsRefused(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := newExplosion(t, st, &now)
	ex, meeting, harvest := eventID("x1"), eventID("c1"), eventID("c2")
	if err := r.HandleRequests(ctx, reqsOf(eventReq(t, "R-ok", harvest, model.RequestEventMerge, model.EventRequest{Into: meeting}, now))); err != nil {
		t.Fatal(err)
	}
	before := getEvent(t, st, ex)
	cases := []struct {
		event, action string
		req           model.EventRequest
		why           string
	}{
		{ex, model.RequestEventMerge, model.EventRequest{Into: ex}, "自己"},
		{ex, model.RequestEventMerge, model.EventRequest{Into: "EV-nosuch"}, "不存在"},
		{ex, model.RequestEventMerge, model.EventRequest{Into: harvest}, "已并入"},
		{harvest, model.RequestEventMerge, model.EventRequest{Into: ex}, "已并入"},
		{harvest, model.RequestEventSplit, model.EventRequest{Posts: []string{"c2"}}, "已并入"},
		{ex, model.RequestEventSplit, model.EventRequest{Posts: before.PostIDs}, "全部"},
		{ex, model.RequestEventSplit, model.EventRequest{Posts: []string{"c1"}}, "不属于"},
		{ex, model.RequestEventSplit, model.EventRequest{}, "未选择"},
	}
	for i, c := range cases {
		id := "R-bad" + string(rune('a'+i))
		if err := r.HandleRequests(ctx, reqsOf(eventReq(t, id, c.event, c.action, c.req, now.Add(time.Duration(i)*time.Second)))); err != nil {
			t.Fatal(err)
		}
		hist, _ := st.ListHistory(ctx, c.event)
		i := slices.IndexFunc(hist, func(h model.HistoryEntry) bool { return h.ID == eventOutcomeID(id) })
		if i < 0 || hist[i].Action != "request_rejected" || !strings.Contains(hist[i].Reason, c.why) {
			t.Errorf("case %d (%s %+v): outcome %+v, want refused saying %q", i, c.action, c.req, hist, c.why)
		}
	}
	after := getEvent(t, st, ex)
	if after.PostCount != before.PostCount || after.MergedInto != "" || !slices.Equal(after.PostIDs, before.PostIDs) {
		t.Errorf("refused requests changed the event: %+v → %+v", before, after)
	}
}

// TestMergeByHandMovesIncident merges an event with an incident into one
// without: the incident goes with its posts.
func TestMergeByHandMovesIncident(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := t0.Add(time.Hour)
	r := newExplosion(t, st, &now)
	ex, meeting := eventID("x1"), eventID("c1")
	incID := getEvent(t, st, ex).IncidentID
	if incID == "" {
		t.Fatal("the explosion opened no incident")
	}
	if err := r.HandleRequests(ctx, reqsOf(eventReq(t, "R-mi", ex, model.RequestEventMerge, model.EventRequest{Into: meeting}, now))); err != nil {
		t.Fatal(err)
	}
	into := getEvent(t, st, meeting)
	inc, err := st.GetIncident(ctx, incID)
	if err != nil || into.IncidentID != incID || inc.EventID != meeting || into.PostCount != 6 {
		t.Errorf("after the merge: event %s incident %q (%d posts), incident's event %q, %v; want the incident moved to %s",
			meeting, into.IncidentID, into.PostCount, inc.EventID, err, meeting)
	}
}
