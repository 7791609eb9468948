// Package config owns yuqing's configuration: one typed struct with
// documented defaults, decoded strictly from YAML (an unknown key is an
// error), and validated in one place. Every stage takes its own part of it.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/scheme"
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

// TLSConfig enables TLS to external brokers.
type TLSConfig struct {
	Enabled            bool   `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// SASLConfig enables SASL authentication to external brokers.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty disables SASL.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
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
	// ReplicationFactor for created topics; -1 uses the broker default.
	ReplicationFactor int16 `yaml:"replication_factor"`
}

// KafkaConsumerConfig tunes the at-least-once consumers.
type KafkaConsumerConfig struct {
	// MaxAttempts is how often a failing message is tried before it goes
	// to the dead-letter topic. Default: 5.
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
	Password string   `yaml:"password"`
	// Cluster, when set, creates tables ON CLUSTER with Replicated engines.
	Cluster     string        `yaml:"cluster"`
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
	// HostDelay is the least time between two requests to one host. Default: 1s.
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
	// Workers analyse documents in parallel. Default: number of CPUs.
	Workers int `yaml:"workers"`
	// HomeRegion is the office's home jurisdiction (GB/T 2260 code): a
	// place name that exists in several places is read as the one nearest
	// to it.
	HomeRegion string `yaml:"home_region"`
	// ExtraRegions are divisions missing from the embedded table (new or
	// renamed ones), added at start.
	ExtraRegions []Division `yaml:"extra_regions"`
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
	// IncidentNegativeShare is the least share of negative posts. Default: 0.5.
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
	// 食品药品安全.
	IncidentTopics []string `yaml:"incident_topics"`
	// IncidentMinHeat opens an incident when an event's heat index reaches
	// it; 0 (the default) does not use heat.
	IncidentMinHeat float64 `yaml:"incident_min_heat"`
	// IncidentTiers are authority tiers whose negative coverage opens an
	// incident once the event has two posts. Default: [中央媒体].
	IncidentTiers []string `yaml:"incident_tiers"`
	// LevelByTier suggests at least a level for an event that a tier
	// covered negatively (local practice grades 舆情 by which media report
	// it). Default: {中央媒体: III}.
	LevelByTier map[string]string `yaml:"level_by_tier"`
	// ClockStart anchors the 5 h / 24 h / 48 h clocks: earliest (default:
	// the earlier of the event time a text gives and the first post),
	// event, or detection (the first post).
	ClockStart string `yaml:"clock_start"`
	// RuleOverrides set local limits by rule ID, e.g. R-5H: {hours: 3}.
	RuleOverrides map[string]RuleOverride `yaml:"rule_overrides"`
	// Reminders are the points at which a pending obligation is reminded:
	// a share of its time ("50%") or a time before it is due ("1h").
	// Default: ["50%", "1h"].
	Reminders []string `yaml:"reminders"`
	// TickInterval is how often deadlines are checked. Default: 15s.
	TickInterval time.Duration `yaml:"tick_interval"`
	// EffectWindow is the span before and after the first response that
	// the effect evaluation compares. Default: 6h.
	EffectWindow time.Duration `yaml:"effect_window"`
	// Notify configures the alerts to duty staff; with no channels,
	// deadlines are tracked and recorded but nobody is alerted.
	Notify notify.Config `yaml:"notify"`
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

// Load reads, decodes and applies defaults to the config file at path. It
// does not validate; call Validate.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config %q: %w", path, err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("cannot parse config %q: %w", path, err)
	}
	return c, nil
}

// Parse decodes YAML strictly (unknown keys are errors) and applies defaults.
func Parse(b []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	c.ApplyDefaults()
	return &c, nil
}

// ApplyDefaults fills zero fields with their documented defaults.
func (c *Config) ApplyDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defDur := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.DataDir, "data")
	def(&c.HTTP.Listen, "127.0.0.1:8080")
	def(&c.Kafka.ClientID, "yuqing")
	def(&c.Kafka.Embedded.Listen, "127.0.0.1:9092")
	defDur(&c.Kafka.Embedded.Retention, 168*time.Hour)
	if c.Kafka.Topics.Partitions == 0 {
		c.Kafka.Topics.Partitions = 4
	}
	if c.Kafka.Topics.ReplicationFactor == 0 {
		c.Kafka.Topics.ReplicationFactor = -1
	}
	if c.Kafka.Consumer.MaxAttempts == 0 {
		c.Kafka.Consumer.MaxAttempts = 5
	}
	defDur(&c.Kafka.Consumer.RetryBackoff, 200*time.Millisecond)
	if c.Kafka.Consumer.BatchSize == 0 {
		c.Kafka.Consumer.BatchSize = 256
	}
	def(&c.Store.Driver, "sqlite")
	def(&c.Store.ClickHouse.Database, "yuqing")
	def(&c.Store.ClickHouse.Username, "default")
	defDur(&c.Store.ClickHouse.DialTimeout, 10*time.Second)
	def(&c.Crawler.UserAgent, "yuqing/1.0 (+public-opinion monitor; polite crawler)")
	defDur(&c.Crawler.Interval, 5*time.Minute)
	defDur(&c.Crawler.RequestTimeout, 20*time.Second)
	if c.Crawler.MaxPageBytes == 0 {
		c.Crawler.MaxPageBytes = 5 << 20
	}
	if c.Crawler.Parallelism == 0 {
		c.Crawler.Parallelism = 4
	}
	defDur(&c.Crawler.HostDelay, time.Second)
	if c.Crawler.GroupPartitions == 0 {
		c.Crawler.GroupPartitions = 16
	}
	defDur(&c.Crawler.HotMinInterval, time.Minute)
	defDur(&c.Analyzer.DictionaryRefresh, 30*time.Second)
	defDur(&c.Crawler.HotMaxDuration, 6*time.Hour)
	for i := range c.Crawler.Sources {
		s := &c.Crawler.Sources[i]
		defDur(&s.Interval, c.Crawler.Interval)
		if s.List.MaxPages == 0 {
			s.List.MaxPages = 3
		}
		if s.API.MaxPages == 0 {
			s.API.MaxPages = 1
		}
	}
	defDur(&c.Responder.Window, 72*time.Hour)
	if c.Responder.IncidentMinPosts == 0 {
		c.Responder.IncidentMinPosts = 5
	}
	if c.Responder.IncidentNegativeShare == 0 {
		c.Responder.IncidentNegativeShare = 0.5
	}
	if c.Responder.IncidentMinSources == 0 {
		c.Responder.IncidentMinSources = 2
	}
	defDur(&c.Responder.IncidentBurstWindow, 6*time.Hour)
	def(&c.Responder.ClockStart, "earliest")
	if c.Responder.IncidentTopics == nil {
		c.Responder.IncidentTopics = []string{"安全生产", "突发事件与自然灾害", "食品药品安全"}
	}
	if c.Responder.IncidentTiers == nil {
		c.Responder.IncidentTiers = []string{"中央媒体"}
	}
	if c.Responder.LevelByTier == nil {
		c.Responder.LevelByTier = map[string]string{"中央媒体": "III"}
	}
	if c.Responder.Reminders == nil {
		c.Responder.Reminders = []string{"50%", "1h"}
	}
	defDur(&c.Responder.TickInterval, 15*time.Second)
	defDur(&c.Responder.EffectWindow, 6*time.Hour)
	c.Responder.Notify.ApplyDefaults()
	def(&c.Demo.Listen, "127.0.0.1:0")
	if c.Demo.Speed == 0 {
		c.Demo.Speed = 1
	}
}

// SQLitePath is the SQLite file: the configured path or DATA_DIR/yuqing.db.
func (c *Config) SQLitePath() string {
	if c.Store.SQLite.Path != "" {
		return c.Store.SQLite.Path
	}
	return strings.TrimRight(c.DataDir, "/") + "/yuqing.db"
}

// Problem is one validation failure, at a key path such as
// crawler.sources[2].url.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// ValidationError lists every problem found in a config.
type ValidationError struct{ Problems []Problem }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid config: " + strings.Join(parts, "; ")
}

var (
	kinds       = []string{"portal", "news", "forum", "feed", "api"}
	authorities = []string{"官方", "中央媒体", "省级媒体", "地方媒体", "论坛", "自媒体"}
	mechanisms  = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
	encodings   = []string{"utf-8", "gbk", "gb2312", "gb18030", "big5"}
)

// Validate checks the whole config and returns a *ValidationError listing
// every problem, or nil.
func (c *Config) Validate() error {
	var ps []Problem
	bad := func(path, format string, args ...any) {
		ps = append(ps, Problem{path, fmt.Sprintf(format, args...)})
	}
	checkAddr := func(path, addr string) {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(path, "%q is not host:port", addr)
		}
	}
	checkAddr("http.listen", c.HTTP.Listen)
	if c.HTTP.DebugListen != "" {
		checkAddr("http.debug_listen", c.HTTP.DebugListen)
	}
	if len(c.Kafka.Brokers) == 0 {
		checkAddr("kafka.embedded.listen", c.Kafka.Embedded.Listen)
		if c.Kafka.Embedded.Retention < time.Minute {
			bad("kafka.embedded.retention", "must be at least 1m, got %s", c.Kafka.Embedded.Retention)
		}
	}
	for i, b := range c.Kafka.Brokers {
		checkAddr(fmt.Sprintf("kafka.brokers[%d]", i), b)
	}
	if m := c.Kafka.SASL.Mechanism; m != "" {
		if !slices.Contains(mechanisms, m) {
			bad("kafka.sasl.mechanism", "%q is not one of %s", m, strings.Join(mechanisms, ", "))
		}
		if c.Kafka.SASL.Username == "" {
			bad("kafka.sasl.username", "is required with a SASL mechanism")
		}
	}
	if c.Kafka.Topics.Partitions < 1 {
		bad("kafka.topics.partitions", "must be at least 1, got %d", c.Kafka.Topics.Partitions)
	}
	if c.Kafka.Consumer.MaxAttempts < 1 {
		bad("kafka.consumer.max_attempts", "must be at least 1, got %d", c.Kafka.Consumer.MaxAttempts)
	}
	if c.Kafka.Consumer.BatchSize < 1 {
		bad("kafka.consumer.batch_size", "must be at least 1, got %d", c.Kafka.Consumer.BatchSize)
	}
	switch c.Store.Driver {
	case "sqlite":
	case "clickhouse":
		if len(c.Store.ClickHouse.Addrs) == 0 {
			bad("store.clickhouse.addrs", "is required with driver clickhouse")
		}
		for i, a := range c.Store.ClickHouse.Addrs {
			checkAddr(fmt.Sprintf("store.clickhouse.addrs[%d]", i), a)
		}
		if !isIdent(c.Store.ClickHouse.Database) {
			bad("store.clickhouse.database", "%q is not a valid database name", c.Store.ClickHouse.Database)
		}
	default:
		bad("store.driver", "%q is not sqlite or clickhouse", c.Store.Driver)
	}
	if c.Crawler.Interval < time.Second {
		bad("crawler.interval", "must be at least 1s, got %s", c.Crawler.Interval)
	}
	if c.Crawler.RequestTimeout <= 0 {
		bad("crawler.request_timeout", "must be positive")
	}
	if c.Crawler.MaxPageBytes < 1024 {
		bad("crawler.max_page_bytes", "must be at least 1024, got %d", c.Crawler.MaxPageBytes)
	}
	if c.Crawler.Parallelism < 1 {
		bad("crawler.parallelism", "must be at least 1, got %d", c.Crawler.Parallelism)
	}
	if c.Crawler.HostDelay < 0 {
		bad("crawler.host_delay", "must not be negative")
	}
	if g := c.Crawler.Group; g != "" && !isIdent(strings.NewReplacer("-", "_", ".", "_").Replace(g)) {
		bad("crawler.group", "%q may contain only letters, digits, -, . and _", g)
	}
	if n := c.Crawler.GroupPartitions; n < 1 || n > 1024 {
		bad("crawler.group_partitions", "must be between 1 and 1024, got %d", n)
	}
	if c.Crawler.HotMinInterval < time.Second {
		bad("crawler.hot_min_interval", "must be at least 1s, got %s", c.Crawler.HotMinInterval)
	}
	if c.Crawler.HotMaxDuration < c.Crawler.HotMinInterval {
		bad("crawler.hot_max_duration", "must be at least crawler.hot_min_interval (%s), got %s", c.Crawler.HotMinInterval, c.Crawler.HotMaxDuration)
	}
	seen := map[string]int{}
	for i, s := range c.Crawler.Sources {
		p := fmt.Sprintf("crawler.sources[%d]", i)
		switch {
		case s.ID == "":
			bad(p+".id", "is required")
		case !isIdent(strings.ReplaceAll(s.ID, "-", "_")):
			bad(p+".id", "%q may contain only letters, digits, - and _", s.ID)
		default:
			if j, dup := seen[s.ID]; dup {
				bad(p+".id", "%q is already used by crawler.sources[%d]", s.ID, j)
			}
			seen[s.ID] = i
		}
		if s.Name == "" {
			bad(p+".name", "is required")
		}
		if !slices.Contains(kinds, s.Kind) {
			bad(p+".kind", "%q is not one of %s", s.Kind, strings.Join(kinds, ", "))
		}
		if !slices.Contains(authorities, s.Authority) {
			bad(p+".authority", "%q is not one of %s", s.Authority, strings.Join(authorities, ", "))
		}
		if s.Region != "" && !isRegionCode(s.Region) {
			bad(p+".region", "%q is not a 6-digit GB/T 2260 code", s.Region)
		}
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(p+".url", "%q is not an http(s) URL", s.URL)
		}
		if s.Interval < time.Second {
			bad(p+".interval", "must be at least 1s, got %s", s.Interval)
		}
		if s.Encoding != "" && !slices.Contains(encodings, strings.ToLower(s.Encoding)) {
			bad(p+".encoding", "%q is not one of %s", s.Encoding, strings.Join(encodings, ", "))
		}
		if s.List.MaxPages < 1 {
			bad(p+".list.max_pages", "must be at least 1, got %d", s.List.MaxPages)
		}
		validateAPI(p+".api", s.Kind, s.API, bad)
	}
	if c.Analyzer.Workers < 0 {
		bad("analyzer.workers", "must not be negative")
	}
	if c.Analyzer.DictionaryRefresh < time.Second {
		bad("analyzer.dictionary_refresh", "must be at least 1s, got %s", c.Analyzer.DictionaryRefresh)
	}
	schemeIDs := map[string]int{}
	for i, sc := range c.Analyzer.Schemes {
		p := fmt.Sprintf("analyzer.schemes[%d]", i)
		if j, dup := schemeIDs[sc.ID]; dup && sc.ID != "" {
			bad(p+".id", "%q is already used by analyzer.schemes[%d]", sc.ID, j)
		}
		schemeIDs[sc.ID] = i
		if sc.ID == "" {
			bad(p+".id", "is required")
			continue
		}
		s := scheme.Scheme{ID: sc.ID, Name: sc.Name, Regions: sc.Regions, Subjects: sc.Subjects, Events: sc.Events,
			Exclusions: sc.Exclusions, Expression: sc.Expression}
		if err := s.Validate(); err != nil {
			bad(p, "%v", err)
		}
	}
	if h := c.Analyzer.HomeRegion; h != "" && !isRegionCode(h) {
		bad("analyzer.home_region", "%q is not a 6-digit GB/T 2260 code", h)
	}
	for i, d := range c.Analyzer.ExtraRegions {
		if !isRegionCode(d.Code) {
			bad(fmt.Sprintf("analyzer.extra_regions[%d].code", i), "%q is not a 6-digit GB/T 2260 code", d.Code)
		}
		if d.Name == "" {
			bad(fmt.Sprintf("analyzer.extra_regions[%d].name", i), "is required")
		}
	}
	if c.Responder.Window < time.Minute {
		bad("responder.window", "must be at least 1m, got %s", c.Responder.Window)
	}
	if c.Responder.IncidentMinPosts < 1 {
		bad("responder.incident_min_posts", "must be at least 1")
	}
	if v := c.Responder.IncidentNegativeShare; v < 0 || v > 1 {
		bad("responder.incident_negative_share", "must be between 0 and 1, got %g", v)
	}
	if c.Responder.IncidentMinSources < 1 {
		bad("responder.incident_min_sources", "must be at least 1")
	}
	if w := c.Responder.IncidentBurstWindow; w < time.Minute || w > c.Responder.Window {
		bad("responder.incident_burst_window", "must be between 1m and responder.window (%s), got %s", c.Responder.Window, w)
	}
	for i, tier := range c.Responder.IncidentTiers {
		if !slices.Contains(authorities, tier) {
			bad(fmt.Sprintf("responder.incident_tiers[%d]", i), "%q is not one of %s", tier, strings.Join(authorities, ", "))
		}
	}
	for _, tier := range slices.Sorted(maps.Keys(c.Responder.LevelByTier)) {
		if !slices.Contains(authorities, tier) {
			bad("responder.level_by_tier."+tier, "%q is not one of %s", tier, strings.Join(authorities, ", "))
		}
		if l := c.Responder.LevelByTier[tier]; !model.ValidLevel(l) {
			bad("responder.level_by_tier."+tier, "%q is not I, II, III or IV", l)
		}
	}
	if c.Responder.IncidentMinHeat < 0 {
		bad("responder.incident_min_heat", "must not be negative, got %g", c.Responder.IncidentMinHeat)
	}
	if !slices.Contains([]string{"earliest", "event", "detection"}, c.Responder.ClockStart) {
		bad("responder.clock_start", "%q is not earliest, event or detection", c.Responder.ClockStart)
	}
	for _, id := range slices.Sorted(maps.Keys(c.Responder.RuleOverrides)) {
		o := c.Responder.RuleOverrides[id]
		if (o.Hours > 0) == (o.Workdays > 0) || o.Hours < 0 || o.Workdays < 0 {
			bad("responder.rule_overrides."+id, "give either a positive hours or a positive workdays")
		}
	}
	for i, p := range c.Responder.Reminders {
		if _, _, err := ParseReminder(p); err != nil {
			bad(fmt.Sprintf("responder.reminders[%d]", i), "%v", err)
		}
	}
	if c.Responder.TickInterval < time.Second {
		bad("responder.tick_interval", "must be at least 1s, got %s", c.Responder.TickInterval)
	}
	if c.Responder.EffectWindow < time.Minute {
		bad("responder.effect_window", "must be at least 1m, got %s", c.Responder.EffectWindow)
	}
	for _, p := range c.Responder.Notify.Validate() {
		path, msg, ok := strings.Cut(p, ": ")
		if !ok {
			path, msg = "", p
		}
		bad(strings.TrimSuffix("responder.notify."+path, "."), "%s", msg)
	}
	if c.Demo.Enabled {
		checkAddr("demo.listen", c.Demo.Listen)
		if c.Demo.Speed <= 0 || c.Demo.Speed > 10000 {
			bad("demo.speed", "must be in (0, 10000], got %g", c.Demo.Speed)
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// validateAPI checks the JSON mapping of a source at key path p.
func validateAPI(p, kind string, a APIRules, bad func(path, format string, args ...any)) {
	paths := []struct{ name, path string }{{"items", a.Items}, {"id", a.ID}, {"title", a.Title}, {"body", a.Body},
		{"time", a.Time}, {"author", a.Author}, {"url", a.URL}, {"next", a.Next}}
	if kind != "api" {
		for _, f := range paths {
			if f.path != "" {
				bad(p+"."+f.name, "is only for kind api")
			}
		}
		return
	}
	for _, f := range paths {
		if f.path != "" && !ValidJSONPath(f.path) {
			bad(p+"."+f.name, "%q is not a path of dot-separated keys such as data.list", f.path)
		}
	}
	if a.ID == "" && a.URL == "" {
		bad(p+".id", "is required for kind api when api.url is not given")
	}
	if a.Title == "" && a.Body == "" {
		bad(p+".title", "is required for kind api when api.body is not given")
	}
	switch f := a.TimeFormat; {
	case f == "" || f == "unix" || f == "unix_ms":
	case !strings.Contains(f, "2006") && !strings.Contains(f, "06"):
		bad(p+".time_format", "%q is not unix, unix_ms or a Go time layout such as 2006-01-02 15:04:05", f)
	}
	if a.TimeFormat != "" && a.Time == "" {
		bad(p+".time", "is required with api.time_format")
	}
	if a.MaxPages < 1 {
		bad(p+".max_pages", "must be at least 1, got %d", a.MaxPages)
	}
}

// ValidJSONPath reports whether path is a dot-separated path of non-empty
// keys.
func ValidJSONPath(path string) bool {
	for _, seg := range strings.Split(path, ".") {
		if strings.TrimSpace(seg) == "" {
			return false
		}
	}
	return true
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func isRegionCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ParseReminder reads a reminder point: "50%" (a share of the obligation's
// time, 0–100 exclusive) or a duration before it is due ("1h", "30m").
func ParseReminder(s string) (share float64, before time.Duration, err error) {
	if v, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f >= 100 {
			return 0, 0, fmt.Errorf("%q is not a share between 0%% and 100%%", s)
		}
		return f / 100, 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, 0, fmt.Errorf("%q is neither a share such as 50%% nor a duration such as 1h", s)
	}
	return 0, d, nil
}
