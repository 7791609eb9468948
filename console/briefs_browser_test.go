package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// TestBriefPagesInBrowser drives the briefs' pages in a real headless
// Chromium: an editor generates the daily brief from the archive, edits a
// block, submits it; a leader signs it and issues it; each step lands in
// the store and shows on the reloaded page, which then carries its 期号.
func TestBriefPagesInBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "chromium", "chromium", "chromium-browser", "google-chrome")
	srv, st := briefServer(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1000, 1400))
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
	// login signs in through the login page, leaving the previous
	// session behind.
	login := func(account string) chromedp.Action {
		return chromedp.Tasks{
			network.ClearBrowserCookies(),
			chromedp.Navigate(srv.URL + "/login"),
			chromedp.WaitVisible(`#login`, chromedp.ByQuery),
			chromedp.SendKeys(`#login input[name="name"]`, account, chromedp.ByQuery),
			chromedp.SendKeys(`#login input[name="password"]`, briefPassword, chromedp.ByQuery),
			chromedp.Submit(`#login input[name="password"]`, chromedp.ByQuery),
			chromedp.WaitNotPresent(`#login`, chromedp.ByQuery),
		}
	}
	var state string
	run("generate the daily brief from the archive, as the editor",
		login("bianji"),
		chromedp.Navigate(srv.URL+"/briefs"),
		chromedp.WaitVisible(`#generate`, chromedp.ByQuery),
		chromedp.SetValue(`#gtype`, "daily", chromedp.ByQuery),
		chromedp.SetValue(`#gperiod`, "2026-12-01", chromedp.ByQuery),
		chromedp.Click(`#generate button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#brief`, chromedp.ByQuery),
		chromedp.WaitVisible(`button.save[data-block="watch.1"]`, chromedp.ByQuery),
	)
	bs, err := st.ListBriefs(context.Background(), store.BriefQuery{})
	if err != nil || len(bs) != 1 {
		t.Fatalf("briefs after generating: %d, %v", len(bs), err)
	}
	id := bs[0].ID
	run("edit a block",
		chromedp.SetValue(`#block-watch\.1`, "请持续关注化工园区事故后续处置。", chromedp.ByQuery),
		clickAndWaitReload(`button.save[data-block="watch.1"]`),
		// The reload keeps the scroll position, at the block saved.
		chromedp.ScrollIntoView(`button.step[data-action="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button.step[data-action="submit"]`, chromedp.ByQuery),
		clickAndWaitReload(`button.step[data-action="submit"]`),
		// The editor may not sign: the page, in 审核, offers no signing to
		// them.
		chromedp.Navigate(srv.URL+"/briefs/"+id),
		chromedp.Poll(`document.querySelector('.tool b') && document.querySelector('.tool b').textContent === '审核'`, nil, chromedp.WithPollingTimeout(10*time.Second)),
	)
	var signable bool
	run("the editor sees no sign button", chromedp.Evaluate(`!!document.querySelector('button.step[data-action="sign"]')`, &signable))
	if signable {
		t.Error("the editor who drafted the brief is offered 签发")
	}
	run("sign as the leader",
		login("lingdao"),
		chromedp.Navigate(srv.URL+"/briefs/"+id),
		chromedp.WaitVisible(`button.step[data-action="sign"]`, chromedp.ByQuery),
		chromedp.Click(`button.step[data-action="sign"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`button.step[data-action="sign"]`, chromedp.ByQuery),
	)
	run("issue as the editor",
		login("bianji"),
		chromedp.Navigate(srv.URL+"/briefs/"+id),
		chromedp.WaitVisible(`button.step[data-action="issue"]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.confirm = () => true`, nil),
		clickAndWaitReload(`button.step[data-action="issue"]`),
		chromedp.WaitVisible(`article.brief p.no`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('.tool b') && document.querySelector('.tool b').textContent === '已印发' ? document.querySelector('.tool b').textContent : null`, &state, chromedp.WithPollingTimeout(10*time.Second)),
	)
	var no, body string
	var shot []byte
	run("read the issued brief", chromedp.Text(`article.brief p.no`, &no, chromedp.ByQuery), chromedp.Text(`body`, &body, chromedp.ByQuery),
		chromedp.FullScreenshot(&shot, 80))
	if no != "2026年第1期" || state != model.BriefIssued {
		t.Errorf("issued brief shows %q, state %q", no, state)
	}
	for _, want := range []string{"请持续关注化工园区事故后续处置。", "李领导", "编辑甲", "一、舆情概况", "2026年12月2日印发", "提交审核", "签发", "印发"} {
		if !strings.Contains(body, want) {
			t.Errorf("the issued page lacks %q", want)
		}
	}
	b, err := st.GetBrief(context.Background(), id)
	if err != nil || b.State != model.BriefIssued || b.Signer != "李领导" || b.Number != 1 {
		t.Errorf("stored brief: %s %s 第%d期 %v", b.State, b.Signer, b.Number, err)
	}
	if dir := os.Getenv("YUQING_ARTIFACTS"); dir != "" {
		_ = os.MkdirAll(filepath.Join(dir, "console-briefs"), 0o755)
		_ = os.WriteFile(filepath.Join(dir, "console-briefs", "brief-page.jpg"), shot, 0o644)
	}
}

// clickAndWaitReload clicks sel on a page that reloads itself once the
// request the click sends has succeeded, and waits for the reloaded page.
// Acting before the reload would navigate away from the request still in
// flight, which the browser cancels.
func clickAndWaitReload(sel string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Evaluate(`window.beforeReload = true`, nil),
		chromedp.Click(sel, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				// An evaluation during the navigation fails; try again.
				var reloaded bool
				if err := chromedp.Evaluate(`!window.beforeReload && document.readyState === 'complete'`, &reloaded).Do(ctx); err == nil && reloaded {
					return nil
				}
			}
			return fmt.Errorf("the page did not reload after a click on %s", sel)
		}),
	}
}
