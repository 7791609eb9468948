package notify

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// Channel types.
const (
	TypeWebhook  = "webhook"
	TypeDingTalk = "dingtalk"
	TypeWeCom    = "wecom"
	TypeFeishu   = "feishu"
	TypeEmail    = "email"
)

var channelTypes = []string{TypeWebhook, TypeDingTalk, TypeWeCom, TypeFeishu, TypeEmail}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidateConfig returns every problem of the notifications section c,
// found at key path path (responder.notify; "" gives paths relative to
// the section, channels[1].secret). It checks what the builders of this
// package would refuse, by running them: a section without problems
// builds. c has its defaults applied (config.Parse or ApplyDefaults).
func ValidateConfig(path string, c *config.NotifyConfig) []config.Problem {
	var ps config.Problems
	bad := func(key, format string, args ...any) {
		ps.Addf(config.JoinPath(path, key), format, args...)
	}
	checkHTTP := func(key, u string) {
		if err := checkURL(u); err != nil {
			bad(key, "%v", err)
		}
	}
	if c.ConsoleURL != "" {
		checkHTTP("console_url", c.ConsoleURL)
	}
	beforeAck := len(ps)
	if len(c.Channels) > 0 {
		if c.AckURL == "" {
			bad("ack_url", "is required with channels (or set console_url)")
		} else {
			checkHTTP("ack_url", c.AckURL)
		}
		if len(c.AckSecret) < 16 {
			bad("ack_secret", "must be at least 16 bytes, got %d", len(c.AckSecret))
		}
	} else if c.AckSecret != "" && c.AckURL == "" {
		bad("ack_url", "is required with ack_secret (or set console_url)")
	}
	if c.AckTTL <= 0 {
		bad("ack_ttl", "must be positive, got %s", c.AckTTL)
	}
	// The console verifies acknowledgement links whenever a secret is set,
	// channels or not: the signer must accept what is configured.
	if c.AckSecret != "" && len(ps) == beforeAck {
		if _, err := NewAcker(c.AckSecret, c.AckURL, c.AckTTL, nil); err != nil {
			bad("ack_secret", "%v", err)
		}
	}
	names := map[string]int{}
	for i, ch := range c.Channels {
		p := fmt.Sprintf("channels[%d]", i)
		before := len(ps)
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
		// The channel's constructor has the last word: with the checks
		// above passed it should agree, and if not, the user hears it now
		// rather than when the responder starts.
		if len(ps) == before {
			if _, err := BuildChannel(ch, nil); err != nil {
				bad(p, "%v", err)
			}
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
	if len(ps) == 0 {
		if _, err := BuildRoster(c); err != nil {
			bad("roster", "%v", err)
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
func BuildChannels(c *config.NotifyConfig, now func() time.Time) ([]Channel, error) {
	var out []Channel
	for _, cc := range c.Channels {
		ch, err := BuildChannel(cc, now)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// BuildChannel creates the channel cc configures.
func BuildChannel(cc config.ChannelConfig, now func() time.Time) (Channel, error) {
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
			host, _, _ := net.SplitHostPort(cc.SMTP.Addr)
			tc, err := config.TLSConfig{Enabled: true, CAFile: cc.SMTP.CAFile, ServerName: host}.ClientConfig()
			if err != nil {
				return nil, fmt.Errorf("cannot create email channel %s: %w", cc.Name, err)
			}
			eo.TLSConfig = tc
		}
		return NewEmail(cc.Name, eo)
	}
	return nil, fmt.Errorf("cannot create channel %s: unknown type %q", cc.Name, cc.Type)
}

// QuietHoursFrom returns the configured quiet hours (none when disabled).
func QuietHoursFrom(c *config.NotifyConfig) (QuietHours, error) {
	if !c.QuietHours.Enabled {
		return QuietHours{}, nil
	}
	return ParseQuietHours(c.QuietHours.Start, c.QuietHours.End)
}

// RetryPolicyFrom returns the configured backoff.
func RetryPolicyFrom(c *config.NotifyConfig) RetryPolicy {
	return RetryPolicy{Attempts: c.Retry.Attempts, Initial: c.Retry.Initial, Max: c.Retry.Max}
}

// BuildRoster creates the configured roster.
func BuildRoster(c *config.NotifyConfig) (*Roster, error) {
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

// EscalationAfterFrom returns the configured waits by level.
func EscalationAfterFrom(c *config.NotifyConfig) map[Level]time.Duration {
	out := map[Level]time.Duration{}
	for l, d := range c.Escalation.After {
		out[Level(l)] = d
	}
	return out
}

// IncidentURL is the console link of an incident ("" without
// console_url).
func IncidentURL(c *config.NotifyConfig, incidentID string) string {
	if c.ConsoleURL == "" {
		return ""
	}
	return strings.TrimRight(c.ConsoleURL, "/") + "/incidents/" + incidentID
}

// ConfiguredShifts returns the configuration's duty periods as the
// settings' shifts (model.Shift), what seeds the store's duty roster:
// weekly shifts are weekly-1, weekly-2… in the file's order, overrides
// date-YYYY-MM-DD (date-YYYY-MM-DD-2… for a second one on a date); an
// override without times is the whole day, 00:00–24:00. All are duty
// shifts: the configuration has no lead shifts.
func ConfiguredShifts(c *config.NotifyConfig) ([]model.Shift, error) {
	var out []model.Shift
	for i, s := range c.Roster.Weekly {
		sh := model.Shift{ID: fmt.Sprintf("weekly-%d", i+1), Person: s.Duty, Start: s.Start, End: s.End, Role: model.ShiftDuty}
		for _, d := range s.Days {
			wd, err := parseWeekday(d)
			if err != nil {
				return nil, fmt.Errorf("weekly shift %d: %w", i, err)
			}
			sh.Days = append(sh.Days, wd)
		}
		out = append(out, sh)
	}
	seen := map[string]int{}
	for _, o := range c.Roster.Overrides {
		seen[o.Date]++
		id := "date-" + o.Date
		if n := seen[o.Date]; n > 1 {
			id += "-" + strconv.Itoa(n)
		}
		sh := model.Shift{ID: id, Person: o.Duty, Date: o.Date, Start: cmp.Or(o.Start, "00:00"), End: cmp.Or(o.End, "24:00"), Role: model.ShiftDuty}
		out = append(out, sh)
	}
	for _, s := range out {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("shift %s: %w", s.ID, err)
		}
	}
	return out, nil
}
