package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/console"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/responder"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/clickhouse"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

var allTargets = []string{"crawler", "analyzer", "responder", "console"}

// parseTargets turns -target (all, or a comma-separated list) into a set.
func parseTargets(s string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		switch {
		case t == "all":
			for _, a := range allTargets {
				set[a] = true
			}
		case slices.Contains(allTargets, t):
			set[t] = true
		default:
			return nil, fmt.Errorf("unknown target %q: want all, crawler, analyzer, responder or console", t)
		}
	}
	return set, nil
}

func cmdRun(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, true)
	target := fs.String("target", "all", "what to run: all, or a comma-separated list of crawler, analyzer, responder, console")
	logLevel := fs.String("log-level", "info", "log `LEVEL`: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	targets, err := parseTargets(*target)
	if err != nil {
		return usageError{err}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{fmt.Errorf("invalid -log-level %q: %w", *logLevel, err)}
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = runPipeline(ctx, cfg, targets, log)
	if err != nil && ctx.Err() != nil {
		// A signal during start-up cancels what was starting; that is a
		// requested stop, not a failure.
		log.Info("stopped during start-up", "cause", err)
		return nil
	}
	return err
}

// runPipeline runs the selected targets until ctx ends, then shuts down in
// order: producers of work stop first, consumers drain and commit, and the
// store and broker close last.
func runPipeline(ctx context.Context, cfg *config.Config, targets map[string]bool, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create data dir %q: %w", cfg.DataDir, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	busMetrics := bus.NewMetrics(reg)

	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()

	// The bus: external brokers, or the embedded one.
	brokers := cfg.Kafka.Brokers
	if len(brokers) == 0 {
		b, err := bus.StartBroker(cfg.Kafka.Embedded, cfg.Kafka.Topics.Partitions, filepath.Join(cfg.DataDir, "kafka"), log)
		if err != nil {
			return err
		}
		closers = append(closers, b.Close)
		brokers = []string{b.Addr()}
	}
	kopts, err := bus.ClientOptions(cfg.Kafka, brokers)
	if err != nil {
		return err
	}
	prod, err := bus.NewProducer(slices.Clone(kopts), busMetrics)
	if err != nil {
		return err
	}
	closers = append(closers, prod.Close)
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = bus.EnsureTopics(tctx, prod.Client(), cfg.Kafka.Topics.Partitions, cfg.Kafka.Topics.ReplicationFactor, log)
	cancel()
	if err != nil {
		return err
	}

	// The store, for every target that reads or writes it.
	var st store.Store
	if targets["analyzer"] || targets["responder"] || targets["console"] {
		st, err = openStore(ctx, cfg, reg, log)
		if err != nil {
			return err
		}
		closers = append(closers, func() {
			if err := st.Close(); err != nil {
				log.Warn("cannot close store", "err", err)
			}
		})
	}

	// The rules in force: the embedded defaults with the local overrides.
	ruleSet := rules.Default()
	if len(cfg.Responder.RuleOverrides) > 0 {
		ov := map[string]rules.Override{}
		for id, o := range cfg.Responder.RuleOverrides {
			ov[id] = rules.Override{Hours: o.Hours, Workdays: o.Workdays}
		}
		if ruleSet, err = ruleSet.WithOverrides(ov); err != nil {
			return err
		}
	}

	// The demo web, crawled like any other site; its duty group receives
	// the alerts when no notification channel is configured.
	var site *demo.Site
	notifyCfg := cfg.Responder.Notify
	if cfg.Demo.Enabled && targets["crawler"] {
		site, err = demo.New(cfg.Demo, filepath.Join(cfg.DataDir, "demo"), log)
		if err != nil {
			return err
		}
		if err := site.Start(ctx); err != nil {
			return err
		}
		closers = append(closers, func() { _ = site.Close() })
		if len(notifyCfg.Channels) == 0 {
			notifyCfg = site.NotifyConfig("http://" + cfg.HTTP.Listen)
			log.Info("demo alerts go to the demo duty group", "url", site.URL()+"/duty/")
		}
	}

	// HTTP: metrics and probes for every target, the API for the console.
	var apiStore store.Store
	if targets["console"] {
		apiStore = st
	}
	srv := console.New(apiStore, reg, reg, log)
	if targets["console"] {
		srv.SetRules(ruleSet)
		if n := notifyCfg; n.AckSecret != "" {
			acker, err := notify.NewAcker(n.AckSecret, n.AckURL, n.AckTTL, nil)
			if err != nil {
				return fmt.Errorf("cannot verify acknowledgement links: %w", err)
			}
			srv.SetAcker(acker)
		}
	}
	srv.AddReadyCheck("kafka", func(ctx context.Context) error { return prod.Client().Ping(ctx) })
	if st != nil {
		srv.AddReadyCheck("store", func(ctx context.Context) error {
			_, err := st.CountPosts(ctx)
			return err
		})
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen for HTTP on %s: %w", cfg.HTTP.Listen, err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("HTTP server stopped", "err", err)
		}
	}()
	closers = append(closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(sctx) // in-flight requests had 5 s; the rest are cut
	})
	log.Info("HTTP listening", "addr", ln.Addr().String(), "targets", targetList(targets))

	// The process is ready once every selected stage has started.
	var started atomic.Bool
	srv.AddReadyCheck("stages", func(context.Context) error {
		if !started.Load() {
			return errors.New("stages are starting")
		}
		return nil
	})

	var wg sync.WaitGroup
	errc := make(chan error, 8)
	start := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()

	if targets["analyzer"] {
		an, err := analyzer.New(cfg.Analyzer, reg, log)
		if err != nil {
			return err
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
			return err
		}
		if err := an.SetSchemes(cfg.Analyzer.Schemes); err != nil {
			return err
		}
		if f := cfg.Analyzer.TopicsFile; f != "" {
			topics, err := loadTopics(f)
			if err != nil {
				return err
			}
			an.SetTopics(topics)
		}
		stage := analyzer.NewStage(an, st, prod, cfg.Analyzer.Workers)
		if _, err := stage.RefreshDictionary(ctx); err != nil {
			return err
		}
		c, err := bus.NewConsumer(consumerConfig(cfg, "yuqing-analyzer", bus.TopicDocs, nil), slices.Clone(kopts), prod, busMetrics, log)
		if err != nil {
			return err
		}
		start("analyzer", func() error { return c.Run(runCtx, stage.Handle) })
		start("analyzer dictionary", func() error {
			stage.WatchDictionary(runCtx, cfg.Analyzer.DictionaryRefresh, log)
			return nil
		})
	}
	if targets["responder"] {
		cal, err := calendar.LoadDir(calendar.Default(), filepath.Join(cfg.DataDir, "calendar"))
		if err != nil {
			return err
		}
		alerter, err := responder.NewAlerter(notifyCfg, st, reg, log, nil)
		if err != nil {
			return err
		}
		r := responder.New(cfg.Responder, st, reg, log, responder.WithRules(ruleSet), responder.WithCalendar(cal),
			responder.WithAlerter(alerter), responder.WithHotRequests(prod))
		if err := r.Rebuild(ctx); err != nil {
			return err
		}
		onAssigned := func(ctx context.Context, _ map[string][]int32) {
			if err := r.Rebuild(ctx); err != nil {
				log.Error("cannot rebuild responder state after assignment", "err", err)
			}
		}
		c, err := bus.NewConsumer(consumerConfig(cfg, "yuqing-responder", bus.TopicPosts, onAssigned), slices.Clone(kopts), prod, busMetrics, log)
		if err != nil {
			return err
		}
		start("responder", func() error { return c.Run(runCtx, r.Handle) })
		start("deadlines", func() error { return r.Run(runCtx, cfg.Responder.TickInterval) })
	}
	if targets["crawler"] {
		sources := slices.Clone(cfg.Crawler.Sources)
		if site != nil {
			sources = append(sources, site.Sources()...)
		}
		cr, err := crawler.New(cfg.Crawler, sources, prod, filepath.Join(cfg.DataDir, "crawler"), reg, log)
		if err != nil {
			return err
		}
		// With a group, replicas share the sources (and create the crawler
		// topics); alone, the topics are still created so other stages can
		// ask for a hot source to be polled faster.
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if cfg.Crawler.Group != "" {
			err = cr.JoinGroup(tctx, slices.Clone(kopts), crawler.GroupConfig{Group: cfg.Crawler.Group,
				Partitions: cfg.Crawler.GroupPartitions, ReplicationFactor: cfg.Kafka.Topics.ReplicationFactor})
		} else {
			_, err = bus.EnsureCrawlTopics(tctx, prod.Client(), cfg.Crawler.GroupPartitions, cfg.Kafka.Topics.ReplicationFactor, log)
		}
		cancel()
		if err != nil {
			return err
		}
		if err := cr.FollowHotRequests(slices.Clone(kopts)); err != nil {
			return err
		}
		start("crawler", func() error { return cr.Run(runCtx) })
	}

	started.Store(true)
	log.Info("all stages started", "targets", targetList(targets))
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight work")
	case runErr = <-errc:
		log.Error("a stage failed; shutting down", "err", runErr)
	}
	cancelRun()
	wg.Wait()
	log.Info("stopped")
	return runErr
}

