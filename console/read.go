package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file serves the API's reads: parse the query, call one view or
// store method, answer JSON.

func (c *Console) posts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var pq store.PostQuery
	var err error
	pq.Text = strings.TrimSpace(q.Get("q"))
	pq.SourceID = q.Get("source")
	pq.Region = q.Get("region")
	pq.Tier = q.Get("tier")
	pq.Scheme = q.Get("scheme")
	pq.Sentiment = q.Get("sentiment")
	switch pq.Sentiment {
	case "", model.Positive, model.Neutral, model.Negative:
	default:
		c.fail(w, r, &badParam{"sentiment", pq.Sentiment, "must be positive, neutral or negative"})
		return
	}
	if pq.Limit, err = intParam(r, "limit", 50, 1, 1000); err != nil {
		c.fail(w, r, err)
		return
	}
	if pq.Offset, err = intParam(r, "offset", 0, 0, 1_000_000); err != nil {
		c.fail(w, r, err)
		return
	}
	if pq.Since, err = timeParam(r, "since"); err != nil {
		c.fail(w, r, err)
		return
	}
	if pq.Until, err = timeParam(r, "until"); err != nil {
		c.fail(w, r, err)
		return
	}
	list, err := c.views.Posts(r.Context(), pq)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": list.Total, "limit": pq.Limit, "offset": pq.Offset, "items": list.Items})
}

func (c *Console) post(w http.ResponseWriter, r *http.Request) {
	it, err := c.views.Post(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	since, err := timeParam(r, "since")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	evs, err := c.st.ListEvents(r.Context(), since, limit)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(evs)})
}

// eventDetail answers an event with its provenance chain and timeline.
func (c *Console) eventDetail(w http.ResponseWriter, r *http.Request) {
	d, err := c.views.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (c *Console) incidents(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := store.IncidentQuery{Limit: limit}
	switch v := r.URL.Query().Get("open"); v {
	case "", "false":
	case "true":
		q.OnlyOpen = true
	default:
		c.fail(w, r, &badParam{"open", v, "must be true or false"})
		return
	}
	incs, err := c.st.ListIncidents(r.Context(), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(incs)})
}

func (c *Console) incident(w http.ResponseWriter, r *http.Request) {
	v, err := c.views.IncidentWithEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (c *Console) history(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := c.st.GetIncident(r.Context(), id); err != nil {
		c.fail(w, r, err)
		return
	}
	h, err := c.st.ListHistory(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(h)})
}

// deliveries answers an incident's notification delivery log: every alert,
// on which channel, to whom, with what result.
func (c *Console) deliveries(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := c.st.GetIncident(r.Context(), id); err != nil {
		c.fail(w, r, err)
		return
	}
	ds, err := c.st.ListDeliveries(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	items := make([]json.RawMessage, 0, len(ds))
	for _, d := range ds {
		items = append(items, json.RawMessage(d.Detail))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (c *Console) listRules(w http.ResponseWriter, r *http.Request) {
	if c.rules == nil {
		c.fail(w, r, store.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, c.rules)
}
