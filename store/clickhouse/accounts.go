package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file holds the console's logins (accounts, sessions, API tokens,
// failed-login counters: ReplacingMergeTree tables by version, read with
// FINAL) and the audit log (append-only: a record appended twice by a
// retried write has one ID and is folded; only PurgeAudit removes
// records, none younger than store.AuditRetention).

var (
	accountsTable  = tableOf(store.AccountsTable, "id")
	sessionsTable  = tableOf(store.SessionsTable, "id")
	tokensTable    = tableOf(store.TokensTable, "id")
	throttlesTable = tableOf(store.ThrottlesTable, "id")
	auditTable     = tableOf(store.AuditTable, "chain, seq, id",
		column{name: "account", lowCardinality: true}, column{name: "action", lowCardinality: true},
		column{name: "result", lowCardinality: true}, column{name: "detail", codec: "ZSTD(1)"})
)

// accountsTables are the tables migration step 4 creates.
var accountsTables = []table{accountsTable, sessionsTable, tokensTable, throttlesTable, auditTable}

// UpsertAccounts writes accounts as one batch.
func (s *Store) UpsertAccounts(ctx context.Context, accounts []model.Account) error {
	return write(ctx, s, store.AccountsTable, accounts)
}

// GetAccount returns one account by name, or store.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, name string) (model.Account, error) {
	return get(ctx, s, store.AccountsTable, "get_account", name)
}

// ListAccounts returns every account by name.
func (s *Store) ListAccounts(ctx context.Context) ([]model.Account, error) {
	return list(ctx, s, store.AccountsTable, "list_accounts", " ORDER BY id")
}

// UpsertSessions writes sessions as one batch.
func (s *Store) UpsertSessions(ctx context.Context, sessions []model.Session) error {
	return write(ctx, s, store.SessionsTable, sessions)
}

// GetSession returns one session by ID, or store.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, id string) (model.Session, error) {
	return get(ctx, s, store.SessionsTable, "get_session", id)
}

// UpsertTokens writes API tokens as one batch.
func (s *Store) UpsertTokens(ctx context.Context, tokens []model.APIToken) error {
	return write(ctx, s, store.TokensTable, tokens)
}

// GetToken returns one API token by ID, or store.ErrNotFound.
func (s *Store) GetToken(ctx context.Context, id string) (model.APIToken, error) {
	return get(ctx, s, store.TokensTable, "get_token", id)
}

// ListTokens returns every API token by ID.
func (s *Store) ListTokens(ctx context.Context) ([]model.APIToken, error) {
	return list(ctx, s, store.TokensTable, "list_tokens", " ORDER BY id")
}

// UpsertThrottles writes failed-login counters as one batch.
func (s *Store) UpsertThrottles(ctx context.Context, ts []model.LoginThrottle) error {
	return write(ctx, s, store.ThrottlesTable, ts)
}

// GetThrottle returns one failed-login counter, or store.ErrNotFound.
func (s *Store) GetThrottle(ctx context.Context, id string) (model.LoginThrottle, error) {
	return get(ctx, s, store.ThrottlesTable, "get_throttle", id)
}

// AppendAudit appends audit records as one batch.
func (s *Store) AppendAudit(ctx context.Context, records []model.AuditRecord) error {
	return write(ctx, s, store.AuditTable, records)
}

// ListAudit returns the audit records q selects, by time then ID.
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery) ([]model.AuditRecord, error) {
	where, args := " WHERE 1 = 1", []any{}
	if !q.Since.IsZero() {
		where, args = where+" AND at_ns >= ?", append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		where, args = where+" AND at_ns < ?", append(args, q.Until.UnixNano())
	}
	return list(ctx, s, store.AuditTable, "list_audit", where+" ORDER BY at_ns, id", args...)
}

// LastAudit returns the latest audit record, or store.ErrNotFound.
func (s *Store) LastAudit(ctx context.Context) (model.AuditRecord, error) {
	recs, err := list(ctx, s, store.AuditTable, "last_audit", " ORDER BY at_ns DESC, id DESC LIMIT 1")
	if err == nil && len(recs) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return model.AuditRecord{}, err
	}
	return recs[0], nil
}

// PurgeAudit removes the audit records older than before, refusing a
// cutoff within the retention. The removal is a mutation, which the
// server applies in the background; it returns the number of records the
// mutation removes.
func (s *Store) PurgeAudit(ctx context.Context, before, now time.Time) (int64, error) {
	if err := store.CheckPurge(before, now); err != nil {
		return 0, err
	}
	start := time.Now()
	var n uint64
	err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.table(store.TableAudit)+" WHERE at_ns < ?", before.UnixNano()).Scan(&n)
	if err == nil && n > 0 {
		// A mutation runs on the MergeTree table: on a cluster, the local
		// tables under the Distributed one, on every node.
		target := s.table(store.TableAudit)
		if s.cluster != "" {
			target = quote(s.database) + "." + quote(localName(store.TableAudit)) + " ON CLUSTER " + quote(s.cluster)
		}
		err = s.conn.Exec(ctx, "ALTER TABLE "+target+" DELETE WHERE at_ns < ?", before.UnixNano())
	}
	s.metrics.QueryDone("purge_audit", start, err)
	if err != nil {
		return 0, fmt.Errorf("cannot purge audit records: %w", err)
	}
	return int64(n), nil
}

// list returns the rows of t (FINAL) that the clause (WHERE … ORDER BY …,
// with its leading space) selects, recording the read as op.
func list[T any](ctx context.Context, s *Store, t *store.Table[T], op, clause string, args ...any) ([]T, error) {
	start := time.Now()
	out, err := query(ctx, s, t, "SELECT "+columns(t)+" FROM "+s.table(t.Name)+" FINAL"+clause, args...)
	s.metrics.QueryDone(op, start, err)
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", t.Plural, err)
	}
	return out, nil
}
