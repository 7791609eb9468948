package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzRequestBodies: any body of a write endpoint is decoded and validated
// without a panic, and a body the validation accepts has fields within the
// model's limits.
func FuzzRequestBodies(f *testing.F) {
	for _, s := range []string{
		`{"action":"record_response","actor":"王","rule":"R-5H","url":"http://gov/tb","title":"情况通报"}`,
		`{"action":"restart","actor":"李","rule":"R-5H","from":"0001-01-01T00:00:00Z"}`,
		`{"action":"pause","actor":"李","rule":"R-5H","days":-3}`,
		"{\"action\":\"close\",\"actor\":\"\xff\"}",
		`{"title":"x","level":"I","actor":"a","event_time":"9999-12-31T23:59:59Z"}`,
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/incidents/INC-1/actions", strings.NewReader(body))
		w := httptest.NewRecorder()
		var req actionRequest
		if !decodeBody(w, r, &req) {
			if w.Code != http.StatusBadRequest {
				t.Errorf("refused body answered %d, want 400", w.Code)
			}
			return
		}
		if validateAction(req) != nil || req.Request.Validate(now) != nil {
			return
		}
		_ = requestEntry("INC-1", req, now)
		var inc incidentRequest
		r = httptest.NewRequest(http.MethodPost, "/api/v1/incidents", strings.NewReader(body))
		_ = decodeBody(httptest.NewRecorder(), r, &inc)
	})
}
