package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	var state string
	run("generate the daily brief from the archive",
		chromedp.Navigate(srv.URL+"/briefs"),
		chromedp.WaitVisible(`#generate`, chromedp.ByQuery),
		chromedp.SendKeys(`#who`, "编辑甲", chromedp.ByQuery),
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
		chromedp.Click(`button.save[data-block="watch.1"]`, chromedp.ByQuery),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitVisible(`button.step[data-action="submit"]`, chromedp.ByQuery),
		chromedp.Click(`button.step[data-action="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button.step[data-action="sign"]`, chromedp.ByQuery),
	)
	run("sign as the leader, then issue",
		chromedp.SetValue(`#who`, "李领导", chromedp.ByQuery),
		chromedp.Evaluate(`localStorage.setItem('yuqing.who','李领导')`, nil),
		chromedp.Click(`button.step[data-action="sign"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button.step[data-action="issue"]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.confirm = () => true`, nil),
		chromedp.Click(`button.step[data-action="issue"]`, chromedp.ByQuery),
		chromedp.Sleep(300*time.Millisecond),
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
