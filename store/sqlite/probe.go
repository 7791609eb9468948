package sqlite

import (
	"context"
	"fmt"

	"github.com/yuqing-project/yuqing/store"
)

var _ store.Prober = (*Store)(nil)

// ProbeWrite commits, on the writer connection, a transaction that adds a
// row to schema_migrations and removes it again: the page is written to
// the write-ahead log like any write, so a full disk or a read-only file
// fails it, while no reader ever sees the row.
func (s *Store) ProbeWrite(ctx context.Context) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write probe: cannot begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'write probe', '')`); err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = -1`); err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write probe: cannot commit: %w", err)
	}
	return nil
}
