package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// HTTPOptions are what the HTTP channels share.
type HTTPOptions struct {
	// Client sends the requests; nil means a client with a 10 s timeout.
	Client *http.Client
	// Now is the clock for timestamps and signatures; nil means time.Now.
	Now func() time.Time
}

func (o HTTPOptions) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func (o HTTPOptions) clock() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

// maxResponseBytes bounds what is read of a response: robots answer with a
// few bytes of JSON, and a misbehaving server must not fill memory.
const maxResponseBytes = 64 << 10

// postJSON posts body to target and returns the response body of a 2xx
// answer. Errors never contain target, whose query or path carries the
// robot's credentials; they name the channel instead.
func postJSON(ctx context.Context, client *http.Client, channel, target string, header http.Header, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, Permanent(fmt.Errorf("cannot build request for channel %s: %w", channel, redact(err)))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot post to channel %s: %w", channel, redact(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("cannot read the answer of channel %s: %w", channel, err)
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return b, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		err := fmt.Errorf("channel %s answered %s: %s", channel, resp.Status, snippet(b))
		if d := retryAfter(resp.Header.Get("Retry-After")); d > 0 {
			return nil, &RetryAfterError{After: d, Err: err}
		}
		return nil, err
	default:
		return nil, Permanent(fmt.Errorf("channel %s answered %s: %s", channel, resp.Status, snippet(b)))
	}
}

// redact drops the URL from a *url.Error, which would otherwise put the
// robot's access token into logs.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

func snippet(b []byte) string {
	const n = 200
	s := string(bytes.TrimSpace(b))
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// robotResult turns a robot API's result code into an error: nil for 0, a
// retryable error for the codes that mean "busy" or "too fast", a permanent
// one for the rest (bad signature, bad key, rejected content).
func robotResult(channel string, code int, msg string, retryable []int) error {
	if code == 0 {
		return nil
	}
	err := fmt.Errorf("channel %s refused the message: code %d: %s", channel, code, msg)
	if slices.Contains(retryable, code) {
		return err
	}
	return Permanent(err)
}

// truncateBytes cuts s to at most n bytes on a rune boundary, marking the
// cut, for APIs that limit the content length in bytes.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// checkURL accepts an absolute http(s) URL.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("cannot parse URL: %w", redact(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("URL is not an absolute http(s) URL (scheme %q, host %q)", u.Scheme, u.Host)
	}
	return nil
}
