package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/console"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/httpserver"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/responder"
	"github.com/yuqing-project/yuqing/rules"
)

// initServer binds the HTTP listener every target has: metrics, probes
// and pprof, and the console's API and pages once the console module
// mounts them. It listens before the other modules start, so a probe gets
// an answer (not ready) while they do.
func (a *App) initServer(context.Context) (*Service, error) {
	// Each client's writes are rate-limited (429, counted), so no one
	// client can flood an incident's history.
	limit, err := httpserver.WriteRateLimit(httpserver.DefaultWriteRate, httpserver.DefaultWriteBurst, a.reg)
	if err != nil {
		return nil, err
	}
	srv, err := httpserver.New(httpserver.Options{Listen: a.cfg.HTTP.Listen, DebugListen: a.cfg.HTTP.DebugListen,
		TLSCertFile: a.cfg.HTTP.TLSCertFile, TLSKeyFile: a.cfg.HTTP.TLSKeyFile,
		Gatherer: a.reg, Registerer: a.reg, Logger: a.log, Middleware: []httpserver.Middleware{limit}})
	if err != nil {
		return nil, err
	}
	if mb := a.cfg.HTTP.MinFreeDiskMB; mb > 0 {
		srv.AddReadyCheck("disk", diskCheck(a.cfg.DataDir, mb))
	}
	srv.AddReadyCheck("stages", func(context.Context) error {
		if !a.started.Load() {
			return errors.New("stages are starting")
		}
		return nil
	})
	if err := srv.Listen(); err != nil {
		return nil, err
	}
	a.srv = srv
	a.log.Info("HTTP listening", "addr", srv.Addr().String(), "targets", strings.Join(a.targets, ","))
	// Serve ends when its context is cancelled, after the modules that
	// depend on the server have stopped; in-flight requests get the
	// server's shutdown timeout.
	return &Service{Run: srv.Serve}, nil
}

// initBroker starts the embedded broker when no external brokers are
// configured.
func (a *App) initBroker(context.Context) (*Service, error) {
	a.brokers = a.cfg.Kafka.Brokers
	if len(a.brokers) > 0 {
		return nil, nil
	}
	b, err := bus.StartBroker(a.cfg.Kafka.Embedded, a.cfg.Kafka.Topics.Partitions, filepath.Join(a.cfg.DataDir, "kafka"), a.log)
	if err != nil {
		return nil, err
	}
	a.brokers = []string{b.Addr()}
	return &Service{Close: b.Close}, nil
}

