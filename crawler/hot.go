package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
)

// Bounds of a boost when the config leaves them zero (config's defaults).
const (
	defaultHotMinInterval = time.Minute
	defaultHotMaxDuration = 6 * time.Hour
)

// boostState is a temporary shorter poll interval of a source.
type boostState struct {
	interval time.Duration
	until    time.Time
}

// Boost asks for source id to be polled every interval until until,
// because something is heating up there (the responder asks when an
// event on the source grows). It is bounded so a hot source cannot turn
// into a flood: interval is raised to crawler.hot_min_interval, until is
// cut to crawler.hot_max_duration from now, and a boost never slows a
// source below its own interval. A later boost replaces an earlier one;
// when it expires the source returns to its interval by itself. The
// source is polled at once (by the replica that owns it, in a group). It
// returns the interval and expiry in force.
func (c *Crawler) Boost(id string, interval time.Duration, until time.Time) (time.Duration, time.Time, error) {
	s, ok := c.source(id)
	if !ok {
		c.m.hotRequests.WithLabelValues(hotUnknown).Inc()
		return 0, time.Time{}, fmt.Errorf("cannot boost source %q: unknown source", id)
	}
	now := c.now()
	if interval <= 0 {
		c.m.hotRequests.WithLabelValues(hotInvalid).Inc()
		return 0, time.Time{}, fmt.Errorf("cannot boost source %q: interval %s is not positive", id, interval)
	}
	if !until.After(now) {
		c.m.hotRequests.WithLabelValues(hotExpired).Inc()
		return 0, time.Time{}, fmt.Errorf("cannot boost source %q: it was asked until %s, which has passed", id, until.Format(time.RFC3339))
	}
	minInterval, maxDuration := c.cfg.HotMinInterval, c.cfg.HotMaxDuration
	if minInterval <= 0 {
		minInterval = defaultHotMinInterval
	}
	if maxDuration <= 0 {
		maxDuration = defaultHotMaxDuration
	}
	interval = min(max(interval, minInterval), s.cfg.Interval)
	if limit := now.Add(maxDuration); until.After(limit) {
		until = limit
	}
	s.boostMu.Lock()
	s.boost = boostState{interval: interval, until: until}
	s.boostMu.Unlock()
	c.m.hotRequests.WithLabelValues(hotApplied).Inc()
	c.log.Info("source boosted", "source", id, "interval", interval, "until", until)
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return interval, until, nil
}

// interval is the time until the next poll of s: its boosted interval
// while a boost lasts, else its configured one.
func (c *Crawler) interval(s *source) time.Duration {
	s.boostMu.Lock()
	b := s.boost
	s.boostMu.Unlock()
	now := c.now()
	if b.interval > 0 && now.Before(b.until) {
		return b.interval
	}
	return s.cfg.Interval
}

// hotFollower reads bus.TopicCrawlHot.
type hotFollower struct {
	opts []kgo.Opt
}

// FollowHotRequests makes Run read bus.HotSource requests from
// bus.TopicCrawlHot (which other stages write with
// bus.Producer.RequestHotSource) and apply them with Boost. Every replica
// reads every request, without a consumer group, so a boost survives a
// rebalance; it starts with the requests of the last
// crawler.hot_max_duration, so it survives a restart too. Call it before
// Run; the topic must exist (bus.EnsureCrawlTopics).
func (c *Crawler) FollowHotRequests(opts []kgo.Opt) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || c.hot != nil {
		return errors.New("cannot follow hot-source requests: call FollowHotRequests once, before Run")
	}
	c.hot = &hotFollower{opts: slices.Clone(opts)}
	return nil
}

func (h *hotFollower) run(ctx context.Context, c *Crawler) error {
	maxDuration := c.cfg.HotMaxDuration
	if maxDuration <= 0 {
		maxDuration = defaultHotMaxDuration
	}
	since := c.now().Add(-maxDuration)
	cl, err := kgo.NewClient(append(slices.Clone(h.opts),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
			bus.TopicCrawlHot: {0: kgo.NewOffset().AfterMilli(since.UnixMilli())},
		}),
		kgo.FetchMaxWait(500*time.Millisecond),
	)...)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", bus.TopicCrawlHot, err)
	}
	defer cl.Close()
	var lastErr, lastLog time.Time
	for {
		fetches := cl.PollFetches(ctx)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			if time.Since(lastErr) > 10*time.Second {
				lastErr = time.Now()
				c.log.Warn("cannot read hot-source requests", "topic", topic, "partition", p, "err", err)
			}
		})
		fetches.EachRecord(func(r *kgo.Record) {
			var req bus.HotSource
			err := json.Unmarshal(r.Value, &req)
			if err != nil {
				c.m.hotRequests.WithLabelValues(hotInvalid).Inc()
				err = fmt.Errorf("cannot decode hot-source request at offset %d: %w", r.Offset, err)
			} else if !req.Until.After(c.now()) {
				// Requests replayed after a restart that have run out
				// are expected; they are counted, not logged.
				c.m.hotRequests.WithLabelValues(hotExpired).Inc()
				return
			} else {
				_, _, err = c.Boost(req.SourceID, req.Interval, req.Until)
			}
			if err != nil && time.Since(lastLog) > skipLogEvery {
				lastLog = time.Now()
				c.log.Warn("hot-source request ignored", "offset", r.Offset, "reason", req.Reason, "err", err)
			}
		})
	}
}
