package crawler

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the crawler's Prometheus metrics. Labels are bounded: source
// IDs come from the config; status, result and reason are fixed sets.
type metrics struct {
	pagesFetched    *prometheus.CounterVec   // source, status
	fetchBytes      *prometheus.CounterVec   // source
	fetchDuration   *prometheus.HistogramVec // source
	docsEmitted     *prometheus.CounterVec   // source
	extractFailures *prometheus.CounterVec   // source
	robotsRefused   *prometheus.CounterVec   // source
	publishFailures *prometheus.CounterVec   // source
	polls           *prometheus.CounterVec   // source, result
	pagesSkipped    *prometheus.CounterVec   // source, reason
	publishDelay    *prometheus.HistogramVec // source
	seenEntries     *prometheus.GaugeVec     // source
	seenDropped     *prometheus.CounterVec   // source
	retries         *prometheus.CounterVec   // source, reason
	ownedSources    prometheus.Gauge
	// pollRecordsDropped counts poll records the store did not take.
	pollRecordsDropped prometheus.Counter
	queueDepth         prometheus.Gauge       // sources due and waiting for a parallelism slot
	polling            prometheus.Gauge       // polls running
	rebalances         *prometheus.CounterVec // event
	stateRecords       *prometheus.CounterVec // result
	hotRequests        *prometheus.CounterVec // result
}

// Shared-state record results (state_records_total result label).
const (
	stateWritten    = "written"
	stateWriteError = "write_error"
	stateApplied    = "applied"
	stateIgnored    = "ignored"
	stateInvalid    = "invalid"
	stateFetchError = "fetch_error"
)

// Hot-source request results (hot_requests_total result label).
const (
	hotApplied = "applied"
	hotExpired = "expired"
	hotUnknown = "unknown_source"
	hotInvalid = "invalid"
)

// Poll results.
const (
	pollOK           = "ok"
	pollFetchError   = "fetch_error"
	pollPublishError = "publish_error"
	pollStateError   = "state_error"
	pollCanceled     = "canceled"
)

// Fetch statuses (pages_fetched_total status label).
const (
	statusOK          = "2xx"
	statusNotModified = "304"
	status3xx         = "3xx"
	status4xx         = "4xx"
	status429         = "429"
	status5xx         = "5xx"
	statusError       = "error"
	statusRobots      = "robots"
	statusRefused     = "refused"
	statusTooLarge    = "too_large"
	statusContentType = "content_type"
	statusDomain      = "domain"
	statusDeferred    = "deferred"
)

