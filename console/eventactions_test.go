package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
)

// TestEventActionsAPI merges and splits events through the API: a viewer
// is refused (403, audited as denied), a bad body is a 400 naming the
// field in Chinese, an unknown event a 404, what cannot be done a 409
// with the reason, and an accepted request is a 202 saying what will
// happen, handed to the responder, recorded in the event's history and
// audited once.
func TestEventActionsAPI(t *testing.T) {
	srv, st, c := newServer(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	if err := st.UpsertEvents(ctx, []model.Event{
		{ID: "EV-A", Version: 1, Title: "化工厂爆炸", FirstSeen: now, LastSeen: now, PostCount: 2, PostIDs: []string{"p1", "p2"}},
		{ID: "EV-B", Version: 1, Title: "爆炸事故通报", FirstSeen: now, LastSeen: now, PostCount: 1, PostIDs: []string{"p3"}},
		{ID: "EV-M", Version: 1, Title: "已并入", FirstSeen: now, LastSeen: now, PostCount: 1, PostIDs: []string{"p4"}, MergedInto: "EV-B"},
	}); err != nil {
		t.Fatal(err)
	}
	log := c.requests.(*requestLog)

	useRole(t, srv, auth.RoleViewer)
	if code, _, body := do(t, "POST", srv.URL+"/api/v1/events/EV-A/actions", `{"action":"merge","into":"EV-B"}`); code != http.StatusForbidden {
		t.Errorf("viewer merge = %d %s; want 403", code, body)
	}
	useRole(t, srv, auth.RoleMonitor)
	for _, tc := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"EV-A", `{"action":"merge","into":"EV-B","colour":"red"}`, 400, `"field":"colour","message":"无法识别的字段「colour」。"`},
		{"EV-A", `{"action":"join","into":"EV-B"}`, 400, `"field":"action"`},
		{"EV-A", `{"action":"merge"}`, 400, `"field":"into","message":"请填写要并入的事件编号。"`},
		{"EV-A", `{"action":"merge","into":"EV-nosuch"}`, 400, `"field":"into","message":"没有编号为「EV-nosuch」的事件。"`},
		{"EV-A", `{"action":"split"}`, 400, `"field":"posts"`},
		{"EV-A", `{"action":"split","posts":"p1"}`, 400, `"field":"posts"`},
		{"EV-A", `{"action":"split","posts":["p1"],"into":"EV-B"}`, 400, `"field":"into"`},
		{"EV-nosuch", `{"action":"merge","into":"EV-B"}`, 404, `not found`},
		{"EV-A", `{"action":"merge","into":"EV-A"}`, 409, `不能把事件合并到它自己`},
		{"EV-A", `{"action":"merge","into":"EV-M"}`, 409, `目标事件EV-M已并入事件EV-B，请改为并入EV-B`},
		{"EV-M", `{"action":"merge","into":"EV-A"}`, 409, `该事件已并入事件EV-B`},
		{"EV-A", `{"action":"split","posts":["p1","p2"]}`, 409, `不能把全部信息拆出去`},
		{"EV-A", `{"action":"split","posts":["p3"]}`, 409, `信息p3不属于该事件`},
	} {
		code, _, body := do(t, "POST", srv.URL+"/api/v1/events/"+tc.path+"/actions", tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %s = %d %s; want %d containing %s", tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	if n := len(log.sent()); n != 0 {
		t.Fatalf("refused requests reached the responder: %d", n)
	}

	// The bus is unavailable: 503, nothing recorded.
	log.mu.Lock()
	log.err = errors.New("broker unreachable")
	log.mu.Unlock()
	if code, _, body := do(t, "POST", srv.URL+"/api/v1/events/EV-A/actions", `{"action":"merge","into":"EV-B"}`); code != http.StatusServiceUnavailable {
		t.Errorf("merge with the bus down = %d %s; want 503", code, body)
	}
	if hist, err := st.ListHistory(ctx, "EV-A"); err != nil || len(hist) != 0 {
		t.Errorf("a request not handed over is recorded: %+v, %v", hist, err)
	}
	log.mu.Lock()
	log.err = nil
	log.mu.Unlock()

	code, _, body := do(t, "POST", srv.URL+"/api/v1/events/EV-A/actions", `{"action":"merge","into":"EV-B","reason":"同一事故"}`)
	if code != http.StatusAccepted || !strings.Contains(body, `本事件的2条信息将并入事件EV-B《爆炸事故通报》`) {
		t.Fatalf("merge = %d %s", code, body)
	}
	code, _, body = do(t, "POST", srv.URL+"/api/v1/events/EV-A/actions", `{"action":"split","posts":["p2","p2"]}`)
	if code != http.StatusAccepted || !strings.Contains(body, `所选1条信息将拆出另立新事件`) {
		t.Fatalf("split = %d %s", code, body)
	}
	sent := log.sent()
	if len(sent) != 2 || sent[0].IncidentID != "EV-A" || sent[0].Action != model.RequestPrefix+model.RequestEventMerge ||
		sent[1].Action != model.RequestPrefix+model.RequestEventSplit || sent[0].Actor != "monitor" {
		t.Fatalf("sent to the responder: %+v", sent)
	}
	var merge, split model.EventRequest
	if json.Unmarshal([]byte(sent[0].Reason), &merge) != nil || merge.Into != "EV-B" || merge.Reason != "同一事故" ||
		json.Unmarshal([]byte(sent[1].Reason), &split) != nil || strings.Join(split.Posts, ",") != "p2" {
		t.Errorf("the requests: %s / %s", sent[0].Reason, sent[1].Reason)
	}
	hist, err := st.ListHistory(ctx, "EV-A")
	if err != nil || len(hist) != 2 || hist[0].ID != sent[0].ID {
		t.Errorf("the event's history = %+v, %v; want the two requests", hist, err)
	}

	if code, body := get(t, srv.URL+"/api/v1/events/EV-A/history"); code != 200 || !strings.Contains(body, `"action":"request.event_split"`) {
		t.Errorf("GET history = %d %s", code, body)
	}
	if code, _ := get(t, srv.URL+"/api/v1/events/EV-nosuch/history"); code != 404 {
		t.Errorf("GET history of an unknown event = %d, want 404", code)
	}
	audit := strings.Join(auditRecords(t, c), "\n")
	for _, want := range []string{
		"viewer POST /api/v1/events/{id}/actions /api/v1/events/EV-A/actions denied 缺少权限 event.edit",
		"monitor event.merge event:EV-A ok 同一事故",
		"monitor event.split event:EV-A ok",
		"monitor event.merge event:EV-A failed",
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %q:\n%s", want, audit)
		}
	}
	if n := strings.Count(audit, "monitor event.merge event:EV-A ok"); n != 1 {
		t.Errorf("the merge is audited %d times, want once:\n%s", n, audit)
	}
}
