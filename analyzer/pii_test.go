package analyzer

import (
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/model"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMaskPII(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		counts         PIICounts
	}{
		{"valid ID with X", "身份证号11010519491231002X,请核实。", "身份证号110105********002X,请核实。", PIICounts{IDCards: 1}},
		{"valid ID, lower-case x", "证件:11010519491231002x", "证件:110105********002x", PIICounts{IDCards: 1}},
		{"valid ID with digit check", "张某(510822198503121233)反映", "张某(510822********1233)反映", PIICounts{IDCards: 1}},
		{"wrong checksum is kept", "编号510822198503121234", "编号510822198503121234", PIICounts{}},
		{"wrong birth date is kept", "编号510822198513121231", "编号510822198513121231", PIICounts{}},
		{"unknown province is kept", "编号990822198503121233", "编号990822198503121233", PIICounts{}},
		{"old 15-digit ID", "身份证110105491231002号", "身份证110105*****1002号", PIICounts{IDCards: 1}},
		{"15 digits with a bad date are kept", "流水号110105491331002", "流水号110105491331002", PIICounts{}},
		{"full-width ID", "身份证号１１０１０５１９４９１２３１００２Ｘ。", "身份证号１１０１０５********００２Ｘ。", PIICounts{IDCards: 1}},
		{"mobile", "联系电话13812345678。", "联系电话138****5678。", PIICounts{Mobiles: 1}},
		{"mobile with hyphens", "电话:138-1234-5678", "电话:138-****-5678", PIICounts{Mobiles: 1}},
		{"mobile after +86", "致电+86 138 1234 5678", "致电+86 138 **** 5678", PIICounts{Mobiles: 1}},
		{"two mobiles in a row", "电话13812345678 13987654321", "电话138****5678 139****4321", PIICounts{Mobiles: 2}},
		{"12 as second digit is no mobile", "编号12812345678", "编号12812345678", PIICounts{}},
		{"longer digit run is no mobile", "订单138123456789", "订单138123456789", PIICounts{}},
		{"letters glued to the number", "订单号A13812345678与ID13812345678x", "订单号A13812345678与ID13812345678x", PIICounts{}},
		{"URL path", "见 http://example.gov.cn/13812345678.html", "见 http://example.gov.cn/13812345678.html", PIICounts{}},
		{"bank card", "卡号6222021234567890128", "卡号622202*********0128", PIICounts{BankCards: 1}},
		{"bank card in groups of four", "卡号 4111 1111 1111 1111 已冻结", "卡号 4111 11** **** 1111 已冻结", PIICounts{BankCards: 1}},
		{"failing Luhn is kept", "卡号6222021234567890127", "卡号6222021234567890127", PIICounts{}},
		{"a landline and a date are kept", "电话0839-1234567,2024-05-12发布", "电话0839-1234567,2024-05-12发布", PIICounts{}},
		{"money and counts are kept", "总投资120000000元,受益13800人", "总投资120000000元,受益13800人", PIICounts{}},
		{"all together", "王某,身份证361221200101015677,手机15912345678,卡号6217001234567890122。",
			"王某,身份证361221********5677,手机159****5678,卡号621700*********0122。", PIICounts{1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, c := MaskPII(tc.in)
			if got != tc.want || c != tc.counts {
				t.Errorf("MaskPII(%q) =\n %q, %+v\nwant\n %q, %+v", tc.in, got, c, tc.want, tc.counts)
			}
		})
	}
}

func TestMaskPIINoAllocationWithoutNumbers(t *testing.T) {
	s := strings.Repeat("政府信息公开工作年度报告,共受理申请128件。", 50)
	if n := testing.AllocsPerRun(10, func() { MaskPII(s) }); n != 0 {
		t.Errorf("MaskPII allocated %v times on text without personal numbers", n)
	}
}

func TestAnalyzeMasksPII(t *testing.T) {
	a := testAnalyzer(t)
	before := map[string]float64{}
	for _, kind := range []string{PIIIDCard, PIIMobile, PIIBankCard} {
		before[kind] = testutil.ToFloat64(a.m.pii.WithLabelValues(kind))
	}
	doc := model.Document{
		ID:    "pii",
		Title: "市民13812345678反映欠薪问题",
		Body:  "投诉人张某,身份证号11010519491231002X,联系电话13987654321,工资卡6222021234567890128,被拖欠工资三个月。",
	}
	p := a.Analyze(doc)
	if p.Title != "市民138****5678反映欠薪问题" {
		t.Errorf("title %q", p.Title)
	}
	if want := "投诉人张某,身份证号110105********002X,联系电话139****4321,工资卡622202*********0128,被拖欠工资三个月。"; p.Body != want {
		t.Errorf("body %q, want %q", p.Body, want)
	}
	for _, k := range p.Keywords {
		if strings.ContainsAny(k.Word, "0123456789") && len(k.Word) > 6 {
			t.Errorf("keyword %q carries a number", k.Word)
		}
	}
	for kind, want := range map[string]float64{PIIIDCard: 1, PIIMobile: 2, PIIBankCard: 1} {
		if got := testutil.ToFloat64(a.m.pii.WithLabelValues(kind)) - before[kind]; got != want {
			t.Errorf("yuqing_analyzer_pii_masked_total{kind=%q} = %v, want %v", kind, got, want)
		}
	}
}

func BenchmarkMaskPII(b *testing.B) {
	s := strings.Repeat("政府信息公开工作年度报告,共受理申请128件,联系电话0839-1234567。", 200)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		MaskPII(s)
	}
}
