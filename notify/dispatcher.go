package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/yuqing-project/yuqing/model"

	"github.com/prometheus/client_golang/prometheus"
)

// ThreadRootKey is the notification key of an incident's first message
// (the "opened" notification). Every later email about the incident refers
// to the Message-ID that message had, or would have had, for the same
// recipient, so each person sees one thread per incident.
const ThreadRootKey = "opened"

// QuietHours is a daily period, in China Standard Time, during which level
// III and IV notifications are held back until it ends. Level I and II (and
// ungraded) notifications are never held. Start equal to End means no quiet
// hours.
type QuietHours struct {
	// Start and End are minutes after midnight; Start > End spans
	// midnight (22:00–07:00 is 1320 and 420).
	Start, End int
}

// ParseQuietHours parses "HH:MM" start and end times.
func ParseQuietHours(start, end string) (QuietHours, error) {
	s, err := parseClock(start)
	if err != nil {
		return QuietHours{}, fmt.Errorf("cannot parse quiet hours start: %w", err)
	}
	e, err := parseClock(end)
	if err != nil {
		return QuietHours{}, fmt.Errorf("cannot parse quiet hours end: %w", err)
	}
	return QuietHours{Start: s, End: e}, nil
}

// Until returns the end of the quiet period t falls in, and false when t
// is not in one.
func (q QuietHours) Until(t time.Time) (time.Time, bool) {
	if q.Start == q.End {
		return time.Time{}, false
	}
	local := t.In(model.China)
	m := local.Hour()*60 + local.Minute()
	in := q.Start <= m && m < q.End
	if q.Start > q.End {
		in = m >= q.Start || m < q.End
	}
	if !in {
		return time.Time{}, false
	}
	y, mo, d := local.Date()
	end := time.Date(y, mo, d, q.End/60, q.End%60, 0, 0, model.China)
	if !end.After(t) {
		end = end.AddDate(0, 0, 1)
	}
	return end, true
}

// RetryPolicy is the exponential backoff of a delivery: the n-th retry
// waits Initial·2^(n−1), at most Max, of which a random half is jitter so
// that many failing deliveries do not retry in step.
type RetryPolicy struct {
	// Attempts is how many times a delivery is tried in one Dispatch.
	Attempts int
	Initial  time.Duration
	Max      time.Duration
}

// DefaultRetryPolicy tries 5 times over about half a minute.
var DefaultRetryPolicy = RetryPolicy{Attempts: 5, Initial: time.Second, Max: 30 * time.Second}

func (p RetryPolicy) delay(retry int, jitter float64, asked time.Duration) time.Duration {
	d := p.Initial << (retry - 1)
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	d = d/2 + time.Duration(jitter*float64(d/2))
	// A server that said when to come back (HTTP Retry-After) is obeyed,
	// up to Max, so one slow robot cannot stall the others for long.
	if asked > d {
		d = min(asked, p.Max)
	}
	return d
}

// DispatcherOptions configure a Dispatcher. Zero fields take defaults.
type DispatcherOptions struct {
	Quiet QuietHours
	Retry RetryPolicy
	// Acker, when set, signs an acknowledgement link for each recipient.
	Acker *Acker
	// Now is the clock (time.Now); Sleep waits between retries (a timer
	// honouring ctx); Jitter returns a number in [0, 1) (math/rand/v2).
	// Tests replace all three.
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
	Logger *slog.Logger
}

// Dispatcher sends notifications to the channels of their recipients, at
// most once per (incident, notification key, channel, recipient), with
// retries and quiet hours. It is safe for concurrent use.
type Dispatcher struct {
	channels map[string]Channel
	log      DeliveryLog
	o        DispatcherOptions
	m        *dispatchMetrics
	throttle *logThrottle

	mu       sync.Mutex
	inflight map[string]bool
	held     map[string]heldDelivery
}

type heldDelivery struct {
	msg   Message
	to    Recipient
	ch    Channel
	until time.Time
}

