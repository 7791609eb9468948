package console

import (
	"net/http"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/console/ui"
	"github.com/yuqing-project/yuqing/model"
)

// routes declares every URL the console serves, in one place, so that what
// can be reached is reviewed here; routePerms below says what each needs.
// httpserver labels the request metrics with these patterns (without the
// method).
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
	mux.HandleFunc("GET /inspections", c.inspectionsPage)
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
	mux.HandleFunc("GET /api/v1/incidents/{id}/history", c.historyOf(c.incidentExists))
	mux.HandleFunc("GET /api/v1/incidents/{id}/deliveries", c.deliveries)
	mux.HandleFunc("GET /api/v1/rules", c.listRules)
	mux.HandleFunc("GET /api/v1/corrections", c.corrections)
	mux.HandleFunc("GET /api/v1/dictionary", c.dictionary)
	mux.HandleFunc("GET /api/v1/inspections", c.inspections)

	// Requests on incidents, which the responder applies; incidents and
	// disclosure items opened by hand.
	mux.HandleFunc("POST /api/v1/incidents/{id}/actions", c.action)
	mux.HandleFunc("GET /api/v1/ack", c.ack) // signed by the alert's token
	mux.HandleFunc("POST /api/v1/disclosures", c.disclosure)
	mux.HandleFunc("POST /api/v1/incidents", c.openIncident)
	// Merging and splitting events by hand, which the responder applies
	// (eventactions.go).
	mux.HandleFunc("POST /api/v1/events/{id}/actions", c.eventAction)
	// The merges and splits people asked of an event and their outcomes.
	mux.HandleFunc("GET /api/v1/events/{id}/history", c.historyOf(c.eventExists))

	// What officers add to the analysis.
	mux.HandleFunc("POST /api/v1/posts/{id}/sentiment", c.correctSentiment)
	mux.HandleFunc("POST /api/v1/dictionary", c.addWord)
	mux.HandleFunc("DELETE /api/v1/dictionary", c.removeWord)

	// Briefs: the archive and one brief's page; the API generates, edits,
	// steps through 拟稿 → 审核 → 签发 → 已印发 (signing needs brief.sign
	// once accounts land) and downloads.
	mux.HandleFunc("GET /briefs", c.briefsPage)
	mux.HandleFunc("GET /briefs/{id}", c.briefPage)
	mux.HandleFunc("GET /api/v1/briefs", c.listBriefs)
	mux.HandleFunc("POST /api/v1/briefs", c.generateBrief)
	mux.HandleFunc("GET /api/v1/briefs/{id}", c.getBrief)
	mux.HandleFunc("GET /api/v1/briefs/{id}/file", c.briefFile)
	mux.HandleFunc("GET /api/v1/briefs/{id}/charts/{n}", c.briefChart)
	mux.HandleFunc("POST /api/v1/briefs/{id}/actions", c.briefAction)
	mux.HandleFunc("POST /api/v1/briefs/{id}/blocks", c.editBrief)

	// Computations that change nothing.
	mux.HandleFunc("POST /api/v1/schemes/backtest", c.backtest)

	// Settings kept in the store: monitoring schemes and the duty roster
	// (schemesettings.go, roster.go).
	mux.HandleFunc("GET /settings/schemes", c.schemesPage)
	mux.HandleFunc("GET /api/v1/schemes", c.listSchemes)
	mux.HandleFunc("POST /api/v1/schemes", c.createScheme)
	mux.HandleFunc("PUT /api/v1/schemes/{id}", c.updateScheme)
	mux.HandleFunc("POST /api/v1/schemes/{id}/enable", c.setSchemeState(false))
	mux.HandleFunc("POST /api/v1/schemes/{id}/disable", c.setSchemeState(true))
	mux.HandleFunc("GET /api/v1/schemes/{id}/history", c.settingHistory(model.SettingScheme))
	// Sources kept in the store, with their status (sourcesettings.go).
	mux.HandleFunc("GET /settings/sources", c.sourcesPage)
	mux.HandleFunc("GET /api/v1/sources", c.listSources)
	mux.HandleFunc("POST /api/v1/sources", c.createSource)
	mux.HandleFunc("PUT /api/v1/sources/{id}", c.updateSource)
	mux.HandleFunc("POST /api/v1/sources/{id}/enable", c.setSourceState(false))
	mux.HandleFunc("POST /api/v1/sources/{id}/disable", c.setSourceState(true))
	mux.HandleFunc("GET /api/v1/sources/{id}/history", c.sourceHistory)
	mux.HandleFunc("GET /settings/roster", c.rosterPage)
	mux.HandleFunc("GET /api/v1/roster", c.getRoster)
	mux.HandleFunc("POST /api/v1/roster/shifts", c.createShift)
	mux.HandleFunc("PUT /api/v1/roster/shifts/{id}", c.updateShift)
	mux.HandleFunc("DELETE /api/v1/roster/shifts/{id}", c.deleteShift)
	mux.HandleFunc("GET /api/v1/roster/shifts/{id}/history", c.settingHistory(model.SettingShift))
	mux.HandleFunc("GET /settings/notify", c.notifyPage)
	mux.HandleFunc("GET /api/v1/deliveries", c.listDeliveries)

	// Logins, accounts and the audit log (accounts.go).
	c.accountRoutes(mux)
	return mux
}

