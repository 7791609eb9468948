package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/inspect"
	"github.com/yuqing-project/yuqing/inspector"
	"github.com/yuqing-project/yuqing/notify"
)

// initInspector runs the scheduled inspections of the own portals when the
// inspector is enabled.
func (a *App) initInspector(context.Context) (*Service, error) {
	if !a.cfg.Inspector.Enabled {
		return nil, nil
	}
	svc, err := a.InspectorService()
	if err != nil || svc == nil {
		return nil, err
	}
	return &Service{Run: svc.Run}, nil
}

// InspectorService builds the inspector from the config (and the demo's
// county portal when the demo runs and no portal is configured): the
// crawler's address-checking HTTP client, the store's findings, and the
// alerts through the notification channels. It returns nil, nil when there
// is no portal to inspect. `yuqing inspect` calls it after the store and
// the notifications modules started.
func (a *App) InspectorService() (*inspector.Service, error) {
	ic := a.cfg.Inspector
	portals := ic.Portals
	if len(portals) == 0 && a.site != nil {
		portals = []config.InspectPortal{a.site.InspectPortal()}
	}
	if len(portals) == 0 {
		a.log.Info("inspector: no portal to inspect")
		return nil, nil
	}
	timeout := ic.RequestTimeout
	in, err := inspect.New(inspect.Options{Client: crawler.NewHTTPClient(timeout, false), PrivateClient: crawler.NewHTTPClient(timeout, true), Delay: ic.HostDelay,
		MaxRequests: ic.MaxRequests, Timeout: timeout, Registerer: a.reg, Logger: a.log})
	if err != nil {
		return nil, err
	}
	o := inspector.Options{Inspector: in, Store: a.st, Interval: ic.Interval, ProbeInterval: ic.ProbeInterval,
		ConsoleURL: a.notifyCfg.ConsoleURL, Logger: a.log, Registerer: a.reg}
	for _, p := range portals {
		o.Portals = append(o.Portals, inspector.PortalOf(p))
	}
	if n := a.notifyCfg; len(n.Channels) > 0 {
		chans, err := notify.BuildChannels(&n, nil)
		if err != nil {
			return nil, fmt.Errorf("cannot build notification channels: %w", err)
		}
		roster, err := notify.BuildRoster(&n)
		if err != nil {
			return nil, fmt.Errorf("cannot build the duty roster: %w", err)
		}
		// The responder's dispatcher in the same process has the metric
		// names; the inspector's are prefixed.
		reg := prometheus.WrapRegistererWithPrefix("yuqing_inspector_", a.reg)
		d, err := notify.NewDispatcher(chans, inspector.StoreLog{St: a.st}, reg, notify.DispatcherOptions{Retry: notify.RetryPolicyFrom(&n), Logger: a.log})
		if err != nil {
			return nil, err
		}
		o.Dispatcher = d
		o.Recipients = func(unit string, t time.Time) []notify.Recipient {
			if p, ok := roster.Person(unit); ok && unit != "" {
				return []notify.Recipient{p.Recipient()}
			}
			// The duty officer of the roster in force (the store's shifts).
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if p, _, ok := a.rosterInForce(ctx, roster).FirstResponder(t); ok {
				return []notify.Recipient{p.Recipient()}
			}
			return nil
		}
	}
	return inspector.New(o)
}

// InspectOnce inspects the configured portals once, as `yuqing inspect`
// does: it opens the store, stores the findings and sends the alerts they
// call for, and returns the results. With the demo and no portal
// configured, it inspects the demo web a running `yuqing run` serves from
// the same data directory.
func InspectOnce(ctx context.Context, cfg *config.Config, log *slog.Logger) ([]inspector.Result, error) {
	reg := prometheus.NewRegistry()
	st, err := OpenStore(ctx, cfg, reg, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	c := *cfg
	if len(c.Inspector.Portals) == 0 && c.Demo.Enabled {
		base, ok := demo.RunningURL(filepath.Join(c.DataDir, "demo"))
		if !ok {
			return nil, errors.New("cannot inspect the demo: no demo web is running from this data directory (start yuqing run first), and inspector.portals is empty")
		}
		c.Inspector.Portals = []config.InspectPortal{demo.InspectPortalAt(base)}
	}
	a := &App{cfg: &c, log: log, reg: reg, st: st, notifyCfg: c.Responder.Notify}
	if c.Demo.Enabled && len(a.notifyCfg.Channels) == 0 {
		log.Info("inspect: no notification channel configured; findings are stored, nobody is alerted")
	}
	svc, err := a.InspectorService()
	if err != nil {
		return nil, err
	}
	if svc == nil {
		return nil, errors.New("cannot inspect: inspector.portals is empty")
	}
	return svc.RunOnce(ctx)
}
