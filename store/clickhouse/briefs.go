package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// briefsTable keeps the briefs, replaced by version like the incidents.
var briefsTable = tableOf(store.BriefsTable, "id",
	column{name: "type", lowCardinality: true}, column{name: "state", lowCardinality: true},
	column{name: "detail", codec: "ZSTD(3)"})

// UpsertBriefs writes briefs as one batch.
func (s *Store) UpsertBriefs(ctx context.Context, briefs []model.Brief) error {
	for i := range briefs {
		if err := store.BriefsTable.Validate(&briefs[i]); err != nil {
			return fmt.Errorf("cannot upsert %d briefs: %w", len(briefs), err)
		}
	}
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
		where, args = append(where, "year = ?"), append(args, int64(q.Year))
	}
	if q.Text != "" {
		where, args = append(where, "(position(title, ?) > 0 OR position(detail, ?) > 0)"), append(args, q.Text, q.Text)
	}
	stmt := "SELECT " + columns(store.BriefsTable) + " FROM " + s.table(store.TableBriefs) + " FINAL"
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += fmt.Sprintf(" ORDER BY created_at_ns DESC, id DESC LIMIT %d", q.BriefLimit())
	start := time.Now()
	out, err := query(ctx, s, store.BriefsTable, stmt, args...)
	s.metrics.QueryDone("list_briefs", start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list briefs: %w", err)
	}
	return out, nil
}

// IssueBrief numbers and issues a signed brief. ClickHouse has no
// transactions, so the next number is read and then written: issuers in
// this process take s.issuing one at a time, and after writing, IssueBrief
// reads back every brief holding the number and fails with
// store.ErrNumberTaken if another holds it too (two processes issued at
// once): it moves the brief back to 签发, giving the number back, so it may
// be issued again. Two issuers can both give a number back, never both
// keep it, as long as a read sees every insert that returned before it (a
// single server, or replicas read with select_sequential_consistency). A
// deployment on ClickHouse therefore issues from one process, the brief
// target's, and a second one at worst makes an issue fail and be retried.
func (s *Store) IssueBrief(ctx context.Context, id, actor string, at time.Time, serialStart int) (model.Brief, error) {
	s.issuing.Lock()
	defer s.issuing.Unlock()
	start := time.Now()
	b, err := s.issueBrief(ctx, id, actor, at, serialStart)
	s.metrics.WriteDone(store.TableBriefs, start, 1, 0, err)
	if err != nil {
		return model.Brief{}, fmt.Errorf("cannot issue brief %q: %w", id, err)
	}
	return b, nil
}

func (s *Store) issueBrief(ctx context.Context, id, actor string, at time.Time, serialStart int) (model.Brief, error) {
	b, err := s.GetBrief(ctx, id)
	if err != nil {
		return model.Brief{}, err
	}
	if b.State == model.BriefIssued {
		return b, nil
	}
	signed := b
	year := at.In(model.China).Year()
	// The number is the smallest one no brief of the type and year holds,
	// not the largest plus one: when two issuers in different processes
	// both gave a number back (see below) while a third took the next, the
	// gap is filled by the next issue, so no number stays skipped.
	var number, serial int64
	held, err := s.conn.Query(ctx, "SELECT toInt64(number) FROM "+s.table(store.TableBriefs)+" FINAL WHERE type = ? AND year = ? AND number > 0 ORDER BY number",
		string(b.Type), int64(year))
	if err != nil {
		return model.Brief{}, err
	}
	for held.Next() {
		var n int64
		if err := held.Scan(&n); err != nil {
			held.Close()
			return model.Brief{}, err
		}
		if n == number+1 {
			number = n
		} else if n > number+1 {
			break
		}
	}
	held.Close()
	if err := held.Err(); err != nil {
		return model.Brief{}, err
	}
	if serialStart > 0 {
		if err := s.conn.QueryRow(ctx, "SELECT toInt64(max(serial)) FROM "+s.table(store.TableBriefs)+" FINAL WHERE type = ?", string(b.Type)).Scan(&serial); err != nil {
			return model.Brief{}, err
		}
		serial = max(serial+1, int64(serialStart))
	}
	if err := store.Issue(&b, actor, at, int(number+1), int(serial)); err != nil {
		return model.Brief{}, err
	}
	if err := insert(ctx, s, store.BriefsTable, []model.Brief{b}); err != nil {
		return model.Brief{}, err
	}
	var holders []string
	rows, err := s.conn.Query(ctx, "SELECT id FROM "+s.table(store.TableBriefs)+" FINAL WHERE type = ? AND year = ? AND number = ? ORDER BY id",
		string(b.Type), int64(year), int64(b.Number))
	if err != nil {
		return model.Brief{}, err
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return model.Brief{}, err
		}
		holders = append(holders, h)
	}
	rows.Close()
	// Any other holder may have checked already and kept the number, so
	// this one gives it back; when both gave it back, neither holds it and
	// the next issue takes it (never skipped).
	if len(holders) > 1 {
		signed.Version = b.Version + 1
		if err := insert(ctx, s, store.BriefsTable, []model.Brief{signed}); err != nil {
			return model.Brief{}, err
		}
		return model.Brief{}, fmt.Errorf("第%d期 of %d: %w", b.Number, year, store.ErrNumberTaken)
	}
	return b, nil
}
