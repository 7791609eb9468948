package notify

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Config is the notifications section of the main config. Zero fields take
// the defaults ApplyDefaults documents.
type Config struct {
	// ConsoleURL is the console's base URL; messages link to
	// ConsoleURL/incidents/ID.
	ConsoleURL string `yaml:"console_url"`
	// AckURL is the acknowledgement endpoint links point at; default
	// ConsoleURL + "/api/v1/ack".
	AckURL string `yaml:"ack_url"`
	// AckSecret signs acknowledgement links (at least 16 bytes).
	AckSecret string `yaml:"ack_secret"`
	// AckTTL is how long a link works; default 72h.
	AckTTL time.Duration `yaml:"ack_ttl"`
	// DeliveryLog is the JSON-lines delivery log file; "" keeps the log
	// where the embedding program decides (e.g. DATA_DIR/notify-deliveries.jsonl).
	DeliveryLog string           `yaml:"delivery_log"`
	Channels    []ChannelConfig  `yaml:"channels"`
	QuietHours  QuietHoursConfig `yaml:"quiet_hours"`
	Retry       RetryConfig      `yaml:"retry"`
	Roster      RosterConfig     `yaml:"roster"`
	Escalation  EscalationConfig `yaml:"escalation"`
}

// Channel types.
const (
	TypeWebhook  = "webhook"
	TypeDingTalk = "dingtalk"
	TypeWeCom    = "wecom"
	TypeFeishu   = "feishu"
	TypeEmail    = "email"
)

var channelTypes = []string{TypeWebhook, TypeDingTalk, TypeWeCom, TypeFeishu, TypeEmail}

// ChannelConfig is one channel. Which fields apply depends on Type.
type ChannelConfig struct {
	// Name is what people's contacts and the metrics call the channel.
	Name string `yaml:"name"`
	Type string `yaml:"type"`
	// URL is the webhook's endpoint (required for webhook), or the robot
	// API's base URL (default: the public API).
	URL string `yaml:"url"`
	// Token is the DingTalk access_token, the WeCom webhook key, or the
	// Feishu hook token (the last element of the hook URL).
	Token string `yaml:"token"`
	// Secret is the webhook's HMAC key, DingTalk's SEC… signing secret, or
	// Feishu's signing secret.
	Secret string `yaml:"secret"`
	// Timeout bounds one send; default 10s (30s for email).
	Timeout time.Duration `yaml:"timeout"`
	SMTP    SMTPConfig    `yaml:"smtp"`
}

// SMTPConfig is an email channel's mail server.
type SMTPConfig struct {
	Addr     string `yaml:"addr"` // host:port
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	From     string `yaml:"from"`
	FromName string `yaml:"from_name"` // default 舆情监测系统
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
	Start   string `yaml:"start"` // HH:MM China Standard Time, default 22:00
	End     string `yaml:"end"`   // default 07:00
}

// RetryConfig is the backoff of failed sends; defaults 5 attempts, 1s, 30s.
type RetryConfig struct {
	Attempts int           `yaml:"attempts"`
	Initial  time.Duration `yaml:"initial"`
	Max      time.Duration `yaml:"max"`
}

