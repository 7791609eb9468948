package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/config/configtest"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("embedded default is invalid: %v", err)
	}
	if !c.Demo.Enabled || c.Store.Driver != "sqlite" || len(c.Kafka.Brokers) != 0 {
		t.Errorf("default is not the embedded demo: %+v", c)
	}
}

func TestDistributedExampleIsValid(t *testing.T) {
	c, err := Load("../deploy/yuqing-distributed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("deploy example is invalid: %v", err)
	}
	if c.Store.Driver != "clickhouse" || len(c.Kafka.Brokers) != 3 || len(c.Crawler.Sources) != 4 {
		t.Errorf("deploy example decoded wrongly: driver %s, %d brokers, %d sources",
			c.Store.Driver, len(c.Kafka.Brokers), len(c.Crawler.Sources))
	}
	if c.Crawler.Sources[1].Interval != c.Crawler.Interval {
		t.Errorf("source without interval got %s, want the crawler default %s", c.Crawler.Sources[1].Interval, c.Crawler.Interval)
	}
}

// TestLoadGoodConfig decodes a file giving every key and compares it with
// the struct it must become: explicit zeros and empty lists kept, secrets
// read from a file and the environment, absent keys at their defaults.
func TestLoadGoodConfig(t *testing.T) {
	t.Setenv("YUQING_TEST_KAFKA_PASSWORD", " kafka-pass\n")
	t.Setenv("YUQING_TEST_SMTP_PASSWORD", "smtp-pass")
	got, err := Load("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("good config is invalid: %v", err)
	}
	want := &Config{
		DataDir: "/var/lib/yuqing",
		HTTP:    HTTPConfig{Listen: "0.0.0.0:8080", MinFreeDiskMB: 512},
		Kafka: KafkaConfig{
			Brokers:  []string{"kafka-0:9092", "kafka-1:9092"},
			ClientID: "yuqing-test",
			TLS: TLSConfig{Enabled: true, CAFile: "/etc/yuqing/ca.pem", CertFile: "/etc/yuqing/client.pem",
				KeyFile: "/etc/yuqing/client-key.pem", ServerName: "kafka.internal"},
			SASL:     SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "yuqing", Password: "kafka-pass"},
			Embedded: EmbeddedKafka{Listen: "127.0.0.1:19092", Retention: 24 * time.Hour, SyncWrites: true},
			Topics:   KafkaTopicsConfig{Partitions: 12, ReplicationFactor: 3},
			Consumer: KafkaConsumerConfig{MaxAttempts: 7, RetryBackoff: 500 * time.Millisecond, BatchSize: 64},
		},
		Store: StoreConfig{
			Driver: "clickhouse",
			SQLite: SQLiteConfig{Path: "/var/lib/yuqing/y.db"},
			ClickHouse: ClickHouseConfig{Addrs: []string{"ch-0:9000"}, Database: "yuqing_test", Username: "yuqing",
				Password: "s3cret-from-a-file", Cluster: "yuqing_cluster", DialTimeout: 3 * time.Second, TLS: TLSConfig{Enabled: true}},
		},
		Crawler: CrawlerConfig{
			UserAgent: "test-agent", Interval: 10 * time.Minute, RequestTimeout: 30 * time.Second, MaxPageBytes: 1 << 20,
			Parallelism: 8, HostDelay: 0, IgnoreRobots: true, Group: "yuqing-crawler", GroupPartitions: 8,
			HotMinInterval: 2 * time.Minute, HotMaxDuration: 3 * time.Hour, SourcesRefresh: 30 * time.Second,
			Sources: []Source{
				{ID: "portal", Name: "某县人民政府网", Kind: "portal", Authority: "官方", Region: "511023",
					URL: "https://www.example.gov.cn/list.html", Interval: 2 * time.Minute,
					AllowedDomains: []string{"www.example.gov.cn", "example.gov.cn"}, AllowPrivate: true, Encoding: "gbk",
					List:    ListRules{Links: "ul.list a", Next: "a.next", MaxPages: 5},
					Article: ArticleRules{Title: "h1", Body: "div.content", Time: "span.time", Author: "span.author"},
					API:     APIRules{MaxPages: 1}},
				{ID: "api", Name: "某县留言接口", Kind: "api", Authority: "地方媒体", URL: "https://api.example.gov.cn/messages",
					Interval: 10 * time.Minute, List: ListRules{MaxPages: 3},
					API: APIRules{Items: "data.list", ID: "id", Title: "title", Body: "content", Time: "created", Author: "user.name",
						URL: "link", TimeFormat: "2006-01-02 15:04:05", Next: "data.next", MaxPages: 2}},
			},
		},
		Analyzer: AnalyzerConfig{
			Workers: 3, HomeRegion: "110101", ExtraRegions: []Division{{Code: "511099", Name: "新设区"}},
			Places: []string{"城关镇", "人民路"},
			Schemes: []Scheme{{ID: "s1", Name: "化工安全", Regions: []string{"某县"}, Subjects: []string{"化工厂"},
				Events: []string{"爆炸"}, Exclusions: []string{"演练"}, Expression: `"化工厂" AND NEAR/5(爆炸, 事故)`, Alert: true}},
			TopicsFile: "/etc/yuqing/topics.tsv", DictionaryRefresh: time.Minute,
		},
		Responder: ResponderConfig{
			Window: 48 * time.Hour, IncidentMinPosts: 3, IncidentNegativeShare: 0, IncidentMinSources: 1,
			IncidentBurstWindow: 2 * time.Hour, IncidentTopics: []string{}, IncidentMinHeat: 50,
			IncidentTiers: []string{"中央媒体", "省级媒体"}, LevelByTier: map[string]string{"中央媒体": "II", "省级媒体": "III"},
			ClockStart: "detection", RuleOverrides: map[string]RuleOverride{"R-5H": {Hours: 3}},
			Reminders: []string{"25%", "30m"}, TickInterval: 5 * time.Second, EffectWindow: 3 * time.Hour,
			BacklogHorizon: 12 * time.Hour, SessionTimeout: 20 * time.Second, HeartbeatInterval: 2 * time.Second,
			Notify: NotifyConfig{
				ConsoleURL: "https://yuqing.example.gov.cn", AckURL: "https://ack.example.gov.cn/ack",
				AckSecret: "s3cret-from-a-file", AckTTL: 24 * time.Hour, DeliveryLog: "/var/lib/yuqing/deliveries.jsonl",
				Channels: []ChannelConfig{
					{Name: "hook", Type: "webhook", URL: "https://duty.example.gov.cn/hook", Secret: "hook-secret-0123456789", Timeout: 5 * time.Second},
					{Name: "mail", Type: "email", Timeout: 20 * time.Second, SMTP: SMTPConfig{Addr: "smtp.example.gov.cn:587",
						Username: "yuqing@example.gov.cn", Password: "smtp-pass", From: "yuqing@example.gov.cn", FromName: "",
						Domain: "example.gov.cn", RequireTLS: true}},
				},
				QuietHours: QuietHoursConfig{Enabled: true, Start: "23:00", End: "06:30"},
				Retry:      NotifyRetryConfig{Attempts: 3, Initial: 2 * time.Second, Max: time.Minute},
				Roster: RosterConfig{
					People: []PersonConfig{
						{ID: "zhou", Name: "周值班", Title: "值班员", Contacts: map[string]string{"hook": "zhou", "mail": "zhou@example.gov.cn"}},
						{ID: "li", Name: "李科长", Contacts: map[string]string{"mail": "li@example.gov.cn"}},
					},
					Weekly:     []ShiftConfig{{Days: []string{"mon", "tue"}, Start: "08:30", End: "08:30", Duty: "zhou"}},
					Overrides:  []DutyOverrideConfig{{Date: "2026-10-01", Start: "09:00", End: "18:00", Duty: "li"}},
					Escalation: []string{"li"},
				},
				Escalation: EscalationConfig{After: map[string]time.Duration{"I": 5 * time.Minute, "II": 10 * time.Minute}},
			},
		},
		Demo: DemoConfig{Enabled: true, Listen: "127.0.0.1:18081", Speed: 60},
		Briefs: BriefsConfig{Unit: "中共某县委宣传部（网信办）", Jurisdiction: "我县", Classification: "内部资料", Copies: 30, SerialStart: 190,
			ReportTo: []string{"县委书记", "县长"}, TopEvents: 5,
			Schedule: BriefSchedule{Daily: "07:30", Weekly: "off", Monthly: "1 09:00", Holidays: "skip"}},
		Auth: AuthConfig{Password: PasswordConfig{MinLength: 10, MinClasses: 4, MaxAge: 720 * time.Hour, History: 8},
			Lockout: LockoutConfig{MaxFailures: 3, Duration: time.Hour}, Session: SessionConfig{IdleTimeout: 15 * time.Minute, MaxAge: 8 * time.Hour},
			TOTPForEveryone: true, Hosts: []string{"yuqing.example.gov.cn"}, SecureCookies: true,
			OIDC: OIDCConfig{UsernameClaim: "preferred_username", RolesClaim: "roles"}},
		Inspector: InspectorConfig{Enabled: true, Interval: 2 * time.Hour, ProbeInterval: 30 * time.Minute, HostDelay: time.Second,
			MaxRequests: 500, RequestTimeout: 15 * time.Second, Portals: []InspectPortal{{ID: "county", Name: "某县人民政府网", Unit: "li",
				Home: "https://www.example.gov.cn/", Items: "ul.list li",
				Columns: []InspectColumn{{Name: "工作动态", URL: "https://www.example.gov.cn/gzdt/", Category: "news"},
					{Name: "在线访谈", URL: "https://www.example.gov.cn/zxft/", Category: "other"}},
				Board: InspectBoard{URL: "https://www.example.gov.cn/board/", MaxPages: 50}, ReplyWorkdays: 5, AnnualDeadline: "01-31"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("testdata/good.yaml decoded to\n%+v\nwant\n%+v", *got, *want)
	}
}

// TestBadConfigs loads every bad config of testdata and checks the
// problems config itself finds against testdata/bad.golden, the table of
// what users see (yuqing check-config's test checks the whole output). A
// file named after a package holds a mistake that package's validator
// finds, and config must leave it alone.
func TestBadConfigs(t *testing.T) {
	t.Setenv("YUQING_TEST_UNSET_SECRET", "")
	os.Unsetenv("YUQING_TEST_UNSET_SECRET")
	want, err := configtest.ReadGolden("testdata/bad.golden")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad configs: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("%s is not in testdata/bad.golden", name)
			}
			var got []string
			c, err := Load(f)
			var ve *ValidationError
			switch {
			case errors.As(err, &ve):
				for _, p := range ve.Problems {
					got = append(got, p.String())
				}
			case err != nil:
				t.Fatal(err)
			}
			if c != nil {
				if err := c.Validate(); errors.As(err, &ve) {
					for _, p := range ve.Problems {
						got = append(got, p.String())
					}
				}
			}
			switch owner, _, _ := strings.Cut(name, "-"); owner {
			case "crawler", "scheme", "notify", "rules", "regions":
				if len(got) > 0 {
					t.Errorf("config found problems in a file whose mistake %s finds:\n  %s", owner, strings.Join(got, "\n  "))
				}
			case "all":
				if !isSubsequence(got, w) {
					t.Errorf("config found\n  %s\nwhich are not in order in\n  %s", strings.Join(got, "\n  "), strings.Join(w, "\n  "))
				}
			default:
				if strings.Join(got, "\n") != strings.Join(w, "\n") {
					t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(w, "\n  "))
				}
			}
		})
	}
}

