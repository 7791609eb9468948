package responder

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	posts           *prometheus.CounterVec
	eventsCreated   prometheus.Counter
	eventsMerged    prometheus.Counter
	incidentsOpened *prometheus.CounterVec
	activeEvents    prometheus.Gauge
	rebuilds        prometheus.Counter

	openIncidents     *prometheus.GaugeVec
	obligations       *prometheus.GaugeVec
	nearestDeadline   *prometheus.GaugeVec
	breaches          *prometheus.CounterVec
	obligationsDone   *prometheus.CounterVec
	responseDetection prometheus.Histogram
	requests          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_responder_posts_total",
			Help: "Posts handled by the responder, by outcome (new_event, joined, duplicate).",
		}, []string{"outcome"}),
		eventsCreated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yuqing_responder_events_created_total",
			Help: "Events created.",
		}),
		eventsMerged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yuqing_responder_events_merged_total",
			Help: "Events merged into another because a post showed they are one.",
		}),
		incidentsOpened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_responder_incidents_opened_total",
			Help: "Incidents opened, by suggested level.",
		}, []string{"level"}),
		activeEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "yuqing_responder_active_events",
			Help: "Events held in memory for matching (last post within the window).",
		}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yuqing_responder_state_rebuilds_total",
			Help: "Times the responder rebuilt its state from the store (start, failover).",
		}),
	}
	m.openIncidents = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "yuqing_responder_open_incidents",
		Help: "Open incidents, by level.",
	}, []string{"level"})
	m.obligations = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "yuqing_responder_obligations",
		Help: "Obligations of open incidents, by rule and state (pending, fulfilled, breached, waived).",
	}, []string{"rule", "state"})
	m.nearestDeadline = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "yuqing_responder_nearest_deadline_seconds",
		Help: "Seconds until the nearest pending obligation of each rule falls due (negative: overdue, not yet marked).",
	}, []string{"rule"})
	m.breaches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_responder_obligation_breaches_total",
		Help: "Obligations that passed their due time unmet, by rule.",
	}, []string{"rule"})
	m.obligationsDone = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_responder_obligations_fulfilled_total",
		Help: "Obligations fulfilled by a detected official response, by rule and timeliness (on_time, late).",
	}, []string{"rule", "timeliness"})
	m.responseDetection = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "yuqing_responder_response_detection_seconds",
		Help:    "Delay from an official response's publish time to its detection.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 16),
	})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_responder_requests_total",
		Help: "People's requests on incidents (confirm, assign, record_response, ...) and events (event_merge, event_split), by request and result (applied, rejected; duplicate for an event request applied already).",
	}, []string{"request", "result"})
	reg.MustRegister(m.requests)
	reg.MustRegister(m.openIncidents, m.obligations, m.nearestDeadline, m.breaches, m.obligationsDone, m.responseDetection)
	for _, rule := range []string{"R-5H", "R-24H", "R-48H"} {
		m.breaches.WithLabelValues(rule)
	}
	reg.MustRegister(m.posts, m.eventsCreated, m.eventsMerged, m.incidentsOpened, m.activeEvents, m.rebuilds)
	return m
}
