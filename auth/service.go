package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Errors of the Service. Their messages are in Chinese: the console shows
// them to the person who logs in.
var (
	// ErrBadCredentials is a wrong name or password (which of the two is
	// not said).
	ErrBadCredentials = errors.New("账号或密码错误。")
	// ErrBadCode is a wrong second-factor code.
	ErrBadCode = errors.New("动态口令或恢复码错误。")
	// ErrAccountLocked is an account an administrator locked.
	ErrAccountLocked = errors.New("账号已被安全管理员锁定，请联系安全管理员。")
	// ErrNoSession is a missing, unknown, expired or ended session, or an
	// unknown or revoked token.
	ErrNoSession = errors.New("未登录或登录已过期，请重新登录。")
	// ErrForbidden is a change the actor may not make (三员分立).
	ErrForbidden = errors.New("无权进行此操作。")
)

// LockedError is a login refused because too many failed in a row.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "登录失败次数过多，已锁定至 " + e.Until.In(model.China).Format("15:04") + "，请稍后再试。"
}

// Actor is who makes a change, for the audit log and the checks of
// 三员分立: an authenticated account (or "cli" for a command run by the
// operator on the server) and the client's address.
type Actor struct {
	Account string
	Role    string
	Address string
}

// CLI is the actor of the yuqing user and token commands: the operator on
// the server, trusted with the data dir.
func CLI() Actor { return Actor{Account: "cli", Address: "cli"} }

// Options configure a Service. Store and Audit are required.
type Options struct {
	Store  store.Accounts
	Audit  *audit.Log
	Policy Policy
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Issuer names the system in authenticator apps; empty is yuqing.
	Issuer string
}

// Service is the accounts, sessions and tokens. It is safe for
// concurrent use; everything it keeps is in the store.
type Service struct {
	st     store.Accounts
	audit  *audit.Log
	policy Policy
	now    func() time.Time
	issuer string
	dummy  string // a hash checked for unknown names, so timing tells nothing
}

// New returns the service of opts.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Audit == nil {
		return nil, errors.New("cannot build the accounts service: a store and an audit log are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Issuer == "" {
		opts.Issuer = "yuqing"
	}
	dummy, err := HashPassword("dummy password for unknown accounts")
	if err != nil {
		return nil, err
	}
	return &Service{st: opts.Store, audit: opts.Audit, policy: opts.Policy, now: opts.Now, issuer: opts.Issuer, dummy: dummy}, nil
}

// Policy returns the service's policy.
func (s *Service) Policy() Policy { return s.policy }

// Audit returns the service's audit log.
func (s *Service) Audit() *audit.Log { return s.audit }

// Now returns the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// version returns a version higher than old, from the clock.
func (s *Service) version(old uint64) uint64 {
	return max(old+1, uint64(s.now().UnixNano()))
}