func isSubsequence(sub, of []string) bool {
	i := 0
	for _, s := range of {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}

// TestAbsentAndZero tells a key left out (its default) from a key given
// as zero (kept, and judged by Validate).
func TestAbsentAndZero(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		check      func(*Config) bool
	}{
		{"absent takes the default", "kafka:\n  consumer:\n    batch_size: 10\n", func(c *Config) bool {
			return c.Kafka.Consumer.MaxAttempts == 5 && c.Kafka.Consumer.RetryBackoff == 200*time.Millisecond
		}},
		{"null is absent", "kafka:\n  consumer:\n    max_attempts:\n    retry_backoff: ~\n", func(c *Config) bool {
			return c.Kafka.Consumer.MaxAttempts == 5 && c.Kafka.Consumer.RetryBackoff == 200*time.Millisecond
		}},
		{"explicit zero is kept", "kafka:\n  consumer:\n    max_attempts: 0\n", func(c *Config) bool {
			return c.Kafka.Consumer.MaxAttempts == 0
		}},
		{"meaningful zeros", "crawler:\n  host_delay: 0s\nresponder:\n  incident_negative_share: 0\n  reminders: []\n  level_by_tier: {}\n", func(c *Config) bool {
			return c.Crawler.HostDelay == 0 && c.Responder.IncidentNegativeShare == 0 && len(c.Responder.Reminders) == 0 &&
				c.Responder.Reminders != nil && len(c.Responder.LevelByTier) == 0
		}},
		{"a source's interval defaults to the crawler's", "crawler:\n  interval: 7m\n  sources:\n    - id: a\n", func(c *Config) bool {
			return c.Crawler.Sources[0].Interval == 7*time.Minute && c.Crawler.Sources[0].List.MaxPages == 3
		}},
		{"ack_url follows console_url when absent", "responder:\n  notify:\n    console_url: https://y.example/\n", func(c *Config) bool {
			return c.Responder.Notify.AckURL == "https://y.example/api/v1/ack"
		}},
		{"an explicit empty ack_url stays empty", "responder:\n  notify:\n    console_url: https://y.example/\n    ack_url: \"\"\n", func(c *Config) bool {
			return c.Responder.Notify.AckURL == ""
		}},
		{"merge keys", "crawler:\n  sources:\n    - &a {id: a, name: 甲, kind: news, interval: 3m}\n    - <<: *a\n      id: b\n", func(c *Config) bool {
			s := c.Crawler.Sources
			return len(s) == 2 && s[1].ID == "b" && s[1].Name == "甲" && s[1].Interval == 3*time.Minute
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("decoded %+v", c)
			}
		})
	}
}

