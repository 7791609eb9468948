package notify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/yuqing-project/yuqing/config"
)

const exampleConfig = `
console_url: https://yuqing.example.gov.cn
ack_secret: 0123456789abcdef0123
channels:
  - name: duty-hook
    type: webhook
    url: https://duty.example.gov.cn/hook
    secret: hook-secret-0123456789
  - name: dingtalk
    type: dingtalk
    token: ding-access-token
    secret: SECabc
  - name: wecom
    type: wecom
    token: 693a91f6-7xxx
  - name: feishu
    type: feishu
    token: hook-token
    secret: feishu-secret
  - name: mail
    type: email
    smtp:
      addr: smtp.example.gov.cn:587
      username: yuqing@example.gov.cn
      password: pw
      from: yuqing@example.gov.cn
      require_tls: true
quiet_hours:
  enabled: true
retry:
  attempts: 4
roster:
  people:
    - id: zhang
      name: 张三
      contacts: {mail: zhang@example.gov.cn, dingtalk: "13800000000", duty-hook: ""}
    - id: qian
      name: 钱八
      title: 科长
      contacts: {wecom: QianBa}
  weekly:
    - days: [mon, tue, wed, thu, fri, sat, sun]
      start: "08:30"
      end: "08:30"
      duty: zhang
  overrides:
    - date: "2026-10-01"
      duty: qian
  escalation: [qian]
escalation:
  after: {I: 5m, II: 10m}
`

