package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
)

// GroupConfig configures crawler replicas that share the sources.
//
// The replicas form the Kafka consumer group Group on
// bus.TopicCrawlState. A source belongs to the partition
// bus.CrawlPartition(host of its URL), and only the member assigned that
// partition polls it, so a URL is fetched by one replica and every host is
// polled by one replica, at the politeness of one. The topic's records are
// the replicas' seen-sets: a member that is assigned a partition first
// reads everything the partition holds (what the previous owners
// remembered) and only then polls its sources, so pages that did not
// change are not published again after a rebalance. Each member writes
// the changes of its own seen-sets there after every poll.
//
// A member that loses a partition in a rebalance first waits for the polls
// of its sources (cancelling them after revokeGrace), so two replicas never
// poll one source at once. Only a member cut off from the group (its session timed out while
// it kept running) can overlap with its successor until it notices.
type GroupConfig struct {
	// Group is the consumer group of the replicas, e.g. yuqing-crawler.
	Group string
	// Partitions is the partition count bus.TopicCrawlState is created
	// with when missing (an existing topic keeps its own). It bounds the
	// number of replicas that get work.
	Partitions int32
	// ReplicationFactor of the created topics; -1 uses the broker default.
	ReplicationFactor int16
}

// ErrNotOwner is returned (wrapped) when a source is asked to poll in a
// replica that does not own it (another replica does, or the group has not
// assigned it yet).
var ErrNotOwner = errors.New("source is not owned by this crawler replica")

// sharedLastSeenStep is how far LastSeen must move before an otherwise
// unchanged seen entry is written to the shared topic again: LastSeen only
// drives pruning after 90 days, so a day of lag costs nothing and keeps
// every poll from rewriting every entry.
const sharedLastSeenStep = 24 * time.Hour

// revokeGrace is how long a member that loses a partition lets the polls
// of its sources run on before cancelling them; it stays well below the
// group's rebalance timeout (60 s by default).
const revokeGrace = 10 * time.Second

// flushTimeout bounds writing a poll's seen-set changes; it runs even when
// the poll was cancelled by a rebalance, so the next owner sees them.
const flushTimeout = 15 * time.Second

// group is the crawler's membership in a GroupConfig group.
type group struct {
	cfg  GroupConfig
	opts []kgo.Opt
	prod *kgo.Client // writes bus.TopicCrawlState to explicit partitions
	n    int32       // partitions of bus.TopicCrawlState

	mu sync.Mutex
	// ready partitions are assigned and caught up: their sources poll.
	ready map[int32]bool
	// catchUp holds assigned partitions still being read: records below
	// end are applied; keys records which keys of each source the topic
	// held, so local-only entries can be shared afterwards.
	catchUp map[int32]*catchUp
	// active cancels the poll in progress of a source.
	active map[*source]context.CancelFunc
}

type catchUp struct {
	end  int64
	keys map[*source]map[string]bool
}

