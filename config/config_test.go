package config

import (
	"errors"
	"os"
	"strings"
	"testing"
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

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "crawler:\n  intervall: 5m\n", "line 2: field intervall not found in type config.CrawlerConfig"},
		{"bad duration", "crawler:\n  interval: soon\n", "cannot unmarshal !!str `soon` into time.Duration"},
		{"wrong type", "kafka:\n  brokers: localhost:9092\n", "cannot unmarshal !!str `localho...` into []string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidateProblems(t *testing.T) {
	src := func(extra string) string {
		return "crawler:\n  sources:\n    - id: a\n      name: 甲\n      kind: news\n      authority: 地方媒体\n      url: http://a.example/\n" + extra
	}
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"http listen", "http:\n  listen: 8080\n", []string{`http.listen: "8080" is not host:port`}},
		{"http debug listen", "http:\n  debug_listen: localhost\n", []string{`http.debug_listen: "localhost" is not host:port`}},
		{"store driver", "store:\n  driver: mysql\n", []string{`store.driver: "mysql" is not sqlite or clickhouse`}},
		{"clickhouse without addrs", "store:\n  driver: clickhouse\n", []string{"store.clickhouse.addrs: is required with driver clickhouse"}},
		{"sasl", "kafka:\n  brokers: [k:9092]\n  sasl:\n    mechanism: GSSAPI\n", []string{
			`kafka.sasl.mechanism: "GSSAPI" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512`,
			"kafka.sasl.username: is required with a SASL mechanism"}},
		{"source kind and authority", "crawler:\n  sources:\n    - id: x\n      name: X\n      kind: blog\n      authority: 媒体\n      url: ftp://x\n", []string{
			`crawler.sources[0].kind: "blog" is not one of portal, news, forum, feed, api`,
			`crawler.sources[0].authority: "媒体" is not one of 官方, 中央媒体, 省级媒体, 地方媒体, 论坛, 自媒体`,
			`crawler.sources[0].url: "ftp://x" is not an http(s) URL`}},
		{"duplicate source id", src("    - id: a\n      name: 乙\n      kind: news\n      authority: 地方媒体\n      url: http://b.example/\n"), []string{
			`crawler.sources[1].id: "a" is already used by crawler.sources[0]`}},
		{"missing id and name", "crawler:\n  sources:\n    - kind: news\n      authority: 论坛\n      url: http://a/\n", []string{
			"crawler.sources[0].id: is required", "crawler.sources[0].name: is required"}},
		{"region", src("      region: 5110\n"), []string{`crawler.sources[0].region: "5110" is not a 6-digit GB/T 2260 code`}},
		{"encoding", src("      encoding: latin1\n"), []string{`crawler.sources[0].encoding: "latin1" is not one of utf-8, gbk, gb2312, gb18030, big5`}},
		{"crawler group", "crawler:\n  group: yuqing crawler\n  group_partitions: 2000\n", []string{
			`crawler.group: "yuqing crawler" may contain only letters, digits, -, . and _`,
			"crawler.group_partitions: must be between 1 and 1024, got 2000"}},
		{"hot bounds", "crawler:\n  hot_min_interval: 10ms\n", []string{"crawler.hot_min_interval: must be at least 1s, got 10ms"}},
		{"dictionary refresh bound", "analyzer:\n  dictionary_refresh: 100ms\n", []string{"analyzer.dictionary_refresh: must be at least 1s, got 100ms"}},
		{"hot duration below interval", "crawler:\n  hot_min_interval: 10m\n  hot_max_duration: 5m\n", []string{
			"crawler.hot_max_duration: must be at least crawler.hot_min_interval (10m0s), got 5m0s"}},
		{"api mapping", "crawler:\n  sources:\n    - id: x\n      name: X\n      kind: api\n      authority: 自媒体\n      url: http://x.example/api\n      api:\n        items: data..list\n        time_format: yyyy-mm-dd\n        max_pages: -1\n", []string{
			`crawler.sources[0].api.items: "data..list" is not a path of dot-separated keys such as data.list`,
			"crawler.sources[0].api.id: is required for kind api when api.url is not given",
			"crawler.sources[0].api.title: is required for kind api when api.body is not given",
			`crawler.sources[0].api.time_format: "yyyy-mm-dd" is not unix, unix_ms or a Go time layout such as 2006-01-02 15:04:05`,
			"crawler.sources[0].api.time: is required with api.time_format",
			"crawler.sources[0].api.max_pages: must be at least 1, got -1"}},
		{"api fields on an html source", src("      api:\n        items: data.list\n"), []string{"crawler.sources[0].api.items: is only for kind api"}},
		{"negative share", "responder:\n  incident_negative_share: 1.5\n", []string{"responder.incident_negative_share: must be between 0 and 1, got 1.5"}},
		{"demo speed", "demo:\n  enabled: true\n  speed: -1\n", []string{"demo.speed: must be in (0, 10000], got -1"}},
		{"schemes", "analyzer:\n  schemes:\n    - name: 无编号\n      subjects: [化工厂]\n    - id: s1\n      expression: \"化工厂 AND (爆炸\"\n", []string{
			"analyzer.schemes[0].id: is required",
			`analyzer.schemes[1]: cannot compile scheme "s1": scheme "化工厂 AND (爆炸": missing ) to close ( at 8`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a ValidationError", err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("/nonexistent/yuqing.yaml")
	if err == nil || !strings.Contains(err.Error(), `cannot read config "/nonexistent/yuqing.yaml"`) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load error = %v", err)
	}
}