// routePerms is the guard of every route by its pattern: public (no
// login), loginStep (a session whose login may be incomplete), byHandler
// (the handler checks a permission that depends on the body), or the
// permission (auth.Perm*) the principal's role must have. A read (GET)
// missing here needs auth.PermRead; a state-changing route missing here is
// refused to everyone, so a new one is closed until it is listed.
var routePerms = map[string]string{
	"GET /assets/":    public,
	"GET /api/v1/ack": public, // signed by the alert's token; it acknowledges, nothing else

	"POST /api/v1/incidents/{id}/actions": byHandler,
	"POST /api/v1/disclosures":            auth.PermDisclosureOpen,
	"POST /api/v1/incidents":              auth.PermIncidentOpen,
	"POST /api/v1/events/{id}/actions":    auth.PermEventEdit,
	"POST /api/v1/posts/{id}/sentiment":   auth.PermPostCorrect,
	"POST /api/v1/dictionary":             auth.PermDictionaryEdit,
	"DELETE /api/v1/dictionary":           auth.PermDictionaryEdit,
	"POST /api/v1/schemes/backtest":       auth.PermRead,

	"POST /api/v1/schemes":              auth.PermSchemeEdit,
	"PUT /api/v1/schemes/{id}":          auth.PermSchemeEdit,
	"POST /api/v1/schemes/{id}/enable":  auth.PermSchemeEdit,
	"POST /api/v1/schemes/{id}/disable": auth.PermSchemeEdit,
	"POST /api/v1/roster/shifts":        auth.PermRosterEdit,
	"PUT /api/v1/roster/shifts/{id}":    auth.PermRosterEdit,
	"DELETE /api/v1/roster/shifts/{id}": auth.PermRosterEdit,

	"GET /settings/sources":             byHandler, // read, or source.edit
	"GET /api/v1/sources":               byHandler,
	"GET /api/v1/sources/{id}/history":  byHandler,
	"POST /api/v1/sources":              auth.PermSourceEdit,
	"PUT /api/v1/sources/{id}":          auth.PermSourceEdit,
	"POST /api/v1/sources/{id}/enable":  auth.PermSourceEdit,
	"POST /api/v1/sources/{id}/disable": auth.PermSourceEdit,

	"POST /api/v1/briefs":              auth.PermBriefDraft,
	"POST /api/v1/briefs/{id}/blocks":  auth.PermBriefDraft,
	"POST /api/v1/briefs/{id}/actions": byHandler, // brief.draft or brief.sign, by the step

	"GET /login":               public,
	"POST /login":              public,
	"GET /login/oidc":          public,
	"GET /login/oidc/callback": public,
	"GET /login/totp":          loginStep,
	"POST /login/totp":         loginStep,
	"GET /account/totp":        loginStep,
	"POST /account/totp":       loginStep,
	"GET /account/password":    loginStep,
	"POST /account/password":   loginStep,
	"POST /logout":             loginStep,
	"GET /api/v1/me":           loginStep,
	"GET /accounts":            byHandler, // account.admin or role.admin
	"POST /accounts/add":       auth.PermAccountAdmin,
	"POST /accounts/reset":     auth.PermAccountAdmin,
	"POST /accounts/token":     auth.PermAccountAdmin,
	"POST /accounts/revoke":    auth.PermAccountAdmin,
	"POST /accounts/role":      auth.PermRoleAdmin,
	"POST /accounts/lock":      auth.PermRoleAdmin,
	"POST /accounts/unlock":    auth.PermRoleAdmin,
	"GET /audit":               auth.PermAuditRead,
	"GET /api/v1/audit/export": auth.PermAuditRead,
	"GET /api/v1/audit/verify": auth.PermAuditRead,
}
