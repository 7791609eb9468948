package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// The tables of accounts and of the audit log.
const (
	TableAccounts  = "accounts"
	TableSessions  = "sessions"
	TableTokens    = "api_tokens"
	TableThrottles = "login_throttles"
	TableAudit     = "audit_log"
)

// AuditRetention is how long audit records are kept at least (网络安全法
// §21: six months): PurgeAudit refuses to remove a younger record, and
// the SQLite database itself refuses to delete one.
const AuditRetention = 180 * 24 * time.Hour

// ErrRetention is returned by PurgeAudit for a cutoff within
// AuditRetention of now.
var ErrRetention = errors.New("audit records are kept for at least 180 days")

// Accounts is the console's logins: accounts, sessions, API tokens and
// the failed-login counters. The auth package is its one user (in the
// console and in the yuqing user and token commands, which may run while
// yuqing run serves the same store). Every row is versioned: a write is
// an upsert by ID, the higher Version winning, so that a change made by
// one console replica is what every other reads next.
type Accounts interface {
	// UpsertAccounts writes accounts by name, higher Version winning.
	UpsertAccounts(ctx context.Context, accounts []model.Account) error
	// GetAccount returns one account by name, or ErrNotFound.
	GetAccount(ctx context.Context, name string) (model.Account, error)
	// ListAccounts returns every account, by name.
	ListAccounts(ctx context.Context) ([]model.Account, error)
	// UpsertSessions writes sessions by ID, higher Version winning.
	UpsertSessions(ctx context.Context, sessions []model.Session) error
	// GetSession returns one session by ID, or ErrNotFound.
	GetSession(ctx context.Context, id string) (model.Session, error)
	// UpsertTokens writes API tokens by ID, higher Version winning.
	UpsertTokens(ctx context.Context, tokens []model.APIToken) error
	// GetToken returns one API token by ID, or ErrNotFound.
	GetToken(ctx context.Context, id string) (model.APIToken, error)
	// ListTokens returns every API token, by ID.
	ListTokens(ctx context.Context) ([]model.APIToken, error)
	// UpsertThrottles writes failed-login counters by ID, higher Version
	// winning.
	UpsertThrottles(ctx context.Context, ts []model.LoginThrottle) error
	// GetThrottle returns one failed-login counter, or ErrNotFound.
	GetThrottle(ctx context.Context, id string) (model.LoginThrottle, error)
}

// AuditQuery selects audit records: those at or after Since and before
// Until (zero: no bound).
type AuditQuery struct {
	Since, Until time.Time
}

// Audit is the security audit log: append-only, every record kept at
// least AuditRetention. The audit package writes it (one hash chain per
// writing process) and verifies and exports it. No call changes a record;
// PurgeAudit removes only records older than the retention.
type Audit interface {
	// AppendAudit appends records; a record whose ID is already stored
	// is not stored again.
	AppendAudit(ctx context.Context, records []model.AuditRecord) error
	// ListAudit returns the records q selects, by At then ID.
	ListAudit(ctx context.Context, q AuditQuery) ([]model.AuditRecord, error)
	// LastAudit returns the latest record (by At, then ID), or
	// ErrNotFound when there is none.
	LastAudit(ctx context.Context) (model.AuditRecord, error)
	// PurgeAudit removes the records older than before and returns how
	// many it removed. It refuses (ErrRetention, removing nothing) a
	// cutoff later than now minus AuditRetention.
	PurgeAudit(ctx context.Context, before, now time.Time) (int64, error)
}

// CheckPurge returns ErrRetention unless before is at least
// AuditRetention before now.
func CheckPurge(before, now time.Time) error {
	if before.After(now.Add(-AuditRetention)) {
		return fmt.Errorf("cannot purge audit records before %s: %w", before.Format(time.RFC3339), ErrRetention)
	}
	return nil
}

// AccountsTable keeps model.Account.
var AccountsTable = &Table[model.Account]{
	Name: TableAccounts, Singular: "account", Plural: "accounts",
	ID: func(a *model.Account) string { return a.Name },
	Columns: []Column[model.Account]{
		Col("id", func(a *model.Account) *string { return &a.Name }),
		VersionCol(func(a *model.Account) *uint64 { return &a.Version }),
		Col("display_name", func(a *model.Account) *string { return &a.DisplayName }),
		Col("role", func(a *model.Account) *string { return &a.Role }),
		Col("password_hash", func(a *model.Account) *string { return &a.PasswordHash }),
		Col("password_history", func(a *model.Account) *[]string { return &a.PasswordHistory }),
		Col("password_changed_at", func(a *model.Account) *time.Time { return &a.PasswordChangedAt }),
		Col("must_change", func(a *model.Account) *bool { return &a.MustChange }),
		Col("locked", func(a *model.Account) *bool { return &a.Locked }),
		Col("totp_secret", func(a *model.Account) *string { return &a.TOTPSecret }),
		Col("recovery_codes", func(a *model.Account) *[]string { return &a.RecoveryCodes }),
		Col("created_at", func(a *model.Account) *time.Time { return &a.CreatedAt }),
	},
}

