package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// TestInspectCommand inspects a small portal on demand: the summary names
// its verdict and findings in Chinese, and a second run finds the same.
func TestInspectCommand(t *testing.T) {
	today := time.Now().In(model.China).Format("2006-01-02")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, `<html><body><ul class="list"><li><a href="/a.html">县政府召开常务会议</a><span>%s</span></li></ul>`+
				`<a href="/xxgk/zn.html">政府信息公开指南</a><a href="/empty/">在线访谈</a></body></html>`, today)
		case "/a.html", "/xxgk/zn.html":
			fmt.Fprint(w, `<html><body>申请方式 申请表 流程图 收费 受理地址 联系方式</body></html>`)
		case "/empty/":
			fmt.Fprint(w, `<html><body><ul class="list"></ul></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "y.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
inspector:
  host_delay: 1ms
  portals:
    - id: town
      name: 某镇人民政府
      home: %s/
      allow_private: true
      columns:
        - {name: 在线访谈, url: "%s/empty/"}
`, dir, srv.URL, srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "-config", cfg}, &out, &errb); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"inspect", "-config", cfg}, &out, &errb); code != 0 {
		t.Fatalf("inspect: exit %d\n%s", code, errb.String())
	}
	for _, want := range []string{"town：合格", "空白栏目：栏目“在线访谈”没有任何信息", "必备栏目或文件缺失：首页及各栏目未找到“政府信息公开目录”", "新增"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"inspect", "-config", cfg}, &out, &errb); code != 0 || !strings.Contains(out.String(), "（新增0项）") {
		t.Errorf("second inspect: exit %d, output:\n%s", code, out.String())
	}
}
