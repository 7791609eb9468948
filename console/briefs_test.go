package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/brief"
	"github.com/yuqing-project/yuqing/brief/brieftest"
	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/console"
	"github.com/yuqing-project/yuqing/internal/app"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

type noRequests struct{}

func (noRequests) PublishRequests(context.Context, ...bus.Request) error { return nil }

var briefDay = time.Date(2026, 12, 1, 0, 0, 0, 0, model.China)

// briefServer is a console on a store seeded with demo-like data, its
// clock at 08:00 the next day.
func briefServer(t *testing.T) (*httptest.Server, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := brieftest.Seed(context.Background(), st, briefDay); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Briefs.Unit, cfg.Briefs.Jurisdiction, cfg.Briefs.Copies = "中共某县委宣传部（网信办）", "我县", 25
	cfg.Briefs.ReportTo, cfg.Briefs.CopyTo = []string{"县委书记", "县长"}, []string{"各乡镇党委"}
	now := func() time.Time { return briefDay.Add(32 * time.Hour) }
	c, err := console.New(console.Options{Store: st, Requests: noRequests{}, Registerer: prometheus.NewRegistry(), Now: now,
		Briefs: app.NewBriefs(st, cfg, now)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	return srv, st
}

func call(t *testing.T, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return v
}

func step(t *testing.T, srv *httptest.Server, id, action, actor string) model.Brief {
	t.Helper()
	code, data := call(t, "POST", srv.URL+"/api/v1/briefs/"+id+"/actions", map[string]string{"action": action, "actor": actor})
	if code != 200 {
		t.Fatalf("%s %s: %d %s", action, id, code, data)
	}
	return decode[model.Brief](t, data)
}

// TestBriefsAcceptance is the acceptance on demo-like data: a
// daily brief and a 专报 on the explosion are generated, edited, signed
// and issued through the console; their DOCX converts to PDF with
// LibreOffice (the pages kept as PNG artefacts).
func TestBriefsAcceptance(t *testing.T) {
	srv, _ := briefServer(t)
	code, data := call(t, "POST", srv.URL+"/api/v1/briefs", map[string]string{"type": "daily", "period": "2026-12-01", "actor": "编辑甲"})
	if code != 201 {
		t.Fatalf("generate daily: %d %s", code, data)
	}
	daily := decode[model.Brief](t, data)
	code, data = call(t, "POST", srv.URL+"/api/v1/briefs", map[string]string{"type": "special", "incident": brieftest.IncidentID, "actor": "编辑甲"})
	if code != 201 {
		t.Fatalf("generate 专报: %d %s", code, data)
	}
	special := decode[model.Brief](t, data)
	for _, bad := range []map[string]string{{"type": "hourly", "actor": "a"}, {"type": "daily"}, {"type": "special", "actor": "a"}, {"type": "daily", "period": "12/01", "actor": "a"}} {
		if code, data := call(t, "POST", srv.URL+"/api/v1/briefs", bad); code != 400 || !strings.Contains(string(data), "invalid field") {
			t.Errorf("generate %v = %d %s", bad, code, data)
		}
	}
	// The archive finds them; the page shows the 报头 and the controls.
	_, page := call(t, "GET", srv.URL+"/briefs?text="+url.QueryEscape("化工园区"), nil)
	for _, want := range []string{daily.ID, special.ID, "舆情日报", "舆情专报", `<script src="/assets/api.js"></script>`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the archive lacks %q", want)
		}
	}
	_, page = call(t, "GET", srv.URL+"/briefs/"+daily.ID, nil)
	for _, want := range []string{`<h1 class="masthead">舆情日报</h1>`, `data-action="submit"`, `/api/v1/briefs/` + daily.ID + `/charts/1`, "保存修改"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the brief's page lacks %q", want)
		}
	}
	if strings.Contains(string(page), "onclick") || strings.Contains(string(page), "<script>") {
		t.Error("the brief's page has inline script")
	}
	if code, data := call(t, "GET", srv.URL+"/api/v1/briefs/"+daily.ID+"/charts/1", nil); code != 200 || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("chart 1 = %d", code)
	}
	// Edit, submit, sign, issue.
	code, data = call(t, "POST", srv.URL+"/api/v1/briefs/"+daily.ID+"/blocks", map[string]string{"block": "watch.1", "text": "请持续关注化工园区事故后续处置。", "actor": "编辑甲"})
	if code != 200 {
		t.Fatalf("edit: %d %s", code, data)
	}
	if code, _ := call(t, "POST", srv.URL+"/api/v1/briefs/"+daily.ID+"/actions", map[string]string{"action": "sign", "actor": "李领导"}); code != 409 {
		t.Errorf("signing a draft = %d, want 409", code)
	}
	for _, b := range []*model.Brief{&daily, &special} {
		step(t, srv, b.ID, "submit", "编辑甲")
		if s := step(t, srv, b.ID, "sign", "李领导"); s.Signer != "李领导" {
			t.Errorf("signer = %q", s.Signer)
		}
		*b = step(t, srv, b.ID, "issue", "印发员")
		if b.State != model.BriefIssued || b.Number != 1 || b.Year != 2026 {
			t.Errorf("%s issued as %s %d年第%d期", b.Type, b.State, b.Year, b.Number)
		}
	}
	if code, _ := call(t, "POST", srv.URL+"/api/v1/briefs/"+daily.ID+"/blocks", map[string]string{"block": "watch.1", "text": "x", "actor": "a"}); code != 409 {
		t.Errorf("editing an issued brief = %d, want 409", code)
	}
	_, data = call(t, "GET", srv.URL+"/api/v1/briefs/"+daily.ID, nil)
	if !strings.Contains(string(data), "请持续关注化工园区事故后续处置。") {
		t.Error("the edit was lost")
	}

	// The DOCX from the console converts with LibreOffice.
	testenv.LookPath(t, "libreoffice", "soffice")
	pdftotext := testenv.LookPath(t, "libreoffice", "pdftotext")
	pdftoppm := testenv.LookPath(t, "libreoffice", "pdftoppm")
	out := os.Getenv("YUQING_ARTIFACTS")
	if out == "" {
		out = t.TempDir()
	} else {
		out = filepath.Join(out, "console-briefs")
		_ = os.MkdirAll(out, 0o755)
	}
	for _, b := range []model.Brief{daily, special} {
		code, docx := call(t, "GET", srv.URL+"/api/v1/briefs/"+b.ID+"/file?format=docx", nil)
		if code != 200 {
			t.Fatalf("docx: %d", code)
		}
		path := filepath.Join(out, string(b.Type)+".docx")
		if err := os.WriteFile(path, docx, 0o644); err != nil {
			t.Fatal(err)
		}
		pdf, err := brief.ConvertPDF(context.Background(), path, out)
		if err != nil {
			t.Fatal(err)
		}
		txt, err := exec.Command(pdftotext, pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(txt)), "")
		for _, want := range []string{b.Title, "2026年第1期", "中共某县委宣传部（网信办）", "报：县委书记，县长。", "（共印25份）", "2026年12月2日印发"} {
			if !strings.Contains(text, want) {
				t.Errorf("the %s PDF lacks %q", b.Type, want)
			}
		}
		if err := exec.Command(pdftoppm, "-png", "-r", "50", pdf, filepath.Join(out, string(b.Type))).Run(); err != nil {
			t.Fatal(err)
		}
	}
}

