package console

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
)

// routePatterns returns every route the console's source registers
// (mux.Handle and mux.HandleFunc with a literal pattern), so a route added
// later is covered by the tests below without listing it.
func routePatterns(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var out []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				p, _ := strconv.Unquote(lit.Value)
				out = append(out, p)
			}
			return true
		})
	}
	if len(out) < 20 {
		t.Fatalf("found only %d routes: %v", len(out), out)
	}
	return out
}

// concrete returns a request path for a pattern.
func concrete(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{op}", "add")
	for strings.Contains(path, "{") {
		i, j := strings.Index(path, "{"), strings.Index(path, "}")
		path = path[:i] + "INC-1" + path[j+1:]
	}
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "console.css"
	}
	return method, path
}

func stateChangingPattern(p string) bool {
	m, _, _ := strings.Cut(p, " ")
	return stateChanging(m)
}

// TestAnonymousRequests: without a session every page redirects to the
// login page and every API call and every state-changing request is
// refused 401, for every route of the source but the public ones.
func TestAnonymousRequests(t *testing.T) {
	srv, st, _ := newServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, pattern := range routePatterns(t) {
		if routePerms[pattern] == public {
			continue
		}
		if stateChangingPattern(pattern) {
			if _, ok := routePerms[pattern]; !ok {
				t.Errorf("state-changing route %s has no entry in routePerms (it is refused to everyone)", pattern)
			}
		}
		method, path := concrete(pattern)
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{"action":"close"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case method == http.MethodGet && !strings.HasPrefix(path, "/api/"):
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
				t.Errorf("anonymous GET %s = %d to %q, want 303 to the login page", path, resp.StatusCode, loc)
			}
		default:
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous %s %s = %d, want 401", method, path, resp.StatusCode)
			}
		}
	}
	if h, _ := st.ListHistory(context.Background(), "INC-1"); len(h) != 0 {
		t.Errorf("anonymous requests wrote history %+v", h)
	}
}

// TestRoleWithoutPermission: for every state-changing route with a
// permission, a role without it is refused 403 and the denial is in the
// audit log.
func TestRoleWithoutPermission(t *testing.T) {
	srv, _, c := newServer(t)
	for _, pattern := range routePatterns(t) {
		perm := routePerms[pattern]
		if !stateChangingPattern(pattern) || perm == public || perm == loginStep || perm == byHandler {
			continue
		}
		i := slices.IndexFunc(auth.Roles(), func(r auth.Role) bool { return !r.Can(perm) })
		role := auth.Roles()[i].Key
		useRole(t, srv, role)
		method, path := concrete(pattern)
		body, ctype := `{}`, "application/json"
		if strings.HasPrefix(path, "/accounts/") {
			body, ctype = "name=x", "application/x-www-form-urlencoded"
		}
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		resp, err := clientFor(srv.URL).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as %s (without %s) = %d, want 403", method, path, role, perm, resp.StatusCode)
		}
		want := role + " " + pattern + " " + path + " denied 缺少权限 " + perm
		if recs := auditRecords(t, c); !slices.Contains(recs, want) {
			t.Errorf("audit log lacks %q:\n%s", want, strings.Join(recs[max(0, len(recs)-3):], "\n"))
		}
	}
	// The permission of an incident's action depends on the action: the
	// duty officer acknowledges but may not close.
	useRole(t, srv, auth.RoleDuty)
	if code, body := post(t, srv.URL+"/api/v1/incidents/INC-1/actions", `{"action":"close"}`); code != 403 {
		t.Errorf("duty closes = %d %s, want 403", code, body)
	}
	if code, body := post(t, srv.URL+"/api/v1/incidents/INC-1/actions", `{"action":"acknowledge"}`); code != 202 {
		t.Errorf("duty acknowledges = %d %s, want 202", code, body)
	}
	recs := strings.Join(auditRecords(t, c), "\n")
	for _, want := range []string{"duty request.close /api/v1/incidents/INC-1/actions denied", "duty request.acknowledge incident:INC-1 ok"} {
		if !strings.Contains(recs, want) {
			t.Errorf("audit log lacks %q:\n%s", want, recs)
		}
	}
}