// RosterConfig is the duty roster (值班表).
type RosterConfig struct {
	People    []PersonConfig   `yaml:"people"`
	Weekly    []ShiftConfig    `yaml:"weekly"`
	Overrides []OverrideConfig `yaml:"overrides"`
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

// OverrideConfig replaces the weekly pattern for a period of one date.
type OverrideConfig struct {
	Date  string `yaml:"date"`  // YYYY-MM-DD
	Start string `yaml:"start"` // HH:MM, default 00:00
	End   string `yaml:"end"`   // HH:MM, default 24:00
	Duty  string `yaml:"duty"`
}

// EscalationConfig sets how long each level may go unacknowledged.
type EscalationConfig struct {
	// After maps a level (I, II, III, IV) to the wait; defaults 10m, 15m,
	// 30m, 60m.
	After map[string]time.Duration `yaml:"after"`
}

// ApplyDefaults fills zero fields with their documented defaults.
func (c *Config) ApplyDefaults() {
	if c.AckURL == "" && c.ConsoleURL != "" {
		c.AckURL = strings.TrimRight(c.ConsoleURL, "/") + "/api/v1/ack"
	}
	if c.AckTTL == 0 {
		c.AckTTL = 72 * time.Hour
	}
	if c.QuietHours.Start == "" {
		c.QuietHours.Start = "22:00"
	}
	if c.QuietHours.End == "" {
		c.QuietHours.End = "07:00"
	}
	if c.Retry.Attempts == 0 {
		c.Retry.Attempts = DefaultRetryPolicy.Attempts
	}
	if c.Retry.Initial == 0 {
		c.Retry.Initial = DefaultRetryPolicy.Initial
	}
	if c.Retry.Max == 0 {
		c.Retry.Max = DefaultRetryPolicy.Max
	}
	for i := range c.Channels {
		ch := &c.Channels[i]
		if ch.Timeout == 0 {
			ch.Timeout = 10 * time.Second
			if ch.Type == TypeEmail {
				ch.Timeout = 30 * time.Second
			}
		}
		if ch.Type == TypeEmail && ch.SMTP.FromName == "" {
			ch.SMTP.FromName = "舆情监测系统"
		}
	}
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate returns every problem of the config as "key.path: message",
// with paths relative to this section (channels[1].secret); the embedding
// config prefixes its own key. Call ApplyDefaults first.
func (c *Config) Validate() []string {
	var ps []string
	bad := func(path, format string, args ...any) {
		ps = append(ps, path+": "+fmt.Sprintf(format, args...))
	}
	checkHTTP := func(path, u string) {
		if err := checkURL(u); err != nil {
			bad(path, "%v", err)
		}
	}
	if c.ConsoleURL != "" {
		checkHTTP("console_url", c.ConsoleURL)
	}
	if len(c.Channels) > 0 {
		if c.AckURL == "" {
			bad("ack_url", "is required with channels (or set console_url)")
		} else {
			checkHTTP("ack_url", c.AckURL)
		}
		if len(c.AckSecret) < 16 {
			bad("ack_secret", "must be at least 16 bytes, got %d", len(c.AckSecret))
		}
	}
	if c.AckTTL <= 0 {
		bad("ack_ttl", "must be positive, got %s", c.AckTTL)
	}
	names := map[string]int{}
	for i, ch := range c.Channels {
		p := fmt.Sprintf("channels[%d]", i)
		switch {
		case ch.Name == "":
			bad(p+".name", "is required")
		case !namePattern.MatchString(ch.Name):
			bad(p+".name", "%q may contain only letters, digits, - and _", ch.Name)
		default:
			if j, dup := names[ch.Name]; dup {
				bad(p+".name", "%q is already used by channels[%d]", ch.Name, j)
			}
			names[ch.Name] = i
		}
		if ch.Timeout <= 0 {
			bad(p+".timeout", "must be positive, got %s", ch.Timeout)
		}
		switch ch.Type {
		case TypeWebhook:
			if ch.URL == "" {
				bad(p+".url", "is required for type webhook")
			} else {
				checkHTTP(p+".url", ch.URL)
			}
			if len(ch.Secret) < 16 {
				bad(p+".secret", "must be at least 16 bytes for type webhook, got %d", len(ch.Secret))
			}
		case TypeDingTalk, TypeWeCom, TypeFeishu:
			if ch.URL != "" {
				checkHTTP(p+".url", ch.URL)
			}
			if ch.Token == "" {
				bad(p+".token", "is required for type %s", ch.Type)
			}
			if ch.Type == TypeWeCom && ch.Secret != "" {
				bad(p+".secret", "is not used by type wecom, whose robots do not sign")
			}
		case TypeEmail:
			if _, _, err := net.SplitHostPort(ch.SMTP.Addr); err != nil {
				bad(p+".smtp.addr", "%q is not host:port", ch.SMTP.Addr)
			}
			if _, err := mail.ParseAddress(ch.SMTP.From); err != nil {
				bad(p+".smtp.from", "%q is not an email address", ch.SMTP.From)
			}
			if ch.SMTP.Password != "" && ch.SMTP.Username == "" {
				bad(p+".smtp.username", "is required with a password")
			}
			if ch.SMTP.CAFile != "" {
				if _, err := os.Stat(ch.SMTP.CAFile); err != nil {
					bad(p+".smtp.ca_file", "cannot be read: %v", err)
				}
			}
		default:
			bad(p+".type", "%q is not one of %s", ch.Type, strings.Join(channelTypes, ", "))
		}
	}
	if c.QuietHours.Enabled {
		if _, err := parseClock(c.QuietHours.Start); err != nil {
			bad("quiet_hours.start", "%v", err)
		}
		if _, err := parseClock(c.QuietHours.End); err != nil {
			bad("quiet_hours.end", "%v", err)
		}
	}
	if c.Retry.Attempts < 1 || c.Retry.Attempts > 20 {
		bad("retry.attempts", "must be between 1 and 20, got %d", c.Retry.Attempts)
	}
	if c.Retry.Initial <= 0 {
		bad("retry.initial", "must be positive, got %s", c.Retry.Initial)
	}
	if c.Retry.Max < c.Retry.Initial {
		bad("retry.max", "must be at least retry.initial (%s), got %s", c.Retry.Initial, c.Retry.Max)
	}
	people := map[string]int{}
	for i, pc := range c.Roster.People {
		p := fmt.Sprintf("roster.people[%d]", i)
		switch {
		case pc.ID == "":
			bad(p+".id", "is required")
		default:
			if j, dup := people[pc.ID]; dup {
				bad(p+".id", "%q is already used by roster.people[%d]", pc.ID, j)
			}
			people[pc.ID] = i
		}
		if pc.Name == "" {
			bad(p+".name", "is required")
		}
		for _, chName := range sortedKeys(pc.Contacts) {
			if _, ok := names[chName]; !ok {
				bad(p+".contacts."+chName, "names no configured channel")
			}
		}
	}
	duty := func(path, id string) {
		if id == "" {
			bad(path, "is required")
		} else if _, ok := people[id]; !ok {
			bad(path, "%q is not in roster.people", id)
		}
	}
	for i, s := range c.Roster.Weekly {
		p := fmt.Sprintf("roster.weekly[%d]", i)
		if len(s.Days) == 0 {
			bad(p+".days", "is required")
		}
		for j, d := range s.Days {
			if _, err := parseWeekday(d); err != nil {
				bad(fmt.Sprintf("%s.days[%d]", p, j), "%v", err)
			}
		}
		if _, err := parseClock(s.Start); err != nil {
			bad(p+".start", "%v", err)
		}
		if _, err := parseClock(s.End); err != nil {
			bad(p+".end", "%v", err)
		}
		duty(p+".duty", s.Duty)
	}
	for i, o := range c.Roster.Overrides {
		p := fmt.Sprintf("roster.overrides[%d]", i)
		if _, err := time.Parse(time.DateOnly, o.Date); err != nil {
			bad(p+".date", "%q is not YYYY-MM-DD", o.Date)
		}
		for _, f := range [][2]string{{".start", o.Start}, {".end", o.End}} {
			if f[1] != "" {
				if _, err := parseClock(f[1]); err != nil {
					bad(p+f[0], "%v", err)
				}
			}
		}
		duty(p+".duty", o.Duty)
	}
	for i, id := range c.Roster.Escalation {
		duty(fmt.Sprintf("roster.escalation[%d]", i), id)
	}
	if len(c.Channels) > 0 && len(c.Roster.Weekly) == 0 && len(c.Roster.Overrides) == 0 {
		bad("roster.weekly", "is required with channels: nobody would be on duty")
	}
	for _, l := range sortedDurationKeys(c.Escalation.After) {
		if !Level(l).Valid() {
			bad("escalation.after."+l, "%q is not a level (I, II, III, IV)", l)
		} else if c.Escalation.After[l] < time.Minute {
			bad("escalation.after."+l, "must be at least 1m, got %s", c.Escalation.After[l])
		}
	}
	return ps
}

func sortedDurationKeys(m map[string]time.Duration) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// BuildChannels creates the configured channels. now is the clock for
// signatures (nil: time.Now).
func (c *Config) BuildChannels(now func() time.Time) ([]Channel, error) {
	var out []Channel
	for _, cc := range c.Channels {
		ch, err := cc.Build(now)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// Build creates the channel.
func (cc ChannelConfig) Build(now func() time.Time) (Channel, error) {
	o := HTTPOptions{Client: &http.Client{Timeout: cc.Timeout}, Now: now}
	switch cc.Type {
	case TypeWebhook:
		return NewWebhook(cc.Name, cc.URL, cc.Secret, o)
	case TypeDingTalk:
		return NewDingTalk(cc.Name, cc.URL, cc.Token, cc.Secret, o)
	case TypeWeCom:
		return NewWeCom(cc.Name, cc.URL, cc.Token, o)
	case TypeFeishu:
		return NewFeishu(cc.Name, cc.URL, cc.Token, cc.Secret, o)
	case TypeEmail:
		eo := EmailOptions{
			Addr: cc.SMTP.Addr, Username: cc.SMTP.Username, Password: cc.SMTP.Password,
			From: cc.SMTP.From, FromName: cc.SMTP.FromName, Domain: cc.SMTP.Domain,
			RequireTLS: cc.SMTP.RequireTLS, Timeout: cc.Timeout, Now: now,
		}
		if cc.SMTP.CAFile != "" {
			pem, err := os.ReadFile(cc.SMTP.CAFile)
			if err != nil {
				return nil, fmt.Errorf("cannot create email channel %s: cannot read CA file: %w", cc.Name, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("cannot create email channel %s: CA file %s holds no PEM certificate", cc.Name, cc.SMTP.CAFile)
			}
			host, _, _ := net.SplitHostPort(cc.SMTP.Addr)
			eo.TLSConfig = &tls.Config{ServerName: host, RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		return NewEmail(cc.Name, eo)
	}
	return nil, fmt.Errorf("cannot create channel %s: unknown type %q", cc.Name, cc.Type)
}

// Quiet returns the configured quiet hours (none when disabled).
func (c *Config) Quiet() (QuietHours, error) {
	if !c.QuietHours.Enabled {
		return QuietHours{}, nil
	}
	return ParseQuietHours(c.QuietHours.Start, c.QuietHours.End)
}

// RetryPolicy returns the configured backoff.
func (c *Config) RetryPolicy() RetryPolicy {
	return RetryPolicy{Attempts: c.Retry.Attempts, Initial: c.Retry.Initial, Max: c.Retry.Max}
}

// BuildRoster creates the roster.
func (c *Config) BuildRoster() (*Roster, error) {
	var people []Person
	for _, p := range c.Roster.People {
		people = append(people, Person{ID: p.ID, Name: p.Name, Title: p.Title, Contacts: p.Contacts})
	}
	var shifts []Shift
	for i, s := range c.Roster.Weekly {
		sh := Shift{Duty: s.Duty}
		var err error
		for _, d := range s.Days {
			wd, derr := parseWeekday(d)
			err = errors.Join(err, derr)
			sh.Days = append(sh.Days, wd)
		}
		var serr, eerr error
		sh.Start, serr = parseClock(s.Start)
		sh.End, eerr = parseClock(s.End)
		if err = errors.Join(err, serr, eerr); err != nil {
			return nil, fmt.Errorf("cannot build roster: weekly shift %d: %w", i, err)
		}
		shifts = append(shifts, sh)
	}
	var overrides []Override
	for i, o := range c.Roster.Overrides {
		d, err := time.Parse(time.DateOnly, o.Date)
		if err != nil {
			return nil, fmt.Errorf("cannot build roster: override %d: %w", i, err)
		}
		ov := Override{Year: d.Year(), Month: d.Month(), Day: d.Day(), Duty: o.Duty}
		if o.Start != "" || o.End != "" {
			start, end := o.Start, o.End
			if start == "" {
				start = "00:00"
			}
			if end == "" {
				end = "24:00"
			}
			var serr, eerr error
			ov.Start, serr = parseClock(start)
			ov.End, eerr = parseClock(end)
			if err := errors.Join(serr, eerr); err != nil {
				return nil, fmt.Errorf("cannot build roster: override %d: %w", i, err)
			}
		}
		overrides = append(overrides, ov)
	}
	return NewRoster(people, shifts, overrides, c.Roster.Escalation)
}

// EscalationAfter returns the configured waits by level.
func (c *Config) EscalationAfter() map[Level]time.Duration {
	out := map[Level]time.Duration{}
	for l, d := range c.Escalation.After {
		out[Level(l)] = d
	}
	return out
}

// IncidentURL is the console link of an incident ("" without ConsoleURL).
func (c *Config) IncidentURL(incidentID string) string {
	if c.ConsoleURL == "" {
		return ""
	}
	return strings.TrimRight(c.ConsoleURL, "/") + "/incidents/" + incidentID
}
