package httpserver

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Default write rate limit per client: a person clicking fast makes a few
// writes a second; a script flooding one incident's history is refused.
const (
	DefaultWriteRate  = 10 // writes per second, sustained
	DefaultWriteBurst = 50 // writes at once
)

// WriteRateLimit returns middleware that limits the state-changing
// requests (POST, PUT, PATCH, DELETE) of each client (its remote IP) to
// rate a second with bursts of burst, a token bucket per client. A
// request over the limit gets 429 with Retry-After and is counted in
// yuqing_http_rate_limited_total; reads are never limited. It fails only
// when the counter cannot be registered with reg.
func WriteRateLimit(rate float64, burst int, reg prometheus.Registerer) (Middleware, error) {
	limited := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "yuqing_http_rate_limited_total",
		Help: "State-changing HTTP requests refused with 429 because their client exceeded the per-client write rate.",
	})
	if err := reg.Register(limited); err != nil {
		return nil, err
	}
	l := &limiter{rate: rate, burst: float64(burst), clients: map[string]*bucket{}, now: time.Now}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				host, _, err := net.SplitHostPort(r.RemoteAddr)
				if err != nil {
					host = r.RemoteAddr
				}
				if wait, ok := l.allow(host); !ok {
					limited.Inc()
					w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = w.Write([]byte(`{"error":"too many requests: at most ` + strconv.FormatFloat(rate, 'g', -1, 64) +
						` changes a second per client; try again shortly"}` + "\n"))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

type bucket struct {
	tokens float64
	at     time.Time
}

type limiter struct {
	mu          sync.Mutex
	rate, burst float64
	clients     map[string]*bucket
	now         func() time.Time
}

// allow takes a token of client's bucket; when there is none it says how
// long until there is.
func (l *limiter) allow(client string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.clients) > 10000 {
		// Forget the clients whose buckets are full again.
		for k, b := range l.clients {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.clients, k)
			}
		}
	}
	b, ok := l.clients[client]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.clients[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}
