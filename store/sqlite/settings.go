package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the settings people change while the system runs: an
// append-only log (the database refuses updates and deletes) whose latest
// change per kind and key is in force.

// AppendSettings appends setting changes in one transaction; one already
// stored is left as it is.
func (s *Store) AppendSettings(ctx context.Context, changes []model.SettingChange) error {
	return write(ctx, s, store.SettingsTable, changes)
}

// SettingsVersion returns the number of changes of kind and the time of
// the latest.
func (s *Store) SettingsVersion(ctx context.Context, kind string) (model.SettingsVersion, error) {
	start := time.Now()
	v, err := settingsVersion(ctx, s.read, kind)
	s.metrics.QueryDone("settings_version", start, err)
	if err != nil {
		return model.SettingsVersion{}, fmt.Errorf("cannot read the version of the %s settings: %w", kind, err)
	}
	return v, nil
}

func settingsVersion(ctx context.Context, q queryer, kind string) (model.SettingsVersion, error) {
	var (
		v    model.SettingsVersion
		last int64
	)
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(max(at), 0) FROM setting_changes WHERE kind = ?`, kind).Scan(&v.Changes, &last); err != nil {
		return v, err
	}
	v.LastChange = store.FromUnixNanos(last)
	return v, nil
}

// CurrentSettings returns the settings of kind in force and the version
// they reflect, both from one read transaction.
func (s *Store) CurrentSettings(ctx context.Context, kind string) (model.SettingSet, error) {
	start := time.Now()
	set, err := s.currentSettings(ctx, kind)
	s.metrics.QueryDone("current_settings", start, err)
	if err != nil {
		return model.SettingSet{}, fmt.Errorf("cannot read the %s settings: %w", kind, err)
	}
	return set, nil
}

func (s *Store) currentSettings(ctx context.Context, kind string) (model.SettingSet, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return model.SettingSet{}, err
	}
	defer tx.Rollback()
	var set model.SettingSet
	if set.Version, err = settingsVersion(ctx, tx, kind); err != nil {
		return model.SettingSet{}, err
	}
	cols := columns(store.SettingsTable)
	set.Items, err = query(ctx, tx, store.SettingsTable, `SELECT `+cols+` FROM (
		SELECT `+cols+`, row_number() OVER (PARTITION BY setting_key ORDER BY at DESC, id DESC) AS latest
		FROM setting_changes WHERE kind = ?
		) WHERE latest = 1 AND removed = 0 ORDER BY setting_key`, kind)
	if err != nil {
		return model.SettingSet{}, err
	}
	return set, nil
}

// SettingHistory returns the changes of one setting, oldest first.
func (s *Store) SettingHistory(ctx context.Context, kind, key string) ([]model.SettingChange, error) {
	start := time.Now()
	out, err := query(ctx, s.read, store.SettingsTable, `SELECT `+columns(store.SettingsTable)+
		` FROM setting_changes WHERE kind = ? AND setting_key = ? ORDER BY at, id`, kind, key)
	s.metrics.QueryDone("setting_history", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot read the history of %s setting %q: %w", kind, key, err)
	}
	return out, nil
}

// RecentSettings returns the latest changes of a kind, newest first.
func (s *Store) RecentSettings(ctx context.Context, kind string, limit int) ([]model.SettingChange, error) {
	start := time.Now()
	out, err := query(ctx, s.read, store.SettingsTable, `SELECT `+columns(store.SettingsTable)+
		` FROM setting_changes WHERE kind = ? ORDER BY at DESC, id DESC LIMIT ?`, kind, max(limit, 0))
	s.metrics.QueryDone("recent_settings", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot read the recent %s settings: %w", kind, err)
	}
	return out, nil
}