// TestApplyDefaultsInCode keeps the behaviour of configs built in code:
// every zero field takes its default.
func TestApplyDefaultsInCode(t *testing.T) {
	c := Config{Crawler: CrawlerConfig{Sources: []Source{{ID: "a"}}}}
	c.ApplyDefaults()
	if c.Kafka.Consumer.MaxAttempts != 5 || c.Crawler.HostDelay != time.Second || c.Crawler.Sources[0].Interval != 5*time.Minute ||
		c.Responder.Notify.AckTTL != 72*time.Hour || c.Responder.IncidentNegativeShare != 0.5 {
		t.Errorf("ApplyDefaults left zeros: %+v", c)
	}
	n := NotifyConfig{ConsoleURL: "https://y.example", Channels: []ChannelConfig{{Type: "email"}}}
	n.ApplyDefaults()
	if n.AckURL != "https://y.example/api/v1/ack" || n.Channels[0].Timeout != 30*time.Second || n.Channels[0].SMTP.FromName != "舆情监测系统" {
		t.Errorf("NotifyConfig.ApplyDefaults: %+v", n)
	}
}

// TestValidateNegativeInCode: a negative duration set in code is a problem
// too, reported once.
func TestValidateNegativeInCode(t *testing.T) {
	c := Default()
	c.Crawler.HostDelay = -time.Second
	c.Crawler.RequestTimeout = -time.Second
	c.Responder.Notify.Escalation.After = map[string]time.Duration{"II": -time.Minute}
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"crawler.request_timeout: must not be negative, got -1s",
		"crawler.host_delay: must not be negative, got -1s",
		"responder.notify.escalation.after.II: must not be negative, got -1m0s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSecretFromEnvironment(t *testing.T) {
	t.Setenv("YUQING_TEST_EMPTY", " ")
	c, err := Parse([]byte("kafka:\n  sasl:\n    password_env: YUQING_TEST_EMPTY\n"))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 ||
		ve.Problems[0].String() != "kafka.sasl.password_env (line 3): environment variable YUQING_TEST_EMPTY is empty" {
		t.Fatalf("Parse = %v", err)
	}
	if c == nil || c.Kafka.SASL.Password != "" {
		t.Errorf("config %+v", c)
	}
}