// initBus connects the producer every target shares and creates the
// pipeline's topics.
func (a *App) initBus(ctx context.Context) (*Service, error) {
	a.busMetrics = bus.NewMetrics(a.reg)
	kopts, err := bus.ClientOptions(a.cfg.Kafka, a.brokers)
	if err != nil {
		return nil, err
	}
	a.kopts = kopts
	prod, err := bus.NewProducer(slices.Clone(kopts), a.busMetrics)
	if err != nil {
		return nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = bus.EnsureTopics(tctx, prod.Client(), a.cfg.Kafka.Topics.Partitions, a.cfg.Kafka.Topics.ReplicationFactor, a.log)
	cancel()
	if err != nil {
		prod.Close()
		return nil, err
	}
	a.prod = prod
	a.srv.AddReadyCheck("kafka", func(ctx context.Context) error { return prod.Client().Ping(ctx) })
	return &Service{Close: prod.Close}, nil
}

// initStore opens the store every target that reads or writes it shares.
func (a *App) initStore(ctx context.Context) (*Service, error) {
	st, err := OpenStore(ctx, a.cfg, a.reg, a.log)
	if err != nil {
		return nil, err
	}
	a.st = st
	a.srv.AddReadyCheck("store", storeCheck(st))
	return &Service{Close: func() {
		if err := st.Close(); err != nil {
			a.log.Warn("cannot close store", "err", err)
		}
	}}, nil
}

// initDemo starts the demo web when the demo is enabled and this process
// crawls: it is crawled like any other site.
func (a *App) initDemo(ctx context.Context) (*Service, error) {
	if !a.cfg.Demo.Enabled || !a.has(Crawler) {
		return nil, nil
	}
	site, err := demo.New(a.cfg.Demo, filepath.Join(a.cfg.DataDir, "demo"), a.log)
	if err != nil {
		return nil, err
	}
	if err := site.Start(ctx); err != nil {
		return nil, err
	}
	a.site = site
	return &Service{Close: func() { _ = site.Close() }}, nil
}

// initNotifications decides where alerts go: the configured channels, or
// the demo's duty group when the demo runs and no channel is configured.
func (a *App) initNotifications(context.Context) (*Service, error) {
	a.notifyCfg = a.cfg.Responder.Notify
	if a.site != nil && len(a.notifyCfg.Channels) == 0 {
		a.notifyCfg = a.site.NotifyConfig("http://" + a.cfg.HTTP.Listen)
		a.log.Info("demo alerts go to the demo duty group", "url", a.site.URL()+"/duty/")
	}
	return nil, nil
}

// ruleSet returns the rules in force: the embedded defaults with the
// local overrides.
func (a *App) ruleSet() (*rules.Set, error) {
	if a.rules != nil {
		return a.rules, nil
	}
	set := rules.Default()
	if len(a.cfg.Responder.RuleOverrides) > 0 {
		ov := map[string]rules.Override{}
		for id, o := range a.cfg.Responder.RuleOverrides {
			ov[id] = rules.Override{Hours: o.Hours, Workdays: o.Workdays}
		}
		var err error
		if set, err = set.WithOverrides(ov); err != nil {
			return nil, err
		}
	}
	a.rules = set
	return set, nil
}

// initConsole mounts the API and the pages on the HTTP server.
func (a *App) initConsole(ctx context.Context) (*Service, error) {
	set, err := a.ruleSet()
	if err != nil {
		return nil, err
	}
	var acker *notify.Acker
	if n := a.notifyCfg; n.AckSecret != "" {
		if acker, err = notify.NewAcker(n.AckSecret, n.AckURL, n.AckTTL, nil); err != nil {
			return nil, fmt.Errorf("cannot verify acknowledgement links: %w", err)
		}
	}
	accounts, err := a.accounts(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.seedSchemes(ctx); err != nil {
		return nil, err
	}
	if err := a.seedShifts(ctx, a.rosterConfig()); err != nil {
		return nil, err
	}
	c, err := console.New(console.Options{Store: a.st, Rules: set, Acker: acker, Requests: a.prod,
		SchemeOptions: analyzer.SchemeOptions(), Logger: a.log, Registerer: a.reg, Settings: a.consoleSettings(),
		Briefs: NewBriefs(a.st, a.cfg, nil),
		Auth:   accounts, Hosts: a.cfg.Auth.Hosts, Secure: a.cfg.Auth.SecureCookies || a.cfg.HTTP.TLSCertFile != "",
		OIDC: oidcOptions(a.cfg.Auth.OIDC)})
	if err != nil {
		return nil, err
	}
	a.srv.Mount(c.Handler())
	return &Service{Close: func() {
		// The store closes next: the API says so rather than failing.
		a.srv.Mount(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "正在停止服务，请稍后再试。", http.StatusServiceUnavailable)
		}))
	}}, nil
}

// consumer returns a consumer group member of the pipeline's settings.
func (a *App) consumer(cc bus.ConsumerConfig) (*bus.Consumer, error) {
	k := a.cfg.Kafka.Consumer
	cc.MaxAttempts, cc.RetryBackoff, cc.BatchSize = k.MaxAttempts, k.RetryBackoff, k.BatchSize
	c, err := bus.NewConsumer(cc, slices.Clone(a.kopts), a.prod, a.busMetrics, a.log)
	if err != nil {
		return nil, err
	}
	// A group whose batch keeps failing transiently (store down, disk
	// full) retries it without end and says so here.
	a.srv.AddReadyCheck("consumer "+cc.Group, c.Ready)
	return c, nil
}

// initAnalyzer builds the analyzer (segmenter, model, regions, schemes,
// topics, the user dictionary) and consumes documents.
func (a *App) initAnalyzer(ctx context.Context) (*Service, error) {
	cfg := a.cfg
	an, err := analyzer.New(cfg.Analyzer, a.reg, a.log)
	if err != nil {
		return nil, err
	}
	home, extra := cfg.Analyzer.HomeRegion, slices.Clone(cfg.Analyzer.ExtraRegions)
	if cfg.Demo.Enabled {
		demoHome, demoDivisions := demo.Regions()
		extra = append(extra, demoDivisions...)
		if home == "" {
			home = demoHome
		}
	}
	divisions := make([]region.Division, len(extra))
	for i, d := range extra {
		divisions[i] = region.Division{Code: d.Code, Name: d.Name}
	}
	if err := an.SetRegions(home, divisions...); err != nil {
		return nil, err
	}
	places := slices.Clone(cfg.Analyzer.Places)
	if cfg.Demo.Enabled {
		places = append(places, demo.Places()...)
	}
	if len(places) > 0 {
		if err := an.SetPlaces(places); err != nil {
			return nil, err
		}
	}
	// The schemes in force are the store's, seeded from the file and
	// polled like the user dictionary (settings.go).
	if err := a.seedSchemes(ctx); err != nil {
		return nil, err
	}
	schemes, err := a.schemeWatcher(an)
	if err != nil {
		return nil, err
	}
	if _, err := schemes.Refresh(ctx); err != nil {
		return nil, err
	}
	if f := cfg.Analyzer.TopicsFile; f != "" {
		topics, err := LoadTopics(f)
		if err != nil {
			return nil, err
		}
		an.SetTopics(topics)
	}
	stage := analyzer.NewStage(an, a.st, a.prod, cfg.Analyzer.Workers)
	if _, err := stage.RefreshDictionary(ctx); err != nil {
		return nil, err
	}
	c, err := a.consumer(bus.ConsumerConfig{Group: "yuqing-analyzer", Topics: []string{bus.TopicDocs}})
	if err != nil {
		return nil, err
	}
	return &Service{Run: func(ctx context.Context) error {
		var wg sync.WaitGroup
		wg.Go(func() { stage.WatchDictionary(ctx, cfg.Analyzer.DictionaryRefresh, a.log) })
		wg.Go(func() { schemes.Run(ctx, cfg.Analyzer.DictionaryRefresh, a.log) })
		err := c.Run(ctx, stage.Handle)
		wg.Wait()
		return err
	}}, nil
}

