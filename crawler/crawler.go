// Package crawler owns collection: it turns the configured sources (portal,
// news and forum list pages leading to articles, RSS and Atom feeds, JSON
// APIs) into bus.Documents and hands them to a Publisher. Several crawler
// processes can share the sources as one group (see GroupConfig), and
// other stages can ask for a hot source to be polled faster (see Boost).
//
// It guarantees:
//
//   - Politeness: robots.txt is honoured (unless crawler.ignore_robots),
//     requests to one host are serial and crawler.host_delay apart, pages
//     are capped at crawler.max_page_bytes, only HTML/XML/text is read.
//     Timeouts, 5xx and 429 are retried a bounded number of times with
//     exponential backoff and jitter; a Retry-After holds every request to
//     that host until it passes, and one longer than a poll waits defers
//     the host's pages to a later poll (see retryPolicy).
//   - Safety: links are followed only within a source's allowed domains
//     (redirects included), and connections to loopback, private and
//     link-local addresses are refused at dial time unless the source sets
//     allow_private.
//   - Encodings: GBK, GB2312, GB18030 and Big5 pages are detected (header,
//     <meta>, sniffing) and stored as UTF-8; Document.Encoding keeps the
//     original charset.
//   - At least once, without duplicates: a document is remembered in a
//     persistent per-source seen-set only after Publish returned nil; an
//     unchanged page (same content hash, or 304 Not Modified) never yields a
//     second document, a changed one yields a new Version.
//
// Re-fetching policy: list pages and feeds are fetched on every poll with
// conditional GET. An article is fetched when first discovered, and then
// re-checked (conditional GET) on every poll while it is younger than
// RecheckWindow (24 h since first seen), because corrections happen early;
// older articles are not fetched again.
package crawler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gocolly/colly/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// Publisher receives documents. Publish blocks until every document is
// durable on the bus (acks=all); on error nothing may be assumed published
// and the crawler retries on the next poll (it does not mark the pages as
// seen). Publish may be called from several goroutines at once (one per
// source being polled).
type Publisher interface {
	Publish(ctx context.Context, docs ...model.Document) error
}

const (
	// RecheckWindow is how long after first seeing an article the crawler
	// keeps re-checking it for changes.
	RecheckWindow = 24 * time.Hour
	// seenMaxEntries bounds each source's seen-set.
	seenMaxEntries = 50000
	// seenMaxAge drops entries not seen for this long.
	seenMaxAge = 90 * 24 * time.Hour
	// publishBatch is the most documents per Publish call.
	publishBatch = 64
	// shortFeedBody is the length below which a feed item's linked page is
	// fetched for the full text.
	shortFeedBody = 140
	// defaultMaxPages is config's default for list.max_pages.
	defaultMaxPages = 3
	// maxArticlesPerPoll bounds the article fetches of one poll.
	maxArticlesPerPoll = 500
)

// Crawler polls sources and publishes their documents. Its methods are
// safe for concurrent use.
type Crawler struct {
	cfg config.CrawlerConfig
	pub Publisher
	log *slog.Logger
	m   *metrics
	tr  *policyTransport
	// srcMu guards sources, order, root and hosts, which SetSources
	// changes while the crawler runs.
	srcMu    sync.RWMutex
	root     *colly.Collector
	hosts    []string // the hosts root has limit rules for
	sources  map[string]*source
	order    []*source
	stateDir string
	sem      chan struct{} // bounds concurrent polls to cfg.Parallelism
	// rec, when set (RecordPolls, before Run), receives every poll's
	// outcome.
	rec PollRecorder
	now func() time.Time
	// sleep waits between retries; tests replace it (and now) with a
	// fake clock.
	sleep  func(context.Context, time.Duration) error
	jitter func(time.Duration) time.Duration // uniform in [0, d)
	retry  retryPolicy
	gate   *hostGate
	// grp is set by JoinGroup: the sources are shared with other replicas.
	grp *group
	// hot is set by FollowHotRequests: boosts requested over the bus.
	hot *hotFollower
	// scheduled, when set (by tests, before Run), is called each time a
	// source's loop sets its timer, with the wait until its next poll: the
	// observable event a test waits on instead of sleeping to see that a
	// poll does not come.
	scheduled func(sourceID string, wait time.Duration)

	mu      sync.Mutex
	running bool
	// runCtx and loops are set while Run runs (under mu): SetSources
	// starts the loops of added sources in them.
	runCtx context.Context
	loops  *sync.WaitGroup
}

