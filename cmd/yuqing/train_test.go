package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/analyzer/sentiment"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/clickhouse"
	"github.com/yuqing-project/yuqing/store/sqlite"
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

// seedCorrections stores three posts and four corrections of them in st:
// one post corrected twice (the later wins) and one post without text.
func seedCorrections(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	posts := []model.Post{
		{Document: model.Document{ID: "a", Version: 1, Title: "工地欠薪半年", Body: "工人讨薪无门。", PublishedAt: at}, Sentiment: model.Sentiment{Label: model.Neutral}},
		{Document: model.Document{ID: "b", Version: 1, Title: "新桥通车", Body: "市民点赞。", PublishedAt: at}, Sentiment: model.Sentiment{Label: model.Negative}},
		{Document: model.Document{ID: "empty", Version: 1, PublishedAt: at}},
	}
	if err := st.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	c := func(id string, p model.Post, label string, d time.Duration) model.SentimentCorrection {
		return model.SentimentCorrection{ID: id, PostID: p.ID, Label: label, By: "张三", At: at.Add(d), ModelLabel: p.Sentiment.Label, Title: p.Title, Body: p.Body}
	}
	cs := []model.SentimentCorrection{
		c("1", posts[0], sentiment.Positive, time.Minute),
		c("2", posts[1], sentiment.Positive, 2*time.Minute),
		c("3", posts[0], sentiment.Negative, 3*time.Minute),
		c("4", posts[2], sentiment.Neutral, 4*time.Minute),
	}
	if err := st.AppendCorrections(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

// trainFromStore trains with -corrections-from-store on the store config
// names, and with -corrections on the lines GET /api/v1/corrections
// would answer for the same store, and checks that both give the same
// model, trained on the latest correction of each post with text.
func trainFromStore(t *testing.T, config string, st store.Store, driver string) {
	data := writeTinySets(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "yuqing.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cs, err := st.ListCorrections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var export bytes.Buffer
	if _, err := model.WriteTrainingLines(&export, cs); err != nil {
		t.Fatal(err)
	}
	exportFile := filepath.Join(dir, "corrections.jsonl")
	if err := os.WriteFile(exportFile, export.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	fromStore, fromFile := filepath.Join(dir, "store.yqsm"), filepath.Join(dir, "file.yqsm")
	var stdout, stderr bytes.Buffer
	if err := cmdTrain([]string{"sentiment", "-data", data, "-out", fromStore, "-bucket-bits", "12", "-config", cfg, "-corrections-from-store"}, &stdout, &stderr); err != nil {
		t.Fatalf("train from the store: %v\n%s", err, stderr.String())
	}
	if want := "read 2 corrections from the " + driver + " store (3 corrected posts)"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want it to say %q", stderr.String(), want)
	}
	if err := cmdTrain([]string{"sentiment", "-data", data, "-out", fromFile, "-bucket-bits", "12", "-corrections", exportFile}, &stdout, &stderr); err != nil {
		t.Fatalf("train from the export: %v\n%s", err, stderr.String())
	}
	a, err := os.ReadFile(fromStore)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fromFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("training from the store and from its export gave different models")
	}
	m, err := sentiment.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	sets := m.Info().Sets
	if last := sets[len(sets)-1]; last.Name != sentiment.CorrectionsSet || last.Train != 2 {
		t.Errorf("sets %+v: want the 2 corrections with text counted last", sets)
	}
	want := "{\"text\":\"新桥通车\\n市民点赞。\",\"label\":\"positive\"}\n{\"text\":\"工地欠薪半年\\n工人讨薪无门。\",\"label\":\"negative\"}\n"
	if export.String() != want {
		t.Errorf("export =\n%s\nwant\n%s", export.String(), want)
	}
}

func TestTrainSentimentFromSQLiteStore(t *testing.T) {
	dataDir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "yuqing.db"), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seedCorrections(t, st)
	trainFromStore(t, "data_dir: "+dataDir+"\nstore:\n  driver: sqlite\n", st, "sqlite")
}

func TestTrainSentimentFromClickHouseStore(t *testing.T) {
	if clickhouseServer == nil {
		t.Skip("no ClickHouse server in -short mode")
	}
	cfg := config.ClickHouseConfig{Addrs: []string{clickhouseServer.Addr(t)}, Database: "yuqing_train", Username: "default", DialTimeout: 5 * time.Second}
	if err := clickhouse.Migrate(context.Background(), cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	st, err := clickhouse.Open(context.Background(), cfg, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seedCorrections(t, st)
	trainFromStore(t, fmt.Sprintf("store:\n  driver: clickhouse\n  clickhouse:\n    addrs: [%s]\n    database: yuqing_train\n", cfg.Addrs[0]), st, "clickhouse")
}

func TestTrainFromStoreErrors(t *testing.T) {
	data := writeTinySets(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "m.yqsm")
	cfg := filepath.Join(dir, "yuqing.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "nothing")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badCfg, []byte("store:\n  driver: mysql\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"config without from-store", []string{"-config", cfg}, true, "-config names the store to read corrections from: it needs -corrections-from-store"},
		{"no store file", []string{"-config", cfg, "-corrections-from-store"}, false,
			"cannot read corrections from the store: stat " + filepath.Join(dir, "nothing", "yuqing.db") + ": no such file or directory"},
		{"invalid config", []string{"-config", badCfg, "-corrections-from-store"}, false, `store.driver: "mysql" is not sqlite or clickhouse`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := cmdTrain(append([]string{"sentiment", "-data", data, "-out", out}, tc.args...), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("usage error = %v, want %v", !tc.usage, tc.usage)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nothing")); !os.IsNotExist(err) {
		t.Errorf("reading corrections created the data dir (%v)", err)
	}
}
