package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeChannel returns the scripted errors for its first sends, then
// succeeds, and keeps every message it was asked to send.
type fakeChannel struct {
	name   string
	mu     sync.Mutex
	script []error
	calls  []Message
}

func (c *fakeChannel) Name() string { return c.name }

func (c *fakeChannel) Send(_ context.Context, m Message) (Receipt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, m)
	if n := len(c.calls); n <= len(c.script) && c.script[n-1] != nil {
		return Receipt{}, c.script[n-1]
	}
	return Receipt{Channel: c.name, At: m.At, Remote: "ok"}, nil
}

func (c *fakeChannel) sent() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.calls...)
}

// testDispatcher builds a dispatcher whose sleeps are recorded, not slept.
type testDispatcher struct {
	*Dispatcher
	reg    *prometheus.Registry
	clock  *fakeClock
	mu     sync.Mutex
	sleeps []time.Duration
}

func newTestDispatcher(t *testing.T, chans []Channel, dl DeliveryLog, o DispatcherOptions) *testDispatcher {
	t.Helper()
	td := &testDispatcher{reg: prometheus.NewRegistry(), clock: newClock(testNow)}
	if o.Now == nil {
		o.Now = td.clock.Now
	}
	o.Sleep = func(ctx context.Context, d time.Duration) error {
		td.mu.Lock()
		td.sleeps = append(td.sleeps, d)
		td.mu.Unlock()
		td.clock.Add(d)
		return ctx.Err()
	}
	o.Jitter = func() float64 { return 0.5 }
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := NewDispatcher(chans, dl, td.reg, o)
	if err != nil {
		t.Fatal(err)
	}
	td.Dispatcher = d
	return td
}

func (td *testDispatcher) counter(channel, result string) float64 {
	return testutil.ToFloat64(td.m.notifications.WithLabelValues(channel, result))
}

// TestDispatchRetriesThenSucceeds runs the real webhook channel against a
// server that fails twice with 503.
func TestDispatchRetriesThenSucceeds(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := VerifyWebhook([]byte(testSecret), r.Header, body, time.Now(), time.Hour*24*365*10); err != nil {
			t.Errorf("bad signature: %v", err)
		}
		mu.Lock()
		keys = append(keys, r.Header.Get(HeaderIdempotencyKey))
		n := len(keys)
		mu.Unlock()
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	hook, err := NewWebhook("hook", srv.URL, testSecret, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log := NewMemoryLog()
	td := newTestDispatcher(t, []Channel{hook}, log, DispatcherOptions{Retry: RetryPolicy{Attempts: 5, Initial: time.Second, Max: time.Minute}})
	dels, err := td.Dispatch(context.Background(), testMessage(map[string]string{"hook": ""}))
	if err != nil {
		t.Fatalf("Dispatch: %v", err)
	}
	if len(dels) != 1 || dels[0].Status != StatusSent || dels[0].Attempts != 3 {
		t.Fatalf("deliveries = %+v, want one sent after 3 attempts", dels)
	}
	want := DeliveryKey("INC-0123abcd", "R-5H/reminder/1h", "hook", "zhang")
	if len(keys) != 3 || keys[0] != want || keys[2] != want {
		t.Errorf("idempotency keys = %v, want 3× %s", keys, want)
	}
	// Backoff 1 s then 2 s, each with half of it jittered (jitter 0.5).
	if len(td.sleeps) != 2 || td.sleeps[0] != 750*time.Millisecond || td.sleeps[1] != 1500*time.Millisecond {
		t.Errorf("sleeps = %v, want [750ms 1.5s]", td.sleeps)
	}
	if got := testutil.ToFloat64(td.m.retries.WithLabelValues("hook")); got != 2 {
		t.Errorf("retries metric = %v, want 2", got)
	}
	if td.counter("hook", "sent") != 1 {
		t.Errorf("sent metric = %v, want 1", td.counter("hook", "sent"))
	}
	if n := testutil.CollectAndCount(td.reg, "yuqing_responder_notification_delivery_seconds"); n != 1 {
		t.Errorf("delivery latency series = %d, want 1", n)
	}
}

func TestDispatchFailures(t *testing.T) {
	for _, tc := range []struct {
		name          string
		script        []error
		wantCalls     int
		wantStatus    Status
		wantPermanent bool
		wantErr       bool
		// whether a later Dispatch sends again
		resend bool
	}{
		{"permanent error is not retried", []error{Permanent(errors.New("sign not match"))}, 1, StatusFailed, true, false, false},
		{"retries exhausted", []error{errors.New("503"), errors.New("503"), errors.New("503")}, 3, StatusFailed, false, true, true},
		{"permanent after a retry", []error{errors.New("503"), Permanent(errors.New("bad key"))}, 2, StatusFailed, true, false, false},
		{"success on last attempt", []error{errors.New("503"), errors.New("503")}, 3, StatusSent, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := &fakeChannel{name: "c", script: tc.script}
			td := newTestDispatcher(t, []Channel{ch}, NewMemoryLog(), DispatcherOptions{Retry: RetryPolicy{Attempts: 3, Initial: time.Second, Max: time.Minute}})
			m := testMessage(map[string]string{"c": ""})
			dels, err := td.Dispatch(context.Background(), m)
			if (err != nil) != tc.wantErr {
				t.Errorf("Dispatch error = %v, want error %v", err, tc.wantErr)
			}
			if len(ch.sent()) != tc.wantCalls {
				t.Errorf("channel called %d times, want %d", len(ch.sent()), tc.wantCalls)
			}
			if len(dels) != 1 || dels[0].Status != tc.wantStatus || dels[0].Permanent != tc.wantPermanent || dels[0].Attempts != tc.wantCalls {
				t.Fatalf("deliveries = %+v", dels)
			}
			before := len(ch.sent())
			if _, err := td.Dispatch(context.Background(), m); err != nil {
				t.Fatalf("second Dispatch: %v", err)
			}
			if resent := len(ch.sent()) > before; resent != tc.resend {
				t.Errorf("second Dispatch sent again: %v, want %v", resent, tc.resend)
			}
		})
	}
}