// source is one configured source and its state.
type source struct {
	cfg     config.Source
	domains []string // allowed hosts, lower-case
	kick    chan struct{}
	// wake asks the loop to poll now: the source was just assigned to
	// this replica, or boosted.
	wake chan struct{}
	// partition is the crawler group partition that owns the source; set
	// by JoinGroup before Run.
	partition int32
	// stop ends the source's loop and done is closed when it has ended
	// (set when the loop starts, under Crawler.mu).
	stop context.CancelFunc
	done chan struct{}

	// boost is a temporary shorter interval (see Boost), guarded by
	// boostMu because polls hold mu for long.
	boostMu sync.Mutex
	boost   boostState

	mu   sync.Mutex // serialises polls of this source and guards seen and logged
	seen *seenSet
	// logged throttles skip logs per reason: when each was last logged
	// and how many were suppressed since.
	logged map[string]*throttle
}

// throttle limits a repeated log line to one per skipLogEvery.
type throttle struct {
	last       time.Time
	suppressed int
}

// skipLogEvery is the least time between two skip logs of one source and
// reason; the metrics count every skip.
const skipLogEvery = time.Minute

// New checks the sources, loads their seen-sets from stateDir (created if
// missing) and prepares the fetcher. reg may be nil (no metrics
// registered); log may be nil (slog.Default()).
func New(cfg config.CrawlerConfig, sources []config.Source, pub Publisher, stateDir string,
	reg prometheus.Registerer, log *slog.Logger) (*Crawler, error) {
	if pub == nil {
		return nil, errors.New("cannot create crawler: no publisher")
	}
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "crawler")
	if cfg.MaxPageBytes <= 0 || cfg.RequestTimeout <= 0 || cfg.Interval <= 0 || cfg.Parallelism <= 0 {
		return nil, fmt.Errorf("cannot create crawler: max_page_bytes, request_timeout, interval and parallelism must be positive (were defaults applied?)")
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create crawler state directory %q: %w", stateDir, err)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	c := &Crawler{
		cfg:      cfg,
		pub:      pub,
		log:      log,
		m:        m,
		sources:  make(map[string]*source),
		stateDir: stateDir,
		sem:      make(chan struct{}, cfg.Parallelism),
		now:      time.Now,
		sleep:    sleepCtx,
		jitter:   randDuration,
		retry:    defaultRetry,
		gate:     newHostGate(),
	}
	for i, sc := range sources {
		sc = c.withDefaults(sc)
		s, err := newSource(sc, stateDir)
		if err != nil {
			return nil, fmt.Errorf("cannot use source %q (crawler.sources[%d]): %w", sc.ID, i, err)
		}
		if _, dup := c.sources[sc.ID]; dup {
			return nil, fmt.Errorf("cannot use source %q (crawler.sources[%d]): duplicate id", sc.ID, i)
		}
		c.sources[sc.ID] = s
		c.order = append(c.order, s)
		m.initSource(sc.ID)
		m.seenEntries.WithLabelValues(sc.ID).Set(float64(s.seen.len()))
	}
	m.ownedSources.Set(float64(len(c.order)))
	c.tr = newPolicyTransport(privateHostsOf(c.order))
	c.hosts = hostsOf(c.order)
	if c.root, err = newRootCollector(cfg, c.hosts, c.tr); err != nil {
		return nil, err
	}
	return c, nil
}

// withDefaults gives sc's zero values the documented defaults, so sources
// added at run time (the demo's, the store's) need not go through
// config.ApplyDefaults.
func (c *Crawler) withDefaults(sc config.Source) config.Source {
	if sc.Interval == 0 {
		sc.Interval = c.cfg.Interval
	}
	if sc.List.MaxPages == 0 {
		sc.List.MaxPages = defaultMaxPages
	}
	if sc.API.MaxPages == 0 {
		sc.API.MaxPages = 1
	}
	return sc
}

