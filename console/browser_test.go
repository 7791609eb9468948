package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuqing-project/yuqing/internal/testenv"
)

// TestHomePageInBrowser drives the overview page in a real headless
// Chromium: the page sends a visitor without a session to the login page,
// the officer logs in, the page renders in Chinese, the officer corrects a
// post's sentiment from the list and adds and removes a user-dictionary
// word, and each change lands in the store, recorded as the logged-in
// account, and shows on the reloaded page.
func TestHomePageInBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "chromium", "chromium", "chromium-browser", "google-chrome")
	srv, st, _ := newServer(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // CI runs as root
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
	var header, body, loginURL string
	run("open the overview without a session",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.Location(&loginURL),
	)
	if !strings.HasPrefix(loginURL, srv.URL+"/login?next=") {
		t.Errorf("without a session the overview went to %s, want the login page", loginURL)
	}
	run("log in as the monitor",
		chromedp.SendKeys(`#login input[name=name]`, "monitor", chromedp.ByQuery),
		chromedp.SendKeys(`#login input[name=password]`, testPassword, chromedp.ByQuery),
		chromedp.Submit(`#login`, chromedp.ByQuery),
		chromedp.WaitVisible(`select.fix[data-id="p2"]`, chromedp.ByQuery),
		chromedp.Text(`header`, &header, chromedp.ByQuery),
		chromedp.Text(`body`, &body, chromedp.ByQuery),
	)
	if header != "舆情监测与回应 · 总览" {
		t.Errorf("header %q", header)
	}
	for _, want := range []string{"化工厂爆炸", "全县秋粮丰收", "正面", "依据:爆炸、死亡", "用户词典", "暂无用户词", "测试舆情监测员"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// The correction is stored as the account and shown after the reload.
	var cell string
	run("correct p2",
		chromedp.SetValue(`select.fix[data-id="p2"]`, "negative", chromedp.ByQuery), // fires change
		chromedp.WaitVisible(`td[data-post="p2"] .fixed`, chromedp.ByQuery),
		chromedp.Text(`td[data-post="p2"]`, &cell, chromedp.ByQuery),
	)
	if !strings.Contains(cell, "负面") || !strings.Contains(cell, "已纠正(monitor)") {
		t.Errorf("corrected cell %q", cell)
	}
	cs, err := st.ListCorrections(context.Background())
	if err != nil || len(cs) != 1 || cs[0].PostID != "p2" || cs[0].Label != "negative" || cs[0].By != "monitor" {
		t.Fatalf("stored corrections %+v, %v", cs, err)
	}

	// Add a word, then remove it.
	var words string
	run("add a word",
		chromedp.WaitVisible(`#word`, chromedp.ByQuery),
		chromedp.SendKeys(`#word`, "岚峰化工", chromedp.ByQuery),
		chromedp.SetValue(`#pos`, "nt", chromedp.ByQuery),
		chromedp.Click(`#addword button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#words .word[data-word="岚峰化工"]`, chromedp.ByQuery),
		chromedp.Text(`#words`, &words, chromedp.ByQuery),
	)
	if !strings.Contains(words, "岚峰化工/nt") {
		t.Errorf("dictionary shows %q", words)
	}
	d, err := st.UserDictionary(context.Background())
	if err != nil || len(d.Words) != 1 || d.Words[0].Word != "岚峰化工" || d.Words[0].POS != "nt" || d.Words[0].By != "monitor" {
		t.Fatalf("stored dictionary %+v, %v", d, err)
	}
	run("remove the word",
		chromedp.Click(`#words .word[data-word="岚峰化工"] .rm`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#words .word[data-word="岚峰化工"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#word`, chromedp.ByQuery),
	)
	if d, err := st.UserDictionary(context.Background()); err != nil || len(d.Words) != 0 {
		t.Fatalf("dictionary after removal %+v, %v", d, err)
	}
}