// TestAdministratorsSeparated: the three administrators cannot do each
// other's work, nor the business roles'.
func TestAdministratorsSeparated(t *testing.T) {
	srv, _, _ := newServer(t)
	for _, tc := range []struct {
		role, method, path, body string
		code                     int
	}{
		{auth.RoleSysAdmin, "GET", "/accounts", "", 200},
		{auth.RoleSysAdmin, "GET", "/audit", "", 403},
		{auth.RoleSysAdmin, "GET", "/api/v1/audit/export", "", 403},
		{auth.RoleSysAdmin, "GET", "/api/v1/incidents", "", 403},
		{auth.RoleSysAdmin, "POST", "/api/v1/incidents/INC-1/actions", `{"action":"close"}`, 403},
		{auth.RoleSysAdmin, "POST", "/accounts/role", "name=monitor&role=auditor", 403},
		{auth.RoleSysAdmin, "POST", "/accounts/add", "name=evil&role=auditor&password=Qinglan-2026", 403},
		{auth.RoleSysAdmin, "POST", "/accounts/add", "name=newduty&role=duty&password=Qinglan-2026", 200},
		{auth.RoleSecAdmin, "GET", "/audit", "", 403},
		{auth.RoleSecAdmin, "POST", "/accounts/add", "name=x2&role=viewer&password=Qinglan-2026", 403},
		{auth.RoleSecAdmin, "POST", "/accounts/reset", "name=monitor&password=Another-2026", 403},
		{auth.RoleSecAdmin, "POST", "/accounts/role", "name=secadmin&role=auditor", 403},
		{auth.RoleSecAdmin, "POST", "/accounts/role", "name=newduty&role=handler", 200},
		{auth.RoleSecAdmin, "POST", "/api/v1/incidents/INC-1/actions", `{"action":"close"}`, 403},
		{auth.RoleAuditor, "GET", "/audit", "", 200},
		{auth.RoleAuditor, "GET", "/api/v1/audit/export?since=2020-01-01", "", 200},
		{auth.RoleAuditor, "GET", "/accounts", "", 403},
		{auth.RoleAuditor, "POST", "/accounts/lock", "name=monitor", 403},
		{auth.RoleAuditor, "GET", "/api/v1/posts", "", 403},
		{auth.RoleHandler, "GET", "/audit", "", 403},
		{auth.RoleHandler, "GET", "/accounts", "", 403},
	} {
		useRole(t, srv, tc.role)
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		if strings.HasPrefix(tc.path, "/accounts/") {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := clientFor(srv.URL).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s %s as %s = %d, want %d\n%.300s", tc.method, tc.path, tc.body, tc.role, resp.StatusCode, tc.code, b)
		}
	}
}

