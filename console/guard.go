package console

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
)

// This file is the console's guard: every request passes it before the
// routes. It sets the security headers on every response, refuses a Host
// that is not the console's (DNS rebinding), authenticates the request (a
// session cookie or an Authorization: Bearer token), sends a person
// without a session to the login page and a program to 401, checks the
// Origin and the CSRF token of every state-changing request, checks the
// route's permission (routePerms in routes.go; a state-changing route
// without an entry is refused, so a new route is closed until it is
// given one), and audits every denial and every change.

// sessionCookie is the name of the session cookie.
const sessionCookie = "yuqing_session"

// Route guards other than a permission (routePerms).
const (
	// public routes need no login: the login page, the static files, the
	// signed acknowledgement links.
	public = "public"
	// loginStep routes need a session whose login may be incomplete
	// (second factor, password change) : the steps that complete it.
	loginStep = "login-step"
	// byHandler routes need a complete login; the handler checks the
	// permission, which depends on the body (an incident's action).
	byHandler = "by-handler"
)

// contentSecurityPolicy forbids inline script and style, framing, plugins
// and posting forms elsewhere. Images may be data: URIs (the QR code of
// the second-factor enrolment).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// reqInfo is what the guard knows of a request, in its context; a handler
// may name the audited action and object more precisely (note).
type reqInfo struct {
	p      auth.Principal
	addr   string
	action string
	object string
	detail string
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// principal returns the request's authenticated principal.
func principal(r *http.Request) auth.Principal { return info(r).p }

// actorName is who a change is recorded as: the authenticated account.
func actorName(r *http.Request) string { return info(r).p.Account }

// note names the audited action, object and detail of a change.
func note(r *http.Request, action, object, detail string) {
	i := info(r)
	i.action, i.object, i.detail = action, object, detail
}

// clientAddr is the client's address (the TCP peer: a reverse proxy in
// front of the console is the peer, and its access log names the client).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func stateChanging(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// statusWriter records the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// guard wraps the routes.
func (c *Console) guard(next *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin") // no-referrer would make browsers send Origin: null
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if c.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !c.hostAllowed(r.Host) {
			http.Error(w, "主机名不被接受。", http.StatusMisdirectedRequest)
			return
		}
		_, pattern := next.Handler(r)
		guard, known := routePerms[pattern]
		if !known && !stateChanging(r.Method) && pattern != "" {
			guard = auth.PermRead // a new page or read is for readers
		}
		if pattern == "" {
			guard = public // not found or method not allowed: the mux answers
		}
		i := &reqInfo{addr: clientAddr(r), object: r.URL.Path}
		if !strings.Contains(pattern, " ") {
			pattern = r.Method + " " + pattern // a route registered without a method
		}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, i))
		if guard == public {
			next.ServeHTTP(w, r)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/assets/") {
			h.Set("Cache-Control", "no-store")
		}
		p, err := c.authenticate(r)
		if err != nil {
			if err != auth.ErrNoSession {
				c.fail(w, r, err)
				return
			}
			if stateChanging(r.Method) {
				c.audit(r, auth.Principal{}, pattern, r.URL.Path, model.AuditDenied, "未登录")
			}
			if isPage(r) {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			writeJSON(w, http.StatusUnauthorized, apiError{"authentication required: log in or send Authorization: Bearer TOKEN"})
			return
		}
		i.p = p
		if stateChanging(r.Method) {
			if why := c.forged(r, p); why != "" {
				c.audit(r, p, pattern, r.URL.Path, model.AuditDenied, why)
				c.forbid(w, r, why)
				return
			}
		}
		if guard != loginStep && !p.Complete() {
			if isPage(r) {
				http.Redirect(w, r, nextStep(p), http.StatusSeeOther)
				return
			}
			c.audit(r, p, pattern, r.URL.Path, model.AuditDenied, "登录未完成")
			c.forbid(w, r, "请先完成登录（动态口令或修改密码）。")
			return
		}
		if guard != loginStep && guard != byHandler && !p.Can(guard) {
			c.audit(r, p, pattern, r.URL.Path, model.AuditDenied, "缺少权限 "+guard)
			c.forbid(w, r, "当前角色（"+p.RoleName()+"）无权进行此操作。")
			return
		}
		if !stateChanging(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if i.action == "-" {
			return // the handler audited it itself
		}
		result := model.AuditOK
		if sw.code >= 400 {
			result = model.AuditFailed
			if sw.code == http.StatusForbidden {
				result = model.AuditDenied
			}
		}
		action := i.action
		if action == "" {
			action = r.Method + " " + pattern
		}
		c.audit(r, p, action, i.object, result, strings.TrimSpace(i.detail+" HTTP "+http.StatusText(sw.code)))
	})
}

// audited marks a request whose handler wrote its audit record itself.
func audited(r *http.Request) { info(r).action = "-" }

// isPage reports whether the request is for a page (not the JSON API), so
// that a missing login redirects rather than answers 401.
func isPage(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/") && (r.Method == http.MethodGet || r.Method == http.MethodHead)
}

// nextStep is the page that completes an incomplete login.
func nextStep(p auth.Principal) string {
	switch {
	case p.NeedEnrolment:
		return "/account/totp"
	case p.NeedSecondFactor:
		return "/login/totp"
	}
	return "/account/password"
}

