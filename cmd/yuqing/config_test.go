package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/config/configtest"
)

var update = flag.Bool("update", false, "rewrite config/testdata/bad.golden from what check-config prints")

// TestCheckConfigBadFiles runs yuqing check-config on every bad config of
// config/testdata and compares what it prints, problem by problem, with
// the one table of messages users see, config/testdata/bad.golden.
func TestCheckConfigBadFiles(t *testing.T) {
	const dir = "../../config/testdata"
	// A secret named by an environment variable that is not set.
	t.Setenv("YUQING_TEST_UNSET_SECRET", "")
	os.Unsetenv("YUQING_TEST_UNSET_SECRET")

	files, err := filepath.Glob(filepath.Join(dir, "*.bad.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad configs in %s: %v", dir, err)
	}
	golden := filepath.Join(dir, "bad.golden")
	want, err := configtest.ReadGolden(golden)
	if err != nil && !*update {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range files {
		name := filepath.Base(f)
		var out, errOut bytes.Buffer
		if code := run([]string{"check-config", "-config", f}, &out, &errOut); code != 1 {
			t.Errorf("%s: exit code %d, want 1; stderr: %s", name, code, errOut.String())
			continue
		}
		if want := "config " + f + " is invalid"; !strings.Contains(errOut.String(), want) {
			t.Errorf("%s: stderr %q does not say %q", name, errOut.String(), want)
		}
		head, body, _ := strings.Cut(out.String(), "\n")
		var lines []string
		for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			lines = append(lines, strings.TrimPrefix(l, "  "))
		}
		if wantHead := fmt.Sprintf("%s: %d problem(s)", f, len(lines)); head != wantHead {
			t.Errorf("%s: first line %q, want %q", name, head, wantHead)
		}
		got[name] = lines
	}
	if *update {
		if err := configtest.WriteGolden(golden, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name, lines := range got {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s is not in %s; run with -update and review the diff", name, golden)
			continue
		}
		if strings.Join(lines, "\n") != strings.Join(w, "\n") {
			t.Errorf("check-config %s printed:\n  %s\nwant:\n  %s", name, strings.Join(lines, "\n  "), strings.Join(w, "\n  "))
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s lists %s, which is not in %s", golden, name, dir)
		}
	}
}

// TestCheckConfigRefusesStrayArguments keeps a forgotten -config from
// checking the embedded default and saying ok.
func TestCheckConfigRefusesStrayArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"check-config", "../../deploy/yuqing-distributed.yaml"}, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), `unexpected argument "../../deploy/yuqing-distributed.yaml"`) {
		t.Errorf("exit code %d, stderr %q", code, errOut.String())
	}
}
