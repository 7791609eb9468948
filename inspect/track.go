package inspect

import (
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Merge folds what an inspection found now into the findings stored for
// the portal before (prev, any state): a finding seen again keeps its
// FirstSeen and takes the new LastSeen and evidence; one seen before but
// not now becomes fixed; a fixed one seen again reopens. It returns the
// findings to store (every changed row, its Version set to now) and those
// that are new or reopened now, the ones to alert about. A changed row's
// version is above the stored one even when the clock is not.
func Merge(prev []model.Finding, cur []model.Finding, portal string, now time.Time) (write, fresh []model.Finding) {
	old := map[string]model.Finding{}
	for _, f := range prev {
		if f.Portal == portal {
			old[f.ID] = f
		}
	}
	v := uint64(now.UnixNano())
	seen := map[string]bool{}
	for _, f := range cur {
		seen[f.ID] = true
		f.Version = v
		if o, ok := old[f.ID]; ok {
			f.Version = max(v, o.Version+1)
			f.FirstSeen = o.FirstSeen
			if o.State != model.FindingOpen {
				fresh = append(fresh, f)
			}
		} else {
			fresh = append(fresh, f)
		}
		write = append(write, f)
	}
	for _, o := range prev {
		if o.Portal != portal || seen[o.ID] || o.State != model.FindingOpen {
			continue
		}
		o.State, o.Version = model.FindingFixed, max(v, o.Version+1)
		write = append(write, o)
	}
	return write, fresh
}