func (s *Service) record(ctx context.Context, a Actor, action, object, result, detail string) error {
	return s.audit.Record(ctx, audit.Entry{Account: a.Account, Address: a.Address, Action: action, Object: object, Result: result, Detail: detail})
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Principal is who a request is from: an account logged in through a
// session, or a bearer token.
type Principal struct {
	Account     string
	DisplayName string
	Role        string
	// Session is the request's session; nil for a bearer token.
	Session *model.Session
	// TokenID is the bearer token's ID; empty for a session.
	TokenID string
	// NeedSecondFactor is set on a session whose account has not yet
	// proved its second factor; NeedEnrolment when it has none yet.
	NeedSecondFactor, NeedEnrolment bool
	// MustChangePassword is set when the password must be changed first
	// (first login, reset, older than the policy's MaxAge).
	MustChangePassword bool
}

// Can reports whether the principal may act with the permission. A
// session still waiting for its second factor or a password change may
// do nothing.
func (p Principal) Can(perm string) bool {
	return p.Complete() && Can(p.Role, perm)
}

// Complete reports whether the login is complete: the second factor
// proved and the password current.
func (p Principal) Complete() bool {
	return p.Account != "" && !p.NeedSecondFactor && !p.MustChangePassword
}

// RoleName is the principal's role in Chinese.
func (p Principal) RoleName() string { return RoleName(p.Role) }

// Actor returns the principal as the actor of a change from addr.
func (p Principal) Actor(addr string) Actor {
	return Actor{Account: p.Account, Role: p.Role, Address: addr}
}

// needsTOTP reports whether accounts of the role need a second factor.
func (s *Service) needsTOTP(role string) bool {
	r, _ := RoleOf(role)
	return r.Admin || s.policy.TOTPForEveryone
}

// throttle returns the failed-login counter of id as of now.
func (s *Service) throttle(ctx context.Context, id string) (model.LoginThrottle, error) {
	t, err := s.st.GetThrottle(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return model.LoginThrottle{ID: id}, nil
	}
	return t, err
}

// lockedUntil returns when the earliest of the counters' locks ends after
// now, or the zero time.
func lockedUntil(now time.Time, ts ...model.LoginThrottle) time.Time {
	var until time.Time
	for _, t := range ts {
		if t.LockedUntil.After(now) && t.LockedUntil.After(until) {
			until = t.LockedUntil
		}
	}
	return until
}

// LoginResult is a successful password check: the session and its
// cookie's value (shown to the client once; the store keeps its hash).
type LoginResult struct {
	Cookie    string
	Session   model.Session
	Principal Principal
}

// Login checks name and password from the client address addr and opens
// a session. After Policy.MaxFailures failures in a row the account, and
// separately the address, are locked for Policy.LockoutDuration: a
// *LockedError, even for the right password. Every outcome is audited.
func (s *Service) Login(ctx context.Context, name, password, addr string) (LoginResult, error) {
	now := s.now()
	name = strings.TrimSpace(name)
	actor := Actor{Account: name, Address: addr}
	obj := "account:" + name
	acct, err := s.throttle(ctx, "account:"+name)
	if err != nil {
		return LoginResult{}, err
	}
	host, err := s.throttle(ctx, "addr:"+addr)
	if err != nil {
		return LoginResult{}, err
	}
	if until := lockedUntil(now, acct, host); !until.IsZero() {
		if err := s.record(ctx, actor, "login", obj, model.AuditLocked, "锁定期内的登录尝试，锁定至 "+until.Format(time.RFC3339)); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, &LockedError{Until: until}
	}
	a, err := s.st.GetAccount(ctx, name)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return LoginResult{}, err
	}
	hash := s.dummy
	if found {
		hash = a.PasswordHash
	}
	if ok := CheckHash(hash, password); !ok || !found {
		return LoginResult{}, s.failed(ctx, actor, obj, acct, host)
	}
	if a.Locked {
		if err := s.record(ctx, actor, "login", obj, model.AuditDenied, "账号已被锁定"); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, ErrAccountLocked
	}
	// The account's counter starts again; the address's is kept, so
	// that one known password does not reset guessing at others.
	if acct.Failures > 0 {
		acct.Version, acct.Failures = s.version(acct.Version), 0
		if err := s.st.UpsertThrottles(ctx, []model.LoginThrottle{acct}); err != nil {
			return LoginResult{}, err
		}
	}
	cookie, err := randomHex(32)
	if err != nil {
		return LoginResult{}, err
	}
	csrf, err := randomHex(32)
	if err != nil {
		return LoginResult{}, err
	}
	sess := model.Session{ID: sha256Hex(cookie), Version: s.version(0), Account: a.Name, CSRF: csrf, Address: addr,
		CreatedAt: now, LastSeen: now, SecondFactor: !s.needsTOTP(a.Role)}
	if err := s.st.UpsertSessions(ctx, []model.Session{sess}); err != nil {
		return LoginResult{}, err
	}
	if err := s.record(ctx, actor, "login", obj, model.AuditOK, "角色："+RoleName(a.Role)); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Cookie: cookie, Session: sess, Principal: s.principal(a, &sess)}, nil
}

