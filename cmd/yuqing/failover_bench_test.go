package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// failoverDocs are n distinct negative reports by central media, each
// about another place and accident, so that the responder opens incidents
// (responder.incident_tiers: 中央媒体) while they stream in.
func failoverDocs(n int) []model.Document {
	places := []string{"东山", "西河", "南湖", "北岭", "青石", "白沙", "红旗", "金川", "银杏", "松林", "柳镇", "桃源", "梅岭", "竹溪", "兰亭", "荷塘", "枫桥", "杉木", "橡山", "樟树"}
	what := []string{"化工厂爆炸", "隧道坍塌", "客车侧翻", "山体滑坡", "商场火灾", "燃气泄漏", "桥梁垮塌", "矿井透水", "堤坝溃口", "食物中毒"}
	now := time.Now().UTC()
	docs := make([]model.Document, n)
	for i := range docs {
		place, event := places[i%len(places)]+fmt.Sprintf("%d号", i), what[(i/len(places))%len(what)]
		url := fmt.Sprintf("http://central.example/%d.html", i)
		body := fmt.Sprintf("%s镇今日发生%s事故，造成%d人死亡、%d人受伤，群众强烈不满，质疑当地监管失职、救援迟缓，要求彻查事故原因并追责。", place, event, 3+i%5, 10+i%7)
		docs[i] = model.Document{ID: model.DocumentID(url), Version: uint64(now.UnixNano()), URL: url, SourceID: "central", SourceName: "某中央媒体",
			SourceKind: model.KindNews, Authority: model.TierCentral, Title: place + event + "事故调查", Body: body,
			PublishedAt: now.Add(-time.Duration(i) * time.Second), PublishedAtSource: "meta", FetchedAt: now}
	}
	return docs
}

