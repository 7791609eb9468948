package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a test robot API: it hands each request to check, which
// fails the test on a wrong signature or payload, and answers with reply.
type recorder struct {
	mu       sync.Mutex
	requests int
}

func newRobotServer(t *testing.T, check func(t *testing.T, r *http.Request, body []byte), status int, reply string) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("cannot read request: %v", err)
		}
		rec.mu.Lock()
		rec.requests++
		rec.mu.Unlock()
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
		if check != nil {
			check(t, r, body)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

const testSecret = "SECtest-secret-0123456789"

func TestWebhookChannel(t *testing.T) {
	clock := newClock(testNow)
	m := testMessage(map[string]string{"hook": "13800000000"})
	m.IdempotencyKey = DeliveryKey(m.IncidentID, m.Key, "hook", "zhang")
	srv, rec := newRobotServer(t, func(t *testing.T, r *http.Request, body []byte) {
		// The receiver's check, written out independently of SignWebhook.
		ts := r.Header.Get("X-Yuqing-Timestamp")
		if ts != strconv.FormatInt(testNow.Unix(), 10) {
			t.Errorf("timestamp header = %q, want %d", ts, testNow.Unix())
		}
		mac := hmac.New(sha256.New, []byte(testSecret))
		mac.Write([]byte(ts + "." + string(body)))
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); r.Header.Get("X-Yuqing-Signature") != want {
			t.Errorf("signature = %q, want %q", r.Header.Get("X-Yuqing-Signature"), want)
		}
		if err := VerifyWebhook([]byte(testSecret), r.Header, body, testNow.Add(time.Minute), 5*time.Minute); err != nil {
			t.Errorf("VerifyWebhook: %v", err)
		}
		if err := VerifyWebhook([]byte("another secret!!"), r.Header, body, testNow, 5*time.Minute); err == nil {
			t.Error("VerifyWebhook accepted a wrong secret")
		}
		if err := VerifyWebhook([]byte(testSecret), r.Header, append([]byte(" "), body...), testNow, 5*time.Minute); err == nil {
			t.Error("VerifyWebhook accepted a changed body")
		}
		if err := VerifyWebhook([]byte(testSecret), r.Header, body, testNow.Add(time.Hour), 5*time.Minute); err == nil {
			t.Error("VerifyWebhook accepted a replay an hour later")
		}
		if got := r.Header.Get("Idempotency-Key"); got != m.IdempotencyKey {
			t.Errorf("Idempotency-Key = %q, want %q", got, m.IdempotencyKey)
		}
		var p WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("payload is not JSON: %v", err)
		}
		if p.ID != m.IdempotencyKey || p.IncidentID != "INC-0123abcd" || p.Key != "R-5H/reminder/1h" || p.Kind != KindReminder ||
			p.Title != testTitle || p.Level != LevelII || p.LevelName != "重大" || p.State != "处置中" ||
			p.Countdown != testCountdown || !p.DueAt.Equal(m.DueAt) || p.AckURL != m.AckURL ||
			p.Recipient != (Contact{ID: "zhang", Name: "张三", Address: "13800000000"}) {
			t.Errorf("payload = %+v", p)
		}
		mustContain(t, "payload text", p.Text, testCountdown, "Ⅱ级（重大）")
	}, 200, `{"ok":true}`)
	ch, err := NewWebhook("hook", srv.URL+"/duty", testSecret, HTTPOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if rec.count() != 1 {
		t.Errorf("server got %d requests, want 1", rec.count())
	}
}