func TestDispatchIdempotent(t *testing.T) {
	m := testMessage(map[string]string{"a": "", "b": ""})
	m.Recipients = append(m.Recipients, Recipient{ID: "li", Name: "李四", Contacts: map[string]string{"a": ""}})

	t.Run("memory log, concurrent dispatches", func(t *testing.T) {
		a, b := &fakeChannel{name: "a"}, &fakeChannel{name: "b"}
		td := newTestDispatcher(t, []Channel{a, b}, NewMemoryLog(), DispatcherOptions{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := td.Dispatch(context.Background(), m); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(a.sent()) != 2 || len(b.sent()) != 1 {
			t.Errorf("sends: a %d (want 2: zhang and li), b %d (want 1)", len(a.sent()), len(b.sent()))
		}
		if td.counter("a", "duplicate") != 14 {
			t.Errorf("duplicates on a = %v, want 14", td.counter("a", "duplicate"))
		}
	})

	t.Run("file log survives a restart", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "deliveries.jsonl")
		a, b := &fakeChannel{name: "a"}, &fakeChannel{name: "b"}
		fl, err := OpenFileLog(path)
		if err != nil {
			t.Fatal(err)
		}
		td := newTestDispatcher(t, []Channel{a, b}, fl, DispatcherOptions{})
		if _, err := td.Dispatch(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if err := fl.Close(); err != nil {
			t.Fatal(err)
		}
		// A crash in the middle of a write leaves a torn last line.
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"key":"torn`)
		f.Close()

		fl2, err := OpenFileLog(path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer fl2.Close()
		if got := len(fl2.Deliveries("INC-0123abcd")); got != 3 {
			t.Errorf("reloaded %d deliveries, want 3", got)
		}
		td2 := newTestDispatcher(t, []Channel{a, b}, fl2, DispatcherOptions{})
		dels, err := td2.Dispatch(context.Background(), m)
		if err != nil || len(dels) != 0 {
			t.Fatalf("Dispatch after restart = %+v, %v; want nothing new", dels, err)
		}
		if len(a.sent()) != 2 || len(b.sent()) != 1 {
			t.Errorf("sends after restart: a %d, b %d; want 2 and 1", len(a.sent()), len(b.sent()))
		}
		// A different notification key is a different notification.
		next := m
		next.Key = "R-5H/breach"
		if _, err := td2.Dispatch(context.Background(), next); err != nil {
			t.Fatal(err)
		}
		if len(a.sent()) != 4 {
			t.Errorf("a new key sent %d times on a, want 2 more", len(a.sent())-2)
		}
		// The log written after the torn line reloads cleanly.
		fl2.Close()
		fl3, err := OpenFileLog(path)
		if err != nil {
			t.Fatalf("third open: %v", err)
		}
		defer fl3.Close()
		if got := len(fl3.Deliveries("")); got != 6 {
			t.Errorf("reloaded %d deliveries, want 6", got)
		}
	})

	t.Run("corrupt line in the middle is an error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "deliveries.jsonl")
		os.WriteFile(path, []byte("{\"key\":\"a\",\"status\":\"sent\"}\nnot json\n{\"key\":\"b\"}\n"), 0o600)
		if _, err := OpenFileLog(path); err == nil {
			t.Error("OpenFileLog accepted a corrupt line")
		}
	})
}

func TestDispatchThreadAndAck(t *testing.T) {
	clock := newClock(testNow)
	acker, err := NewAcker("0123456789abcdef0123", "https://yuqing.example.gov.cn/api/v1/ack", time.Hour, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	ch := &fakeChannel{name: "mail"}
	td := newTestDispatcher(t, []Channel{ch}, NewMemoryLog(), DispatcherOptions{Acker: acker})
	m := testMessage(map[string]string{"mail": "z@example.gov.cn"})
	m.Key = EscalationKey("R-5H/breach", 1)
	if _, err := td.Dispatch(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := ch.sent()[0]
	if want := DeliveryKey(m.IncidentID, ThreadRootKey, "mail", "zhang"); got.ThreadKey != want {
		t.Errorf("ThreadKey = %q, want the opened message's key %q", got.ThreadKey, want)
	}
	token := got.AckURL[len("https://yuqing.example.gov.cn/api/v1/ack?token="):]
	claims, err := acker.Verify(unescape(t, token))
	if err != nil {
		t.Fatalf("ack link does not verify: %v (%s)", err, got.AckURL)
	}
	if claims.IncidentID != m.IncidentID || claims.Key != "R-5H/breach" || claims.Recipient != "zhang" {
		t.Errorf("claims = %+v, want the root key and the recipient", claims)
	}
}

func TestQuietHours(t *testing.T) {
	q, err := ParseQuietHours("22:00", "07:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at    time.Time
		quiet bool
		until time.Time
	}{
		{cst(2026, 11, 21, 21, 59), false, time.Time{}},
		{cst(2026, 11, 21, 22, 0), true, cst(2026, 11, 22, 7, 0)},
		{cst(2026, 11, 21, 23, 30), true, cst(2026, 11, 22, 7, 0)},
		{cst(2026, 11, 22, 0, 0), true, cst(2026, 11, 22, 7, 0)},
		{cst(2026, 11, 22, 6, 59), true, cst(2026, 11, 22, 7, 0)},
		{cst(2026, 11, 22, 7, 0), false, time.Time{}},
		// The same instant given in UTC is judged in Shanghai.
		{time.Date(2026, 11, 21, 15, 30, 0, 0, time.UTC), true, cst(2026, 11, 22, 7, 0)},
	} {
		until, quiet := q.Until(tc.at)
		if quiet != tc.quiet || !until.Equal(tc.until) {
			t.Errorf("Until(%s) = %s, %v; want %s, %v", tc.at, until, quiet, tc.until, tc.quiet)
		}
	}
	day, _ := ParseQuietHours("12:00", "14:00")
	if _, quiet := day.Until(cst(2026, 11, 21, 13, 0)); !quiet {
		t.Error("a daytime quiet period does not hold at 13:00")
	}
	if _, quiet := (QuietHours{}).Until(cst(2026, 11, 21, 23, 0)); quiet {
		t.Error("zero QuietHours holds back")
	}
}

func TestDispatchQuietHours(t *testing.T) {
	ch := &fakeChannel{name: "c"}
	q, _ := ParseQuietHours("22:00", "07:00")
	log := NewMemoryLog()
	td := newTestDispatcher(t, []Channel{ch}, log, DispatcherOptions{Quiet: q})
	td.clock.Set(cst(2026, 11, 21, 23, 30))

	for _, tc := range []struct {
		level Level
		held  bool
	}{{LevelI, false}, {LevelII, false}, {"", false}, {LevelIII, true}, {LevelIV, true}} {
		m := testMessage(map[string]string{"c": ""})
		m.Level, m.Key = tc.level, "opened-"+string(tc.level)
		m.DueAt = cst(2026, 11, 22, 9, 0)
		dels, err := td.Dispatch(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		want := StatusSent
		if tc.held {
			want = StatusHeld
		}
		if len(dels) != 1 || dels[0].Status != want {
			t.Fatalf("level %s: deliveries %+v, want %s", tc.level, dels, want)
		}
		if tc.held && !dels[0].HoldUntil.Equal(cst(2026, 11, 22, 7, 0)) {
			t.Errorf("level %s held until %s, want 07:00", tc.level, dels[0].HoldUntil)
		}
		// Dispatching again while held neither sends nor logs again.
		if dels, err := td.Dispatch(context.Background(), m); err != nil || len(dels) != 0 {
			t.Errorf("level %s second dispatch = %+v, %v", tc.level, dels, err)
		}
	}
	if n := len(ch.sent()); n != 3 {
		t.Fatalf("sent during quiet hours: %d, want 3 (levels I, II and ungraded)", n)
	}
	if td.Held() != 2 || td.counter("c", "held") != 2 {
		t.Errorf("held = %d, metric %v; want 2", td.Held(), td.counter("c", "held"))
	}

	td.clock.Set(cst(2026, 11, 22, 6, 59))
	if dels, err := td.ReleaseHeld(context.Background()); err != nil || len(dels) != 0 {
		t.Fatalf("ReleaseHeld before 07:00 = %+v, %v", dels, err)
	}
	td.clock.Set(cst(2026, 11, 22, 7, 0))
	dels, err := td.ReleaseHeld(context.Background())
	if err != nil || len(dels) != 2 || dels[0].Status != StatusSent || dels[1].Status != StatusSent {
		t.Fatalf("ReleaseHeld at 07:00 = %+v, %v", dels, err)
	}
	sent := ch.sent()
	if len(sent) != 5 || td.Held() != 0 {
		t.Fatalf("sent %d, held %d; want 5 and 0", len(sent), td.Held())
	}
	// The released message's countdown is from when it was sent.
	if r := Render(sent[4]); !strings.Contains(r.Text, "距5小时权威发布时限还剩 2小时") {
		t.Errorf("released message countdown:\n%s", r.Text)
	}
	if dels, _ := td.ReleaseHeld(context.Background()); len(dels) != 0 {
		t.Errorf("second ReleaseHeld sent again: %+v", dels)
	}
	var statuses []Status
	for _, d := range log.Deliveries("INC-0123abcd") {
		statuses = append(statuses, d.Status)
	}
	if want := "sent sent sent held held sent sent"; fmt.Sprint(statuses) != "["+want+"]" {
		t.Errorf("log statuses = %v, want %s", statuses, want)
	}
}

func TestDispatchUnreachableRecipient(t *testing.T) {
	ch := &fakeChannel{name: "c"}
	td := newTestDispatcher(t, []Channel{ch}, NewMemoryLog(), DispatcherOptions{})
	m := testMessage(map[string]string{"sms": "138"})
	if dels, err := td.Dispatch(context.Background(), m); err != nil || len(dels) != 0 {
		t.Fatalf("Dispatch = %+v, %v", dels, err)
	}
	if td.counter("none", "unreachable") != 1 {
		t.Error("an unreachable recipient was not counted")
	}
}

func unescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestDispatchShutdown: a shutdown during the backoff leaves the delivery
// not final, so the dispatch after the restart sends it.
func TestDispatchShutdown(t *testing.T) {
	ch := &fakeChannel{name: "c", script: []error{errors.New("503")}}
	log := NewMemoryLog()
	td := newTestDispatcher(t, []Channel{ch}, log, DispatcherOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := testMessage(map[string]string{"c": ""})
	dels, err := td.Dispatch(ctx, m)
	if !errors.Is(err, context.Canceled) || len(dels) != 1 || dels[0].Status != StatusFailed || dels[0].Final() {
		t.Fatalf("Dispatch on shutdown = %+v, %v; want a failed, not final delivery and context.Canceled", dels, err)
	}
	if dels, err := td.Dispatch(context.Background(), m); err != nil || len(dels) != 1 || dels[0].Status != StatusSent {
		t.Fatalf("Dispatch after restart = %+v, %v; want sent", dels, err)
	}
	if len(ch.sent()) != 2 {
		t.Errorf("channel called %d times, want 2", len(ch.sent()))
	}
}
