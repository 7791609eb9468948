package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// UpsertBriefs writes briefs in one transaction, higher version winning.
func (s *Store) UpsertBriefs(ctx context.Context, briefs []model.Brief) error {
	return write(ctx, s, store.BriefsTable, briefs)
}

// GetBrief returns one brief by ID, or store.ErrNotFound.
func (s *Store) GetBrief(ctx context.Context, id string) (model.Brief, error) {
	return get(ctx, s, store.BriefsTable, "get_brief", id)
}

// ListBriefs returns the briefs matching q, newest first.
func (s *Store) ListBriefs(ctx context.Context, q store.BriefQuery) ([]model.Brief, error) {
	var where []string
	var args []any
	if q.Type != "" {
		where, args = append(where, "type = ?"), append(args, string(q.Type))
	}
	if q.State != "" {
		where, args = append(where, "state = ?"), append(args, q.State)
	}
	if q.Year != 0 {
		where, args = append(where, "year = ?"), append(args, q.Year)
	}
	if q.Text != "" {
		where, args = append(where, "(instr(title, ?) > 0 OR instr(detail, ?) > 0)"), append(args, q.Text, q.Text)
	}
	stmt := `SELECT ` + columns(store.BriefsTable) + ` FROM briefs`
	if len(where) > 0 {
		stmt += ` WHERE ` + strings.Join(where, " AND ")
	}
	stmt += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, q.BriefLimit())
	start := time.Now()
	out, err := query(ctx, s.read, store.BriefsTable, stmt, args...)
	s.metrics.QueryDone("list_briefs", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list briefs: %w", err)
	}
	return out, nil
}

// IssueBrief numbers and issues a signed brief in one IMMEDIATE
// transaction: the writer's lock is taken at BEGIN, so two processes on
// one file issue one after the other, and each reads the other's number.
// The unique index briefs_number refuses a number twice whatever runs.
func (s *Store) IssueBrief(ctx context.Context, id, actor string, at time.Time, serialStart int) (model.Brief, error) {
	start := time.Now()
	b, err := s.issueBrief(ctx, id, actor, at, serialStart)
	s.metrics.WriteDone(store.TableBriefs, start, 1, 0, err)
	if err != nil {
		return model.Brief{}, fmt.Errorf("cannot issue brief %q: %w", id, err)
	}
	return b, nil
}

func (s *Store) issueBrief(ctx context.Context, id, actor string, at time.Time, serialStart int) (model.Brief, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return model.Brief{}, err
	}
	defer tx.Rollback()
	rows, err := query(ctx, tx, store.BriefsTable, `SELECT `+columns(store.BriefsTable)+` FROM briefs WHERE id = ?`, id)
	if err != nil {
		return model.Brief{}, err
	}
	if len(rows) == 0 {
		return model.Brief{}, store.ErrNotFound
	}
	b := rows[0]
	if b.State == model.BriefIssued {
		return b, nil
	}
	year := at.In(model.China).Year()
	var number, serial int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(number), 0) + 1 FROM briefs WHERE type = ? AND year = ? AND number > 0`, string(b.Type), year).Scan(&number); err != nil {
		return model.Brief{}, err
	}
	if serialStart > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(serial), 0) FROM briefs WHERE type = ?`, string(b.Type)).Scan(&serial); err != nil {
			return model.Brief{}, err
		}
		serial = max(serial+1, serialStart)
	}
	if err := store.Issue(&b, actor, at, number, serial); err != nil {
		return model.Brief{}, err
	}
	vals, err := store.BriefsTable.Values(layout, &b)
	if err != nil {
		return model.Brief{}, err
	}
	if _, err := tx.ExecContext(ctx, upsertSQL(store.TableBriefs, store.BriefsTable.ColumnNames(layout)), vals...); err != nil {
		return model.Brief{}, err
	}
	if err := tx.Commit(); err != nil {
		return model.Brief{}, err
	}
	return b, nil
}