// failed counts a failed login (or second factor) against the account and
// the address, locking either that reaches the limit, and audits it.
func (s *Service) failed(ctx context.Context, actor Actor, obj string, ts ...model.LoginThrottle) error {
	now := s.now()
	result, detail := model.AuditFailed, ""
	var until time.Time
	for i := range ts {
		t := &ts[i]
		if !t.LastFailure.IsZero() && now.Sub(t.LastFailure) > s.policy.LockoutDuration {
			t.Failures = 0 // an old run of failures is forgotten
		}
		t.Version, t.Failures, t.LastFailure = s.version(t.Version), t.Failures+1, now
		if s.policy.MaxFailures > 0 && t.Failures >= s.policy.MaxFailures {
			t.LockedUntil, t.Failures = now.Add(s.policy.LockoutDuration), 0
			until = t.LockedUntil
			result = model.AuditLocked
			detail += fmt.Sprintf("%s 连续失败 %d 次，锁定至 %s；", t.ID, s.policy.MaxFailures, t.LockedUntil.Format(time.RFC3339))
		}
	}
	if err := s.st.UpsertThrottles(ctx, ts); err != nil {
		return err
	}
	if err := s.record(ctx, actor, "login", obj, result, strings.TrimSuffix("认证失败；"+detail, "；")); err != nil {
		return err
	}
	if !until.IsZero() {
		return &LockedError{Until: until}
	}
	return ErrBadCredentials
}

func (s *Service) principal(a model.Account, sess *model.Session) Principal {
	p := Principal{Account: a.Name, DisplayName: a.DisplayName, Role: a.Role, Session: sess}
	if p.DisplayName == "" {
		p.DisplayName = a.Name
	}
	if sess != nil && !sess.SecondFactor {
		p.NeedSecondFactor = true
		p.NeedEnrolment = a.TOTPSecret == ""
	}
	p.MustChangePassword = a.PasswordHash != "" &&
		(a.MustChange || (s.policy.MaxAge > 0 && s.now().Sub(a.PasswordChangedAt) > s.policy.MaxAge))
	return p
}

// Authenticate returns the principal of a session cookie's value: the
// session must exist, not be revoked, have been used within
// Policy.IdleTimeout and be younger than Policy.MaxSessionAge, and its
// account must exist and not be locked. Else ErrNoSession.
func (s *Service) Authenticate(ctx context.Context, cookie string) (Principal, error) {
	if cookie == "" {
		return Principal{}, ErrNoSession
	}
	sess, err := s.st.GetSession(ctx, sha256Hex(cookie))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.now()
	if sess.Revoked || now.Sub(sess.LastSeen) > s.policy.IdleTimeout || now.Sub(sess.CreatedAt) > s.policy.MaxSessionAge {
		return Principal{}, ErrNoSession
	}
	a, err := s.st.GetAccount(ctx, sess.Account)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	if a.Locked {
		return Principal{}, ErrNoSession
	}
	// The idle clock is kept to the minute: one write a minute at most.
	if now.Sub(sess.LastSeen) > time.Minute {
		sess.Version, sess.LastSeen = s.version(sess.Version), now
		if err := s.st.UpsertSessions(ctx, []model.Session{sess}); err != nil {
			return Principal{}, err
		}
	}
	return s.principal(a, &sess), nil
}

// Logout ends the session; it is audited.
func (s *Service) Logout(ctx context.Context, p Principal, addr string) error {
	if p.Session == nil {
		return nil
	}
	sess := *p.Session
	sess.Version, sess.Revoked = s.version(sess.Version), true
	if err := s.st.UpsertSessions(ctx, []model.Session{sess}); err != nil {
		return err
	}
	return s.record(ctx, p.Actor(addr), "logout", "account:"+p.Account, model.AuditOK, "")
}

