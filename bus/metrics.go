package bus

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the bus's Prometheus metrics, shared by every producer and
// consumer of one process.
type Metrics struct {
	produced        *prometheus.CounterVec
	produceFailures *prometheus.CounterVec
	produceSeconds  *prometheus.HistogramVec
	consumed        *prometheus.CounterVec
	retries         *prometheus.CounterVec
	deadLetters     *prometheus.CounterVec
	commits         *prometheus.CounterVec
	handleSeconds   *prometheus.HistogramVec
	fetchErrors     *prometheus.CounterVec
	transient       *prometheus.CounterVec
	stalled         *prometheus.GaugeVec
	replayed        *prometheus.CounterVec
	replayConsumed  *prometheus.CounterVec
}

// NewMetrics creates the bus metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		produced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_produced_messages_total",
			Help: "Messages produced and acknowledged by all in-sync replicas, by topic.",
		}, []string{"topic"}),
		produceFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_produce_failures_total",
			Help: "Messages whose produce failed (the caller retries), by topic.",
		}, []string{"topic"}),
		produceSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_bus_produce_duration_seconds",
			Help:    "Time for a synchronous produce call to be acknowledged, by topic.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"topic"}),
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_consumed_messages_total",
			Help: "Messages fetched by a consumer group, by topic and group.",
		}, []string{"topic", "group"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_handler_retries_total",
			Help: "Handler attempts that failed and were retried, by consumer group.",
		}, []string{"group"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_dead_letters_total",
			Help: "Messages that failed permanently and were sent to the dead-letter topic, by consumer group.",
		}, []string{"group"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_offset_commits_total",
			Help: "Offset commits, by consumer group and result (ok, error).",
		}, []string{"group", "result"}),
		handleSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_bus_handle_duration_seconds",
			Help:    "Time to handle one batch until everything derived from it is durable, by consumer group.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"group"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_fetch_errors_total",
			Help: "Errors returned by fetches, by consumer group.",
		}, []string{"group"}),
		transient: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_transient_failures_total",
			Help: "Handler attempts that failed transiently (store or broker unreachable, disk full, timeout) and were retried without dead-lettering, by consumer group.",
		}, []string{"group"}),
		stalled: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "yuqing_bus_consumer_stalled",
			Help: "1 while a consumer group's batch keeps failing transiently and the group has stopped fetching to retry it, else 0.",
		}, []string{"group"}),
		replayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_dead_letters_replayed_total",
			Help: "Dead letters replayed into their original topic (yuqing deadletter replay), by topic.",
		}, []string{"topic"}),
		replayConsumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_bus_replayed_messages_consumed_total",
			Help: "Replayed dead letters fetched by a consumer group, by topic and group.",
		}, []string{"topic", "group"}),
	}
	reg.MustRegister(m.replayed, m.replayConsumed, m.produced, m.produceFailures, m.produceSeconds, m.consumed, m.retries,
		m.deadLetters, m.commits, m.handleSeconds, m.fetchErrors, m.transient, m.stalled)
	return m
}

// DeadLetters returns the dead-letter counter of group, for tests and
// tools that report it.
func (m *Metrics) DeadLetters(group string) prometheus.Counter {
	return m.deadLetters.WithLabelValues(group)
}