// initResponder rebuilds the responder's state from the store and
// consumes posts; its deadline checks run beside the consumer.
func (a *App) initResponder(ctx context.Context) (*Service, error) {
	cfg := a.cfg
	set, err := a.ruleSet()
	if err != nil {
		return nil, err
	}
	cal, err := calendar.LoadDir(calendar.Default(), filepath.Join(cfg.DataDir, "calendar"))
	if err != nil {
		return nil, err
	}
	alerter, err := responder.NewAlerter(a.notifyCfg, a.st, a.reg, a.log, nil)
	if err != nil {
		return nil, err
	}
	// The duty shifts in force are the store's, seeded from the file and
	// polled every tick (settings.go); a set that cannot be applied keeps
	// the configured shifts.
	if err := a.seedShifts(ctx, a.notifyCfg); err != nil {
		return nil, err
	}
	shifts, err := a.shiftWatcher(alerter)
	if err != nil {
		return nil, err
	}
	if _, err := shifts.Refresh(ctx); err != nil {
		a.log.Warn("the duty shifts in the store do not apply; alerting by the configured ones", "err", err)
	}
	r := responder.New(cfg.Responder, a.st, a.reg, a.log, responder.WithRules(set), responder.WithCalendar(cal),
		responder.WithAlerter(alerter), responder.WithHotRequests(a.prod))
	if err := r.Rebuild(ctx); err != nil {
		return nil, err
	}
	onAssigned := func(ctx context.Context, _ map[string][]int32) {
		if err := r.Rebuild(ctx); err != nil {
			a.log.Error("cannot rebuild responder state after assignment", "err", err)
		}
	}
	// People's requests arrive in the posts' group, co-assigned, so the
	// one active responder applies them.
	c, err := a.consumer(bus.ConsumerConfig{Group: "yuqing-responder", Topics: []string{bus.TopicPosts, bus.TopicRequests},
		CoAssign: true, OnAssigned: onAssigned,
		// A killed active responder hands over after this, not the client's 45s.
		SessionTimeout: cfg.Responder.SessionTimeout, HeartbeatInterval: cfg.Responder.HeartbeatInterval})
	if err != nil {
		return nil, err
	}
	return &Service{Run: func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() { errc <- r.Run(ctx, cfg.Responder.TickInterval) }()
		var wg sync.WaitGroup
		wg.Go(func() { shifts.Run(ctx, cfg.Responder.TickInterval, a.log) })
		err := c.Run(ctx, r.Handle)
		if derr := <-errc; err == nil && derr != nil {
			err = fmt.Errorf("deadlines: %w", derr)
		}
		wg.Wait()
		return err
	}}, nil
}

