package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/brief/brieftest"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// TestBriefCommands generates a daily brief and a 专报 from a data dir,
// takes them through the workflow and issues them, while another store
// (standing in for yuqing run) holds the same SQLite file open.
func TestBriefCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "yuqing.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := brieftest.Seed(ctx, st, time.Date(2026, 12, 1, 0, 0, 0, 0, model.China)); err != nil {
		t.Fatal(err)
	}
	yq := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		full := append([]string{args[0], args[1], "-data-dir", dir}, args[2:]...)
		if code := run(full, &out, &errb); code != 0 {
			t.Fatalf("yuqing %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	docx := filepath.Join(dir, "daily.docx")
	_, msg := yq("brief", "generate", "-type", "daily", "-period", "2026-12-01", "-format", "docx", "-out", docx)
	m := regexp.MustCompile(`编号 (\S+)`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("generate said %q", msg)
	}
	id := m[1]
	if fi, err := os.Stat(docx); err != nil || fi.Size() < 10000 {
		t.Fatalf("the DOCX: %v %v", fi, err)
	}
	html := filepath.Join(dir, "special.html")
	_, msg = yq("brief", "generate", "-type", "special", "-incident", brieftest.IncidentID, "-format", "html", "-out", html)
	if !strings.Contains(msg, "舆情专报") {
		t.Errorf("generate said %q", msg)
	}
	page, _ := os.ReadFile(html)
	if !strings.Contains(string(page), "五、回应情况") {
		t.Error("the 专报's page lacks its 回应情况")
	}
	var bad bytes.Buffer
	if code := run([]string{"brief", "issue", "-actor", "印发员", "-data-dir", dir, id}, &bad, &bad); code == 0 {
		t.Error("a draft was issued")
	}
	yq("brief", "submit", "-actor", "编辑", id)
	yq("brief", "sign", "-actor", "李领导", id)
	out, _ := yq("brief", "issue", "-actor", "印发员", id)
	if !strings.Contains(out, "2026年第1期") || !strings.Contains(out, "已印发") {
		t.Errorf("issue said %q", out)
	}
	// Each step made from the command line is in the audit log, whose
	// chain still verifies.
	out, _ = yq("audit", "export")
	for _, want := range []string{"brief.generate", "brief.submit", "brief.sign", "brief.issue", "操作人：李领导"} {
		if !strings.Contains(out, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, out)
		}
	}
	yq("audit", "verify")
	out, _ = yq("brief", "list", "-state", "已印发")
	if !strings.Contains(out, id) || strings.Count(out, "\n") != 1 {
		t.Errorf("list -state 已印发 = %q", out)
	}
	out, _ = yq("brief", "show", id)
	if !strings.Contains(out, "一、舆情概况") || !strings.Contains(out, "2026年第1期") {
		t.Errorf("show = %q", out)
	}
	b, err := st.GetBrief(ctx, id)
	if err != nil || b.Signer != "李领导" || b.Number != 1 {
		t.Errorf("the issued brief as the other store reads it: %+v %v", b.Steps, err)
	}
}
