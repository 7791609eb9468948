package console

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/store"
)

// This file is the pages and API of logins, accounts and the audit log:
// the login page and its steps (second factor, first password change,
// authenticator enrolment), logout, the accounts page (系统管理员 and
// 安全管理员), the audit page and export (审计管理员).

func (c *Console) accountRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.login)
	mux.HandleFunc("GET /login/oidc", c.oidcStart)
	mux.HandleFunc("GET /login/oidc/callback", c.oidcCallback)
	mux.HandleFunc("GET /login/totp", c.totpPage)
	mux.HandleFunc("POST /login/totp", c.totp)
	mux.HandleFunc("GET /account/totp", c.enrolPage)
	mux.HandleFunc("POST /account/totp", c.enrol)
	mux.HandleFunc("GET /account/password", c.passwordPage)
	mux.HandleFunc("POST /account/password", c.changePassword)
	mux.HandleFunc("POST /logout", c.logout)
	mux.HandleFunc("GET /api/v1/me", c.me)
	mux.HandleFunc("GET /accounts", c.accountsPage)
	mux.HandleFunc("POST /accounts/add", c.accountOp)
	mux.HandleFunc("POST /accounts/reset", c.accountOp)
	mux.HandleFunc("POST /accounts/role", c.accountOp)
	mux.HandleFunc("POST /accounts/lock", c.accountOp)
	mux.HandleFunc("POST /accounts/unlock", c.accountOp)
	mux.HandleFunc("POST /accounts/token", c.accountOp)
	mux.HandleFunc("POST /accounts/revoke", c.accountOp)
	mux.HandleFunc("GET /audit", c.auditPage)
	mux.HandleFunc("GET /api/v1/audit/export", c.auditExport)
	mux.HandleFunc("GET /api/v1/audit/verify", c.auditVerify)
}

// authPage is the data of the login pages.
type authPage struct {
	CSRFToken string
	User      User
	Error     string
	Next      string
	Name      string
	// Enrolment: the new secret, its URI and its QR code (a data: URI).
	Secret, URI string
	QR          template.URL
	// RecoveryCodes are shown once, after enrolment.
	RecoveryCodes []string
	Policy        auth.Policy
	// SSO offers the single sign-on button.
	SSO bool
}

// safeNext is next if it is a path on this site, else "".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	return next
}

// landing is where a complete login goes: next, or the role's own page.
func landing(p auth.Principal, next string) string {
	if n := safeNext(next); n != "" && n != "/login" {
		return n
	}
	switch {
	case p.Can(auth.PermRead):
		return "/"
	case p.Can(auth.PermAuditRead):
		return "/audit"
	}
	return "/accounts"
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", &authPage{Next: safeNext(r.URL.Query().Get("next")), SSO: c.oidc != nil})
}

func (c *Console) setSession(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	addr := clientAddr(r)
	// The login form has no session yet: a login from another site (login
	// CSRF) is refused by its Origin.
	if why := c.forged(r, auth.Principal{}); why != "" {
		c.audit(r, auth.Principal{}, "login", "account:"+r.PostFormValue("name"), model.AuditDenied, why)
		c.forbid(w, r, why)
		return
	}
	page := &authPage{Next: safeNext(r.PostFormValue("next")), Name: r.PostFormValue("name"), SSO: c.oidc != nil}
	if !c.logins.allow(addr, time.Now()) {
		page.Error = "登录尝试过于频繁，请一分钟后再试。"
		c.render(w, r, http.StatusTooManyRequests, "login", page)
		return
	}
	res, err := c.auth.Login(r.Context(), r.PostFormValue("name"), r.PostFormValue("password"), addr)
	if err != nil {
		var locked *auth.LockedError
		switch {
		case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrAccountLocked), errors.As(err, &locked):
			page.Error = err.Error()
			c.render(w, r, http.StatusUnauthorized, "login", page)
		default:
			c.fail(w, r, err)
		}
		return
	}
	c.setSession(w, res.Cookie, int(c.auth.Policy().MaxSessionAge/time.Second))
	next := landing(res.Principal, page.Next)
	if !res.Principal.Complete() {
		next = nextStep(res.Principal)
		if page.Next != "" {
			next += "?next=" + template.URLQueryEscaper(page.Next)
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) totpPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "totp", &authPage{Next: safeNext(r.URL.Query().Get("next"))})
}