// NewDispatcher returns a dispatcher over channels, remembering deliveries
// in dl, with its metrics registered on reg.
func NewDispatcher(channels []Channel, dl DeliveryLog, reg prometheus.Registerer, o DispatcherOptions) (*Dispatcher, error) {
	if dl == nil {
		return nil, errors.New("cannot create dispatcher: no delivery log")
	}
	byName := map[string]Channel{}
	for _, c := range channels {
		if _, dup := byName[c.Name()]; dup {
			return nil, fmt.Errorf("cannot create dispatcher: channel name %q is used twice", c.Name())
		}
		byName[c.Name()] = c
	}
	if o.Retry.Attempts <= 0 {
		o.Retry.Attempts = DefaultRetryPolicy.Attempts
	}
	if o.Retry.Initial <= 0 {
		o.Retry.Initial = DefaultRetryPolicy.Initial
	}
	if o.Retry.Max < o.Retry.Initial {
		o.Retry.Max = max(DefaultRetryPolicy.Max, o.Retry.Initial)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Dispatcher{
		channels: byName, log: dl, o: o, m: newDispatchMetrics(reg),
		throttle: newLogThrottle(time.Minute),
		inflight: map[string]bool{}, held: map[string]heldDelivery{},
	}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Dispatch sends m to every recipient on every channel the recipient has
// an address for, concurrently, and blocks until each delivery is sent,
// failed, held or skipped. It returns the deliveries it recorded (none for
// those already final in the log).
//
// The error is nil when every delivery is final or held. Otherwise (every
// retry failed on errors that may pass, the log failed, ctx ended) the
// caller should dispatch m again later: deliveries already sent are
// skipped then, so a repeat reaches only those that missed it.
func (d *Dispatcher) Dispatch(ctx context.Context, m Message) ([]Delivery, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("cannot dispatch: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		out  []Delivery
		errs []error
	)
	for _, r := range m.Recipients {
		reached := false
		for _, name := range sortedKeys(r.Contacts) {
			ch := d.channels[name]
			if ch == nil {
				continue
			}
			reached = true
			wg.Go(func() {
				del, err := d.deliver(ctx, m, r, ch, false)
				mu.Lock()
				defer mu.Unlock()
				if del.Key != "" {
					out = append(out, del)
				}
				if err != nil {
					errs = append(errs, err)
				}
			})
		}
		if !reached {
			d.m.notifications.WithLabelValues("none", "unreachable").Inc()
			d.o.Logger.Warn("notification recipient has no address on any configured channel",
				"incident", m.IncidentID, "key", m.Key, "recipient", r.ID)
		}
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, errors.Join(errs...)
}

// ReleaseHeld sends the held deliveries whose quiet period has ended. Call
// it periodically (each minute). Held deliveries live in memory: after a
// restart they are gone, and the responder, dispatching again what its
// rebuilt state says is due, holds or sends them anew, since a held
// delivery is not final.
func (d *Dispatcher) ReleaseHeld(ctx context.Context) ([]Delivery, error) {
	now := d.o.Now()
	var due []heldDelivery
	d.mu.Lock()
	for k, h := range d.held {
		if !now.Before(h.until) {
			due = append(due, h)
			delete(d.held, k)
		}
	}
	d.m.held.Set(float64(len(d.held)))
	d.mu.Unlock()
	var out []Delivery
	var errs []error
	for _, h := range due {
		del, err := d.deliver(ctx, h.msg, h.to, h.ch, true)
		if del.Key != "" {
			out = append(out, del)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// Held is the number of deliveries waiting for quiet hours to end.
func (d *Dispatcher) Held() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.held)
}

// deliver handles one (message, recipient, channel). The returned Delivery
// has an empty Key when nothing was recorded.
func (d *Dispatcher) deliver(ctx context.Context, m Message, to Recipient, ch Channel, released bool) (Delivery, error) {
	name := ch.Name()
	key := DeliveryKey(m.IncidentID, m.Key, name, to.ID)
	logger := d.o.Logger.With("incident", m.IncidentID, "key", m.Key, "channel", name, "recipient", to.ID)

	// Two dispatches of the same message at once (a retry racing the
	// original) must not both send: the in-flight set serialises them.
	d.mu.Lock()
	if d.inflight[key] {
		d.mu.Unlock()
		d.m.notifications.WithLabelValues(name, "duplicate").Inc()
		logger.Info("notification skipped: the same delivery is in flight")
		return Delivery{}, nil
	}
	_, isHeld := d.held[key]
	d.inflight[key] = true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.inflight, key)
		d.mu.Unlock()
	}()

	seen, err := d.log.Seen(key)
	if err != nil {
		return Delivery{}, fmt.Errorf("cannot check delivery log for %s/%s on %s to %s: %w", m.IncidentID, m.Key, name, to.ID, err)
	}
	if seen {
		d.m.notifications.WithLabelValues(name, "duplicate").Inc()
		logger.Info("notification skipped: already delivered")
		return Delivery{}, nil
	}
	del := Delivery{Key: key, IncidentID: m.IncidentID, NotificationKey: m.Key, Channel: name,
		Recipient: to.ID, Kind: m.Kind, Level: m.Level}

	now := d.o.Now()
	if !released && holdable(m.Level) {
		if until, quiet := d.o.Quiet.Until(now); quiet {
			if isHeld {
				// Already held and logged; a repeated dispatch changes nothing.
				return Delivery{}, nil
			}
			del.Status, del.At, del.HoldUntil = StatusHeld, now, until
			if err := d.log.Record(del); err != nil {
				return del, fmt.Errorf("cannot record held delivery %s: %w", key, err)
			}
			d.mu.Lock()
			d.held[key] = heldDelivery{msg: m, to: to, ch: ch, until: until}
			d.m.held.Set(float64(len(d.held)))
			d.mu.Unlock()
			d.m.notifications.WithLabelValues(name, "held").Inc()
			logger.Info("notification held for quiet hours", "level", m.Level, "until", until.In(model.China).Format(time.DateTime))
			return del, nil
		}
	}
	if isHeld {
		// Dispatched again after the quiet period ended, before
		// ReleaseHeld ran: send now and forget the held copy.
		d.mu.Lock()
		delete(d.held, key)
		d.m.held.Set(float64(len(d.held)))
		d.mu.Unlock()
	}

	msg := m
	msg.Recipients = []Recipient{to}
	msg.IdempotencyKey = key
	msg.ThreadKey = DeliveryKey(m.IncidentID, ThreadRootKey, name, to.ID)
	if d.o.Acker != nil {
		msg.AckURL = d.o.Acker.Link(AckClaims{IncidentID: m.IncidentID, Key: RootKey(m.Key), Recipient: to.ID})
	}
	first := now
	for attempt := 1; ; attempt++ {
		msg.At = d.o.Now()
		start := time.Now()
		rc, err := ch.Send(ctx, msg)
		d.m.attemptSeconds.WithLabelValues(name).Observe(time.Since(start).Seconds())
		del.Attempts = attempt
		del.At = d.o.Now()
		if err == nil {
			del.Status, del.MessageID, del.Remote, del.Error = StatusSent, rc.MessageID, rc.Remote, ""
			d.m.notifications.WithLabelValues(name, "sent").Inc()
			d.m.deliverySeconds.WithLabelValues(name).Observe(del.At.Sub(first).Seconds())
			logger.Info("notification sent", "kind", m.Kind, "level", m.Level, "attempts", attempt)
			if err := d.log.Record(del); err != nil {
				// The message went out but is not logged: after a
				// restart it may be sent once more. At least once beats
				// never, so this is reported, not hidden.
				return del, fmt.Errorf("cannot record sent delivery %s: %w", key, err)
			}
			return del, nil
		}
		del.Error = err.Error()
		if IsPermanent(err) || attempt >= d.o.Retry.Attempts || ctx.Err() != nil {
			del.Status, del.Permanent = StatusFailed, IsPermanent(err)
			d.m.notifications.WithLabelValues(name, "failed").Inc()
			logger.Error("notification failed", "attempts", attempt, "permanent", del.Permanent, "err", err)
			if rerr := d.log.Record(del); rerr != nil {
				return del, errors.Join(err, fmt.Errorf("cannot record failed delivery %s: %w", key, rerr))
			}
			if del.Permanent {
				return del, nil
			}
			if cerr := ctx.Err(); cerr != nil {
				err = fmt.Errorf("%w (%w)", err, cerr)
			}
			return del, fmt.Errorf("cannot deliver %s/%s on %s to %s after %d attempts: %w", m.IncidentID, m.Key, name, to.ID, attempt, err)
		}
		var ra *RetryAfterError
		var asked time.Duration
		if errors.As(err, &ra) {
			asked = ra.After
		}
		wait := d.o.Retry.delay(attempt, d.o.Jitter(), asked)
		d.m.retries.WithLabelValues(name).Inc()
		if ok, suppressed := d.throttle.allow(name, d.o.Now()); ok {
			logger.Warn("notification attempt failed, will retry", "attempt", attempt, "wait", wait, "err", err,
				"suppressed_since_last", suppressed)
		}
		if serr := d.o.Sleep(ctx, wait); serr != nil {
			// Shutting down: the delivery stays not final, so the next
			// dispatch after the restart tries it again.
			del.Status, del.Error = StatusFailed, err.Error()
			d.m.notifications.WithLabelValues(name, "failed").Inc()
			logger.Warn("notification retry abandoned", "attempts", attempt, "err", serr)
			ferr := fmt.Errorf("cannot deliver %s/%s on %s to %s: %w", m.IncidentID, m.Key, name, to.ID, serr)
			if rerr := d.log.Record(del); rerr != nil {
				return del, errors.Join(ferr, fmt.Errorf("cannot record failed delivery %s: %w", key, rerr))
			}
			return del, ferr
		}
	}
}

// holdable reports whether quiet hours may hold a level back: only III and
// IV. An ungraded incident is not held, since nobody yet knows it is minor.
func holdable(l Level) bool { return l == LevelIII || l == LevelIV }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// logThrottle lets one retry log line per key through per period, so a
// channel that is down does not flood the log; the suppressed lines are
// still counted in the retries metric.
type logThrottle struct {
	mu         sync.Mutex
	every      time.Duration
	last       map[string]time.Time
	suppressed map[string]int
}

func newLogThrottle(every time.Duration) *logThrottle {
	return &logThrottle{every: every, last: map[string]time.Time{}, suppressed: map[string]int{}}
}

func (t *logThrottle) allow(key string, now time.Time) (bool, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[key]; ok && now.Sub(last) < t.every {
		t.suppressed[key]++
		return false, 0
	}
	n := t.suppressed[key]
	t.last[key], t.suppressed[key] = now, 0
	return true, n
}

type dispatchMetrics struct {
	notifications   *prometheus.CounterVec
	retries         *prometheus.CounterVec
	attemptSeconds  *prometheus.HistogramVec
	deliverySeconds *prometheus.HistogramVec
	held            prometheus.Gauge
}

func newDispatchMetrics(reg prometheus.Registerer) *dispatchMetrics {
	m := &dispatchMetrics{
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_responder_notifications_total",
			Help: "Notification deliveries by channel and result (sent, failed, held, duplicate, unreachable).",
		}, []string{"channel", "result"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_responder_notification_retries_total",
			Help: "Notification send attempts that failed and were retried, by channel.",
		}, []string{"channel"}),
		attemptSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_responder_notification_attempt_seconds",
			Help:    "Duration of one send attempt, by channel.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"channel"}),
		deliverySeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_responder_notification_delivery_seconds",
			Help:    "Time from the first attempt to the accepted one, retries included, by channel.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 30, 60, 120, 300},
		}, []string{"channel"}),
		held: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "yuqing_responder_notifications_held",
			Help: "Notification deliveries held back until quiet hours end.",
		}),
	}
	// A second dispatcher on one registry (the brief target's beside the
	// responder's) counts into the same metrics.
	m.notifications = reuse(reg, m.notifications)
	m.retries = reuse(reg, m.retries)
	m.attemptSeconds = reuse(reg, m.attemptSeconds)
	m.deliverySeconds = reuse(reg, m.deliverySeconds)
	m.held = reuse(reg, m.held)
	return m
}

// reuse registers c on reg, or returns the collector of the same
// description registered before.
func reuse[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic("BUG: cannot register the notification metrics: " + err.Error())
}
