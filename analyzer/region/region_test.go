package region

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// got renders mentions as "code name role" for comparison.
func got(ms []Mention) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s %s %s", m.Code, m.Name, m.Role))
	}
	return out
}

func TestDefaultTable(t *testing.T) {
	tb := Default()
	if tb.Len() < 3000 {
		t.Fatalf("default table has %d divisions, want the ~3,200 provinces, cities and counties", tb.Len())
	}
	for _, tc := range []struct {
		code, name, parent string
		level              Level
	}{
		{"510000", "四川省", "", Province},
		{"510800", "广元市", "510000", Province + 1},
		{"510822", "青川县", "510800", County},
		{"110105", "朝阳区", "110000", County}, // Beijing's districts hang from the province
		{"419001", "济源市", "410000", County}, // directly under the province
		{"441900", "东莞市", "440000", City},
		{"810000", "香港特别行政区", "", Province},
	} {
		d, ok := tb.Lookup(tc.code)
		if !ok || d.Name != tc.name || d.Parent != tc.parent || d.Level != tc.level {
			t.Errorf("Lookup(%s) = %+v, %v; want %s parent %q level %d", tc.code, d, ok, tc.name, tc.parent, tc.level)
		}
	}
	if got := tb.FullName("510822"); got != "四川省广元市青川县" {
		t.Errorf("FullName(510822) = %q", got)
	}
}

func TestShortForms(t *testing.T) {
	for _, tc := range []struct {
		name        string
		level       Level
		short, weak []string
	}{
		{"四川省", Province, []string{"四川"}, nil},
		{"广西壮族自治区", Province, []string{"广西"}, nil},
		{"新疆维吾尔自治区", Province, []string{"新疆"}, nil},
		{"北京市", Province, []string{"北京"}, nil},
		{"成都市", City, []string{"成都"}, nil},
		{"凉山彝族自治州", City, []string{"凉山", "凉山州"}, nil},
		{"海西蒙古族藏族自治州", City, []string{"海西", "海西州"}, nil},
		{"克孜勒苏柯尔克孜自治州", City, []string{"克孜勒苏", "克孜勒苏州"}, nil},
		{"锡林郭勒盟", City, []string{"锡林郭勒"}, nil},
		{"阿里地区", City, []string{"阿里"}, nil},
		{"青川县", County, nil, []string{"青川"}},
		{"峨边彝族自治县", County, []string{"峨边县"}, []string{"峨边"}},
		{"朝阳区", County, nil, []string{"朝阳"}},
		{"浦东新区", County, nil, []string{"浦东"}},
		{"沛县", County, nil, nil}, // one rune is no short form
		{"中沙群岛的岛礁及其海域", County, nil, nil},
	} {
		short, weak := ShortForms(tc.name, tc.level)
		if !slices.Equal(short, append([]string{}, tc.short...)) || !slices.Equal(weak, append([]string{}, tc.weak...)) {
			t.Errorf("ShortForms(%s) = %q, %q; want %q, %q", tc.name, short, weak, tc.short, tc.weak)
		}
	}
}