func (c *Console) totp(w http.ResponseWriter, r *http.Request) {
	audited(r)
	p := principal(r)
	page := &authPage{Next: safeNext(r.PostFormValue("next"))}
	if err := c.auth.VerifySecondFactor(r.Context(), p, r.PostFormValue("code"), clientAddr(r)); err != nil {
		var locked *auth.LockedError
		if errors.Is(err, auth.ErrBadCode) || errors.As(err, &locked) {
			page.Error = err.Error()
			c.render(w, r, http.StatusUnauthorized, "totp", page)
			return
		}
		c.fail(w, r, err)
		return
	}
	p.NeedSecondFactor = false
	if p.MustChangePassword {
		http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, landing(p, page.Next), http.StatusSeeOther)
}

func (c *Console) enrolPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if p.Session == nil || (p.NeedSecondFactor && !p.NeedEnrolment) {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return
	}
	e, err := c.auth.NewEnrolment(p.Account)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderEnrol(w, r, http.StatusOK, &authPage{Secret: e.Secret, URI: e.URI})
}

func (c *Console) renderEnrol(w http.ResponseWriter, r *http.Request, code int, page *authPage) {
	if png, err := qrcode.Encode(page.URI, qrcode.Medium, 240); err == nil {
		page.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	}
	c.render(w, r, code, "enrol", page)
}

func (c *Console) enrol(w http.ResponseWriter, r *http.Request) {
	audited(r)
	p := principal(r)
	secret := r.PostFormValue("secret")
	codes, err := c.auth.Enrol(r.Context(), p, secret, r.PostFormValue("code"), clientAddr(r))
	if err != nil {
		if errors.Is(err, auth.ErrBadCode) || errors.Is(err, auth.ErrForbidden) || errors.Is(err, auth.ErrNoSession) {
			e, _ := c.auth.NewEnrolment(p.Account)
			c.renderEnrol(w, r, http.StatusBadRequest, &authPage{Error: err.Error(), Secret: secret,
				URI: strings.Replace(e.URI, e.Secret, secret, 1)})
			return
		}
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "enrol", &authPage{RecoveryCodes: codes})
}

func (c *Console) passwordPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "password", &authPage{Policy: c.auth.Policy()})
}

