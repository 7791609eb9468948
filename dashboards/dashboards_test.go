// Package dashboards holds the Grafana dashboards: yuqing-pipeline.json
// (Prometheus: the pipeline's metrics) and yuqing-opinion.json (ClickHouse:
// the opinion data). The test runs every ClickHouse query of them against a
// real server, the store's schema migrated and loaded with posts, events
// and incidents.
package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	chstore "github.com/yuqing-project/yuqing/store/clickhouse"
	"github.com/yuqing-project/yuqing/store/clickhouse/chtest"
	"github.com/yuqing-project/yuqing/store/storetest"
)

var server *chtest.Server

func TestMain(m *testing.M) {
	server = chtest.Start()
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

type dashboard struct {
	Title  string `json:"title"`
	Panels []struct {
		Title      string `json:"title"`
		Datasource struct {
			Type string `json:"type"`
		} `json:"datasource"`
		Targets []struct {
			RefID  string `json:"refId"`
			RawSQL string `json:"rawSql"`
		} `json:"targets"`
	} `json:"panels"`
}

// expand substitutes the Grafana ClickHouse data source's macros and the
// dashboard variables the way the plugin does for a time range.
func expand(sql, database string, from, to time.Time) string {
	ts := func(t time.Time) string { return fmt.Sprintf("toDateTime(%d)", t.Unix()) }
	sql = regexp.MustCompile(`\$__timeFilter\(([^)]+)\)`).ReplaceAllStringFunc(sql, func(m string) string {
		col := regexp.MustCompile(`\$__timeFilter\(([^)]+)\)`).FindStringSubmatch(m)[1]
		return fmt.Sprintf("%s >= %s AND %s <= %s", col, ts(from), col, ts(to))
	})
	return strings.NewReplacer("$__fromTime", ts(from), "$__toTime", ts(to), "${database}", "`"+database+"`").Replace(sql)
}

// TestOpinionQueries runs every ClickHouse query of every dashboard on
// the test server, over a week of fixture data: each must run, and each
// must find rows (a query that reads nothing of the data the store writes
// is wrong). A few figures are checked exactly: the panels count posts,
// open incidents and pending deadlines as the data has them, versions
// replaced.
func TestOpinionQueries(t *testing.T) {
	addr := server.Addr(t)
	ctx := context.Background()
	cfg := config.ClickHouseConfig{Addrs: []string{addr}, Database: "yuqing_dashboards", Username: "default", DialTimeout: 5 * time.Second}
	if err := chstore.Migrate(ctx, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	st, err := chstore.Open(ctx, cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	now := time.Now().UTC().Truncate(time.Second)
	var posts []model.Post
	labels := []string{model.Negative, model.Neutral, model.Positive, model.Negative}
	for i := range 12 {
		p := storetest.NewPost(fmt.Sprintf("p%02d", i), 1, now.Add(-time.Duration(i)*7*time.Hour))
		p.Sentiment.Label = labels[i%len(labels)]
		p.Authority = []string{model.TierOfficial, model.TierLocal}[i%2]
		posts = append(posts, p)
	}
	// A second version of p00: counted once, with its new label.
	p0 := posts[0]
	p0.Version, p0.Sentiment.Label = 2, model.Positive
	posts = append(posts, p0)
	old := storetest.NewPost("old", 1, now.Add(-30*24*time.Hour)) // outside the range
	posts = append(posts, old)
	if err := st.UpsertPosts(ctx, posts); err != nil {
		t.Fatal(err)
	}
	e1, e2 := storetest.NewEvent("e1", 1, now.Add(-time.Hour)), storetest.NewEvent("e2", 1, now.Add(-2*time.Hour))
	e1b := e1
	e1b.Version, e1b.Heat = 2, 99
	if err := st.UpsertEvents(ctx, []model.Event{e1, e2, e1b}); err != nil {
		t.Fatal(err)
	}
	open := storetest.NewIncident("i1", 1, now.Add(-3*time.Hour), true)
	open.Obligations = append(open.Obligations,
		model.Obligation{Rule: "R-48H", Title: "回应群众关切", DueAt: now.Add(45 * time.Hour), State: model.ObligationPending},
		model.Obligation{Rule: "D-REPLY", Title: "答复留言", DueAt: now.Add(-time.Hour), Provisional: true, State: model.ObligationPending})
	closed := storetest.NewIncident("i2", 1, now.Add(-50*time.Hour), false)
	closed.Obligations = append(closed.Obligations, model.Obligation{Rule: "R-48H", Title: "回应群众关切", DueAt: now, State: model.ObligationPending})
	if err := st.UpsertIncidents(ctx, []model.Incident{open, closed}); err != nil {
		t.Fatal(err)
	}

	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Username: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	from, to := now.Add(-7*24*time.Hour), now.Add(time.Minute)
	// Figures the data has, by panel title.
	exact := map[string]uint64{
		"舆情总量":       1, // one row: the count
		"待办时限":       2, // the two pending obligations of the open incident
		"热点事件（前 10）": 2,
	}
	files, _ := filepath.Glob("*.json")
	queries := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			if p.Datasource.Type != "grafana-clickhouse-datasource" {
				continue
			}
			for _, tg := range p.Targets {
				queries++
				sql := expand(tg.RawSQL, cfg.Database, from, to)
				if strings.Contains(sql, "$") {
					t.Errorf("%s / %s: a macro is left after expansion: %s", f, p.Title, sql)
					continue
				}
				var n uint64
				if err := conn.QueryRow(ctx, "SELECT count() FROM ("+sql+")").Scan(&n); err != nil {
					t.Errorf("%s / %s: %v\n%s", f, p.Title, err, sql)
					continue
				}
				if n == 0 {
					t.Errorf("%s / %s finds no rows in the fixture data:\n%s", f, p.Title, sql)
				}
				if want, ok := exact[p.Title]; ok && n != want {
					t.Errorf("%s / %s: %d rows; want %d", f, p.Title, n, want)
				}
			}
		}
	}
	if queries < 10 {
		t.Fatalf("%d ClickHouse queries in the dashboards; want the opinion dashboard's panels", queries)
	}
	// Values: the posts in the range, each once, and one open incident.
	total := func(title string) uint64 {
		t.Helper()
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			var d dashboard
			json.Unmarshal(raw, &d)
			for _, p := range d.Panels {
				if p.Title == title {
					var n uint64
					if err := conn.QueryRow(ctx, expand(p.Targets[0].RawSQL, cfg.Database, from, to)).Scan(&n); err != nil {
						t.Fatalf("%s: %v", title, err)
					}
					return n
				}
			}
		}
		t.Fatalf("no panel %q", title)
		return 0
	}
	if got := total("舆情总量"); got != 12 {
		t.Errorf("舆情总量 = %d; want 12 (p00's two versions once, the old post outside the range)", got)
	}
	if got := total("未办结事件"); got != 1 {
		t.Errorf("未办结事件 = %d; want 1", got)
	}
}
