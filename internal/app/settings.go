package app

import (
	"context"
	"time"

	"github.com/yuqing-project/yuqing/analyzer"
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