func TestFind(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name, text, home string
		want             []string
	}{
		{"full names in a chain; event on the county", "5月12日,在四川省广元市青川县发生4.5级地震。", "",
			[]string{"510000 四川省 mentioned", "510800 广元市 mentioned", "510822 青川县 event"}},
		{"short forms", "四川成都今天召开新闻发布会,青川县代表参加。", "",
			[]string{"510000 四川省 mentioned", "510100 成都市 mentioned", "510822 青川县 mentioned"}},
		{"a county's bare stem needs context", "政府信息公开和政务服务,公开平台建设。", "", []string{}},
		{"a county's bare stem with its city", "广元青川发生地震。", "",
			[]string{"510800 广元市 mentioned", "510822 青川县 event"}},
		{"a province named elsewhere is not context enough for a stem", "黑龙江省推进健康龙江行动。", "",
			[]string{"230000 黑龙江省 mentioned"}},
		{"朝阳区 with 北京 is Beijing's", "北京朝阳区一小区发生火灾。", "",
			[]string{"110000 北京市 mentioned", "110105 朝阳区 event"}},
		{"朝阳区 with 长春 is Changchun's", "吉林省长春市朝阳区召开会议。", "",
			[]string{"220000 吉林省 mentioned", "220100 长春市 mentioned", "220104 朝阳区 mentioned"}},
		{"朝阳区 alone is ambiguous and left out", "朝阳区召开会议。", "", []string{}},
		{"朝阳区 alone resolved by the home jurisdiction", "朝阳区召开会议。", "220102",
			[]string{"220104 朝阳区 mentioned"}},
		{"朝阳县 is Liaoning's, the only one", "朝阳县召开会议。", "", []string{"211321 朝阳县 mentioned"}},
		{"朝阳市 is the city", "辽宁省朝阳市召开会议。", "", []string{"210000 辽宁省 mentioned", "211300 朝阳市 mentioned"}},
		{"朝阳 alone is a common word", "朝阳产业发展迅速,早上的朝阳很美。", "", []string{}},
		{"辽宁朝阳: the weak short form with its province, city beats county by level", "辽宁朝阳发生交通事故。", "",
			[]string{"210000 辽宁省 mentioned", "211300 朝阳市 event"}},
		{"鼓楼区 with 南京", "南京市鼓楼区境内一处工地坍塌。", "",
			[]string{"320100 南京市 mentioned", "320106 鼓楼区 event"}},
		{"鼓楼区 with 福州", "福州鼓楼区开展文明创建活动。", "",
			[]string{"350100 福州市 mentioned", "350102 鼓楼区 mentioned"}},
		{"鼓楼区 by home in Xuzhou", "鼓楼区开展文明创建活动。", "320311",
			[]string{"320302 鼓楼区 mentioned"}},
		{"鼓楼区 by home in the province is still a tie", "鼓楼区开展文明创建活动。", "320000", []string{}},
		{"鼓楼 landmark is not a region", "游客在鼓楼广场拍照。", "", []string{}},
		{"吉林 alone is the province", "吉林开展春季植树活动。", "", []string{"220000 吉林省 mentioned"}},
		{"吉林 with one of its districts is the city", "吉林船营区开展植树活动。", "",
			[]string{"220200 吉林市 mentioned", "220204 船营区 mentioned"}},
		{"海南 is the province", "海南发布台风预警。", "", []string{"460000 海南省 mentioned"}},
		{"海南州 is the prefecture", "青海海南州发生地震。", "", []string{"630000 青海省 mentioned", "632500 海南藏族自治州 event"}},
		{"a county with its province named elsewhere", "江苏省召开会议。会上,鼓楼区作了发言。", "",
			[]string{"320000 江苏省 mentioned"}}, // 江苏 has two 鼓楼区 (南京, 徐州)
		{"a county with its city named elsewhere", "南京召开会议。会上,鼓楼区作了发言。", "",
			[]string{"320100 南京市 mentioned", "320106 鼓楼区 mentioned"}},
		{"一X发生", "青川县一煤矿发生瓦斯爆炸。", "", []string{"510822 青川县 event"}},
		{"和平 is a word", "维护世界和平。", "", []string{}},
		{"和平区 with 天津", "天津市和平区开展活动。", "",
			[]string{"120000 天津市 mentioned", "120101 和平区 mentioned"}},
		{"位于", "事故现场位于凉山州境内。", "", []string{"513400 凉山彝族自治州 event"}},
		{"发生在", "火灾发生在成都市。", "", []string{"510100 成都市 event"}},
		{"mentioned, not event: a verb in another clause", "在成都市召开会议。青川县发生地震。", "",
			[]string{"510100 成都市 mentioned", "510822 青川县 event"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g := got(tb.Find(tc.text, tc.home)); !slices.Equal(g, tc.want) {
				t.Errorf("Find(%q, %q) =\n %q\nwant\n %q", tc.text, tc.home, g, tc.want)
			}
		})
	}
}

