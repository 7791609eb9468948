package httpserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestWriteRateLimit: past its burst a client's writes get 429 (counted)
// while its reads and other clients' writes pass; tokens come back with
// time (a fake clock).
func TestWriteRateLimit(t *testing.T) {
	reg := prometheus.NewRegistry()
	mw, err := WriteRateLimit(2, 3, reg)
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	do := func(method, remote string) int {
		r := httptest.NewRequest(method, "/api/v1/incidents", strings.NewReader("{}"))
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 3 {
		if code := do("POST", "10.0.0.1:1000"); code != 202 {
			t.Fatalf("write %d within the burst = %d", i, code)
		}
	}
	if code := do("POST", "10.0.0.1:1001"); code != 429 {
		t.Errorf("write past the burst = %d, want 429", code)
	}
	if code := do("GET", "10.0.0.1:1001"); code != 202 {
		t.Errorf("read of a limited client = %d, want it served", code)
	}
	if code := do("DELETE", "10.0.0.2:1000"); code != 202 {
		t.Errorf("another client's write = %d, want it served", code)
	}
	n, err := testutil.GatherAndCount(reg, "yuqing_http_rate_limited_total")
	if err != nil || n != 1 {
		t.Fatalf("rate-limited series = %d, %v", n, err)
	}
	mfs, _ := reg.Gather()
	if got := mfs[0].GetMetric()[0].GetCounter().GetValue(); got != 1 {
		t.Errorf("yuqing_http_rate_limited_total = %v, want 1", got)
	}
	// A fake clock: after one second two tokens are back.
	l := &limiter{rate: 2, burst: 3, clients: map[string]*bucket{}}
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	for range 3 {
		l.allow("c")
	}
	if _, ok := l.allow("c"); ok {
		t.Error("a fourth write at once was allowed")
	}
	now = now.Add(time.Second)
	if _, ok := l.allow("c"); !ok {
		t.Error("a write after a second was refused")
	}
}
