package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
)

// OIDCOptions configure single sign-on with an OpenID Connect provider
// (config's auth.oidc).
type OIDCOptions struct {
	Issuer, ClientID, ClientSecret, RedirectURL string
	// UsernameClaim names the account; RolesClaim holds the groups or
	// roles that RoleMap maps to role keys.
	UsernameClaim, RolesClaim string
	RoleMap                   map[string]string
	// SecondFactorByProvider counts the provider's login as the
	// administrators' second factor.
	SecondFactorByProvider bool
}

// oidcLogin is the relying party. The provider's discovery document is
// read at the first login, so the console starts while the provider is
// down.
type oidcLogin struct {
	opts     OIDCOptions
	mu       sync.Mutex
	provider *oidc.Provider
}

func (o *oidcLogin) config(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(ctx, o.opts.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot reach the OpenID Connect provider %s: %w", o.opts.Issuer, err)
		}
		o.provider = p
	}
	return &oauth2.Config{ClientID: o.opts.ClientID, ClientSecret: o.opts.ClientSecret, RedirectURL: o.opts.RedirectURL,
			Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"}},
		o.provider.Verifier(&oidc.Config{ClientID: o.opts.ClientID}), nil
}

// roleOf maps the roles claim to a role key: the first role of the role
// table (administrators first) that a claimed value maps to.
func (o *oidcLogin) roleOf(claims map[string]any) string {
	var values []string
	switch v := claims[o.opts.RolesClaim].(type) {
	case string:
		values = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	}
	for _, r := range auth.Roles() {
		for _, v := range values {
			if o.opts.RoleMap[v] == r.Key {
				return r.Key
			}
		}
	}
	return ""
}

const oidcCookie = "yuqing_oidc"

// oidcStart sends the browser to the provider, with a state and a nonce
// kept in a short-lived cookie.
func (c *Console) oidcStart(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		http.NotFound(w, r)
		return
	}
	conf, _, err := c.oidc.config(r.Context())
	if err != nil {
		c.log.Error("single sign-on unavailable", "err", err)
		c.render(w, r, http.StatusServiceUnavailable, "login", &authPage{Error: "统一身份认证暂不可用，请稍后再试或使用账号密码登录。", SSO: true})
		return
	}
	state, err1 := randomToken()
	nonce, err2 := randomToken()
	if err := errors.Join(err1, err2); err != nil {
		c.fail(w, r, err)
		return
	}
	// Lax, not Strict: the provider's redirect back is a cross-site
	// navigation, on which a Strict cookie is not sent.
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + safeNext(r.URL.Query().Get("next")),
		Path: "/login/oidc", HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, conf.AuthCodeURL(state, oidc.Nonce(nonce)), http.StatusFound)
}

// oidcCallback completes the login the provider vouches for.
func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		http.NotFound(w, r)
		return
	}
	refuse := func(why string, err error) {
		c.log.Warn("single sign-on refused", "why", why, "err", err)
		c.audit(r, auth.Principal{}, "login.sso", "oidc", model.AuditFailed, why)
		c.render(w, r, http.StatusUnauthorized, "login", &authPage{Error: "统一身份认证失败：" + why, SSO: true})
	}
	ck, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.SplitN(ck.Value, ".", 3)
	}
	if len(parts) != 3 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(r.URL.Query().Get("state"))) != 1 {
		refuse("登录请求已过期或来源不符，请重新登录。", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: "/login/oidc", MaxAge: -1})
	conf, verifier, err := c.oidc.config(r.Context())
	if err != nil {
		refuse("无法连接身份提供方。", err)
		return
	}
	tok, err := conf.Exchange(r.Context(), r.URL.Query().Get("code"))
	if err != nil {
		refuse("授权码无效。", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(r.Context(), raw)
	if err != nil {
		refuse("身份令牌无效。", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(parts[1])) != 1 {
		refuse("身份令牌与登录请求不符。", nil)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		refuse("身份令牌无法解析。", err)
		return
	}
	name, _ := claims[c.oidc.opts.UsernameClaim].(string)
	res, err := c.auth.SingleSignOn(r.Context(), name, c.oidc.roleOf(claims), clientAddr(r), c.oidc.opts.SecondFactorByProvider)
	if err != nil {
		if errors.Is(err, auth.ErrForbidden) {
			c.render(w, r, http.StatusForbidden, "login", &authPage{Error: err.Error(), SSO: true})
			return
		}
		c.fail(w, r, err)
		return
	}
	c.setSession(w, res.Cookie, int(c.auth.Policy().MaxSessionAge/time.Second))
	next := landing(res.Principal, parts[2])
	if !res.Principal.Complete() {
		next = nextStep(res.Principal)
	}
	// A page that moves on by itself: a redirect chain begun by the
	// provider's site is cross-site, and the Strict session cookie would
	// not be sent on it.
	c.render(w, r, http.StatusOK, "message", map[string]any{"Head": "登录成功", "Text": "正在进入系统……", "Next": template.URL(next)})
}
