package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

func openStore(t *testing.T) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.db")
	st, err := sqlite.Open(context.Background(), path, prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func record(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		if err := l.Record(context.Background(), audit.Entry{Account: "zhang", Address: "10.0.0.1", Action: "request.close",
			Object: "incident:INC-" + string(rune('A'+i)), Result: model.AuditOK}); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, st store.Audit) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// rawDB opens the store's file directly, as someone with access to the
// database would, without the append-only triggers.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, stmt := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_retention`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestVerifyIntactChains(t *testing.T) {
	st, _ := openStore(t)
	for range 2 { // two processes, two chains
		l, err := audit.New(st, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		record(t, l, 3)
	}
	rep := verify(t, st)
	if !rep.OK() || rep.Records != 6 || rep.Chains != 2 {
		t.Fatalf("Verify = %+v, want 6 records in 2 intact chains", rep)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	for _, tt := range []struct {
		name, stmt, want string
	}{
		{"edited", `UPDATE audit_log SET result = 'ok', account = 'li' WHERE seq = 2`, "哈希不符"},
		{"deleted", `DELETE FROM audit_log WHERE seq = 2`, "缺少第 2 至 2 条记录"},
		{"first deleted", `DELETE FROM audit_log WHERE seq = 1`, "缺少第 1 至 1 条记录"},
		{"rehashed but unlinked", `UPDATE audit_log SET prev_hash = 'x' WHERE seq = 3`, "哈希"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, path := openStore(t)
			l, err := audit.New(st, audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			record(t, l, 4)
			if rep := verify(t, st); !rep.OK() {
				t.Fatalf("before tampering: %v", rep.Problems)
			}
			if _, err := rawDB(t, path).Exec(tt.stmt); err != nil {
				t.Fatal(err)
			}
			rep := verify(t, st)
			if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), tt.want) {
				t.Fatalf("after %s: problems %q, want one with %q", tt.name, rep.Problems, tt.want)
			}
		})
	}
}

func TestDatabaseRefusesEditsAndYoungDeletes(t *testing.T) {
	st, path := openStore(t)
	l, err := audit.New(st, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	record(t, l, 1)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_log SET account = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("UPDATE = %v, want refused as append-only", err)
	}
	if _, err := db.Exec(`DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "180 days") {
		t.Errorf("DELETE = %v, want refused for the retention", err)
	}
}

func TestPurgeKeepsTheChainVerifiable(t *testing.T) {
	st, _ := openStore(t)
	now := time.Now()
	at := now.Add(-200 * 24 * time.Hour)
	clock := func() time.Time { at = at.Add(time.Hour); return at }
	l, err := audit.New(st, audit.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	record(t, l, 3) // 200 days ago
	at = now.Add(-time.Hour)
	record(t, l, 2) // today
	if _, err := l.PurgeBefore(context.Background(), now.Add(-30*24*time.Hour), "auditor", "cli"); !errors.Is(err, store.ErrRetention) {
		t.Fatalf("purge of 30 days = %v, want ErrRetention", err)
	}
	n, err := l.PurgeBefore(context.Background(), now.Add(-190*24*time.Hour), "auditor", "cli")
	if err != nil || n != 3 {
		t.Fatalf("PurgeBefore = %d, %v; want 3", n, err)
	}
	if rep := verify(t, st); !rep.OK() || rep.Records != 3 {
		t.Fatalf("after the purge: %+v, want 3 records and no problem", rep)
	}
}

func TestExport(t *testing.T) {
	st, _ := openStore(t)
	l, err := audit.New(st, audit.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(context.Background(), audit.Entry{Account: "zhang", Address: "10.0.0.1", Action: "login", Object: "account:zhang", Result: model.AuditFailed, Detail: "密码错误"}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	n, err := audit.Export(context.Background(), st, time.Time{}, &b)
	if err != nil || n != 1 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	if !strings.Contains(b.String(), "2026-11-21 09:00:00.000,zhang,10.0.0.1,login,account:zhang,失败,密码错误") {
		t.Errorf("export:\n%s", b.String())
	}
	if n, _ := audit.Export(context.Background(), st, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), &b); n != 0 {
		t.Errorf("export since the next day wrote %d records", n)
	}
}
