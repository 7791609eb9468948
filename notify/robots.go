package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Default robot API addresses. Each is configurable, so tests and private
// deployments (钉钉专属版, 私有化飞书) can point elsewhere.
const (
	DefaultDingTalkURL = "https://oapi.dingtalk.com/robot/send"
	DefaultWeComURL    = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
	DefaultFeishuURL   = "https://open.feishu.cn/open-apis/bot/v2/hook/"
)

// Result codes the robot APIs use for "busy" or "too fast": worth a retry
// after a pause. Every other non-zero code (wrong signature, unknown token,
// keyword or IP check failed, bad payload) is permanent.
var (
	dingTalkRetryable = []int{-1, 130101} // 系统繁忙; send too fast (20 messages a minute)
	weComRetryable    = []int{-1, 45009}  // 系统繁忙; api freq out of limit
	feishuRetryable   = []int{11232}      // frequency limited
)

// robotAnswer is the result of the three robot APIs: DingTalk and WeCom
// answer errcode/errmsg, Feishu code/msg (older Feishu endpoints
// StatusCode/StatusMessage).
type robotAnswer struct {
	ErrCode       *int   `json:"errcode"`
	ErrMsg        string `json:"errmsg"`
	Code          *int   `json:"code"`
	Msg           string `json:"msg"`
	StatusCode    *int   `json:"StatusCode"`
	StatusMessage string `json:"StatusMessage"`
}

func decodeAnswer(channel string, b []byte) (code int, msg string, err error) {
	var a robotAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		// A 2xx answer that is not the API's JSON is a proxy or a wrong
		// base URL; it may be transient (a captive error page), so retry.
		return 0, "", fmt.Errorf("cannot decode the answer of channel %s (%s): %w", channel, snippet(b), err)
	}
	switch {
	case a.ErrCode != nil:
		return *a.ErrCode, a.ErrMsg, nil
	case a.Code != nil:
		return *a.Code, a.Msg, nil
	case a.StatusCode != nil:
		return *a.StatusCode, a.StatusMessage, nil
	}
	return 0, "", fmt.Errorf("the answer of channel %s has no result code: %s", channel, snippet(b))
}

// DingTalkChannel posts markdown messages through a DingTalk custom robot
// (钉钉自定义机器人) with the 加签 security setting.
type DingTalkChannel struct {
	name, base, token string
	secret            []byte
	client            *http.Client
	now               func() time.Time
}

// NewDingTalk returns a DingTalk robot channel. base is the send API
// ("" for DefaultDingTalkURL), token the robot's access_token and secret its
// SEC… signing secret ("" when the robot uses keyword or IP security).
func NewDingTalk(name, base, token, secret string, o HTTPOptions) (*DingTalkChannel, error) {
	base, err := robotBase("dingtalk", name, base, DefaultDingTalkURL, token, "access token")
	if err != nil {
		return nil, err
	}
	return &DingTalkChannel{name: name, base: base, token: token, secret: []byte(secret), client: o.client(), now: o.clock()}, nil
}

// Name implements Channel.
func (c *DingTalkChannel) Name() string { return c.name }

// DingTalkSign is the robot signature: base64 of HMAC-SHA256, keyed with
// the secret, of timestamp (milliseconds) + "\n" + secret. It is sent
// URL-encoded in the sign query parameter.
func DingTalkSign(secret []byte, timestampMillis string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestampMillis + "\n"))
	mac.Write(secret)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Send implements Channel.