func parseConfig(t *testing.T, s string) *config.NotifyConfig {
	t.Helper()
	var c config.NotifyConfig
	dec := yaml.NewDecoder(bytes.NewReader([]byte(s)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("cannot decode config: %v", err)
	}
	c.ApplyDefaults()
	return &c
}

func TestConfigExample(t *testing.T) {
	c := parseConfig(t, exampleConfig)
	if ps := ValidateConfig("", c); len(ps) != 0 {
		t.Fatalf("ValidateConfig = %v", ps)
	}
	if c.AckURL != "https://yuqing.example.gov.cn/api/v1/ack" || c.AckTTL != 72*time.Hour || c.Retry.Attempts != 4 ||
		c.Retry.Initial != time.Second || c.Channels[4].Timeout != 30*time.Second || c.Channels[4].SMTP.FromName != "舆情监测系统" {
		t.Errorf("defaults not applied: %+v", c)
	}
	chans, err := BuildChannels(c, nil)
	if err != nil || len(chans) != 5 {
		t.Fatalf("BuildChannels = %d, %v", len(chans), err)
	}
	roster, err := BuildRoster(c)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := roster.OnDuty(cst(2026, 10, 1, 12, 0)); !ok || p.ID != "qian" {
		t.Errorf("OnDuty on the override = %q", p.ID)
	}
	if p, ok := roster.OnDuty(cst(2026, 10, 2, 3, 0)); !ok || p.ID != "zhang" {
		t.Errorf("OnDuty on a 24-hour shift = %q", p.ID)
	}
	q, err := QuietHoursFrom(c)
	if err != nil || q.Start != 22*60 || q.End != 7*60 {
		t.Errorf("QuietHoursFrom = %+v, %v; want 22:00–07:00", q, err)
	}
	if e := NewEscalator(roster, EscalationAfterFrom(c)); e.Wait(LevelI) != 5*time.Minute || e.Wait(LevelIII) != 30*time.Minute {
		t.Errorf("escalation waits I %s, III %s", e.Wait(LevelI), e.Wait(LevelIII))
	}
	if got := IncidentURL(c, "INC-1"); got != "https://yuqing.example.gov.cn/incidents/INC-1" {
		t.Errorf("IncidentURL = %q", got)
	}
}

func TestConfigUnknownKey(t *testing.T) {
	var c config.NotifyConfig
	dec := yaml.NewDecoder(strings.NewReader("channels:\n  - name: a\n    type: webhook\n    sekret: x\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err == nil || !strings.Contains(err.Error(), "field sekret not found") {
		t.Errorf("Decode = %v, want an unknown-field error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	base := "console_url: https://y.example\nack_secret: 0123456789abcdef\nroster:\n  people: [{id: a, name: 甲}]\n  weekly: [{days: [mon], start: '08:00', end: '18:00', duty: a}]\n"
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown type", base + "channels: [{name: x, type: sms}]\n", []string{
			`channels[0].type: "sms" is not one of webhook, dingtalk, wecom, feishu, email`}},
		{"webhook needs url and a long secret", base + "channels: [{name: x, type: webhook, secret: short}]\n", []string{
			"channels[0].url: is required for type webhook",
			"channels[0].secret: must be at least 16 bytes for type webhook, got 5"}},
		{"bad robot url", base + "channels: [{name: x, type: dingtalk, token: t, url: 'ftp://x'}]\n", []string{
			`channels[0].url: URL is not an absolute http(s) URL (scheme "ftp", host "x")`}},
		{"robot without token", base + "channels: [{name: x, type: feishu}]\n", []string{
			"channels[0].token: is required for type feishu"}},
		{"wecom has no secret", base + "channels: [{name: x, type: wecom, token: k, secret: s}]\n", []string{
			"channels[0].secret: is not used by type wecom, whose robots do not sign"}},
		{"duplicate and bad names", base + "channels: [{name: x, type: wecom, token: k}, {name: x, type: wecom, token: k}, {name: 'a b', type: wecom, token: k}]\n", []string{
			`channels[1].name: "x" is already used by channels[0]`,
			`channels[2].name: "a b" may contain only letters, digits, - and _`}},
		{"email", base + "channels: [{name: m, type: email, smtp: {addr: smtp.example, from: nobody, password: p}}]\n", []string{
			`channels[0].smtp.addr: "smtp.example" is not host:port`,
			`channels[0].smtp.from: "nobody" is not an email address`,
			"channels[0].smtp.username: is required with a password"}},
		{"ack secret and url", "roster:\n  people: [{id: a, name: 甲}]\n  weekly: [{days: [mon], start: '08:00', end: '18:00', duty: a}]\nchannels: [{name: x, type: wecom, token: k}]\n", []string{
			"ack_url: is required with channels (or set console_url)",
			"ack_secret: must be at least 16 bytes, got 0"}},
		{"quiet hours", base + "quiet_hours: {enabled: true, start: '22', end: '25:00'}\n", []string{
			`quiet_hours.start: time "22" is not HH:MM`,
			`quiet_hours.end: time "25:00" is not HH:MM between 00:00 and 24:00`}},
		{"retry", base + "retry: {attempts: 50, initial: 10s, max: 1s}\n", []string{
			"retry.attempts: must be between 1 and 20, got 50",
			"retry.max: must be at least retry.initial (10s), got 1s"}},
		{"roster", "roster:\n  people: [{id: a, name: 甲, contacts: {sms: '1'}}, {id: a}]\n  weekly: [{days: [monday], start: '8:00', end: '18:00', duty: b}]\n  overrides: [{date: 2026-13-01, duty: a}]\n  escalation: [c]\n", []string{
			"roster.people[0].contacts.sms: names no configured channel",
			`roster.people[1].id: "a" is already used by roster.people[0]`,
			"roster.people[1].name: is required",
			`roster.weekly[0].days[0]: day "monday" is not one of mon, tue, wed, thu, fri, sat, sun (or 周一…周日)`,
			`roster.weekly[0].start: time "8:00" is not HH:MM`,
			`roster.weekly[0].duty: "b" is not in roster.people`,
			`roster.overrides[0].date: "2026-13-01" is not YYYY-MM-DD`,
			`roster.escalation[0]: "c" is not in roster.people`}},
		{"nobody on duty", "console_url: https://y.example\nack_secret: 0123456789abcdef\nchannels: [{name: x, type: wecom, token: k}]\n", []string{
			"roster.weekly: is required with channels: nobody would be on duty"}},
		{"escalation", base + "escalation: {after: {V: 5m, II: 10s}}\n", []string{
			"escalation.after.II: must be at least 1m, got 10s",
			`escalation.after.V: "V" is not a level (I, II, III, IV)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range ValidateConfig("", parseConfig(t, tc.yaml)) {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
