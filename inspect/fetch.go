package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// UserAgent is what the inspector says it is.
const UserAgent = "yuqing-inspector/1 (+政府网站自查)"

// errRobots is returned for a URL robots.txt disallows.
var errRobots = errors.New("disallowed by robots.txt")

// errCap is returned once a run has made as many requests as it may.
var errCap = errors.New("the run's cap on requests is reached")

// politeClient fetches for one inspection run: it obeys robots.txt of every
// host, spaces its requests to one host by delay, and refuses requests
// beyond its cap. It is safe for concurrent use.
type politeClient struct {
	hc    *http.Client
	delay time.Duration
	cap   int
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
	m     *metrics

	mu     sync.Mutex
	next   map[string]time.Time // host → earliest next request
	robots map[string]*robotstxt.RobotsData
	used   int
}

func newPoliteClient(hc *http.Client, delay time.Duration, cap int, m *metrics, now func() time.Time) *politeClient {
	return &politeClient{hc: hc, delay: delay, cap: cap, m: m, now: now, sleep: sleepCtx,
		next: map[string]time.Time{}, robots: map[string]*robotstxt.RobotsData{}}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// wait takes the host's next slot, sleeping until it comes.
func (c *politeClient) wait(ctx context.Context, host string) error {
	c.mu.Lock()
	now := c.now()
	at := c.next[host]
	if at.Before(now) {
		at = now
	}
	c.next[host] = at.Add(c.delay)
	c.mu.Unlock()
	return c.sleep(ctx, at.Sub(now))
}

// take counts one request against the cap.
func (c *politeClient) take() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used >= c.cap {
		return false
	}
	c.used++
	return true
}

// allowed reports whether robots.txt of u's host lets the inspector fetch
// u. robots.txt is read once per run and host; when it cannot be read
// (missing, a server error, the host unreachable) everything is allowed,
// and an unreachable host fails on the request itself.
func (c *politeClient) allowed(ctx context.Context, u *url.URL) bool {
	host := u.Scheme + "://" + u.Host
	c.mu.Lock()
	rd, ok := c.robots[host]
	c.mu.Unlock()
	if !ok {
		rd = c.readRobots(ctx, host)
		c.mu.Lock()
		c.robots[host] = rd
		c.mu.Unlock()
	}
	if rd == nil {
		return true
	}
	return rd.TestAgent(u.EscapedPath(), UserAgent)
}

func (c *politeClient) readRobots(ctx context.Context, host string) *robotstxt.RobotsData {
	if err := c.wait(ctx, host); err != nil {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, host+"/robots.txt", nil)
	if err != nil {
		return nil
	}
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.hc.Do(req)
	c.m.requests.WithLabelValues("robots", outcome(resp, err)).Inc()
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	rd, err := robotstxt.FromBytes(body)
	if err != nil {
		return nil
	}
	return rd
}

// response is what a fetch saw.
type response struct {
	status int
	body   []byte
	url    string // after redirects
}

// do sends one request: robots.txt, the cap and the host's delay first.
// A body is read (up to 4 MiB) only for GET.
func (c *politeClient) do(ctx context.Context, method, rawURL string, timeout time.Duration) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if !c.allowed(ctx, u) {
		c.m.requests.WithLabelValues(strings.ToLower(method), "robots").Inc()
		return nil, errRobots
	}
	if !c.take() {
		c.m.requests.WithLabelValues(strings.ToLower(method), "capped").Inc()
		return nil, errCap
	}
	if err := c.wait(ctx, u.Scheme+"://"+u.Host); err != nil {
		return nil, err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.hc.Do(req)
	c.m.requests.WithLabelValues(strings.ToLower(method), outcome(resp, err)).Inc()
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := &response{status: resp.StatusCode, url: resp.Request.URL.String()}
	if method == http.MethodGet {
		if r.body, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// outcome labels a request's result for the metrics.
func outcome(resp *http.Response, err error) string {
	switch {
	case err != nil:
		return "error"
	case resp.StatusCode >= 500:
		return "5xx"
	case resp.StatusCode >= 400:
		return "4xx"
	}
	return "ok"
}

// describeError says in Chinese why a request failed: 域名无法解析, 连接超时,
// 连接被拒绝 or the error itself.
func describeError(err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		return "域名无法解析（" + dns.Name + "）"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "访问超时"
	case strings.Contains(err.Error(), "connection refused"):
		return "连接被拒绝"
	}
	return fmt.Sprintf("无法访问（%v）", err)
}
