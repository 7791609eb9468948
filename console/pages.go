package console

import "net/http"

// home is the overview page for officers: open incidents, disclosure
// deadlines, the latest posts with a control to correct their sentiment,
// and the user dictionary with controls to add and remove words (both call
// the JSON API from the page, as the officer named in its 操作人 field). It
// refreshes itself every 10 seconds unless a control has the focus.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	h, err := c.views.Home(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "home", h)
}

// incidentPage shows one incident to duty staff: its figures, its
// deadlines with the rule each comes from, its alerts and its history.
// Alerts link here.
func (c *Console) incidentPage(w http.ResponseWriter, r *http.Request) {
	v, err := c.views.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "incident", v)
}
