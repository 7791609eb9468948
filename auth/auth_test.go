package auth

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// TestTOTPVectors checks the TOTP of RFC 6238 against its appendix B.
func TestTOTPVectors(t *testing.T) {
	keys := map[string][]byte{
		"SHA1":   []byte("12345678901234567890"),
		"SHA256": []byte("12345678901234567890123456789012"),
		"SHA512": []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	hashes := map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}
	vectors := []struct {
		unix  int64
		codes map[string]string
	}{
		{59, map[string]string{"SHA1": "94287082", "SHA256": "46119246", "SHA512": "90693936"}},
		{1111111109, map[string]string{"SHA1": "07081804", "SHA256": "68084774", "SHA512": "25091201"}},
		{1111111111, map[string]string{"SHA1": "14050471", "SHA256": "67062674", "SHA512": "99943326"}},
		{1234567890, map[string]string{"SHA1": "89005924", "SHA256": "91819424", "SHA512": "93441116"}},
		{2000000000, map[string]string{"SHA1": "69279037", "SHA256": "90698825", "SHA512": "38618901"}},
		{20000000000, map[string]string{"SHA1": "65353130", "SHA256": "77737706", "SHA512": "47863826"}},
	}
	for _, v := range vectors {
		for alg, want := range v.codes {
			if got := totpCode(hashes[alg], keys[alg], time.Unix(v.unix, 0), 8); got != want {
				t.Errorf("TOTP-%s at %d = %s, want %s", alg, v.unix, got, want)
			}
		}
	}
	// The six-digit SHA-1 codes authenticator apps show are the last six
	// digits of the same values.
	secret := b32.EncodeToString(keys["SHA1"])
	code, err := TOTPCode(secret, time.Unix(59, 0))
	if err != nil || code != "287082" {
		t.Errorf("TOTPCode at 59 = %s, %v; want 287082", code, err)
	}
	if !CheckTOTP(secret, "287082", time.Unix(59+30, 0)) || CheckTOTP(secret, "287082", time.Unix(59+90, 0)) {
		t.Error("CheckTOTP accepts a code one step off but must not accept three steps off")
	}
}

func TestPasswordPolicy(t *testing.T) {
	p := DefaultPolicy()
	for pw, want := range map[string]string{
		"Ab1!":          "至少需要 8 个字符",
		"abcdefgh":      "至少 3 类",
		"abcdefg1":      "至少 3 类",
		"Zhangsan-2026": "不能包含账号名",
		"Qinglan-2026":  "",
		"青岚县Aa1证明":      "",
	} {
		err := p.CheckPassword("zhangsan", pw)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckPassword(%q) = %v, want %q", pw, err, want)
		}
	}
	h, err := HashPassword("Qinglan-2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || !CheckHash(h, "Qinglan-2026") || CheckHash(h, "Qinglan-2027") {
		t.Errorf("hash %s does not check as argon2id", h)
	}
}

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newService(t *testing.T) (*Service, *clock, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC)}
	log, err := audit.New(st, audit.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Store: st, Audit: log, Policy: DefaultPolicy(), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, st
}

func auditActions(t *testing.T, st store.Audit) []string {
	t.Helper()
	recs, err := st.ListAudit(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Account+" "+r.Address+" "+r.Action+" "+r.Object+" "+r.Result)
	}
	return out
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	ctx := context.Background()
	s, c, st := newService(t)
	if err := s.AddAccount(ctx, CLI(), "zhang", "张三", RoleDuty, "Qinglan-2026"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		_, err := s.Login(ctx, "zhang", "wrong-Password1", "10.0.0.1")
		if i < 4 && !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v, want ErrBadCredentials", i+1, err)
		}
		if i == 4 && !errors.As(err, new(*LockedError)) {
			t.Fatalf("failure 5: %v, want locked", err)
		}
	}
	// The right password is refused while the lock lasts, from another
	// address too (the account is locked).
	if _, err := s.Login(ctx, "zhang", "Qinglan-2026", "10.0.0.2"); !errors.As(err, new(*LockedError)) {
		t.Fatalf("right password while locked: %v, want locked", err)
	}
	c.Add(29 * time.Minute)
	if _, err := s.Login(ctx, "zhang", "Qinglan-2026", "10.0.0.2"); !errors.As(err, new(*LockedError)) {
		t.Fatalf("right password after 29 minutes: %v, want locked", err)
	}
	c.Add(2 * time.Minute)
	if _, err := s.Login(ctx, "zhang", "Qinglan-2026", "10.0.0.2"); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	got := strings.Join(auditActions(t, st), "\n")
	for _, want := range []string{
		"zhang 10.0.0.1 login account:zhang failed",
		"zhang 10.0.0.1 login account:zhang locked",
		"zhang 10.0.0.2 login account:zhang locked",
		"zhang 10.0.0.2 login account:zhang ok",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "login account:zhang failed"); n != 4 {
		t.Errorf("%d failures audited, want 4 (and the fifth as the lockout)", n)
	}
}

