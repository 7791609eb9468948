package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Message is one consumed message. The handler owns it until it returns.
type Message struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Timestamp time.Time
}

// Handler processes a batch of messages and returns only when everything
// derived from them is durable downstream (stored, produced with acks=all).
// It may be called again with the same messages (after an error, or after a
// crash before the commit), so what it does must be idempotent. An error
// means nothing of the batch may be taken as done: the consumer retries it.
//
// There are two kinds of failure. An error is transient unless it is
// marked: the store or the broker is unreachable, the disk is full, a
// timeout, too many connections, a context deadline. A transient failure
// never dead-letters: the consumer stops fetching, retries the batch with
// capped exponential backoff and jitter for as long as it takes, commits
// nothing meanwhile and reports not ready (Ready). Wrap an error with
// Permanent to say retrying cannot help (the message cannot be decoded or
// fails validation): the message then goes to the dead-letter topic at
// once, with the error, the stage and the attempt count, where
// `yuqing deadletter replay` can send it back once the cause is fixed. A
// panic in the handler is taken as permanent too.
type Handler func(ctx context.Context, msgs []Message) error

// PermanentError marks a failure that retrying cannot fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err, or an error it wraps, is a
// PermanentError. Every other error is transient.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// maxBackoff caps the wait between two attempts of a transiently failing
// batch.
const maxBackoff = 30 * time.Second

// ConsumerConfig configures one consumer group member.
type ConsumerConfig struct {
	Group  string
	Topics []string
	// MaxAttempts is how many transient failures in a row of one batch
	// the consumer absorbs before it reports not ready (and logs at error
	// level); it keeps retrying after that. At least 1.
	MaxAttempts  int
	RetryBackoff time.Duration // first wait between attempts, doubled each time up to 30 s, with jitter
	BatchSize    int           // most messages per handler call
	// DrainTimeout bounds how long shutdown waits for the batch in hand.
	DrainTimeout time.Duration
	// OnAssigned, if set, is called when this member is assigned partitions,
	// before any message of them is handled: a stateful stage rebuilds its
	// state from the store there after a failover.
	OnAssigned func(ctx context.Context, assigned map[string][]int32)
	// CoAssign makes the group assign partition i of every topic it
	// consumes to the same member (Kafka's range balancer), so a stateful
	// stage that consumes two single-partition topics has one active
	// member for both. Every member of a group must agree on it.
	CoAssign bool
	// SessionTimeout and HeartbeatInterval, when positive, replace the
	// client's defaults (45s and 3s): the session timeout is how long the
	// brokers keep the partitions of a member that went silent (killed)
	// before another member gets them.
	SessionTimeout    time.Duration
	HeartbeatInterval time.Duration
}

// Consumer is an at-least-once consumer group member: it commits a
// message's offset only after the handler returned nil for it, or after the
// message was durably sent to the dead-letter topic. A crash therefore never
// loses a message; it may deliver one again, which handlers absorb by being
// idempotent. It never skips a failed message silently.
type Consumer struct {
	cfg ConsumerConfig
	cl  *kgo.Client
	dlq *Producer
	m   *Metrics
	log *slog.Logger
	h   Handler // set by Run

	mu      sync.Mutex
	stalled error // why the batch in hand keeps failing transiently, nil when not
}

// Ready reports nil unless the batch in hand has failed transiently
// MaxAttempts times in a row and is still being retried; the error then
// names the group, how long and why. It is safe to call concurrently
// with Run and serves as a readiness check.
func (c *Consumer) Ready(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stalled
}

func (c *Consumer) setStalled(err error) {
	c.mu.Lock()
	c.stalled = err
	c.mu.Unlock()
	v := 0.0
	if err != nil {
		v = 1
	}
	c.m.stalled.WithLabelValues(c.cfg.Group).Set(v)
}

