package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/store"
)

// This file serves the notification channels and the delivery log (提醒
//记录): who was alerted when, by which channel, with what result, whether
// the incident's alerts were acknowledged, and which step of the
// escalation chain an alert was. The entries, their numbers and their
// pages come from the store (store.Deliveries.QueryDeliveries).

// deliveryStatuses are the statuses a filter may name.
var deliveryStatuses = []string{"sent", "failed", "held"}

// deliveryParams are the API's parameters.
var deliveryParams = []string{"incident", "channel", "status", "limit", "offset"}

// deliveryQuery reads the filter of the delivery log: incident, channel,
// status.
func deliveryQuery(r *http.Request) (store.DeliveryQuery, error) {
	v := r.URL.Query()
	q := store.DeliveryQuery{IncidentID: strings.TrimSpace(v.Get("incident")), Channel: strings.TrimSpace(v.Get("channel")), Status: v.Get("status")}
	if q.Status != "" && !slices.Contains(deliveryStatuses, q.Status) {
		return q, &badParam{"status", q.Status, "must be sent, failed or held"}
	}
	return q, nil
}

// listDeliveries answers GET /api/v1/deliveries: a page of the delivery
// log, newest first, with the totals by status.
func (c *Console) listDeliveries(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, deliveryParams); err != nil {
		c.fail(w, r, err)
		return
	}
	q, err := deliveryQuery(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if q.Limit, err = intParam(r, "limit", 50, 1, 500); err != nil {
		c.fail(w, r, err)
		return
	}
	if q.Offset, err = intParam(r, "offset", 0, 0, 1<<30); err != nil {
		c.fail(w, r, err)
		return
	}
	page, err := c.st.QueryDeliveries(r.Context(), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	type item struct {
		ID         string          `json:"id"`
		IncidentID string          `json:"incident_id"`
		At         time.Time       `json:"at"`
		Final      bool            `json:"final"`
		Detail     json.RawMessage `json:"detail"`
	}
	items := make([]item, 0, len(page.Items))
	for _, d := range page.Items {
		detail := json.RawMessage(d.Detail)
		if !json.Valid(detail) {
			detail = json.RawMessage("null")
		}
		items = append(items, item{d.ID, d.IncidentID, d.At.UTC(), d.Final, detail})
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": page.Total, "by_status": page.ByStatus, "items": items})
}

// deliveryDetail is what the notifier writes of a delivery.
type deliveryDetail struct {
	NotificationKey string `json:"notification_key"`
	Channel         string `json:"channel"`
	Recipient       string `json:"recipient"`
	Status          string `json:"status"`
	Error           string `json:"error"`
	Attempts        int    `json:"attempts"`
}

// deliveryRow is one line of the delivery log as people read it.
type deliveryRow struct {
	At                         time.Time
	IncidentID, Incident       string
	What, Channel, Recipient   string
	Result, ResultClass, Error string
	Attempts                   int
	Held                       bool
	Acked                      string
	Step                       string
}

// deliveryResult says a delivery's result: 送达, 失败, 重试中 (a failure
// that is attempted again), 暂缓发送 (quiet hours).
func deliveryResult(status string, final bool) (string, string) {
	switch status {
	case "sent":
		return "送达", "ok"
	case "failed":
		if final {
			return "失败", "err"
		}
		return "重试中", "warn"
	case "held":
		return "暂缓发送（免打扰时段）", "warn"
	}
	return "未知", "warn"
}

// stepOf says which step of the escalation chain a notification key is.
func stepOf(key string) string {
	for _, part := range strings.Split(key, "/") {
		for _, p := range []string{"escalation", "step"} {
			if n, ok := strings.CutPrefix(part, p); ok {
				if _, err := strconv.Atoi(n); err == nil {
					return "第" + n + "级上报"
				}
			}
		}
	}
	return "值班员"
}

// channelRow is a notification channel on the page, with its last
// delivery.
type channelRow struct {
	ChannelInfo
	Last       bool
	LastAt     time.Time
	LastResult string
	LastClass  string
}

// notifyPage is the page of the notification channels and the delivery
// log: filtered by incident, channel and result, paged.
func (c *Console) notifyPage(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, []string{"incident", "channel", "status", "page"}); err != nil {
		c.failPage(w, r, err)
		return
	}
	q, err := deliveryQuery(r)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	pageNo, err := intParam(r, "page", 1, 1, 100000)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	const per = 50
	q.Limit, q.Offset = per, (pageNo-1)*per
	ctx := r.Context()
	page, err := c.st.QueryDeliveries(ctx, q)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	var channels []channelRow
	for _, ch := range c.settings.Channels {
		row := channelRow{ChannelInfo: ch}
		last, err := c.st.QueryDeliveries(ctx, store.DeliveryQuery{Channel: ch.Name, Limit: 1})
		if err != nil {
			c.failPage(w, r, err)
			return
		}
		if len(last.Items) > 0 {
			d := last.Items[0]
			var det deliveryDetail
			_ = json.Unmarshal([]byte(d.Detail), &det) // an unreadable detail reads as 未知
			row.Last, row.LastAt = true, d.At
			row.LastResult, row.LastClass = deliveryResult(det.Status, d.Final)
		}
		channels = append(channels, row)
	}
	ros, err := c.rosterNow(r)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	// The incidents of the page, read once each: their titles, their
	// obligations (what an alert was about) and their acknowledgement.
	incidents := map[string]*model.Incident{}
	var rows []deliveryRow
	for _, d := range page.Items {
		inc, seen := incidents[d.IncidentID]
		if !seen {
			if got, err := c.st.GetIncident(ctx, d.IncidentID); err == nil {
				inc = &got
			}
			incidents[d.IncidentID] = inc
		}
		var det deliveryDetail
		_ = json.Unmarshal([]byte(d.Detail), &det)
		row := deliveryRow{At: d.At, IncidentID: d.IncidentID, Incident: d.IncidentID, Channel: cmpOr(det.Channel, "—"),
			Recipient: det.Recipient, Error: readmodel.Text(det.Error), Attempts: det.Attempts, Step: stepOf(det.NotificationKey), Acked: "未确认"}
		row.Result, row.ResultClass = deliveryResult(det.Status, d.Final)
		row.Held = det.Status == "held"
		if ros.base != nil {
			if p, ok := ros.base.Person(det.Recipient); ok {
				row.Recipient = p.Name
			}
		}
		if inc != nil {
			row.Incident = inc.Title
			row.What = readmodel.NotificationName(readmodel.ObligationsOf(*inc), det.NotificationKey)
			if !inc.AckedAt.IsZero() {
				row.Acked = "已确认（" + readmodel.Actor(inc.AckedBy) + "，" + readmodel.Time(inc.AckedAt) + "）"
			}
		} else {
			row.What = readmodel.NotificationName(nil, det.NotificationKey)
		}
		rows = append(rows, row)
	}
	link := func(set map[string]string) string {
		v := url.Values{}
		for _, k := range []string{"incident", "channel", "status"} {
			if x := r.URL.Query().Get(k); x != "" {
				v.Set(k, x)
			}
		}
		for k, x := range set {
			if x == "" {
				v.Del(k)
			} else {
				v.Set(k, x)
			}
		}
		if len(v) == 0 {
			return "/settings/notify"
		}
		return "/settings/notify?" + v.Encode()
	}
	type facet struct {
		Name, Link string
		Count      int64
		On         bool
	}
	var all int64
	for _, n := range page.ByStatus {
		all += n
	}
	facets := []facet{{"全部", link(map[string]string{"status": ""}), all, q.Status == ""}}
	for _, s := range deliveryStatuses {
		name := map[string]string{"sent": "送达", "failed": "失败或重试中", "held": "暂缓发送"}[s]
		facets = append(facets, facet{name, link(map[string]string{"status": s}), page.ByStatus[s], q.Status == s})
	}
	pages := int((page.Total + per - 1) / per)
	data := map[string]any{"Channels": channels, "Rows": rows, "Total": page.Total, "Facets": facets, "Query": q,
		"Page": pageNo, "Pages": pages}
	if pageNo > 1 {
		data["Prev"] = link(map[string]string{"page": strconv.Itoa(pageNo - 1)})
	}
	if pageNo < pages {
		data["Next"] = link(map[string]string{"page": strconv.Itoa(pageNo + 1)})
	}
	if q.IncidentID != "" || q.Channel != "" || q.Status != "" {
		data["Clear"] = "/settings/notify"
	}
	data["Summary"] = fmt.Sprintf("共%s条", readmodel.Count(page.Total))
	c.page(w, r, "notify", "提醒渠道与提醒记录", "settings", data)
}
