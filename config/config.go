// Package config owns yuqing's configuration: one typed struct with
// documented defaults, decoded strictly from one YAML document, and the
// validation of its own shape. It imports no yuqing package but model.
//
// Guarantees:
//   - Parse and Load list every problem of a file at once, each with its
//     key path (crawler.sources[2].url) and line: unknown keys, values of
//     the wrong type, negative durations, a second YAML document. A bad
//     value does not stop decoding.
//   - A key left out takes its documented default; a key given keeps its
//     value, so an explicit zero is either meaningful (documented at the
//     field) or a problem Validate reports, never silently the default.
//   - Secrets (passwords, the ack secret, SASL, SMTP, robot tokens and
//     signing secrets) may come from a file (KEY_file) or an environment
//     variable (KEY_env) instead of the file itself.
//
// What only a package can judge (CSS selectors, JSON field paths, scheme
// expressions, notification channels) that package's exported validator
// checks; internal/app's config check runs Validate and all of them, for
// yuqing check-config and yuqing run alike.
package config

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"time"
)

// Config is the whole configuration of one yuqing process.
type Config struct {
	// DataDir holds the embedded broker's log, the SQLite store and the
	// crawler's state. Default: ./data.
	DataDir   string          `yaml:"data_dir"`
	HTTP      HTTPConfig      `yaml:"http"`
	Kafka     KafkaConfig     `yaml:"kafka"`
	Store     StoreConfig     `yaml:"store"`
	Crawler   CrawlerConfig   `yaml:"crawler"`
	Analyzer  AnalyzerConfig  `yaml:"analyzer"`
	Responder ResponderConfig `yaml:"responder"`
	Demo      DemoConfig      `yaml:"demo"`
	Briefs    BriefsConfig    `yaml:"briefs"`
	Auth      AuthConfig      `yaml:"auth"`
	Inspector InspectorConfig `yaml:"inspector"`
}

// HTTPConfig configures the HTTP server every target runs (/metrics,
// /healthz, /readyz, and for the console target the API).
type HTTPConfig struct {
	// Listen is the address of the HTTP server. Default: 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// DebugListen, when set, is the address of a second listener that
	// serves only the profiles (/debug/pprof/), e.g. 127.0.0.1:6060; they
	// then leave the main listener. Default: empty, profiles on Listen.
	DebugListen string `yaml:"debug_listen"`
	// MinFreeDiskMB is the free space, in MiB, the data dir's filesystem
	// must have for /readyz to say ready (the embedded broker's log and
	// the SQLite store live there). 0 turns the check off. Default: 256.
	MinFreeDiskMB int `yaml:"min_free_disk_mb"`
	// TLSCertFile and TLSKeyFile, when both set, make the main listener
	// serve HTTPS with this certificate (PEM); the session cookie is then
	// Secure. Default: empty, plain HTTP (behind a TLS proxy, set
	// auth.secure_cookies).
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
}

// KafkaConfig says where the bus is. With no Brokers, an embedded
// Kafka-protocol broker runs in the process.
type KafkaConfig struct {
	// Brokers are the seed brokers of an external cluster (host:port).
	Brokers  []string            `yaml:"brokers"`
	ClientID string              `yaml:"client_id"`
	TLS      TLSConfig           `yaml:"tls"`
	SASL     SASLConfig          `yaml:"sasl"`
	Embedded EmbeddedKafka       `yaml:"embedded"`
	Topics   KafkaTopicsConfig   `yaml:"topics"`
	Consumer KafkaConsumerConfig `yaml:"consumer"`
}

// TLSConfig is TLS to a server (Kafka brokers, ClickHouse); ClientConfig
// builds it.
type TLSConfig struct {
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM bundle to verify the server with; default the
	// system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate for mutual TLS.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name the server's certificate must carry; default
	// the host dialled.
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// SASLConfig enables SASL authentication to external brokers.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty disables SASL.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	// Password is a secret: password_file or password_env may give it.
	Password string `yaml:"password" secret:"true"`
}