// NewConsumer joins the consumer group with the given client options. dlq
// receives dead letters.
func NewConsumer(cfg ConsumerConfig, opts []kgo.Opt, dlq *Producer, m *Metrics, log *slog.Logger) (*Consumer, error) {
	if log == nil {
		log = slog.Default()
	}
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = 1
	}
	if cfg.BatchSize < 1 {
		cfg.BatchSize = 1
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 100 * time.Millisecond
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	opts = append(opts,
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.DisableAutoCommit(),
		// Rebalances wait until the batch in hand is handled and committed,
		// so a commit never lands for a partition we no longer own.
		kgo.BlockRebalanceOnPoll(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if cfg.CoAssign {
		opts = append(opts, kgo.Balancers(kgo.RangeBalancer()))
	}
	if cfg.SessionTimeout > 0 {
		opts = append(opts, kgo.SessionTimeout(cfg.SessionTimeout))
	}
	if cfg.HeartbeatInterval > 0 {
		opts = append(opts, kgo.HeartbeatInterval(cfg.HeartbeatInterval))
	}
	if cfg.OnAssigned != nil {
		opts = append(opts, kgo.OnPartitionsAssigned(func(ctx context.Context, _ *kgo.Client, a map[string][]int32) {
			cfg.OnAssigned(ctx, a)
		}))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create consumer for group %q: %w", cfg.Group, err)
	}
	// The group's failure series exist from the start at zero, so rates and
	// alerts on them see 0 rather than no data.
	m.retries.WithLabelValues(cfg.Group)
	m.deadLetters.WithLabelValues(cfg.Group)
	m.fetchErrors.WithLabelValues(cfg.Group)
	m.transient.WithLabelValues(cfg.Group)
	m.stalled.WithLabelValues(cfg.Group)
	m.commits.WithLabelValues(cfg.Group, "error")
	return &Consumer{cfg: cfg, cl: cl, dlq: dlq, m: m, log: log.With("group", cfg.Group)}, nil
}

// Run consumes until ctx ends. On shutdown it finishes the batch in hand
// (bounded by DrainTimeout), commits it, leaves the group and returns nil.
func (c *Consumer) Run(ctx context.Context, h Handler) error {
	defer c.cl.Close()
	c.h = h
	var lastFetchErr time.Time
	for {
		fetches := c.cl.PollRecords(ctx, c.cfg.BatchSize)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			c.cl.AllowRebalance()
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			c.m.fetchErrors.WithLabelValues(c.cfg.Group).Inc()
			if time.Since(lastFetchErr) > 10*time.Second {
				lastFetchErr = time.Now()
				c.log.Warn("fetch error", "topic", topic, "partition", p, "err", err)
			}
		})
		recs := fetches.Records()
		if len(recs) == 0 {
			c.cl.AllowRebalance()
			continue
		}
		for _, r := range recs {
			c.m.consumed.WithLabelValues(r.Topic, c.cfg.Group).Inc()
			for _, h := range r.Headers {
				if h.Key == HeaderReplayOf {
					c.m.replayConsumed.WithLabelValues(r.Topic, c.cfg.Group).Inc()
				}
			}
		}
		// The batch in hand is finished even when shutdown starts: work
		// runs on a context that outlives ctx by at most DrainTimeout.
		work, cancel := drainContext(ctx, c.cfg.DrainTimeout)
		done := c.process(ctx, work, recs)
		if done {
			c.commit(work, recs)
		}
		cancel()
		c.cl.AllowRebalance()
		if !done {
			// Shutdown interrupted the retries: nothing of this batch is
			// committed, so the next run gets it again.
			return nil
		}
	}
}

// drainContext returns a context that is not cancelled with parent, but ends
// timeout after parent ends.
func drainContext(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	work, cancel := context.WithCancel(context.WithoutCancel(parent))
	stop := context.AfterFunc(parent, func() {
		t := time.AfterFunc(timeout, cancel)
		context.AfterFunc(work, func() { t.Stop() })
	})
	return work, func() { stop(); cancel() }
}

// process handles recs with retries and dead-lettering. It reports whether
// every record is accounted for (handled or dead-lettered); false means
// shutdown interrupted it.
func (c *Consumer) process(ctx, work context.Context, recs []*kgo.Record) bool {
	msgs := make([]Message, len(recs))
	for i, r := range recs {
		msgs[i] = Message{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}
	}
	attempts, ok, err := c.attempt(ctx, work, msgs)
	if !ok {
		return false
	}
	if err == nil {
		return true
	}
	// The batch failed permanently: find the messages that fail on their
	// own, so one bad message does not hold back the rest.
	for i := range msgs {
		one := msgs[i : i+1]
		err, n := err, attempts
		if len(msgs) > 1 {
			n, ok, err = c.attempt(ctx, work, one)
			if !ok {
				return false
			}
		}
		if err != nil {
			if !c.deadLetter(ctx, work, one[0], err, n) {
				return false
			}
		}
	}
	return true
}