// TestForgedRequests: a session's change needs its CSRF token and the
// console's own Origin; a foreign Host is refused (DNS rebinding); a
// bearer token needs no CSRF token.
func TestForgedRequests(t *testing.T) {
	srv, st, c := newServer(t)
	useRole(t, srv, auth.RoleHandler)
	logged := clientFor(srv.URL)
	jarOnly := &http.Client{Jar: logged.Jar}
	u := srv.URL + "/api/v1/incidents/INC-1/actions"
	send := func(cl *http.Client, hdr map[string]string) int {
		req, _ := http.NewRequest("POST", u, strings.NewReader(`{"action":"close"}`))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if hdr["Host"] != "" {
			req.Host = hdr["Host"]
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		what string
		cl   *http.Client
		hdr  map[string]string
		code int
	}{
		{"without the CSRF token", jarOnly, nil, 403},
		{"with a wrong CSRF token", jarOnly, map[string]string{"X-CSRF-Token": "0000"}, 403},
		{"from another origin", logged, map[string]string{"Origin": "http://127.0.0.1:1"}, 403},
		{"from a null origin", logged, map[string]string{"Origin": "null"}, 403},
		{"cross-site fetch", logged, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"for a rebound host name", logged, map[string]string{"Host": "evil.example:80"}, 421},
	} {
		if code := send(tc.cl, tc.hdr); code != tc.code {
			t.Errorf("POST %s = %d, want %d", tc.what, code, tc.code)
		}
	}
	if h, _ := st.ListHistory(context.Background(), "INC-1"); len(h) != 0 {
		t.Fatalf("forged requests wrote history %+v", h)
	}
	if code := send(logged, map[string]string{"Origin": srv.URL}); code != 202 {
		t.Errorf("POST with the token from the console's origin = %d, want 202", code)
	}
	tok, _, err := c.auth.CreateToken(context.Background(), auth.CLI(), "system-x", auth.RoleHandler)
	if err != nil {
		t.Fatal(err)
	}
	if code := send(http.DefaultClient, map[string]string{"Authorization": "Bearer " + tok}); code != 202 {
		t.Errorf("POST with a bearer token = %d, want 202", code)
	}
	if code := send(http.DefaultClient, map[string]string{"Authorization": "Bearer " + tok + "x"}); code != 401 {
		t.Errorf("POST with a wrong bearer token = %d, want 401", code)
	}
	h, _ := st.ListHistory(context.Background(), "INC-1")
	if len(h) != 2 || h[0].Actor != "handler" || h[1].Actor != "token:system-x" {
		t.Errorf("history %+v, want the two accepted requests by the session's and the token's account", h)
	}
	if recs := strings.Join(auditRecords(t, c), "\n"); !strings.Contains(recs, "handler POST /api/v1/incidents/{id}/actions /api/v1/incidents/INC-1/actions denied 缺少或错误的 CSRF 令牌") {
		t.Errorf("the refused forgery is not audited:\n%s", recs)
	}
}

// TestSecurityHeaders: every response carries the CSP, nosniff and the
// referrer policy, and pprof is not on the console's port.
func TestSecurityHeaders(t *testing.T) {
	srv, _, _ := newServer(t)
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/", "/login", "/api/v1/posts", "/assets/console.css", "/nope", "/api/v1/ack?token=x", "/debug/pprof/", "/incidents/INC-1"} {
		for _, cl := range []*http.Client{anon, clientFor(srv.URL)} {
			resp, err := cl.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			h := resp.Header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
				strings.Contains(csp, "unsafe-inline") {
				t.Errorf("GET %s: CSP %q", path, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("GET %s: headers %v", path, h)
			}
			if strings.HasPrefix(path, "/debug/pprof") && (resp.StatusCode == 200 || strings.Contains(string(b), "goroutine")) {
				t.Errorf("pprof answers on the console's port: %d", resp.StatusCode)
			}
		}
	}
	// The session cookie is HttpOnly and SameSite=Strict.
	resp, err := anon.PostForm(srv.URL+"/login", url.Values{"name": {"viewer"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ck := resp.Header.Get("Set-Cookie")
	if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") || strings.Contains(ck, "Secure") {
		t.Errorf("session cookie %q, want HttpOnly, SameSite=Strict and (without TLS) not Secure", ck)
	}
}

// TestSecureCookieUnderTLS: served over TLS, the cookie is Secure and HSTS
// is sent.
func TestSecureCookieUnderTLS(t *testing.T) {
	_, st, _ := newServer(t)
	c, err := New(Options{Store: st, Requests: &requestLog{}, Registerer: newReg(), Auth: newAuth(t, st), Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(c.Handler())
	defer srv.Close()
	cl := srv.Client()
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := cl.PostForm(srv.URL+"/login", url.Values{"name": {"viewer"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ck := resp.Header.Get("Set-Cookie"); !strings.Contains(ck, "Secure") || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("under TLS: cookie %q, HSTS %q", ck, resp.Header.Get("Strict-Transport-Security"))
	}
}

// TestLoginLockout over HTTP: five wrong passwords lock the account, the
// right one is then refused, and all of it is audited.
func TestLoginLockout(t *testing.T) {
	srv, _, c := newServer(t)
	login := func(pw string) (int, string) {
		resp, err := http.PostForm(srv.URL+"/login", url.Values{"name": {"duty"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	for i := range 5 {
		if code, body := login("Wrong-pass-1"); code != 401 || (i == 4) != strings.Contains(body, "已锁定至") {
			t.Errorf("wrong password %d = %d %.200s", i+1, code, body)
		}
	}
	if code, body := login(testPassword); code != 401 || !strings.Contains(body, "登录失败次数过多") {
		t.Errorf("right password while locked = %d %.300s", code, body)
	}
	recs := strings.Join(auditRecords(t, c), "\n")
	if n := strings.Count(recs, "duty login account:duty failed"); n != 4 {
		t.Errorf("%d failures audited, want 4", n)
	}
	if n := strings.Count(recs, "duty login account:duty locked"); n != 2 {
		t.Errorf("%d lockouts audited, want 2 (the fifth failure and the refused right password):\n%s", n, recs)
	}
}

func newReg() *prometheus.Registry { return prometheus.NewRegistry() }

// TestLoginRateLimit: more than loginBurst logins a minute from one
// address are refused before the password is checked.
func TestLoginRateLimit(t *testing.T) {
	srv, _, _ := newServer(t) // newServer logged in once
	codes := map[int]int{}
	for range loginBurst + 2 {
		resp, err := http.PostForm(srv.URL+"/login", url.Values{"name": {"nobody"}, "password": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[http.StatusTooManyRequests] < 2 {
		t.Errorf("login answers %v, want the attempts past %d a minute refused with 429", codes, loginBurst)
	}
}

// TestFillSession: a page's data gets the request's CSRF token and user,
// whatever the page's own user type.
func TestFillSession(t *testing.T) {
	type pageUser struct{ Name, RoleName string }
	type page struct {
		CSRFToken string
		User      pageUser
		Title     string
	}
	r := httptest.NewRequest("GET", "/", nil)
	sess := "tok"
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, &reqInfo{p: auth.Principal{Account: "zhang", DisplayName: "张三", Role: auth.RoleDuty,
		Session: &model.Session{CSRF: sess}}}))
	got := fillSession(page{Title: "t"}, r).(*page)
	if got.CSRFToken != "tok" || got.User.Name != "zhang" || got.User.RoleName != "值班员" || got.Title != "t" {
		t.Errorf("filled %+v", got)
	}
	if m := fillSession(map[string]string{"a": "b"}, r); m.(map[string]string)["a"] != "b" {
		t.Error("a map changed")
	}
}