// EmbeddedKafka configures the in-process broker.
type EmbeddedKafka struct {
	// Listen is the broker's address. Default: 127.0.0.1:9092.
	Listen string `yaml:"listen"`
	// Retention is how long messages are kept. Default: 168h.
	Retention time.Duration `yaml:"retention"`
	// SyncWrites fsyncs every produced batch. Default: false; a process
	// crash loses nothing either way (writes reach the OS before acks), only
	// a power loss can.
	SyncWrites bool `yaml:"sync_writes"`
}

// KafkaTopicsConfig sets how topics are created when missing.
type KafkaTopicsConfig struct {
	// Partitions of the docs and posts topics. Default: 4.
	Partitions int32 `yaml:"partitions"`
	// ReplicationFactor for created topics. Default: -1, the brokers'
	// default; 0 is a problem.
	ReplicationFactor int16 `yaml:"replication_factor"`
}

// KafkaConsumerConfig tunes the at-least-once consumers.
type KafkaConsumerConfig struct {
	// MaxAttempts is how many transient failures in a row of one batch a
	// stage absorbs before it reports not ready; it keeps retrying after
	// that (a transient failure never dead-letters; only a permanent one,
	// such as a message that cannot be decoded, goes to the dead-letter
	// topic). Default: 5.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBackoff is the first wait between attempts, doubled each time.
	// Default: 200ms.
	RetryBackoff time.Duration `yaml:"retry_backoff"`
	// BatchSize is the most messages handled as one batch. Default: 256.
	BatchSize int `yaml:"batch_size"`
}

// StoreConfig says where posts, events and incidents are kept.
type StoreConfig struct {
	// Driver is sqlite (default, in the data dir) or clickhouse.
	Driver     string           `yaml:"driver"`
	SQLite     SQLiteConfig     `yaml:"sqlite"`
	ClickHouse ClickHouseConfig `yaml:"clickhouse"`
}

// SQLiteConfig configures the embedded store.
type SQLiteConfig struct {
	// Path of the database file. Default: DATA_DIR/yuqing.db.
	Path string `yaml:"path"`
}

// ClickHouseConfig configures the ClickHouse store (native protocol).
type ClickHouseConfig struct {
	Addrs    []string `yaml:"addrs"` // host:9000
	Database string   `yaml:"database"`
	Username string   `yaml:"username"`
	// Password is a secret: password_file or password_env may give it.
	Password string `yaml:"password" secret:"true"`
	// Cluster, when set, creates tables ON CLUSTER: a Replicated table on
	// every node under a Distributed table sharded by post ID.
	Cluster string `yaml:"cluster"`
	// Retention is how long posts are kept after their publish time, in
	// whole days (a TTL on the posts table, on servers from 20.3); 0 keeps
	// them forever. It applies when `yuqing migrate` creates the table;
	// changing it later is an operator's ALTER TABLE ... MODIFY TTL.
	// Default: 0.
	Retention   time.Duration `yaml:"retention"`
	DialTimeout time.Duration `yaml:"dial_timeout"`
	TLS         TLSConfig     `yaml:"tls"`
}

// CrawlerConfig configures collection.
type CrawlerConfig struct {
	// UserAgent sent with every request.
	UserAgent string `yaml:"user_agent"`
	// Interval is the default time between two polls of a source. Default: 5m.
	Interval time.Duration `yaml:"interval"`
	// RequestTimeout bounds one HTTP request. Default: 20s.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// MaxPageBytes is the largest page read. Default: 5 MiB.
	MaxPageBytes int64 `yaml:"max_page_bytes"`
	// Parallelism is the number of sources crawled at once. Default: 4.
	Parallelism int `yaml:"parallelism"`
	// HostDelay is the least time between two requests to one host.
	// Default: 1s; an explicit 0 sends them without waiting (tests).
	HostDelay time.Duration `yaml:"host_delay"`
	// IgnoreRobots disables robots.txt checks; for tests only.
	IgnoreRobots bool `yaml:"ignore_robots"`
	// Group, when set, makes this crawler one replica of a group sharing
	// the sources through Kafka (consumer group of this name): each host
	// is polled by one replica, and the seen-sets are shared so a source
	// that moves to another replica does not publish its pages again.
	// Every replica must have the same sources. Default: empty (this
	// process polls every source alone).
	Group string `yaml:"group"`
	// GroupPartitions is the partition count of the crawler state topic
	// when it is created: the most replicas that get work. Default: 16.
	GroupPartitions int32 `yaml:"group_partitions"`
	// HotMinInterval is the shortest interval a hot-source request (the
	// responder asking for a source to be polled faster) can set.
	// Default: 1m.
	HotMinInterval time.Duration `yaml:"hot_min_interval"`
	// HotMaxDuration is the longest a hot-source request lasts.
	// Default: 6h.
	HotMaxDuration time.Duration `yaml:"hot_max_duration"`
	// SourcesRefresh is how often the crawler asks the store whether
	// people changed the sources (the console's 信息源 page); an added,
	// edited or disabled source takes effect within this interval. The
	// sources below seed the store. Default: 30s.
	SourcesRefresh time.Duration `yaml:"sources_refresh"`
	Sources        []Source      `yaml:"sources"`
}

