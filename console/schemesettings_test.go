package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/settings"
)

// TestSchemesAPI creates, edits, disables and enables a monitoring scheme
// through the API: a viewer is refused (403, audited as denied), the
// monitor's changes land in the store's settings (what the analyzer polls)
// and in the audit log, and a bad scheme is a 400 naming the field with a
// Chinese message.
func TestSchemesAPI(t *testing.T) {
	srv, st, c := newServer(t)
	ctx := context.Background()
	// The configured schemes are the seed.
	if _, err := settings.Seed(ctx, st, settings.SchemeSeed(nil), c.now()); err != nil {
		t.Fatal(err)
	}
	seed := []model.SettingChange{model.Scheme{ID: "chem", Name: "危化品安全", Subjects: []string{"化工厂"}}.Change("", "", c.now())}
	if n, err := settings.Seed(ctx, st, seed, c.now()); err != nil || n != 1 {
		t.Fatalf("seed = %d, %v", n, err)
	}
	const flood = `{"id":"flood","name":"防汛","regions":["青岚县"],"events":["积水","内涝"],"alert":true}`

	useRole(t, srv, auth.RoleViewer)
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/v1/schemes", flood},
		{"PUT", "/api/v1/schemes/chem", `{"name":"改"}`},
		{"POST", "/api/v1/schemes/chem/disable", ``},
		{"POST", "/api/v1/schemes/chem/enable", ``},
	} {
		if code, _, body := do(t, r.method, srv.URL+r.path, r.body); code != http.StatusForbidden {
			t.Errorf("viewer %s %s = %d %s; want 403", r.method, r.path, code, body)
		}
	}
	if code, body := get(t, srv.URL+"/api/v1/schemes"); code != 200 || !strings.Contains(body, `"from_config":true`) {
		t.Errorf("viewer GET /api/v1/schemes = %d %s", code, body)
	}

	useRole(t, srv, auth.RoleMonitor)
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/api/v1/schemes", flood, 201, `"changed_by":"monitor"`},
		{"POST", "/api/v1/schemes", flood, 409, `"field":"id"`},
		{"POST", "/api/v1/schemes", `{"id":"x","name":"坏","expression":"化工厂 AND (爆炸"}`, 400, `"field":"expression","message":"高级表达式第`},
		{"POST", "/api/v1/schemes", `{"id":"x","name":"坏","expression":"化工厂 AND (爆炸"}`, 400, `缺少右括号`},
		{"POST", "/api/v1/schemes", `{"id":"x","name":"空"}`, 400, `"field":"subjects","message":"方案没有任何关键词`},
		{"POST", "/api/v1/schemes", `{"id":"x","name":"只排除","exclusions":["演练"]}`, 400, `"field":"exclusions"`},
		{"POST", "/api/v1/schemes", `{"id":"a/b","name":"斜杠","subjects":["甲"]}`, 400, `"field":"id"`},
		{"POST", "/api/v1/schemes", `{"id":"y","subjects":["甲"]}`, 400, `"field":"name","message":"请填写方案名称。"`},
		{"POST", "/api/v1/schemes", `{"id":"y","name":"甲","colour":"red"}`, 400, `unknown field`},
		{"PUT", "/api/v1/schemes/flood", `{"name":"防汛防台","regions":["青岚县"],"events":["积水","台风"],"alert":true}`, 200, `"name":"防汛防台"`},
		{"PUT", "/api/v1/schemes/flood", `{"id":"other","name":"改名"}`, 400, `"field":"id"`},
		{"PUT", "/api/v1/schemes/none", `{"name":"无","subjects":["甲"]}`, 404, `没有编号为「none」的方案`},
		{"POST", "/api/v1/schemes/chem/disable", ``, 200, `"disabled":true`},
		{"POST", "/api/v1/schemes/none/enable", ``, 404, `not found`},
		{"GET", "/api/v1/schemes/flood/history", ``, 200, `"by":"monitor"`},
		{"GET", "/api/v1/schemes?x=1", ``, 400, `x`},
	} {
		code, _, body := do(t, tc.method, srv.URL+tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s = %d %s; want %d containing %s", tc.method, tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}

	// What the analyzer's watcher reads: flood edited, chem disabled.
	set, err := st.CurrentSettings(ctx, model.SettingScheme)
	if err != nil {
		t.Fatal(err)
	}
	list, err := settings.Schemes(set)
	if err != nil {
		t.Fatal(err)
	}
	enabled := settings.Enabled(list)
	if len(list) != 2 || len(enabled) != 1 || enabled[0].ID != "flood" || enabled[0].Name != "防汛防台" || !enabled[0].Alert ||
		strings.Join(enabled[0].Events, ",") != "积水,台风" {
		t.Errorf("schemes in force = %+v, enabled %+v", list, enabled)
	}
	// The seed does not undo a change people made.
	if n, err := settings.Seed(ctx, st, seed, c.now()); err != nil || n != 0 {
		t.Errorf("seed again = %d, %v; want 0", n, err)
	}

	var got struct {
		Items []schemeItem `json:"items"`
	}
	_, body := get(t, srv.URL+"/api/v1/schemes")
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Items) != 2 || !got.Items[0].Disabled || got.Items[0].FromConfig {
		t.Errorf("GET /api/v1/schemes = %s, %v", body, err)
	}

	audit := strings.Join(auditRecords(t, c), "\n")
	for _, want := range []string{
		"viewer POST /api/v1/schemes /api/v1/schemes denied 缺少权限 scheme.edit",
		"monitor scheme.create scheme:flood ok 防汛",
		"monitor scheme.edit scheme:flood ok 防汛防台",
		"monitor scheme.disable scheme:chem ok",
		"monitor scheme.create scheme:x failed",
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %q:\n%s", want, audit)
		}
	}
}
