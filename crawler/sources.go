package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// This file holds the sources as they change while the crawler runs
// (SetSources: people add, edit and disable sources in the console, the
// store keeps them, a settings watcher hands them here) and the record of
// every poll's outcome (RecordPolls), which the console shows as the
// sources' status.

// snapshot returns the sources in their order.
func (c *Crawler) snapshot() []*source {
	c.srcMu.RLock()
	defer c.srcMu.RUnlock()
	return slices.Clone(c.order)
}

// source returns the source of id.
func (c *Crawler) source(id string) (*source, bool) {
	c.srcMu.RLock()
	defer c.srcMu.RUnlock()
	s, ok := c.sources[id]
	return s, ok
}

// rootCollector returns the collector polls clone.
func (c *Crawler) rootCollector() *colly.Collector {
	c.srcMu.RLock()
	defer c.srcMu.RUnlock()
	return c.root
}

// startLoop starts s's loop in the running crawler; c.mu is held. It does
// nothing when the crawler is not running (Run starts the loops).
func (c *Crawler) startLoop(s *source, stagger time.Duration) {
	if c.runCtx == nil {
		return
	}
	ctx, cancel := context.WithCancel(c.runCtx)
	s.stop, s.done = cancel, make(chan struct{})
	c.loops.Go(func() {
		defer close(s.done)
		c.loop(ctx, s, stagger)
	})
}

// stopLoop ends s's loop, if it runs, and waits for it and for a poll of
// s in flight (PollNow's too); c.mu is held.
func (c *Crawler) stopLoop(s *source) {
	if s.stop != nil {
		s.stop()
		<-s.done
		s.stop, s.done = nil, nil
	}
	s.mu.Lock()
	//lint:ignore SA2001 waiting for a poll in flight to end is the point
	s.mu.Unlock()
}

// SetSources makes list the sources the crawler polls, while it runs or
// before: a source not in list stops being polled (a poll in flight is
// cancelled), a new one starts at once, one whose definition changed is
// polled by its new definition from now on (its seen-set is kept, so
// pages it published are not published again). A source the crawler
// cannot use (bad URL, unknown kind, bad selector) is left out, and
// named in the error; the others are applied. A replica of a crawler
// group keeps the sources it started with (the group assigns them by
// partition at join time), and SetSources refuses.
func (c *Crawler) SetSources(list []config.Source) error {
	if c.grp != nil {
		return errors.New("cannot change the sources of a crawler group replica while it runs: restart the replicas")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	want := make(map[string]config.Source, len(list))
	var ids []string
	for i, sc := range list {
		sc = c.withDefaults(sc)
		if _, dup := want[sc.ID]; dup {
			errs = append(errs, fmt.Errorf("cannot use source %q (sources[%d]): duplicate id", sc.ID, i))
			continue
		}
		if ps := ValidateSource(fmt.Sprintf("sources[%d]", i), sc); len(ps) > 0 {
			errs = append(errs, fmt.Errorf("cannot use source %q: %v", sc.ID, ps))
			continue
		}
		want[sc.ID] = sc
		ids = append(ids, sc.ID)
	}
	old := c.snapshot()
	keep := map[string]*source{}
	var added []*source
	for _, s := range old {
		sc, ok := want[s.cfg.ID]
		if ok && reflect.DeepEqual(sc, s.cfg) {
			keep[s.cfg.ID] = s
			continue
		}
		// Removed or changed: the old definition stops here; its
		// seen-set was saved by its last poll.
		c.stopLoop(s)
		if ok {
			c.log.Info("source changed", "source", s.cfg.ID)
		} else {
			c.log.Info("source no longer polled", "source", s.cfg.ID)
		}
	}
	var order []*source
	for _, id := range ids {
		if s, ok := keep[id]; ok {
			order = append(order, s)
			continue
		}
		s, err := newSource(want[id], c.stateDir)
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot use source %q: %w", id, err))
			continue
		}
		c.m.initSource(id)
		c.m.seenEntries.WithLabelValues(id).Set(float64(s.seen.len()))
		order = append(order, s)
		added = append(added, s)
	}
	hosts := hostsOf(order)
	c.srcMu.Lock()
	if !subset(hosts, c.hosts) {
		// A host new to the crawler needs its limit rule; colly's rules
		// cannot be added under polls in flight, so new polls clone a new
		// root (the ones in flight end on the old one).
		root, err := newRootCollector(c.cfg, hosts, c.tr)
		if err != nil {
			c.srcMu.Unlock()
			return errors.Join(append(errs, err)...)
		}
		c.root, c.hosts = root, hosts
	}
	c.order = order
	c.sources = make(map[string]*source, len(order))
	for _, s := range order {
		c.sources[s.cfg.ID] = s
	}
	c.srcMu.Unlock()
	c.tr.setPrivateHosts(privateHostsOf(order))
	c.m.ownedSources.Set(float64(len(order)))
	for _, s := range added {
		c.startLoop(s, 0)
		c.log.Info("source polled", "source", s.cfg.ID, "interval", s.cfg.Interval)
	}
	return errors.Join(errs...)
}