// JoinGroup makes c one replica of a group sharing its sources: Run then
// polls only the sources whose partition the group assigns to c, and
// PollNow refuses the others with ErrNotOwner. It creates the crawler
// topics when missing. opts are the Kafka client options
// (bus.ClientOptions); call JoinGroup once, before Run. The group is joined
// when Run starts and left when it returns.
func (c *Crawler) JoinGroup(ctx context.Context, opts []kgo.Opt, gc GroupConfig) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || c.grp != nil {
		return errors.New("cannot join crawler group: call JoinGroup once, before Run")
	}
	if gc.Group == "" {
		return errors.New("cannot join crawler group: no group name")
	}
	if gc.Partitions == 0 {
		gc.Partitions = bus.DefaultCrawlStatePartitions
	}
	prod, err := kgo.NewClient(append(slices.Clone(opts),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(2*time.Millisecond),
		kgo.RecordDeliveryTimeout(60*time.Second),
	)...)
	if err != nil {
		return fmt.Errorf("cannot create Kafka client for crawler group %q: %w", gc.Group, err)
	}
	n, err := bus.EnsureCrawlTopics(ctx, prod, gc.Partitions, gc.ReplicationFactor, c.log)
	if err != nil {
		prod.Close()
		return fmt.Errorf("cannot join crawler group %q: %w", gc.Group, err)
	}
	g := &group{cfg: gc, opts: slices.Clone(opts), prod: prod, n: n,
		ready: make(map[int32]bool), catchUp: make(map[int32]*catchUp), active: make(map[*source]context.CancelFunc)}
	for _, s := range c.order {
		u, err := url.Parse(s.cfg.URL)
		if err != nil {
			panic("BUG: source URL checked in New does not parse: " + err.Error())
		}
		s.mu.Lock()
		s.partition = bus.CrawlPartition(u.Hostname(), n)
		s.seen.track()
		s.mu.Unlock()
	}
	c.grp = g
	c.m.ownedSources.Set(0)
	c.log.Info("crawler joins group", "group", gc.Group, "partitions", n, "sources", len(c.order))
	return nil
}

// Owned returns the IDs of the sources this replica polls now: all of them
// outside a group.
func (c *Crawler) Owned() []string {
	var ids []string
	for _, s := range c.order {
		if c.grp == nil || c.grp.owns(s) {
			ids = append(ids, s.cfg.ID)
		}
	}
	return ids
}

func (g *group) owns(s *source) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ready[s.partition]
}

// begin starts a poll of s, which the caller has locked: it returns the
// poll's context, cancelled when the partition of s is revoked, and the
// function that ends the poll.
func (g *group) begin(ctx context.Context, s *source) (context.Context, func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.ready[s.partition] {
		return nil, nil, ErrNotOwner
	}
	pctx, cancel := context.WithCancel(ctx)
	g.active[s] = cancel
	return pctx, func() {
		g.mu.Lock()
		delete(g.active, s)
		g.mu.Unlock()
		cancel()
	}, nil
}

// run is the group member: it joins, reads the state of assigned
// partitions, and leaves when ctx ends.
func (g *group) run(ctx context.Context, c *Crawler) error {
	cl, err := kgo.NewClient(append(slices.Clone(g.opts),
		kgo.ConsumerGroup(g.cfg.Group),
		kgo.ConsumeTopics(bus.TopicCrawlState),
		// Offsets are never committed: a member assigned a partition
		// always reads it from the start, since the partition is the
		// state of its sources.
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(500*time.Millisecond),
		kgo.OnPartitionsAssigned(func(actx context.Context, _ *kgo.Client, a map[string][]int32) {
			g.assigned(actx, c, a[bus.TopicCrawlState])
		}),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, r map[string][]int32) {
			g.revoked(c, r[bus.TopicCrawlState], "revoked")
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, l map[string][]int32) {
			g.revoked(c, l[bus.TopicCrawlState], "lost")
		}),
	)...)
	if err != nil {
		g.prod.Close()
		return fmt.Errorf("cannot join crawler group %q: %w", g.cfg.Group, err)
	}
	defer func() {
		// Closing leaves the group, which revokes every partition: the
		// revoke waits for the polls of their sources to end, and they
		// write their last changes before the state client closes.
		cl.Close()
		g.revoked(c, g.held(), "revoked")
		g.prod.Close()
	}()
	var lastErr time.Time
	for {
		fetches := cl.PollFetches(ctx)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			c.m.stateRecords.WithLabelValues(stateFetchError).Inc()
			if time.Since(lastErr) > 10*time.Second {
				lastErr = time.Now()
				c.log.Warn("cannot read crawler state", "topic", topic, "partition", p, "err", err)
			}
		})
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) > 0 {
				g.apply(c, p.Partition, p.Records)
			}
		})
	}
}

