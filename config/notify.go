package config

import (
	"strings"
	"time"
)

// NotifyConfig is the notifications section (responder.notify): the alerts
// to duty staff. Package notify builds the channels, the roster and the
// dispatcher from it and validates what only it can judge (clock times,
// weekdays, levels, channel settings); see notify.ValidateConfig.
type NotifyConfig struct {
	// ConsoleURL is the console's base URL; messages link to
	// ConsoleURL/incidents/ID.
	ConsoleURL string `yaml:"console_url"`
	// AckURL is the acknowledgement endpoint links point at. Default:
	// ConsoleURL + "/api/v1/ack" (when console_url is set and ack_url is
	// absent).
	AckURL string `yaml:"ack_url"`
	// AckSecret signs acknowledgement links (at least 16 bytes). A secret:
	// ack_secret_file or ack_secret_env may give it instead.
	AckSecret string `yaml:"ack_secret" secret:"true"`
	// AckTTL is how long a link works. Default: 72h.
	AckTTL time.Duration `yaml:"ack_ttl"`
	// DeliveryLog is the JSON-lines delivery log file; "" keeps the log
	// where the embedding program decides (the store).
	DeliveryLog string            `yaml:"delivery_log"`
	Channels    []ChannelConfig   `yaml:"channels"`
	QuietHours  QuietHoursConfig  `yaml:"quiet_hours"`
	Retry       NotifyRetryConfig `yaml:"retry"`
	Roster      RosterConfig      `yaml:"roster"`
	Escalation  EscalationConfig  `yaml:"escalation"`
}

// ChannelConfig is one notification channel. Which fields apply depends on
// Type: webhook, dingtalk, wecom, feishu or email.
type ChannelConfig struct {
	// Name is what people's contacts and the metrics call the channel.
	Name string `yaml:"name"`
	Type string `yaml:"type"`
	// URL is the webhook's endpoint (required for webhook), or the robot
	// API's base URL (default: the public API).
	URL string `yaml:"url"`
	// Token is the DingTalk access_token, the WeCom webhook key, or the
	// Feishu hook token (the last element of the hook URL). A secret.
	Token string `yaml:"token" secret:"true"`
	// Secret is the webhook's HMAC key, DingTalk's SEC… signing secret, or
	// Feishu's signing secret. A secret.
	Secret string `yaml:"secret" secret:"true"`
	// Timeout bounds one send. Default: 10s (30s for email).
	Timeout time.Duration `yaml:"timeout"`
	SMTP    SMTPConfig    `yaml:"smtp"`
}

// SMTPConfig is an email channel's mail server.
type SMTPConfig struct {
	Addr     string `yaml:"addr"` // host:port
	Username string `yaml:"username"`
	Password string `yaml:"password" secret:"true"`
	From     string `yaml:"from"`
	// FromName is the sender's display name. Default: 舆情监测系统; an
	// explicit "" sends the bare address.
	FromName string `yaml:"from_name"`
	// Domain is the right-hand side of Message-IDs; default From's domain.
	Domain string `yaml:"domain"`
	// RequireTLS refuses servers that do not offer STARTTLS.
	RequireTLS bool `yaml:"require_tls"`
	// CAFile is a PEM bundle to verify the server with, for servers with
	// an internal CA; default the system roots.
	CAFile string `yaml:"ca_file"`
}

// QuietHoursConfig holds back level III/IV notifications at night.
type QuietHoursConfig struct {
	Enabled bool   `yaml:"enabled"`
	Start   string `yaml:"start"` // HH:MM China Standard Time. Default: 22:00.
	End     string `yaml:"end"`   // Default: 07:00.
}

// NotifyRetryConfig is the backoff of failed sends. Defaults: 5 attempts,
// 1s, at most 30s.
type NotifyRetryConfig struct {
	Attempts int           `yaml:"attempts"`
	Initial  time.Duration `yaml:"initial"`
	Max      time.Duration `yaml:"max"`
}

// RosterConfig is the duty roster (值班表).
type RosterConfig struct {
	People    []PersonConfig       `yaml:"people"`
	Weekly    []ShiftConfig        `yaml:"weekly"`
	Overrides []DutyOverrideConfig `yaml:"overrides"`
	// Escalation lists the person IDs above the duty officer, in order:
	// the section chief, then the leader.
	Escalation []string `yaml:"escalation"`
}

// PersonConfig is one person of the roster.
type PersonConfig struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Title string `yaml:"title"`
	// Contacts maps channel names to addresses (email address, mobile,
	// WeCom userid, Feishu open_id; "" for a group robot without @).
	Contacts map[string]string `yaml:"contacts"`
}

// ShiftConfig is a weekly duty period.
type ShiftConfig struct {
	Days  []string `yaml:"days"`  // mon…sun or 周一…周日
	Start string   `yaml:"start"` // HH:MM
	End   string   `yaml:"end"`   // HH:MM; at or before start: the next day
	Duty  string   `yaml:"duty"`  // person ID
}

// DutyOverrideConfig replaces the weekly pattern for a period of one date.
type DutyOverrideConfig struct {
	Date  string `yaml:"date"`  // YYYY-MM-DD
	Start string `yaml:"start"` // HH:MM, default 00:00
	End   string `yaml:"end"`   // HH:MM, default 24:00
	Duty  string `yaml:"duty"`
}

// EscalationConfig sets how long each level may go unacknowledged.
type EscalationConfig struct {
	// After maps a level (I, II, III, IV) to the wait; levels not given
	// take notify's defaults of 10m, 15m, 30m, 60m.
	After map[string]time.Duration `yaml:"after"`
}

// ApplyDefaults fills zero fields with their documented defaults. It is
// for sections built in code (the demo's); Parse applies the same defaults
// to the keys a file leaves out, and keeps a zero it gives.
func (c *NotifyConfig) ApplyDefaults() { c.applyDefaults("", unset) }

func (c *NotifyConfig) applyDefaults(path string, set func(string) bool) {
	d := defaulter{set}
	if !set(path+".ack_url") && c.AckURL == "" && c.ConsoleURL != "" {
		c.AckURL = strings.TrimRight(c.ConsoleURL, "/") + "/api/v1/ack"
	}
	d.dur(path+".ack_ttl", &c.AckTTL, 72*time.Hour)
	d.str(path+".quiet_hours.start", &c.QuietHours.Start, "22:00")
	d.str(path+".quiet_hours.end", &c.QuietHours.End, "07:00")
	d.int(path+".retry.attempts", &c.Retry.Attempts, 5)
	d.dur(path+".retry.initial", &c.Retry.Initial, time.Second)
	d.dur(path+".retry.max", &c.Retry.Max, 30*time.Second)
	for i := range c.Channels {
		ch := &c.Channels[i]
		p := indexPath(path+".channels", i)
		timeout := 10 * time.Second
		if ch.Type == "email" { // notify.TypeEmail; config imports no notify
			timeout = 30 * time.Second
		}
		d.dur(p+".timeout", &ch.Timeout, timeout)
		if ch.Type == "email" {
			d.str(p+".smtp.from_name", &ch.SMTP.FromName, "舆情监测系统")
		}
	}
}