func newSource(sc config.Source, stateDir string) (*source, error) {
	switch sc.Kind {
	case model.KindPortal, model.KindNews, model.KindForum, model.KindFeed:
	case model.KindAPI:
		if err := checkAPIRules(sc.API); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", sc.Kind)
	}
	if sc.ID == "" || strings.ContainsAny(sc.ID, `/\.`) {
		return nil, fmt.Errorf("invalid id %q", sc.ID)
	}
	u, err := url.Parse(sc.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("url %q is not an http(s) URL", sc.URL)
	}
	if sc.Interval < 0 {
		return nil, fmt.Errorf("interval must not be negative, got %s", sc.Interval)
	}
	if sc.List.MaxPages < 0 {
		return nil, fmt.Errorf("list.max_pages must not be negative, got %d", sc.List.MaxPages)
	}
	if sc.Encoding != "" {
		if _, _, ok := lookupEncoding(sc.Encoding); !ok {
			return nil, fmt.Errorf("unknown encoding %q", sc.Encoding)
		}
	}
	for field, sel := range map[string]string{
		"list.links": sc.List.Links, "list.next": sc.List.Next, "article.title": sc.Article.Title,
		"article.body": sc.Article.Body, "article.time": sc.Article.Time, "article.author": sc.Article.Author,
	} {
		if sel == "" {
			continue
		}
		if err := checkSelector(sel); err != nil {
			return nil, fmt.Errorf("%s: invalid CSS selector %q: %w", field, sel, err)
		}
	}
	domains := []string{strings.ToLower(u.Hostname())}
	if len(sc.AllowedDomains) > 0 {
		domains = domains[:0]
		for _, d := range sc.AllowedDomains {
			domains = append(domains, strings.ToLower(strings.TrimSpace(d)))
		}
	}
	seen, err := loadSeenSet(filepath.Join(stateDir, "seen-"+sc.ID+".json"), seenMaxEntries, seenMaxAge)
	if err != nil {
		return nil, err
	}
	return &source{cfg: sc, domains: domains, kick: make(chan struct{}, 1), wake: make(chan struct{}, 1),
		seen: seen, logged: make(map[string]*throttle)}, nil
}

// Run polls every source on its interval until ctx ends, at most
// crawler.parallelism sources at a time, and returns nil once ctx is done
// and in-flight polls have finished. A failed poll is logged and counted;
// the source is polled again at its next interval.
func (c *Crawler) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return errors.New("cannot run crawler: already running")
	}
	c.running = true
	var wg sync.WaitGroup
	c.runCtx, c.loops = ctx, &wg
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
		c.tr.CloseIdleConnections()
	}()
	var errs []error
	var errMu sync.Mutex
	background := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				c.log.Error("crawler "+name+" stopped", "err", err)
				errMu.Lock()
				errs = append(errs, err)
				errMu.Unlock()
			}
		}()
	}
	if c.grp != nil {
		background("group", func() error { return c.grp.run(ctx, c) })
	}
	if c.hot != nil {
		background("hot requests", func() error { return c.hot.run(ctx, c) })
	}
	c.mu.Lock()
	for i, s := range c.snapshot() {
		c.startLoop(s, time.Duration(i)*c.cfg.HostDelay/4)
	}
	c.mu.Unlock()
	<-ctx.Done()
	// No loop starts after this; the running ones end with ctx.
	c.mu.Lock()
	c.runCtx = nil
	c.mu.Unlock()
	wg.Wait()
	return errors.Join(errs...)
}

// loop polls one source every interval; a kick (PollNow) is not needed
// here because PollNow polls directly, but it resets the timer. A wake
// (assignment in a group, a boost) polls at once. In a group, a source
// this replica does not own is not polled.
func (c *Crawler) loop(ctx context.Context, s *source, stagger time.Duration) {
	timer := time.NewTimer(stagger)
	defer timer.Stop()
	stop := func() {
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
	reset := func(d time.Duration) {
		timer.Reset(d)
		if c.scheduled != nil {
			c.scheduled(s.cfg.ID, d)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
			stop()
			reset(c.interval(s))
			continue
		case <-s.wake:
			stop()
		case <-timer.C:
		}
		if c.grp != nil && !c.grp.owns(s) {
			reset(c.interval(s))
			continue
		}
		// A poll cut short because the source moved to another replica
		// is not a failure.
		if err := c.poll(ctx, s); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNotOwner) &&
			(c.grp == nil || c.grp.owns(s)) {
			c.log.Warn("poll failed", "source", s.cfg.ID, "err", err)
		}
		reset(c.interval(s))
	}
}

