package crawler

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// retryPolicy bounds how a failed request is repeated. Timeouts, 5xx
// (except 501, which no retry will change) and 429 are transient: the
// request is repeated after an exponential backoff with jitter, or after
// the server's Retry-After when it names a longer wait. Everything else
// (404, refused addresses, robots.txt) is final at once.
type retryPolicy struct {
	// attempts is the most requests made for one URL, the first included.
	attempts int
	// base is the backoff before the first retry; each retry doubles it.
	base time.Duration
	// max caps one backoff (before jitter).
	max time.Duration
	// maxWait is the longest Retry-After (or host back-off) the crawler
	// waits inside a poll. A server asking for more gets no request until
	// then: the page is skipped and the next poll tries again.
	maxWait time.Duration
}

// defaultRetry waits about 1, 2 and 4 s between four attempts, so a page
// gives up within roughly 10 s of backoff plus the request timeouts.
var defaultRetry = retryPolicy{attempts: 4, base: time.Second, max: 30 * time.Second, maxWait: 2 * time.Minute}

// Retry reasons (retries_total reason label).
const (
	retryTimeout = "timeout"
	retry5xx     = "5xx"
	retry429     = "429"
)

// errHostBackoff is returned (wrapped) when a host asked for a pause
// longer than the crawler waits within a poll.
var errHostBackoff = errors.New("host asked to wait (Retry-After) longer than a poll waits")

// backoff returns the wait before retry number n (0 for the first
// retry): base·2ⁿ capped at max, with "equal jitter" (half fixed, half
// random) so replicas retrying together spread out but never retry at
// once. rnd returns a uniform value in [0, d).
func (p retryPolicy) backoff(n int, rnd func(time.Duration) time.Duration) time.Duration {
	d := p.base
	for i := 0; i < n && d < p.max; i++ {
		d *= 2
	}
	d = min(d, p.max)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rnd(half)
}

// randDuration is the default jitter source.
func randDuration(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryReason says whether a response status is worth a retry and why.
func retryReason(status int) (string, bool) {
	switch {
	case status == http.StatusTooManyRequests:
		return retry429, true
	case status >= 500 && status != http.StatusNotImplemented && status < 600:
		return retry5xx, true
	}
	return "", false
}

// isTimeout reports whether err is a request that ran out of time (the
// request timeout, a dial or header timeout), as opposed to a refusal.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseRetryAfter reads a Retry-After header, in delay-seconds or as an
// HTTP date (relative to now); ok is false when it is absent or invalid.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		// Cap before converting so a huge value cannot overflow.
		return time.Duration(min(n, int64(365*24*3600))) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// hostGate remembers, per host, the earliest time the next request may be
// sent, so a Retry-After or backoff learnt by one poll holds for every
// source fetching from that host. Colly's per-host delay still applies on
// top of it. It is safe for concurrent use.
type hostGate struct {
	mu        sync.Mutex
	notBefore map[string]time.Time
}

func newHostGate() *hostGate { return &hostGate{notBefore: make(map[string]time.Time)} }

// hold keeps host's requests back until t (a later hold wins).
func (g *hostGate) hold(host string, t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.notBefore[host]) {
		g.notBefore[host] = t
	}
}

// wait returns how long a request to host must still wait at now, and
// forgets holds that have passed.
func (g *hostGate) wait(host string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.notBefore[host]
	if !ok {
		return 0
	}
	if !t.After(now) {
		delete(g.notBefore, host)
		return 0
	}
	return t.Sub(now)
}
