package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
)

// TestRejectedMovesAnswer409: every request the incident's state would
// refuse or ignore is answered 409 with the reason in Chinese, recorded
// nowhere and never handed to the responder; the same request on an
// incident in a state that takes it is accepted.
func TestRejectedMovesAnswer409(t *testing.T) {
	var o Options
	srv, st, _ := newServer(t, func(opts *Options) { o = *opts })
	ctx := context.Background()
	now := time.Now().UTC()
	base := func(id, state string) model.Incident {
		return model.Incident{ID: id, Version: 1, Title: "测试事件", Level: "III", State: state, Open: true, OpenedAt: now, ClockStart: now,
			Obligations: []model.Obligation{{Rule: "R-5H", Title: "发布权威信息", DueAt: now.Add(5 * time.Hour), State: model.ObligationPending}}}
	}
	confirmed := base("INC-C", model.StateConfirmed)
	assigned := base("INC-A", model.StateHandling)
	assigned.Assignee = "应急局"
	acked := base("INC-K", model.StatePending)
	acked.AckedAt, acked.AckedBy = now, "张值班"
	fulfilled := base("INC-F", model.StateResponded)
	fulfilled.Obligations[0].State = model.ObligationFulfilled
	fulfilled.Obligations[0].Evidence = &model.Evidence{URL: "http://gov/1", Title: "情况通报", ConfirmedBy: "王干事"}
	waived := base("INC-W", model.StateHandling)
	waived.Obligations[0].State, waived.Obligations[0].WaivedReason = model.ObligationWaived, "已由上级发布"
	levelled := base("INC-L", model.StateConfirmed)
	levelled.LevelConfirmed = true
	extended := base("INC-E", model.StatePending)
	extended.Obligations[0].Extended = true
	falseAlarm := base("INC-X", model.StateFalseAlarm)
	falseAlarm.Open = false
	fresh := base("INC-P", model.StatePending)
	if err := st.UpsertIncidents(ctx, []model.Incident{confirmed, assigned, acked, fulfilled, waived, levelled, extended, falseAlarm, fresh}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, incident, body string
		code                 int
		want                 string
	}{
		{"confirm an already-confirmed", "INC-C", `{"action":"confirm"}`, 409, "已研判确认（当前状态：已确认），无需再次确认"},
		{"confirm with a new level", "INC-C", `{"action":"confirm","level":"I"}`, 409, "请使用「确定级别」"},
		{"assign to the assignee", "INC-A", `{"action":"assign","assignee":"应急局"}`, 409, "已由应急局处置，无需重复指派"},
		{"acknowledge with nothing to acknowledge", "INC-K", `{"action":"acknowledge"}`, 409, "提醒已由张值班确认收到"},
		{"waive a fulfilled obligation", "INC-F", `{"action":"waive","rule":"R-5H","reason":"不需要"}`, 409, "「发布权威信息」已履行，无需豁免"},
		{"waive a waived obligation", "INC-W", `{"action":"waive","rule":"R-5H","reason":"不需要"}`, 409, "已豁免，无需再次豁免"},
		{"confirm evidence with none", "INC-P", `{"action":"confirm_evidence","rule":"R-5H"}`, 409, "尚无回应证据，无可确认"},
		{"confirm evidence already confirmed", "INC-F", `{"action":"confirm_evidence","rule":"R-5H"}`, 409, "已由王干事确认"},
		{"set the level it has", "INC-L", `{"action":"set_level","level":"III"}`, 409, "已确定为III级，级别未变"},
		{"false alarm after a response", "INC-F", `{"action":"false_alarm"}`, 409, "已作出回应，不能再研判为误报"},
		{"extend twice", "INC-E", `{"action":"extend","rule":"R-5H"}`, 409, "已延长过一次"},
		{"pause a fulfilled obligation", "INC-F", `{"action":"pause","rule":"R-5H","days":3}`, 409, "已不在办理中（已履行）"},
		{"anything on a false alarm", "INC-X", `{"action":"close"}`, 409, "已研判为误报，不再受理任何操作"},
		// The same moves where the state takes them.
		{"confirm a pending", "INC-P", `{"action":"confirm"}`, 202, `"status":"accepted"`},
		{"assign to someone else", "INC-A", `{"action":"assign","assignee":"公安局"}`, 202, `"status":"accepted"`},
		{"acknowledge unacknowledged", "INC-P", `{"action":"acknowledge"}`, 202, `"status":"accepted"`},
		{"waive a pending obligation", "INC-P", `{"action":"waive","rule":"R-5H","reason":"不需要"}`, 202, `"status":"accepted"`},
		{"change the level", "INC-L", `{"action":"set_level","level":"II"}`, 202, `"status":"accepted"`},
		{"set the level first time", "INC-C", `{"action":"set_level","level":"III"}`, 202, `"status":"accepted"`},
	} {
		before := len(o.Requests.(*requestLog).sent())
		code, body := post(t, srv.URL+"/api/v1/incidents/"+tc.incident+"/actions", tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: POST %s = %d %s; want %d containing %s", tc.name, tc.body, code, body, tc.code, tc.want)
			continue
		}
		after := len(o.Requests.(*requestLog).sent())
		if code == 409 {
			var ans map[string]string
			if err := json.Unmarshal([]byte(body), &ans); err != nil || ans["state"] == "" || !strings.HasSuffix(ans["error"], "。") {
				t.Errorf("%s: answer %s, want the reason as a Chinese sentence and the state", tc.name, body)
			}
			if after != before {
				t.Errorf("%s: a refused request was handed to the responder", tc.name)
			}
		} else if after != before+1 {
			t.Errorf("%s: an accepted request was not handed to the responder", tc.name)
		}
	}
	for _, id := range []string{"INC-K", "INC-W", "INC-E", "INC-X"} {
		if h, err := st.ListHistory(ctx, id); err != nil || len(h) != 0 {
			t.Errorf("history of %s = %v, %v; want nothing recorded for refused requests", id, h, err)
		}
	}
	if _, body := get(t, srv.URL+"/metrics"); !strings.Contains(body, `yuqing_console_requests_refused_total{action="waive"} 2`) {
		t.Errorf("the refusals are not counted: %s", grepLines(body, "refused"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAckLinkWithNothingToAcknowledge: an alert's link on an incident
// already acknowledged answers 409 with a page saying who acknowledged it,
// and records nothing.
func TestAckLinkWithNothingToAcknowledge(t *testing.T) {
	acker, err := notify.NewAcker("ack-secret-0123456789abcdef", "http://console.test/api/v1/ack", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, st, _ := newServer(t, func(o *Options) { o.Acker = acker })
	ctx := context.Background()
	inc, err := st.GetIncident(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	inc.Version++
	inc.AckedAt, inc.AckedBy = time.Now(), "张值班"
	if err := st.UpsertIncidents(ctx, []model.Incident{inc}); err != nil {
		t.Fatal(err)
	}
	token := acker.Token(notify.AckClaims{IncidentID: "INC-1", Key: "opened", Recipient: "duty", Expires: time.Now().Add(time.Hour).Unix()})
	resp, err := http.Get(srv.URL + "/api/v1/ack?token=" + url.QueryEscape(token))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 409 || !strings.Contains(string(b), "提醒已由张值班确认收到") {
		t.Errorf("ack of an acknowledged incident = %d %s", resp.StatusCode, b)
	}
	if h, _ := st.ListHistory(ctx, "INC-1"); len(h) != 0 {
		t.Errorf("history after a refused ack = %+v", h)
	}
}
