package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/yuqing-project/yuqing/internal/testenv"
)

// TestCrossOriginInBrowser: in a real Chromium logged in to the console,
// a page of another origin (another port of 127.0.0.1, so the browser
// even sends the SameSite=Strict cookie) auto-submits a text/plain form
// and makes a no-cors fetch that would close an incident; neither changes
// anything, while the same request from the console's own page does.
func TestCrossOriginInBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "chromium", "chromium", "chromium-browser", "google-chrome")
	srv, st, c := newServer(t)
	target := srv.URL + "/api/v1/incidents/INC-1/actions"
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><body>
<form id="f" method="post" action="%[1]s" enctype="text/plain"><input name='{"action":"close","x":"' value='"}'></form>
<iframe name="sink"></iframe>
<script>
fetch(%[1]q, {method: "POST", mode: "no-cors", credentials: "include", headers: {"Content-Type": "text/plain"}, body: '{"action":"close"}'})
  .finally(() => setTimeout(() => document.getElementById("f").submit(), 300));
</script></body></html>`, target)
	}))
	defer attacker.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("log in as the handler",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.SendKeys(`#login input[name=name]`, "handler", chromedp.ByQuery),
		chromedp.SendKeys(`#login input[name=password]`, testPassword, chromedp.ByQuery),
		chromedp.Submit(`#login`, chromedp.ByQuery),
		chromedp.WaitVisible(`header nav`, chromedp.ByQuery),
	)
	// The form's submission navigates away from the page; what reached the
	// console is read from its audit log.
	run("open the attacker's page", chromedp.Navigate(attacker.URL+"/"))
	const denied = "handler POST /api/v1/incidents/{id}/actions /api/v1/incidents/INC-1/actions denied"
	var recs string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if recs = strings.Join(auditRecords(t, c), "\n"); strings.Count(recs, denied) >= 2 {
			break
		}
	}
	if n := strings.Count(recs, denied); n < 2 {
		t.Errorf("%d refused cross-origin requests audited, want the fetch and the form:\n%s", n, recs)
	}
	h, err := st.ListHistory(context.Background(), "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 0 {
		t.Fatalf("cross-origin requests changed the incident: %+v", h)
	}

	// The session itself works: the console's own page may close it.
	var status int
	run("the same request from the console's page",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`header nav`, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`fetch(%q, {method: "POST", headers: {"Content-Type": "application/json",
			"X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content}, body: '{"action":"close"}'}).then(r => r.status)`, target),
			&status, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if status != http.StatusAccepted {
		t.Errorf("the console's own request = %d, want 202", status)
	}
	if h, _ := st.ListHistory(context.Background(), "INC-1"); len(h) != 1 || h[0].Actor != "handler" {
		t.Errorf("history after the console's own request: %+v", h)
	}
}