// Source is one place the crawler collects from.
type Source struct {
	// ID is a short stable key (letters, digits, - and _).
	ID string `yaml:"id"`
	// Name is the display name shown to users, e.g. 某县人民政府网.
	Name string `yaml:"name"`
	// Kind is portal, news, forum, feed or api.
	Kind string `yaml:"kind"`
	// Authority is the tier: 官方, 中央媒体, 省级媒体, 地方媒体, 论坛 or 自媒体.
	Authority string `yaml:"authority"`
	// Region is the home region's GB/T 2260 code, optional.
	Region string `yaml:"region"`
	// URL is where crawling starts: a list page, or the feed.
	URL string `yaml:"url"`
	// Interval overrides the crawler's default poll interval.
	Interval time.Duration `yaml:"interval"`
	// AllowedDomains limits followed links; default: the URL's host.
	AllowedDomains []string `yaml:"allowed_domains"`
	// AllowPrivate permits loopback and private addresses (the demo).
	AllowPrivate bool `yaml:"allow_private"`
	// Encoding forces a charset (gbk, gb18030, big5, utf-8) when a site
	// declares it wrongly.
	Encoding string `yaml:"encoding"`
	// List says how a list page leads to articles (HTML sources).
	List ListRules `yaml:"list"`
	// Article gives optional selectors when generic extraction is not enough.
	Article ArticleRules `yaml:"article"`
	// API maps a JSON API's answer to documents (kind api only).
	API APIRules `yaml:"api"`
}

// APIRules map the JSON answer of a kind api source to documents. Paths
// are dot-separated keys and array indexes into the JSON, e.g.
// data.list or result.items.0.title.
type APIRules struct {
	// Items is the path of the array of items; empty when the answer is
	// the array itself.
	Items string `yaml:"items"`
	// ID is the path, within an item, of its native ID; the document ID
	// is then derived from source and ID. Either id or url is required.
	ID string `yaml:"id"`
	// Title, Body, Time, Author and URL are paths within an item. Title or
	// body is required. HTML in title and body is reduced to text.
	Title  string `yaml:"title"`
	Body   string `yaml:"body"`
	Time   string `yaml:"time"`
	Author string `yaml:"author"`
	URL    string `yaml:"url"`
	// TimeFormat reads Time: unix (seconds), unix_ms, a Go layout such as
	// "2006-01-02 15:04:05" (Asia/Shanghai unless it carries a zone), or
	// empty for the formats Chinese sites commonly use.
	TimeFormat string `yaml:"time_format"`
	// Next is the path, in the answer, of the next page's URL.
	Next string `yaml:"next"`
	// MaxPages bounds the pages read per poll. Default: 1.
	MaxPages int `yaml:"max_pages"`
}

// ListRules describes a list page.
type ListRules struct {
	// Links is a CSS selector of the article links; default: links on the
	// page that stay in the allowed domains and look like articles.
	Links string `yaml:"links"`
	// Next is a CSS selector of the next-page link.
	Next string `yaml:"next"`
	// MaxPages bounds pagination per poll. Default: 3.
	MaxPages int `yaml:"max_pages"`
}

