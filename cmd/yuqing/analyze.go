package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/analyzer/sentiment"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

const analyzeUsage = `Usage:
  yuqing analyze [-tokens] [-model FILE] < INPUT > OUTPUT

Reads documents on stdin, one a line: JSON {"id", "text", "title",
"authority"} (only text is required) or plain text; a line is JSON when it
starts with { and then, after any spaces, a quote or }. Writes one JSON object a
line: id, sentiment {label, score, negativity}, topics, regions [{code,
name, role}], entities, keywords, simhash, flags, and with -tokens the
segmentation. A line without an id gets its line number. A line that cannot
be read is reported on stderr with its number and skipped; the exit status is
then 1.
`

// maxAnalyzeLine bounds one input line (a document), as the crawler bounds
// a page.
const maxAnalyzeLine = 16 << 20

// analyzeInput is one JSON input line.
type analyzeInput struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	Authority string `json:"authority"`
}

// analyzeOutput is one output line. Field names are those of model.Post.
type analyzeOutput struct {
	ID        string          `json:"id"`
	Sentiment model.Sentiment `json:"sentiment"`
	Topics    []model.Topic   `json:"topics"`
	Regions   []model.Region  `json:"regions"`
	Entities  []model.Entity  `json:"entities"`
	Keywords  []model.Keyword `json:"keywords"`
	SimHash   uint64          `json:"simhash,string"`
	Flags     []string        `json:"flags"`
	Tokens    []string        `json:"tokens,omitempty"`
}

// cmdAnalyze runs the analyzer over documents on stdin, so that anyone can
// inspect and measure the analysis from outside.
func cmdAnalyze(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, analyzeUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	withTokens := fs.Bool("tokens", false, "add the segmentation as tokens")
	modelFile := fs.String("model", "", "sentiment model `FILE` written by yuqing train sentiment (default: the embedded model)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q: documents are read from stdin", fs.Args())}
	}
	var sm *sentiment.Model
	if *modelFile != "" {
		data, err := os.ReadFile(*modelFile)
		if err != nil {
			return fmt.Errorf("cannot read sentiment model: %w", err)
		}
		if sm, err = sentiment.Load(data); err != nil {
			return fmt.Errorf("cannot load sentiment model %s: %w", *modelFile, err)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := analyzer.New(config.AnalyzerConfig{}, nil, log)
	if err != nil {
		return err
	}
	if sm != nil {
		a.SetSentimentModel(sm)
	}

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), maxAnalyzeLine)
	bad := 0
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		in := analyzeInput{Text: string(line)}
		if looksLikeJSONObject(line) {
			in = analyzeInput{}
			// Other fields (a gold label, a source) are allowed and ignored,
			// so that labelled sets can be piped through as they are.
			if err := json.Unmarshal(line, &in); err != nil {
				fmt.Fprintf(stderr, "yuqing analyze: 第 %d 行无法解析，已跳过 (line %d: %v)\n", n, n, err)
				bad++
				continue
			}
			if in.Text == "" && in.Title == "" {
				fmt.Fprintf(stderr, "yuqing analyze: 第 %d 行没有 text 或 title，已跳过 (line %d: no text or title)\n", n, n)
				bad++
				continue
			}
		}
		if in.ID == "" {
			in.ID = strconv.Itoa(n)
		}
		p := a.Analyze(model.Document{ID: in.ID, Title: in.Title, Body: in.Text, Authority: in.Authority})
		o := analyzeOutput{
			ID: in.ID, Sentiment: p.Sentiment, Topics: p.Topics, Regions: p.Regions, Entities: p.Entities,
			Keywords: p.Keywords, SimHash: p.SimHash, Flags: p.Flags,
		}
		if *withTokens {
			o.Tokens = a.Tokens(in.Title, in.Text)
		}
		if err := enc.Encode(o); err != nil {
			return fmt.Errorf("cannot write the analysis of line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("cannot read input after line %d: %w", n, err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("cannot write output: %w", err)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d input lines could not be read (see above)", bad, n)
	}
	return nil
}

// looksLikeJSONObject reports whether line is meant as a JSON object: "{"
// followed, after any white space, by the quote of a key or the closing
// brace. A plain-text line that merely starts with "{" (「{紧急}某镇停水」)
// is text.
func looksLikeJSONObject(line []byte) bool {
	if len(line) == 0 || line[0] != '{' {
		return false
	}
	rest := bytes.TrimLeft(line[1:], " \t")
	return len(rest) > 0 && (rest[0] == '"' || rest[0] == '}')
}
