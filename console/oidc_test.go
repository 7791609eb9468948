package console

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// testProvider is a minimal OpenID Connect provider: discovery, keys, an
// authorization endpoint that logs in whoever the test says at once, and
// a token endpoint that signs the ID token (RS256).
type testProvider struct {
	*httptest.Server
	key    *rsa.PrivateKey
	mu     sync.Mutex
	claims map[string]any    // the next login's claims
	codes  map[string]string // code → nonce
}

func newTestProvider(t *testing.T) *testProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testProvider{key: key, codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.URL, "authorization_endpoint": p.URL + "/auth",
			"token_endpoint": p.URL + "/token", "jwks_uri": p.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code, _ := randomToken()
		p.mu.Lock()
		p.codes[code] = q.Get("nonce")
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		nonce, ok := p.codes[r.PostFormValue("code")]
		delete(p.codes, r.PostFormValue("code"))
		claims := map[string]any{}
		for k, v := range p.claims {
			claims[k] = v
		}
		p.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
		if err != nil {
			t.Error(err)
			return
		}
		now := time.Now()
		std := jwt.Claims{Issuer: p.URL, Subject: "sub-1", Audience: jwt.Audience{"yuqing"}, IssuedAt: jwt.NewNumericDate(now),
			Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}
		claims["nonce"] = nonce
		raw, err := jwt.Signed(sig).Claims(std).Claims(claims).Serialize()
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": raw})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// TestSingleSignOn logs in through a local OpenID Connect provider: the
// account is created with the role its claims map to, a claim that maps
// to no role is refused, and a local account is not taken over.
func TestSingleSignOn(t *testing.T) {
	idp := newTestProvider(t)
	srv, _, c := newServer(t, func(o *Options) {
		o.OIDC = &OIDCOptions{Issuer: idp.URL, ClientID: "yuqing", ClientSecret: "s", UsernameClaim: "preferred_username",
			RolesClaim: "groups", RoleMap: map[string]string{"舆情科": "monitor", "应急办": "handler"}}
	})
	c.oidc.opts.RedirectURL = srv.URL + "/login/oidc/callback" // the test server's address is known only now
	login := func(claims map[string]any) (int, string, *http.Client) {
		idp.mu.Lock()
		idp.claims = claims
		idp.mu.Unlock()
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Jar: jar}
		resp, err := cl.Get(srv.URL + "/login/oidc")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b), cl
	}
	code, body, cl := login(map[string]any{"preferred_username": "Wang.Fang", "groups": []string{"其他", "应急办"}})
	if code != 200 || !strings.Contains(body, "登录成功") {
		t.Fatalf("single sign-on = %d %s", code, body)
	}
	resp, err := cl.Get(srv.URL + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]any
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if me["account"] != "wang.fang" || me["role"] != "handler" || me["complete"] != true {
		t.Errorf("after single sign-on: %v", me)
	}
	if code, body, _ := login(map[string]any{"preferred_username": "zhao", "groups": "外单位"}); code != 403 || !strings.Contains(body, "没有对应的角色") {
		t.Errorf("a group without a role = %d %.200s", code, body)
	}
	if code, body, _ := login(map[string]any{"preferred_username": "monitor", "groups": "应急办"}); code != 403 || !strings.Contains(body, "同名的本地账号") {
		t.Errorf("taking over a local account = %d %.200s", code, body)
	}
	recs := strings.Join(auditRecords(t, c), "\n")
	for _, want := range []string{"wang.fang login.sso account:wang.fang ok", "zhao login.sso account:zhao denied", "monitor login.sso account:monitor denied"} {
		if !strings.Contains(recs, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	// A callback without the login's state is refused.
	if resp, err := http.Get(srv.URL + "/login/oidc/callback?code=x&state=y"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("callback without state = %d, want 401", resp.StatusCode)
		}
	}
}
