package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAnalyzeCommand(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"a1","title":"某县化工厂发生爆炸","text":"某县化工厂今晨发生爆炸事故，造成3人死亡、5人受伤。"}`,
		`这家酒店服务很好，房间干净舒适，下次还来！`,
		``,
		`{"id": "broken", "text": }`,
		`{"id":"no-text","label":"pos"}`,
		`{"id":"n1","title":"关于印发2024年政务公开工作要点的通知","text":"各乡镇人民政府、县直各有关单位：现将《2024年政务公开工作要点》印发给你们，请认真遵照执行。","authority":"官方","gold":"neutral"}`,
	}, "\n")
	var stdout, stderr bytes.Buffer
	err := cmdAnalyze([]string{"-tokens"}, strings.NewReader(in), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "2 of 6 input lines") {
		t.Errorf("err = %v, want a count of the 2 bad lines", err)
	}
	for _, want := range []string{"第 4 行无法解析", "line 4:", "第 5 行没有 text 或 title"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d output lines, want 3:\n%s", len(lines), stdout.String())
	}
	want := []struct{ id, label string }{{"a1", "negative"}, {"2", "positive"}, {"n1", "neutral"}}
	for i, line := range lines {
		var o map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range []string{"id", "sentiment", "topics", "regions", "entities", "keywords", "simhash", "flags", "tokens"} {
			if _, ok := o[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, k, line)
			}
		}
		var out analyzeOutput
		if err := json.Unmarshal([]byte(line), &out); err != nil {
			t.Fatal(err)
		}
		if out.ID != want[i].id || out.Sentiment.Label != want[i].label {
			t.Errorf("line %d: id %q sentiment %+v, want %s %s", i+1, out.ID, out.Sentiment, want[i].id, want[i].label)
		}
		if len(out.Tokens) == 0 || out.SimHash == 0 {
			t.Errorf("line %d: tokens %q simhash %d", i+1, out.Tokens, out.SimHash)
		}
	}
	if !strings.Contains(lines[0], `"爆炸"`) {
		t.Errorf("tokens of line 1 lack 爆炸: %s", lines[0])
	}

	// Without -tokens there are none.
	stdout.Reset()
	if err := cmdAnalyze(nil, strings.NewReader("今天天气不错\n"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout.String(), `"tokens"`) {
		t.Errorf("tokens without -tokens: %s", stdout.String())
	}
}

func TestAnalyzeCommandErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yqsm")
	if err := os.WriteFile(bad, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"argument", []string{"file.txt"}, true, "documents are read from stdin"},
		{"unknown flag", []string{"-token"}, true, "-token"},
		{"missing model", []string{"-model", bad + ".none"}, false, "cannot read sentiment model"},
		{"bad model", []string{"-model", bad}, false, "bad magic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := cmdAnalyze(tc.args, strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("usage error = %v, want %v", !tc.usage, tc.usage)
			}
		})
	}
}

// TestAnalyzeTextStartingWithBrace: a plain-text line that starts with "{"
// is analysed as text, not refused as bad JSON.
func TestAnalyzeTextStartingWithBrace(t *testing.T) {
	var stdout, stderr strings.Builder
	in := "{紧急}某镇发生山体滑坡，造成2人死亡。\n{\"id\":\"j\",\"text\":\"全县秋粮丰收\"}\n{ \"id\": broken\n"
	err := cmdAnalyze(nil, strings.NewReader(in), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 input lines") {
		t.Fatalf("err = %v, want the broken JSON line (only) reported; stderr: %s", err, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, `"id":"1"`) || !strings.Contains(out, `"id":"j"`) {
		t.Errorf("output = %s; want the text line (id 1) and the JSON line (id j)", out)
	}
}
