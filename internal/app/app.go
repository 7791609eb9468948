// Package app is the composition root of yuqing: the module table (each
// target with the modules it needs and how it starts), the run group that
// starts them in dependency order and stops them in reverse, draining, and
// the wiring that hands each stage its dependencies. It is the one place
// that imports every room of the house; the rooms import none of each
// other (ARCHITECTURE.md).
//
// One process or many comes out of the same table: `yuqing run` starts
// target "all", `yuqing run -target analyzer` starts only the analyzer and
// what it needs (the bus, the store, the HTTP server for metrics and
// probes).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/httpserver"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

// App is one yuqing process: the config, the targets it runs and what its
// modules built, which later modules are handed.
type App struct {
	cfg     *config.Config
	log     *slog.Logger
	reg     *prometheus.Registry
	targets []string
	order   []string // modules in start order
	started atomic.Bool

	// Built by the modules, in start order.
	srv        *httpserver.Server
	busMetrics *bus.Metrics
	brokers    []string
	kopts      []kgo.Opt
	prod       *bus.Producer
	st         store.Store
	site       *demo.Site
	notifyCfg  config.NotifyConfig
	rules      *rules.Set
}

// New prepares a process that runs targets (names from ParseTargets) with
// cfg, which must have been checked (CheckConfig).
func New(cfg *config.Config, targets []string, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.Default()
	}
	order, err := resolve(targets)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &App{cfg: cfg, log: log, reg: reg, targets: targets, order: order}, nil
}

// Modules returns the modules the process runs, in start order.
func (a *App) Modules() []string { return a.order }

// has reports whether the process runs module name.
func (a *App) has(name string) bool {
	for _, m := range a.order {
		if m == name {
			return true
		}
	}
	return false
}

// Run starts the modules in dependency order and runs them until ctx ends,
// a module fails, or every module with work has finished (a one-shot
// target); then it stops them in reverse order, each draining its work in
// hand. A signal during start-up stops what had started and returns nil.
func (a *App) Run(ctx context.Context) error {
	if err := os.MkdirAll(a.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create data dir %q: %w", a.cfg.DataDir, err)
	}
	g := newGroup(a.log)
	for _, name := range a.order {
		var svc *Service
		var err error
		if init := modules[name].init; init != nil {
			svc, err = init(a, ctx)
		}
		if err != nil {
			stopErr := g.stop()
			if ctx.Err() != nil {
				// A signal during start-up cancels what was starting;
				// that is a requested stop, not a failure.
				a.log.Info("stopped during start-up", "module", name, "cause", err)
				return stopErr
			}
			return errors.Join(fmt.Errorf("cannot start %s: %w", name, err), stopErr)
		}
		g.start(name, svc)
	}
	a.started.Store(true)
	a.log.Info("all stages started", "targets", strings.Join(a.targets, ","), "modules", strings.Join(a.order, ","))
	runErr := g.wait(ctx)
	stopErr := g.stop()
	a.log.Info("stopped")
	if runErr != nil {
		return runErr
	}
	return stopErr
}