// Sources returns the IDs of the sources the crawler polls, in order.
func (c *Crawler) Sources() []string {
	var out []string
	for _, s := range c.snapshot() {
		out = append(out, s.cfg.ID)
	}
	return out
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// privateHostsOf returns the hosts of the sources that allow private
// addresses.
func privateHostsOf(srcs []*source) map[string]bool {
	out := map[string]bool{}
	for _, s := range srcs {
		if s.cfg.AllowPrivate {
			for _, d := range s.domains {
				out[d] = true
			}
		}
	}
	return out
}

// PollRecorder keeps the outcome of polls (the store does, so the console
// shows the sources' status). RecordPolls returns once they are stored;
// on error nothing may be assumed stored, and the crawler counts the
// record as dropped (the status misses one poll; nothing the source
// published is lost).
type PollRecorder interface {
	AppendSourcePolls(ctx context.Context, polls []model.SourcePoll) error
}

// recordTimeout bounds the write of one poll's record.
const recordTimeout = 5 * time.Second

// RecordPolls makes the crawler hand every poll's outcome to r (except
// polls cut short by shutdown or a disabled source). Call before Run.
func (c *Crawler) RecordPolls(r PollRecorder) {
	c.rec = r
}

// record hands one poll's outcome to the recorder.
func (c *Crawler) record(ctx context.Context, s *source, p *pollRun, result string, err error) {
	if c.rec == nil || result == pollCanceled {
		return
	}
	rec := model.SourcePoll{ID: fmt.Sprintf("%s-%d", s.cfg.ID, p.now.UnixNano()), SourceID: s.cfg.ID, At: p.now.UTC(),
		Result: result, Documents: p.emitted, Fetched: p.fetched, RobotsRefused: int(p.f.robots.Load())}
	if err != nil {
		rec.Problem = problemOf(result, err)
		rec.Error = truncate(err.Error(), model.MaxPollErrorLen)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if werr := c.rec.AppendSourcePolls(wctx, []model.SourcePoll{rec}); werr != nil {
		c.m.pollRecordsDropped.Inc()
		c.log.Warn("poll status not recorded", "source", s.cfg.ID, "err", werr)
	}
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// httpStatus finds the status of "HTTP 503" in an error.
var httpStatus = regexp.MustCompile(`HTTP \d{3}`)

// problemOf classifies a failed poll for people (model.Problem…).
func problemOf(result string, err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case result == pollPublishError:
		return model.ProblemPublish
	case result == pollStateError:
		return model.ProblemState
	case errors.Is(err, ErrPrivateAddress):
		return model.ProblemRefused
	case errors.As(err, &dns):
		return model.ProblemDNS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return model.ProblemTimeout
	case strings.Contains(err.Error(), "connection refused"), strings.Contains(err.Error(), "connection reset"):
		return model.ProblemConnect
	case httpStatus.MatchString(err.Error()):
		return model.ProblemHTTP
	case strings.Contains(err.Error(), "parse"), strings.Contains(err.Error(), "decode"), strings.Contains(err.Error(), "JSON"):
		return model.ProblemParse
	}
	return model.ProblemOther
}