// ArticleRules are optional CSS selectors for article pages.
type ArticleRules struct {
	Title  string `yaml:"title"`
	Body   string `yaml:"body"`
	Time   string `yaml:"time"`
	Author string `yaml:"author"`
}

// AnalyzerConfig configures analysis.
type AnalyzerConfig struct {
	// Workers analyse documents in parallel. Default: 0, one per CPU.
	Workers int `yaml:"workers"`
	// HomeRegion is the office's home jurisdiction (GB/T 2260 code): a
	// place name that exists in several places is read as the one nearest
	// to it.
	HomeRegion string `yaml:"home_region"`
	// ExtraRegions are divisions missing from the embedded table (new or
	// renamed ones), added at start.
	ExtraRegions []Division `yaml:"extra_regions"`
	// Places are the jurisdiction's own places below county level (towns,
	// villages, communities, roads): the segmenter keeps each one word, so
	// keywords hold no piece of one, and posts name them as places that
	// tell stories apart.
	Places []string `yaml:"places"`
	// Schemes are the monitoring schemes (监测方案) every post is matched
	// against.
	Schemes []Scheme `yaml:"schemes"`
	// TopicsFile replaces the embedded topic table (the 政务 focus areas
	// and their weighted keywords) with a file of the same TSV format, so
	// topics change without recompiling.
	TopicsFile string `yaml:"topics_file"`
	// DictionaryRefresh is how often the analyzer asks the store whether
	// officers changed the user dictionary (POST /api/v1/dictionary); a
	// change reaches the segmenter within this interval. Default 30s.
	DictionaryRefresh time.Duration `yaml:"dictionary_refresh"`
}

// Scheme is a monitoring scheme: four word lists (each list any-of, the
// lists combined with AND, exclusions with NOT) and/or an expression with
// AND, OR, NOT, parentheses, "phrases" and NEAR/n(a, b).
type Scheme struct {
	ID         string   `yaml:"id"`
	Name       string   `yaml:"name"`
	Regions    []string `yaml:"regions"`    // 地域词
	Subjects   []string `yaml:"subjects"`   // 主体词
	Events     []string `yaml:"events"`     // 事件词
	Exclusions []string `yaml:"exclusions"` // 排除词
	Expression string   `yaml:"expression"`
	// Alert makes a matching post open an incident.
	Alert bool `yaml:"alert"`
}

// Division is an administrative division: its GB/T 2260 code and full name.
type Division struct {
	Code string `yaml:"code"`
	Name string `yaml:"name"`
}

