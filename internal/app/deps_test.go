package app

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/yuqing-project/yuqing/"

// stages are the rooms that must not import one another.
var stages = []string{"crawler", "analyzer", "responder", "console", "brief", "inspector"}

// roomOf returns the top-level package a package belongs to: "analyzer"
// for analyzer/region, "store" for store/sqlite.
func roomOf(pkg string) string {
	rel := strings.TrimPrefix(pkg, modulePath)
	room, _, _ := strings.Cut(rel, "/")
	return room
}

// deps returns the project packages pkg depends on, directly or not
// (go list -deps), without test files.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", modulePath+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var ds []string
	for _, d := range strings.Fields(string(out)) {
		if strings.HasPrefix(d, modulePath) && d != modulePath+pkg {
			ds = append(ds, strings.TrimPrefix(d, modulePath))
		}
	}
	return ds
}

// TestImportRules checks the arrows of ARCHITECTURE.md: the model,
// config, bus and store import no stage; no stage imports another; the
// console imports neither the analyzer nor the crawler (nor the
// responder); the model imports nothing of the project and config only
// the model.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("go list over the module: not in -short")
	}
	check := func(pkg string, allowed func(dep string) bool, why string) {
		t.Helper()
		for _, d := range deps(t, pkg) {
			if !allowed(d) {
				t.Errorf("%s depends on %s: %s", pkg, d, why)
			}
		}
	}
	notStage := func(d string) bool { return !slices.Contains(stages, roomOf(d)) }
	check("model", func(string) bool { return false }, "the model imports nothing of the project")
	check("config", func(d string) bool { return d == "model" }, "config imports only the model")
	for _, p := range []string{"bus", "store", "store/sqlite", "store/clickhouse", "store/storetest"} {
		check(p, notStage, "transport and persistence import no stage")
	}
	for _, s := range stages {
		check(s, func(d string) bool {
			r := roomOf(d)
			return r == s || !slices.Contains(stages, r)
		}, "no stage imports another")
	}
	for _, p := range []string{"scheme", "rules", "calendar", "notify", "readmodel", "httpserver", "auth", "audit", "inspect"} {
		if _, err := exec.Command("go", "list", modulePath+p).Output(); err != nil {
			continue // a room a later step adds
		}
		check(p, notStage, "shared libraries import no stage")
	}
}
