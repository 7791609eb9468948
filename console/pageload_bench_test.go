package console

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkPagesInteractive times the main pages in headless Chromium, as
// a monitor opens them at 1366×768 on the browser tests' data (the pages'
// own cost: templates, assets, ECharts; the store's queries at scale are
// BenchmarkCockpitQueries'). For each page it reports the median and 95th
// percentile of the time from navigating to the moment every chart is
// drawn (ready-ms), and of the navigation timing's domInteractive
// (interactive-ms).
func BenchmarkPagesInteractive(b *testing.B) {
	base, st, run := browser(b)
	tourData(b, st)
	for _, path := range []string{"/", "/screen", "/feed", "/feed?q=化工厂", "/posts/p1", "/events", "/events/EV-1", "/incidents", "/incidents/INC-1", "/settings/sources"} {
		b.Run(path, func(b *testing.B) {
			var ready, interactive []time.Duration
			for b.Loop() {
				start := time.Now()
				var ok bool
				var dom float64
				run("open "+path, chromedp.Navigate(base+path), chromedp.WaitReady(`body`, chromedp.ByQuery),
					chromedp.Poll(allChartsDrawn, &ok, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(5*time.Millisecond)),
					chromedp.Evaluate(`performance.getEntriesByType('navigation')[0].domInteractive`, &dom))
				ready = append(ready, time.Since(start))
				interactive = append(interactive, time.Duration(dom*float64(time.Millisecond)))
			}
			report := func(ds []time.Duration, unit string) {
				slices.Sort(ds)
				b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "median-"+unit)
				b.ReportMetric(float64(ds[min(len(ds)-1, len(ds)*95/100)].Microseconds())/1000, "p95-"+unit)
			}
			report(ready, "ready-ms")
			report(interactive, "interactive-ms")
		})
	}
}
