package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/responder"
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

// seedShifts imports the configured duty shifts (the weekly pattern and
// the overrides of n's roster) into the store's settings: the file is the
// seed, the store the shifts in force, which people change in the console.
func (a *App) seedShifts(ctx context.Context, n config.NotifyConfig) error {
	if len(n.Roster.People) == 0 {
		return nil
	}
	shifts, err := notify.ConfiguredShifts(&n)
	if err != nil {
		return fmt.Errorf("cannot read the duty roster's shifts: %w", err)
	}
	count, err := settings.Seed(ctx, a.st, settings.ShiftSeed(shifts), time.Now())
	if count > 0 {
		a.log.Info("duty shifts imported from the configuration", "shifts", count)
	}
	return err
}

// shiftWatcher applies the store's duty shifts in force to the alerter's
// roster; a set naming a person the configuration does not have is
// refused and the roster in use kept.
func (a *App) shiftWatcher(al *responder.Alerter) (*settings.Watcher, error) {
	return settings.NewWatcher(a.st, model.SettingShift, func(set model.SettingSet) error {
		list, err := settings.Shifts(set)
		if err != nil {
			return err
		}
		return al.SetShifts(list)
	}, a.reg)
}

// channelTarget says where a channel sends, for the notifications page,
// without a secret: a webhook's scheme and host, a robot's kind, an email
// channel's server and masked sender.
func channelTarget(ch config.ChannelConfig) string {
	host := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return ""
		}
		return u.Scheme + "://" + u.Host + "/…"
	}
	switch ch.Type {
	case notify.TypeWebhook:
		return host(ch.URL)
	case notify.TypeDingTalk, notify.TypeWeCom, notify.TypeFeishu:
		if h := host(ch.URL); h != "" {
			return "群机器人，" + h
		}
		return "群机器人（令牌已隐藏）"
	case notify.TypeEmail:
		from := ch.SMTP.From
		if user, domain, ok := strings.Cut(from, "@"); ok && user != "" {
			from = user[:1] + "***@" + domain
		}
		return "发件人 " + from + "，经 " + ch.SMTP.Addr
	}
	return ""
}

// rosterInForce returns base with the store's duty shifts in force, for
// the stages that alert now and then (the inspector): read when asked, so
// they follow the roster people edit as the responder does. When the
// store cannot be read, or its shifts do not apply, base is kept.
func (a *App) rosterInForce(ctx context.Context, base *notify.Roster) *notify.Roster {
	set, err := a.st.CurrentSettings(ctx, model.SettingShift)
	if err != nil || len(set.Items) == 0 {
		return base
	}
	list, err := settings.Shifts(set)
	if err != nil {
		return base
	}
	var known []model.Shift
	for _, s := range list {
		if _, ok := base.Person(s.Person); ok {
			known = append(known, s)
		}
	}
	r, err := base.WithShifts(known)
	if err != nil {
		a.log.Warn("the duty shifts in the store do not apply; using the configured ones", "err", err)
		return base
	}
	return r
}
