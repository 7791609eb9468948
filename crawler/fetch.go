package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/yuqing-project/yuqing/config"
)

// ErrPrivateAddress is returned (wrapped) when a request would connect to
// a loopback, private, link-local or otherwise non-public address and the
// source does not allow it.
var ErrPrivateAddress = errors.New("refusing to connect to a non-public address")

// errTooLarge and errContentType abort a response after its headers.
var (
	errTooLarge    = errors.New("page larger than max_page_bytes")
	errContentType = errors.New("content type is not HTML, XML, JSON or text")
)

// originalContentTypeHeader carries the server's Content-Type past Colly,
// which would otherwise convert bodies by a charset it trusts blindly; see
// encoding.go.
const originalContentTypeHeader = "X-Yuqing-Original-Content-Type"

// isPublicAddr reports whether ip is a globally routable unicast address.
func isPublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// refusePrivate is a net.Dialer Control func: it runs after name
// resolution, on the address actually dialled, so DNS answers and
// redirects to private addresses are refused too.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("cannot check address %q: %w", address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("cannot check address %q: %w", address, err)
	}
	if !isPublicAddr(ip) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ip)
	}
	return nil
}

// policyKey is the context key of a request's source policy.
type policyKey struct{}

// policy is what a source allows a request to do.
type policy struct {
	allowPrivate bool
	domains      []string
}

// policyTransport sends each request through a transport that refuses
// non-public addresses, or through one that allows them for sources with
// AllowPrivate. Two transports keep their connection pools apart, so a
// connection dialled for a permissive source is never reused by a strict
// one. Requests without a policy (robots.txt) go by host: permissive only
// for hosts of sources that allow private addresses.
type policyTransport struct {
	strict, permissive *http.Transport
	// privateHosts changes when sources do (SetSources).
	privMu       sync.RWMutex
	privateHosts map[string]bool
	// isPublic classifies the addresses the strict transport dials
	// (isPublicAddr; tests that have only loopback addresses substitute
	// one that calls some of them public).
	isPublic func(netip.Addr) bool
}

// refusePrivate is the strict transport's dial check (see the function
// refusePrivate), with the transport's address classification.
func (t *policyTransport) refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("cannot check address %q: %w", address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("cannot check address %q: %w", address, err)
	}
	if !t.isPublic(ip) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ip)
	}
	return nil
}

func newPolicyTransport(privateHosts map[string]bool) *policyTransport {
	mk := func(control func(string, string, syscall.RawConn) error) *http.Transport {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		return &http.Transport{
			// No proxy: a proxy would dial on our behalf and defeat the
			// address check.
			Proxy:                 nil,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
		}
	}
	t := &policyTransport{privateHosts: privateHosts, isPublic: isPublicAddr}
	t.strict, t.permissive = mk(t.refusePrivate), mk(nil)
	return t
}

func (t *policyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.privMu.RLock()
	allow := t.privateHosts[strings.ToLower(req.URL.Hostname())]
	t.privMu.RUnlock()
	if p, ok := req.Context().Value(policyKey{}).(*policy); ok {
		allow = p.allowPrivate
	}
	tr := t.strict
	if allow {
		tr = t.permissive
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// Hide the charset from Colly and keep the original for decodeHTML.
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		resp.Header.Set(originalContentTypeHeader, ct)
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			resp.Header.Set("Content-Type", mt)
		} else {
			resp.Header.Del("Content-Type")
		}
	}
	return resp, nil
}

// setPrivateHosts replaces the hosts that may resolve to private
// addresses.
func (t *policyTransport) setPrivateHosts(hosts map[string]bool) {
	t.privMu.Lock()
	t.privateHosts = hosts
	t.privMu.Unlock()
}

func (t *policyTransport) CloseIdleConnections() {
	t.strict.CloseIdleConnections()
	t.permissive.CloseIdleConnections()
}