// SessionsTable keeps model.Session.
var SessionsTable = &Table[model.Session]{
	Name: TableSessions, Singular: "session", Plural: "sessions",
	ID: func(s *model.Session) string { return s.ID },
	Columns: []Column[model.Session]{
		Col("id", func(s *model.Session) *string { return &s.ID }),
		VersionCol(func(s *model.Session) *uint64 { return &s.Version }),
		Col("account", func(s *model.Session) *string { return &s.Account }),
		Col("csrf", func(s *model.Session) *string { return &s.CSRF }),
		Col("address", func(s *model.Session) *string { return &s.Address }),
		Col("created_at", func(s *model.Session) *time.Time { return &s.CreatedAt }),
		Col("last_seen", func(s *model.Session) *time.Time { return &s.LastSeen }),
		Col("second_factor", func(s *model.Session) *bool { return &s.SecondFactor }),
		Col("revoked", func(s *model.Session) *bool { return &s.Revoked }),
	},
}

// TokensTable keeps model.APIToken.
var TokensTable = &Table[model.APIToken]{
	Name: TableTokens, Singular: "API token", Plural: "API tokens",
	ID: func(t *model.APIToken) string { return t.ID },
	Columns: []Column[model.APIToken]{
		Col("id", func(t *model.APIToken) *string { return &t.ID }),
		VersionCol(func(t *model.APIToken) *uint64 { return &t.Version }),
		Col("name", func(t *model.APIToken) *string { return &t.Name }),
		Col("role", func(t *model.APIToken) *string { return &t.Role }),
		Col("hash", func(t *model.APIToken) *string { return &t.Hash }),
		Col("created_by", func(t *model.APIToken) *string { return &t.CreatedBy }),
		Col("created_at", func(t *model.APIToken) *time.Time { return &t.CreatedAt }),
		Col("revoked", func(t *model.APIToken) *bool { return &t.Revoked }),
	},
}

// ThrottlesTable keeps model.LoginThrottle.
var ThrottlesTable = &Table[model.LoginThrottle]{
	Name: TableThrottles, Singular: "login throttle", Plural: "login throttles",
	ID: func(t *model.LoginThrottle) string { return t.ID },
	Columns: []Column[model.LoginThrottle]{
		Col("id", func(t *model.LoginThrottle) *string { return &t.ID }),
		VersionCol(func(t *model.LoginThrottle) *uint64 { return &t.Version }),
		Col("failures", func(t *model.LoginThrottle) *int { return &t.Failures }),
		Col("locked_until", func(t *model.LoginThrottle) *time.Time { return &t.LockedUntil }),
		Col("last_failure", func(t *model.LoginThrottle) *time.Time { return &t.LastFailure }),
	},
}

// AuditTable keeps model.AuditRecord, the append-only audit log.
var AuditTable = &Table[model.AuditRecord]{
	Name: TableAudit, Singular: "audit record", Plural: "audit records",
	ID: func(r *model.AuditRecord) string { return r.ID },
	Columns: []Column[model.AuditRecord]{
		Col("id", func(r *model.AuditRecord) *string { return &r.ID }),
		Col("chain", func(r *model.AuditRecord) *string { return &r.Chain }),
		Col("seq", func(r *model.AuditRecord) *int { return &r.Seq }),
		Col("at", func(r *model.AuditRecord) *time.Time { return &r.At }),
		Col("account", func(r *model.AuditRecord) *string { return &r.Account }),
		Col("address", func(r *model.AuditRecord) *string { return &r.Address }),
		Col("action", func(r *model.AuditRecord) *string { return &r.Action }),
		Col("object", func(r *model.AuditRecord) *string { return &r.Object }),
		Col("result", func(r *model.AuditRecord) *string { return &r.Result }),
		Col("detail", func(r *model.AuditRecord) *string { return &r.Detail }),
		Col("prev_at", func(r *model.AuditRecord) *time.Time { return &r.PrevAt }),
		Col("prev_hash", func(r *model.AuditRecord) *string { return &r.PrevHash }),
		Col("hash", func(r *model.AuditRecord) *string { return &r.Hash }),
	},
}
