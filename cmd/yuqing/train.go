package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/analyzer/sentiment"
	"github.com/yuqing-project/yuqing/internal/app"
	"github.com/yuqing-project/yuqing/model"
)

const trainUsage = `Usage:
  yuqing train sentiment -data DIR -out FILE [-corrections FILE] [-config FILE -corrections-from-store]
                        [-research] [-split-dir DIR]

Trains the sentiment model from the labelled JSON-lines sets in DIR (see
analyzer/sentiment/NOTICE.md) and writes it to FILE. The same data gives a
byte-identical FILE. Officers' corrections are trained on too: from FILE
(-corrections, the lines GET /api/v1/corrections answers), and with
-corrections-from-store straight from the store the config names (the
embedded default's without -config), the latest correction of each post,
oldest first; with both, the file's come first. A tenth of weibo2018 and of SMP2020 is held out and
never trained on, and neither is any row with the text of a row of
chnsenticorp_validation.jsonl; -split-dir writes the training rows and the
held-out rows there, for yuqing analyze and scripts/sklearn_baseline.py.
`

// cmdTrain trains the models the analyzer ships.
func cmdTrain(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, trainUsage)
		return usageError{errors.New("missing model: sentiment")}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, trainUsage)
		return nil
	case "sentiment":
	default:
		return usageError{fmt.Errorf("unknown model %q: want sentiment", args[0])}
	}
	fs := flag.NewFlagSet("train sentiment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, trainUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data", "", "`DIR` of labelled JSON-lines sets (required)")
	out := fs.String("out", "", "model `FILE` to write (required)")
	corrections := fs.String("corrections", "", "officers' corrections, JSON lines {\"text\",\"label\"} (`FILE`)")
	fromStore := fs.Bool("corrections-from-store", false, "also train on the officers' corrections in the store the config names")
	var cf configFlags
	cf.register(fs, false)
	research := fs.Bool("research", false, "also train on research-only data (ChnSentiCorp); such a model must not be shipped")
	splitDir := fs.String("split-dir", "", "write train.jsonl and the held-out sets to `DIR`")
	bits := fs.Int("bucket-bits", 0, "log2 of the feature hash space (default 18)")
	epochs := fs.Int("epochs", 0, "passes over the training rows (default 15)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if *dataDir == "" || *out == "" {
		return usageError{errors.New("-data and -out are required")}
	}
	if cf.file != "" && !*fromStore {
		return usageError{errors.New("-config names the store to read corrections from: it needs -corrections-from-store")}
	}

	var corr []io.Reader
	if *corrections != "" {
		f, err := os.Open(*corrections)
		if err != nil {
			return fmt.Errorf("cannot open corrections: %w", err)
		}
		defer f.Close()
		// A newline ends the file's last line before the store's lines.
		corr = append(corr, f, strings.NewReader("\n"))
	}
	if *fromStore {
		lines, err := storeCorrections(&cf, stderr)
		if err != nil {
			return err
		}
		corr = append(corr, bytes.NewReader(lines))
	}
	var corrReader io.Reader
	if len(corr) > 0 {
		corrReader = io.MultiReader(corr...)
	}
	data, err := sentiment.LoadData(*dataDir, *research, corrReader)
	if err != nil {
		return err
	}
	if *splitDir != "" {
		if err := writeSplit(*splitDir, data); err != nil {
			return err
		}
	}
	m, err := sentiment.Train(data, sentiment.Options{
		BucketBits: *bits,
		Epochs:     *epochs,
		Normalize:  analyzer.NormalizeForSentiment,
		Research:   *research,
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return err
	}
	info := m.Info()
	for _, s := range info.Sets {
		fmt.Fprintf(stderr, "set %-16s train %6d  calibration %5d  held out %5d  excluded as evaluation text %5d\n",
			s.Name, s.Train, s.Calibration, s.HeldOut, s.Excluded)
	}
	c := info.Calibration
	fmt.Fprintf(stderr, "calibration: polarity accuracy %.4f (n=%d, log loss %.4f); neutral accuracy %.4f (n=%d, log loss %.4f)\n",
		c.PolarityAccuracy, c.PolarityRows, c.PolarityLogLoss, c.NeutralAccuracy, c.NeutralRows, c.NeutralLogLoss)
	fmt.Fprintf(stdout, "wrote %s (%d bytes, data sha256 %s)\n", *out, buf.Len(), info.DataSHA256)
	return nil
}

// storeCorrections reads the officers' corrections from the store the
// config names, as the JSON lines the trainer reads. The store is opened
// as every command opens it (SQLite migrates itself; ClickHouse must be migrated), but
// a SQLite file that does not exist is an error rather than a new, empty
// store: the config most likely names the wrong data dir.
func storeCorrections(cf *configFlags, stderr io.Writer) ([]byte, error) {
	cfg, err := cf.load()
	if err != nil {
		return nil, err
	}
	if cfg.Store.Driver != "clickhouse" {
		if _, err := os.Stat(cfg.SQLitePath()); err != nil {
			return nil, fmt.Errorf("cannot read corrections from the store: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := app.OpenStore(ctx, cfg, prometheus.NewRegistry(), log)
	if err != nil {
		return nil, fmt.Errorf("cannot read corrections from the store: %w", err)
	}
	defer st.Close()
	cs, err := st.ListCorrections(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read corrections from the store: %w", err)
	}
	var buf bytes.Buffer
	n, err := model.WriteTrainingLines(&buf, cs)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "read %d corrections from the %s store (%d corrected posts)\n", n, cfg.Store.Driver, len(cs))
	return buf.Bytes(), nil
}

// writeSplit writes the rows the model is trained on (train.jsonl) and each
// held-out set (<set>.jsonl), as {"id","text","label"} lines.
func writeSplit(dir string, d *sentiment.Data) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create split directory: %w", err)
	}
	files := map[string][]sentiment.Example{"train": d.Train, "calibration": d.Calibration}
	for name, rows := range d.HeldOut {
		files["heldout_"+name] = rows
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range files[n] {
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("cannot encode row %s: %w", r.ID, err)
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(dir, n+".jsonl"), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so that an interrupted run never leaves half a model behind.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
