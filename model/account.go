package model

import "time"

// Account is a person's (or a machine's) login to the console: its name,
// its one role, its password hash and its second factor. Accounts are
// versioned rows: every change writes the account again with a higher
// Version.
type Account struct {
	// Name is the login name and the account's ID.
	Name    string
	Version uint64
	// DisplayName is how pages name the person; empty: Name.
	DisplayName string
	// Role is one role key (auth's sysadmin, secadmin, auditor, monitor,
	// duty, handler, leader, viewer). An account holds exactly one role,
	// so no account holds two of the three administrator roles.
	Role string
	// PasswordHash is the PHC string of the password's argon2id hash.
	PasswordHash string
	// PasswordHistory are the hashes of the previous passwords, newest
	// first, as many as the policy remembers.
	PasswordHistory []string
	// PasswordChangedAt is when the password was last set.
	PasswordChangedAt time.Time
	// MustChange forces a password change at the next login (a new
	// account, a password reset by an administrator).
	MustChange bool
	// Locked is set by an administrator; a locked account cannot log in
	// whatever its password.
	Locked bool
	// TOTPSecret is the base32 secret of the account's authenticator
	// (RFC 6238); empty until the account enrolled one.
	TOTPSecret string
	// RecoveryCodes are the hashes of the recovery codes not used yet.
	RecoveryCodes []string
	CreatedAt     time.Time
}

// Session is one login: what the console's cookie stands for. Sessions
// are in the store so that every console replica knows them.
type Session struct {
	// ID is the SHA-256 (hex) of the cookie's value: the store never
	// holds what would let someone reading it log in.
	ID      string
	Version uint64
	Account string
	// CSRF is the session's anti-forgery token, which every
	// state-changing request repeats.
	CSRF      string
	Address   string
	CreatedAt time.Time
	LastSeen  time.Time
	// SecondFactor is set once the account proved its second factor (or
	// when its role needs none).
	SecondFactor bool
	// Revoked is set at logout; a revoked session is never valid again.
	Revoked bool
}

// APIToken is a bearer token for a machine (Grafana, another system): a
// role, and the SHA-256 of its secret. The secret is shown once, when the
// token is created.
type APIToken struct {
	ID        string
	Version   uint64
	Name      string
	Role      string
	Hash      string
	CreatedBy string
	CreatedAt time.Time
	Revoked   bool
}

// LoginThrottle counts failed logins of one account or one client
// address, and how long it is locked out.
type LoginThrottle struct {
	// ID is "account:NAME" or "addr:ADDRESS".
	ID          string
	Version     uint64
	Failures    int
	LockedUntil time.Time
	LastFailure time.Time
}

// RoleKeys are the keys of the console's roles (auth owns what each may
// do): the three administrators first.
var RoleKeys = []string{"sysadmin", "secadmin", "auditor", "monitor", "duty", "handler", "leader", "viewer"}

// ValidRoleKey reports whether key is one of RoleKeys.
func ValidRoleKey(key string) bool {
	for _, k := range RoleKeys {
		if k == key {
			return true
		}
	}
	return false
}