// PollNow polls one source immediately and returns when the poll is done;
// the source's next scheduled poll is then an interval away. It waits for
// a poll of the same source already running.
func (c *Crawler) PollNow(ctx context.Context, sourceID string) error {
	s, ok := c.source(sourceID)
	if !ok {
		return fmt.Errorf("cannot poll source %q: unknown source", sourceID)
	}
	err := c.poll(ctx, s)
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return err
}

// poll runs one poll of s under its lock and a parallelism slot.
func (c *Crawler) poll(ctx context.Context, s *source) error {
	c.m.queueDepth.Inc()
	select {
	case c.sem <- struct{}{}:
		c.m.queueDepth.Dec()
	case <-ctx.Done():
		c.m.queueDepth.Dec()
		return ctx.Err()
	}
	c.m.polling.Inc()
	defer func() { <-c.sem; c.m.polling.Dec() }()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.grp != nil {
		pctx, end, err := c.grp.begin(ctx, s)
		if err != nil {
			return fmt.Errorf("cannot poll source %q: %w", s.cfg.ID, err)
		}
		defer end()
		ctx = pctx
	}

	p := &pollRun{c: c, s: s, f: c.newFetcher(ctx, s), ctx: ctx, now: c.now(), updates: make(map[string]*seenEntry)}
	var err error
	switch s.cfg.Kind {
	case model.KindFeed:
		err = p.feed()
	case model.KindAPI:
		err = p.api()
	default:
		err = p.html()
	}
	result := pollOK
	if err == nil {
		err = p.publishAll()
	}
	if err != nil {
		var pe *publishError
		switch {
		case ctx.Err() != nil:
			result = pollCanceled
		case errors.As(err, &pe):
			result = pollPublishError
		default:
			result = pollFetchError
		}
	}
	if dropped := s.seen.prune(p.now); dropped > 0 {
		c.m.seenDropped.WithLabelValues(s.cfg.ID).Add(float64(dropped))
		c.log.Info("seen-set pruned", "source", s.cfg.ID, "dropped", dropped)
	}
	if p.dirty {
		if serr := s.seen.save(); serr != nil {
			result = pollStateError
			err = errors.Join(err, serr)
		}
	}
	if c.grp != nil {
		// Shared even when the poll failed or was cancelled by a
		// rebalance: what was published must be known to the next owner.
		if ferr := c.grp.flush(ctx, c, s); ferr != nil {
			result = pollStateError
			err = errors.Join(err, ferr)
		}
	}
	c.m.seenEntries.WithLabelValues(s.cfg.ID).Set(float64(s.seen.len()))
	c.m.polls.WithLabelValues(s.cfg.ID, result).Inc()
	c.record(ctx, s, p, result, err)
	c.log.Debug("poll done", "source", s.cfg.ID, "result", result, "documents", p.emitted, "fetched", p.fetched)
	if err != nil {
		return fmt.Errorf("cannot poll source %q: %w", s.cfg.ID, err)
	}
	return nil
}

// publishError marks a failed Publish.
type publishError struct{ err error }

func (e *publishError) Error() string { return "cannot publish: " + e.err.Error() }
func (e *publishError) Unwrap() error { return e.err }

// pollRun is the state of one poll: documents to publish and seen-set
// updates that become durable only when the poll's documents are.
type pollRun struct {
	c   *Crawler
	s   *source
	f   *fetcher
	ctx context.Context
	now time.Time

	docs    []pendingDoc
	updates map[string]*seenEntry // committed only if every Publish succeeds
	dirty   bool
	emitted int
	fetched int
}

type pendingDoc struct {
	doc   model.Document
	key   string // seen-set key
	entry *seenEntry
	first bool // the first version of this page
}

