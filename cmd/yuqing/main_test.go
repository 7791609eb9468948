package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`
store:
  driver: mysql
crawler:
  sources:
    - id: a
      name: 甲
      kind: blog
      authority: 地方媒体
      url: http://a.example/
`), 0o644); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(typo, []byte("crawler:\n  intervall: 5m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "topics.tsv"), []byte("安全生产\t事故\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badTopics := filepath.Join(dir, "bad-topics.yaml")
	if err := os.WriteFile(badTopics, []byte("data_dir: "+filepath.Join(dir, "data")+"\ndemo:\n  enabled: false\nanalyzer:\n  topics_file: "+
		filepath.Join(dir, "topics.tsv")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		args        []string
		code        int
		out, errOut string
	}{
		{"no command", nil, 2, "", "Usage:"},
		{"unknown command", []string{"serve"}, 2, "", `unknown command "serve"`},
		{"version", []string{"version"}, 0, "yuqing ", ""},
		{"check embedded default", []string{"check-config"}, 0, "embedded default: ok (0 sources, store sqlite, kafka embedded on 127.0.0.1:9092)", ""},
		{"check deploy example", []string{"check-config", "-config", "../../deploy/yuqing-distributed.yaml"}, 0,
			"ok (4 sources, store clickhouse, kafka 3 external brokers)", ""},
		{"check bad config lists every problem", []string{"check-config", "-config", bad}, 1,
			bad + ": 2 problem(s)\n  store.driver: \"mysql\" is not sqlite or clickhouse\n  crawler.sources[0].kind: \"blog\" is not one of portal, news, forum, feed, api\n",
			"is invalid"},
		{"check unknown key", []string{"check-config", "-config", typo}, 1,
			typo + ": 1 problem(s)\n  crawler.intervall (line 2): unknown key; did you mean interval?\n", "is invalid"},
		{"run with unknown target", []string{"run", "-target", "crawler,indexer"}, 2, "", `unknown target "indexer"`},
		{"run with bad log level", []string{"run", "-log-level", "loud"}, 2, "", `invalid -log-level "loud"`},
		{"run with stray argument", []string{"run", "now"}, 2, "", `unexpected argument "now"`},
		{"run with a missing config", []string{"run", "-config", filepath.Join(dir, "none.yaml")}, 1, "", "cannot read config"},
		{"run with a bad topics file", []string{"run", "-config", badTopics, "-http-listen", "127.0.0.1:0", "-broker-listen", "127.0.0.1:0"}, 1, "",
			`cannot load analyzer.topics_file "` + filepath.Join(dir, "topics.tsv") + `"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tc.args, &out, &errOut)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tc.code, errOut.String())
			}
			if !strings.Contains(out.String(), tc.out) {
				t.Errorf("stdout %q does not contain %q", out.String(), tc.out)
			}
			if !strings.Contains(errOut.String(), tc.errOut) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), tc.errOut)
			}
		})
	}
}