func (c *DingTalkChannel) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := m.Validate(); err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot send on channel %s: %w", c.name, err))
	}
	now := c.now()
	r := Render(m)
	text := r.Markdown
	at := map[string]any{"isAtAll": false}
	// A mention only notifies when the @ also appears in the text.
	if addr := m.Recipients[0].Contacts[c.name]; addr != "" {
		text += "\n@" + addr
		if isMobile(addr) {
			at["atMobiles"] = []string{addr}
		} else {
			at["atUserIds"] = []string{addr}
		}
	}
	body, err := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"title": r.Subject, "text": text},
		"at":       at,
	})
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot encode message %s/%s for channel %s: %w", m.IncidentID, m.Key, c.name, err))
	}
	u, err := url.Parse(c.base)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot parse the url of channel %s: %w", c.name, redact(err)))
	}
	q := u.Query()
	q.Set("access_token", c.token)
	if len(c.secret) > 0 {
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		q.Set("timestamp", ts)
		q.Set("sign", DingTalkSign(c.secret, ts))
	}
	u.RawQuery = q.Encode()
	resp, err := postJSON(ctx, c.client, c.name, u.String(), nil, body)
	if err != nil {
		return Receipt{}, err
	}
	code, msg, err := decodeAnswer(c.name, resp)
	if err != nil {
		return Receipt{}, err
	}
	if err := robotResult(c.name, code, msg, dingTalkRetryable); err != nil {
		return Receipt{}, err
	}
	return Receipt{Channel: c.name, At: now, Remote: msg}, nil
}

func isMobile(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 5 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// WeComChannel posts markdown messages through a WeCom group robot
// (企业微信群机器人). The robot's key is its only credential: WeCom robots
// have no signature.
type WeComChannel struct {
	name, base, key string
	client          *http.Client
	now             func() time.Time
}

// weComMaxBytes is WeCom's limit on markdown content, in UTF-8 bytes.
const weComMaxBytes = 4096

// NewWeCom returns a WeCom robot channel. base is the send API ("" for
// DefaultWeComURL) and key the robot's webhook key.
func NewWeCom(name, base, key string, o HTTPOptions) (*WeComChannel, error) {
	base, err := robotBase("wecom", name, base, DefaultWeComURL, key, "webhook key")
	if err != nil {
		return nil, err
	}
	return &WeComChannel{name: name, base: base, key: key, client: o.client(), now: o.clock()}, nil
}

// Name implements Channel.
func (c *WeComChannel) Name() string { return c.name }

// Send implements Channel.
func (c *WeComChannel) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := m.Validate(); err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot send on channel %s: %w", c.name, err))
	}
	now := c.now()
	r := Render(m)
	mention := ""
	if addr := m.Recipients[0].Contacts[c.name]; addr != "" {
		mention = "\n<@" + addr + ">"
	}
	content := truncateBytes(r.Markdown, weComMaxBytes-len(mention)) + mention
	body, err := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"content": content},
	})
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot encode message %s/%s for channel %s: %w", m.IncidentID, m.Key, c.name, err))
	}
	u, err := url.Parse(c.base)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot parse the url of channel %s: %w", c.name, redact(err)))
	}
	q := u.Query()
	q.Set("key", c.key)
	u.RawQuery = q.Encode()
	resp, err := postJSON(ctx, c.client, c.name, u.String(), nil, body)
	if err != nil {
		return Receipt{}, err
	}
	code, msg, err := decodeAnswer(c.name, resp)
	if err != nil {
		return Receipt{}, err
	}
	if err := robotResult(c.name, code, msg, weComRetryable); err != nil {
		return Receipt{}, err
	}
	return Receipt{Channel: c.name, At: now, Remote: msg}, nil
}

// FeishuChannel posts interactive cards through a Feishu custom bot
// (飞书自定义机器人) with the 签名校验 security setting.
type FeishuChannel struct {
	name, hook string
	secret     []byte
	client     *http.Client
	now        func() time.Time
}

// NewFeishu returns a Feishu bot channel. base is the hook prefix ("" for
// DefaultFeishuURL), token the hook's last path element, secret the signing
// secret ("" when the bot uses keyword or IP security).
func NewFeishu(name, base, token, secret string, o HTTPOptions) (*FeishuChannel, error) {
	base, err := robotBase("feishu", name, base, DefaultFeishuURL, token, "hook token")
	if err != nil {
		return nil, err
	}
	hook := strings.TrimSuffix(base, "/") + "/" + url.PathEscape(token)
	return &FeishuChannel{name: name, hook: hook, secret: []byte(secret), client: o.client(), now: o.clock()}, nil
}

