package config

import (
	"strconv"
	"strings"
	"time"
)

// ApplyDefaults fills zero fields with their documented defaults. It is
// for configs built or extended in code (a test's, the demo's sources);
// Parse applies the same defaults to the keys a file leaves out and keeps
// a zero the file gives, which Validate then judges.
func (c *Config) ApplyDefaults() { c.applyDefaults(unset) }

// unset is the presence of keys for a config built in code: none was
// given, so every zero field takes its default.
func unset(string) bool { return false }

// defaulter sets a field to its default when the key was not given
// (set reports the keys a file gave, by key path) and the field is zero.
type defaulter struct{ set func(path string) bool }

func (d defaulter) str(path string, p *string, v string) {
	if *p == "" && !d.set(path) {
		*p = v
	}
}

func (d defaulter) dur(path string, p *time.Duration, v time.Duration) {
	if *p == 0 && !d.set(path) {
		*p = v
	}
}

func (d defaulter) int(path string, p *int, v int) {
	if *p == 0 && !d.set(path) {
		*p = v
	}
}

func (d defaulter) int32(path string, p *int32, v int32) {
	if *p == 0 && !d.set(path) {
		*p = v
	}
}

func (d defaulter) int16(path string, p *int16, v int16) {
	if *p == 0 && !d.set(path) {
		*p = v
	}
}

func (d defaulter) int64(path string, p *int64, v int64) {
	if *p == 0 && !d.set(path) {
		*p = v
	}
}

func (d defaulter) float(path string, p *float64, v float64) {
	if *p == 0 && !d.set(path) {
		*p = v
	}
}

// strings sets a list that is absent (nil and not given); an empty list
// the file gives stays empty.
func (d defaulter) strings(path string, p *[]string, v []string) {
	if *p == nil && !d.set(path) {
		*p = v
	}
}

func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// JoinPath appends a key to a key path: JoinPath("crawler", "sources") is
// crawler.sources, JoinPath("", "channels") is channels. Validators of
// other packages build their problems' paths with it and with IndexPath.
func JoinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// IndexPath is the key path of the i-th element of the list at path:
// crawler.sources[2].
func IndexPath(path string, i int) string { return indexPath(path, i) }