// entryFor returns a copy of the seen entry for key to update, or a new
// one.
func (p *pollRun) entryFor(key, kind string) *seenEntry {
	if e, ok := p.updates[key]; ok {
		return e
	}
	e := &seenEntry{Kind: kind, FirstSeen: p.now.Unix()}
	if old := p.s.seen.get(key); old != nil {
		cp := *old
		e = &cp
	}
	e.Kind = kind
	e.LastSeen = p.now.Unix()
	return e
}

// publishAll publishes the poll's documents in batches, marking each
// batch's pages seen only after its Publish returned nil; the other
// updates (304s, unchanged pages, list validators) are committed only when
// every batch succeeded, so a failed poll is repeated in full.
func (p *pollRun) publishAll() error {
	id := p.s.cfg.ID
	for start := 0; start < len(p.docs); start += publishBatch {
		batch := p.docs[start:min(start+publishBatch, len(p.docs))]
		docs := make([]model.Document, len(batch))
		for i, d := range batch {
			docs[i] = d.doc
		}
		if err := p.c.pub.Publish(p.ctx, docs...); err != nil {
			p.c.m.publishFailures.WithLabelValues(id).Inc()
			p.c.log.Warn("publish failed; documents will be retried on the next poll",
				"source", id, "documents", len(docs), "err", err)
			return &publishError{err: err}
		}
		emitted := p.c.now()
		for _, d := range batch {
			p.s.seen.put(d.key, d.entry)
			delete(p.updates, d.key)
			if d.first && d.doc.PublishedAtSource != TimeFromFetch {
				if delay := emitted.Sub(d.doc.PublishedAt); delay >= 0 {
					p.c.m.publishDelay.WithLabelValues(id).Observe(delay.Seconds())
				}
			}
		}
		p.dirty = true
		p.emitted += len(batch)
		p.c.m.docsEmitted.WithLabelValues(id).Add(float64(len(batch)))
	}
	for k, e := range p.updates {
		p.s.seen.put(k, e)
		p.dirty = true
	}
	return nil
}

// skip counts a page not turned into a document and logs it, at most once
// per skipLogEvery for each reason (with the number suppressed since).
func (p *pollRun) skip(pageURL, reason string, err error) {
	p.c.m.pagesSkipped.WithLabelValues(p.s.cfg.ID, reason).Inc()
	ok, suppressed := p.s.throttled(reason, p.c.now())
	if !ok {
		return
	}
	level := slog.LevelInfo
	if reason == skipFetchError || reason == skipExtract {
		level = slog.LevelWarn
	}
	p.c.log.Log(p.ctx, level, "page skipped", "source", p.s.cfg.ID, "url", pageURL, "reason", reason,
		"err", err, "suppressed_since_last", suppressed)
}

// throttled reports whether a log line of kind key may be written at now
// (at most one per skipLogEvery), and how many were suppressed since the
// last one. The caller holds s.mu.
func (s *source) throttled(key string, now time.Time) (ok bool, suppressed int) {
	th := s.logged[key]
	if th == nil {
		th = &throttle{}
		s.logged[key] = th
	}
	if !th.last.IsZero() && now.Sub(th.last) < skipLogEvery {
		th.suppressed++
		return false, 0
	}
	suppressed = th.suppressed
	th.last, th.suppressed = now, 0
	return true, suppressed
}

// skipFetch handles a failed fetch: it reports reason and error.
func (p *pollRun) skipFetch(pageURL string, err error) {
	if p.ctx.Err() != nil {
		return // shutting down: the poll is abandoned, not the page
	}
	reason := skipFetchError
	var fe *fetchError
	if errors.As(err, &fe) {
		reason = fe.reason
	}
	p.skip(pageURL, reason, err)
}