// apiIncidents lists the incidents through the API.
func apiIncidents(t *testing.T, srv *httptest.Server) []model.Incident {
	t.Helper()
	_, data := call(t, "GET", srv.URL+"/api/v1/incidents", nil)
	return decode[struct {
		Items []model.Incident `json:"items"`
	}](t, data).Items
}

// TestBriefFiguresMatchAPI checks every figure of a daily brief, of a
// 专报 and of the annual report against the same query through the API; a
// figure the test does not know fails it, so a new figure comes with its
// check.
func TestBriefFiguresMatchAPI(t *testing.T) {
	srv, _ := briefServer(t)
	now := briefDay.Add(32 * time.Hour)
	gen := func(body map[string]string) model.Brief {
		t.Helper()
		code, data := call(t, "POST", srv.URL+"/api/v1/briefs", body)
		if code != 201 {
			t.Fatalf("generate %v: %d %s", body, code, data)
		}
		return decode[model.Brief](t, data)
	}
	total := func(params url.Values) int64 {
		t.Helper()
		params.Set("limit", "1")
		code, data := call(t, "GET", srv.URL+"/api/v1/posts?"+params.Encode(), nil)
		if code != 200 {
			t.Fatalf("posts?%s: %d %s", params.Encode(), code, data)
		}
		return decode[struct {
			Total int64 `json:"total"`
		}](t, data).Total
	}
	day := func(start time.Time) url.Values {
		return url.Values{"since": {start.Format(time.RFC3339)}, "until": {start.AddDate(0, 0, 1).Format(time.RFC3339)}}
	}
	with := func(v url.Values, k, val string) url.Values { v.Set(k, val); return v }
	incidents := apiIncidents(t, srv)
	// What the daily brief's incident figures count, from the API's incidents.
	outcomes := func(disclosure bool, keep func(model.Incident, model.Obligation) bool) map[string]int64 {
		m := map[string]int64{}
		for _, in := range incidents {
			if (in.Kind == "disclosure") != disclosure || in.State == model.StateFalseAlarm {
				continue
			}
			for _, o := range in.Obligations {
				if keep(in, o) {
					m[brief.Outcome(o, now)]++
					m["all"]++
				}
			}
		}
		return m
	}
	start, end := briefDay, briefDay.AddDate(0, 0, 1)
	handled := outcomes(false, func(in model.Incident, o model.Obligation) bool {
		return in.OpenedAt.Before(end) && (!in.OpenedAt.Before(start) || in.Open)
	})
	disclosed := outcomes(true, func(in model.Incident, o model.Obligation) bool {
		return !(o.DueAt.Before(start) && o.State != model.ObligationPending) && o.DueAt.Before(end.AddDate(0, 0, 7))
	})
	var handledIncidents int64
	for _, in := range incidents {
		if in.Kind != "disclosure" && in.OpenedAt.Before(end) && (!in.OpenedAt.Before(start) || in.Open) {
			handledIncidents++
		}
	}
	_, data := call(t, "GET", srv.URL+"/api/v1/events?since="+url.QueryEscape(start.Format(time.RFC3339)), nil)
	var events int64
	for _, e := range decode[struct {
		Items []model.Event `json:"items"`
	}](t, data).Items {
		if e.FirstSeen.Before(end) {
			events++
		}
	}
	daily := gen(map[string]string{"type": "daily", "period": "2026-12-01", "actor": "编辑甲"})
	for name, got := range daily.Content.Figures {
		var want int64
		switch {
		case name == brief.FigPosts:
			want = total(day(briefDay))
		case name == brief.FigPrevPosts:
			want = total(day(briefDay.AddDate(0, 0, -1)))
		case name == brief.FigNegative || name == brief.FigPositive || name == brief.FigNeutral:
			want = total(with(day(briefDay), "sentiment", name))
		case strings.HasPrefix(name, "source:"):
			want = total(with(day(briefDay), "source", strings.TrimPrefix(name, "source:")))
		case strings.HasPrefix(name, "region:"):
			want = total(with(day(briefDay), "region", strings.TrimPrefix(name, "region:")))
		case name == brief.FigEvents:
			want = min(events, 5)
		case name == brief.FigIncidents:
			want = handledIncidents
		case name == brief.FigObligations:
			want = handled["all"]
		case name == brief.FigOnTime:
			want = handled[brief.OutcomeOnTime]
		case name == brief.FigLate:
			want = handled[brief.OutcomeLate]
		case name == brief.FigBreached:
			want = handled[brief.OutcomeBreached]
		case name == brief.FigDisclosDue:
			want = disclosed["all"]
		case name == brief.FigDisclosMet:
			want = disclosed[brief.OutcomeOnTime] + disclosed[brief.OutcomeLate]
		case name == brief.FigDisclosLate:
			want = disclosed[brief.OutcomeBreached]
		default:
			t.Errorf("figure %s of the daily brief is not cross-checked", name)
			continue
		}
		if got != want {
			t.Errorf("daily figure %s = %d, the API says %d", name, got, want)
		}
	}
	text := daily.Content.Sections[0].Blocks[0].Text
	if !strings.Contains(text, fmt.Sprintf("网络信息%d条", daily.Content.Figures[brief.FigPosts])) || !strings.Contains(text, fmt.Sprintf("负面信息%d条", daily.Content.Figures[brief.FigNegative])) {
		t.Errorf("the overview does not state the figures: %s", text)
	}

	// The 专报: its posts are the event's, as the event's API page lists them.
	special := gen(map[string]string{"type": "special", "incident": brieftest.IncidentID, "actor": "编辑甲"})
	var inc model.Incident
	for _, in := range incidents {
		if in.ID == brieftest.IncidentID {
			inc = in
		}
	}
	_, data = call(t, "GET", srv.URL+"/api/v1/events/"+inc.EventID, nil)
	detail := decode[struct {
		Timeline []struct {
			Sentiment string `json:"sentiment"`
		} `json:"timeline"`
	}](t, data)
	labels := map[string]int64{}
	for _, it := range detail.Timeline {
		labels[it.Sentiment]++
	}
	var breached int64
	for _, o := range inc.Obligations {
		if brief.Outcome(o, now) == brief.OutcomeBreached {
			breached++
		}
	}
	for name, got := range special.Content.Figures {
		var want int64
		switch name {
		case brief.FigPosts:
			want = int64(len(detail.Timeline))
		case brief.FigNegative, brief.FigPositive:
			want = labels[name]
		case brief.FigNeutral:
			want = int64(len(detail.Timeline)) - labels[model.Negative] - labels[model.Positive]
		case brief.FigObligations:
			want = int64(len(inc.Obligations))
		case brief.FigBreached:
			want = breached
		default:
			t.Errorf("figure %s of the 专报 is not cross-checked", name)
			continue
		}
		if got != want {
			t.Errorf("专报 figure %s = %d, the API says %d", name, got, want)
		}
	}

	// The annual report: its applications are the API's disclosure items.
	annual := gen(map[string]string{"type": "annual", "period": "2026-12-01", "actor": "办公室"})
	y0, y1 := time.Date(2026, 1, 1, 0, 0, 0, 0, model.China), time.Date(2027, 1, 1, 0, 0, 0, 0, model.China)
	inYear := func(t time.Time) bool { return !t.Before(y0) && t.Before(y1) }
	want := map[string]int64{}
	for _, in := range incidents {
		if in.Kind != "disclosure" {
			continue
		}
		for _, o := range in.Obligations {
			switch o.Rule {
			case "D-INTERP":
				if inYear(in.OpenedAt) {
					want[brief.FigPolicyDocs]++
				}
			case "D-PERMIT":
				if inYear(in.OpenedAt) {
					want[brief.FigPermits]++
				}
			case "D-PROACTIVE":
				if inYear(in.OpenedAt) {
					want[brief.FigProactive]++
				}
			case "D-APPLY":
				var done time.Time
				if o.State == model.ObligationFulfilled && o.Evidence != nil {
					done = o.Evidence.PublishedAt
				}
				switch {
				case inYear(in.OpenedAt):
					want[brief.FigApplyNew]++
				case in.OpenedAt.Before(y0) && (done.IsZero() || !done.Before(y0)):
					want[brief.FigApplyCarried]++
				default:
					continue
				}
				if inYear(done) {
					want[brief.FigApplyAnswered]++
					if o.Late {
						want[brief.FigApplyLate]++
					}
				} else {
					want[brief.FigApplyCarryOut]++
				}
			}
		}
	}
	for name, got := range annual.Content.Figures {
		w, known := want[name]
		if !known && !slices.Contains([]string{brief.FigPermits, brief.FigProactive}, name) {
			t.Errorf("figure %s of the annual report is not cross-checked", name)
		}
		if got != w {
			t.Errorf("annual figure %s = %d, the API says %d", name, got, w)
		}
	}
	if len(want) < 5 {
		t.Errorf("the annual cross-check found only %v", want)
	}
}

