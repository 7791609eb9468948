package console

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The console's routes label the request metrics as they always did (the
// Grafana dashboard sums them by route and code), and the pages' static
// files are served under /assets/.
func TestRoutesMetricsAndAssets(t *testing.T) {
	srv, _, _ := newServer(t)
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/posts/p1", 200, `"id":"p1"`},
		{"/api/v1/posts/none", 404, `not found`},
		{"/", 200, `<link rel="stylesheet" href="/assets/console.css">`},
		{"/", 200, `<script src="/assets/home.js"></script>`},
		{"/assets/console.css", 200, "header{"},
		{"/assets/api.js", 200, "X-CSRF-Token"},
		{"/assets/echarts.min.js", 200, "Apache"},
		{"/assets/nope.css", 404, ""},
		{"/api/v1/ack?token=x", 404, "本系统未配置确认链接"},
	} {
		code, body := get(t, srv.URL+tc.path)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d %.200s; want %d containing %s", tc.path, code, body, tc.code, tc.want)
		}
	}
	_, metrics := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		`yuqing_console_requests_total{code="200",route="/api/v1/posts/{id}"} 1`,
		`yuqing_console_requests_total{code="404",route="/api/v1/posts/{id}"} 1`,
		`yuqing_console_requests_total{code="200",route="/{$}"} 2`,
		`yuqing_console_request_duration_seconds_count{route="/api/v1/posts/{id}"} 2`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestNewNeedsItsDependencies(t *testing.T) {
	if _, err := New(Options{Registerer: prometheus.NewRegistry()}); err == nil {
		t.Error("a console without a store was built")
	}
	_, st, _ := newServer(t)
	if _, err := New(Options{Store: st, Requests: &requestLog{}}); err == nil {
		t.Error("a console without a Registerer was built")
	}
	reg := prometheus.NewRegistry()
	if _, err := New(Options{Store: st, Registerer: reg}); err == nil {
		t.Error("a console without a request publisher was built")
	}
	if _, err := New(Options{Store: st, Requests: &requestLog{}, Registerer: reg}); err == nil {
		t.Error("a console without the accounts service was built")
	}
	as := newAuth(t, st)
	if _, err := New(Options{Store: st, Requests: &requestLog{}, Registerer: reg, Auth: as}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Store: st, Requests: &requestLog{}, Registerer: reg, Auth: as}); err == nil {
		t.Error("two consoles registered their metrics on one registry")
	}
}
