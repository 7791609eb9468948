package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

var validName = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,31}$`)

// isCLI reports whether the actor is the operator's command line.
func isCLI(a Actor) bool { return a.Account == "cli" && a.Role == "" }

// allowed returns ErrForbidden unless the actor is the CLI or has perm,
// auditing the refusal.
func (s *Service) allowed(ctx context.Context, a Actor, perm, action, object string) error {
	if isCLI(a) || Can(a.Role, perm) {
		return nil
	}
	if err := s.record(ctx, a, action, object, model.AuditDenied, "缺少权限 "+perm); err != nil {
		return err
	}
	return ErrForbidden
}

func (s *Service) deny(ctx context.Context, a Actor, action, object, why string) error {
	if err := s.record(ctx, a, action, object, model.AuditDenied, why); err != nil {
		return err
	}
	return fmt.Errorf("%w%s", ErrForbidden, why)
}

// AddAccount creates an account with one role and an initial password
// (which the policy checks; with ChangeOnFirstLogin it must be changed at
// the first login). The system administrator creates accounts of business
// roles only; the CLI (the operator) may create any, which is how the
// first administrators come to be.
func (s *Service) AddAccount(ctx context.Context, a Actor, name, displayName, role, password string) error {
	obj := "account:" + name
	if err := s.allowed(ctx, a, PermAccountAdmin, "account.add", obj); err != nil {
		return err
	}
	r, ok := RoleOf(role)
	if !ok {
		return fmt.Errorf("未知角色 %q，可选：%s。", role, strings.Join(RoleKeys(), "、"))
	}
	if r.Admin && !isCLI(a) {
		return s.deny(ctx, a, "account.add", obj, "：系统管理员不能创建管理员账号，管理员角色由安全管理员授予。")
	}
	if !validName.MatchString(name) || name == "cli" || name == "system" {
		return fmt.Errorf("账号名 %q 无效：2 至 32 个小写字母、数字或 . _ -，以字母开头。", name)
	}
	if err := s.policy.CheckPassword(name, password); err != nil {
		return err
	}
	if _, err := s.st.GetAccount(ctx, name); err == nil {
		return fmt.Errorf("账号 %s 已存在。", name)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := s.now()
	acct := model.Account{Name: name, Version: s.version(0), DisplayName: displayName, Role: role, PasswordHash: hash,
		PasswordChangedAt: now, MustChange: s.policy.ChangeOnFirstLogin, CreatedAt: now}
	if err := s.record(ctx, a, "account.add", obj, model.AuditOK, "角色："+r.Name); err != nil {
		return err
	}
	return s.st.UpsertAccounts(ctx, []model.Account{acct})
}

// ChangePassword sets a new password for the principal's own account,
// given the current one. The new one must fit the policy and differ from
// the current and the last Policy.History passwords.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next, addr string) error {
	a, err := s.st.GetAccount(ctx, p.Account)
	if err != nil {
		return err
	}
	actor, obj := p.Actor(addr), "account:"+a.Name
	if !CheckHash(a.PasswordHash, current) {
		if err := s.record(ctx, actor, "account.password", obj, model.AuditFailed, "当前密码错误"); err != nil {
			return err
		}
		return errors.New("当前密码错误。")
	}
	if err := s.setPassword(&a, next, false); err != nil {
		return err
	}
	if err := s.record(ctx, actor, "account.password", obj, model.AuditOK, "本人修改密码"); err != nil {
		return err
	}
	return s.st.UpsertAccounts(ctx, []model.Account{a})
}

// setPassword checks next against the policy and the history and sets it.
func (s *Service) setPassword(a *model.Account, next string, reset bool) error {
	if err := s.policy.CheckPassword(a.Name, next); err != nil {
		return err
	}
	used := append([]string{a.PasswordHash}, a.PasswordHistory...)
	for _, h := range used[:min(len(used), max(s.policy.History, 1))] {
		if CheckHash(h, next) {
			return &PolicyError{fmt.Sprintf("新密码不能与最近 %d 次使用过的密码相同。", max(s.policy.History, 1))}
		}
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	a.PasswordHistory = used[:min(len(used), s.policy.History)]
	a.Version, a.PasswordHash, a.PasswordChangedAt = s.version(a.Version), hash, s.now()
	a.MustChange = reset && s.policy.ChangeOnFirstLogin
	return nil
}

// ResetPassword sets another account's password (which must be changed
// at its next login). The system administrator may reset the passwords
// of business accounts only.
func (s *Service) ResetPassword(ctx context.Context, a Actor, name, password string) error {
	obj := "account:" + name
	if err := s.allowed(ctx, a, PermAccountAdmin, "account.reset_password", obj); err != nil {
		return err
	}
	acct, err := s.st.GetAccount(ctx, name)
	if err != nil {
		return err
	}
	if r, _ := RoleOf(acct.Role); r.Admin && !isCLI(a) {
		return s.deny(ctx, a, "account.reset_password", obj, "：管理员账号的密码只能由本人或在服务器上用命令重置。")
	}
	if err := s.setPassword(&acct, password, true); err != nil {
		return err
	}
	if err := s.record(ctx, a, "account.reset_password", obj, model.AuditOK, ""); err != nil {
		return err
	}
	return s.st.UpsertAccounts(ctx, []model.Account{acct})
}

// SetRole gives an account another role: the security administrator's
// work, never on their own account.
func (s *Service) SetRole(ctx context.Context, a Actor, name, role string) error {
	obj := "account:" + name
	if err := s.allowed(ctx, a, PermRoleAdmin, "account.role", obj); err != nil {
		return err
	}
	r, ok := RoleOf(role)
	if !ok {
		return fmt.Errorf("未知角色 %q，可选：%s。", role, strings.Join(RoleKeys(), "、"))
	}
	if a.Account == name {
		return s.deny(ctx, a, "account.role", obj, "：不能修改本人的角色。")
	}
	acct, err := s.st.GetAccount(ctx, name)
	if err != nil {
		return err
	}
	old := acct.Role
	acct.Version, acct.Role = s.version(acct.Version), role
	if err := s.record(ctx, a, "account.role", obj, model.AuditOK, RoleName(old)+" → "+r.Name); err != nil {
		return err
	}
	return s.st.UpsertAccounts(ctx, []model.Account{acct})
}

// SetLocked locks or unlocks an account (unlocking also ends a lockout
// after failed logins): the security administrator's work, never on
// their own account.
func (s *Service) SetLocked(ctx context.Context, a Actor, name string, locked bool) error {
	action := "account.unlock"
	if locked {
		action = "account.lock"
	}
	obj := "account:" + name
	if err := s.allowed(ctx, a, PermRoleAdmin, action, obj); err != nil {
		return err
	}
	if a.Account == name {
		return s.deny(ctx, a, action, obj, "：不能锁定或解锁本人的账号。")
	}
	acct, err := s.st.GetAccount(ctx, name)
	if err != nil {
		return err
	}
	acct.Version, acct.Locked = s.version(acct.Version), locked
	if err := s.record(ctx, a, action, obj, model.AuditOK, ""); err != nil {
		return err
	}
	if err := s.st.UpsertAccounts(ctx, []model.Account{acct}); err != nil {
		return err
	}
	if !locked {
		t, err := s.throttle(ctx, "account:"+name)
		if err != nil {
			return err
		}
		t.Version, t.Failures, t.LockedUntil = s.version(t.Version), 0, s.now().Add(-1)
		return s.st.UpsertThrottles(ctx, []model.LoginThrottle{t})
	}
	return nil
}

// AccountView is an account as the administration page and `yuqing user
// list` show it: no hash, no secret.
type AccountView struct {
	Name, DisplayName, Role, RoleName string
	Locked, MustChange, TOTP          bool
	PasswordChangedAt, CreatedAt      string
}

