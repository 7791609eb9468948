package analyzer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/model"
)

// seedsDir holds the seed documents the project was created from: real
// Chinese government pages, read at benchmark time only.
const seedsDir = "../../shared/seeds" // shared/ sits beside the repository

// benchCorpus returns the benchmark documents: the seed documents when
// present (realistic government text, 13–25 KB each), and the test texts
// written for this package otherwise.
func benchCorpus(b *testing.B) []model.Document {
	b.Helper()
	paths, _ := filepath.Glob(filepath.Join(seedsDir, "*.txt"))
	var docs []model.Document
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatalf("read seed: %v", err)
		}
		title, body, _ := strings.Cut(string(data), "\n")
		docs = append(docs, model.Document{Title: title, Body: body, Authority: model.TierOfficial})
	}
	if len(docs) == 0 {
		b.Logf("no seeds in %s; benchmarking the package's own texts", seedsDir)
		docs = []model.Document{
			{Title: "某县一化工厂发生爆炸", Body: longReport},
			{Title: "化工厂爆炸", Body: explosionNews},
		}
	}
	return docs
}

func corpusBytes(docs []model.Document) int64 {
	var n int64
	for _, d := range docs {
		n += int64(len(d.Title) + len(d.Body))
	}
	return n
}

// BenchmarkAnalyze is the full analysis of one document per iteration,
// cycling through the corpus; MB/s is of raw title + body.
func BenchmarkAnalyze(b *testing.B) {
	a := testAnalyzer(b)
	docs := benchCorpus(b)
	b.SetBytes(corpusBytes(docs) / int64(len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.Analyze(docs[i%len(docs)])
	}
}

// BenchmarkSegment is gse alone (DAG + HMM, the mode Analyze uses) on the
// same corpus, already normalised, for the ratio issue 4 tracks (full
// analysis at ≥ 70% of segmentation throughput).
func BenchmarkSegment(b *testing.B) {
	a := testAnalyzer(b)
	docs := benchCorpus(b)
	texts := make([]string, len(docs))
	for i, d := range docs {
		title, body, _ := prepare(d.Title, d.Body)
		texts[i] = title + "\n" + body
	}
	b.SetBytes(corpusBytes(docs) / int64(len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.seg.Load().words(texts[i%len(texts)])
	}
}

// BenchmarkAnalyzeParallel runs Analyze from GOMAXPROCS goroutines.
func BenchmarkAnalyzeParallel(b *testing.B) {
	a := testAnalyzer(b)
	docs := benchCorpus(b)
	b.SetBytes(corpusBytes(docs) / int64(len(docs)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			a.Analyze(docs[i%len(docs)])
			i++
		}
	})
}