// VerifySecondFactor checks a TOTP code (or a recovery code, used up) for
// the session's account and marks the session complete. Failures count
// towards the lockout like wrong passwords.
func (s *Service) VerifySecondFactor(ctx context.Context, p Principal, code, addr string) error {
	if p.Session == nil {
		return ErrNoSession
	}
	a, err := s.st.GetAccount(ctx, p.Account)
	if err != nil {
		return err
	}
	actor, obj := p.Actor(addr), "account:"+a.Name
	acct, err := s.throttle(ctx, "account:"+a.Name)
	if err != nil {
		return err
	}
	if until := lockedUntil(s.now(), acct); !until.IsZero() {
		return &LockedError{Until: until}
	}
	code = strings.ToLower(strings.TrimSpace(code))
	ok := a.TOTPSecret != "" && CheckTOTP(a.TOTPSecret, code, s.now())
	detail := "动态口令"
	if !ok && a.TOTPSecret != "" {
		if i := slices.Index(a.RecoveryCodes, sha256Hex(code)); i >= 0 {
			a.RecoveryCodes = slices.Delete(slices.Clone(a.RecoveryCodes), i, i+1)
			a.Version = s.version(a.Version)
			if err := s.st.UpsertAccounts(ctx, []model.Account{a}); err != nil {
				return err
			}
			ok, detail = true, fmt.Sprintf("恢复码（剩余 %d 个）", len(a.RecoveryCodes))
		}
	}
	if !ok {
		host, err := s.throttle(ctx, "addr:"+addr)
		if err != nil {
			return err
		}
		if err := s.failed(ctx, actor, obj, acct, host); errors.As(err, new(*LockedError)) {
			return err
		}
		return ErrBadCode
	}
	sess := *p.Session
	sess.Version, sess.SecondFactor = s.version(sess.Version), true
	if err := s.st.UpsertSessions(ctx, []model.Session{sess}); err != nil {
		return err
	}
	return s.record(ctx, actor, "login.second_factor", obj, model.AuditOK, detail)
}

// Enrolment is a new authenticator secret and its otpauth URI, which the
// enrolment page shows until the person confirms one code of it.
type Enrolment struct {
	Secret, URI string
}

// NewEnrolment returns a new secret for the account.
func (s *Service) NewEnrolment(account string) (Enrolment, error) {
	secret, err := NewTOTPSecret()
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: secret, URI: TOTPURI(s.issuer, account, secret)}, nil
}

// Enrol sets the account's authenticator secret once code proves the
// person's app has it, completes the session's second factor, and
// returns ten recovery codes (shown once; the store keeps their hashes).
func (s *Service) Enrol(ctx context.Context, p Principal, secret, code, addr string) ([]string, error) {
	if p.Session == nil {
		return nil, ErrNoSession
	}
	if !CheckTOTP(secret, code, s.now()) {
		return nil, ErrBadCode
	}
	a, err := s.st.GetAccount(ctx, p.Account)
	if err != nil {
		return nil, err
	}
	if a.TOTPSecret != "" && p.NeedSecondFactor {
		return nil, ErrForbidden // replacing a secret needs the old factor first
	}
	codes, hashes, err := newRecoveryCodes(10)
	if err != nil {
		return nil, err
	}
	a.Version, a.TOTPSecret, a.RecoveryCodes = s.version(a.Version), secret, hashes
	if err := s.st.UpsertAccounts(ctx, []model.Account{a}); err != nil {
		return nil, err
	}
	sess := *p.Session
	sess.Version, sess.SecondFactor = s.version(sess.Version), true
	if err := s.st.UpsertSessions(ctx, []model.Session{sess}); err != nil {
		return nil, err
	}
	if err := s.record(ctx, p.Actor(addr), "account.totp_enrol", "account:"+a.Name, model.AuditOK, "绑定动态口令"); err != nil {
		return nil, err
	}
	return codes, nil
}
