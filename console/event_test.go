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
	if _, body := get(t, srv.URL+"/events/EV-9"); !strings.Contains(body, "该事件尚未立案") || !strings.Contains(body, `id="open-incident"`) {
		t.Fatalf("event page without incident: %.2000s", body)
	}
	if code, body := post(t, srv.URL+"/api/v1/incidents", `{"title":"秋粮","level":"IV","reason":"群众来电","event_id":"EV-0"}`); code != 400 || !strings.Contains(body, "invalid field event_id") {
		t.Errorf("opening on an unknown event = %d %s", code, body)
	}
	code, body := post(t, srv.URL+"/api/v1/incidents", `{"title":"秋粮收购价格","level":"IV","reason":"群众来电","event_id":"EV-9"}`)
	if code != 201 || !strings.Contains(body, `"event_id":"EV-9"`) {
		t.Fatalf("opening on the event = %d %s", code, body)
	}
	_, page := get(t, srv.URL+"/events/EV-9")
	if !strings.Contains(page, `id="related"`) || !strings.Contains(page, "秋粮收购价格") || strings.Contains(page, `id="open-incident"`) {
		t.Errorf("event page after opening: %.3000s", page)
	}
}
