package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// testPassword is the password of the test accounts, one per role, named
// after the role's key.
const testPassword = "Qinglan-2026"

// authStores maps a service to its store, so that tests reach the audit log.
var authStores sync.Map // *auth.Service → store.Store

// newAuth returns the accounts service of a test console on st, with one
// account per role (administrators with a second factor enrolled).
func newAuth(t testing.TB, st store.Store) *auth.Service {
	t.Helper()
	log, err := audit.New(st, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	policy := auth.DefaultPolicy()
	policy.ChangeOnFirstLogin = false
	s, err := auth.New(auth.Options{Store: st, Audit: log, Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range auth.Roles() {
		if _, err := st.GetAccount(ctx, r.Key); err == nil {
			continue // a second console on the same store
		}
		if err := s.AddAccount(ctx, auth.CLI(), r.Key, "测试"+r.Name, r.Key, testPassword); err != nil {
			t.Fatal(err)
		}
		if r.Admin {
			a, err := st.GetAccount(ctx, r.Key)
			if err != nil {
				t.Fatal(err)
			}
			a.Version++
			a.TOTPSecret = testSecret
			if err := st.UpsertAccounts(ctx, []model.Account{a}); err != nil {
				t.Fatal(err)
			}
		}
	}
	authStores.Store(s, st)
	return s
}

// testSecret is the administrators' TOTP secret in tests.
const testSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// csrfClient sends the session's CSRF token on every request, as the
// pages' yq.send does.
type csrfClient struct {
	base  http.RoundTripper
	token string
}

func (c *csrfClient) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if c.token != "" {
		r.Header.Set("X-CSRF-Token", c.token)
	}
	return c.base.RoundTrip(r)
}

// loginAs logs in to srv through the login form as the account, completing
// the second factor when its role needs one, and returns a client with
// the session cookie that sends the session's CSRF token.
func loginAs(t testing.TB, srv *httptest.Server, account string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	tr := &csrfClient{base: http.DefaultTransport}
	c := &http.Client{Jar: jar, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(srv.URL+"/login", url.Values{"name": {account}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %d", account, resp.StatusCode)
	}
	me := func() map[string]any {
		resp, err := c.Get(srv.URL + "/api/v1/me")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("login as %s: /api/v1/me: %v", account, err)
		}
		return m
	}
	m := me()
	tr.token, _ = m["csrf_token"].(string)
	if m["complete"] != true {
		code, err := auth.TOTPCode(testSecret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.PostForm(srv.URL+"/login/totp", url.Values{"code": {code}, "csrf_token": {tr.token}})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if m = me(); m["complete"] != true {
			t.Fatalf("login as %s: not complete after the second factor: %v", account, m)
		}
	}
	c.CheckRedirect = nil
	return c
}

// clients are the logged-in clients of the test servers, by URL.
var clients sync.Map // server URL → *http.Client

// useRole makes get, post and do on srv send the requests as the test
// account of the role.
func useRole(t testing.TB, srv *httptest.Server, role string) {
	t.Helper()
	key := srv.URL + "|" + role
	c, ok := sessions.Load(key)
	if !ok {
		c = loginAs(t, srv, role)
		sessions.Store(key, c)
		t.Cleanup(func() { sessions.Delete(key) })
	}
	clients.Store(srv.URL, c)
	t.Cleanup(func() { clients.Delete(srv.URL) })
}

// sessions are the logged-in clients by server URL and account.
var sessions sync.Map

// clientFor returns the client logged in to the server of u, or the
// default client (anonymous).
func clientFor(u string) *http.Client {
	var out *http.Client = http.DefaultClient
	clients.Range(func(k, v any) bool {
		if strings.HasPrefix(u, k.(string)+"/") || u == k.(string) {
			out = v.(*http.Client)
			return false
		}
		return true
	})
	return out
}

// auditRecords returns the console's audit log as lines "account action
// object result detail".
func auditRecords(t *testing.T, c *Console) []string {
	t.Helper()
	st, _ := authStores.Load(c.auth)
	recs, err := st.(store.Store).ListAudit(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s %s %s %s %s", r.Account, r.Action, r.Object, r.Result, r.Detail))
	}
	return out
}

// addAccounts adds test accounts of a role (password testPassword).
func addAccounts(t *testing.T, c *Console, role string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := c.auth.AddAccount(context.Background(), auth.CLI(), n, "", role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
}