func consumerConfig(cfg *config.Config, group, topic string, onAssigned func(context.Context, map[string][]int32)) bus.ConsumerConfig {
	return bus.ConsumerConfig{
		Group: group, Topics: []string{topic},
		MaxAttempts: cfg.Kafka.Consumer.MaxAttempts, RetryBackoff: cfg.Kafka.Consumer.RetryBackoff,
		BatchSize: cfg.Kafka.Consumer.BatchSize, OnAssigned: onAssigned,
	}
}

// openStore opens the configured store. ClickHouse must have been migrated
// (`yuqing migrate`); the embedded SQLite store migrates itself, so that
// `yuqing run` on a new data dir is one command.
func openStore(ctx context.Context, cfg *config.Config, reg prometheus.Registerer, log *slog.Logger) (store.Store, error) {
	switch cfg.Store.Driver {
	case "clickhouse":
		return clickhouse.Open(ctx, cfg.Store.ClickHouse, reg, log)
	default:
		return sqlite.Open(ctx, cfg.SQLitePath(), reg, log, sqlite.WithMigrate())
	}
}

// migrateStore creates or upgrades the configured store's schema.
func migrateStore(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	switch cfg.Store.Driver {
	case "clickhouse":
		return clickhouse.Migrate(ctx, cfg.Store.ClickHouse, log)
	default:
		return sqlite.Migrate(ctx, cfg.SQLitePath(), log)
	}
}

func targetList(t map[string]bool) string {
	var out []string
	for _, a := range allTargets {
		if t[a] {
			out = append(out, a)
		}
	}
	return strings.Join(out, ",")
}

func cmdMigrate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create data dir %q: %w", cfg.DataDir, err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := migrateStore(context.Background(), cfg, log); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store %s migrated\n", cfg.Store.Driver)
	return nil
}

// loadTopics reads a topic table file (the analyzer's TSV format).
func loadTopics(path string) (*analyzer.Topics, error) {
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
