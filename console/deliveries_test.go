package console

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// appendTestDeliveries stores a delivery log for INC-1 of newServer:
// n entries alternating sent, failed for good, failed to be retried and
// held, the newest last, the first escalated to the chief.
func appendTestDeliveries(t *testing.T, st store.Store, n int, start time.Time) {
	t.Helper()
	statuses := []struct {
		status string
		final  bool
	}{{"sent", true}, {"failed", true}, {"failed", false}, {"held", false}}
	var ds []model.Delivery
	for i := range n {
		s := statuses[i%len(statuses)]
		key, who := "R-5H/reminder/50%", "duty"
		if i == 0 {
			key, who = "opened/escalation1", "chief"
		}
		ds = append(ds, model.Delivery{ID: fmt.Sprintf("d%03d", i), Key: fmt.Sprintf("k%03d", i), IncidentID: "INC-1", At: start.Add(time.Duration(i) * time.Minute),
			Final: s.final, Detail: fmt.Sprintf(`{"notification_key":%q,"channel":"值班群","recipient":%q,"status":%q,"attempts":%d,"error":%q}`,
				key, who, s.status, 1+i%3, map[bool]string{true: "", false: "连接超时"}[s.status != "failed"])})
	}
	if err := st.AppendDeliveries(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
}

// TestDeliveriesAPI lists the delivery log through the API: filtered by
// incident, channel and status, paged, with the totals by status; an
// unknown parameter or status is a 400 naming it.
func TestDeliveriesAPI(t *testing.T) {
	srv, st, _ := newServer(t)
	appendTestDeliveries(t, st, 9, time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC))
	var got struct {
		Total    int64            `json:"total"`
		ByStatus map[string]int64 `json:"by_status"`
		Items    []struct {
			ID     string `json:"id"`
			Final  bool   `json:"final"`
			Detail struct {
				Status string `json:"status"`
			} `json:"detail"`
		} `json:"items"`
	}
	for _, tc := range []struct {
		query string
		total int64
		first string
		n     int
	}{
		{"", 9, "d008", 9},
		{"?status=failed", 4, "d006", 4},
		{"?incident=INC-1&channel=值班群&status=sent&limit=2", 3, "d008", 2},
		{"?status=sent&limit=2&offset=2", 3, "d000", 1},
		{"?incident=NONE", 0, "", 0},
		{"?channel=别的群", 0, "", 0},
	} {
		code, body := get(t, srv.URL+"/api/v1/deliveries"+tc.query)
		if code != 200 {
			t.Fatalf("GET %s = %d %s", tc.query, code, body)
		}
		got.Items = nil
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		first := ""
		if len(got.Items) > 0 {
			first = got.Items[0].ID
		}
		if got.Total != tc.total || first != tc.first || len(got.Items) != tc.n {
			t.Errorf("GET /api/v1/deliveries%s = total %d, first %q, %d items; want %d, %q, %d: %s", tc.query, got.Total, first, len(got.Items), tc.total, tc.first, tc.n, body)
		}
	}
	_, body := get(t, srv.URL+"/api/v1/deliveries?status=held")
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.ByStatus["sent"] != 3 || got.ByStatus["failed"] != 4 || got.ByStatus["held"] != 2 ||
		got.Items[0].Detail.Status != "held" {
		t.Errorf("by status = %v, items %+v, %v", got.ByStatus, got.Items, err)
	}
	for _, q := range []string{"?result=sent", "?status=ok", "?limit=0", "?offset=-1"} {
		if code, body := get(t, srv.URL+"/api/v1/deliveries"+q); code != 400 || !strings.Contains(body, strings.Split(strings.TrimPrefix(q, "?"), "=")[0]) {
			t.Errorf("GET /api/v1/deliveries%s = %d %s; want 400 naming it", q, code, body)
		}
	}
}

// TestNotifyInBrowser reads the channels and the delivery log in a real
// headless Chromium: the channel with its last result, the log in Chinese
// with names for recipients, the escalation step and the acknowledgement,
// paged by the store, and filtered by result from the form.
func TestNotifyInBrowser(t *testing.T) {
	base, st, run := browser(t)
	dir := artefacts(t)
	ctx := context.Background()
	appendTestDeliveries(t, st, 60, browserNow.Add(-2*time.Hour))
	inc, err := st.GetIncident(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	inc.Version++
	inc.AckedAt, inc.AckedBy = browserNow.Add(-time.Hour), "张三"
	if err := st.UpsertIncidents(ctx, []model.Incident{inc}); err != nil {
		t.Fatal(err)
	}
	var page string
	rows := func(n *int) chromedp.Action {
		return chromedp.Evaluate(`document.querySelectorAll('#deliveries tbody tr').length`, n)
	}
	var n int
	run("open the log", chromedp.Navigate(base+"/settings/notify"), chromedp.WaitVisible(`#deliveries`, chromedp.ByQuery),
		chromedp.Text(`main`, &page, chromedp.ByQuery), rows(&n))
	for _, want := range []string{"值班群", "企业微信", "最近一次发送", "暂缓发送（免打扰时段），11月21日 14:59", "全部 60", "送达 15", "失败或重试中 30",
		"共60条，第1/2页", "化工厂爆炸", "「发布权威信息」时限提醒（已过50%）", "值班员小王", "已确认（张三，11月21日 15:00）", "重试中", "失败", "连接超时"} {
		if !strings.Contains(page, want) {
			t.Errorf("the notifications page lacks %q:\n%s", want, page)
		}
	}
	if n != 50 {
		t.Errorf("first page has %d rows, want 50", n)
	}
	run("next page", chromedp.Click(`a[rel=next]`, chromedp.ByQuery))
	run("on page 2", chromedp.WaitVisible(`a[rel=prev]`, chromedp.ByQuery), chromedp.Text(`main`, &page, chromedp.ByQuery), rows(&n))
	if n != 10 || !strings.Contains(page, "第2/2页") || !strings.Contains(page, "李科长") || !strings.Contains(page, "立案提醒（第1级上报）") || !strings.Contains(page, "第1级上报") {
		t.Errorf("page 2: %d rows:\n%s", n, page)
	}
	run("filter failures", choose(`#d-status`, "failed"), chromedp.Click(`#delivery-filter button[type=submit]`, chromedp.ByQuery))
	var results []string
	run("read the failures", chromedp.WaitVisible(`#delivery-filter[data-status=failed]`, chromedp.ByQuery), chromedp.Text(`#delivery-facets strong`, &page, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('#deliveries td.result span')].map(e=>e.textContent)`, &results))
	if page != "失败或重试中 30" || len(results) != 30 {
		t.Errorf("filtered: facet %q, %d rows", page, len(results))
	}
	for _, r := range results {
		if r != "失败" && r != "重试中" {
			t.Errorf("a filtered row says %q", r)
		}
	}
	screenshot(t, run, dir, "notify", 1366, 768)
}