// ListAccounts returns every account, for whoever administers accounts
// or roles.
func (s *Service) ListAccounts(ctx context.Context, a Actor) ([]AccountView, error) {
	if !isCLI(a) && !Can(a.Role, PermAccountAdmin) && !Can(a.Role, PermRoleAdmin) {
		return nil, s.deny(ctx, a, "account.list", "accounts", "")
	}
	accts, err := s.st.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AccountView, 0, len(accts))
	for _, x := range accts {
		out = append(out, AccountView{Name: x.Name, DisplayName: x.DisplayName, Role: x.Role, RoleName: RoleName(x.Role),
			Locked: x.Locked, MustChange: x.MustChange, TOTP: x.TOTPSecret != "",
			PasswordChangedAt: x.PasswordChangedAt.In(model.China).Format("2006-01-02 15:04"),
			CreatedAt:         x.CreatedAt.In(model.China).Format("2006-01-02 15:04")})
	}
	return out, nil
}

// tokenPrefix starts every bearer token, so that one found in a log or a
// repository is recognised.
const tokenPrefix = "yqt_"

// CreateToken creates a bearer token with a role for a machine and
// returns it (shown once: the store keeps its hash). Tokens of an
// administrator role only the CLI creates.
func (s *Service) CreateToken(ctx context.Context, a Actor, name, role string) (string, model.APIToken, error) {
	obj := "token:" + name
	if err := s.allowed(ctx, a, PermAccountAdmin, "token.create", obj); err != nil {
		return "", model.APIToken{}, err
	}
	r, ok := RoleOf(role)
	if !ok {
		return "", model.APIToken{}, fmt.Errorf("未知角色 %q，可选：%s。", role, strings.Join(RoleKeys(), "、"))
	}
	if r.Admin && !isCLI(a) {
		return "", model.APIToken{}, s.deny(ctx, a, "token.create", obj, "：管理员角色的令牌只能在服务器上用命令创建。")
	}
	if strings.TrimSpace(name) == "" {
		return "", model.APIToken{}, errors.New("令牌需要一个名称，说明给哪个系统使用。")
	}
	id, err := randomHex(8)
	if err != nil {
		return "", model.APIToken{}, err
	}
	secret, err := randomHex(32)
	if err != nil {
		return "", model.APIToken{}, err
	}
	tok := model.APIToken{ID: id, Version: s.version(0), Name: name, Role: role, Hash: sha256Hex(secret), CreatedBy: a.Account, CreatedAt: s.now()}
	if err := s.record(ctx, a, "token.create", "token:"+id, model.AuditOK, name+"，角色："+r.Name); err != nil {
		return "", model.APIToken{}, err
	}
	if err := s.st.UpsertTokens(ctx, []model.APIToken{tok}); err != nil {
		return "", model.APIToken{}, err
	}
	return tokenPrefix + id + "_" + secret, tok, nil
}

