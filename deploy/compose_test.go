package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/yuqing-project/yuqing/internal/app"
	"github.com/yuqing-project/yuqing/internal/testenv"
)

// composeFile decodes compose.yaml as YAML (a key given twice is an
// error in yaml.v3) into plain JSON values, the anchors and merge keys
// resolved as Compose resolves them.
func composeFile(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	// Through JSON, so that the validator sees JSON's types.
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("compose.yaml is not JSON-shaped: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestComposeFile checks deploy/compose/compose.yaml offline: it is valid
// against the Compose Specification's JSON Schema (compose-spec.json,
// from the compose-spec repository; its additionalProperties: false make
// an unknown key an error); every yuqing service runs a target of the
// module table with a config that passes yuqing's config check (what
// `yuqing check-config` runs) and mounts that config; the pipeline is all
// there (crawler ×2, analyzer replicas, responder ×2, console ×2 and the
// migrate job), every service has a health check except the one-shot job,
// and every named volume is declared.
func TestComposeFile(t *testing.T) {
	doc := composeFile(t)
	c := jsonschema.NewCompiler()
	f, err := os.Open("compose/compose-spec.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("compose-spec.json", spec); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("compose-spec.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(any(doc)); err != nil {
		t.Fatalf("compose.yaml does not match the Compose Specification: %v", err)
	}

	targets := map[string]bool{}
	for _, tg := range app.Targets() {
		targets[tg[0]] = true
	}
	volumes, _ := doc["volumes"].(map[string]any)
	services := doc["services"].(map[string]any)
	count := map[string]int{}
	t.Setenv("YUQING_CLICKHOUSE_PASSWORD", "compose-test")
	checked := map[string]bool{}
	for name, v := range services {
		svc := v.(map[string]any)
		var mounts []string
		for _, m := range asList(svc["volumes"]) {
			s := m.(string)
			mounts = append(mounts, s)
			if src := strings.SplitN(s, ":", 2)[0]; !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				if _, ok := volumes[src]; !ok {
					t.Errorf("service %s mounts volume %q, which compose.yaml does not declare", name, src)
				}
			}
		}
		if _, ok := svc["healthcheck"]; !ok && name != "migrate" {
			t.Errorf("service %s has no health check", name)
		}
		if svc["image"] != "yuqing:local" {
			continue
		}
		cmd := asStrings(svc["command"])
		if len(cmd) == 0 || (cmd[0] != "run" && cmd[0] != "migrate") {
			t.Errorf("yuqing service %s runs %v; want run or migrate", name, cmd)
			continue
		}
		target := cmd[0]
		if i := slices.Index(cmd, "-target"); i >= 0 && i+1 < len(cmd) {
			target = cmd[i+1]
		}
		if !targets[target] {
			t.Errorf("service %s runs target %q, which is not in the module table %v", name, target, app.Targets())
		}
		replicas := 1
		if d, ok := svc["deploy"].(map[string]any); ok {
			if r, ok := d["replicas"].(float64); ok {
				replicas = int(r)
			}
		}
		count[target] += replicas
		i := slices.Index(cmd, "-config")
		if i < 0 || i+1 >= len(cmd) {
			t.Errorf("service %s names no -config", name)
			continue
		}
		host := ""
		for _, m := range mounts {
			parts := strings.Split(m, ":")
			if len(parts) >= 2 && parts[1] == cmd[i+1] {
				host = filepath.Join("compose", parts[0])
			}
		}
		if host == "" {
			t.Errorf("service %s reads %s, which it does not mount", name, cmd[i+1])
			continue
		}
		if checked[host] {
			continue
		}
		checked[host] = true
		if _, err := app.LoadConfig(host, nil); err != nil {
			t.Errorf("%s (mounted by %s) does not pass yuqing check-config:\n%v", host, name, err)
		}
	}
	for target, least := range map[string]int{app.Crawler: 2, app.Analyzer: 2, app.Responder: 2, app.Console: 2, app.Migrate: 1} {
		if count[target] < least {
			t.Errorf("compose.yaml runs %d %s; want at least %d", count[target], target, least)
		}
	}
	for _, infra := range []string{"kafka", "keeper", "clickhouse", "prometheus", "alertmanager", "grafana"} {
		if _, ok := services[infra]; !ok {
			t.Errorf("compose.yaml has no %s service", infra)
		}
	}
}

// TestComposePrometheus checks the compose Prometheus config with promtool.
func TestComposePrometheus(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "promtool")
	dir := t.TempDir()
	for src, dst := range map[string]string{"compose/prometheus.yml": "prometheus.yml", "prometheus/yuqing-rules.yml": "yuqing-rules.yml"} {
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, promtool, "check", "config", "prometheus.yml")
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asStrings(v any) []string {
	var out []string
	for _, x := range asList(v) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
