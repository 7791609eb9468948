package readmodel

import (
	"context"
	"log/slog"
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
// started from PATH for the benchmark (chtest; skipped without one).
func BenchmarkCockpitQueriesClickHouse(b *testing.B) {
	srv := chtest.Start()
	b.Cleanup(srv.Stop)
	ctx := context.Background()
	cfg := config.ClickHouseConfig{Addrs: []string{srv.Addr(b)}, Database: "yuqing_bench", Username: "default", DialTimeout: 5 * time.Second}
	log := slog.New(slog.DiscardHandler)
	if err := clickhouse.Migrate(ctx, cfg, log); err != nil {
		b.Fatal(err)
	}
	st, err := clickhouse.Open(ctx, cfg, prometheus.NewRegistry(), log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	fillStore(b, st, 0, benchPosts(), benchEnd)
	timeCases(b, cockpitCases(st, benchEnd))
}
