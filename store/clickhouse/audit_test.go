package clickhouse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/model"
)

// TestAuditVerifyDetectsTampering edits and deletes audit records directly
// in the database, as someone with access to the server could, and checks
// that audit.Verify reports each.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	for _, tt := range []struct {
		name, stmt, want string
	}{
		{"edited", "ALTER TABLE %s UPDATE account = 'li', result = 'ok' WHERE seq = 2", "哈希不符"},
		{"deleted", "ALTER TABLE %s DELETE WHERE seq = 3", "缺少第 3 至 3 条记录"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, newConfig(t), prometheus.NewRegistry())
			defer s.Close()
			l, err := audit.New(s, audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for range 4 {
				if err := l.Record(ctx, audit.Entry{Account: "zhang", Address: "10.0.0.1", Action: "request.waive",
					Object: "incident:INC-1", Result: model.AuditDenied}); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := audit.Verify(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Records != 4 {
				t.Fatalf("before tampering: %+v", rep)
			}
			if err := s.conn.Exec(ctx, strings.Replace(tt.stmt, "%s", s.table("audit_log"), 1)); err != nil {
				t.Fatal(err)
			}
			// A mutation is applied in the background.
			deadline := time.Now().Add(30 * time.Second)
			for {
				rep, err := audit.Verify(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(strings.Join(rep.Problems, "\n"), tt.want) {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("after %s: problems %q, want one with %q", tt.name, rep.Problems, tt.want)
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}
