package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/analyzer/sentiment"
)

const trainUsage = `Usage:
  yuqing train sentiment -data DIR -out FILE [-corrections FILE] [-research] [-split-dir DIR]

Trains the sentiment model from the labelled JSON-lines sets in DIR (see
analyzer/sentiment/NOTICE.md) and writes it to FILE. The same data gives a
byte-identical FILE. A tenth of weibo2018 and of SMP2020 is held out and
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

	var corr io.Reader
	if *corrections != "" {
		f, err := os.Open(*corrections)
		if err != nil {
			return fmt.Errorf("cannot open corrections: %w", err)
		}
		defer f.Close()
		corr = f
	}
	data, err := sentiment.LoadData(*dataDir, *research, corr)
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
