package app

import (
	"context"
	"time"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/settings"
)

// seedSchemes imports the configured monitoring schemes into the store's
// settings (settings.Seed): the file is the seed, the store the schemes in
// force, which people change in the console.
func (a *App) seedSchemes(ctx context.Context) error {
	n, err := settings.Seed(ctx, a.st, settings.SchemeSeed(a.cfg.Analyzer.Schemes), time.Now())
	if n > 0 {
		a.log.Info("monitoring schemes imported from the configuration", "schemes", n)
	}
	return err
}

// schemeWatcher applies the store's monitoring schemes in force (the
// enabled ones) to an; a set that does not compile is refused and the
// schemes in use are kept.
func (a *App) schemeWatcher(an *analyzer.Analyzer) (*settings.Watcher, error) {
	return settings.NewWatcher(a.st, model.SettingScheme, func(set model.SettingSet) error {
		list, err := settings.Schemes(set)
		if err != nil {
			return err
		}
		return an.SetSchemes(settings.Enabled(list))
	}, a.reg)
}

// storeSources imports the configured sources (and the demo's) into the
// store's settings and returns the sources in use, the enabled ones of
// the store.
func (a *App) storeSources(ctx context.Context, seed []config.Source) ([]config.Source, error) {
	n, err := settings.Seed(ctx, a.st, settings.SourceSeed(seed), time.Now())
	if err != nil {
		return nil, err
	}
	if n > 0 {
		a.log.Info("sources imported from the configuration", "sources", n)
	}
	set, err := a.st.CurrentSettings(ctx, model.SettingSource)
	if err != nil {
		return nil, err
	}
	list, err := settings.Sources(set)
	if err != nil {
		return nil, err
	}
	return settings.EnabledSources(list), nil
}

// sourceWatcher applies the store's sources in force (the enabled ones)
// to the crawler; a source it cannot use is left out and logged, the
// others applied. It has loaded once when returned.
func (a *App) sourceWatcher(ctx context.Context, cr *crawler.Crawler) (*settings.Watcher, error) {
	w, err := settings.NewWatcher(a.st, model.SettingSource, func(set model.SettingSet) error {
		list, err := settings.Sources(set)
		if err != nil {
			return err
		}
		return cr.SetSources(settings.EnabledSources(list))
	}, a.reg)
	if err != nil {
		return nil, err
	}
	if _, err := w.Refresh(ctx); err != nil {
		a.log.Warn("some sources cannot be polled", "err", err)
	}
	return w, nil
}
