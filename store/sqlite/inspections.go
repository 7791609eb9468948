package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// UpsertFindings writes inspection findings in one transaction, the higher
// version winning.
func (s *Store) UpsertFindings(ctx context.Context, fs []model.Finding) error {
	return write(ctx, s, store.FindingsTable, fs)
}

// ListFindings returns the findings matching q.
func (s *Store) ListFindings(ctx context.Context, q store.FindingQuery) ([]model.Finding, error) {
	start := time.Now()
	conds, args := store.FindingsWhere(q)
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	out, err := query(ctx, s.read, store.FindingsTable, `SELECT `+columns(store.FindingsTable)+` FROM `+store.TableFindings+where, args...)
	s.metrics.QueryDone("list_findings", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list inspection findings: %w", err)
	}
	return store.SortFindings(out, q.Limit), nil
}
