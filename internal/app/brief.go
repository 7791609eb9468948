package app

import (
	"context"
	"fmt"
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