// html polls a list-page source: list pages (following pagination up to
// MaxPages), then new and recent articles.
func (p *pollRun) html() error {
	sc := p.s.cfg
	listURL, err := CanonicalURL(sc.URL)
	if err != nil {
		return err
	}
	var links []string
	linkSet := make(map[string]bool)
	visitedLists := make(map[string]bool)
	var sitemaps []string // child sitemaps of a sitemap index still to read
	for page := 0; listURL != "" && !visitedLists[listURL]; page++ {
		if page == sc.List.MaxPages {
			p.skip(listURL, skipMaxPages, fmt.Errorf("pagination stops after %d pages", sc.List.MaxPages))
			break
		}
		visitedLists[listURL] = true
		if err := p.ctx.Err(); err != nil {
			return err
		}
		res, err := p.f.get(listURL, p.s.seen.get(listURL))
		p.fetched++
		if err != nil {
			if page == 0 {
				return err
			}
			p.skipFetch(listURL, err)
			break
		}
		if res.status == http.StatusNotModified {
			e := p.entryFor(listURL, pageList)
			p.updates[listURL] = e
			break // later pages are unchanged too
		}
		if res.status != http.StatusOK {
			err := fmt.Errorf("cannot fetch list page %q: HTTP %d", listURL, res.status)
			if page == 0 {
				return err
			}
			p.skip(listURL, skipHTTPStatus, err)
			break
		}
		body, _, err := decodeHTML(res.body, res.contentType, sc.Encoding)
		if err != nil {
			p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
			return fmt.Errorf("cannot decode list page %q: %w", listURL, err)
		}
		if isSitemap(body) {
			// A sitemap lists the articles itself; an index lists further
			// sitemaps, read like pages of a list (within max_pages).
			base, err := url.Parse(res.url)
			if err != nil {
				return fmt.Errorf("cannot parse URL %q: %w", res.url, err)
			}
			pages, children, err := parseSitemap(body, base, p.s.domains)
			if err != nil {
				return err
			}
			for _, l := range pages {
				if !linkSet[l] {
					linkSet[l] = true
					links = append(links, l)
				}
			}
			sitemaps = append(sitemaps, children...)
			e := p.entryFor(listURL, pageList)
			e.ETag, e.LastModified = validators(res.header)
			p.updates[listURL] = e
			listURL = ""
			for len(sitemaps) > 0 && listURL == "" {
				if !visitedLists[sitemaps[0]] {
					listURL = sitemaps[0]
				}
				sitemaps = sitemaps[1:]
			}
			continue
		}
		root, err := html.Parse(strings.NewReader(string(body)))
		if err != nil {
			return fmt.Errorf("cannot parse list page %q: %w", listURL, err)
		}
		base, err := url.Parse(res.url)
		if err != nil {
			return fmt.Errorf("cannot parse URL %q: %w", res.url, err)
		}
		found, err := listLinks(root, base, sc.List.Links, p.s.domains)
		if err != nil {
			return err
		}
		for _, l := range found {
			if !linkSet[l] && !visitedLists[l] {
				linkSet[l] = true
				links = append(links, l)
			}
		}
		e := p.entryFor(listURL, pageList)
		e.ETag, e.LastModified = validators(res.header)
		p.updates[listURL] = e
		next, err := nextPage(root, base, sc.List.Next, p.s.domains)
		if err != nil {
			return err
		}
		listURL = next
	}
	// Articles re-checked even when no longer listed (or when the list
	// page was not modified).
	for _, u := range p.s.seen.recentArticles(p.now.Add(-RecheckWindow)) {
		if !linkSet[u] {
			linkSet[u] = true
			links = append(links, u)
		}
	}
	fetchedArticles := 0
	for _, u := range links {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		prev := p.s.seen.get(u)
		if prev != nil && (prev.Kind != pageArticle || time.Unix(prev.FirstSeen, 0).Before(p.now.Add(-RecheckWindow))) {
			continue // old article: not re-fetched
		}
		if fetchedArticles == maxArticlesPerPoll {
			p.skip(u, skipMaxPages, fmt.Errorf("more than %d articles in one poll; the rest wait for the next", maxArticlesPerPoll))
			break
		}
		fetchedArticles++
		p.article(u, prev)
	}
	return nil
}

