package readmodel

import (
	"context"
	"fmt"
	"slices"

	"github.com/yuqing-project/yuqing/inspect"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// FindingReader reads the findings of inspections of own portals.
type FindingReader interface {
	// ListFindings returns the findings matching q, open ones first.
	ListFindings(ctx context.Context, q store.FindingQuery) ([]model.Finding, error)
}

// FindingView is a finding as people read it: with its kind in Chinese.
type FindingView struct {
	model.Finding
	KindLabel string `json:"kind_label"`
}

// InspectionsView is the inspection page and the inspection section of the
// briefs: the findings asked for and each portal's score (computed from
// all its findings, whatever the filter), 单项否决 items flagged.
type InspectionsView struct {
	Findings []FindingView   `json:"findings"`
	Scores   []inspect.Score `json:"scores"`
	// Open counts the open findings by kind, over every portal.
	Open map[string]int `json:"open"`
	// Vetoes is how many open 单项否决 items there are.
	Vetoes int `json:"vetoes"`
}

// Inspections returns the findings matching q and the score of every
// portal that has findings.
func (v *Views) Inspections(ctx context.Context, q store.FindingQuery) (InspectionsView, error) {
	all, err := v.st.ListFindings(ctx, store.FindingQuery{})
	if err != nil {
		return InspectionsView{}, fmt.Errorf("cannot read inspection findings: %w", err)
	}
	out := InspectionsView{Findings: []FindingView{}, Scores: []inspect.Score{}, Open: map[string]int{}}
	var portals []string
	for _, f := range all {
		if !slices.Contains(portals, f.Portal) {
			portals = append(portals, f.Portal)
		}
		if f.State == model.FindingOpen {
			out.Open[f.Kind]++
			if f.Veto {
				out.Vetoes++
			}
		}
	}
	slices.Sort(portals)
	for _, p := range portals {
		out.Scores = append(out.Scores, inspect.ScoreOf(p, all))
	}
	n := 0
	for _, f := range all {
		if (q.Portal != "" && f.Portal != q.Portal) || (q.Kind != "" && f.Kind != q.Kind) || (q.State != "" && f.State != q.State) {
			continue
		}
		if q.Limit > 0 && n >= q.Limit {
			break
		}
		out.Findings = append(out.Findings, FindingView{Finding: f, KindLabel: model.FindingKindLabel[f.Kind]})
		n++
	}
	return out, nil
}

// InspectionSection is what a periodic brief says about the own portals:
// the open findings and each portal's score. Briefs call it with their
// period's end; findings are the state at the time of the call.
func (v *Views) InspectionSection(ctx context.Context) (InspectionsView, error) {
	return v.Inspections(ctx, store.FindingQuery{State: model.FindingOpen})
}
