package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// findingsTable keeps inspection findings, versioned like the incidents:
// ReplacingMergeTree by ID and version, read with FINAL.
var findingsTable = tableOf(store.FindingsTable, "id",
	column{name: "portal", lowCardinality: true}, column{name: "kind", lowCardinality: true},
	column{name: "rule", lowCardinality: true}, column{name: "state", lowCardinality: true},
	column{name: "unit", lowCardinality: true}, column{name: "evidence", codec: "ZSTD(1)"})

// UpsertFindings writes inspection findings as one batch.
func (s *Store) UpsertFindings(ctx context.Context, fs []model.Finding) error {
	return write(ctx, s, store.FindingsTable, fs)
}

// ListFindings returns the findings matching q, the latest version of each.
// The filter is applied to the latest versions, after FINAL folded them
// (a WHERE on a column that changes between versions could otherwise see
// an older one); findings are few, a portal's faults.
func (s *Store) ListFindings(ctx context.Context, q store.FindingQuery) ([]model.Finding, error) {
	start := time.Now()
	all, err := query(ctx, s, store.FindingsTable, "SELECT "+columns(store.FindingsTable)+" FROM "+s.table(store.TableFindings)+" FINAL")
	var out []model.Finding
	for _, f := range all {
		if (q.Portal == "" || f.Portal == q.Portal) && (q.Kind == "" || f.Kind == q.Kind) && (q.State == "" || f.State == q.State) {
			out = append(out, f)
		}
	}
	s.metrics.QueryDone("list_findings", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list inspection findings: %w", err)
	}
	return store.SortFindings(out, q.Limit), nil
}
