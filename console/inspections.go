package console

import (
	"net/http"
	"slices"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/store"
)

// inspectionParams are the query parameters the inspection API and page
// take; any other is refused, so a misspelt filter is not silently ignored.
var inspectionParams = []string{"portal", "kind", "state", "limit"}

// findingQuery parses the filters of the inspection API and page.
func findingQuery(r *http.Request) (store.FindingQuery, error) {
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains(inspectionParams, name) {
			return store.FindingQuery{}, &badParam{name, q.Get(name), "unknown parameter: want portal, kind, state or limit"}
		}
	}
	fq := store.FindingQuery{Portal: q.Get("portal"), Kind: q.Get("kind"), State: q.Get("state")}
	if fq.Kind != "" && model.FindingKindLabel[fq.Kind] == "" {
		return fq, &badParam{"kind", fq.Kind, "must be unavailable, stale_column, empty_column, dead_link, missing_required or unanswered_message"}
	}
	if fq.State != "" && fq.State != model.FindingOpen && fq.State != model.FindingFixed {
		return fq, &badParam{"state", fq.State, "must be open or fixed"}
	}
	var err error
	if fq.Limit, err = intParam(r, "limit", 500, 1, 5000); err != nil {
		return fq, err
	}
	return fq, nil
}

// inspections lists the findings of inspections of own portals, with each
// portal's score.
func (c *Console) inspections(w http.ResponseWriter, r *http.Request) {
	fq, err := findingQuery(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v, err := c.views.Inspections(r.Context(), fq)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": v.Findings, "scores": v.Scores, "open": v.Open, "vetoes": v.Vetoes})
}

// inspectionsPage is the inspection page: each own portal's score with its
// 单项否决 items, and the findings, open ones first.
type inspectionsPage struct {
	readmodel.InspectionsView
	Query store.FindingQuery
	Kinds []string
	// CSRFToken and User are filled once the console has accounts.
	CSRFToken string
	User      any
}

func (c *Console) inspectionsPage(w http.ResponseWriter, r *http.Request) {
	fq, err := findingQuery(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v, err := c.views.Inspections(r.Context(), fq)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "inspections", inspectionsPage{InspectionsView: v, Query: fq, Kinds: model.FindingKinds})
}
