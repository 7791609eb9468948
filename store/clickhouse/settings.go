package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the settings people change while the system runs, an
// append-only log like the user dictionary: a change appended twice (a
// retried write) has one ID and is folded by the merge, and reads keep the
// latest change per key (LIMIT 1 BY) or count distinct IDs, so it is never
// read twice.

// settingsTable keeps setting changes; the order key starts with the kind
// and key, which every read filters by.
var settingsTable = tableOf(store.SettingsTable, "kind, setting_key, id",
	column{name: "kind", lowCardinality: true}, column{name: "changed_by", lowCardinality: true},
	column{name: "value", codec: "ZSTD(1)"})

// AppendSettings appends setting changes as one batch.
func (s *Store) AppendSettings(ctx context.Context, changes []model.SettingChange) error {
	return write(ctx, s, store.SettingsTable, changes)
}

// SettingsVersion returns the number of distinct changes of kind and the
// time of the latest; counting distinct IDs counts a change appended twice
// once, merged or not, so the count only ever grows.
func (s *Store) SettingsVersion(ctx context.Context, kind string) (model.SettingsVersion, error) {
	start := time.Now()
	var (
		n    uint64
		last int64
	)
	err := s.conn.QueryRow(ctx, "SELECT uniqExact(id), max(at_ns) FROM "+s.table(store.TableSettings)+" WHERE kind = ?", kind).Scan(&n, &last)
	s.metrics.QueryDone("settings_version", start, err)
	if err != nil {
		return model.SettingsVersion{}, fmt.Errorf("cannot read the version of the %s settings: %w", kind, err)
	}
	return model.SettingsVersion{Changes: int64(n), LastChange: store.FromUnixNanos(last)}, nil
}

// CurrentSettings returns the settings of kind in force and the version
// they reflect. The version is read first (ClickHouse has no read
// transaction): a change landing between the two reads is in the items
// and not yet in the version, and a poller reloads once more.
func (s *Store) CurrentSettings(ctx context.Context, kind string) (model.SettingSet, error) {
	v, err := s.SettingsVersion(ctx, kind)
	if err != nil {
		return model.SettingSet{}, fmt.Errorf("cannot read the %s settings: %w", kind, err)
	}
	start := time.Now()
	cols := columns(store.SettingsTable)
	items, err := query(ctx, s, store.SettingsTable, "SELECT "+cols+" FROM (SELECT "+cols+" FROM "+s.table(store.TableSettings)+
		" WHERE kind = ? ORDER BY setting_key, at_ns DESC, id DESC LIMIT 1 BY setting_key) WHERE removed = 0 ORDER BY setting_key", kind)
	s.metrics.QueryDone("current_settings", start, err)
	if err != nil {
		return model.SettingSet{}, fmt.Errorf("cannot read the %s settings: %w", kind, err)
	}
	return model.SettingSet{Version: v, Items: items}, nil
}

// SettingHistory returns the changes of one setting, oldest first, each
// once.
func (s *Store) SettingHistory(ctx context.Context, kind, key string) ([]model.SettingChange, error) {
	start := time.Now()
	cols := columns(store.SettingsTable)
	out, err := query(ctx, s, store.SettingsTable, "SELECT "+cols+" FROM "+s.table(store.TableSettings)+
		" WHERE kind = ? AND setting_key = ? ORDER BY at_ns, id LIMIT 1 BY id", kind, key)
	s.metrics.QueryDone("setting_history", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot read the history of %s setting %q: %w", kind, key, err)
	}
	return out, nil
}

// RecentSettings returns the latest changes of a kind, newest first; a
// change appended twice is returned once.
func (s *Store) RecentSettings(ctx context.Context, kind string, limit int) ([]model.SettingChange, error) {
	start := time.Now()
	out, err := query(ctx, s, store.SettingsTable, fmt.Sprintf("SELECT %s FROM %s WHERE kind = ? ORDER BY at_ns DESC, id DESC LIMIT 1 BY id LIMIT %d",
		columns(store.SettingsTable), s.table(store.TableSettings), max(limit, 0)), kind)
	s.metrics.QueryDone("recent_settings", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot read the recent %s settings: %w", kind, err)
	}
	return out, nil
}
