package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// TestOpenIncidentOnEvent: an incident opened by hand from an event's
// page names the event, which then lists it among its incidents and no
// longer offers the form; an unknown event is refused naming the field.
func TestOpenIncidentOnEvent(t *testing.T) {
	srv, st, _ := newServer(t)
	ctx := context.Background()
	ev := model.Event{ID: "EV-9", Version: 1, Title: "秋粮收购", FirstPostID: "p2", PostIDs: []string{"p2"}, Heat: 3,
		FirstSeen: time.Now().Add(-time.Hour), LastSeen: time.Now()}
	if err := st.UpsertEvents(ctx, []model.Event{ev}); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, srv.URL+"/events/EV-9")
	if code != 200 {
		t.Fatalf("event page = %d", code)
	}
	for _, want := range []string{"该事件尚未立案", `id="open-incident"`, `<blockquote class="sum">粮食产量创新高。</blockquote>`, "仅此1条", `<h3>来源类型</h3>`} {
		if !strings.Contains(body, want) {
			t.Errorf("event page without incident lacks %s: %.3000s", want, body)
		}
	}
	if code, body := post(t, srv.URL+"/api/v1/incidents", `{"title":"秋粮","level":"IV","reason":"群众来电","event_id":"EV-0"}`); code != 400 || !strings.Contains(body, "invalid field event_id") {
		t.Errorf("opening on an unknown event = %d %s", code, body)
	}
	code, body = post(t, srv.URL+"/api/v1/incidents", `{"title":"秋粮收购价格","level":"IV","reason":"群众来电","event_id":"EV-9"}`)
	if code != 201 || !strings.Contains(body, `"event_id":"EV-9"`) {
		t.Fatalf("opening on the event = %d %s", code, body)
	}
	_, page := get(t, srv.URL+"/events/EV-9")
	if !strings.Contains(page, `id="related"`) || !strings.Contains(page, "秋粮收购价格") || strings.Contains(page, `id="open-incident"`) {
		t.Errorf("event page after opening: %.3000s", page)
	}
}