func TestFindAligned(t *testing.T) {
	tb := Default()
	// Word starts as a segmenter gives them: 广州/亚运/城市/志愿者, 吕/西安 is
	// one name 吕西安.
	for _, tc := range []struct {
		text   string
		starts []int
		want   []string
	}{
		{"广州亚运城市志愿者", []int{0, 6, 12, 18}, []string{"440100 广州市 mentioned"}},
		{"广州亚运城市志愿者", nil, []string{"440100 广州市 mentioned", "140800 运城市 mentioned"}},
		{"吕西安笔下", []int{0, 9}, []string{}},
		{"青川县人民政府", []int{0, 6}, []string{"510822 青川县 mentioned"}},
	} {
		var startsWord func(int) bool
		if tc.starts != nil {
			startsWord = func(i int) bool { return slices.Contains(tc.starts, i) }
		}
		if g := got(tb.FindAligned(tc.text, "", startsWord)); !slices.Equal(g, tc.want) {
			t.Errorf("FindAligned(%q, %v) = %q, want %q", tc.text, tc.starts, g, tc.want)
		}
		if tc.starts == nil {
			continue
		}
		if g := got(tb.FindAtStarts(tc.text, "", tc.starts)); !slices.Equal(g, tc.want) {
			t.Errorf("FindAtStarts(%q, %v) = %q, want %q", tc.text, tc.starts, g, tc.want)
		}
	}
}

func TestAdd(t *testing.T) {
	tb := Default()
	for _, d := range []Division{{Code: "361221", Name: "青岚县"}, {Code: "361200", Name: "澜州市"}} {
		if err := tb.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	if d, _ := tb.Lookup("361221"); d.Parent != "361200" && d.Parent != "360000" {
		t.Errorf("青岚县 parent %q", d.Parent)
	}
	want := []string{"360000 江西省 mentioned", "361200 澜州市 mentioned", "361221 青岚县 event"}
	if g := got(tb.Find("江西澜州青岚县境内发生洪涝灾害。", "361221")); !slices.Equal(g, want) {
		t.Errorf("Find = %q, want %q", g, want)
	}
	if g := got(tb.Find("青岚发生洪涝。", "361221")); !slices.Equal(g, []string{"361221 青岚县 event"}) {
		t.Errorf("short form of an added county at home: %q", g)
	}
	if g := got(tb.Find("青岚发生洪涝。", "")); len(g) != 0 {
		t.Errorf("short form of an added county without context: %q", g)
	}
	if got := Default(); got.Len() == tb.Len() {
		t.Error("Add changed the default table")
	}
	// Replacing a division drops its old names.
	if err := tb.Add(Division{Code: "361221", Name: "青峦县"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range tb.Find("青岚县", "") {
		if m.Code == "361221" {
			t.Errorf("the replaced name still matches: %v", got([]Mention{m}))
		}
	}

	for _, tc := range []struct {
		d    Division
		want string
	}{
		{Division{Code: "36122", Name: "青岚县"}, `cannot add division "青岚县" (36122): the code is not six digits of a GB/T 2260 code`},
		{Division{Code: "00ABCD", Name: "青岚县"}, `cannot add division "青岚县" (00ABCD): the code is not six digits of a GB/T 2260 code`},
		{Division{Code: "361221", Name: "青"}, `cannot add division 361221: name "青" is not a division name`},
		{Division{Code: "361221", Name: "青岚县", Level: 7}, `cannot add division 361221 青岚县: level 7 is not province (1), city (2) or county (3)`},
	} {
		if err := tb.Add(tc.d); err == nil || err.Error() != tc.want {
			t.Errorf("Add(%+v) = %v, want %s", tc.d, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"510000\n", `cannot parse division line 1 "510000": want code, name and short forms separated by tabs`},
		{"# c\n51\t四川省\t四川\n", `cannot parse division line 2: cannot add division "四川省" (51): the code is not six digits of a GB/T 2260 code`},
	} {
		if _, err := Parse(tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) = %v, want %s", tc.in, err, tc.want)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	tb := Default()
	text := strings.Repeat("5月12日,在四川省广元市青川县发生4.5级地震,北京朝阳区和南京鼓楼区派出救援队。市民表示感谢,政府部门正在统计损失。", 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tb.Find(text, "510822")
	}
}