func TestDingTalkChannel(t *testing.T) {
	clock := newClock(testNow)
	m := testMessage(map[string]string{"ding": "13800000000"})
	srv, _ := newRobotServer(t, func(t *testing.T, r *http.Request, body []byte) {
		if r.URL.Path != "/robot/send" {
			t.Errorf("path = %q", r.URL.Path)
		}
		q := r.URL.Query()
		if q.Get("access_token") != "tok123" {
			t.Errorf("access_token = %q", q.Get("access_token"))
		}
		ts := q.Get("timestamp")
		if ts != strconv.FormatInt(testNow.UnixMilli(), 10) {
			t.Errorf("timestamp = %q, want milliseconds %d", ts, testNow.UnixMilli())
		}
		// DingTalk: HMAC-SHA256 keyed with the secret over
		// timestamp+"\n"+secret, base64, URL-encoded.
		mac := hmac.New(sha256.New, []byte(testSecret))
		mac.Write([]byte(ts + "\n" + testSecret))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if q.Get("sign") != want {
			t.Errorf("sign = %q, want %q", q.Get("sign"), want)
		}
		if !strings.Contains(r.URL.RawQuery, "sign="+url.QueryEscape(want)) {
			t.Errorf("sign is not URL-encoded in %q", r.URL.RawQuery)
		}
		var p struct {
			MsgType  string `json:"msgtype"`
			Markdown struct{ Title, Text string }
			At       struct {
				AtMobiles []string `json:"atMobiles"`
				IsAtAll   bool     `json:"isAtAll"`
			}
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.MsgType != "markdown" || len(p.At.AtMobiles) != 1 || p.At.AtMobiles[0] != "13800000000" || p.At.IsAtAll {
			t.Errorf("payload = %s", body)
		}
		mustContain(t, "title", p.Markdown.Title, "【舆情 INC-0123abcd】", testTitle)
		mustContain(t, "text", p.Markdown.Text, "**"+testCountdown+"**", "Ⅱ级（重大）", "[确认收到](", "@13800000000")
	}, 200, `{"errcode":0,"errmsg":"ok"}`)
	ch, err := NewDingTalk("ding", srv.URL+"/robot/send", "tok123", testSecret, HTTPOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ch.Send(context.Background(), m)
	if err != nil || rc.Remote != "ok" {
		t.Fatalf("Send = %+v, %v", rc, err)
	}
}

func TestWeComChannel(t *testing.T) {
	m := testMessage(map[string]string{"wecom": "ZhangSan"})
	srv, _ := newRobotServer(t, func(t *testing.T, r *http.Request, body []byte) {
		if r.URL.Path != "/cgi-bin/webhook/send" || r.URL.Query().Get("key") != "693a91f6-7xxx" {
			t.Errorf("url = %s", r.URL)
		}
		var p struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			}
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.MsgType != "markdown" {
			t.Errorf("msgtype = %q", p.MsgType)
		}
		mustContain(t, "content", p.Markdown.Content, "【舆情 INC-0123abcd】", testTitle, testCountdown, "<@ZhangSan>")
		if len(p.Markdown.Content) > 4096 {
			t.Errorf("content is %d bytes, over WeCom's 4096", len(p.Markdown.Content))
		}
	}, 200, `{"errcode":0,"errmsg":"ok"}`)
	ch, err := NewWeCom("wecom", srv.URL+"/cgi-bin/webhook/send", "693a91f6-7xxx", HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	// A note long enough to pass the limit is cut, and the mention kept.
	long := m
	long.Note = strings.Repeat("说明", 1500)
	if _, err := ch.Send(context.Background(), long); err != nil {
		t.Fatal(err)
	}
}

func TestFeishuChannel(t *testing.T) {
	clock := newClock(testNow)
	m := testMessage(map[string]string{"feishu": "ou_123"})
	srv, _ := newRobotServer(t, func(t *testing.T, r *http.Request, body []byte) {
		if r.URL.Path != "/open-apis/bot/v2/hook/hook-token" {
			t.Errorf("path = %q", r.URL.Path)
		}
		var p struct {
			Timestamp string `json:"timestamp"`
			Sign      string `json:"sign"`
			MsgType   string `json:"msg_type"`
			Card      struct {
				Header struct {
					Template string
					Title    struct{ Tag, Content string }
				}
				Elements []struct {
					Tag     string
					Text    struct{ Tag, Content string }
					Actions []struct {
						Tag, URL string
						Text     struct{ Content string }
					}
				}
			}
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Timestamp != strconv.FormatInt(testNow.Unix(), 10) {
			t.Errorf("timestamp = %q, want seconds %d", p.Timestamp, testNow.Unix())
		}
		// Feishu: HMAC-SHA256 keyed with timestamp+"\n"+secret over an
		// empty message, base64.
		mac := hmac.New(sha256.New, []byte(p.Timestamp+"\n"+testSecret))
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); p.Sign != want {
			t.Errorf("sign = %q, want %q", p.Sign, want)
		}
		if p.MsgType != "interactive" || p.Card.Header.Template != "red" || len(p.Card.Elements) != 2 {
			t.Fatalf("payload = %s", body)
		}
		mustContain(t, "header", p.Card.Header.Title.Content, "【舆情 INC-0123abcd】", testTitle)
		mustContain(t, "card text", p.Card.Elements[0].Text.Content, testCountdown, "Ⅱ级（重大）", "<at id=ou_123></at>")
		acts := p.Card.Elements[1].Actions
		if len(acts) != 2 || acts[0].URL != m.AckURL || acts[0].Text.Content != "确认收到" || acts[1].URL != m.ConsoleURL {
			t.Errorf("buttons = %+v", acts)
		}
	}, 200, `{"code":0,"msg":"success","data":{}}`)
	ch, err := NewFeishu("feishu", srv.URL+"/open-apis/bot/v2/hook/", "hook-token", testSecret, HTTPOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// TestRobotErrors checks which answers are worth a retry.
func TestRobotErrors(t *testing.T) {
	type kind int
	const (
		ok kind = iota
		retryable
		permanent
	)
	build := map[string]func(base string) (Channel, error){
		"webhook":  func(b string) (Channel, error) { return NewWebhook("c", b, testSecret, HTTPOptions{}) },
		"dingtalk": func(b string) (Channel, error) { return NewDingTalk("c", b, "t", testSecret, HTTPOptions{}) },
		"wecom":    func(b string) (Channel, error) { return NewWeCom("c", b, "k", HTTPOptions{}) },
		"feishu":   func(b string) (Channel, error) { return NewFeishu("c", b, "t", testSecret, HTTPOptions{}) },
	}
	for _, tc := range []struct {
		channel string
		status  int
		reply   string
		want    kind
	}{
		{"webhook", 200, `{}`, ok},
		{"webhook", 500, `oops`, retryable},
		{"webhook", 503, ``, retryable},
		{"webhook", 429, ``, retryable},
		{"webhook", 400, `bad`, permanent},
		{"webhook", 401, ``, permanent},
		{"dingtalk", 200, `{"errcode":310000,"errmsg":"sign not match"}`, permanent},
		{"dingtalk", 200, `{"errcode":300001,"errmsg":"token is not exist"}`, permanent},
		{"dingtalk", 200, `{"errcode":130101,"errmsg":"send too fast"}`, retryable},
		{"dingtalk", 502, `<html>bad gateway</html>`, retryable},
		{"dingtalk", 200, `<html>portal</html>`, retryable},
		{"wecom", 200, `{"errcode":93000,"errmsg":"invalid webhook url"}`, permanent},
		{"wecom", 200, `{"errcode":45009,"errmsg":"api freq out of limit"}`, retryable},
		{"wecom", 200, `{"errcode":-1,"errmsg":"system busy"}`, retryable},
		{"feishu", 200, `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`, permanent},
		{"feishu", 200, `{"code":11232,"msg":"frequency limited"}`, retryable},
		{"feishu", 200, `{"StatusCode":0,"StatusMessage":"success"}`, ok},
		{"feishu", 400, `{"code":9499,"msg":"Bad Request"}`, permanent},
	} {
		t.Run(fmt.Sprintf("%s %d %s", tc.channel, tc.status, tc.reply), func(t *testing.T) {
			srv, _ := newRobotServer(t, nil, tc.status, tc.reply)
			ch, err := build[tc.channel](srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			_, err = ch.Send(context.Background(), testMessage(map[string]string{"c": ""}))
			got := ok
			if err != nil {
				got = retryable
				if IsPermanent(err) {
					got = permanent
				}
			}
			if got != tc.want {
				t.Errorf("Send error = %v, kind %d, want kind %d", err, got, tc.want)
			}
		})
	}
}

// TestErrorsHideCredentials: a failed request must not put the robot's
// token into an error (and so into logs).
func TestErrorsHideCredentials(t *testing.T) {
	ch, err := NewDingTalk("ding", "http://127.0.0.1:1/robot/send", "very-secret-token", testSecret, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.Send(context.Background(), testMessage(map[string]string{"ding": ""}))
	if err == nil || IsPermanent(err) {
		t.Fatalf("Send to a closed port = %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "very-secret-token") || strings.Contains(err.Error(), "sign=") {
		t.Errorf("error leaks the URL: %v", err)
	}
}
