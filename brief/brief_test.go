package brief_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/brief"
	"github.com/yuqing-project/yuqing/brief/brieftest"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

var day = time.Date(2026, 12, 1, 0, 0, 0, 0, model.China)

func seeded(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := brieftest.Seed(context.Background(), st, day); err != nil {
		t.Fatal(err)
	}
	return st
}

var opts = brief.Options{Unit: "中共某县委宣传部（网信办）", Jurisdiction: "我县", Copies: 30,
	ReportTo: []string{"县委书记", "县长"}, SendTo: []string{"县委常委"}, CopyTo: []string{"各乡镇党委", "县直各部门"}}

func builder(st store.Store) *brief.Builder {
	now := day.Add(32 * time.Hour) // 2 December, 08:00
	return brief.NewBuilder(st, opts, func() time.Time { return now })
}

func texts(b model.Brief) string {
	var sb strings.Builder
	for _, s := range b.Content.Sections {
		sb.WriteString(s.Title + "\n")
		for _, bl := range s.Blocks {
			sb.WriteString(bl.Text + bl.Source + "\n")
			if bl.Table != nil {
				for _, r := range bl.Table.Rows {
					sb.WriteString(strings.Join(r, " ") + "\n")
				}
			}
		}
	}
	return sb.String()
}

func TestDailyContent(t *testing.T) {
	st := seeded(t)
	b, err := builder(st).Periodic(context.Background(), model.BriefDaily, day.Add(5*time.Hour), "排班")
	if err != nil {
		t.Fatal(err)
	}
	if b.State != model.BriefDraft || b.Title != "舆情日报" || !b.PeriodStart.Equal(day) {
		t.Fatalf("brief = %s %s %v", b.State, b.Title, b.PeriodStart)
	}
	all := texts(b)
	for _, want := range []string{
		"一、舆情概况", "2026年12月1日，共监测到涉我县网络信息36条，较前一日增加24条（上升200.0%）。",
		"其中负面信息18条", "二、声量与情感走势", "三、热点事件", "化工园区企业爆炸", "已立案（II级，处置中）",
		"四、媒体与网民观点", "新华网，12月1日", "五、地域分布", "常熟市", "六、重点事件处置情况",
		"发布权威信息", brief.OutcomeOnTime, "3小时0分钟", brief.OutcomeBreached, "七、政务公开时限", "同步发布政策解读", "八、下期关注",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the daily brief lacks %q:\n%s", want, all)
		}
	}
	if b.Content.Figures[brief.FigPosts] != 36 || b.Content.Figures[brief.FigPrevPosts] != 12 || b.Content.Figures[brief.FigBreached] != 1 {
		t.Errorf("figures = %v", b.Content.Figures)
	}
	if strings.ContainsAny(all, ",;:?!") && strings.Contains(all, "条,") {
		t.Errorf("half-width punctuation in the text:\n%s", all)
	}
}

func TestSpecialContent(t *testing.T) {
	st := seeded(t)
	b, err := builder(st).Special(context.Background(), brieftest.IncidentID, "张三")
	if err != nil {
		t.Fatal(err)
	}
	all := texts(b)
	for _, want := range []string{"一、事件概述", "二、时间线", "三、传播分析", "四、舆论焦点与网民情绪", "五、回应情况",
		"六、风险研判", "七、处置建议", "依据：", "举行新闻发布会", "依据：回应时限规则R-24H", "已有1项回应时限超时"} {
		if !strings.Contains(all, want) {
			t.Errorf("the 专报 lacks %q:\n%s", want, all)
		}
	}
	if _, err := builder(st).Special(context.Background(), "nope", "张三"); err == nil {
		t.Error("a 专报 on a missing incident was built")
	}
}

