package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/brief"
	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/console"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
)

// BriefOptions are the fixed parts of the briefs a config describes.
func BriefOptions(cfg *config.Config) brief.Options {
	b := cfg.Briefs
	return brief.Options{Unit: b.Unit, Jurisdiction: b.Jurisdiction, Classification: b.Classification, Copies: b.Copies,
		ReportTo: b.ReportTo, SendTo: b.SendTo, CopyTo: b.CopyTo, TopN: b.TopEvents, SerialStart: b.SerialStart}
}

// BriefStep takes a workflow step (submit, return, sign, issue) on the
// brief id as actor at now: issue through the store, which numbers it,
// the others as an upsert of the next version.
func BriefStep(ctx context.Context, st store.Briefs, cfg *config.Config, id, action, actor string, now time.Time) (model.Brief, error) {
	if action == model.BriefActionIssue {
		return st.IssueBrief(ctx, id, actor, now, cfg.Briefs.SerialStart)
	}
	b, err := st.GetBrief(ctx, id)
	if err != nil {
		return model.Brief{}, err
	}
	if err := b.Step(action, actor, "", now); err != nil {
		return model.Brief{}, fmt.Errorf("cannot %s brief %q: %w", action, id, err)
	}
	if err := st.UpsertBriefs(ctx, []model.Brief{b}); err != nil {
		return model.Brief{}, err
	}
	return b, nil
}

// Briefs joins the store's briefs and the brief package for the console
// (which imports no target): generation, steps and formats. It is safe
// for concurrent use.
type Briefs struct {
	store.Store
	cfg *config.Config
	now func() time.Time
}

// NewBriefs returns the briefs of st as cfg describes them; now is the
// clock a 专报 is written as of (nil is time.Now).
func NewBriefs(st store.Store, cfg *config.Config, now func() time.Time) *Briefs {
	if now == nil {
		now = time.Now
	}
	return &Briefs{Store: st, cfg: cfg, now: now}
}

// Generate builds a draft: a 专报 on incident, or the periodic brief of
// type t whose period holds ref.
func (b *Briefs) Generate(ctx context.Context, t model.BriefType, incident string, ref time.Time, actor string) (model.Brief, error) {
	bl := brief.NewBuilder(b.Store, BriefOptions(b.cfg), b.now)
	if t == model.BriefSpecial {
		return bl.Special(ctx, incident, actor)
	}
	return bl.Periodic(ctx, t, ref, actor)
}

// Step takes a workflow step on brief id.
func (b *Briefs) Step(ctx context.Context, id, action, actor string, now time.Time) (model.Brief, error) {
	return BriefStep(ctx, b.Store, b.cfg, id, action, actor, now)
}

// Render writes br as docx, html or pdf.
func (b *Briefs) Render(ctx context.Context, br *model.Brief, format string, w io.Writer) error {
	err := brief.Write(ctx, br, format, w)
	if errors.Is(err, brief.ErrNoOffice) {
		return fmt.Errorf("%w: %w", console.ErrFormatUnavailable, err)
	}
	return err
}

// Chart draws chart number n (from 1) of br.
func (b *Briefs) Chart(br *model.Brief, n int) ([]byte, error) {
	for _, s := range br.Content.Sections {
		for _, bl := range s.Blocks {
			if bl.Kind != model.BlockChart {
				continue
			}
			if n--; n == 0 {
				return brief.RenderChart(bl.Chart)
			}
		}
	}
	return nil, fmt.Errorf("chart: %w", store.ErrNotFound)
}

// initBrief runs the brief target: the schedule and the delivery of
// issued briefs through the configured (or the demo's) channels.
func (a *App) initBrief(context.Context) (*Service, error) {
	sched, err := brief.ScheduleFrom(a.cfg.Briefs.Schedule)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.LoadDir(calendar.Default(), filepath.Join(a.cfg.DataDir, "calendar"))
	if err != nil {
		return nil, err
	}
	o := brief.SchedulerOptions{Store: a.st, Builder: brief.NewBuilder(a.st, BriefOptions(a.cfg), nil), Schedule: sched,
		Calendar: cal, ConsoleURL: BriefConsoleURL(a.cfg, a.notifyCfg), Logger: a.log, Registerer: a.reg}
	if o.Dispatcher, o.Roster, err = BriefDispatcher(a.notifyCfg, a.st, a.reg, a.log, nil); err != nil {
		return nil, err
	}
	s, err := brief.NewScheduler(o)
	if err != nil {
		return nil, err
	}
	return &Service{Run: s.Run}, nil
}

// BriefConsoleURL is where the links of delivered briefs point.
func BriefConsoleURL(cfg *config.Config, n config.NotifyConfig) string {
	u := cmp.Or(cfg.Briefs.ConsoleURL, n.ConsoleURL, "http://"+cfg.HTTP.Listen)
	return strings.TrimSuffix(u, "/")
}

// BriefDispatcher builds the dispatcher and roster briefs are delivered
// with: the alerts' channels and roster, the delivery log in the store.
// With no channel it returns nils: nothing is delivered.
func BriefDispatcher(n config.NotifyConfig, st store.Store, reg prometheus.Registerer, log *slog.Logger, now func() time.Time) (*notify.Dispatcher, *notify.Roster, error) {
	if len(n.Channels) == 0 {
		return nil, nil, nil
	}
	// The channels sign with the real clock: a receiver checks a
	// signature's time against its own.
	chans, err := notify.BuildChannels(&n, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot build notification channels: %w", err)
	}
	roster, err := notify.BuildRoster(&n)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot build the duty roster: %w", err)
	}
	d, err := notify.NewDispatcher(chans, brief.DeliveryLog{Store: st}, reg, notify.DispatcherOptions{Retry: notify.RetryPolicyFrom(&n), Now: now, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return d, roster, nil
}