// article fetches and extracts one article, queueing a document when it is
// new or changed.
func (p *pollRun) article(u string, prev *seenEntry) {
	sc := p.s.cfg
	res, err := p.f.get(u, prev)
	p.fetched++
	if err != nil {
		p.skipFetch(u, err)
		return
	}
	e := p.entryFor(u, pageArticle)
	switch {
	case res.status == http.StatusNotModified:
		p.updates[u] = e
		return
	case res.status != http.StatusOK:
		p.skip(u, skipHTTPStatus, fmt.Errorf("HTTP %d", res.status))
		return
	}
	e.ETag, e.LastModified = validators(res.header)
	body, enc, err := decodeHTML(res.body, res.contentType, sc.Encoding)
	var ex Extraction
	if err == nil {
		ex, err = extractHTML(body, enc, res.url, p.now, sc.Article)
	}
	if err != nil {
		p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
		p.skip(u, skipExtract, err)
		// Remember the failure so the page is re-tried only within the
		// recheck window, and its validators save bandwidth meanwhile.
		e.Hash = ""
		p.updates[u] = e
		return
	}
	doc := p.document(u, res.url, ex)
	if prev != nil && prev.Hash == doc.ContentHash {
		p.updates[u] = e // unchanged
		return
	}
	e.Hash = doc.ContentHash
	p.docs = append(p.docs, pendingDoc{doc: doc, key: u, entry: e, first: prev == nil || prev.Hash == ""})
}

// document builds the bus document of an extraction. The ID is that of
// the final canonical URL (after redirects).
func (p *pollRun) document(key, finalURL string, ex Extraction) model.Document {
	sc := p.s.cfg
	canonical := key
	if c, err := CanonicalURL(finalURL); err == nil {
		canonical = c
	}
	return model.Document{
		Schema:                bus.SchemaVersion,
		ID:                    model.DocumentID(canonical),
		Version:               uint64(p.now.UnixNano()),
		URL:                   canonical,
		SourceID:              sc.ID,
		SourceName:            sc.Name,
		SourceKind:            sc.Kind,
		Authority:             sc.Authority,
		RegionCode:            sc.Region,
		Title:                 ex.Title,
		Body:                  ex.Body,
		Author:                ex.Author,
		Origin:                ex.Origin,
		PublishedAt:           ex.PublishedAt,
		PublishedAtSource:     ex.PublishedAtSource,
		PublishedAtConfidence: ex.PublishedAtConfidence,
		PublishedUncertain:    uncertainTime(ex.PublishedAtConfidence),
		FetchedAt:             p.now,
		Injected:              ex.Injected,
		ContentHash:           ContentHash(ex.Title, ex.Body),
		Encoding:              ex.Encoding,
	}
}

// ContentHash is the hash of a document's title and body (hex SHA-256).
func ContentHash(title, body string) string {
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(body))
	return hex.EncodeToString(h.Sum(nil))
}

// feed polls an RSS or Atom source.
func (p *pollRun) feed() error {
	sc := p.s.cfg
	feedURL, err := CanonicalURL(sc.URL)
	if err != nil {
		return err
	}
	res, err := p.f.get(feedURL, p.s.seen.get(feedURL))
	p.fetched++
	if err != nil {
		return err
	}
	fe := p.entryFor(feedURL, pageFeed)
	switch {
	case res.status == http.StatusNotModified:
		p.updates[feedURL] = fe
		return nil
	case res.status != http.StatusOK:
		return fmt.Errorf("cannot fetch feed %q: HTTP %d", feedURL, res.status)
	}
	data, enc, err := decodeXML(res.body, res.contentType, sc.Encoding)
	if err == nil {
		var items []feedItem
		items, err = parseFeed(data)
		if err == nil {
			fe.ETag, fe.LastModified = validators(res.header)
			p.updates[feedURL] = fe
			base, _ := url.Parse(res.url)
			for _, it := range items {
				if err := p.ctx.Err(); err != nil {
					return err
				}
				p.feedItem(base, it, enc)
			}
			return nil
		}
	}
	p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
	return fmt.Errorf("cannot read feed %q: %w", feedURL, err)
}

