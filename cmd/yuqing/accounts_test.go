package main

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestAccountCommands provisions accounts and a token with the CLI on a
// data dir, checks the audit log, then edits and deletes an audit row
// directly in the database and checks that yuqing audit verify says so.
func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	dd := []string{"-data-dir", dir}
	runUser := func(stdin string, args ...string) (string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		err := cmdUser(append(args, dd...), strings.NewReader(stdin), &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := runUser("Qinglan-2026\n", "add", "zhang", "-role", "handler", "-name", "张科长"); err != nil || !strings.Contains(out, "已创建账号 zhang（处置负责人）") {
		t.Fatalf("user add = %q, %v", out, err)
	}
	if _, err := runUser("short\n", "add", "li", "-role", "duty"); err == nil || !strings.Contains(err.Error(), "至少需要 8 个字符") {
		t.Errorf("user add with a short password = %v", err)
	}
	if _, err := runUser("", "add", "li", "-role", "duty"); !errors.As(err, new(usageError)) {
		t.Errorf("user add without a password = %v, want a usage error", err)
	}
	if _, err := runUser("Qinglan-2026\n", "add", "li", "-role", "boss"); err == nil || !strings.Contains(err.Error(), "未知角色") {
		t.Errorf("user add with an unknown role = %v", err)
	}
	if _, err := runUser("Qinglan-2026\n", "add", "aud", "-role", "auditor"); err != nil {
		t.Fatal(err)
	}
	if out, err := runUser("", "lock", "zhang"); err != nil || !strings.Contains(out, "已锁定账号 zhang") {
		t.Errorf("user lock = %q, %v", out, err)
	}
	if out, err := runUser("", "role", "zhang", "-role", "leader"); err != nil || !strings.Contains(out, "领导") {
		t.Errorf("user role = %q, %v", out, err)
	}
	out, err := runUser("", "list")
	if err != nil || !strings.Contains(out, "zhang") || !strings.Contains(out, "张科长") || !strings.Contains(out, "领导(leader)") || !strings.Contains(out, "已锁定") {
		t.Errorf("user list = %q, %v", out, err)
	}
	if _, err := runUser("", "unlock", "nobody"); err == nil || !strings.Contains(err.Error(), "没有账号 nobody") {
		t.Errorf("unlock nobody = %v", err)
	}
	var tok, terr bytes.Buffer
	if err := cmdToken(append([]string{"create", "grafana", "-role", "viewer"}, dd...), &tok, &terr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.String(), "yqt_") || !strings.Contains(terr.String(), "只显示这一次") {
		t.Errorf("token create printed %q / %q", tok.String(), terr.String())
	}

	var vout bytes.Buffer
	if err := cmdAudit(append([]string{"verify"}, dd...), &vout, &vout); err != nil || !strings.Contains(vout.String(), "审计记录完整") {
		t.Fatalf("audit verify = %q, %v", vout.String(), err)
	}
	csv := filepath.Join(dir, "audit.csv")
	var eout bytes.Buffer
	if err := cmdAudit(append([]string{"export", "-since", "2020-01-01", "-o", csv}, dd...), &eout, &eout); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csv)
	for _, want := range []string{"cli,cli,account.add,account:zhang,成功", "account.lock,account:zhang", "token.create", "account.add,account:aud"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("export lacks %q:\n%s", want, b)
		}
	}

	// Records younger than 180 days are never purged; older ones may be,
	// and the purge is itself recorded.
	var pout bytes.Buffer
	if err := cmdAudit(append([]string{"purge", "-before", time.Now().AddDate(0, -1, 0).Format("2006-01-02")}, dd...), &pout, &pout); err == nil || !strings.Contains(err.Error(), "180 days") {
		t.Errorf("purge of last month's records = %v, want refused", err)
	}
	if err := cmdAudit(append([]string{"purge", "-before", time.Now().AddDate(0, 0, -200).Format("2006-01-02")}, dd...), &pout, &pout); err != nil ||
		!strings.Contains(pout.String(), "之前的 0 条审计记录") {
		t.Errorf("purge of 200 days ago = %v: %s", err, pout.String())
	}

	// Someone with the database file edits one record and deletes another.
	db, err := sql.Open("sqlite", filepath.Join(dir, "yuqing.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_retention`,
		`UPDATE audit_log SET account = 'nobody' WHERE action = 'account.lock'`,
		`DELETE FROM audit_log WHERE action = 'token.create'`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	vout.Reset()
	err = cmdAudit(append([]string{"verify"}, dd...), &vout, &vout)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(vout.String(), "哈希不符") || !strings.Contains(vout.String(), "记录被删除") {
		t.Errorf("audit verify after tampering = %v:\n%s", err, vout.String())
	}
}