func (c *Config) applyDefaults(set func(string) bool) {
	d := defaulter{set}
	d.str("data_dir", &c.DataDir, "data")
	d.str("http.listen", &c.HTTP.Listen, "127.0.0.1:8080")
	d.int("http.min_free_disk_mb", &c.HTTP.MinFreeDiskMB, 256)
	d.str("kafka.client_id", &c.Kafka.ClientID, "yuqing")
	d.str("kafka.embedded.listen", &c.Kafka.Embedded.Listen, "127.0.0.1:9092")
	d.dur("kafka.embedded.retention", &c.Kafka.Embedded.Retention, 168*time.Hour)
	d.int32("kafka.topics.partitions", &c.Kafka.Topics.Partitions, 4)
	d.int16("kafka.topics.replication_factor", &c.Kafka.Topics.ReplicationFactor, -1)
	d.int("kafka.consumer.max_attempts", &c.Kafka.Consumer.MaxAttempts, 5)
	d.dur("kafka.consumer.retry_backoff", &c.Kafka.Consumer.RetryBackoff, 200*time.Millisecond)
	d.int("kafka.consumer.batch_size", &c.Kafka.Consumer.BatchSize, 256)
	d.str("store.driver", &c.Store.Driver, "sqlite")
	d.str("store.clickhouse.database", &c.Store.ClickHouse.Database, "yuqing")
	d.str("store.clickhouse.username", &c.Store.ClickHouse.Username, "default")
	d.dur("store.clickhouse.dial_timeout", &c.Store.ClickHouse.DialTimeout, 10*time.Second)
	d.str("crawler.user_agent", &c.Crawler.UserAgent, "yuqing/1.0 (+public-opinion monitor; polite crawler)")
	d.dur("crawler.interval", &c.Crawler.Interval, 5*time.Minute)
	d.dur("crawler.request_timeout", &c.Crawler.RequestTimeout, 20*time.Second)
	d.int64("crawler.max_page_bytes", &c.Crawler.MaxPageBytes, 5<<20)
	d.int("crawler.parallelism", &c.Crawler.Parallelism, 4)
	d.dur("crawler.host_delay", &c.Crawler.HostDelay, time.Second)
	d.int32("crawler.group_partitions", &c.Crawler.GroupPartitions, 16)
	d.dur("crawler.hot_min_interval", &c.Crawler.HotMinInterval, time.Minute)
	d.dur("crawler.sources_refresh", &c.Crawler.SourcesRefresh, 30*time.Second)
	d.dur("crawler.hot_max_duration", &c.Crawler.HotMaxDuration, 6*time.Hour)
	for i := range c.Crawler.Sources {
		s := &c.Crawler.Sources[i]
		p := indexPath("crawler.sources", i)
		d.dur(p+".interval", &s.Interval, c.Crawler.Interval)
		d.int(p+".list.max_pages", &s.List.MaxPages, 3)
		d.int(p+".api.max_pages", &s.API.MaxPages, 1)
	}
	d.dur("analyzer.dictionary_refresh", &c.Analyzer.DictionaryRefresh, 30*time.Second)
	d.dur("responder.window", &c.Responder.Window, 72*time.Hour)
	d.int("responder.incident_min_posts", &c.Responder.IncidentMinPosts, 5)
	d.float("responder.incident_negative_share", &c.Responder.IncidentNegativeShare, 0.5)
	d.int("responder.incident_min_sources", &c.Responder.IncidentMinSources, 2)
	d.dur("responder.incident_burst_window", &c.Responder.IncidentBurstWindow, 6*time.Hour)
	d.str("responder.clock_start", &c.Responder.ClockStart, "earliest")
	d.strings("responder.incident_topics", &c.Responder.IncidentTopics, []string{"安全生产", "突发事件与自然灾害", "食品药品安全"})
	d.strings("responder.incident_tiers", &c.Responder.IncidentTiers, []string{"中央媒体"})
	if c.Responder.LevelByTier == nil && !set("responder.level_by_tier") {
		c.Responder.LevelByTier = map[string]string{"中央媒体": "III"}
	}
	d.strings("responder.reminders", &c.Responder.Reminders, []string{"50%", "1h"})
	d.dur("responder.tick_interval", &c.Responder.TickInterval, 15*time.Second)
	d.dur("responder.session_timeout", &c.Responder.SessionTimeout, 10*time.Second)
	d.dur("responder.heartbeat_interval", &c.Responder.HeartbeatInterval, time.Second)
	d.dur("responder.effect_window", &c.Responder.EffectWindow, 6*time.Hour)
	d.dur("responder.backlog_horizon", &c.Responder.BacklogHorizon, 6*time.Hour)
	c.Responder.Notify.applyDefaults("responder.notify", set)
	c.Briefs.applyDefaults(set)
	d.int("auth.password.min_length", &c.Auth.Password.MinLength, 8)
	d.int("auth.password.min_classes", &c.Auth.Password.MinClasses, 3)
	d.dur("auth.password.max_age", &c.Auth.Password.MaxAge, 90*24*time.Hour)
	d.int("auth.password.history", &c.Auth.Password.History, 5)
	if !set("auth.password.change_on_first_login") {
		c.Auth.Password.ChangeOnFirstLogin = true
	}
	d.str("auth.oidc.username_claim", &c.Auth.OIDC.UsernameClaim, "preferred_username")
	d.str("auth.oidc.roles_claim", &c.Auth.OIDC.RolesClaim, "roles")
	d.int("auth.lockout.max_failures", &c.Auth.Lockout.MaxFailures, 5)
	d.dur("auth.lockout.duration", &c.Auth.Lockout.Duration, 30*time.Minute)
	d.dur("auth.session.idle_timeout", &c.Auth.Session.IdleTimeout, 30*time.Minute)
	d.dur("auth.session.max_age", &c.Auth.Session.MaxAge, 12*time.Hour)
	d.str("demo.listen", &c.Demo.Listen, "127.0.0.1:0")
	d.float("demo.speed", &c.Demo.Speed, 1)
	c.Inspector.applyDefaults(d)
}

// SQLitePath is the SQLite file: the configured path or DATA_DIR/yuqing.db.
func (c *Config) SQLitePath() string {
	if c.Store.SQLite.Path != "" {
		return c.Store.SQLite.Path
	}
	return strings.TrimRight(c.DataDir, "/") + "/yuqing.db"
}