func TestWorkflow(t *testing.T) {
	b := model.Brief{State: model.BriefDraft, Content: model.BriefContent{Sections: []model.BriefSection{{Blocks: []model.BriefBlock{{ID: "x", Kind: model.BlockText, Text: "a"}}}}}}
	at := day
	if err := b.Step(model.BriefActionSign, "领导", "", at); err == nil {
		t.Error("a draft was signed")
	}
	must(t, b.Edit("x", "改过的文字。", "编辑", at))
	must(t, b.Step(model.BriefActionSubmit, "编辑", "", at))
	must(t, b.Step(model.BriefActionSign, "李领导", "同意", at))
	if err := b.Edit("x", "b", "编辑", at); err == nil {
		t.Error("a signed brief was edited")
	}
	if b.Signer != "李领导" || b.State != model.BriefSigned || len(b.Steps) != 3 {
		t.Errorf("brief = %+v", b)
	}
	if err := b.Step(model.BriefActionSubmit, "", "", at); err == nil {
		t.Error("a step without an actor was taken")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// artefacts is where the rendered documents are kept: $YUQING_ARTIFACTS
// when set (CI keeps it), else a temporary directory.
func artefacts(t *testing.T) string {
	dir := os.Getenv("YUQING_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "brief")
	must(t, os.MkdirAll(dir, 0o755))
	return dir
}

func TestDOCXAndHTML(t *testing.T) {
	st := seeded(t)
	b, err := builder(st).Periodic(context.Background(), model.BriefDaily, day, "排班")
	must(t, err)
	var buf bytes.Buffer
	must(t, brief.DOCX(&b, &buf))
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(t, err)
	parts := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		must(t, err)
		data, _ := io.ReadAll(r)
		parts[f.Name] = string(data)
	}
	doc := parts["word/document.xml"]
	for _, want := range []string{`w:color w:val="E00000"`, "舆情日报", "（期号印发时编排）", "中共某县委宣传部（网信办）", "<w:tbl>", "r:embed=\"rIdImg1\"", "报：", "县委书记"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %q", want)
		}
	}
	if _, ok := parts["word/media/chart3.png"]; !ok {
		t.Errorf("the charts are missing: %v", len(parts))
	}
	var html bytes.Buffer
	must(t, brief.HTML(&b, &html))
	for _, want := range []string{"<h1 class=\"masthead\">舆情日报</h1>", "data:image/png;base64,", "<table>", "报：县委书记，县长。"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(html.String(), "<script") {
		t.Error("the page has a script")
	}
}

// TestPDFWithLibreOffice converts the DOCX of a daily brief and of a 专报
// with LibreOffice headless, renders the pages with pdftoppm and checks
// the text with pdftotext.
func TestPDFWithLibreOffice(t *testing.T) {
	testenv.LookPath(t, "libreoffice", "soffice")
	pdftoppm := testenv.LookPath(t, "libreoffice", "pdftoppm")
	pdftotext := testenv.LookPath(t, "libreoffice", "pdftotext")
	pdfinfo := testenv.LookPath(t, "libreoffice", "pdfinfo")
	st := seeded(t)
	out := artefacts(t)
	ctx := context.Background()
	daily, err := builder(st).Periodic(ctx, model.BriefDaily, day, "排班")
	must(t, err)
	special, err := builder(st).Special(ctx, brieftest.IncidentID, "张三")
	must(t, err)
	annual, err := builder(st).Periodic(ctx, model.BriefAnnual, day, "办公室")
	must(t, err)
	for _, b := range []*model.Brief{&daily, &special, &annual} {
		b.Year, b.Number, b.Serial, b.SignedAt, b.Signer, b.State = 2026, 7, 190, day.Add(31*time.Hour), "李领导", model.BriefSigned
		name := string(b.Type)
		docx := filepath.Join(out, name+".docx")
		f, err := os.Create(docx)
		must(t, err)
		must(t, brief.DOCX(b, f))
		must(t, f.Close())
		pdf, err := brief.ConvertPDF(ctx, docx, out)
		must(t, err)
		txt, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
		must(t, err)
		text := strings.Join(strings.Fields(string(txt)), "")
		for _, want := range []string{b.Title, "2026年第7期（总第190期）", "中共某县委宣传部（网信办）", "2026年12月2日", "一、", "报：", "县委书记", "（共印30份）"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s.pdf lacks %q:\n%s", name, want, txt)
			}
		}
		info, err := exec.Command(pdfinfo, pdf).Output()
		must(t, err)
		pages := 0
		for _, l := range strings.Split(string(info), "\n") {
			if strings.HasPrefix(l, "Pages:") {
				_, _ = fmtSscan(strings.TrimSpace(strings.TrimPrefix(l, "Pages:")), &pages)
			}
		}
		if pages < 2 || pages > 12 {
			t.Errorf("%s.pdf has %d pages", name, pages)
		}
		old, _ := filepath.Glob(filepath.Join(out, name+"-*.png"))
		for _, o := range old {
			_ = os.Remove(o)
		}
		must(t, exec.Command(pdftoppm, "-png", "-r", "60", pdf, filepath.Join(out, name)).Run())
		pngs, _ := filepath.Glob(filepath.Join(out, name+"-*.png"))
		if len(pngs) != pages {
			t.Errorf("pdftoppm rendered %d pages of %d", len(pngs), pages)
		}
		// The charts are images in the PDF (the annual report has none).
		if imgs, err := exec.Command("pdfimages", "-list", pdf).Output(); err == nil && b.Type != model.BriefAnnual {
			if n := strings.Count(string(imgs), "image"); n < 1 {
				t.Errorf("%s.pdf has no images:\n%s", name, imgs)
			}
		}
		t.Logf("%s: %d pages, kept in %s", name, pages, out)
	}
}

func fmtSscan(s string, n *int) (int, error) { return fmt.Sscan(s, n) }

// TestAnnualReport builds the 政府信息公开工作年度报告's tables from the
// tracked disclosure items, the rows yuqing cannot know marked to fill in.
func TestAnnualReport(t *testing.T) {
	st := seeded(t)
	b, err := builder(st).Periodic(context.Background(), model.BriefAnnual, day, "办公室")
	must(t, err)
	if b.Title != "政府信息公开工作年度报告" || b.Subject != "中共某县委宣传部（网信办）2026年政府信息公开工作年度报告" {
		t.Errorf("title %q, subject %q", b.Title, b.Subject)
	}
	want := map[string]int64{brief.FigApplyNew: 1, brief.FigApplyCarried: 1, brief.FigApplyAnswered: 1, brief.FigApplyLate: 1,
		brief.FigApplyCarryOut: 1, brief.FigPolicyDocs: 1, brief.FigPermits: 0}
	for k, v := range want {
		if b.Content.Figures[k] != v {
			t.Errorf("figure %s = %d, want %d", k, b.Content.Figures[k], v)
		}
	}
	all := texts(b)
	for _, w := range []string{"一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
		"一、本年新收政府信息公开申请数量 待填写 待填写 待填写 待填写 待填写 待填写 1", "行政复议 待填写", "收到政府信息公开申请1件，上年结转1件，本年答复1件（逾期答复1件），结转下年度继续办理1件"} {
		if !strings.Contains(all, w) {
			t.Errorf("the annual report lacks %q:\n%s", w, all)
		}
	}
	var buf bytes.Buffer
	must(t, brief.DOCX(&b, &buf))
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(t, err)
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			r, _ := f.Open()
			doc, _ := io.ReadAll(r)
			if !strings.Contains(string(doc), `w:fill="FFF2CC"`) {
				t.Error("the cells to fill in are not shaded")
			}
		}
	}
}

