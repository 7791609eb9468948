package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/settings"
)

// TestRosterInBrowser edits the duty roster from its page in a real
// headless Chromium, as the handler: the page says who is on duty now
// (contacts masked) and lays out the week in local time; an overlapping
// shift is refused with the reason beside the form; the shift given to
// another person makes that person the one on duty, and the change is in
// the history in Chinese.
func TestRosterInBrowser(t *testing.T) {
	base, st, run := browser(t)
	dir := artefacts(t)
	// browserNow is Saturday 21 November, 16:00 in Beijing.
	all := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	seed := []model.Shift{
		{ID: "day", Person: "duty", Days: all, Start: "08:00", End: "20:00", Role: model.ShiftDuty},
		{ID: "night", Person: "li", Days: all, Start: "20:00", End: "08:00", Role: model.ShiftDuty},
	}
	if _, err := settings.Seed(context.Background(), st, settings.ShiftSeed(seed), browserNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	run("log in as the handler", browserLogin(base, "handler"))
	var page string
	run("open the roster", chromedp.Navigate(base+"/settings/roster"), chromedp.WaitVisible(`#on-duty`, chromedp.ByQuery),
		chromedp.Text(`main`, &page, chromedp.ByQuery))
	for _, want := range []string{"当前值班", "值班员小王", "第1级上报", "李科长（科长）", "每天 08:00–20:00", "每天 20:00–次日08:00",
		"周六（11月21日）（今天）", "由配置文件导入", "从配置文件导入了班次「night」：每天 20:00–次日08:00，老李（值班员）"} {
		if !strings.Contains(page, want) {
			t.Errorf("the roster page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "13900139000") {
		t.Error("the roster page shows a full mobile number")
	}
	var duty string
	run("read who is on duty", chromedp.Text(`#on-duty tr:first-child td`, &duty, chromedp.ByQuery))
	if !strings.Contains(duty, "值班员小王") {
		t.Errorf("on duty = %q, want 值班员小王", duty)
	}

	// An overlapping shift is refused beside the form.
	var msg string
	run("add an overlapping shift", choose(`#f-person`, "li"), chromedp.Click(`#f-day-6`, chromedp.ByQuery),
		chromedp.SetValue(`#f-start`, "10:00", chromedp.ByQuery), chromedp.SetValue(`#f-end`, "12:00", chromedp.ByQuery),
		chromedp.Click(`#shift button[type=submit]`, chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('shift-error').textContent!==''`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text(`#shift-error`, &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "与班次「day」（每天 08:00–20:00，值班员小王）时间重叠") {
		t.Errorf("overlap message = %q", msg)
	}

	// The day shift given to 老李: he is on duty now.
	run("edit the day shift", chromedp.Navigate(base+"/settings/roster?edit=day"), chromedp.WaitVisible(`#shift`, chromedp.ByQuery),
		choose(`#f-person`, "li"), chromedp.Click(`#shift button[type=submit]`, chromedp.ByQuery))
	run("back on the roster", chromedp.WaitVisible(`#shift[data-editing=""]`, chromedp.ByQuery),
		chromedp.Text(`#on-duty tr:first-child td`, &duty, chromedp.ByQuery), chromedp.Text(`#roster-history`, &page, chromedp.ByQuery))
	if !strings.Contains(duty, "老李") || !strings.Contains(duty, "139****9000") {
		t.Errorf("on duty after the edit = %q, want 老李 with his number masked", duty)
	}
	if !strings.Contains(page, "修改了班次「day」：每天 08:00–20:00，老李（值班员）") {
		t.Errorf("history = %q", page)
	}

	// The night shift removed from the page: nobody is on duty at night,
	// and the removal stays in the history.
	run("remove the night shift", chromedp.ActionFunc(func(ctx context.Context) error {
		// The page asks to confirm; the test answers yes.
		return chromedp.Evaluate(`window.confirm=()=>true`, nil).Do(ctx)
	}), chromedp.Click(`#shifts .remove-shift[data-id="night"]`, chromedp.ByQuery))
	run("back on the roster", chromedp.WaitNotPresent(`#shifts tr[data-id="night"]`, chromedp.ByQuery),
		chromedp.Text(`#roster-history li:first-child`, &page, chromedp.ByQuery))
	if !strings.Contains(page, "handler 删除了班次「night」") {
		t.Errorf("latest history line = %q", page)
	}
	screenshot(t, run, dir, "roster", 1366, 768)
}