func TestLockoutPerAddress(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	for _, n := range []string{"a1", "a2"} {
		if err := s.AddAccount(ctx, CLI(), n, "", RoleViewer, "Qinglan-2026"); err != nil {
			t.Fatal(err)
		}
	}
	// Guessing across accounts from one address locks the address.
	for i := range 5 {
		_, _ = s.Login(ctx, []string{"a1", "a2", "x", "y", "z"}[i], "wrong-Password1", "10.9.9.9")
	}
	if _, err := s.Login(ctx, "a1", "Qinglan-2026", "10.9.9.9"); !errors.As(err, new(*LockedError)) {
		t.Fatalf("from the guessing address: %v, want locked", err)
	}
	if _, err := s.Login(ctx, "a1", "Qinglan-2026", "10.0.0.1"); err != nil {
		t.Fatalf("from another address: %v", err)
	}
}

func TestSessionTimeouts(t *testing.T) {
	ctx := context.Background()
	s, c, _ := newService(t)
	if err := s.AddAccount(ctx, CLI(), "zhang", "", RoleDuty, "Qinglan-2026"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Login(ctx, "zhang", "Qinglan-2026", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate(ctx, res.Cookie)
	if err != nil || !p.MustChangePassword || p.Can(PermAcknowledge) {
		t.Fatalf("first login: %+v, %v; want a forced password change before anything", p, err)
	}
	if err := s.ChangePassword(ctx, p, "Qinglan-2026", "Qinglan-2026", "10.0.0.1"); err == nil {
		t.Fatal("the same password was accepted again")
	}
	if err := s.ChangePassword(ctx, p, "Qinglan-2026", "Lanzhou-2027", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	// Used every 29 minutes, the session lives until 12 hours.
	for range 24 {
		c.Add(29 * time.Minute)
		if p, err = s.Authenticate(ctx, res.Cookie); err != nil || !p.Can(PermAcknowledge) || p.Can(PermClose) {
			t.Fatalf("after %s: %+v, %v", c.Now().Sub(res.Session.CreatedAt), p, err)
		}
	}
	c.Add(29 * time.Minute) // 12 h 05 min
	if _, err := s.Authenticate(ctx, res.Cookie); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after 12 hours: %v, want ErrNoSession", err)
	}
	res, err = s.Login(ctx, "zhang", "Lanzhou-2027", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(31 * time.Minute)
	if _, err := s.Authenticate(ctx, res.Cookie); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle 31 minutes: %v, want ErrNoSession", err)
	}
	res, _ = s.Login(ctx, "zhang", "Lanzhou-2027", "10.0.0.1")
	p, _ = s.Authenticate(ctx, res.Cookie)
	if err := s.Logout(ctx, p, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, res.Cookie); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after logout: %v, want ErrNoSession", err)
	}
	// 90 days later the password must be changed.
	res, _ = s.Login(ctx, "zhang", "Lanzhou-2027", "10.0.0.1")
	c.Add(91 * 24 * time.Hour)
	res, _ = s.Login(ctx, "zhang", "Lanzhou-2027", "10.0.0.1")
	if p, _ := s.Authenticate(ctx, res.Cookie); !p.MustChangePassword {
		t.Error("a password of 91 days does not have to be changed")
	}
}

func TestPasswordHistory(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	if err := s.AddAccount(ctx, CLI(), "zhang", "", RoleDuty, "Pass-0000"); err != nil {
		t.Fatal(err)
	}
	p := Principal{Account: "zhang", Role: RoleDuty}
	cur := "Pass-0000"
	for i := 1; i <= 5; i++ {
		next := "Pass-000" + string(rune('0'+i))
		if err := s.ChangePassword(ctx, p, cur, next, "a"); err != nil {
			t.Fatal(err)
		}
		cur = next
	}
	// Passwords 1 to 5 are the current and the four before it: all refused.
	for i := 1; i <= 5; i++ {
		if err := s.ChangePassword(ctx, p, cur, "Pass-000"+string(rune('0'+i)), "a"); err == nil {
			t.Errorf("password %d reused", i)
		}
	}
	if err := s.ChangePassword(ctx, p, cur, "Pass-0000", "a"); err != nil {
		t.Errorf("the sixth password back was refused: %v", err)
	}
}

func TestSecondFactor(t *testing.T) {
	ctx := context.Background()
	s, c, _ := newService(t)
	s.policy.ChangeOnFirstLogin = false
	if err := s.AddAccount(ctx, CLI(), "audit1", "", RoleAuditor, "Qinglan-2026"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Login(ctx, "audit1", "Qinglan-2026", "a")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Authenticate(ctx, res.Cookie)
	if !p.NeedSecondFactor || !p.NeedEnrolment || p.Can(PermAuditRead) {
		t.Fatalf("administrator without a second factor: %+v", p)
	}
	e, err := s.NewEnrolment("audit1")
	if err != nil || !strings.HasPrefix(e.URI, "otpauth://totp/yuqing:audit1?") {
		t.Fatalf("enrolment %+v, %v", e, err)
	}
	if _, err := s.Enrol(ctx, p, e.Secret, "000000", "a"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("Enrol with a wrong code: %v", err)
	}
	code, _ := TOTPCode(e.Secret, c.Now())
	codes, err := s.Enrol(ctx, p, e.Secret, code, "a")
	if err != nil || len(codes) != 10 {
		t.Fatalf("Enrol = %v, %v", codes, err)
	}
	if p, _ = s.Authenticate(ctx, res.Cookie); !p.Can(PermAuditRead) || p.Can(PermRead) {
		t.Fatalf("after enrolment: %+v", p)
	}
	// The next login needs a code; a recovery code works once.
	res, _ = s.Login(ctx, "audit1", "Qinglan-2026", "a")
	p, _ = s.Authenticate(ctx, res.Cookie)
	if !p.NeedSecondFactor || p.NeedEnrolment {
		t.Fatalf("second login: %+v", p)
	}
	if err := s.VerifySecondFactor(ctx, p, codes[0], "a"); err != nil {
		t.Fatal(err)
	}
	res, _ = s.Login(ctx, "audit1", "Qinglan-2026", "a")
	p, _ = s.Authenticate(ctx, res.Cookie)
	if err := s.VerifySecondFactor(ctx, p, codes[0], "a"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a recovery code used twice: %v", err)
	}
	c.Add(time.Minute)
	code, _ = TOTPCode(e.Secret, c.Now())
	if err := s.VerifySecondFactor(ctx, p, code, "a"); err != nil {
		t.Fatal(err)
	}
}

// TestSeparationOfDuties: the three administrators cannot do each
// other's work (三员分立).
func TestSeparationOfDuties(t *testing.T) {
	ctx := context.Background()
	s, _, st := newService(t)
	for _, a := range []struct{ name, role string }{{"sys", RoleSysAdmin}, {"sec", RoleSecAdmin}, {"aud", RoleAuditor}, {"zhang", RoleDuty}} {
		if err := s.AddAccount(ctx, CLI(), a.name, "", a.role, "Qinglan-2026"); err != nil {
			t.Fatal(err)
		}
	}
	sys := Actor{Account: "sys", Role: RoleSysAdmin, Address: "a"}
	sec := Actor{Account: "sec", Role: RoleSecAdmin, Address: "a"}
	aud := Actor{Account: "aud", Role: RoleAuditor, Address: "a"}
	denied := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", what, err)
		}
	}
	// The system administrator creates business accounts, not
	// administrators, and assigns no roles.
	if err := s.AddAccount(ctx, sys, "li", "", RoleHandler, "Qinglan-2026"); err != nil {
		t.Errorf("sysadmin adds a handler: %v", err)
	}
	denied("sysadmin adds an auditor", s.AddAccount(ctx, sys, "evil", "", RoleAuditor, "Qinglan-2026"))
	denied("sysadmin sets a role", s.SetRole(ctx, sys, "zhang", RoleAuditor))
	denied("sysadmin locks", s.SetLocked(ctx, sys, "aud", true))
	denied("sysadmin resets the auditor's password", s.ResetPassword(ctx, sys, "aud", "Another-2026"))
	// The security administrator assigns roles and locks, but creates
	// no account, sets no password and never changes their own role.
	if err := s.SetRole(ctx, sec, "zhang", RoleHandler); err != nil {
		t.Errorf("secadmin sets a role: %v", err)
	}
	if err := s.SetLocked(ctx, sec, "zhang", true); err != nil {
		t.Errorf("secadmin locks: %v", err)
	}
	denied("secadmin adds an account", s.AddAccount(ctx, sec, "x1", "", RoleViewer, "Qinglan-2026"))
	denied("secadmin resets a password", s.ResetPassword(ctx, sec, "zhang", "Another-2026"))
	denied("secadmin changes own role", s.SetRole(ctx, sec, "sec", RoleAuditor))
	_, _, err := s.CreateToken(ctx, sec, "grafana", RoleViewer)
	denied("secadmin creates a token", err)
	// The auditor does none of it.
	denied("auditor adds", s.AddAccount(ctx, aud, "x2", "", RoleViewer, "Qinglan-2026"))
	denied("auditor sets a role", s.SetRole(ctx, aud, "zhang", RoleViewer))
	denied("auditor unlocks", s.SetLocked(ctx, aud, "zhang", false))
	_, err = s.ListAccounts(ctx, aud)
	denied("auditor lists accounts", err)
	// And by permission: the three share none, and none of them acts on
	// incidents; only the auditor reads the audit log.
	for _, r := range []string{RoleSysAdmin, RoleSecAdmin, RoleAuditor} {
		for _, perm := range []string{PermRead, PermClose, PermWaive, PermAcknowledge} {
			if Can(r, perm) {
				t.Errorf("%s may %s", r, perm)
			}
		}
		if Can(r, PermAuditRead) != (r == RoleAuditor) {
			t.Errorf("%s audit.read = %v", r, Can(r, PermAuditRead))
		}
	}
	got := strings.Join(auditActions(t, st), "\n")
	for _, want := range []string{"sys a account.add account:evil denied", "sec a account.role account:sec denied", "aud a account.list accounts denied"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	sys := Actor{Account: "sys", Role: RoleSysAdmin, Address: "a"}
	tok, rec, err := s.CreateToken(ctx, sys, "grafana", RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AuthenticateToken(ctx, tok)
	if err != nil || p.Role != RoleViewer || !p.Can(PermRead) || p.Can(PermClose) {
		t.Fatalf("token principal %+v, %v", p, err)
	}
	if _, err := s.AuthenticateToken(ctx, tok+"x"); !errors.Is(err, ErrNoSession) {
		t.Errorf("altered token: %v", err)
	}
	if _, _, err := s.CreateToken(ctx, sys, "siem", RoleAuditor); !errors.Is(err, ErrForbidden) {
		t.Errorf("sysadmin creates an auditor token: %v", err)
	}
	if err := s.RevokeToken(ctx, sys, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, tok); !errors.Is(err, ErrNoSession) {
		t.Errorf("revoked token: %v", err)
	}
	toks, _ := s.ListTokens(ctx, sys)
	if len(toks) != 1 || toks[0].Hash != "" || !toks[0].Revoked {
		t.Errorf("ListTokens = %+v", toks)
	}
}

func TestRoleKeysAgreeWithModel(t *testing.T) {
	if got := strings.Join(RoleKeys(), ","); got != strings.Join(model.RoleKeys, ",") {
		t.Errorf("auth roles %s, model.RoleKeys %s", got, strings.Join(model.RoleKeys, ","))
	}
}