func TestEmptyFileIsTheDefaults(t *testing.T) {
	for _, s := range []string{"", "# nothing here\n", "---\n"} {
		c, err := Parse([]byte(s))
		if err != nil {
			t.Fatalf("Parse(%q) = %v", s, err)
		}
		var want Config
		want.ApplyDefaults()
		if !reflect.DeepEqual(*c, want) {
			t.Errorf("Parse(%q) = %+v, want the defaults", s, *c)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("/nonexistent/yuqing.yaml")
	if err == nil || !strings.Contains(err.Error(), `cannot read config "/nonexistent/yuqing.yaml"`) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load error = %v", err)
	}
}

func TestTLSClientConfig(t *testing.T) {
	if tc, err := (TLSConfig{}).ClientConfig(); tc != nil || err != nil {
		t.Errorf("disabled TLS = %v, %v", tc, err)
	}
	tc, err := TLSConfig{Enabled: true, ServerName: "kafka.internal"}.ClientConfig()
	if err != nil || tc.ServerName != "kafka.internal" || tc.MinVersion == 0 {
		t.Errorf("ClientConfig = %+v, %v", tc, err)
	}
	for _, tc := range []struct {
		cfg  TLSConfig
		want string
	}{
		{TLSConfig{Enabled: true, CAFile: "/nonexistent/ca.pem"}, `cannot read TLS CA file "/nonexistent/ca.pem"`},
		{TLSConfig{Enabled: true, CAFile: "testdata/secret.txt"}, `cannot use TLS CA file "testdata/secret.txt": no PEM certificate in it`},
		{TLSConfig{Enabled: true, CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"}, `cannot load TLS client certificate "/nonexistent/c.pem"`},
	} {
		if _, err := tc.cfg.ClientConfig(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ClientConfig(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