// held returns the partitions this member still holds, ready or being
// read.
func (g *group) held() []int32 {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ps []int32
	for p := range g.ready {
		ps = append(ps, p)
	}
	for p := range g.catchUp {
		ps = append(ps, p)
	}
	return ps
}

// assigned starts catching up the partitions this member was given.
func (g *group) assigned(ctx context.Context, c *Crawler, parts []int32) {
	if len(parts) == 0 {
		return
	}
	c.m.rebalances.WithLabelValues("assigned").Inc()
	var start, end map[int32]int64
	for backoff := 100 * time.Millisecond; ; backoff = min(backoff*2, 5*time.Second) {
		var err error
		if start, end, err = bus.PartitionOffsets(ctx, g.prod, bus.TopicCrawlState, parts); err == nil {
			break
		}
		c.m.stateRecords.WithLabelValues(stateFetchError).Inc()
		c.log.Warn("cannot read crawler state offsets; retrying", "partitions", parts, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
	var empty []int32
	g.mu.Lock()
	for _, p := range parts {
		delete(g.ready, p)
		cu := &catchUp{end: end[p], keys: make(map[*source]map[string]bool)}
		for _, s := range c.order {
			if s.partition == p {
				cu.keys[s] = make(map[string]bool)
			}
		}
		g.catchUp[p] = cu
		if start[p] >= end[p] {
			empty = append(empty, p)
		}
	}
	g.mu.Unlock()
	c.log.Info("crawler partitions assigned", "group", g.cfg.Group, "partitions", parts)
	for _, p := range empty {
		g.finish(c, p)
	}
}

// apply applies the records of a partition being caught up to the
// seen-sets of its sources, and finishes the catch-up at its end. Records
// of partitions already caught up are this member's own writes, and are
// ignored.
func (g *group) apply(c *Crawler, p int32, recs []*kgo.Record) {
	g.mu.Lock()
	cu := g.catchUp[p]
	g.mu.Unlock()
	if cu == nil {
		return
	}
	done := false
	for _, r := range recs {
		if r.Offset >= cu.end {
			done = true
			break
		}
		if r.Offset == cu.end-1 {
			done = true
		}
		sourceID, key, ok := strings.Cut(string(r.Key), " ")
		s := c.sources[sourceID]
		if !ok || s == nil || s.partition != p {
			// A source removed from the config, or moved by a change of
			// partition count: its entries are not this member's.
			c.m.stateRecords.WithLabelValues(stateIgnored).Inc()
			continue
		}
		var e *seenEntry
		if r.Value != nil {
			var cs bus.CrawlSeen
			if err := json.Unmarshal(r.Value, &cs); err != nil {
				c.m.stateRecords.WithLabelValues(stateInvalid).Inc()
				c.log.Warn("invalid crawler state record ignored", "partition", p, "offset", r.Offset, "err", err)
				continue
			}
			e = &seenEntry{Kind: cs.Kind, Hash: cs.Hash, ItemHash: cs.ItemHash, ETag: cs.ETag,
				LastModified: cs.LastModified, FirstSeen: cs.FirstSeen, LastSeen: cs.LastSeen}
		}
		s.mu.Lock()
		s.seen.merge(key, e)
		s.mu.Unlock()
		g.mu.Lock()
		if keys := cu.keys[s]; keys != nil {
			keys[key] = e != nil
		}
		g.mu.Unlock()
		c.m.stateRecords.WithLabelValues(stateApplied).Inc()
	}
	if done {
		g.finish(c, p)
	}
}

// finish ends the catch-up of p: entries only this replica knew are
// queued for sharing, the seen-sets are saved, and the sources of p start
// polling.
func (g *group) finish(c *Crawler, p int32) {
	g.mu.Lock()
	cu := g.catchUp[p]
	g.mu.Unlock()
	if cu == nil {
		return
	}
	for s, keys := range cu.keys {
		s.mu.Lock()
		s.seen.shareMissing(keys)
		if err := s.seen.save(); err != nil {
			c.log.Warn("cannot save seen-set after reading the shared state", "source", s.cfg.ID, "err", err)
		}
		c.m.seenEntries.WithLabelValues(s.cfg.ID).Set(float64(s.seen.len()))
		s.mu.Unlock()
	}
	g.mu.Lock()
	if g.catchUp[p] != cu {
		g.mu.Unlock()
		return // revoked meanwhile
	}
	delete(g.catchUp, p)
	g.ready[p] = true
	g.mu.Unlock()
	c.updateOwned()
	c.log.Info("crawler partition ready", "group", g.cfg.Group, "partition", p)
	for s := range cu.keys {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// revoked stops polling the sources of parts: their polls are cancelled
// and waited for, so that the next owner starts only after they ended.
func (g *group) revoked(c *Crawler, parts []int32, event string) {
	if len(parts) == 0 {
		return
	}
	c.m.rebalances.WithLabelValues(event).Inc()
	var affected []*source
	g.mu.Lock()
	for _, p := range parts {
		delete(g.ready, p)
		delete(g.catchUp, p)
	}
	for _, s := range c.order {
		if slices.Contains(parts, s.partition) {
			affected = append(affected, s)
		}
	}
	g.mu.Unlock()
	// Polls in progress may finish within revokeGrace, so their fetches
	// are not wasted and the next owner does not repeat them; longer ones
	// are cancelled so the rebalance is not held beyond it.
	cancelAll := time.AfterFunc(revokeGrace, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, s := range affected {
			if cancel := g.active[s]; cancel != nil {
				cancel()
			}
		}
	})
	for _, s := range affected {
		// Taking the lock waits for the poll in progress, which flushes
		// its state; nothing is done under it.
		s.mu.Lock()
		s.mu.Unlock() //lint:ignore SA2001 the empty critical section is the wait
	}
	cancelAll.Stop()
	c.updateOwned()
	c.log.Info("crawler partitions "+event, "group", g.cfg.Group, "partitions", parts, "sources", len(affected))
}

// flush writes the seen-set changes of s to the shared topic. The caller
// holds s.mu. On failure the changes stay queued for the next poll.
func (g *group) flush(ctx context.Context, c *Crawler, s *source) error {
	keys := s.seen.pendingKeys()
	if len(keys) == 0 {
		return nil
	}
	recs := make([]*kgo.Record, 0, len(keys))
	for _, k := range keys {
		r := &kgo.Record{Topic: bus.TopicCrawlState, Partition: s.partition, Key: []byte(bus.CrawlSeenKey(s.cfg.ID, k))}
		if e := s.seen.get(k); e != nil {
			b, err := json.Marshal(bus.CrawlSeen{Schema: bus.SchemaVersion, Source: s.cfg.ID, Key: k, Kind: e.Kind,
				Hash: e.Hash, ItemHash: e.ItemHash, ETag: e.ETag, LastModified: e.LastModified,
				FirstSeen: e.FirstSeen, LastSeen: e.LastSeen})
			if err != nil {
				panic("BUG: cannot encode crawler state: " + err.Error())
			}
			r.Value = b
		}
		recs = append(recs, r)
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	if err := g.prod.ProduceSync(fctx, recs...).FirstErr(); err != nil {
		c.m.stateRecords.WithLabelValues(stateWriteError).Add(float64(len(recs)))
		c.log.Warn("cannot share seen-set changes; they are retried after the next poll",
			"source", s.cfg.ID, "entries", len(recs), "err", err)
		return fmt.Errorf("cannot write %d seen-set entries of source %q to %s: %w", len(recs), s.cfg.ID, bus.TopicCrawlState, err)
	}
	s.seen.clearPending(keys)
	c.m.stateRecords.WithLabelValues(stateWritten).Add(float64(len(recs)))
	return nil
}

// updateOwned sets the owned-sources gauge.
func (c *Crawler) updateOwned() {
	c.m.ownedSources.Set(float64(len(c.Owned())))
}
