package store

import (
	"sort"

	"github.com/yuqing-project/yuqing/model"
)

// FindingsWhere returns the conditions and arguments of q for a driver's
// WHERE clause (joined with AND; none when q filters nothing): the same
// filter on both drivers.
func FindingsWhere(q FindingQuery) (conds []string, args []any) {
	for _, c := range []struct{ col, v string }{{"portal", q.Portal}, {"kind", q.Kind}, {"state", q.State}} {
		if c.v != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	return conds, args
}

// SortFindings puts findings in the order ListFindings returns them (open
// first, then by portal, kind, most recently seen, ID) and cuts them at
// limit (0: no limit).
func SortFindings(fs []model.Finding, limit int) []model.Finding {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case a.State != b.State:
			return a.State == model.FindingOpen
		case a.Portal != b.Portal:
			return a.Portal < b.Portal
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		case !a.LastSeen.Equal(b.LastSeen):
			return a.LastSeen.After(b.LastSeen)
		}
		return a.ID < b.ID
	})
	if limit > 0 && len(fs) > limit {
		fs = fs[:limit]
	}
	return fs
}