// attempt calls the handler until it succeeds or fails permanently,
// retrying transient failures with capped exponential backoff and jitter
// while fetching is paused. It returns the number of attempts, ok false
// when shutdown stopped it first, and the permanent error (nil on
// success).
func (c *Consumer) attempt(ctx, work context.Context, msgs []Message) (attempts int, ok bool, err error) {
	backoff := c.cfg.RetryBackoff
	var since time.Time
	defer func() {
		if !since.IsZero() {
			c.cl.ResumeFetchTopics(c.cfg.Topics...)
			c.setStalled(nil)
			if ok && err == nil {
				c.log.Info("handler recovered", "attempts", attempts, "after", time.Since(since).Round(time.Millisecond))
			}
		}
	}()
	for i := 1; ; i++ {
		start := time.Now()
		err = c.handle(work, msgs)
		c.m.handleSeconds.WithLabelValues(c.cfg.Group).Observe(time.Since(start).Seconds())
		if err == nil {
			return i, true, nil
		}
		if IsPermanent(err) {
			return i, true, err
		}
		if work.Err() != nil || ctx.Err() != nil {
			return i, false, err
		}
		if since.IsZero() {
			// Backpressure: fetch nothing more until this batch is done.
			since = start
			c.cl.PauseFetchTopics(c.cfg.Topics...)
		}
		c.m.transient.WithLabelValues(c.cfg.Group).Inc()
		c.m.retries.WithLabelValues(c.cfg.Group).Inc()
		level := slog.LevelWarn
		if i >= c.cfg.MaxAttempts {
			level = slog.LevelError
			c.setStalled(fmt.Errorf("consumer group %s: %d messages failing transiently for %s (%d attempts), retrying: %w",
				c.cfg.Group, len(msgs), time.Since(since).Round(time.Second), i, err))
		}
		wait := jitter(backoff)
		c.log.Log(ctx, level, "handler failed transiently, retrying", "attempt", i, "messages", len(msgs), "backoff", wait, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return i, false, err
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// jitter returns d less up to a fifth of it at random, so that members
// retrying together do not hit a recovering store in step.
func jitter(d time.Duration) time.Duration {
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

func (c *Consumer) handle(ctx context.Context, msgs []Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("handler panicked: %v", r))
		}
	}()
	return c.h(ctx, msgs)
}

// deadLetter sends m to the dead-letter topic, retrying until it is durable
// or shutdown; it reports whether it was sent.
func (c *Consumer) deadLetter(ctx, work context.Context, m Message, cause error, attempts int) bool {
	dl := DeadLetter{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: string(m.Key),
		Value: m.Value, Error: cause.Error(), Stage: c.cfg.Group, Attempts: attempts, At: time.Now().UTC()}
	b, err := json.Marshal(dl)
	if err != nil {
		panic("BUG: cannot encode dead letter: " + err.Error())
	}
	for backoff := c.cfg.RetryBackoff; ; backoff = min(backoff*2, maxBackoff) {
		err := c.dlq.Produce(work, TopicDeadLetter, Record{Key: string(m.Key), Value: b})
		if err == nil {
			c.m.deadLetters.WithLabelValues(c.cfg.Group).Inc()
			c.log.Error("message dead-lettered", "topic", m.Topic, "partition", m.Partition,
				"offset", m.Offset, "key", string(m.Key), "err", cause)
			return true
		}
		c.log.Warn("cannot dead-letter message, retrying", "offset", m.Offset, "err", err)
		select {
		case <-time.After(jitter(backoff)):
		case <-ctx.Done():
			return false
		}
	}
}

// commit commits the offsets of recs, retrying a few times. A commit that
// fails in the end is not fatal: the messages are delivered again and the
// idempotent handlers absorb them.
func (c *Consumer) commit(ctx context.Context, recs []*kgo.Record) {
	var err error
	for i := 0; i < 5; i++ {
		if err = c.cl.CommitRecords(ctx, recs...); err == nil {
			c.m.commits.WithLabelValues(c.cfg.Group, "ok").Inc()
			return
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(i+1) * 100 * time.Millisecond)
	}
	c.m.commits.WithLabelValues(c.cfg.Group, "error").Inc()
	c.log.Warn("cannot commit offsets; the batch will be delivered again", "messages", len(recs), "err", err)
}