func (c *Console) changePassword(w http.ResponseWriter, r *http.Request) {
	audited(r)
	p := principal(r)
	if p.NeedSecondFactor {
		http.Redirect(w, r, nextStep(p), http.StatusSeeOther)
		return
	}
	page := &authPage{Policy: c.auth.Policy()}
	next, again := r.PostFormValue("new"), r.PostFormValue("again")
	if next != again {
		page.Error = "两次输入的新密码不一致。"
		c.render(w, r, http.StatusBadRequest, "password", page)
		return
	}
	if err := c.auth.ChangePassword(r.Context(), p, r.PostFormValue("current"), next, clientAddr(r)); err != nil {
		var pe *auth.PolicyError
		if errors.As(err, &pe) || strings.Contains(err.Error(), "当前密码错误") {
			page.Error = err.Error()
			c.render(w, r, http.StatusBadRequest, "password", page)
			return
		}
		c.fail(w, r, err)
		return
	}
	p.MustChangePassword = false
	http.Redirect(w, r, landing(p, ""), http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	audited(r)
	if err := c.auth.Logout(r.Context(), principal(r), clientAddr(r)); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setSession(w, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// me answers who the request is from and what they may do.
func (c *Console) me(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	role, _ := auth.RoleOf(p.Role)
	csrf := ""
	if p.Session != nil {
		csrf = p.Session.CSRF // readable only by the console's own pages (same origin)
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": p.Account, "name": p.DisplayName, "role": p.Role,
		"role_name": role.Name, "permissions": nonNil(role.Perms), "complete": p.Complete(), "csrf_token": csrf})
}

// accountsPageData is the accounts page.
type accountsPageData struct {
	CSRFToken string
	User      User
	Message   string
	Error     string
	Accounts  []auth.AccountView
	Tokens    []model.APIToken
	// NewToken is a token just created, shown once.
	NewToken string
	Roles    []auth.Role
	// BusinessRoles are the roles the system administrator may give a
	// new account.
	BusinessRoles []auth.Role
	CanAccounts   bool
	CanRoles      bool
}

func (c *Console) accountsPage(w http.ResponseWriter, r *http.Request) {
	c.showAccounts(w, r, http.StatusOK, "", "", "")
}

func (c *Console) showAccounts(w http.ResponseWriter, r *http.Request, code int, msg, errText, newToken string) {
	p := principal(r)
	if !p.Can(auth.PermAccountAdmin) && !p.Can(auth.PermRoleAdmin) {
		c.allow(w, r, auth.PermAccountAdmin)
		return
	}
	actor := p.Actor(clientAddr(r))
	accts, err := c.auth.ListAccounts(r.Context(), actor)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := &accountsPageData{Message: msg, Error: errText, Accounts: accts, NewToken: newToken, Roles: auth.Roles(),
		CanAccounts: p.Can(auth.PermAccountAdmin), CanRoles: p.Can(auth.PermRoleAdmin)}
	for _, role := range d.Roles {
		if !role.Admin {
			d.BusinessRoles = append(d.BusinessRoles, role)
		}
	}
	if d.CanAccounts {
		if d.Tokens, err = c.auth.ListTokens(r.Context(), actor); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, code, "accounts", d)
}

// accountOp applies one form of the accounts page; the service audits it.
func (c *Console) accountOp(w http.ResponseWriter, r *http.Request) {
	audited(r)
	ctx, p := r.Context(), principal(r)
	a := p.Actor(clientAddr(r))
	f := r.PostFormValue
	var (
		err      error
		msg      string
		newToken string
	)
	switch strings.TrimPrefix(r.URL.Path, "/accounts/") {
	case "add":
		err, msg = c.auth.AddAccount(ctx, a, f("name"), f("display_name"), f("role"), f("password")), "已创建账号 "+f("name")+"，首次登录须修改密码。"
	case "reset":
		err, msg = c.auth.ResetPassword(ctx, a, f("name"), f("password")), "已重置 "+f("name")+" 的密码，下次登录须修改。"
	case "role":
		err, msg = c.auth.SetRole(ctx, a, f("name"), f("role")), "已将 "+f("name")+" 的角色改为"+auth.RoleName(f("role"))+"。"
	case "lock":
		err, msg = c.auth.SetLocked(ctx, a, f("name"), true), "已锁定 "+f("name")+"。"
	case "unlock":
		err, msg = c.auth.SetLocked(ctx, a, f("name"), false), "已解锁 "+f("name")+"。"
	case "token":
		newToken, _, err = c.auth.CreateToken(ctx, a, f("name"), f("role"))
		msg = "已创建令牌 " + f("name") + "，请立即复制，此后不再显示。"
	case "revoke":
		err, msg = c.auth.RevokeToken(ctx, a, f("id")), "已吊销令牌。"
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		code := http.StatusBadRequest
		switch {
		case errors.Is(err, auth.ErrForbidden):
			code = http.StatusForbidden
		case errors.Is(err, store.ErrNotFound):
			code, err = http.StatusNotFound, errors.New("没有这个账号或令牌。")
		}
		c.showAccounts(w, r, code, "", err.Error(), "")
		return
	}
	c.showAccounts(w, r, http.StatusOK, msg, "", newToken)
}

// auditPageData is the audit page.
type auditPageData struct {
	CSRFToken string
	User      User
	Report    audit.Report
	Records   []auditRow
	Since     string
}

type auditRow struct {
	At, Account, Address, Action, Object, Result, Detail string
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) {
	since := c.now().Add(-7 * 24 * time.Hour)
	rep, err := audit.Verify(r.Context(), c.auth.Audit().Store())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	recs, err := c.auth.Audit().Store().ListAudit(r.Context(), store.AuditQuery{Since: since})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := &auditPageData{Report: rep, Since: since.In(model.China).Format("2006-01-02")}
	for i := len(recs) - 1; i >= 0 && len(d.Records) < 500; i-- {
		x := recs[i]
		d.Records = append(d.Records, auditRow{At: x.At.In(model.China).Format("2006-01-02 15:04:05"), Account: x.Account,
			Address: x.Address, Action: readmodel.AuditAction(x.Action), Object: x.Object, Result: audit.ResultName(x.Result), Detail: x.Detail})
	}
	c.render(w, r, http.StatusOK, "audit", d)
}

// auditExport answers the records since the since parameter (RFC 3339 or
// a date, China time) as CSV; the export itself is audited.
func (c *Console) auditExport(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, model.China)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, v); err != nil {
				writeJSON(w, http.StatusBadRequest, apiError{"invalid query parameter since=" + v + ": not a date such as 2026-11-01 or an RFC 3339 time"})
				return
			}
		}
		since = t
	}
	var buf bytes.Buffer
	n, err := audit.Export(r.Context(), c.auth.Audit().Store(), since, &buf)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.audit(r, principal(r), "audit.export", "audit_log", model.AuditOK, "导出 "+strconv.Itoa(n)+" 条")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	_, _ = w.Write([]byte("\ufeff")) // so that spreadsheet programs read UTF-8
	_, _ = w.Write(buf.Bytes())
}

func (c *Console) auditVerify(w http.ResponseWriter, r *http.Request) {
	rep, err := audit.Verify(r.Context(), c.auth.Audit().Store())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": rep.Records, "chains": rep.Chains, "ok": rep.OK(), "problems": nonNil(rep.Problems)})
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
