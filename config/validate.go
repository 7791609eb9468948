package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Problem is one thing wrong with a config, at a key path such as
// crawler.sources[2].url. Line is the line of the file the key is on when
// the problem was found while decoding, 0 otherwise (a config built in
// code has no lines; the key path finds the key in a file).
type Problem struct {
	Path    string
	Line    int
	Message string
}

// String is the problem as a user reads it: "path: message", with the
// line after the path when it is known ("crawler.intervall (line 2):
// unknown key"), or "line 3: message" for a problem of the file itself.
func (p Problem) String() string {
	switch {
	case p.Path != "" && p.Line > 0:
		return p.Path + " (line " + strconv.Itoa(p.Line) + "): " + p.Message
	case p.Path != "":
		return p.Path + ": " + p.Message
	case p.Line > 0:
		return "line " + strconv.Itoa(p.Line) + ": " + p.Message
	}
	return p.Message
}

// Problems collects problems; validators of other packages report with
// it so that their problems read like config's own.
type Problems []Problem

// Addf adds a problem at path.
func (ps *Problems) Addf(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// ValidationError lists every problem found in a config.
type ValidationError struct{ Problems []Problem }

// Error is the one problem, or every problem on a line of its own.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid config: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid config, %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

var (
	kinds       = []string{"portal", "news", "forum", "feed", "api"}
	authorities = []string{"官方", "中央媒体", "省级媒体", "地方媒体", "论坛", "自媒体"}
	mechanisms  = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
	encodings   = []string{"utf-8", "gbk", "gb2312", "gb18030", "big5"}
)

// Validate checks the config's own shape — addresses, ranges, names, the
// choices each key allows, and no negative duration anywhere — and
// returns a *ValidationError listing every problem, or nil. What only a
// package can judge (CSS selectors, JSON paths, scheme expressions,
// notification channels) its own validator checks; internal/app's config
// check runs this and all of them.
func (c *Config) Validate() error {
	ps := c.problems()
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

func (c *Config) problems() []Problem {
	var ps Problems
	negative := negativeDurations(reflect.ValueOf(c).Elem(), "", &ps)
	bad := func(path, format string, args ...any) {
		if !negative[path] {
			ps.Addf(path, format, args...)
		}
	}
	checkAddr := func(path, addr string) {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(path, "%q is not host:port", addr)
		}
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	checkAddr("http.listen", c.HTTP.Listen)
	if c.HTTP.MinFreeDiskMB < 0 {
		bad("http.min_free_disk_mb", "must not be negative, got %d", c.HTTP.MinFreeDiskMB)
	}
	if c.HTTP.DebugListen != "" {
		checkAddr("http.debug_listen", c.HTTP.DebugListen)
		if c.HTTP.DebugListen == c.HTTP.Listen {
			bad("http.debug_listen", "must differ from http.listen: the profiles stay off the console's port")
		}
	}
	if (c.HTTP.TLSCertFile == "") != (c.HTTP.TLSKeyFile == "") {
		bad("http.tls_key_file", "http.tls_cert_file and http.tls_key_file go together")
	}
	a := c.Auth
	if a.Password.MinLength < 8 {
		bad("auth.password.min_length", "must be at least 8 (GB/T 22239-2019), got %d", a.Password.MinLength)
	}
	if a.Password.MinClasses < 1 || a.Password.MinClasses > 4 {
		bad("auth.password.min_classes", "must be between 1 and 4, got %d", a.Password.MinClasses)
	}
	if a.Password.History < 0 || a.Password.History > 24 {
		bad("auth.password.history", "must be between 0 and 24, got %d", a.Password.History)
	}
	if a.Lockout.MaxFailures < 1 || a.Lockout.MaxFailures > 10 {
		bad("auth.lockout.max_failures", "must be between 1 and 10, got %d", a.Lockout.MaxFailures)
	}
	if a.Lockout.Duration < time.Minute {
		bad("auth.lockout.duration", "must be at least 1m, got %s", a.Lockout.Duration)
	}
	if a.Session.IdleTimeout < time.Minute {
		bad("auth.session.idle_timeout", "must be at least 1m, got %s", a.Session.IdleTimeout)
	}
	if o := a.OIDC; o.Issuer != "" {
		for _, f := range []struct{ key, v string }{{"client_id", o.ClientID}, {"redirect_url", o.RedirectURL}} {
			if f.v == "" {
				bad("auth.oidc."+f.key, "must be set with auth.oidc.issuer")
			}
		}
		if u, err := url.Parse(o.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("auth.oidc.issuer", "%q is not an http(s) URL", o.Issuer)
		}
		if len(o.RoleMap) == 0 {
			bad("auth.oidc.role_map", "must map at least one value of %s to a role", o.RolesClaim)
		}
		for k, r := range o.RoleMap {
			if !model.ValidRoleKey(r) {
				bad("auth.oidc.role_map."+k, "%q is not a role: want sysadmin, secadmin, auditor, monitor, duty, handler, leader or viewer", r)
			}
		}
	}
	if a.Session.MaxAge < a.Session.IdleTimeout {
		bad("auth.session.max_age", "must be at least auth.session.idle_timeout (%s), got %s", a.Session.IdleTimeout, a.Session.MaxAge)
	}
	if len(c.Kafka.Brokers) == 0 {
		checkAddr("kafka.embedded.listen", c.Kafka.Embedded.Listen)
		if c.Kafka.Embedded.Retention < time.Minute {
			bad("kafka.embedded.retention", "must be at least 1m, got %s", c.Kafka.Embedded.Retention)
		}
	}
	for i, b := range c.Kafka.Brokers {
		checkAddr(indexPath("kafka.brokers", i), b)
	}
	if c.Kafka.ClientID == "" {
		bad("kafka.client_id", "must not be empty")
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
	if r := c.Kafka.Topics.ReplicationFactor; r != -1 && r < 1 {
		bad("kafka.topics.replication_factor", "must be -1 (the brokers' default) or at least 1, got %d", r)
	}
	if c.Kafka.Consumer.MaxAttempts < 1 {
		bad("kafka.consumer.max_attempts", "must be at least 1, got %d", c.Kafka.Consumer.MaxAttempts)
	}
	if c.Kafka.Consumer.RetryBackoff <= 0 {
		bad("kafka.consumer.retry_backoff", "must be positive, got %s", c.Kafka.Consumer.RetryBackoff)
	}
	if c.Kafka.Consumer.BatchSize < 1 {
		bad("kafka.consumer.batch_size", "must be at least 1, got %d", c.Kafka.Consumer.BatchSize)
	}
	switch c.Store.Driver {
	case "sqlite":
	case "clickhouse":
		ch := c.Store.ClickHouse
		if len(ch.Addrs) == 0 {
			bad("store.clickhouse.addrs", "is required with driver clickhouse")
		}
		for i, a := range ch.Addrs {
			checkAddr(indexPath("store.clickhouse.addrs", i), a)
		}
		if !isIdent(ch.Database) {
			bad("store.clickhouse.database", "%q is not a valid database name", ch.Database)
		}
		if ch.Username == "" {
			bad("store.clickhouse.username", "must not be empty")
		}
		if ch.DialTimeout <= 0 {
			bad("store.clickhouse.dial_timeout", "must be positive, got %s", ch.DialTimeout)
		}
		if r := ch.Retention; r < 0 || r%(24*time.Hour) != 0 {
			bad("store.clickhouse.retention", "must be 0 (keep forever) or a whole number of days such as 4320h (180 days), got %s", r)
		}
	default:
		bad("store.driver", "%q is not sqlite or clickhouse", c.Store.Driver)
	}
	if c.Crawler.UserAgent == "" {
		bad("crawler.user_agent", "must not be empty")
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
	if g := c.Crawler.Group; g != "" && !isIdent(strings.NewReplacer("-", "_", ".", "_").Replace(g)) {
		bad("crawler.group", "%q may contain only letters, digits, -, . and _", g)
	}
	if n := c.Crawler.GroupPartitions; n < 1 || n > 1024 {
		bad("crawler.group_partitions", "must be between 1 and 1024, got %d", n)
	}
	if c.Crawler.SourcesRefresh < 0 {
		bad("crawler.sources_refresh", "must not be negative, got %s", c.Crawler.SourcesRefresh)
	}
	if c.Crawler.HotMinInterval < time.Second {
		bad("crawler.hot_min_interval", "must be at least 1s, got %s", c.Crawler.HotMinInterval)
	}
	if c.Crawler.HotMaxDuration < c.Crawler.HotMinInterval {
		bad("crawler.hot_max_duration", "must be at least crawler.hot_min_interval (%s), got %s", c.Crawler.HotMinInterval, c.Crawler.HotMaxDuration)
	}
	seen := map[string]int{}
	for i, s := range c.Crawler.Sources {
		p := indexPath("crawler.sources", i)
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
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
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
		if s.Kind == "api" && s.API.MaxPages < 1 {
			bad(p+".api.max_pages", "must be at least 1, got %d", s.API.MaxPages)
		}
	}
	if c.Analyzer.Workers < 0 {
		bad("analyzer.workers", "must not be negative")
	}
	if c.Analyzer.DictionaryRefresh < time.Second {
		bad("analyzer.dictionary_refresh", "must be at least 1s, got %s", c.Analyzer.DictionaryRefresh)
	}
	if h := c.Analyzer.HomeRegion; h != "" && !isRegionCode(h) {
		bad("analyzer.home_region", "%q is not a 6-digit GB/T 2260 code", h)
	}
	for i, d := range c.Analyzer.ExtraRegions {
		p := indexPath("analyzer.extra_regions", i)
		if !isRegionCode(d.Code) {
			bad(p+".code", "%q is not a 6-digit GB/T 2260 code", d.Code)
		}
		if d.Name == "" {
			bad(p+".name", "is required")
		}
	}
	for i, p := range c.Analyzer.Places {
		if strings.TrimSpace(p) == "" || strings.ContainsAny(p, " \t\r\n") {
			bad(indexPath("analyzer.places", i), "must be a name without white space, got %q", p)
		}
	}
	r := c.Responder
	if r.Window < time.Minute {
		bad("responder.window", "must be at least 1m, got %s", r.Window)
	}
	if r.IncidentMinPosts < 1 {
		bad("responder.incident_min_posts", "must be at least 1")
	}
	if v := r.IncidentNegativeShare; v < 0 || v > 1 {
		bad("responder.incident_negative_share", "must be between 0 and 1, got %g", v)
	}
	if r.IncidentMinSources < 1 {
		bad("responder.incident_min_sources", "must be at least 1")
	}
	if w := r.IncidentBurstWindow; w < time.Minute || w > r.Window {
		bad("responder.incident_burst_window", "must be between 1m and responder.window (%s), got %s", r.Window, w)
	}
	for i, tier := range r.IncidentTiers {
		if !slices.Contains(authorities, tier) {
			bad(indexPath("responder.incident_tiers", i), "%q is not one of %s", tier, strings.Join(authorities, ", "))
		}
	}
	for _, tier := range slices.Sorted(maps.Keys(r.LevelByTier)) {
		if !slices.Contains(authorities, tier) {
			bad("responder.level_by_tier."+tier, "%q is not one of %s", tier, strings.Join(authorities, ", "))
		}
		if l := r.LevelByTier[tier]; !model.ValidLevel(l) {
			bad("responder.level_by_tier."+tier, "%q is not I, II, III or IV", l)
		}
	}
	if r.IncidentMinHeat < 0 {
		bad("responder.incident_min_heat", "must not be negative, got %g", r.IncidentMinHeat)
	}
	if !slices.Contains([]string{"earliest", "event", "detection"}, r.ClockStart) {
		bad("responder.clock_start", "%q is not earliest, event or detection", r.ClockStart)
	}
	for _, id := range slices.Sorted(maps.Keys(r.RuleOverrides)) {
		o := r.RuleOverrides[id]
		if (o.Hours > 0) == (o.Workdays > 0) || o.Hours < 0 || o.Workdays < 0 {
			bad("responder.rule_overrides."+id, "give either a positive hours or a positive workdays")
		}
	}
	for i, p := range r.Reminders {
		if _, _, err := ParseReminder(p); err != nil {
			bad(indexPath("responder.reminders", i), "%v", err)
		}
	}
	if r.TickInterval < time.Second {
		bad("responder.tick_interval", "must be at least 1s, got %s", r.TickInterval)
	}
	if st := r.SessionTimeout; st < 6*time.Second || st > 30*time.Minute {
		bad("responder.session_timeout", "must be between 6s and 30m (the brokers' default group.min/max.session.timeout.ms), got %s", st)
	}
	if hb := r.HeartbeatInterval; hb < 100*time.Millisecond || hb > r.SessionTimeout/3 {
		bad("responder.heartbeat_interval", "must be between 100ms and a third of responder.session_timeout (%s), got %s", r.SessionTimeout/3, hb)
	}
	if r.EffectWindow < time.Minute {
		bad("responder.effect_window", "must be at least 1m, got %s", r.EffectWindow)
	}
	if r.BacklogHorizon < time.Minute {
		bad("responder.backlog_horizon", "must be at least 1m, got %s", r.BacklogHorizon)
	}
	if c.Demo.Enabled {
		checkAddr("demo.listen", c.Demo.Listen)
		if c.Demo.Speed <= 0 || c.Demo.Speed > 10000 {
			bad("demo.speed", "must be in (0, 10000], got %g", c.Demo.Speed)
		}
	}
	c.Briefs.problems(bad)
	c.Inspector.validate(bad)
	return ps
}

var durationType = reflect.TypeFor[time.Duration]()

// negativeDurations reports every negative duration under v (at key path
// path) and returns their paths. Decoding refuses them already; this
// catches configs built in code.
func negativeDurations(v reflect.Value, path string, ps *Problems) map[string]bool {
	found := map[string]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if v.Type() == durationType {
			if d := time.Duration(v.Int()); d < 0 {
				ps.Addf(path, "must not be negative, got %s", d)
				found[path] = true
			}
			return
		}
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				if name := yamlName(v.Type().Field(i)); name != "" {
					walk(v.Field(i), JoinPath(path, name))
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), indexPath(path, i))
			}
		case reflect.Map:
			keys := v.MapKeys()
			slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
			for _, k := range keys {
				walk(v.MapIndex(k), JoinPath(path, k.String()))
			}
		}
	}
	walk(v, path)
	return found
}

// yamlName is the key of a struct field, "" for a field that has none.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
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