// authenticate returns the request's principal from its bearer token or
// session cookie, or auth.ErrNoSession.
func (c *Console) authenticate(r *http.Request) (auth.Principal, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		tok, ok := strings.CutPrefix(a, "Bearer ")
		if !ok {
			return auth.Principal{}, auth.ErrNoSession
		}
		return c.auth.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.Principal{}, auth.ErrNoSession
	}
	return c.auth.Authenticate(r.Context(), ck.Value)
}

// forged returns why a state-changing request is refused as possibly
// forged by another site, or "": its Origin (or, without one, its
// Referer) must be the console's own, a cross-site fetch is refused, and
// a session's request must repeat the session's CSRF token (header
// X-CSRF-Token or form field csrf_token). A bearer token is no ambient
// credential and needs no CSRF token.
func (c *Console) forged(r *http.Request, p auth.Principal) string {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return "跨站请求"
	}
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src != "" {
		u, err := url.Parse(src)
		if err != nil || u.Host != r.Host {
			return "请求来源 " + src + " 不是本系统"
		}
	}
	if p.Session == nil {
		return ""
	}
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		tok = r.PostFormValue("csrf_token")
	}
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(p.Session.CSRF)) != 1 {
		return "缺少或错误的 CSRF 令牌"
	}
	return ""
}

// hostAllowed reports whether a request's Host is the console's: one of
// the configured hosts, an IP address or localhost. A DNS name that
// merely resolves to the console (DNS rebinding) is refused.
func (c *Console) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || net.ParseIP(host) != nil {
		return true
	}
	for _, a := range c.hosts {
		if strings.EqualFold(a, host) || strings.EqualFold(a, hostport) {
			return true
		}
	}
	return false
}

// forbid answers 403: a page for a person, JSON for a program.
func (c *Console) forbid(w http.ResponseWriter, r *http.Request, why string) {
	if isPage(r) || r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		c.render(w, r, http.StatusForbidden, "message", map[string]string{"Head": "无权操作", "Text": why})
		return
	}
	writeJSON(w, http.StatusForbidden, apiError{"forbidden: " + why})
}

// audit records what a request did or was refused.
func (c *Console) audit(r *http.Request, p auth.Principal, action, object, result, detail string) {
	err := c.auth.Audit().Record(r.Context(), audit.Entry{Account: p.Account, Address: clientAddr(r), Action: action,
		Object: object, Result: result, Detail: detail})
	if err != nil {
		c.log.Error("cannot audit a request", "action", action, "err", err)
	}
}

// allow checks a permission inside a handler (for a permission that
// depends on the body), answering 403 and auditing the denial when the
// principal lacks it.
func (c *Console) allow(w http.ResponseWriter, r *http.Request, perm string) bool {
	p := principal(r)
	if p.Can(perm) {
		return true
	}
	audited(r)
	c.audit(r, p, "request."+perm, r.URL.Path, model.AuditDenied, "缺少权限 "+perm)
	c.forbid(w, r, "当前角色（"+p.RoleName()+"）无权进行此操作（"+perm+"）。")
	return false
}

// User is the signed-in person as pages show it.
type User struct {
	Name, DisplayName, Role, RoleName string
}

// fillSession sets the CSRFToken and User fields of a page's data, when
// it has them, for the request's principal; it returns the value to
// render (a copy when data is a struct value).
func fillSession(data any, r *http.Request) any {
	v := reflect.ValueOf(data)
	if !v.IsValid() {
		return data
	}
	if v.Kind() != reflect.Pointer {
		if v.Kind() != reflect.Struct {
			return data
		}
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		v = p
		data = p.Interface()
	}
	e := v.Elem()
	if e.Kind() != reflect.Struct {
		return data
	}
	p := principal(r)
	if f := e.FieldByName("CSRFToken"); f.IsValid() && f.CanSet() && f.Kind() == reflect.String && p.Session != nil {
		f.SetString(p.Session.CSRF)
	}
	if f := e.FieldByName("User"); f.IsValid() && f.CanSet() {
		u := reflect.ValueOf(userOf(p))
		switch {
		case u.Type().AssignableTo(f.Type()):
			f.Set(u)
		case f.Kind() == reflect.String:
			f.SetString(p.DisplayName)
		case f.Kind() == reflect.Struct:
			// A page's own user type: its string fields of the same names.
			for i := range u.NumField() {
				if g := f.FieldByName(u.Type().Field(i).Name); g.IsValid() && g.CanSet() && g.Kind() == reflect.String {
					g.SetString(u.Field(i).String())
				}
			}
		}
	}
	return data
}

func userOf(p auth.Principal) User {
	return User{Name: p.Account, DisplayName: p.DisplayName, Role: p.Role, RoleName: p.RoleName()}
}

// loginLimiter bounds login attempts per client address (on top of the
// lockout after failures): at most loginBurst in loginWindow.
type loginLimiter struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

const (
	loginBurst  = 10
	loginWindow = time.Minute
)

func (l *loginLimiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil || len(l.seen) > 10000 {
		l.seen = map[string][]time.Time{}
	}
	ts := l.seen[addr]
	for len(ts) > 0 && now.Sub(ts[0]) > loginWindow {
		ts = ts[1:]
	}
	if len(ts) >= loginBurst {
		l.seen[addr] = ts
		return false
	}
	l.seen[addr] = append(ts, now)
	return true
}