// RevokeToken revokes a bearer token by ID.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id string) error {
	obj := "token:" + id
	if err := s.allowed(ctx, a, PermAccountAdmin, "token.revoke", obj); err != nil {
		return err
	}
	tok, err := s.st.GetToken(ctx, id)
	if err != nil {
		return err
	}
	tok.Version, tok.Revoked = s.version(tok.Version), true
	if err := s.record(ctx, a, "token.revoke", obj, model.AuditOK, tok.Name); err != nil {
		return err
	}
	return s.st.UpsertTokens(ctx, []model.APIToken{tok})
}

// ListTokens returns the tokens (without their hashes' use: a hash is not
// the token), for the system administrator.
func (s *Service) ListTokens(ctx context.Context, a Actor) ([]model.APIToken, error) {
	if err := s.allowed(ctx, a, PermAccountAdmin, "token.list", "tokens"); err != nil {
		return nil, err
	}
	toks, err := s.st.ListTokens(ctx)
	for i := range toks {
		toks[i].Hash = ""
	}
	return toks, err
}

// AuthenticateToken returns the principal of a bearer token, or
// ErrNoSession for an unknown, malformed or revoked one.
func (s *Service) AuthenticateToken(ctx context.Context, bearer string) (Principal, error) {
	rest, ok := strings.CutPrefix(bearer, tokenPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || id == "" || secret == "" {
		return Principal{}, ErrNoSession
	}
	tok, err := s.st.GetToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	if tok.Revoked || tok.Hash != sha256Hex(secret) {
		return Principal{}, ErrNoSession
	}
	return Principal{Account: "token:" + tok.Name, DisplayName: tok.Name, Role: tok.Role, TokenID: tok.ID}, nil
}

// DemoPassword is the password of the demo accounts EnsureDemoAccounts
// creates: for the demo only, documented in the README.
const DemoPassword = "Demo-2026!"

// EnsureDemoAccounts creates, where missing, one demo account per role
// (named after its key, password DemoPassword, no forced change and, for
// the administrators, a TOTP secret returned so the demo can show it), so
// that a newcomer logs in at once. For `yuqing run -demo` only.
func (s *Service) EnsureDemoAccounts(ctx context.Context) (map[string]string, error) {
	secrets := map[string]string{}
	for _, r := range roles {
		a, err := s.st.GetAccount(ctx, r.Key)
		if err == nil {
			if a.TOTPSecret != "" && r.Admin {
				secrets[r.Key] = a.TOTPSecret
			}
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		hash, err := HashPassword(DemoPassword)
		if err != nil {
			return nil, err
		}
		now := s.now()
		a = model.Account{Name: r.Key, Version: s.version(0), DisplayName: "演示" + r.Name, Role: r.Key, PasswordHash: hash,
			PasswordChangedAt: now, CreatedAt: now}
		if r.Admin {
			if a.TOTPSecret, err = NewTOTPSecret(); err != nil {
				return nil, err
			}
			secrets[r.Key] = a.TOTPSecret
		}
		if err := s.record(ctx, Actor{Account: "system", Address: "demo"}, "account.add", "account:"+r.Key, model.AuditOK, "演示账号，角色："+r.Name); err != nil {
			return nil, err
		}
		if err := s.st.UpsertAccounts(ctx, []model.Account{a}); err != nil {
			return nil, err
		}
	}
	return secrets, nil
}

var validSSOName = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// SingleSignOn opens a session for a person the OpenID Connect provider
// authenticated, as the account named by the provider with the role its
// claims map to: the account is created at its first login and its role
// follows the provider's at every login. A local (password) account of
// the same name is never taken over. With secondFactor the provider's
// login counts as the administrators' second factor. Audited.
func (s *Service) SingleSignOn(ctx context.Context, name, role, addr string, secondFactor bool) (LoginResult, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	actor, obj := Actor{Account: name, Address: addr}, "account:"+name
	fail := func(why string) (LoginResult, error) {
		if err := s.record(ctx, actor, "login.sso", obj, model.AuditDenied, why); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, fmt.Errorf("%w%s", ErrForbidden, why)
	}
	r, ok := RoleOf(role)
	if !ok {
		return fail("：身份提供方的声明没有对应的角色。")
	}
	if !validSSOName.MatchString(name) || name == "cli" || name == "system" {
		return fail("：身份提供方给出的账号名无效。")
	}
	a, err := s.st.GetAccount(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		now := s.now()
		a = model.Account{Name: name, Version: s.version(0), Role: role, PasswordChangedAt: now, CreatedAt: now}
		if err := s.record(ctx, actor, "account.add", obj, model.AuditOK, "单点登录首次登录，角色："+r.Name); err != nil {
			return LoginResult{}, err
		}
	case err != nil:
		return LoginResult{}, err
	case a.PasswordHash != "":
		return fail("：同名的本地账号不能通过单点登录使用。")
	case a.Locked:
		return fail("：账号已被锁定。")
	case a.Role != role:
		if err := s.record(ctx, actor, "account.role", obj, model.AuditOK, "单点登录："+RoleName(a.Role)+" → "+r.Name); err != nil {
			return LoginResult{}, err
		}
		a.Version, a.Role = s.version(a.Version), role
	}
	a.MustChange = false // the provider owns the password
	if err := s.st.UpsertAccounts(ctx, []model.Account{a}); err != nil {
		return LoginResult{}, err
	}
	cookie, err := randomHex(32)
	if err != nil {
		return LoginResult{}, err
	}
	csrf, err := randomHex(32)
	if err != nil {
		return LoginResult{}, err
	}
	now := s.now()
	sess := model.Session{ID: sha256Hex(cookie), Version: s.version(0), Account: a.Name, CSRF: csrf, Address: addr,
		CreatedAt: now, LastSeen: now, SecondFactor: secondFactor || !s.needsTOTP(a.Role)}
	if err := s.st.UpsertSessions(ctx, []model.Session{sess}); err != nil {
		return LoginResult{}, err
	}
	if err := s.record(ctx, actor, "login.sso", obj, model.AuditOK, "角色："+r.Name); err != nil {
		return LoginResult{}, err
	}
	p := s.principal(a, &sess)
	p.MustChangePassword = false
	return LoginResult{Cookie: cookie, Session: sess, Principal: p}, nil
}
