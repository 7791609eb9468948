package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Service is what a module's init function returns when the module has
// something to run or to release. Both fields are optional.
//
// Run blocks while the module works. When its context is cancelled it
// finishes the work in hand (drains), commits what it must, and returns
// nil; an error means it failed, and the group then stops everything. A
// Run that returns nil before it is asked to stop has finished its job
// (a one-shot module such as migrate); the group ends when every Run has
// finished.
//
// Close releases what the module holds (a listener, a store, a broker). It
// is called once, after Run returned, and after every module that depends
// on this one has stopped.
type Service struct {
	Run   func(ctx context.Context) error
	Close func()
}

// running is a started module of a group.
type running struct {
	name   string
	svc    *Service
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
	// reported is set once wait returned err, so stop does not again.
	reported bool
}

// group runs modules started in dependency order and stops them in the
// reverse order, each after everything that depends on it. It is the run
// group of one process: the first module to fail stops the rest.
type group struct {
	log     *slog.Logger
	mu      sync.Mutex
	started []*running
	failed  chan *running
}

func newGroup(log *slog.Logger) *group {
	return &group{log: log, failed: make(chan *running, 64)}
}

// start runs svc under name. Modules must be started in dependency order.
func (g *group) start(name string, svc *Service) {
	r := &running{name: name, svc: svc, done: make(chan struct{})}
	g.mu.Lock()
	g.started = append(g.started, r)
	g.mu.Unlock()
	if svc == nil || svc.Run == nil {
		close(r.done)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		r.err = svc.Run(ctx)
		if ctx.Err() == nil {
			// It ended before it was asked to: a failure, or a one-shot
			// module that finished.
			g.failed <- r
		}
	}()
}

// wait blocks until ctx ends, a module fails, or every running module has
// finished by itself. It returns the failure, if any.
func (g *group) wait(ctx context.Context) error {
	g.mu.Lock()
	live := 0
	for _, r := range g.started {
		if r.svc != nil && r.svc.Run != nil {
			live++
		}
	}
	g.mu.Unlock()
	for live > 0 {
		select {
		case <-ctx.Done():
			g.log.Info("shutting down: draining in-flight work")
			return nil
		case r := <-g.failed:
			if r.err != nil {
				r.reported = true
				g.log.Error("a module failed; shutting down", "module", r.name, "err", r.err)
				return fmt.Errorf("%s: %w", r.name, r.err)
			}
			g.log.Info("module finished", "module", r.name)
			live--
		}
	}
	return nil
}

// stop stops the started modules in reverse start order: each one's Run
// is cancelled and awaited (it drains), then its Close is called. It
// returns the errors of Runs that failed while stopping.
func (g *group) stop() error {
	g.mu.Lock()
	started := g.started
	g.started = nil
	g.mu.Unlock()
	var errs []error
	for i := len(started) - 1; i >= 0; i-- {
		r := started[i]
		if r.cancel != nil {
			r.cancel()
		}
		<-r.done
		if r.err != nil && !r.reported && !errors.Is(r.err, context.Canceled) {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, r.err))
		}
		if r.svc != nil && r.svc.Close != nil {
			r.svc.Close()
		}
		g.log.Debug("module stopped", "module", r.name)
	}
	return errors.Join(errs...)
}
