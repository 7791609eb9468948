package console

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file serves the API's reads: parse the query, call one view or
// store method, answer JSON.

// posts answers a page of the posts a filter selects: the filter of the
// feed (q, source by ID or name, sentiment, scheme, region, topic, tier,
// kind, since, until, window), limit and offset. An unknown parameter is
// refused, never ignored.
func (c *Console) posts(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, filterParams, sortParams, []string{"limit", "offset"}); err != nil {
		c.fail(w, r, err)
		return
	}
	f, _, err := c.parseFilter(r, "all")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	pq := f.Posts(0, 0)
	if pq.Sort, err = parseSort(r); err != nil {
		c.fail(w, r, err)
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
	list, err := c.views.Posts(r.Context(), pq)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": list.Total, "limit": pq.Limit, "offset": pq.Offset, "items": list.Items})
}

func (c *Console) post(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	it, err := c.views.Post(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, []string{"limit", "since"}); err != nil {
		c.fail(w, r, err)
		return
	}
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
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	d, err := c.views.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// incidents answers incidents, most recently opened first: open=true the
// open ones, open=false the closed ones (closed or false alarms), neither
// all; level, state and assignee select those exactly.
func (c *Console) incidents(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, []string{"limit", "open", "level", "state", "assignee"}); err != nil {
		c.fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := store.IncidentQuery{Limit: limit}
	uq := r.URL.Query()
	open := uq.Get("open")
	switch open {
	case "", "false":
	case "true":
		q.OnlyOpen = true
	default:
		c.fail(w, r, &badParam{"open", open, "must be true or false"})
		return
	}
	if l := uq.Get("level"); l != "" && !model.ValidLevel(l) {
		c.fail(w, r, &badParam{"level", l, "must be I, II, III or IV"})
		return
	}
	filtered := open == "false" || uq.Get("level") != "" || uq.Get("state") != "" || uq.Get("assignee") != ""
	if filtered {
		q.Limit = 100000 // every incident is read and the filter applied here; incidents are few
	}
	incs, err := c.st.ListIncidents(r.Context(), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if filtered {
		var out []model.Incident
		for _, inc := range incs {
			switch {
			case open == "false" && inc.Open,
				uq.Get("level") != "" && inc.Level != uq.Get("level"),
				uq.Get("state") != "" && inc.State != uq.Get("state"),
				uq.Get("assignee") != "" && inc.Assignee != uq.Get("assignee"):
				continue
			}
			if len(out) < limit {
				out = append(out, inc)
			}
		}
		incs = out
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(incs)})
}

func (c *Console) incident(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	v, err := c.views.IncidentWithEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// incidentExists and eventExists return store.ErrNotFound for an unknown
// incident or event.
func (c *Console) incidentExists(ctx context.Context, id string) error {
	_, err := c.st.GetIncident(ctx, id)
	return err
}

func (c *Console) eventExists(ctx context.Context, id string) error {
	_, err := c.st.GetEvent(ctx, id)
	return err
}

// historyOf answers GET …/{id}/history of an incident or an event: its
// history entries, oldest first, 404 when exists says it is unknown.
func (c *Console) historyOf(exists func(ctx context.Context, id string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := checkParams(r); err != nil {
			c.fail(w, r, err)
			return
		}
		id := r.PathValue("id")
		if err := exists(r.Context(), id); err != nil {
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
}

// deliveries answers an incident's notification delivery log: every alert,
// on which channel, to whom, with what result.
func (c *Console) deliveries(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
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
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	if c.rules == nil {
		c.fail(w, r, store.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, c.rules)
}
