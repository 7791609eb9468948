package inspector

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/inspect"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// now is Wednesday 17 June 2026, 10:00 China Standard Time.
var now = time.Date(2026, 6, 17, 10, 0, 0, 0, model.China)

type recorder struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (r *recorder) Dispatch(_ context.Context, m notify.Message) ([]notify.Delivery, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil, nil
}

func (r *recorder) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.msgs {
		out = append(out, m.IncidentID+"/"+m.Key)
	}
	slices.Sort(out)
	return out
}

func day(days int) string { return now.AddDate(0, 0, -days).Format("2006-01-02") }

func TestAlertsForVetoesDeadlinesAndReminders(t *testing.T) {
	home := day(20) // a home page not updated for 20 days: a veto
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := home
		mu.Unlock()
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, `<html><body><ul class="list"><li><a href="/a.html">要闻</a> %s</li></ul>`+
				`<a href="/zn.html">政府信息公开指南</a><a href="/ml.html">政府信息公开目录</a><a href="/nb/2025.html">2025年政府信息公开工作年度报告</a></body></html>`, h)
		case "/a.html", "/ml.html", "/nb/2025.html":
			fmt.Fprint(w, `<html><body>正文</body></html>`)
		case "/zn.html":
			fmt.Fprint(w, `<html><body>申请方式 申请表 流程图 收费 受理地址 联系方式</body></html>`)
		case "/board/":
			fmt.Fprintf(w, `<html><body><table><tr><td><a href="/board/1.html">即将到期的留言</a></td><td>%s</td></tr>`+
				`<tr><td><a href="/board/2.html">超期的留言</a></td><td>%s</td></tr></table></body></html>`, day(14), day(28))
		case "/board/1.html":
			// Wednesday 3 June: 10 working days end with 17 June.
			fmt.Fprintf(w, `<div class="msg-info">留言时间：%s 09:00</div>`, day(14))
		case "/board/2.html":
			fmt.Fprintf(w, `<div class="msg-info">留言时间：%s 09:00</div>`, day(28))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "y.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := func() time.Time { return now }
	in, err := inspect.New(inspect.Options{Client: srv.Client(), Delay: time.Millisecond, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	p := PortalOf(config.InspectPortal{ID: "town", Name: "某镇", Unit: "wang", Home: srv.URL + "/", Items: "ul.list li", ReplyWorkdays: 10,
		AnnualDeadline: "01-31", Board: config.InspectBoard{URL: srv.URL + "/board/", MaxPages: 5}})
	rec := &recorder{}
	var asked []string
	svc, err := New(Options{Inspector: in, Portals: []inspect.Portal{p}, Store: st, Dispatcher: rec, Now: clock,
		Recipients: func(unit string, _ time.Time) []notify.Recipient {
			asked = append(asked, unit)
			return []notify.Recipient{{ID: unit}}
		}, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range res[0].Report.Findings {
		kinds = append(kinds, f.Rule)
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"C-HOME-STALE", "C-REPLY-LOCAL"}) {
		t.Fatalf("findings %v; want the stale home and the overdue message", kinds)
	}
	homeID := inspect.FindingID("town", model.FindingStaleColumn, srv.URL+"/\x00首页")
	overdue := inspect.FindingID("town", model.FindingUnansweredMessage, srv.URL+"/board/2.html\x00超期的留言")
	soon := inspect.FindingID("town", model.FindingUnansweredMessage, srv.URL+"/board/1.html\x00即将到期的留言")
	want := []string{homeID + "/veto", overdue + "/reply/breach", soon + "/reply/reminder"}
	slices.Sort(want)
	if got := rec.keys(); !slices.Equal(got, want) {
		t.Errorf("alerts %v; want %v", got, want)
	}
	if len(asked) == 0 || asked[0] != "wang" {
		t.Errorf("recipients asked for %v; want the portal's unit", asked)
	}
	for _, m := range rec.msgs {
		if m.Kind == notify.KindReminder && m.DueAt.IsZero() {
			t.Errorf("a reminder without its due time: %+v", m)
		}
	}

	// The home page is updated: its finding is fixed, and the alerts of
	// the next run have the same keys (the delivery log sends them once).
	mu.Lock()
	home = day(1)
	mu.Unlock()
	rec.msgs = nil
	if _, err := svc.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	fixed, err := st.ListFindings(ctx, store.FindingQuery{State: model.FindingFixed})
	if err != nil || len(fixed) != 1 || fixed[0].ID != homeID {
		t.Errorf("fixed findings = %+v, %v; want the home page's", fixed, err)
	}
	want = []string{overdue + "/reply/breach", soon + "/reply/reminder"}
	slices.Sort(want)
	if got := rec.keys(); !slices.Equal(got, want) {
		t.Errorf("second run alerts %v", got)
	}
}

func TestProbesMakeAnUnavailableFinding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer srv.Close()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "y.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in, err := inspect.New(inspect.Options{Client: srv.Client(), Delay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Options{Inspector: in, Portals: []inspect.Portal{{ID: "p", Home: srv.URL + "/"}}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := svc.Probe(ctx); err != nil {
			t.Fatal(err)
		}
		fs, _ := st.ListFindings(ctx, store.FindingQuery{Kind: model.FindingUnavailable})
		if want := map[bool]int{true: 1, false: 0}[i == 2]; len(fs) != want {
			t.Fatalf("after %d failed probes: %d unavailable findings; want %d", i+1, len(fs), want)
		}
	}
}
