package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/yuqing-project/yuqing/brief"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
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
	return brief.Write(ctx, br, format, w)
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
