package console

import (
	"net/http"

	"github.com/yuqing-project/yuqing/console/ui"
)

// routes declares every URL the console serves, in one place, so that what
// can be reached is reviewed here. The guards each route needs (its role,
// CSRF on a change) go next to it when the console has accounts; until
// then every route is open to whoever reaches the listener. httpserver
// labels the request metrics with these patterns (without the method).
func (c *Console) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Pages and their static files.
	mux.HandleFunc("GET /{$}", c.home)
	mux.HandleFunc("GET /screen", c.home)
	mux.HandleFunc("GET /feed", c.feedPage)
	mux.HandleFunc("GET /feed/export", c.feedExport)
	mux.HandleFunc("GET /posts/{id}", c.postPage)
	mux.HandleFunc("GET /events", c.eventsPage)
	mux.HandleFunc("GET /events/{id}", c.eventPage)
	mux.HandleFunc("GET /incidents", c.incidentsPage)
	mux.HandleFunc("GET /incidents/{id}", c.incidentPage)
	mux.HandleFunc("GET /settings", c.settingsPage)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", ui.Static()))

	// Reads.
	mux.HandleFunc("GET /api/v1/overview", c.overviewAPI)
	mux.HandleFunc("GET /api/v1/posts", c.posts)
	mux.HandleFunc("GET /api/v1/posts/{id}", c.post)
	mux.HandleFunc("GET /api/v1/events", c.events)
	mux.HandleFunc("GET /api/v1/events/{id}", c.eventDetail)
	mux.HandleFunc("GET /api/v1/events/{id}/analysis", c.eventAnalysis)
	mux.HandleFunc("GET /api/v1/incidents", c.incidents)
	mux.HandleFunc("GET /api/v1/incidents/{id}", c.incident)
	mux.HandleFunc("GET /api/v1/incidents/{id}/history", c.history)
	mux.HandleFunc("GET /api/v1/incidents/{id}/deliveries", c.deliveries)
	mux.HandleFunc("GET /api/v1/rules", c.listRules)
	mux.HandleFunc("GET /api/v1/corrections", c.corrections)
	mux.HandleFunc("GET /api/v1/dictionary", c.dictionary)

	// Requests on incidents, which the responder applies; incidents and
	// disclosure items opened by hand.
	mux.HandleFunc("POST /api/v1/incidents/{id}/actions", c.action)
	mux.HandleFunc("GET /api/v1/ack", c.ack) // signed by the alert's token
	mux.HandleFunc("POST /api/v1/disclosures", c.disclosure)
	mux.HandleFunc("POST /api/v1/incidents", c.openIncident)

	// What officers add to the analysis.
	mux.HandleFunc("POST /api/v1/posts/{id}/sentiment", c.correctSentiment)
	mux.HandleFunc("POST /api/v1/dictionary", c.addWord)
	mux.HandleFunc("DELETE /api/v1/dictionary", c.removeWord)

	// Computations that change nothing.
	mux.HandleFunc("POST /api/v1/schemes/backtest", c.backtest)
	return mux
}