// BenchmarkResponderFailover kills the active responder under load and
// checks that no alert is lost or doubled. One process runs the embedded
// broker and the analyzer on the SQLite store; two responder processes
// share that store and the responder's consumer group, so one is active
// and one stands by; their alerts go to a webhook this benchmark serves.
// Documents that open incidents stream in; once some incidents are open
// the active responder is killed with SIGKILL; the standby must take over
// (after the group's session timeout) and handle the rest. At the end
// every incident in the store must have had exactly one "opened" alert
// (per idempotency key; a redelivery with the same key is counted apart).
// It reports the takeover time and the incidents.
func BenchmarkResponderFailover(b *testing.B) {
	const n = 60
	bin := buildBinary(b)
	var mu sync.Mutex
	opened := map[string]map[string]int{} // incident → idempotency key → deliveries
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p notify.WebhookPayload
		if err := json.NewDecoder(r.Body).Decode(&p); err == nil && p.Kind == notify.KindOpened {
			mu.Lock()
			if opened[p.IncidentID] == nil {
				opened[p.IncidentID] = map[string]int{}
			}
			opened[p.IncidentID][p.ID]++
			mu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer hook.Close()

	dir := b.TempDir()
	brokerAddr := freePort(b)
	dbPath := filepath.Join(dir, "main", "yuqing.db")
	mainCfg := filepath.Join(dir, "main.yaml")
	os.WriteFile(mainCfg, []byte("data_dir: "+filepath.Join(dir, "main")+"\ndemo:\n  enabled: false\n"), 0o644)
	startYuqing(b, bin, "-config", mainCfg, "-http-listen", freePort(b), "-broker-listen", brokerAddr, "-target", "analyzer", "-log-level", "warn")
	respCfg := func(name string) string {
		p := filepath.Join(dir, name+".yaml")
		os.WriteFile(p, []byte(fmt.Sprintf(`data_dir: %s
demo:
  enabled: false
kafka:
  brokers: [%s]
store:
  sqlite:
    path: %s
responder:
  tick_interval: 1s
  notify:
    console_url: http://console.example
    ack_secret: failover-bench-ack-secret-0123
    channels:
      - name: duty-hook
        type: webhook
        url: %s
        secret: failover-bench-hook-secret
    roster:
      people:
        - id: duty
          name: 值班员
          contacts: {duty-hook: duty}
      weekly:
        - days: [mon, tue, wed, thu, fri, sat, sun]
          start: "00:00"
          end: "00:00"
          duty: duty
`, filepath.Join(dir, name), brokerAddr, dbPath, hook.URL)), 0o644)
		return p
	}
	r1 := startYuqing(b, bin, "-config", respCfg("r1"), "-http-listen", freePort(b), "-target", "responder", "-log-level", "warn")
	r2 := startYuqing(b, bin, "-config", respCfg("r2"), "-http-listen", freePort(b), "-target", "responder", "-log-level", "warn")
	time.Sleep(3 * time.Second) // both in the group

	prod, err := bus.NewProducer([]kgo.Opt{kgo.SeedBrokers(brokerAddr)}, bus.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	docs := failoverDocs(n)
	ctx := context.Background()
	handled := func(p *proc) float64 { return metricSum(p.metrics(), "yuqing_responder_posts_total") }
	b.ResetTimer()
	// The first third, then find the active one and kill it while the rest streams in.
	for j := 0; j < n/3; j += 5 {
		if err := prod.Publish(ctx, docs[j:j+5]...); err != nil {
			b.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r1.waitFor("the active responder to handle posts", time.Minute, func() (bool, string) {
		return handled(r1)+handled(r2) >= n/3, fmt.Sprintf("%v + %v", handled(r1), handled(r2))
	})
	active, standby := r1, r2
	if handled(r2) > handled(r1) {
		active, standby = r2, r1
	}
	before := handled(standby)
	if err := active.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		b.Fatal(err)
	}
	killed := time.Now()
	for j := n / 3; j < n; j += 5 {
		if err := prod.Publish(ctx, docs[j:j+5]...); err != nil {
			b.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var takeover time.Duration
	standby.waitFor("the standby to take over", 3*time.Minute, func() (bool, string) {
		h := handled(standby)
		if h > before && takeover == 0 {
			takeover = time.Since(killed)
		}
		return h >= float64(n-n/3), fmt.Sprintf("%v posts handled by the standby", h)
	})
	b.StopTimer()

	st, err := sqlite.Open(ctx, dbPath, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// The opened alerts go out on the responder's next deadline tick
	// (tick_interval: 1s here): wait until every stored incident has one,
	// or 30 s.
	var incs []model.Incident
	for deadline := time.Now().Add(30 * time.Second); ; {
		incs, err = st.ListIncidents(ctx, store.IncidentQuery{Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		all := true
		for _, in := range incs {
			all = all && len(opened[in.ID]) > 0
		}
		mu.Unlock()
		if all || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // a doubled alert would come now
	mu.Lock()
	defer mu.Unlock()
	lost, doubled, redelivered := 0, 0, 0
	for _, in := range incs {
		keys := opened[in.ID]
		switch {
		case len(keys) == 0:
			lost++
			b.Errorf("incident %s (%s, level %q, opened %s) had no opened alert", in.ID, in.Title, in.Level, in.OpenedAt.Format(time.TimeOnly))
		case len(keys) > 1:
			doubled++
			b.Errorf("incident %s had %d opened alerts", in.ID, len(keys))
		}
		for _, c := range keys {
			redelivered += c - 1
		}
	}
	for id := range opened {
		if _, err := st.GetIncident(ctx, id); err != nil {
			b.Errorf("an opened alert for incident %s, which is not stored: %v", id, err)
		}
	}
	if len(incs) == 0 {
		b.Fatal("no incident opened: the scenario does not exercise alerts")
	}
	b.ReportMetric(takeover.Seconds(), "takeover-s")
	b.ReportMetric(float64(len(incs)), "incidents")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(doubled), "doubled")
	b.ReportMetric(float64(redelivered), "same-key-redeliveries")
	_ = io.Discard
}