// newRootCollector configures the Colly collector every poll clones: the
// clones share its HTTP client, per-host limits and robots.txt cache. The
// transport tr is shared by every root collector of the crawler (sources
// that bring a new host get a new root, see SetSources).
func newRootCollector(cfg config.CrawlerConfig, hosts []string, tr *policyTransport) (*colly.Collector, error) {
	c := colly.NewCollector()
	c.UserAgent = cfg.UserAgent
	c.IgnoreRobotsTxt = cfg.IgnoreRobots
	// The crawler keeps its own bounded, persistent seen-set; Colly's
	// visited map would grow forever and block re-polling list pages.
	c.AllowURLRevisit = true
	// Bodies are decoded by decodeHTML; see encoding.go.
	c.DetectCharset = false
	// One more byte than allowed tells a page at the limit from a
	// truncated one.
	c.MaxBodySize = int(cfg.MaxPageBytes) + 1
	// Every status reaches OnResponse, so 304 and 404 are told apart from
	// network errors.
	c.ParseHTTPErrorResponse = true
	c.WithTransport(tr)
	c.SetRequestTimeout(cfg.RequestTimeout)
	c.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("cannot follow redirect to %q: more than 10 redirects", req.URL)
		}
		if p, ok := req.Context().Value(policyKey{}).(*policy); ok && !hostAllowed(req.URL.Hostname(), p.domains) {
			return fmt.Errorf("cannot follow redirect to %q: %w", req.URL, colly.ErrForbiddenDomain)
		}
		return nil
	})
	// One limit per host: requests to a host are serial and HostDelay
	// apart, whichever sources make them.
	for _, h := range hosts {
		rule := &colly.LimitRule{
			DomainRegexp: "^" + regexp.QuoteMeta(h) + `(:\d+)?$`,
			Parallelism:  1,
			Delay:        cfg.HostDelay,
		}
		if err := c.Limit(rule); err != nil {
			return nil, fmt.Errorf("cannot set rate limit for host %q: %w", h, err)
		}
	}
	return c, nil
}

// fetchResult is one HTTP response.
type fetchResult struct {
	url         string // final URL after redirects
	status      int
	contentType string // as the server sent it
	header      http.Header
	body        []byte
}

// fetcher fetches pages for one poll of one source.
type fetcher struct {
	c        *Crawler
	ctx      context.Context
	col      *colly.Collector
	src      *source
	m        *metrics
	maxBytes int64
	// robots counts the URLs robots.txt forbade in this poll.
	robots atomic.Int64
}

// newFetcher clones the root collector for one poll: the clone carries
// the poll's context (cancellation and the source's policy) and allowed
// domains.
func (c *Crawler) newFetcher(ctx context.Context, s *source) *fetcher {
	col := c.rootCollector().Clone()
	col.Context = context.WithValue(ctx, policyKey{}, &policy{allowPrivate: s.cfg.AllowPrivate, domains: s.domains})
	col.AllowedDomains = s.domains
	max := c.cfg.MaxPageBytes
	col.OnResponseHeaders(func(r *colly.Response) {
		if n, err := strconv.ParseInt(r.Headers.Get("Content-Length"), 10, 64); err == nil && n > max {
			r.Ctx.Put("abort", errTooLarge)
			r.Request.Abort()
			return
		}
		if r.StatusCode >= 200 && r.StatusCode < 300 && !textualType(r.Headers.Get("Content-Type")) {
			r.Ctx.Put("abort", errContentType)
			r.Request.Abort()
		}
	})
	col.OnResponse(func(r *colly.Response) {
		r.Ctx.Put("response", r)
	})
	return &fetcher{c: c, ctx: ctx, col: col, src: s, m: c.m, maxBytes: max}
}

func textualType(mt string) bool {
	if mt == "" {
		return true // sniffed later
	}
	mt = strings.ToLower(mt)
	return strings.HasPrefix(mt, "text/") || strings.Contains(mt, "html") || strings.Contains(mt, "xml") ||
		strings.Contains(mt, "rss") || strings.Contains(mt, "atom") || strings.Contains(mt, "json")
}

// fetchError is a fetch that produced no usable response; reason is a
// skip reason for metrics.
type fetchError struct {
	url    string
	reason string
	err    error
}

