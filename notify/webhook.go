package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of the generic webhook.
const (
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256, keyed with
	// the shared secret, of the timestamp header's value, ".", and the body.
	HeaderSignature = "X-Yuqing-Signature"
	// HeaderTimestamp is the Unix time in seconds when the request was
	// signed; receivers reject old ones so a captured request cannot be
	// replayed later.
	HeaderTimestamp = "X-Yuqing-Timestamp"
	// HeaderIdempotencyKey is the delivery's idempotency key: the same
	// notification to the same recipient always has the same key, so a
	// receiver drops a repeat.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// WebhookPayload is the JSON body the generic webhook posts.
type WebhookPayload struct {
	ID         string    `json:"id"` // the idempotency key
	IncidentID string    `json:"incident_id"`
	Key        string    `json:"key"`
	Kind       Kind      `json:"kind"`
	Title      string    `json:"title"`
	Level      Level     `json:"level"`
	LevelName  string    `json:"level_name"`
	State      string    `json:"state"`
	Obligation string    `json:"obligation,omitempty"`
	DueAt      time.Time `json:"due_at,omitzero"`
	Countdown  string    `json:"countdown,omitempty"`
	Step       int       `json:"step"`
	ConsoleURL string    `json:"console_url,omitempty"`
	AckURL     string    `json:"ack_url,omitempty"`
	Recipient  Contact   `json:"recipient"`
	Subject    string    `json:"subject"`
	Text       string    `json:"text"`
	SentAt     time.Time `json:"sent_at"`
}

// Contact is one recipient at one address.
type Contact struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
}

// WebhookChannel posts notifications as signed JSON to an HTTP endpoint
// (an in-house duty system, an SMS gateway, Alertmanager-style receivers).
type WebhookChannel struct {
	name   string
	url    string
	secret []byte
	client *http.Client
	now    func() time.Time
}

// NewWebhook returns a webhook channel posting to target, signing with
// secret.
func NewWebhook(name, target, secret string, o HTTPOptions) (*WebhookChannel, error) {
	if err := checkURL(target); err != nil {
		return nil, fmt.Errorf("cannot create webhook channel %s: %w", name, err)
	}
	if secret == "" {
		return nil, fmt.Errorf("cannot create webhook channel %s: the secret is empty", name)
	}
	return &WebhookChannel{name: name, url: target, secret: []byte(secret), client: o.client(), now: o.clock()}, nil
}

// Name implements Channel.
func (c *WebhookChannel) Name() string { return c.name }

// Send implements Channel.
func (c *WebhookChannel) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := m.Validate(); err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot send on channel %s: %w", c.name, err))
	}
	now := c.now()
	r := Render(m)
	to := m.Recipients[0]
	p := WebhookPayload{
		ID: m.IdempotencyKey, IncidentID: m.IncidentID, Key: m.Key, Kind: m.Kind, Title: m.Title,
		Level: m.Level, LevelName: m.Level.Name(), State: m.State, Obligation: m.Obligation,
		DueAt: m.DueAt, Step: m.Step, ConsoleURL: m.ConsoleURL, AckURL: m.AckURL,
		Recipient: Contact{ID: to.ID, Name: to.Name, Address: to.Contacts[c.name]},
		Subject:   r.Subject, Text: r.Text, SentAt: now.UTC(),
	}
	if !m.DueAt.IsZero() {
		p.Countdown = Countdown(m.Obligation, m.DueAt, m.At)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot encode message %s/%s for channel %s: %w", m.IncidentID, m.Key, c.name, err))
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, "sha256="+SignWebhook(c.secret, ts, body))
	if m.IdempotencyKey != "" {
		h.Set(HeaderIdempotencyKey, m.IdempotencyKey)
	}
	h.Set("User-Agent", "yuqing-notify/1")
	resp, err := postJSON(ctx, c.client, c.name, c.url, h, body)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{Channel: c.name, At: now, Remote: snippet(resp)}, nil
}

// SignWebhook returns the hex HMAC-SHA256 of timestamp + "." + body keyed
// with secret: the value of HeaderSignature after "sha256=".
func SignWebhook(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a received webhook request as a receiver should:
// the signature over the timestamp and body, and a timestamp within
// tolerance of now. It is what the tests use and what a receiver written in
// Go can use.
func VerifyWebhook(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("cannot parse webhook timestamp %q: %w", ts, err)
	}
	if d := now.Sub(time.Unix(sec, 0)).Abs(); d > tolerance {
		return fmt.Errorf("webhook timestamp %s is %s away from now, more than %s", ts, d.Round(time.Second), tolerance)
	}
	sig, ok := strings.CutPrefix(h.Get(HeaderSignature), "sha256=")
	if !ok {
		return errors.New("webhook signature header has no sha256= prefix")
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("cannot decode webhook signature: %w", err)
	}
	want, _ := hex.DecodeString(SignWebhook(secret, ts, body))
	if !hmac.Equal(got, want) {
		return errors.New("webhook signature does not match")
	}
	return nil
}