// TestWeeklyAndMergedDaily: a weekly brief covers Monday to Sunday against
// the week before; a daily brief of several days (days off merged) says
// so and compares with as many days before.
func TestWeeklyAndMergedDaily(t *testing.T) {
	st := seeded(t)
	w, err := builder(st).Periodic(context.Background(), model.BriefWeekly, day, "排班")
	must(t, err)
	if !w.PeriodStart.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, model.China)) || !w.PeriodEnd.Equal(time.Date(2026, 12, 7, 0, 0, 0, 0, model.China)) {
		t.Errorf("week %v–%v", w.PeriodStart, w.PeriodEnd)
	}
	if txt := w.Content.Sections[0].Blocks[0].Text; !strings.HasPrefix(txt, "2026年11月30日至12月6日，共监测到涉我县网络信息48条，较上周增加48条。") {
		t.Errorf("weekly overview %q", txt)
	}
	m, err := builder(st).PeriodicRange(context.Background(), model.BriefDaily, day.AddDate(0, 0, -1), day.AddDate(0, 0, 1), "排班")
	must(t, err)
	if txt := m.Content.Sections[0].Blocks[0].Text; !strings.HasPrefix(txt, "2026年11月30日至12月1日，共监测到涉我县网络信息48条，较此前同期增加48条。") {
		t.Errorf("merged daily overview %q", txt)
	}
	if _, err := builder(st).PeriodicRange(context.Background(), model.BriefSpecial, day, day.AddDate(0, 0, 1), "x"); err == nil {
		t.Error("a 专报 was built as a periodic brief")
	}
}