func (e *fetchError) Error() string { return fmt.Sprintf("cannot fetch %q: %v", e.url, e.err) }
func (e *fetchError) Unwrap() error { return e.err }

// get fetches rawURL with conditional-GET headers from prev (may be nil),
// repeating timeouts, 5xx and 429 as f.c.retry allows (see retryPolicy).
// It returns a result for every final HTTP response, whatever the status,
// and a *fetchError when there is none.
func (f *fetcher) get(rawURL string, prev *seenEntry) (*fetchResult, error) {
	host := ""
	if u, err := url.Parse(rawURL); err == nil {
		host = strings.ToLower(u.Host)
	}
	pol := f.c.retry
	for attempt := 1; ; attempt++ {
		if err := f.waitHost(rawURL, host); err != nil {
			return nil, err
		}
		res, err := f.once(rawURL, prev)
		var reason string
		var retry, hasAfter bool
		var after time.Duration
		if err != nil {
			var fe *fetchError
			if f.ctx.Err() == nil && errors.As(err, &fe) && fe.reason == skipFetchError && isTimeout(fe.err) {
				reason, retry = retryTimeout, true
			}
		} else if reason, retry = retryReason(res.status); retry {
			after, hasAfter = parseRetryAfter(res.header.Get("Retry-After"), f.c.now())
		}
		if !retry {
			return res, err
		}
		what := reason
		if err != nil {
			what = err.Error()
		}
		if attempt >= pol.attempts {
			f.logRetry(slog.LevelWarn, "giving up after retries", rawURL, "attempts", attempt, "last", what)
			return res, err
		}
		wait := pol.backoff(attempt-1, f.c.jitter)
		if hasAfter && after > wait {
			wait = after
		}
		now := f.c.now()
		if wait > pol.maxWait {
			// Hold the host for as long as it asked: no request reaches it
			// before then, from this poll or any other.
			f.c.gate.hold(host, now.Add(wait))
			f.logRetry(slog.LevelWarn, "server asked to wait longer than a poll waits; page left for a later poll",
				rawURL, "retry_after", wait, "last", what)
			return res, err
		}
		f.c.gate.hold(host, now.Add(wait))
		f.m.retries.WithLabelValues(f.src.cfg.ID, reason).Inc()
		f.logRetry(slog.LevelInfo, "retrying", rawURL, "attempt", attempt, "wait", wait, "reason", what)
	}
}

// waitHost waits until the host gate lets a request to host through, or
// refuses the request when the wait is longer than a poll waits.
func (f *fetcher) waitHost(rawURL, host string) error {
	d := f.c.gate.wait(host, f.c.now())
	if d <= 0 {
		return nil
	}
	if d > f.c.retry.maxWait {
		f.m.pagesFetched.WithLabelValues(f.src.cfg.ID, statusDeferred).Inc()
		return &fetchError{url: rawURL, reason: skipBackoff, err: fmt.Errorf("%w: %s left", errHostBackoff, d.Round(time.Second))}
	}
	if err := f.c.sleep(f.ctx, d); err != nil {
		return &fetchError{url: rawURL, reason: skipFetchError, err: err}
	}
	return nil
}

// logRetry logs a retry event at most once per skipLogEvery per source
// and level; the retries metric counts every one. The caller's poll holds
// the source's lock, which guards the throttle state.
func (f *fetcher) logRetry(level slog.Level, msg, rawURL string, args ...any) {
	key := "retry:" + level.String()
	ok, suppressed := f.src.throttled(key, f.c.now())
	if !ok {
		return
	}
	args = append([]any{"source", f.src.cfg.ID, "url", rawURL, "suppressed_since_last", suppressed}, args...)
	f.c.log.Log(f.ctx, level, msg, args...)
}

