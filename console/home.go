package console

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

//go:embed home.html
var homeHTML string

//go:embed incident.html
var incidentHTML string

var funcs = template.FuncMap{
	"join": strings.Join,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(model.China).Format("01-02 15:04")
	},
	"sentiment": func(label string) string {
		switch label {
		case model.Negative:
			return "负面"
		case model.Positive:
			return "正面"
		}
		return "中性"
	},
	"obState": func(s string) string {
		return map[string]string{model.ObligationPending: "办理中", model.ObligationFulfilled: "已履行",
			model.ObligationBreached: "已超时", model.ObligationWaived: "已豁免"}[s]
	},
	"countdown": func(due time.Time) string {
		d := time.Until(due).Round(time.Minute)
		if d < 0 {
			return "已超时" + fmtDuration(-d)
		}
		return "剩余" + fmtDuration(d)
	},
	"level": func(l string) string {
		return map[string]string{"I": "Ⅰ级 特别重大", "II": "Ⅱ级 重大", "III": "Ⅲ级 较大", "IV": "Ⅳ级 一般"}[l]
	},
}

var homeTmpl = template.Must(template.New("home").Funcs(funcs).Parse(homeHTML))

var incidentTmpl = template.Must(template.New("incident").Funcs(funcs).Parse(incidentHTML))

// incidentPage shows one incident to duty staff: its figures, its
// deadlines with the rule each comes from, and its history. Alerts link
// here.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	inc, err := s.st.GetIncident(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := s.st.ListHistory(r.Context(), inc.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type obligation struct {
		O    model.Obligation
		Rule rules.Rule
	}
	obs := make([]obligation, len(inc.Obligations))
	for i, o := range inc.Obligations {
		obs[i].O = o
		if s.rules != nil {
			obs[i].Rule, _ = s.rules.Get(o.Rule)
		}
	}
	ds, err := s.st.ListDeliveries(r.Context(), inc.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type delivery struct {
		At                                  time.Time
		NotificationKey, Channel, Recipient string
		Status, Error                       string
		Attempts                            int
	}
	deliveries := make([]delivery, 0, len(ds))
	for _, d := range ds {
		var v struct {
			NotificationKey string `json:"notification_key"`
			Channel         string `json:"channel"`
			Recipient       string `json:"recipient"`
			Status          string `json:"status"`
			Error           string `json:"error"`
			Attempts        int    `json:"attempts"`
		}
		if json.Unmarshal([]byte(d.Detail), &v) == nil {
			deliveries = append(deliveries, delivery{d.At, v.NotificationKey, v.Channel, v.Recipient, v.Status, v.Error, v.Attempts})
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := incidentTmpl.Execute(w, map[string]any{"Inc": inc, "Obligations": obs, "History": hist, "Deliveries": deliveries}); err != nil {
		s.log.Warn("cannot render incident page", "err", err)
	}
}

// home is the overview page for officers: open incidents, disclosure
// deadlines, the latest posts with a control to correct their sentiment,
// and the user dictionary with controls to add and remove words (both call
// the JSON API from the page, as the officer named in its 操作人 field). It
// refreshes itself every 10 seconds unless a control has the focus.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	incs, err := s.st.ListIncidents(r.Context(), store.IncidentQuery{OnlyOpen: true, Limit: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, corrections, err := s.queryPosts(r.Context(), store.PostQuery{Limit: 30})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range page.Items {
		if c, ok := corrections[page.Items[i].ID]; ok {
			page.Items[i].Sentiment.Label = c.Label
		}
	}
	dict, err := s.st.UserDictionary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	neg, err := s.st.QueryPosts(r.Context(), store.PostQuery{Sentiment: model.Negative, Limit: 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var opinion, disclosure []model.Incident
	for _, inc := range incs {
		if inc.Kind == "" {
			opinion = append(opinion, inc)
		} else {
			disclosure = append(disclosure, inc)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := homeTmpl.Execute(w, map[string]any{
		"Incidents": opinion, "Disclosures": disclosure, "Posts": page.Items, "Total": page.Total, "Negative": neg.Total,
		"Corrected": corrections, "Words": dict.Words,
	}); err != nil {
		s.log.Warn("cannot render home page", "err", err)
	}
}

// fmtDuration says a duration in Chinese: 2天3小时, 4小时12分.
func fmtDuration(d time.Duration) string {
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d小时%d分", hours, mins)
	}
	return fmt.Sprintf("%d分", mins)
}