// Skip reasons (pages_skipped_total reason label).
const (
	skipRobots      = "robots"
	skipRefused     = "private_address"
	skipDomain      = "domain"
	skipTooLarge    = "too_large"
	skipContentType = "content_type"
	skipHTTPStatus  = "http_status"
	skipFetchError  = "fetch_error"
	skipExtract     = "extract"
	skipMaxPages    = "max_pages"
	skipBackoff     = "host_backoff"
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		pagesFetched: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_pages_fetched_total",
			Help: "Page requests by source and outcome (2xx, 304, 3xx, 4xx, 429, 5xx, error, robots, refused, too_large, content_type, domain, deferred).",
		}, []string{"source", "status"}),
		fetchBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_fetch_bytes_total",
			Help: "Response body bytes read, by source.",
		}, []string{"source"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_crawler_fetch_duration_seconds",
			Help:    "Time to fetch one page, including the per-host politeness delay.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60},
		}, []string{"source"}),
		docsEmitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_documents_emitted_total",
			Help: "Documents (new pages and changed versions) published to the bus, by source.",
		}, []string{"source"}),
		extractFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_extract_failures_total",
			Help: "Pages or feeds fetched but not turned into documents, by source.",
		}, []string{"source"}),
		robotsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_robots_refused_total",
			Help: "URLs not fetched because robots.txt disallows them, by source.",
		}, []string{"source"}),
		publishFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_publish_failures_total",
			Help: "Failed Publish calls, by source; their documents are retried on the next poll.",
		}, []string{"source"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_polls_total",
			Help: "Polls of a source by result (ok, fetch_error, publish_error, state_error, canceled).",
		}, []string{"source", "result"}),
		pagesSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_pages_skipped_total",
			Help: "Pages not turned into documents, by source and reason.",
		}, []string{"source", "reason"}),
		publishDelay: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "yuqing_crawler_publish_delay_seconds",
			Help:    "Time from a page's publish time (when found on the page or feed) to its document being emitted.",
			Buckets: []float64{60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400},
		}, []string{"source"}),
		seenEntries: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "yuqing_crawler_seen_entries",
			Help: "Pages remembered in the persistent seen-set, by source.",
		}, []string{"source"}),
		seenDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_seen_dropped_total",
			Help: "Seen-set entries dropped for age or size, by source.",
		}, []string{"source"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_retries_total",
			Help: "Requests repeated after a timeout, a 5xx or a 429, by source and reason (timeout, 5xx, 429).",
		}, []string{"source", "reason"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "yuqing_crawler_queue_depth",
			Help: "Sources whose poll is due and waits for a free slot (crawler.parallelism); growing means the crawler cannot keep up with its schedule.",
		}),
		polling: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "yuqing_crawler_polls_running",
			Help: "Polls running now.",
		}),
		pollRecordsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yuqing_crawler_poll_records_dropped_total",
			Help: "Poll outcomes (the sources' status the console shows) the store did not take; the status misses those polls, no document is lost.",
		}),
		ownedSources: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "yuqing_crawler_owned_sources",
			Help: "Sources this replica polls: all of them outside a crawler group, its share inside one.",
		}),
		rebalances: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_group_rebalances_total",
			Help: "Crawler group partition changes of this replica, by event (assigned, revoked, lost).",
		}, []string{"event"}),
		stateRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_state_records_total",
			Help: "Shared seen-set records of a crawler group, by result (written, write_error, applied, ignored, invalid, fetch_error).",
		}, []string{"result"}),
		hotRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_crawler_hot_requests_total",
			Help: "Requests to poll a source faster, by result (applied, expired, unknown_source, invalid).",
		}, []string{"result"}),
	}
	if reg == nil {
		m.initGlobal()
		return m, nil
	}
	var err error
	reg1 := func(c *prometheus.CounterVec) *prometheus.CounterVec {
		if err == nil {
			c, err = register(reg, c)
		}
		return c
	}
	m.pagesFetched = reg1(m.pagesFetched)
	m.fetchBytes = reg1(m.fetchBytes)
	m.docsEmitted = reg1(m.docsEmitted)
	m.extractFailures = reg1(m.extractFailures)
	m.robotsRefused = reg1(m.robotsRefused)
	m.publishFailures = reg1(m.publishFailures)
	m.polls = reg1(m.polls)
	m.pagesSkipped = reg1(m.pagesSkipped)
	m.seenDropped = reg1(m.seenDropped)
	m.retries = reg1(m.retries)
	m.rebalances = reg1(m.rebalances)
	m.stateRecords = reg1(m.stateRecords)
	m.hotRequests = reg1(m.hotRequests)
	if err == nil {
		m.ownedSources, err = register(reg, m.ownedSources)
	}
	if err == nil {
		m.queueDepth, err = register(reg, m.queueDepth)
	}
	if err == nil {
		m.polling, err = register(reg, m.polling)
	}
	if err == nil {
		m.fetchDuration, err = register(reg, m.fetchDuration)
	}
	if err == nil {
		m.publishDelay, err = register(reg, m.publishDelay)
	}
	if err == nil {
		m.seenEntries, err = register(reg, m.seenEntries)
	}
	if err == nil {
		m.pollRecordsDropped, err = register(reg, m.pollRecordsDropped)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot register crawler metrics: %w", err)
	}
	m.initGlobal()
	return m, nil
}

// initGlobal creates the series without a source label so dashboards see
// zeros.
func (m *metrics) initGlobal() {
	for _, e := range []string{"assigned", "revoked", "lost"} {
		m.rebalances.WithLabelValues(e)
	}
	for _, r := range []string{stateWritten, stateWriteError, stateApplied, stateIgnored, stateInvalid, stateFetchError} {
		m.stateRecords.WithLabelValues(r)
	}
	for _, r := range []string{hotApplied, hotExpired, hotUnknown, hotInvalid} {
		m.hotRequests.WithLabelValues(r)
	}
}

// register registers c, or returns the collector already registered under
// its name: a crawler restarted in the same process shares its metrics.
func register[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}

// initSource creates the series of a source so dashboards see zeros.
func (m *metrics) initSource(id string) {
	m.fetchBytes.WithLabelValues(id)
	m.docsEmitted.WithLabelValues(id)
	m.extractFailures.WithLabelValues(id)
	m.robotsRefused.WithLabelValues(id)
	m.publishFailures.WithLabelValues(id)
	for _, r := range []string{pollOK, pollFetchError, pollPublishError} {
		m.polls.WithLabelValues(id, r)
	}
	for _, r := range []string{retryTimeout, retry5xx, retry429} {
		m.retries.WithLabelValues(id, r)
	}
}