// ResponderConfig configures event clustering and incident opening.
type ResponderConfig struct {
	// Window is how long an event stays open to new posts after its last
	// post. Default: 72h.
	Window time.Duration `yaml:"window"`
	// IncidentMinPosts is the least posts an event needs to open an
	// incident. Default: 5.
	IncidentMinPosts int `yaml:"incident_min_posts"`
	// IncidentNegativeShare is the least share of negative posts. Default:
	// 0.5; an explicit 0 does not require negative posts.
	IncidentNegativeShare float64 `yaml:"incident_negative_share"`
	// IncidentMinSources is the least distinct sources. Default: 2.
	IncidentMinSources int `yaml:"incident_min_sources"`
	// IncidentBurstWindow is the span the incident thresholds are counted
	// over: an incident opens when, within this span before the event's
	// latest post, enough posts from enough sources were negative enough.
	// Slowly accumulating chatter never crosses it. Default: 6h.
	IncidentBurstWindow time.Duration `yaml:"incident_burst_window"`
	// IncidentTopics are sensitive topics: an event mostly about one needs
	// half the posts to open an incident. Default: 安全生产, 突发事件与自然灾害,
	// 食品药品安全; an explicit [] has none.
	IncidentTopics []string `yaml:"incident_topics"`
	// IncidentMinHeat opens an incident when an event's heat index reaches
	// it; 0 (the default) does not use heat.
	IncidentMinHeat float64 `yaml:"incident_min_heat"`
	// IncidentTiers are authority tiers whose negative coverage opens an
	// incident once the event has two posts. Default: [中央媒体]; an
	// explicit [] has none.
	IncidentTiers []string `yaml:"incident_tiers"`
	// LevelByTier suggests at least a level for an event that a tier
	// covered negatively (local practice grades 舆情 by which media report
	// it). Default: {中央媒体: III}; an explicit {} suggests none.
	LevelByTier map[string]string `yaml:"level_by_tier"`
	// ClockStart anchors the 5 h / 24 h / 48 h clocks: earliest (default:
	// the earlier of the event time a text gives and the first post),
	// event, or detection (the first post).
	ClockStart string `yaml:"clock_start"`
	// RuleOverrides set local limits by rule ID, e.g. R-5H: {hours: 3}.
	RuleOverrides map[string]RuleOverride `yaml:"rule_overrides"`
	// Reminders are the points at which a pending obligation is reminded:
	// a share of its time ("50%") or a time before it is due ("1h").
	// Default: ["50%", "1h"]; an explicit [] reminds nobody.
	Reminders []string `yaml:"reminders"`
	// TickInterval is how often deadlines are checked. Default: 15s.
	TickInterval time.Duration `yaml:"tick_interval"`
	// SessionTimeout is the responder consumer group's session timeout:
	// how long the brokers wait for a silent member (a killed process)
	// before the standby responder is given its partitions. Kafka refuses
	// values outside group.min.session.timeout.ms (6s by default) and
	// group.max.session.timeout.ms (30m; the embedded broker's is 5m).
	// Default: 10s (the other groups keep the client's 45s).
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// HeartbeatInterval is how often the responder's group member tells
	// the brokers it is alive, and so how soon a waiting standby hears of
	// a rebalance. At most a third of session_timeout. Default: 1s.
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	// EffectWindow is the span before and after the first response that
	// the effect evaluation compares. Default: 6h.
	EffectWindow time.Duration `yaml:"effect_window"`
	// BacklogHorizon separates the backlog from news: an incident whose
	// posts were all published longer than this before the responder saw
	// them is opened as historical (历史) — recorded and shown, with its
	// obligations, but never reminded or paged, since its deadlines passed
	// before anyone could act. Default: 6h.
	BacklogHorizon time.Duration `yaml:"backlog_horizon"`
	// Notify configures the alerts to duty staff; with no channels,
	// deadlines are tracked and recorded but nobody is alerted.
	Notify NotifyConfig `yaml:"notify"`
}

// RuleOverride is a local limit for one rule: hours for a clock rule,
// workdays for a working-day rule.
type RuleOverride struct {
	Hours    float64 `yaml:"hours"`
	Workdays int     `yaml:"workdays"`
}

// DemoConfig configures the simulated local web served for the demo.
type DemoConfig struct {
	// Enabled serves the demo sites and adds their sources to the crawler.
	Enabled bool `yaml:"enabled"`
	// Listen is the demo web's address. Default: 127.0.0.1:0 (a free port).
	Listen string `yaml:"listen"`
	// Speed scales the scenario clock: 1 plays it in real time, 60 plays a
	// minute of the scenario in a second. Default: 1.
	Speed float64 `yaml:"speed"`
}

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the embedded default configuration (the demo).
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Default returns the embedded default configuration, with defaults applied.
func Default() *Config {
	c, err := Parse(defaultYAML)
	if err != nil {
		panic("BUG: embedded default config is invalid: " + err.Error())
	}
	return c
}

// Load reads the config file at path and decodes it as Parse does. An
// unreadable file is an error naming it; problems in the file are a
// *ValidationError (wrapped with the file name), returned with the
// config as Parse returns them. Load does not validate; see Validate.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config %q: %w", path, err)
	}
	c, err := Parse(b)
	if err != nil {
		return c, fmt.Errorf("cannot parse config %q: %w", path, err)
	}
	return c, nil
}

// Parse decodes one YAML document strictly and applies the defaults to
// the keys it leaves out. When the YAML itself cannot be read, it returns
// nil and the error. Otherwise it returns the config, and when decoding
// found problems, a *ValidationError listing all of them with key paths
// and lines; the keys in error are left at their defaults so that more
// checks can run on the rest, but such a config must not be run.
func Parse(b []byte) (*Config, error) {
	var c Config
	ps, set, ok := decodeYAML(b, &c)
	if !ok {
		return nil, &ValidationError{Problems: ps}
	}
	c.applyDefaults(func(path string) bool { return set[path] })
	if len(ps) > 0 {
		return &c, &ValidationError{Problems: ps}
	}
	return &c, nil
}