// TestConcurrentIssuersThroughAPI issues briefs from many requests at
// once: consecutive 期号, none repeated.
func TestConcurrentIssuersThroughAPI(t *testing.T) {
	srv, st := briefServer(t)
	const n = 6
	var ids []string
	for i := range n {
		b := storeBrief(i)
		if err := st.UpsertBriefs(context.Background(), []model.Brief{b}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	var wg sync.WaitGroup
	nums := make([]int, n)
	for i, id := range ids {
		wg.Go(func() {
			code, data := call(t, "POST", srv.URL+"/api/v1/briefs/"+id+"/actions", map[string]string{"action": "issue", "actor": fmt.Sprint("印发员", i)})
			if code == 200 {
				var b model.Brief
				_ = json.Unmarshal(data, &b)
				nums[i] = b.Number
			}
		})
	}
	wg.Wait()
	slices.Sort(nums)
	for i, got := range nums {
		if got != i+1 {
			t.Fatalf("期号 issued at once = %v", nums)
		}
	}
}

func storeBrief(i int) model.Brief {
	return model.Brief{ID: fmt.Sprintf("x%d", i), Version: 1, Type: model.BriefDaily, Title: "舆情日报", State: model.BriefSigned,
		CreatedAt: briefDay.UTC(), PeriodStart: briefDay.UTC(), Signer: "李领导", SignedAt: briefDay.UTC()}
}

// TestPDFWithoutOffice: without LibreOffice a PDF is refused with 501
// saying why; DOCX and HTML still work.
func TestPDFWithoutOffice(t *testing.T) {
	srv, _ := briefServer(t)
	_, data := call(t, "POST", srv.URL+"/api/v1/briefs", map[string]string{"type": "daily", "period": "2026-12-01", "actor": "编辑甲"})
	b := decode[model.Brief](t, data)
	t.Setenv("PATH", t.TempDir())
	if code, data := call(t, "GET", srv.URL+"/api/v1/briefs/"+b.ID+"/file?format=pdf", nil); code != 501 || !strings.Contains(string(data), "LibreOffice") {
		t.Errorf("pdf without LibreOffice = %d %s", code, data)
	}
	if code, _ := call(t, "GET", srv.URL+"/api/v1/briefs/"+b.ID+"/file?format=docx", nil); code != 200 {
		t.Errorf("docx = %d", code)
	}
	if code, data := call(t, "GET", srv.URL+"/api/v1/briefs/"+b.ID+"/file?format=odt", nil); code != 400 || !strings.Contains(string(data), "format") {
		t.Errorf("odt = %d %s", code, data)
	}
}