// Name implements Channel.
func (c *FeishuChannel) Name() string { return c.name }

// FeishuSign is the bot signature: base64 of HMAC-SHA256 keyed with
// timestamp (seconds) + "\n" + secret over an empty message. Feishu rejects
// a timestamp more than an hour away from its clock.
func FeishuSign(secret []byte, timestampSeconds string) string {
	mac := hmac.New(sha256.New, []byte(timestampSeconds+"\n"+string(secret)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Send implements Channel.
func (c *FeishuChannel) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := m.Validate(); err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot send on channel %s: %w", c.name, err))
	}
	now := c.now()
	r := Render(m)
	content := strings.TrimSpace(r.Text)
	if addr := m.Recipients[0].Contacts[c.name]; addr != "" {
		content += "\n<at id=" + addr + "></at>"
	}
	var buttons []any
	if m.AckURL != "" {
		buttons = append(buttons, feishuButton("确认收到", m.AckURL, "primary"))
	}
	if m.ConsoleURL != "" {
		buttons = append(buttons, feishuButton("查看详情", m.ConsoleURL, "default"))
	}
	elements := []any{map[string]any{"tag": "div", "text": map[string]string{"tag": "lark_md", "content": content}}}
	if len(buttons) > 0 {
		elements = append(elements, map[string]any{"tag": "action", "actions": buttons})
	}
	payload := map[string]any{
		"msg_type": "interactive",
		"card": map[string]any{
			"config": map[string]bool{"wide_screen_mode": true},
			"header": map[string]any{
				"template": feishuColour(m),
				"title":    map[string]string{"tag": "plain_text", "content": r.Subject},
			},
			"elements": elements,
		},
	}
	if len(c.secret) > 0 {
		ts := strconv.FormatInt(now.Unix(), 10)
		payload["timestamp"] = ts
		payload["sign"] = FeishuSign(c.secret, ts)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot encode message %s/%s for channel %s: %w", m.IncidentID, m.Key, c.name, err))
	}
	resp, err := postJSON(ctx, c.client, c.name, c.hook, nil, body)
	if err != nil {
		return Receipt{}, err
	}
	code, msg, err := decodeAnswer(c.name, resp)
	if err != nil {
		return Receipt{}, err
	}
	if err := robotResult(c.name, code, msg, feishuRetryable); err != nil {
		return Receipt{}, err
	}
	return Receipt{Channel: c.name, At: now, Remote: msg}, nil
}

func feishuButton(text, link, kind string) map[string]any {
	return map[string]any{"tag": "button", "type": kind, "url": link,
		"text": map[string]string{"tag": "plain_text", "content": text}}
}

// feishuColour colours the card header by urgency: red for level I/II and
// breaches, orange for escalations and level III, green when fulfilled.
func feishuColour(m Message) string {
	switch {
	case m.Kind == KindFulfilled:
		return "green"
	case m.Level.Urgent() || m.Kind == KindBreach:
		return "red"
	case m.Kind == KindEscalation || m.Level == LevelIII:
		return "orange"
	}
	return "blue"
}

// robotBase checks what a robot channel is created with: the API base URL
// (def when empty) and its token, named what in the error.
func robotBase(kind, name, base, def, token, what string) (string, error) {
	if base == "" {
		base = def
	}
	if err := checkURL(base); err != nil {
		return "", fmt.Errorf("cannot create %s channel %s: %w", kind, name, err)
	}
	if token == "" {
		return "", fmt.Errorf("cannot create %s channel %s: the %s is empty", kind, name, what)
	}
	return base, nil
}
