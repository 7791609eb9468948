package store

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Table names used as the table label of the store metrics.
const (
	TablePosts       = "posts"
	TableEvents      = "events"
	TableIncidents   = "incidents"
	TableHistory     = "incident_history"
	TableDeliveries  = "deliveries"
	TableCorrections = "sentiment_corrections"
	TableDictionary  = "user_dictionary"
	TableFindings    = "inspection_findings"
	TableSettings    = "setting_changes"
	TableSourcePolls = "source_polls"
)

// Metrics are the store metrics shared by every implementation. Each
// implementation labels them with its driver name (sqlite, clickhouse), so
// dashboards and alerts do not depend on which store a deployment runs.
//
// The label sets are bounded: driver has two values, table fifteen, and op
// names one Store method each.
type Metrics struct {
	driver       string
	rows         *prometheus.CounterVec
	skipped      *prometheus.CounterVec
	batches      *prometheus.CounterVec
	failures     *prometheus.CounterVec
	writeSeconds *prometheus.HistogramVec
	querySeconds *prometheus.HistogramVec
	queryErrors  *prometheus.CounterVec
}

// NewMetrics creates the store metrics for driver and registers them with
// reg. Registering twice with one registry (two stores in one process, or a
// store reopened) reuses the collectors already registered, so the series of
// both stores add up instead of failing. A nil reg registers nothing.
func NewMetrics(reg prometheus.Registerer, driver string) (*Metrics, error) {
	m := &Metrics{
		driver: driver,
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_store_rows_written_total",
			Help: "Rows written to the store, by table.",
		}, []string{"driver", "table"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_store_rows_skipped_total",
			Help: "Rows not written because the stored row has the same or a higher version (replays of at-least-once delivery, or stale versions).",
		}, []string{"driver", "table"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_store_write_batches_total",
			Help: "Write batches attempted, by table.",
		}, []string{"driver", "table"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_store_write_failures_total",
			Help: "Write batches that failed and wrote nothing, by table.",
		}, []string{"driver", "table"}),
		writeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_store_write_seconds",
			Help:    "Latency of one write batch until it is durable, by table.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"driver", "table"}),
		querySeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_store_query_seconds",
			Help:    "Latency of one read, by operation.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"driver", "op"}),
		queryErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_store_query_failures_total",
			Help: "Reads that failed, by operation (a row not found is not a failure).",
		}, []string{"driver", "op"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.rows, err = register(reg, m.rows)
	if err != nil {
		return nil, err
	}
	m.skipped, err = register(reg, m.skipped)
	if err != nil {
		return nil, err
	}
	m.batches, err = register(reg, m.batches)
	if err != nil {
		return nil, err
	}
	m.failures, err = register(reg, m.failures)
	if err != nil {
		return nil, err
	}
	m.writeSeconds, err = register(reg, m.writeSeconds)
	if err != nil {
		return nil, err
	}
	m.querySeconds, err = register(reg, m.querySeconds)
	if err != nil {
		return nil, err
	}
	m.queryErrors, err = register(reg, m.queryErrors)
	if err != nil {
		return nil, err
	}
	// Failure and skip series exist from the start at zero, so a dashboard
	// or an alert on their rate sees 0 rather than no data.
	for _, table := range []string{TablePosts, TableEvents, TableIncidents, TableHistory, TableDeliveries, TableCorrections, TableDictionary,
		TableAccounts, TableSessions, TableTokens, TableThrottles, TableAudit, TableFindings, TableSettings, TableSourcePolls} {
		m.failures.WithLabelValues(driver, table)
		m.skipped.WithLabelValues(driver, table)
	}
	return m, nil
}

// register registers c, or returns the collector of the same description
// already registered with reg.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	var zero C
	return zero, err
}

// WriteDone records one write batch of n rows to table that started at
// start; skipped is how many of the rows were not written because a stored
// row had the same or a higher version (a driver that cannot tell passes 0).
func (m *Metrics) WriteDone(table string, start time.Time, n, skipped int, err error) {
	m.batches.WithLabelValues(m.driver, table).Inc()
	if err != nil {
		m.failures.WithLabelValues(m.driver, table).Inc()
		return
	}
	m.writeSeconds.WithLabelValues(m.driver, table).Observe(time.Since(start).Seconds())
	m.rows.WithLabelValues(m.driver, table).Add(float64(n - skipped))
	if skipped > 0 {
		m.skipped.WithLabelValues(m.driver, table).Add(float64(skipped))
	}
}

// QueryDone records one read op that started at start. ErrNotFound is an
// answer, not a failure.
func (m *Metrics) QueryDone(op string, start time.Time, err error) {
	m.querySeconds.WithLabelValues(m.driver, op).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, ErrNotFound) {
		m.queryErrors.WithLabelValues(m.driver, op).Inc()
	}
}