// AuthConfig is the console's accounts, sessions and login policy
// (GB/T 22239-2019 level 3). The defaults are the level's requirements;
// loosening them is the operator's explicit choice.
type AuthConfig struct {
	Password PasswordConfig `yaml:"password"`
	Lockout  LockoutConfig  `yaml:"lockout"`
	Session  SessionConfig  `yaml:"session"`
	// TOTPForEveryone requires a second factor of every account; the
	// three administrator roles always need one. Default: false.
	TOTPForEveryone bool `yaml:"totp_for_everyone"`
	// Hosts are the host names the console answers to besides IP
	// addresses and localhost (DNS rebinding is refused), e.g.
	// yuqing.example.gov.cn.
	Hosts []string `yaml:"hosts"`
	// SecureCookies marks the session cookie Secure although the
	// console itself serves plain HTTP: for a TLS proxy in front.
	// Default: false (true anyway with http.tls_cert_file).
	SecureCookies bool `yaml:"secure_cookies"`
	// DemoAccounts creates one account per role, named after the role,
	// with the documented demo password: for the demo only. Default:
	// false (the embedded default config sets it with the demo).
	DemoAccounts bool `yaml:"demo_accounts"`
	// OIDC, when its issuer is set, offers single sign-on with an
	// OpenID Connect provider beside the passwords.
	OIDC OIDCConfig `yaml:"oidc"`
}

// OIDCConfig is single sign-on with an OpenID Connect provider: an
// account is created (or updated) at its first login with the role its
// claims map to; a login whose claims map to no role is refused.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (its discovery document is at
	// ISSUER/.well-known/openid-configuration).
	Issuer       string `yaml:"issuer"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret" secret:"true"`
	// RedirectURL is the console's callback as the provider knows it:
	// https://HOST/login/oidc/callback.
	RedirectURL string `yaml:"redirect_url"`
	// UsernameClaim names the account. Default: preferred_username.
	UsernameClaim string `yaml:"username_claim"`
	// RolesClaim holds the person's groups or roles (a string or a list
	// of strings). Default: roles.
	RolesClaim string `yaml:"roles_claim"`
	// RoleMap maps a value of RolesClaim to a role key; of several
	// matches the first in the role table (administrators first) wins.
	RoleMap map[string]string `yaml:"role_map"`
	// SecondFactorByProvider trusts the provider's login as the second
	// factor of administrators (the provider enforces MFA). Default:
	// false: administrators still enter their TOTP.
	SecondFactorByProvider bool `yaml:"second_factor_by_provider"`
}

// PasswordConfig is the password policy.
type PasswordConfig struct {
	// MinLength is the fewest characters. Default: 8.
	MinLength int `yaml:"min_length"`
	// MinClasses is how many of lower case, upper case, digits and other
	// characters a password mixes at least (1 to 4). Default: 3.
	MinClasses int `yaml:"min_classes"`
	// MaxAge is how long a password serves before it must be changed; 0
	// is forever. Default: 2160h (90 days).
	MaxAge time.Duration `yaml:"max_age"`
	// History is how many previous passwords may not be reused.
	// Default: 5.
	History int `yaml:"history"`
	// ChangeOnFirstLogin forces a change of the initial (or reset)
	// password. Default: true.
	ChangeOnFirstLogin bool `yaml:"change_on_first_login"`
}

// LockoutConfig is the lock after failed logins, per account and per
// client address.
type LockoutConfig struct {
	// MaxFailures in a row lock. Default: 5.
	MaxFailures int `yaml:"max_failures"`
	// Duration of the lock. Default: 30m.
	Duration time.Duration `yaml:"duration"`
}

// SessionConfig bounds a login's session.
type SessionConfig struct {
	// IdleTimeout ends a session unused this long. Default: 30m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxAge ends every session this long after its login. Default: 12h.
	MaxAge time.Duration `yaml:"max_age"`
}
