package console

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/httpserver"
)

// TestHostileInput: every bad input the issue lists gets a 400 naming the
// field, and nothing is written before validation passes. (The actor is
// the signed-in account now, so a 60 KB actor cannot be sent at all.)
func TestHostileInput(t *testing.T) {
	srv, st, c := newServer(t)
	ctx := context.Background()
	long := strings.Repeat("长", 20000)
	for _, tc := range []struct {
		path, body, want string
	}{
		{"/api/v1/incidents", `{"title":"x","level":"I","actor":"a","event_time":"0001-01-01T00:00:00Z"}`, `invalid field event_time`},
		{"/api/v1/incidents", `{"title":"x","level":"I","actor":"a","event_time":"1900-01-01T00:00:00Z"}`, `invalid field event_time`},
		{"/api/v1/incidents", `{"title":"` + long + `","level":"I","actor":"a"}`, `invalid field title: 20000 characters`},
		{"/api/v1/incidents", `{"title":"x","level":"I","actor":"a","reason":"` + long + `"}`, `invalid field reason`},
		{"/api/v1/incidents", "{\"title\":\"\xff\xfe\",\"level\":\"I\",\"actor\":\"a\"}", `not valid UTF-8`},
		{"/api/v1/disclosures", `{"rule":"D-APPLY","title":"申请","date":"0001-01-01","actor":"a"}`, `invalid field date`},
		{"/api/v1/disclosures", `{"rule":"D-APPLY","title":"申请","date":"9999-12-31","actor":"a"}`, `invalid field date`},
		{"/api/v1/disclosures", `{"rule":"D-APPLY","title":"` + long + `","date":"2026-11-20","actor":"a"}`, `invalid field title`},
		{"/api/v1/incidents/INC-1/actions", `{"action":"record_response","actor":"王","rule":"R-5H","url":"javascript:alert(1)","title":"通报"}`, `invalid field url`},
		{"/api/v1/incidents/INC-1/actions", `{"action":"record_response","actor":"王","rule":"R-5H","url":"ftp://gov/x","title":"通报"}`, `invalid field url`},
		{"/api/v1/incidents/INC-1/actions", `{"action":"assign","actor":"李","assignee":"` + long + `"}`, `invalid field assignee`},
		{"/api/v1/incidents/INC-1/actions", `{"action":"restart","actor":"李","rule":"R-5H","from":"0001-01-01T00:00:00Z"}`, `field from`},
		{"/api/v1/incidents/INC-1/actions", `{"action":"restart","actor":"李","rule":"R-5H","from":"1900-01-01T00:00:00Z"}`, `invalid field from`},
		{"/api/v1/incidents/INC-1/actions", `{"action":"record_response","actor":"王","rule":"R-5H","url":"https://gov/x","title":"通报","published_at":"9999-12-31T00:00:00Z"}`, `invalid field published_at`},
		{"/api/v1/incidents/INC-1/actions", "{\"action\":\"close\",\"actor\":\"\xc3\x28\"}", `not valid UTF-8`},
	} {
		code, body := post(t, srv.URL+tc.path, tc.body)
		short := tc.body
		if len(short) > 120 {
			short = short[:120] + "…"
		}
		if code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %s = %d %.300s; want 400 containing %s", tc.path, short, code, body, tc.want)
		}
	}
	// Nothing was written: no request reached the bus, no history row.
	if sent := c.requests.(*requestLog).sent(); len(sent) != 0 {
		t.Errorf("%d requests reached the bus from bad input", len(sent))
	}
	if h, err := st.ListHistory(ctx, "INC-1"); err != nil || len(h) != 0 {
		t.Errorf("history of INC-1 after bad input = %d entries, %v; want none", len(h), err)
	}
}

// TestInternalErrorSaysOnlyThat: a 500 names the request ID and nothing of
// the cause, which goes to the log.
func TestInternalErrorSaysOnlyThat(t *testing.T) {
	_, _, c := newServer(t)
	reg := prometheus.NewRegistry()
	hs, err := httpserver.New(httpserver.Options{Gatherer: reg, Registerer: reg, App: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, errors.New("dial tcp 10.1.2.3:9000: connection refused; struct{...}"))
	})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hs.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/anything")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	id := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != 500 || strings.Contains(body, "10.1.2.3") || !strings.Contains(body, "internal error") || id == "" || !strings.Contains(body, id) {
		t.Errorf("500 = %d %q (request ID %q); want only internal error and the request ID", resp.StatusCode, body, id)
	}
}
