// Package settings is the settings people change while the system runs,
// kept in the store (store.Settings) rather than only in the
// configuration file: the monitoring schemes (监测方案) the analyzer
// matches, the duty shifts (值班表) the responder alerts by and the
// sources (信息源) the crawler polls. The
// configuration file seeds them (Seed: a value it defines is imported
// once, recorded as from model.ConfigActor, and imported again only while
// nobody has changed it since); the console appends people's changes; a
// Watcher in each stage polls the store's cheap version and applies the
// set in force when it moved, so a change takes effect without a restart.
package settings

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Seed imports the configuration's values of one kind into the store:
// every value whose key the store has no setting for, and every value
// whose setting in force was itself imported from the configuration and
// differs from it (the file was edited, nobody changed it in the console).
// A setting people changed is left as they made it. The IDs of imported
// changes derive from the value, so processes seeding at once store each
// once. It returns how many changes it appended.
func Seed(ctx context.Context, st store.Settings, seed []model.SettingChange, now time.Time) (int, error) {
	if len(seed) == 0 {
		return 0, nil
	}
	kind := seed[0].Kind
	set, err := st.CurrentSettings(ctx, kind)
	if err != nil {
		return 0, err
	}
	have := map[string]model.SettingChange{}
	for _, c := range set.Items {
		have[c.Key] = c
	}
	var add []model.SettingChange
	for _, c := range seed {
		if c.Kind != kind {
			return 0, fmt.Errorf("BUG: seeding %s settings with a %s", kind, c.Kind)
		}
		cur, ok := have[c.Key]
		if ok && (cur.By != model.ConfigActor || cur.Value == c.Value) {
			continue
		}
		sum := sha256.Sum256([]byte(c.Kind + "\x00" + c.Key + "\x00" + c.Value))
		c.ID, c.By, c.At = "seed-"+hex.EncodeToString(sum[:8]), model.ConfigActor, now.UTC()
		add = append(add, c)
	}
	if err := st.AppendSettings(ctx, add); err != nil {
		return 0, fmt.Errorf("cannot import the configuration's %s settings: %w", kind, err)
	}
	return len(add), nil
}

// SchemeSeed is the seed of the configured monitoring schemes.
func SchemeSeed(list []config.Scheme) []model.SettingChange {
	var out []model.SettingChange
	for _, sc := range list {
		out = append(out, FromConfig(sc).Change("", "", time.Time{}))
	}
	return out
}

// FromConfig is the scheme a configuration entry defines.
func FromConfig(c config.Scheme) model.Scheme {
	return model.Scheme{ID: c.ID, Name: c.Name, Regions: c.Regions, Subjects: c.Subjects, Events: c.Events,
		Exclusions: c.Exclusions, Expression: c.Expression, Alert: c.Alert}
}

// ToConfig is the configuration entry of a scheme, what the analyzer and
// the scheme package compile.
func ToConfig(s model.Scheme) config.Scheme {
	return config.Scheme{ID: s.ID, Name: s.Name, Regions: s.Regions, Subjects: s.Subjects, Events: s.Events,
		Exclusions: s.Exclusions, Expression: s.Expression, Alert: s.Alert}
}

// Schemes decodes the schemes of a set, disabled ones included.
func Schemes(set model.SettingSet) ([]model.Scheme, error) {
	out := make([]model.Scheme, 0, len(set.Items))
	for _, c := range set.Items {
		s, err := model.DecodeScheme(c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Enabled returns the configuration entries of the schemes in use.
func Enabled(list []model.Scheme) []config.Scheme {
	var out []config.Scheme
	for _, s := range list {
		if !s.Disabled {
			out = append(out, ToConfig(s))
		}
	}
	return out
}

// Shifts decodes the shifts of a set.
func Shifts(set model.SettingSet) ([]model.Shift, error) {
	out := make([]model.Shift, 0, len(set.Items))
	for _, c := range set.Items {
		s, err := model.DecodeShift(c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// loads counts the watchers' loads by kind and result (ok, unchanged,
// error); the labels are bounded by the kinds.
var loads = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "yuqing_settings_loads_total",
	Help: "Polls of the settings in the store, by kind (scheme, shift, source) and result (ok: applied, unchanged, error: kept the settings in use).",
}, []string{"kind", "result"})

// Watcher keeps a stage's settings of one kind in step with the store's.
type Watcher struct {
	st      store.Settings
	kind    string
	apply   func(model.SettingSet) error
	loads   *prometheus.CounterVec
	loaded  bool
	changes int64
}

// NewWatcher returns a watcher that hands apply the settings of kind in
// force whenever they changed. apply returning an error keeps what is in
// use (the next poll tries again). Its metrics go to reg.
func NewWatcher(st store.Settings, kind string, apply func(model.SettingSet) error, reg prometheus.Registerer) (*Watcher, error) {
	c := loads
	if err := reg.Register(loads); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("cannot register the settings metrics: %w", err)
		}
		c = are.ExistingCollector.(*prometheus.CounterVec)
	}
	for _, r := range []string{"ok", "unchanged", "error"} {
		c.WithLabelValues(kind, r)
	}
	return &Watcher{st: st, kind: kind, apply: apply, loads: c}, nil
}

// Refresh reads the store's version of the kind and, when it moved since
// the last load (or nothing was loaded yet), the settings in force, and
// applies them. It reports whether it applied. Calls must not overlap.
func (w *Watcher) Refresh(ctx context.Context) (bool, error) {
	fail := func(err error) (bool, error) {
		w.loads.WithLabelValues(w.kind, "error").Inc()
		return false, err
	}
	v, err := w.st.SettingsVersion(ctx, w.kind)
	if err != nil {
		return fail(err)
	}
	if w.loaded && v.Changes == w.changes {
		w.loads.WithLabelValues(w.kind, "unchanged").Inc()
		return false, nil
	}
	set, err := w.st.CurrentSettings(ctx, w.kind)
	if err != nil {
		return fail(err)
	}
	if err := w.apply(set); err != nil {
		return fail(fmt.Errorf("cannot apply the %s settings: %w", w.kind, err))
	}
	w.loaded, w.changes = true, set.Version.Changes
	w.loads.WithLabelValues(w.kind, "ok").Inc()
	return true, nil
}

// Run calls Refresh every interval until ctx is done, logging what it
// applied and what failed (the settings in use are kept).
func (w *Watcher) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		switch ok, err := w.Refresh(ctx); {
		case err != nil && ctx.Err() == nil:
			log.Warn("settings not refreshed; keeping the ones in use", "kind", w.kind, "err", err)
		case ok:
			log.Info("settings reloaded", "kind", w.kind, "changes", w.changes)
		}
	}
}