// initCrawler builds the crawler over the configured sources (and the
// demo's), joins its group when one is configured, and crawls.
func (a *App) initCrawler(ctx context.Context) (*Service, error) {
	cfg := a.cfg
	sources := slices.Clone(cfg.Crawler.Sources)
	if a.site != nil {
		sources = append(sources, a.site.Sources()...)
	}
	// The sources polled are the store's, seeded from the file (and the
	// demo's) and changed in the console; the watcher applies a change
	// while the crawler runs, and each poll's outcome is recorded.
	sources, err := a.storeSources(ctx, sources)
	if err != nil {
		return nil, err
	}
	if cfg.Crawler.Group == "" {
		// The watcher's first load applies them, leaving out (and
		// logging) one the crawler cannot use rather than failing.
		sources = nil
	}
	cr, err := crawler.New(cfg.Crawler, sources, a.prod, filepath.Join(cfg.DataDir, "crawler"), a.reg, a.log)
	if err != nil {
		return nil, err
	}
	cr.RecordPolls(a.st)
	// With a group, replicas share the sources (and create the crawler
	// topics); alone, the topics are still created so other stages can
	// ask for a hot source to be polled faster.
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	if cfg.Crawler.Group != "" {
		err = cr.JoinGroup(tctx, slices.Clone(a.kopts), crawler.GroupConfig{Group: cfg.Crawler.Group,
			Partitions: cfg.Crawler.GroupPartitions, ReplicationFactor: cfg.Kafka.Topics.ReplicationFactor})
	} else {
		_, err = bus.EnsureCrawlTopics(tctx, a.prod.Client(), cfg.Crawler.GroupPartitions, cfg.Kafka.Topics.ReplicationFactor, a.log)
	}
	cancel()
	if err != nil {
		return nil, err
	}
	if err := cr.FollowHotRequests(slices.Clone(a.kopts)); err != nil {
		return nil, err
	}
	if cfg.Crawler.Group != "" {
		a.log.Info("crawler group replica: source changes in the console take effect when the replicas restart")
		return &Service{Run: cr.Run}, nil
	}
	watch, err := a.sourceWatcher(ctx, cr)
	if err != nil {
		return nil, err
	}
	return &Service{Run: func(ctx context.Context) error {
		var wg sync.WaitGroup
		wg.Go(func() { watch.Run(ctx, cfg.Crawler.SourcesRefresh, a.log) })
		err := cr.Run(ctx)
		wg.Wait()
		return err
	}}, nil
}

// initMigrate creates or upgrades the store schema; the target then ends.
func (a *App) initMigrate(ctx context.Context) (*Service, error) {
	return &Service{Run: func(ctx context.Context) error {
		if err := MigrateStore(ctx, a.cfg, a.log); err != nil {
			return err
		}
		a.log.Info("store migrated", "driver", a.cfg.Store.Driver)
		return nil
	}}, nil
}

// accounts builds the accounts service of the console on the store, with
// this process's audit chain; with auth.demo_accounts it creates the demo
// accounts (one per role, the README's demo password) and logs the
// administrators' TOTP secrets once.
func (a *App) accounts(ctx context.Context) (*auth.Service, error) {
	log, err := audit.New(a.st, audit.Options{Registerer: a.reg, Logger: a.log})
	if err != nil {
		return nil, err
	}
	s, err := auth.New(auth.Options{Store: a.st, Audit: log, Policy: auth.PolicyOf(a.cfg.Auth)})
	if err != nil {
		return nil, err
	}
	if a.cfg.Auth.DemoAccounts {
		secrets, err := s.EnsureDemoAccounts(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot create the demo accounts: %w", err)
		}
		a.log.Warn("demo accounts (demo only): log in as sysadmin, secadmin, auditor, monitor, duty, handler, leader or viewer",
			"password", auth.DemoPassword)
		for _, r := range auth.Roles() {
			if sec, ok := secrets[r.Key]; ok {
				a.log.Warn("demo administrator's TOTP secret: add it to an authenticator app", "account", r.Key, "secret", sec,
					"uri", auth.TOTPURI("yuqing", r.Key, sec))
			}
		}
	}
	return s, nil
}

// oidcOptions are the console's single sign-on options, or nil without an
// issuer.
func oidcOptions(o config.OIDCConfig) *console.OIDCOptions {
	if o.Issuer == "" {
		return nil
	}
	return &console.OIDCOptions{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		UsernameClaim: o.UsernameClaim, RolesClaim: o.RolesClaim, RoleMap: o.RoleMap, SecondFactorByProvider: o.SecondFactorByProvider}
}

// rosterConfig is the notifications section the console shows: the
// alerts' (the demo's when it runs without channels), or the file's.
func (a *App) rosterConfig() config.NotifyConfig {
	if len(a.notifyCfg.Channels) > 0 {
		return a.notifyCfg
	}
	return a.cfg.Responder.Notify
}

// consoleSettings is what the console's settings page shows of the
// configuration: the sources (and the demo's), the channels, the roster.
func (a *App) consoleSettings() console.Settings {
	var st console.Settings
	sources := slices.Clone(a.cfg.Crawler.Sources)
	if a.site != nil {
		sources = append(sources, a.site.Sources()...)
	}
	for _, s := range sources {
		st.Sources = append(st.Sources, console.SourceInfo{ID: s.ID, Name: s.Name, Kind: s.Kind, Authority: s.Authority, URL: s.URL})
	}
	n := a.rosterConfig()
	for _, ch := range n.Channels {
		st.Channels = append(st.Channels, console.ChannelInfo{Name: ch.Name, Type: ch.Type, Target: channelTarget(ch)})
	}
	if len(n.Roster.People) > 0 {
		if r, err := notify.BuildRoster(&n); err == nil {
			st.Roster = r
		} else {
			a.log.Warn("the settings page shows no roster: it does not build", "err", err)
		}
	}
	return st
}
