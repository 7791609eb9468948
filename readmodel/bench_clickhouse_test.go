package readmodel

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/store/clickhouse"
	"github.com/yuqing-project/yuqing/store/clickhouse/chtest"
)

// BenchmarkCockpitQueriesClickHouse times the cockpit's queries
// (cockpitCases) on the ClickHouse store over benchPosts() synthetic
// posts, written through the store in batches of 20 000, on a server
// started from PATH for the benchmark (chtest; skipped without one). With
// YUQING_BENCH_DIR set, the server's data are kept there and reused by the
// next run that asks for as many posts, which migrates them first. With
// YUQING_BENCH_CLICKHOUSE set to a server's native address, that server
// is used instead (one started by hand, say with query logging on).
func BenchmarkCockpitQueriesClickHouse(b *testing.B) {
	addr := os.Getenv("YUQING_BENCH_CLICKHOUSE")
	if addr == "" {
		var srv *chtest.Server
		if dir := os.Getenv("YUQING_BENCH_DIR"); dir != "" {
			srv = chtest.StartIn(filepath.Join(dir, fmt.Sprintf("clickhouse-%d", benchPosts())))
		} else {
			srv = chtest.Start()
		}
		b.Cleanup(srv.Stop)
		addr = srv.Addr(b)
	}
	ctx := context.Background()
	cfg := config.ClickHouseConfig{Addrs: []string{addr}, Database: "yuqing_bench", Username: "default", DialTimeout: 5 * time.Second}
	log := slog.New(slog.DiscardHandler)
	if err := clickhouse.Migrate(ctx, cfg, log); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	st, err := clickhouse.Open(ctx, cfg, reg, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	have, err := st.CountPosts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// A run stopped while filling resumes after its last batch.
	fillStore(b, st, int(have), benchPosts(), benchEnd)
	timeCases(b, cockpitCases(st, benchEnd))
	logQueryTimes(b, reg)
}

// logQueryTimes logs the store's read time by operation over the whole
// benchmark (yuqing_store_query_seconds), most first: where a case's time
// goes.
func logQueryTimes(b *testing.B, reg *prometheus.Registry) {
	families, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	type op struct {
		name  string
		sum   float64
		count uint64
	}
	var ops []op
	for _, f := range families {
		if f.GetName() != "yuqing_store_query_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "op" {
					ops = append(ops, op{l.GetValue(), m.GetHistogram().GetSampleSum(), m.GetHistogram().GetSampleCount()})
				}
			}
		}
	}
	slices.SortFunc(ops, func(a, b op) int { return cmp.Compare(b.sum, a.sum) })
	for _, o := range ops {
		b.Logf("%-20s %8.3f s in %5d queries (%.1f ms each)", o.name, o.sum, o.count, 1000*o.sum/float64(max(o.count, 1)))
	}
}
