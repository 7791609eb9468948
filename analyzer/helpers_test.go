package analyzer

import (
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/yuqing-project/yuqing/config"
)

var (
	sharedOnce     sync.Once
	sharedAnalyzer *Analyzer
	sharedErr      error
	sharedRegistry = prometheus.NewRegistry()
)

// testAnalyzer returns one Analyzer shared by the package's tests: loading
// gse takes about two seconds, and the analyzer is stateless per document.
func testAnalyzer(tb testing.TB) *Analyzer {
	tb.Helper()
	sharedOnce.Do(func() {
		sharedAnalyzer, sharedErr = New(config.AnalyzerConfig{}, sharedRegistry, nil)
	})
	if sharedErr != nil {
		tb.Fatalf("New: %v", sharedErr)
	}
	return sharedAnalyzer
}