// once makes one request for rawURL.
func (f *fetcher) once(rawURL string, prev *seenEntry) (*fetchResult, error) {
	id := f.src.cfg.ID
	hdr := http.Header{}
	hdr.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,application/atom+xml,*/*;q=0.8")
	hdr.Set("Accept-Language", "zh-CN,zh;q=0.9")
	if prev != nil {
		if prev.ETag != "" {
			hdr.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			hdr.Set("If-Modified-Since", prev.LastModified)
		}
	}
	cctx := colly.NewContext()
	start := time.Now()
	err := f.col.Request(http.MethodGet, rawURL, nil, cctx, hdr)
	f.m.fetchDuration.WithLabelValues(id).Observe(time.Since(start).Seconds())
	if err != nil {
		status, reason := statusError, skipFetchError
		if abort, ok := cctx.GetAny("abort").(error); ok {
			err = abort
		}
		switch {
		case errors.Is(err, colly.ErrRobotsTxtBlocked):
			status, reason = statusRobots, skipRobots
			f.m.robotsRefused.WithLabelValues(id).Inc()
			f.robots.Add(1)
		case errors.Is(err, ErrPrivateAddress):
			status, reason = statusRefused, skipRefused
		case errors.Is(err, colly.ErrForbiddenDomain):
			status, reason = statusDomain, skipDomain
		case errors.Is(err, errTooLarge):
			status, reason = statusTooLarge, skipTooLarge
		case errors.Is(err, errContentType):
			status, reason = statusContentType, skipContentType
		}
		f.m.pagesFetched.WithLabelValues(id, status).Inc()
		return nil, &fetchError{url: rawURL, reason: reason, err: err}
	}
	r, ok := cctx.GetAny("response").(*colly.Response)
	if !ok {
		f.m.pagesFetched.WithLabelValues(id, statusError).Inc()
		return nil, &fetchError{url: rawURL, reason: skipFetchError, err: errors.New("no response")}
	}
	f.m.fetchBytes.WithLabelValues(id).Add(float64(len(r.Body)))
	if int64(len(r.Body)) > f.maxBytes {
		f.m.pagesFetched.WithLabelValues(id, statusTooLarge).Inc()
		return nil, &fetchError{url: rawURL, reason: skipTooLarge, err: errTooLarge}
	}
	f.m.pagesFetched.WithLabelValues(id, statusLabel(r.StatusCode)).Inc()
	res := &fetchResult{url: r.Request.URL.String(), status: r.StatusCode, body: r.Body}
	if r.Headers != nil {
		res.header = *r.Headers
		res.contentType = r.Headers.Get(originalContentTypeHeader)
	}
	return res, nil
}

func statusLabel(code int) string {
	switch {
	case code == http.StatusNotModified:
		return statusNotModified
	case code == http.StatusTooManyRequests:
		return status429
	case code >= 200 && code < 300:
		return statusOK
	case code >= 300 && code < 400:
		return status3xx
	case code >= 400 && code < 500:
		return status4xx
	default:
		return status5xx
	}
}

// validators returns the conditional-GET validators of a response.
func validators(h http.Header) (etag, lastModified string) {
	return h.Get("ETag"), h.Get("Last-Modified")
}

// hostsOf returns the distinct lower-cased hosts of the sources.
func hostsOf(srcs []*source) []string {
	var hosts []string
	for _, s := range srcs {
		for _, d := range s.domains {
			if !slices.Contains(hosts, d) {
				hosts = append(hosts, d)
			}
		}
	}
	return hosts
}

// NewHTTPClient returns a plain HTTP client for one-off fetches outside a
// crawl (the extract command). timeout bounds each request including its
// body; unless allowPrivate, connections to loopback, private and
// link-local addresses are refused at dial time, which covers DNS answers
// and every redirect; redirects stop after 10.
func NewHTTPClient(timeout time.Duration, allowPrivate bool) *http.Client {
	var control func(string, string, syscall.RawConn) error
	if !allowPrivate {
		control = refusePrivate
	}
	d := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second, Control: control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			// No proxy: a proxy would dial on our behalf and defeat the
			// address check.
			DialContext:         d.DialContext,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: 10 * time.Second,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return fmt.Errorf("cannot follow redirect to %q: more than 10 redirects", req.URL)
			}
			return nil
		},
	}
}
