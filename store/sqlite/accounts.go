package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the console's logins (accounts, sessions, API tokens,
// failed-login counters: versioned rows) and the audit log (append-only;
// the database refuses to change a record and to delete one younger than
// store.AuditRetention).

// UpsertAccounts writes accounts, higher version winning.
func (s *Store) UpsertAccounts(ctx context.Context, accounts []model.Account) error {
	return write(ctx, s, store.AccountsTable, accounts)
}

// GetAccount returns one account by name, or store.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, name string) (model.Account, error) {
	return get(ctx, s, store.AccountsTable, "get_account", name)
}

// ListAccounts returns every account by name.
func (s *Store) ListAccounts(ctx context.Context) ([]model.Account, error) {
	return list(ctx, s, store.AccountsTable, "list_accounts", ` ORDER BY id`)
}

// UpsertSessions writes sessions, higher version winning.
func (s *Store) UpsertSessions(ctx context.Context, sessions []model.Session) error {
	return write(ctx, s, store.SessionsTable, sessions)
}

// GetSession returns one session by ID, or store.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, id string) (model.Session, error) {
	return get(ctx, s, store.SessionsTable, "get_session", id)
}

// UpsertTokens writes API tokens, higher version winning.
func (s *Store) UpsertTokens(ctx context.Context, tokens []model.APIToken) error {
	return write(ctx, s, store.TokensTable, tokens)
}

// GetToken returns one API token by ID, or store.ErrNotFound.
func (s *Store) GetToken(ctx context.Context, id string) (model.APIToken, error) {
	return get(ctx, s, store.TokensTable, "get_token", id)
}

// ListTokens returns every API token by ID.
func (s *Store) ListTokens(ctx context.Context) ([]model.APIToken, error) {
	return list(ctx, s, store.TokensTable, "list_tokens", ` ORDER BY id`)
}

// UpsertThrottles writes failed-login counters, higher version winning.
func (s *Store) UpsertThrottles(ctx context.Context, ts []model.LoginThrottle) error {
	return write(ctx, s, store.ThrottlesTable, ts)
}

// GetThrottle returns one failed-login counter, or store.ErrNotFound.
func (s *Store) GetThrottle(ctx context.Context, id string) (model.LoginThrottle, error) {
	return get(ctx, s, store.ThrottlesTable, "get_throttle", id)
}

// AppendAudit appends audit records in one transaction; one already
// stored is left as it is.
func (s *Store) AppendAudit(ctx context.Context, records []model.AuditRecord) error {
	return write(ctx, s, store.AuditTable, records)
}

// ListAudit returns the audit records q selects, by time then ID.
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery) ([]model.AuditRecord, error) {
	where, args := ` WHERE 1 = 1`, []any{}
	if !q.Since.IsZero() {
		where, args = where+` AND at >= ?`, append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		where, args = where+` AND at < ?`, append(args, q.Until.UnixNano())
	}
	return list(ctx, s, store.AuditTable, "list_audit", where+` ORDER BY at, id`, args...)
}

// LastAudit returns the latest audit record, or store.ErrNotFound.
func (s *Store) LastAudit(ctx context.Context) (model.AuditRecord, error) {
	recs, err := list(ctx, s, store.AuditTable, "last_audit", ` ORDER BY at DESC, id DESC LIMIT 1`)
	if err == nil && len(recs) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return model.AuditRecord{}, err
	}
	return recs[0], nil
}

// PurgeAudit removes the audit records older than before, refusing a
// cutoff within the retention.
func (s *Store) PurgeAudit(ctx context.Context, before, now time.Time) (int64, error) {
	if err := store.CheckPurge(before, now); err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := s.write.ExecContext(ctx, `DELETE FROM audit_log WHERE at < ?`, before.UnixNano())
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	s.metrics.QueryDone("purge_audit", start, err)
	if err != nil {
		return 0, fmt.Errorf("cannot purge audit records: %w", err)
	}
	return n, nil
}

// list returns the rows of t that the clause (WHERE … ORDER BY …, with its
// leading space) selects, recording the read as op.
func list[T any](ctx context.Context, s *Store, t *store.Table[T], op, clause string, args ...any) ([]T, error) {
	start := time.Now()
	out, err := query(ctx, s.read, t, `SELECT `+columns(t)+` FROM `+t.Name+clause, args...)
	s.metrics.QueryDone(op, start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", t.Plural, err)
	}
	return out, nil
}

// accountsMigration creates the tables of accounts and the audit log. The
// audit log refuses every UPDATE, and a DELETE of a record younger than
// store.AuditRetention.
func accountsMigration() []string {
	var stmts []string
	for _, t := range [][]string{createTable(store.AccountsTable, false), createTable(store.SessionsTable, false),
		createTable(store.TokensTable, false), createTable(store.ThrottlesTable, false), createTable(store.AuditTable, false)} {
		stmts = append(stmts, t...)
	}
	return append(stmts,
		`CREATE INDEX audit_log_at ON audit_log (at, id)`,
		`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
	BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END`,
		fmt.Sprintf(`CREATE TRIGGER audit_log_retention BEFORE DELETE ON audit_log
	WHEN old.at > (CAST(strftime('%%s', 'now') AS INTEGER) - %d) * 1000000000
	BEGIN SELECT RAISE(ABORT, 'audit records are kept for at least 180 days'); END`, int64(store.AuditRetention/time.Second)),
	)
}
