package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/analyzer/sentiment"
)

// writeTinySets writes a small data directory with the shape of the shared
// one: a binary Weibo set and SMP2020 with a neutral class.
func writeTinySets(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var weibo, smp strings.Builder
	pos := []string{"太棒了", "好开心", "点赞", "感动"}
	neg := []string{"气死了", "太差了", "失望", "恶心"}
	for i := range 30 {
		fmt.Fprintf(&weibo, "{\"text\":\"第%d天 %s %s\",\"label\":\"pos\"}\n", i, pos[i%4], pos[(i+1)%4])
		fmt.Fprintf(&weibo, "{\"text\":\"第%d天 %s %s\",\"label\":\"neg\"}\n", i, neg[i%4], neg[(i+1)%4])
		fmt.Fprintf(&smp, "{\"text\":\"%s，第%d次\",\"emotion\":\"happy\"}\n", pos[i%4], i)
		fmt.Fprintf(&smp, "{\"text\":\"%s，第%d次\",\"emotion\":\"sad\"}\n", neg[i%4], i)
		fmt.Fprintf(&smp, "{\"text\":\"%d号线今日%d时恢复运营\",\"emotion\":\"neural\"}\n", i, i%24)
	}
	for name, data := range map[string]string{"weibo2018_train.jsonl": weibo.String(), "smp2020_ewect_train.jsonl": smp.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTrainSentimentIsReproducible(t *testing.T) {
	data := writeTinySets(t)
	out := t.TempDir()
	corr := filepath.Join(out, "corrections.jsonl")
	if err := os.WriteFile(corr, []byte(`{"text":"工地欠薪半年","label":"negative"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	for i, extra := range [][]string{nil, nil, {"-corrections", corr}} {
		file := filepath.Join(out, fmt.Sprintf("m%d.yqsm", i))
		args := append([]string{"sentiment", "-data", data, "-out", file, "-bucket-bits", "12", "-split-dir", filepath.Join(out, "split")}, extra...)
		var stdout, stderr bytes.Buffer
		if err := cmdTrain(args, &stdout, &stderr); err != nil {
			t.Fatalf("train %v: %v\n%s", args, err, stderr.String())
		}
		if !strings.Contains(stdout.String(), "wrote "+file) || !strings.Contains(stderr.String(), "set weibo2018") {
			t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("the same data gave two different model files")
	}
	if bytes.Equal(files[0], files[2]) {
		t.Error("a correction did not change the model")
	}
	m, err := sentiment.Load(files[2])
	if err != nil {
		t.Fatal(err)
	}
	sets := m.Info().Sets
	if last := sets[len(sets)-1]; last.Name != sentiment.CorrectionsSet || last.Train != 1 {
		t.Errorf("sets %+v: want the correction counted last", sets)
	}
	for _, f := range []string{"train.jsonl", "calibration.jsonl", "heldout_weibo2018.jsonl", "heldout_smp2020.jsonl"} {
		if _, err := os.Stat(filepath.Join(out, "split", f)); err != nil {
			t.Errorf("split file: %v", err)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	data := writeTinySets(t)
	out := filepath.Join(t.TempDir(), "m.yqsm")
	badCorr := filepath.Join(t.TempDir(), "c.jsonl")
	if err := os.WriteFile(badCorr, []byte(`{"text":"x","label":"good"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no model", nil, true, "missing model"},
		{"unknown model", []string{"topics"}, true, `unknown model "topics"`},
		{"no data", []string{"sentiment", "-out", out}, true, "-data and -out are required"},
		{"unknown flag", []string{"sentiment", "-dataa", data}, true, "-dataa"},
		{"stray argument", []string{"sentiment", "-data", data, "-out", out, "extra"}, true, "unexpected arguments"},
		{"empty data dir", []string{"sentiment", "-data", t.TempDir(), "-out", out}, false, "no labelled rows"},
		{"bad correction", []string{"sentiment", "-data", data, "-out", out, "-corrections", badCorr}, false, `label "good"`},
		{"missing corrections", []string{"sentiment", "-data", data, "-out", out, "-corrections", badCorr + ".none"}, false, "cannot open corrections"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := cmdTrain(tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("usage error = %v, want %v", !tc.usage, tc.usage)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed training left %s behind (%v)", out, err)
	}
}
