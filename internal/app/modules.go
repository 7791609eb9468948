package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Module names. The targets an operator may pick with -target are the
// visible ones; the others are wiring that targets depend on.
const (
	All       = "all"
	Crawler   = "crawler"
	Analyzer  = "analyzer"
	Responder = "responder"
	Console   = "console"
	Brief     = "brief"
	Migrate   = "migrate"
	Inspector = "inspector"

	moduleServer        = "server"
	moduleBroker        = "broker"
	moduleBus           = "bus"
	moduleStore         = "store"
	moduleDemo          = "demo"
	moduleNotifications = "notifications"
)

// module is one row of the module table: what it needs and how it starts.
type module struct {
	deps []string
	// init builds the module once its dependencies have started; it
	// returns nil when the module only wires things (nothing to run or
	// release).
	init func(a *App, ctx context.Context) (*Service, error)
	// visible modules are targets an operator may pick.
	visible bool
	// doc says what the target does, for -list-targets.
	doc string
}

// modules is the module table: target → dependencies → init. A new target
// is one row here. "all" lists the pipeline's targets in start order: the
// consumers of work start before the crawler that produces it, so on
// shutdown (the reverse order) the crawler stops first and the consumers
// drain what it produced.
var modules = map[string]module{
	moduleServer: {init: (*App).initServer},
	moduleBroker: {init: (*App).initBroker},
	moduleBus:    {deps: []string{moduleServer, moduleBroker}, init: (*App).initBus},
	moduleStore:  {deps: []string{moduleServer}, init: (*App).initStore},
	moduleDemo:   {init: (*App).initDemo},
	// notifications decides where alerts go: the configured channels, or
	// the demo's duty group when the demo runs and none is configured.
	moduleNotifications: {deps: []string{moduleDemo}, init: (*App).initNotifications},

	Console: {deps: []string{moduleServer, moduleStore, moduleBus, moduleNotifications}, init: (*App).initConsole, visible: true,
		doc: "the web console and JSON API"},
	Responder: {deps: []string{moduleServer, moduleStore, moduleBus, moduleNotifications}, init: (*App).initResponder, visible: true,
		doc: "events, incidents, deadlines and alerts (active/standby)"},
	Analyzer: {deps: []string{moduleServer, moduleStore, moduleBus}, init: (*App).initAnalyzer, visible: true,
		doc: "document → analysed post (scales out with the docs topic's partitions)"},
	Crawler: {deps: []string{moduleServer, moduleStore, moduleBus, moduleDemo}, init: (*App).initCrawler, visible: true,
		doc: "sources → documents (replicas share sources through a group)"},
	Inspector: {deps: []string{moduleServer, moduleStore, moduleDemo, moduleNotifications}, init: (*App).initInspector, visible: true,
		doc: "inspections of the own portals the way the 政府网站普查 does them, and 网民留言 replies (scheduled; inspector.enabled)"},
	Brief: {deps: []string{moduleServer, moduleStore, moduleNotifications}, init: (*App).initBrief, visible: true,
		doc: "briefs on schedule (日报/周报/月报 drafts) and delivery of issued briefs (one instance)"},
	Migrate: {init: (*App).initMigrate, visible: true,
		doc: "create or upgrade the store schema, then exit (a one-shot job)"},
	All: {deps: []string{Console, Responder, Brief, Analyzer, Crawler, Inspector}, visible: true,
		doc: "the whole pipeline in one process"},
}

// Targets returns the targets an operator may pick, sorted, each with what
// it does.
func Targets() [][2]string {
	var out [][2]string
	for name, m := range modules {
		if m.visible {
			out = append(out, [2]string{name, m.doc})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// ParseTargets splits a -target value (a comma-separated list) and checks
// every name is a target.
func ParseTargets(s string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if m, ok := modules[t]; !ok || !m.visible {
			var names []string
			for _, v := range Targets() {
				names = append(names, v[0])
			}
			return nil, fmt.Errorf("unknown target %q: want one of %s, or a comma-separated list", t, strings.Join(names, ", "))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// resolve returns the modules targets need, each after its dependencies:
// a depth-first walk of the table in the order the targets and the deps
// are listed, so the order is the same on every run.
func resolve(targets []string) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		m, ok := modules[name]
		if !ok {
			return fmt.Errorf("BUG: module %q is not in the module table (needed by %s)", name, strings.Join(path, " → "))
		}
		switch state[name] {
		case 1:
			return fmt.Errorf("BUG: modules depend on each other in a cycle: %s → %s", strings.Join(path, " → "), name)
		case 2:
			return nil
		}
		state[name] = 1
		for _, d := range m.deps {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, t := range targets {
		if err := visit(t, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}