// SourceSeed is the seed of the configured sources.
func SourceSeed(list []config.Source) []model.SettingChange {
	var out []model.SettingChange
	for _, sc := range list {
		out = append(out, SourceFromConfig(sc).Change("", "", time.Time{}))
	}
	return out
}

// SourceFromConfig is the source a configuration entry defines.
func SourceFromConfig(c config.Source) model.Source {
	s := model.Source{ID: c.ID, Name: c.Name, Kind: c.Kind, Authority: c.Authority, Region: c.Region, URL: c.URL,
		AllowedDomains: c.AllowedDomains, AllowPrivate: c.AllowPrivate, Encoding: c.Encoding}
	if c.Interval > 0 {
		s.Interval = c.Interval.String()
	}
	s.List.Links, s.List.Next, s.List.MaxPages = c.List.Links, c.List.Next, c.List.MaxPages
	s.Article.Title, s.Article.Body, s.Article.Time, s.Article.Author = c.Article.Title, c.Article.Body, c.Article.Time, c.Article.Author
	a := &s.API
	a.Items, a.ID, a.Title, a.Body, a.Time, a.Author, a.URL, a.TimeFormat, a.Next, a.MaxPages =
		c.API.Items, c.API.ID, c.API.Title, c.API.Body, c.API.Time, c.API.Author, c.API.URL, c.API.TimeFormat, c.API.Next, c.API.MaxPages
	return s
}

// SourceToConfig is the configuration entry of a source, what the crawler
// polls. An interval that does not parse (Validate refuses it) is the
// crawler's default.
func SourceToConfig(s model.Source) config.Source {
	iv, _ := s.IntervalOf()
	c := config.Source{ID: s.ID, Name: s.Name, Kind: s.Kind, Authority: s.Authority, Region: s.Region, URL: s.URL,
		Interval: max(iv, 0), AllowedDomains: s.AllowedDomains, AllowPrivate: s.AllowPrivate, Encoding: s.Encoding}
	c.List = config.ListRules{Links: s.List.Links, Next: s.List.Next, MaxPages: s.List.MaxPages}
	c.Article = config.ArticleRules{Title: s.Article.Title, Body: s.Article.Body, Time: s.Article.Time, Author: s.Article.Author}
	a := s.API
	c.API = config.APIRules{Items: a.Items, ID: a.ID, Title: a.Title, Body: a.Body, Time: a.Time, Author: a.Author, URL: a.URL,
		TimeFormat: a.TimeFormat, Next: a.Next, MaxPages: a.MaxPages}
	return c
}

// Sources decodes the sources of a set, disabled ones included.
func Sources(set model.SettingSet) ([]model.Source, error) {
	out := make([]model.Source, 0, len(set.Items))
	for _, c := range set.Items {
		s, err := model.DecodeSource(c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// EnabledSources returns the configuration entries of the sources in use.
func EnabledSources(list []model.Source) []config.Source {
	var out []config.Source
	for _, s := range list {
		if !s.Disabled {
			out = append(out, SourceToConfig(s))
		}
	}
	return out
}

// ShiftSeed is the seed of the configured duty shifts (see
// notify.ConfiguredShifts).
func ShiftSeed(list []model.Shift) []model.SettingChange {
	var out []model.SettingChange
	for _, s := range list {
		out = append(out, s.Change("", "", time.Time{}))
	}
	return out
}
