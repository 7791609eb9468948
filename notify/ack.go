package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Errors of Verify. Both mean the acknowledgement is not accepted; the
// console tells the user which (链接无效 / 链接已过期).
var (
	ErrAckInvalid = errors.New("acknowledgement token is invalid")
	ErrAckExpired = errors.New("acknowledgement token has expired")
)

// AckClaims is what an acknowledgement link says: this recipient has seen
// this notification (and its escalations) of this incident.
type AckClaims struct {
	IncidentID string `json:"i"`
	// Key is the root notification key (see RootKey), so acknowledging
	// any message of an escalation chain stops the whole chain.
	Key       string `json:"k"`
	Recipient string `json:"r"`
	// Expires is when the link stops working, in Unix seconds.
	Expires int64 `json:"e"`
}

// ackDomain separates ack signatures from any other HMAC made with the
// same secret.
const ackDomain = "yuqing-ack-v1."

// Acker signs and verifies acknowledgement tokens: base64url(JSON claims)
// "." base64url(HMAC-SHA256). The token needs no server-side state, so a
// link works after a restart and on any console replica.
type Acker struct {
	secret []byte
	base   string
	ttl    time.Duration
	now    func() time.Time
}

// NewAcker returns an Acker whose links point at base (the console's
// acknowledgement endpoint) and expire after ttl.
func NewAcker(secret, base string, ttl time.Duration, now func() time.Time) (*Acker, error) {
	if len(secret) < 16 {
		return nil, errors.New("cannot create acknowledgement signer: the secret must be at least 16 bytes")
	}
	if err := checkURL(base); err != nil {
		return nil, fmt.Errorf("cannot create acknowledgement signer: %w", err)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("cannot create acknowledgement signer: ttl %s is not positive", ttl)
	}
	if now == nil {
		now = time.Now
	}
	return &Acker{secret: []byte(secret), base: base, ttl: ttl, now: now}, nil
}

// Token signs c; a zero Expires is set to now + ttl.
func (a *Acker) Token(c AckClaims) string {
	if c.Expires == 0 {
		c.Expires = a.now().Add(a.ttl).Unix()
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("BUG: cannot encode ack claims: %v", err))
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(a.mac(payload))
}

func (a *Acker) mac(payload string) []byte {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(ackDomain + payload))
	return m.Sum(nil)
}

// Link is the acknowledgement URL carrying a token for c.
func (a *Acker) Link(c AckClaims) string {
	sep := "?"
	if strings.Contains(a.base, "?") {
		sep = "&"
	}
	return a.base + sep + "token=" + url.QueryEscape(a.Token(c))
}

// Verify checks a token's signature and expiry and returns its claims.
func (a *Acker) Verify(token string) (AckClaims, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return AckClaims{}, ErrAckInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, a.mac(payload)) {
		return AckClaims{}, ErrAckInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return AckClaims{}, ErrAckInvalid
	}
	var c AckClaims
	if err := json.Unmarshal(b, &c); err != nil || c.IncidentID == "" || c.Key == "" {
		return AckClaims{}, ErrAckInvalid
	}
	if !a.now().Before(time.Unix(c.Expires, 0)) {
		return c, ErrAckExpired
	}
	return c, nil
}

// escalationSep joins a root notification key and an escalation step.
const escalationSep = "/escalation-"

// EscalationKey is the notification key of step n of the escalation of
// root.
func EscalationKey(root string, step int) string {
	return fmt.Sprintf("%s%s%d", root, escalationSep, step)
}

// RootKey strips the escalation step from a notification key: the key of
// the notification that started the chain.
func RootKey(key string) string {
	if i := strings.LastIndex(key, escalationSep); i >= 0 {
		return key[:i]
	}
	return key
}
