package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/clickhouse"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// OpenStore opens the configured store: ClickHouse, whose schema must
// have been brought up to date with `yuqing migrate` (Open says so when it
// is behind), or the embedded SQLite file in the data dir, which migrates
// itself so that the embedded default stays one command.
func OpenStore(ctx context.Context, cfg *config.Config, reg prometheus.Registerer, log *slog.Logger) (store.Store, error) {
	switch cfg.Store.Driver {
	case "clickhouse":
		return clickhouse.Open(ctx, cfg.Store.ClickHouse, reg, log)
	default:
		return sqlite.Open(ctx, cfg.SQLitePath(), reg, log, sqlite.WithMigrate())
	}
}

// MigrateStore creates or upgrades the configured store's schema.
func MigrateStore(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	switch cfg.Store.Driver {
	case "clickhouse":
		return clickhouse.Migrate(ctx, cfg.Store.ClickHouse, log, clickhouse.WithRetention(cfg.Store.ClickHouse.Retention))
	default:
		return sqlite.Migrate(ctx, cfg.SQLitePath(), log)
	}
}

// LoadTopics reads a topic table file (the analyzer's TSV format).
func LoadTopics(path string) (*analyzer.Topics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read analyzer.topics_file %q: %w", path, err)
	}
	defer f.Close()
	t, err := analyzer.LoadTopics(f)
	if err != nil {
		return nil, fmt.Errorf("cannot load analyzer.topics_file %q: %w", path, err)
	}
	return t, nil
}