// feedItem queues a document for a new or changed feed item. When the
// item's text is short and its link is in the allowed domains, the linked
// page is fetched for the full text.
func (p *pollRun) feedItem(base *url.URL, it feedItem, enc string) {
	sc := p.s.cfg
	link := ""
	if it.Link != "" {
		if u, err := base.Parse(it.Link); err == nil {
			if c, err := CanonicalURL(u.String()); err == nil {
				link = c
			}
		}
	}
	key := link
	if key == "" {
		if it.GUID == "" {
			p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
			p.skip(base.String(), skipExtract, fmt.Errorf("feed item %q has neither link nor guid", it.Title))
			return
		}
		key = sc.ID + "\x00" + it.GUID
	}
	itemHash := ContentHash(it.Title+"\x00"+it.Link+"\x00"+it.Published.String(), it.Body)
	prev := p.s.seen.get(key)
	if prev != nil && prev.ItemHash == itemHash {
		// Unchanged item: nothing fetched, nothing published; its last-seen
		// time moves on, so an item still in the feed is never pruned and
		// published again.
		p.updates[key] = p.entryFor(key, pageItem)
		return
	}
	ex := Extraction{
		Title:                 it.Title,
		Body:                  it.Body,
		Author:                it.Author,
		PublishedAt:           it.Published,
		PublishedAtSource:     TimeFromFeed,
		PublishedAtConfidence: confFeed,
		Encoding:              enc,
	}
	p.completeFromPage(&ex, link)
	if strings.TrimSpace(ex.Title) == "" && strings.TrimSpace(ex.Body) == "" {
		p.c.m.extractFailures.WithLabelValues(sc.ID).Inc()
		p.skip(key, skipExtract, errors.New("feed item has no title and no text"))
		return
	}
	docKey := link
	if docKey == "" {
		docKey = key
	}
	doc := p.document(docKey, docKey, ex)
	if link == "" {
		doc.ID = model.DocumentID(key)
		doc.URL = base.String()
	}
	e := p.entryFor(key, pageItem)
	e.ItemHash = itemHash
	if prev != nil && prev.Hash == doc.ContentHash {
		p.updates[key] = e
		return
	}
	e.Hash = doc.ContentHash
	p.docs = append(p.docs, pendingDoc{doc: doc, key: key, entry: e, first: prev == nil || prev.Hash == ""})
}

// fetchFeedPage fetches and extracts a feed item's page; failures are
// logged and counted, and the item is published from the feed alone.
func (p *pollRun) fetchFeedPage(link string) (Extraction, bool) {
	res, err := p.f.get(link, nil)
	p.fetched++
	if err != nil {
		p.skipFetch(link, err)
		return Extraction{}, false
	}
	if res.status != http.StatusOK {
		p.skip(link, skipHTTPStatus, fmt.Errorf("HTTP %d", res.status))
		return Extraction{}, false
	}
	body, enc, err := decodeHTML(res.body, res.contentType, p.s.cfg.Encoding)
	var ex Extraction
	if err == nil {
		ex, err = extractHTML(body, enc, res.url, p.now, p.s.cfg.Article)
	}
	if err != nil {
		p.c.m.extractFailures.WithLabelValues(p.s.cfg.ID).Inc()
		p.skip(link, skipExtract, err)
		return Extraction{}, false
	}
	return ex, true
}

// completeFromPage fills in an item of a feed or an API whose text is
// short from the page it links to (when that page is in the allowed
// domains): the longer body, and title, author, origin and publish time
// where the item lacks them. Without any publish time, the fetch time
// stands in.
func (p *pollRun) completeFromPage(ex *Extraction, link string) {
	if link != "" && utf8.RuneCountInString(ex.Body) < shortFeedBody {
		if u, err := url.Parse(link); err == nil && hostAllowed(u.Hostname(), p.s.domains) {
			if page, ok := p.fetchFeedPage(link); ok {
				if utf8.RuneCountInString(page.Body) > utf8.RuneCountInString(ex.Body) {
					ex.Body = page.Body
				}
				if ex.Title == "" {
					ex.Title = page.Title
				}
				if ex.Author == "" {
					ex.Author = page.Author
				}
				ex.Origin = page.Origin
				if ex.PublishedAt.IsZero() {
					ex.PublishedAt, ex.PublishedAtSource, ex.PublishedAtConfidence = page.PublishedAt, page.PublishedAtSource, page.PublishedAtConfidence
				}
			}
		}
	}
	if ex.PublishedAt.IsZero() {
		ex.PublishedAt, ex.PublishedAtSource, ex.PublishedAtConfidence = p.now, TimeFromFetch, confFetch
	}
}
