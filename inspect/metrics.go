package inspect

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests  *prometheus.CounterVec
	findings  *prometheus.CounterVec
	runs      *prometheus.HistogramVec
	replyDays *prometheus.HistogramVec
	probes    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_inspect_requests_total",
			Help: "Requests of portal inspections by method and outcome (ok, 4xx, 5xx, error; robots and capped: refused before sending)."}, []string{"method", "outcome"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_inspect_findings_total",
			Help: "Findings seen by portal inspections, by portal and kind (counted once per inspection that sees them)."}, []string{"portal", "kind"}),
		runs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "yuqing_inspect_run_seconds",
			Help: "Duration of one portal inspection.", Buckets: prometheus.ExponentialBuckets(0.1, 3, 9)}, []string{"portal"}),
		replyDays: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "yuqing_inspect_reply_workdays",
			Help: "Working days a replied message waited for its reply.", Buckets: []float64{1, 2, 3, 5, 10, 15, 20, 40, 60}}, []string{"portal"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_inspect_probes_total",
			Help: "Availability probes of portal home pages by outcome (up, down)."}, []string{"portal", "outcome"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.findings, err = register(reg, m.findings); err != nil {
		return nil, err
	}
	if m.runs, err = register(reg, m.runs); err != nil {
		return nil, err
	}
	if m.replyDays, err = register(reg, m.replyDays); err != nil {
		return nil, err
	}
	if m.probes, err = register(reg, m.probes); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector of the same description
// already registered (a second Inspector on one registry shares them).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
