package analyzer

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/model"
)

// Entity kinds.
const (
	EntityOrg    = "org"
	EntityPerson = "person"
	EntityPlace  = "place"
)

// Bounds on entities: maxEntities per post, and the size of an
// organisation name built from several tokens (青川县人民政府办公室 is 10
// runes; 成都天府建设集团有限公司 12).
const (
	maxEntities   = 20
	maxOrgTokens  = 8
	maxOrgRunes   = 24
	minOrgRunes   = 3
	maxPersonRune = 3
)

// commonSurnames are the single-character surnames of most of China's
// population. gse's dictionary tags many ordinary words nr (荣获, 惠民), so a
// token is taken for a person only when it starts with one of these.
const commonSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

// compoundSurnames allow four-rune names (欧阳建国).
var compoundSurnames = []string{"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "司徒", "长孙", "宇文", "端木"}

// orgHeads end the name of an organisation: government bodies (局, 委,
// 办, 厅, 部, 院 …), companies (有限公司, 集团) and other institutions.
// A token ending in one of them heads an organisation name.
var orgHeads = []string{
	"有限责任公司", "股份有限公司", "有限公司", "公司", "集团", "银行",
	"委员会", "办公室", "办公厅", "办事处", "人民政府", "政府", "管委会",
	"检察院", "法院", "医院", "派出所", "卫生院", "研究院", "研究所", "学院", "大学", "中学", "小学", "学校",
	"局", "委", "办", "厅", "署", "部", "处", "中心", "支队", "大队", "协会", "联合会", "商会",
}

// notOrgs are words that end like an organisation but are not one.
var notOrgs = map[string]bool{
	"干部": true, "全部": true, "内部": true, "外部": true, "局部": true, "南部": true, "北部": true, "东部": true,
	"西部": true, "中部": true, "腹部": true, "头部": true, "胸部": true, "背部": true, "面部": true, "底部": true,
	"顶部": true, "基层干部": true, "领导干部": true, "格局": true, "大局": true, "布局": true, "结局": true,
	"当局": true, "开局": true, "骗局": true, "出局": true, "举办": true, "主办": true, "承办": true, "创办": true,
	"督办": true, "协办": true, "申办": true, "包办": true, "查办": true, "怎么办": true, "操办": true, "兴办": true,
	"筹办": true, "开办": true, "停办": true, "代办": true, "中心": true, "公司": true, "集团": true, "政府": true,
	"银行": true, "学校": true, "医院": true, "到处": true, "好处": true, "坏处": true, "处处": true, "难处": true,
	"用处": true, "之处": true, "相处": true, "各处": true, "远处": true, "近处": true, "深处": true, "部委": true,
}

// personTitles are the official titles before or after a name (县长李明,
// 张伟书记). Longer titles end in one of these (县委书记, 副县长).
var personTitles = []string{
	"书记", "县长", "市长", "省长", "区长", "镇长", "乡长", "村长", "州长", "主任", "局长", "部长", "厅长",
	"处长", "科长", "主席", "总理", "委员", "董事长", "总经理", "经理", "院长", "校长", "所长", "队长",
	"秘书长", "检察长", "庭长", "站长", "行长", "社长", "会长", "理事长", "主委", "常委", "副职",
}

// entities lists the organisations, persons and places of a post, each
// once, first mention first, organisations before persons before places:
//
//   - organisations: a run of name parts (places, nouns, names of bodies)
//     that ends in a head such as 局, 委, 办, 有限公司 or 集团 (青岚县应急管理局,
//     成都天府建设集团有限公司), or one token gse tags nt (国务院办公厅);
//     a name that is the tail of a longer one in the same post is left out;
//   - persons: a name next to an official title (县长李明, 张伟书记,
//     县委书记张伟) or before a verb of saying (张伟表示), or a token gse
//     tags nr; either way two or three runes
//     starting with a common surname (four with a compound surname), and
//     not a word of the sentiment lexicon (荣获 is tagged nr);
//   - places: the administrative divisions the post names (their official
//     names), then the other places gse tags ns.
func (a *Analyzer) entities(tokens []token, mentions []region.Mention) []model.Entity {
	var orgs, persons, places []string
	seen := map[string]bool{}
	add := func(list *[]string, s string) {
		if !seen[s] {
			seen[s] = true
			*list = append(*list, s)
		}
	}
	op := orgPartsPool.Get().(*[]orgPart)
	parts := orgParts(tokens, (*op)[:0])
	noOrgBefore := 0 // no organisation name starts before this token
	for i := 0; i < len(tokens); i++ {
		if i >= noOrgBefore {
			end, runEnd, capped, name := orgAt(tokens, parts, i)
			if end > 0 {
				add(&orgs, name)
				i = end - 1
				continue
			}
			// Every start inside a run of name parts without a head fails
			// the same way, so the scan skips them; a run cut by the size
			// bounds may still hold a name further on.
			if !capped && !anyOrgHead(parts[i:runEnd]) {
				noOrgBefore = runEnd
			}
		}
		if name, ok := a.personAt(tokens, i); ok {
			add(&persons, name)
		}
	}
	*op = parts
	orgPartsPool.Put(op)
	for _, m := range mentions {
		add(&places, m.Name)
	}
	for _, t := range tokens {
		if (t.pos == "ns" || t.pos == "nsf") && utf8.RuneCountInString(t.text) >= 2 && !seen[t.text] &&
			!strings.ContainsRune("各本我全该此", firstRune(t.text)) && !a.isDivisionName(t.text) {
			add(&places, t.text)
		}
	}
	out := []model.Entity{}
	for _, g := range []struct {
		kind  string
		names []string
	}{{EntityOrg, dropTails(orgs)}, {EntityPerson, persons}, {EntityPlace, places}} {
		for _, n := range g.names {
			if len(out) == maxEntities {
				return out
			}
			out = append(out, model.Entity{Text: n, Kind: g.kind})
		}
	}
	return out
}

// orgPart says what a token can be in an organisation's name: a name
// part (isOrgPart), a head (isOrgHead) among the parts, and its length in
// runes. Computed once per token, it spares orgAt, which looks at each
// token from several starts, the string tests.
type orgPart struct {
	part, head bool
	runes      int32
}

var orgPartsPool = sync.Pool{New: func() any { p := make([]orgPart, 0, 1024); return &p }}

func orgPartOf(t token) orgPart {
	if !isOrgPart(t) {
		return orgPart{}
	}
	return orgPart{part: true, head: isOrgHead(t.text), runes: int32(utf8.RuneCountInString(t.text))}
}

// orgParts appends to dst the orgPart of each token; a dictionary word
// carries it in its entryInfo.
func orgParts(tokens []token, dst []orgPart) []orgPart {
	for _, t := range tokens {
		if t.info.known() {
			var p orgPart
			if t.info&infoOrgPart != 0 {
				p = orgPart{part: true, head: t.info&infoOrgHead != 0, runes: int32(utf8.RuneCountInString(t.text))}
			}
			dst = append(dst, p)
		} else {
			dst = append(dst, orgPartOf(t))
		}
	}
	return dst
}

// orgAt returns where the organisation name starting at tokens[i] ends (0:
// none starts there) and the name: the run of name parts from i, cut after
// its last head. A run of one token counts only when gse tags it nt.
// runEnd is where the run of name parts ends (at the latest where the title
// ends); capped says the scan stopped
// early, at maxOrgTokens or maxOrgRunes. parts are the orgParts of tokens.
func orgAt(tokens []token, parts []orgPart, i int) (end, runEnd int, capped bool, name string) {
	runes, nameRunes := 0, 0
	runEnd = i
	for j := i; j < len(tokens); j++ {
		p := parts[j]
		// A name never spans the title and the body: 「…新闻发布会」 then
		// 「青岚县人民政府定于…」 is not one organisation.
		if !p.part || tokens[j].title != tokens[i].title {
			break
		}
		runes += int(p.runes)
		if runes > maxOrgRunes || j-i >= maxOrgTokens {
			capped = true
			break
		}
		runEnd = j + 1
		if p.head && (j > i || tokens[j].pos == "nt") {
			end, nameRunes = j+1, runes
		}
	}
	if end == 0 || nameRunes < minOrgRunes {
		return 0, runEnd, capped, ""
	}
	// The name is built on the stack, and allocated only when it is one.
	var arr [4 * maxOrgRunes]byte
	buf := arr[:0]
	for _, t := range tokens[i:end] {
		buf = append(buf, t.text...)
	}
	if notOrgs[string(buf)] {
		return 0, runEnd, capped, ""
	}
	return end, runEnd, capped, string(buf)
}

func anyOrgHead(parts []orgPart) bool {
	for _, p := range parts {
		if p.head {
			return true
		}
	}
	return false
}

func isOrgPart(t token) bool {
	if isOrgPartPOS(t.pos) || (t.pos == "v" && isOrgHead(t.text)) {
		return !isTitle(t.text) && isHan(t.text)
	}
	return false
}

// isOrgPartPOS reports whether pos is a part of speech of the words an
// organisation's name is made of: places (青川县), names of bodies
// (县人民政府), nouns (天府, 市场), verbal nouns (建设, 发展, 改革),
// distinguishing words (中级), the abbreviation tag (j) and gse's zg, which
// it gives 县 and 委.
func isOrgPartPOS(pos string) bool {
	switch pos {
	case "ns", "nsf", "nt", "n", "nz", "vn", "b", "j", "zg", "ng":
		return true
	}
	return false
}

// suffixIndex groups suffixes by their last rune, so that testing a word
// costs a bit test and, for the few words ending like a suffix, one map
// lookup and a few comparisons.
type suffixIndex struct {
	last   [0x10000 / 64]uint64 // BMP runes that end a suffix
	byLast map[rune][]string
}

func newSuffixIndex(suffixes []string) *suffixIndex {
	idx := &suffixIndex{byLast: map[rune][]string{}}
	for _, s := range suffixes {
		r, _ := utf8.DecodeLastRuneInString(s)
		if r < 0x10000 {
			idx.last[r>>6] |= 1 << (r & 63)
		}
		idx.byLast[r] = append(idx.byLast[r], s)
	}
	return idx
}

func (idx *suffixIndex) match(w string) bool {
	r, _ := utf8.DecodeLastRuneInString(w)
	if r < 0x10000 && idx.last[r>>6]&(1<<(r&63)) == 0 {
		return false
	}
	for _, s := range idx.byLast[r] {
		if strings.HasSuffix(w, s) {
			return true
		}
	}
	return false
}

var (
	orgHeadIndex = newSuffixIndex(orgHeads)
	titleIndex   = newSuffixIndex(personTitles)
)

func isOrgHead(w string) bool { return orgHeadIndex.match(w) && !notOrgs[w] }

func isTitle(w string) bool { return titleIndex.match(w) }

// personAt returns the person named by tokens[i], if any.
func (a *Analyzer) personAt(tokens []token, i int) (string, bool) {
	t := &tokens[i]
	nameLike := t.pos == "" || strings.HasPrefix(t.pos, "nr")
	if !nameLike || !a.isPersonName(t.text) {
		return "", false
	}
	if t.pos == "nr" || t.pos == "nrfg" {
		return t.text, true
	}
	// A word the dictionary does not know (found by the HMM) is a name
	// only next to a title ("县委书记张伟", "张伟书记") or before a verb of
	// saying ("张伟表示").
	if i > 0 && isTitle(tokens[i-1].text) || i+1 < len(tokens) && (isTitle(tokens[i+1].text) || speechVerbs[tokens[i+1].text]) {
		return t.text, true
	}
	return "", false
}

// speechVerbs follow a speaker's name in news text.
var speechVerbs = map[string]bool{
	"表示": true, "说": true, "指出": true, "强调": true, "介绍": true, "称": true, "透露": true, "坦言": true,
	"告诉": true, "认为": true, "回应": true, "要求": true, "主持": true, "出席": true, "一行": true,
}

// isPersonName reports whether w has the shape of a Chinese personal name.
func (a *Analyzer) isPersonName(w string) bool {
	n := utf8.RuneCountInString(w)
	if n < 2 || n > maxPersonRune+1 || !isHan(w) {
		return false
	}
	if n == maxPersonRune+1 {
		if !slices.ContainsFunc(compoundSurnames, func(s string) bool { return strings.HasPrefix(w, s) }) {
			return false
		}
	} else if first, _ := utf8.DecodeRuneInString(w); !isCommonSurname(first) {
		return false
	}
	_, ok := a.lex.words[w]
	return !ok
}

// surnameSet marks the runes of commonSurnames (all in the BMP).
var surnameSet = func() *[0x10000 / 64]uint64 {
	var set [0x10000 / 64]uint64
	for _, r := range commonSurnames {
		set[r>>6] |= 1 << (r & 63)
	}
	return &set
}()

func isCommonSurname(r rune) bool { return r < 0x10000 && surnameSet[r>>6]&(1<<(r&63)) != 0 }

// dropTails removes organisation names that end a longer one in the list
// (应急管理局 after 青岚县应急管理局): the longer name is the same body.
func dropTails(orgs []string) []string {
	out := orgs[:0:0]
	for _, o := range orgs {
		tail := false
		for _, p := range orgs {
			if p != o && strings.HasSuffix(p, o) {
				tail = true
				break
			}
		}
		if !tail {
			out = append(out, o)
		}
	}
	return out
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isHan(w string) bool {
	for _, r := range w {
		if !isHanRune(r) {
			return false
		}
	}
	return w != ""
}

// isHanRune is unicode.Is(unicode.Han, r), the common ideographs first.
func isHanRune(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF {
		return true // CJK Unified Ideographs, all Han
	}
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}
