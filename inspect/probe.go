package inspect

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Probe is one availability probe of a portal's home page.
type Probe struct {
	At time.Time
	Up bool
}

// Availability keeps the probes of one portal over the census's window
// (one week) and judges them by C-UNAVAILABLE. It is safe for concurrent
// use. Probes live in memory: after a restart the week starts again.
type Availability struct {
	rule Rule
	// Consecutive is how many failed probes in a row make a finding before
	// the week is judged (default 3).
	Consecutive int

	mu     sync.Mutex
	probes []Probe
}

// NewAvailability returns an empty probe record judged by census.
func NewAvailability(census *Census) *Availability {
	return &Availability{rule: census.Rule("C-UNAVAILABLE"), Consecutive: 3}
}

// Record adds a probe and forgets those older than the window.
func (a *Availability) Record(p Probe) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.probes = append(a.probes, p)
	cut := 0
	for cut < len(a.probes) && p.At.Sub(a.probes[cut].At) > a.rule.Window {
		cut++
	}
	a.probes = a.probes[cut:]
}

// Uptime is the share of the window's probes that were up, how many probes
// there were, and how many of the latest failed in a row.
func (a *Availability) Uptime() (uptime float64, probes, failingInRow int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	up := 0
	for _, p := range a.probes {
		if p.Up {
			up++
		}
	}
	for i := len(a.probes) - 1; i >= 0 && !a.probes[i].Up; i-- {
		failingInRow++
	}
	if len(a.probes) == 0 {
		return 1, 0, 0
	}
	return float64(up) / float64(len(a.probes)), len(a.probes), failingInRow
}

// Finding returns the unavailable finding the probes make, if any: a
// 单项否决 one when a full window of probes (at least probes_per_day each
// day) failed at or above the census's ratio, a plain one when the latest
// probes failed in a row.
func (a *Availability) Finding(portal Portal, now time.Time) (model.Finding, bool) {
	uptime, n, row := a.Uptime()
	a.mu.Lock()
	full := n > 0 && a.probes[len(a.probes)-1].At.Sub(a.probes[0].At) >= a.rule.Window-time.Hour &&
		n >= a.rule.ProbesPerDay*int(a.rule.Window.Hours()/24)
	a.mu.Unlock()
	f := model.Finding{ID: FindingID(portal.ID, model.FindingUnavailable, portal.Home+"\x00首页"), Portal: portal.ID,
		Kind: model.FindingUnavailable, URL: portal.Home, Subject: "首页", Rule: a.rule.ID, FirstSeen: now.UTC(), LastSeen: now.UTC(),
		State: model.FindingOpen, Unit: portal.Unit}
	switch {
	case full && 1-uptime >= a.rule.Ratio:
		f.Veto = true
		f.Evidence = fmt.Sprintf("近一周监测%d次，打不开的占%.1f%%，达到普查单项否决标准（%.0f%%）", n, (1-uptime)*100, a.rule.Ratio*100)
	case row >= a.Consecutive:
		f.Evidence = fmt.Sprintf("首页连续%d次监测打不开（近一周可用率%.1f%%）", row, uptime*100)
	default:
		return model.Finding{}, false
	}
	return f, true
}

// ProbeOnce fetches the portal's home page once within the census's
// timeout and records whether it answered. It is not rate-limited beyond
// its interval: one request per probe.
func (in *Inspector) ProbeOnce(ctx context.Context, p Portal, a *Availability) Probe {
	ctx, cancel := context.WithTimeout(ctx, a.rule.Timeout)
	defer cancel()
	up := false
	if req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Home, nil); err == nil {
		req.Header.Set("User-Agent", UserAgent)
		hc := in.o.Client
		if p.AllowPrivate {
			hc = in.o.PrivateClient
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			up = resp.StatusCode < 500
		}
	}
	pr := Probe{At: in.o.Now(), Up: up}
	in.m.probes.WithLabelValues(p.ID, map[bool]string{true: "up", false: "down"}[up]).Inc()
	a.Record(pr)
	return pr
}
