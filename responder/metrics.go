package responder

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	posts           *prometheus.CounterVec
	eventsCreated   prometheus.Counter
	eventsMerged    prometheus.Counter
	incidentsOpened *prometheus.CounterVec
	activeEvents    prometheus.Gauge
	rebuilds        prometheus.Counter
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
	reg.MustRegister(m.posts, m.eventsCreated, m.eventsMerged, m.incidentsOpened, m.activeEvents, m.rebuilds)
	return m
}
