package inspect

import (
	"sort"

	"github.com/yuqing-project/yuqing/model"
)

// Score is a portal's standing after an inspection, the way the census
// reads it: any open 单项否决 item fails the site whatever its points;
// otherwise points are deducted from 100 per open finding. The census's
// own deductions per item were not verified (census.yaml marks them), so
// the deductions here are the project's: 1 per dead link (at most 20),
// 2 per stale or empty column, 3 per unanswered message, 5 per missing
// required item, 5 for a site unavailable in a row.
type Score struct {
	Portal string `json:"portal"`
	Points int    `json:"points"`
	// Passed is false when any veto item is open or the points are below 60.
	Passed bool `json:"passed"`
	// Vetoes are the open 单项否决 findings.
	Vetoes []model.Finding `json:"vetoes"`
	// Open counts the open findings by kind.
	Open map[string]int `json:"open"`
}

// ScoreOf scores a portal's findings (only open ones count).
func ScoreOf(portal string, findings []model.Finding) Score {
	s := Score{Portal: portal, Points: 100, Open: map[string]int{}}
	dead := 0
	for _, f := range findings {
		if f.Portal != portal || f.State != model.FindingOpen {
			continue
		}
		s.Open[f.Kind]++
		if f.Veto {
			s.Vetoes = append(s.Vetoes, f)
		}
		switch f.Kind {
		case model.FindingDeadLink:
			if dead < 20 {
				s.Points--
				dead++
			}
		case model.FindingStaleColumn, model.FindingEmptyColumn:
			s.Points -= 2
		case model.FindingUnansweredMessage:
			s.Points -= 3
		case model.FindingMissingRequired, model.FindingUnavailable:
			s.Points -= 5
		}
	}
	s.Points = max(s.Points, 0)
	s.Passed = len(s.Vetoes) == 0 && s.Points >= 60
	sort.Slice(s.Vetoes, func(i, j int) bool { return s.Vetoes[i].ID < s.Vetoes[j].ID })
	return s
}
