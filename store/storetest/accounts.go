package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// RunAccounts runs the tests of store.Accounts.
func RunAccounts(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"Accounts", testAccounts},
		{"SessionsTokensThrottles", testSessionsTokensThrottles},
	})
}

// RunAudit runs the tests of store.Audit.
func RunAudit(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"AppendList", testAuditAppendList},
		{"Retention", testAuditRetention},
	})
}

func testAccounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := model.Account{Name: "zhang", Version: 1, DisplayName: "张三", Role: "duty", PasswordHash: "$argon2id$x",
		PasswordHistory: []string{"h1", "h2"}, PasswordChangedAt: base, MustChange: true, TOTPSecret: "ABC",
		RecoveryCodes: []string{"r1"}, CreatedAt: base}
	b := model.Account{Name: "li", Version: 1, Role: "viewer", CreatedAt: base}
	if err := s.UpsertAccounts(ctx, []model.Account{a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAccount(ctx, "zhang")
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.PasswordChangedAt, want.CreatedAt = base.UTC(), base.UTC()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetAccount = %+v, want %+v", got, want)
	}
	// A higher version wins, a lower one is ignored whatever the order.
	newer := a
	newer.Version, newer.Role, newer.MustChange, newer.PasswordHistory = 3, "handler", false, nil
	older := a
	older.Version, older.Role = 2, "leader"
	if err := s.UpsertAccounts(ctx, []model.Account{newer}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertAccounts(ctx, []model.Account{older}); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetAccount(ctx, "zhang")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Role != "handler" || got.MustChange || got.PasswordHistory != nil {
		t.Errorf("after upserts of versions 3 and 2: %+v, want version 3", got)
	}
	all, err := s.ListAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Name != "li" || all[1].Name != "zhang" || all[1].Version != 3 {
		t.Errorf("ListAccounts = %+v, want li and zhang (version 3)", all)
	}
	if _, err := s.GetAccount(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAccount(nobody) = %v, want ErrNotFound", err)
	}
}

func testSessionsTokensThrottles(t *testing.T, s store.Store) {
	ctx := context.Background()
	sess := model.Session{ID: "s1", Version: 1, Account: "zhang", CSRF: "c", Address: "10.0.0.1", CreatedAt: base, LastSeen: base}
	if err := s.UpsertSessions(ctx, []model.Session{sess}); err != nil {
		t.Fatal(err)
	}
	revoked := sess
	revoked.Version, revoked.Revoked, revoked.LastSeen = 2, true, base.Add(time.Minute)
	if err := s.UpsertSessions(ctx, []model.Session{revoked}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSession(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Revoked || got.Version != 2 || !got.LastSeen.Equal(base.Add(time.Minute)) || got.CSRF != "c" {
		t.Errorf("GetSession = %+v, want the revoked version 2", got)
	}
	if _, err := s.GetSession(ctx, "s2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSession(s2) = %v, want ErrNotFound", err)
	}

	tok := model.APIToken{ID: "t1", Version: 1, Name: "grafana", Role: "viewer", Hash: "h", CreatedBy: "admin", CreatedAt: base}
	if err := s.UpsertTokens(ctx, []model.APIToken{tok, {ID: "t0", Version: 1, Name: "probe", Role: "viewer", Hash: "g"}}); err != nil {
		t.Fatal(err)
	}
	tok.Version, tok.Revoked = 2, true
	if err := s.UpsertTokens(ctx, []model.APIToken{tok}); err != nil {
		t.Fatal(err)
	}
	gt, err := s.GetToken(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if !gt.Revoked || gt.Name != "grafana" || !gt.CreatedAt.Equal(base) {
		t.Errorf("GetToken = %+v, want revoked grafana", gt)
	}
	toks, err := s.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 2 || toks[0].ID != "t0" || toks[1].ID != "t1" {
		t.Errorf("ListTokens = %+v, want t0, t1", toks)
	}

	th := model.LoginThrottle{ID: "addr:10.0.0.1", Version: 5, Failures: 5, LockedUntil: base.Add(30 * time.Minute), LastFailure: base}
	if err := s.UpsertThrottles(ctx, []model.LoginThrottle{th}); err != nil {
		t.Fatal(err)
	}
	gth, err := s.GetThrottle(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gth.Failures != 5 || !gth.LockedUntil.Equal(th.LockedUntil) {
		t.Errorf("GetThrottle = %+v, want %+v", gth, th)
	}
	if _, err := s.GetThrottle(ctx, "addr:x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetThrottle(addr:x) = %v, want ErrNotFound", err)
	}
}

// NewAuditRecord returns audit record seq of chain at time at (its hash
// fields are placeholders: the store does not check them).
func NewAuditRecord(chain string, seq int, at time.Time) model.AuditRecord {
	return model.AuditRecord{ID: fmt.Sprintf("%s-%012d", chain, seq), Chain: chain, Seq: seq, At: at, Account: "zhang",
		Address: "10.0.0.1", Action: "login", Object: "account:zhang", Result: model.AuditOK, Detail: "详情",
		PrevHash: fmt.Sprintf("h%d", seq-1), Hash: fmt.Sprintf("h%d", seq)}
}

func testAuditAppendList(t *testing.T, s store.Store) {
	ctx := context.Background()
	r1, r2, r3 := NewAuditRecord("a", 1, base), NewAuditRecord("a", 2, base.Add(time.Second)), NewAuditRecord("b", 1, base.Add(time.Second))
	r2.PrevAt = base
	if _, err := s.LastAudit(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastAudit of an empty log = %v, want ErrNotFound", err)
	}
	if err := s.AppendAudit(ctx, []model.AuditRecord{r2, r1}); err != nil {
		t.Fatal(err)
	}
	// A retried write stores nothing twice.
	if err := s.AppendAudit(ctx, []model.AuditRecord{r2, r3}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if want := []string{r1.ID, r2.ID, r3.ID}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ListAudit = %v, want %v (by time then ID, each once)", ids, want)
	}
	want := r2
	want.At, want.PrevAt = r2.At.UTC(), r2.PrevAt.UTC()
	if !reflect.DeepEqual(got[1], want) {
		t.Errorf("record read back as %+v, want %+v", got[1], want)
	}
	if last, err := s.LastAudit(ctx); err != nil || last.ID != r3.ID {
		t.Errorf("LastAudit = %s, %v; want %s (the latest, ties by ID)", last.ID, err, r3.ID)
	}
	since, err := s.ListAudit(ctx, store.AuditQuery{Since: base.Add(time.Second), Until: base.Add(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if len(since) != 2 || since[0].ID != r2.ID {
		t.Errorf("ListAudit(since +1s) = %+v, want a-2 and b-1", since)
	}
}

func testAuditRetention(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	old := NewAuditRecord("old", 1, now.Add(-200*24*time.Hour))
	young := NewAuditRecord("old", 2, now.Add(-100*24*time.Hour))
	if err := s.AppendAudit(ctx, []model.AuditRecord{old, young}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PurgeAudit(ctx, now.Add(-90*24*time.Hour), now); !errors.Is(err, store.ErrRetention) {
		t.Errorf("PurgeAudit(90 days ago) = %v, want ErrRetention", err)
	}
	n, err := s.PurgeAudit(ctx, now.Add(-190*24*time.Hour), now)
	if err != nil || n != 1 {
		t.Fatalf("PurgeAudit(190 days ago) = %d, %v; want 1 record removed", n, err)
	}
	// ClickHouse removes the rows in the background.
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := s.ListAudit(ctx, store.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 && got[0].ID == young.ID {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the purge: %d records, want only %s", len(got), young.ID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
