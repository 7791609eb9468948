package responder

import (
	"context"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDisclosureAcrossNationalDay is the disclosure scenario across the
// 2026 National Day holiday (1–7 October off; Sunday 20 September and
// Saturday 10 October are make-up workdays): a policy document on the
// portal on 30 September owes its interpretation within 3 working days, a
// permit decided on 18 September must be published within 7, and an
// application received on 25 September must be answered within 20 (+20),
// with the clock restarting when a corrected application arrives.
func TestDisclosureAcrossNationalDay(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 9, 30, 17, 0, 0, 0, model.China)
	r := New(cfg, st, prometheus.NewRegistry(), nil, WithClock(func() time.Time { return now }))
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, model.China) }
	// 24:00 of a day is 00:00 of the next.
	deadline := func(m time.Month, d int) time.Time { return day(m, d).AddDate(0, 0, 1) }

	policy := model.Post{Document: model.Document{ID: "pol", URL: "http://gov.example/zc.html", SourceID: "portal", SourceName: "青岚县人民政府",
		SourceKind: model.KindPortal, Authority: model.TierOfficial, PublishedAt: time.Date(2026, 9, 30, 16, 0, 0, 0, model.China),
		Title: "青岚县人民政府办公室关于印发《青岚县2026年消费品以旧换新工作方案》的通知", Body: "各乡镇人民政府:现将《青岚县2026年消费品以旧换新工作方案》印发给你们。"},
		Sentiment: model.Sentiment{Label: model.Neutral}, Keywords: kw("以旧换新", "工作方案", "消费品")}
	manual := func(id, rule string, start time.Time) model.Incident {
		return model.Incident{ID: id, Version: 1, Kind: KindDisclosure, Title: id, State: model.StatePending, Open: true,
			OpenedAt: now.UTC(), ClockStart: start.UTC(), DetectedAt: start.UTC(), Obligations: []model.Obligation{{Rule: rule}}}
	}
	if err := st.UpsertIncidents(ctx, []model.Incident{manual("permit", "D-PERMIT", day(9, 18)), manual("apply", "D-APPLY", day(9, 25))}); err != nil {
		t.Fatal(err)
	}
	// The console tells the responder of the items it opened.
	permit, apply := manual("permit", "D-PERMIT", day(9, 18)), manual("apply", "D-APPLY", day(9, 25))
	if err := r.HandleRequests(ctx, []bus.Request{
		{HistoryEntry: model.HistoryEntry{ID: "o1", IncidentID: "permit", At: now.UTC(), Actor: "公开办", Action: "opened"}, Incident: &permit},
		{HistoryEntry: model.HistoryEntry{ID: "o2", IncidentID: "apply", At: now.UTC(), Actor: "公开办", Action: "opened"}, Incident: &apply},
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.HandlePosts(ctx, []model.Post{policy}); err != nil {
		t.Fatal(err)
	}
	if err := r.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	due := func(id, rule string) model.Obligation {
		t.Helper()
		inc, err := st.GetIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range inc.Obligations {
			if o.Rule == rule {
				return o
			}
		}
		t.Fatalf("%s has no %s obligation: %+v", id, rule, inc.Obligations)
		return model.Obligation{}
	}
	interp := "DIS-" + shortHash("D-INTERP:pol")
	for _, tc := range []struct {
		id, rule string
		want     time.Time
		state    string
	}{
		// 30 Sep + 3: 8 Oct, 9 Oct, 10 Oct (make-up Saturday).
		{interp, "D-INTERP", deadline(10, 10), model.ObligationPending},
		// 18 Sep + 7: 21, 22, 23, 24, 25 Sep, (20 Sep is before the
		// start) 28, 29 Sep → 29 Sep; breached by 30 Sep 17:00.
		{"permit", "D-PERMIT", deadline(9, 29), model.ObligationBreached},
		// 25 Sep + 20: 28, 29, 30 Sep, 8, 9, 10, 12–16, 19–23, 26–29 Oct.
		{"apply", "D-APPLY", deadline(10, 29), model.ObligationPending},
	} {
		o := due(tc.id, tc.rule)
		if !o.DueAt.Equal(tc.want) || o.State != tc.state || o.Provisional {
			t.Errorf("%s %s due %v state %s provisional %v; want due %v state %s", tc.id, tc.rule,
				o.DueAt.In(model.China), o.State, o.Provisional, tc.want.In(model.China), tc.state)
		}
	}

	// The interpretation appears on 9 October: D-INTERP is met on time.
	now = time.Date(2026, 10, 9, 10, 0, 0, 0, model.China)
	explain := model.Post{Document: model.Document{ID: "jd", URL: "http://gov.example/jd.html", SourceID: "portal", SourceName: "青岚县人民政府",
		SourceKind: model.KindPortal, Authority: model.TierOfficial, PublishedAt: time.Date(2026, 10, 9, 9, 30, 0, 0, model.China),
		Title: "《青岚县2026年消费品以旧换新工作方案》政策解读", Body: "一、制定背景……"},
		Sentiment: model.Sentiment{Label: model.Neutral}, Keywords: kw("以旧换新", "政策解读")}
	if err := r.HandlePosts(ctx, []model.Post{explain}); err != nil {
		t.Fatal(err)
	}
	if o := due(interp, "D-INTERP"); o.State != model.ObligationFulfilled || o.Late || o.Evidence == nil || o.Evidence.URL != explain.URL {
		t.Errorf("D-INTERP after the interpretation = %+v", o)
	}

	// The application is extended once (+20), then a corrected
	// application arrives on 12 October: the clock restarts from it.
	if err := r.HandleRequests(ctx, reqsOf(
		model.HistoryEntry{ID: "x1", IncidentID: "apply", At: now.UTC(), Actor: "公开办", Action: model.RequestPrefix + model.RequestExtend, Reason: `{"rule":"D-APPLY"}`},
	)); err != nil {
		t.Fatal(err)
	}
	if err := r.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if o := due("apply", "D-APPLY"); !o.DueAt.Equal(deadline(11, 26)) || !o.Extended {
		t.Errorf("extended D-APPLY due %v (extended %v), want %v", o.DueAt.In(model.China), o.Extended, deadline(11, 26).In(model.China))
	}
	if err := r.HandleRequests(ctx, reqsOf(
		model.HistoryEntry{ID: "x2", IncidentID: "apply", At: now.Add(time.Minute).UTC(), Actor: "公开办", Action: model.RequestPrefix + model.RequestExtend, Reason: `{"rule":"D-APPLY"}`},
		model.HistoryEntry{ID: "x3", IncidentID: "apply", At: now.Add(2 * time.Minute).UTC(), Actor: "公开办", Action: model.RequestPrefix + model.RequestRestart,
			Reason: `{"rule":"D-APPLY","from":"2026-10-12T00:00:00+08:00"}`},
	)); err != nil {
		t.Fatal(err)
	}
	if err := r.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	// 12 Oct + 20: 13–16, 19–23, 26–30 Oct, 2–6, 9 Nov.
	if o := due("apply", "D-APPLY"); !o.DueAt.Equal(deadline(11, 9)) || o.Extended {
		t.Errorf("restarted D-APPLY due %v (extended %v), want %v", o.DueAt.In(model.China), o.Extended, deadline(11, 9).In(model.China))
	}
	hist, _ := st.ListHistory(ctx, "apply")
	rejected := 0
	for _, h := range hist {
		if h.Action == "request_rejected" {
			rejected++
		}
	}
	if rejected != 1 {
		t.Errorf("the second extension was not rejected once: %d rejections", rejected)
	}
}
