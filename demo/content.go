package demo

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// The invented jurisdiction. 澜州市 and 青岚县 do not exist; their codes
// are real-looking GB/T 2260 codes that no real division uses (Jiangxi's
// prefectures end at 3611), so the demo never claims anything about a real
// place.
const (
	countyName   = "青岚县"
	countyCode   = "361221"
	cityName     = "澜州市"
	cityCode     = "361200"
	provinceCode = "360000"
)

// item is one published piece of content on one demo site. It is a pure
// function of the scenario epoch, the site and the item's position.
type item struct {
	site   string    // site key, e.g. "portal"
	pos    int       // position in the site's timeline: the article number
	offset int64     // scenario seconds since the epoch
	at     time.Time // publish time, in China Standard Time
	// column is the portal column (zwgk or xwfb) or the news section name.
	column string
	title  string
	paras  []string
	author string // 作者, 留言人, or the feed's author
	origin string // 来源: the outlet or office the text comes from
	// reprint names the outlet a repost was taken from (转载自).
	reprint string
	gov     *govMeta
	reply   *boardReply
	// incident marks items of the scripted incident (for tests and logs).
	incident bool
	// story names the story the item belongs to, for the scenario's truth
	// (see Stream). Background items made from one template are one
	// story: they differ only in the filler names and numbers.
	story string
	// tone is the intended polarity of a background item's template.
	tone string
}

// govMeta is the 政务公开 metadata block of a portal document.
type govMeta struct {
	indexNo   string // 索引号
	theme     string // 主题分类
	publisher string // 发布机构
	docNo     string // 文号, empty when the document has none
	date      string // 发文日期
}

// boardReply is a department's answer to a message-board thread.
type boardReply struct {
	dept string
	at   time.Time
	text string
}

// vars holds the words chosen for one item, so that its title and every
// paragraph talk about the same town, road and numbers.
type vars map[string]string

// fill replaces every {name} in tmpl with its value. A missing name is a
// bug in the templates, which the tests render exhaustively.
func (v vars) fill(tmpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			panic("BUG: demo: unclosed placeholder in template " + tmpl)
		}
		name := tmpl[i+1 : i+j]
		val, ok := v[name]
		if !ok {
			panic("BUG: demo: unknown placeholder {" + name + "} in template " + tmpl)
		}
		b.WriteString(tmpl[:i])
		b.WriteString(val)
		tmpl = tmpl[i+j+1:]
	}
}

func (v vars) fillAll(tmpls []string) []string {
	out := make([]string, len(tmpls))
	for i, t := range tmpls {
		out[i] = v.fill(t)
	}
	return out
}

// Vocabulary of the invented county.
var (
	towns       = []string{"城关镇", "青石镇", "桃源乡", "白沙镇", "龙潭乡", "石门镇", "枫林镇", "云溪乡", "高桥镇", "南岭乡"}
	villages    = []string{"杨家村", "竹山村", "下坪村", "柳塘村", "新塘村", "上湾村", "石桥村", "枫树村", "黄泥岗村", "梅子坳村"}
	communities = []string{"锦绣花园", "滨江华府", "阳光小区", "翠湖苑", "东方名城", "书香门第", "金桂园", "和谐家园", "文昌小区", "青岚御景"}
	roads       = []string{"人民路", "解放路", "青岚大道", "滨河路", "建设路", "文昌路", "新华街", "府前路", "环城北路", "迎宾大道"}
	depts       = []string{"县住建局", "县交通运输局", "县教育体育局", "县卫生健康委", "县市场监管局", "县人社局", "县城管局", "县水利局", "县医保局", "县民政局", "县自然资源局", "县公安局交警大队"}
	surnames    = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "罗", "谢", "曾", "彭", "邹", "钟"}
	givenNames  = []string{"伟", "芳", "娜", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "晓峰", "海燕", "建华", "文斌", "志强", "丽萍", "春梅", "国庆", "小红", "宇航", "雨欣"}
	nickHeads   = []string{"青岚网友", "热心市民", "城关老街坊", "一位家长", "上班族", "退休教师", "青石镇小李", "滨河路居民", "外地务工人员", "游客"}
	foods       = []string{"米粉", "糯米糍粑", "酱鸭", "米果", "擂茶", "豆腐乳", "腊肉炒笋", "清汤馄饨"}
	sceneries   = []string{"银杏林", "梯田", "古樟树", "油菜花海", "竹海", "古廊桥", "水库湿地", "红枫林"}
	weathers    = []string{"晴转多云", "多云", "阴转小雨", "小雨", "多云转晴", "晴"}
	leaders     = []struct{ name, title string }{
		{"刘海涛", "县委常委、副县长"},
		{"陈丽华", "副县长"},
		{"邓振宇", "副县长"},
		{"孙立新", "县人大常委会副主任"},
	}
	newsSections = []string{"本地新闻", "民生", "社会", "经济", "县域"}
)

// person returns a made-up full name.
func person(r *rng) string { return pick(r, surnames) + pick(r, givenNames) }

// cnDate formats t as 11月21日.
func cnDate(t time.Time) string {
	t = t.In(model.China)
	return fmt.Sprintf("%d月%d日", int(t.Month()), t.Day())
}

// cnFullDate formats t as 2026年11月21日.
func cnFullDate(t time.Time) string {
	t = t.In(model.China)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// baseVars chooses the common words of one item published at at.
func baseVars(r *rng, at time.Time) vars {
	t1 := r.between(2, 12)
	town := pick(r, towns)
	town2 := pick(r, towns)
	for town2 == town {
		town2 = pick(r, towns)
	}
	road := pick(r, roads)
	road2 := pick(r, roads)
	for road2 == road {
		road2 = pick(r, roads)
	}
	comm := pick(r, communities)
	comm2 := pick(r, communities)
	for comm2 == comm {
		comm2 = pick(r, communities)
	}
	l := pick(r, leaders)
	p := pick(r, policies)
	return vars{
		"county":       countyName,
		"city":         cityName,
		"town":         town,
		"town2":        town2,
		"village":      pick(r, villages),
		"community":    comm,
		"community2":   comm2,
		"road":         road,
		"road2":        road2,
		"dept":         pick(r, depts),
		"leader":       l.name,
		"leaderTitle":  l.title,
		"person":       person(r),
		"reporter":     person(r),
		"reporter2":    person(r),
		"nick":         pick(r, nickHeads) + strconv.Itoa(r.between(100, 9999)),
		"food":         pick(r, foods),
		"scenery":      pick(r, sceneries),
		"weather":      pick(r, weathers),
		"t1":           strconv.Itoa(t1),
		"t2":           strconv.Itoa(t1 + r.between(5, 10)),
		"n1":           strconv.Itoa(r.between(3, 9)),
		"n2":           strconv.Itoa(r.between(12, 98)),
		"n3":           strconv.Itoa(r.between(120, 980)),
		"n4":           strconv.Itoa(r.between(1200, 4800)),
		"wan":          fmt.Sprintf("%d.%d", r.between(1, 9), r.between(1, 9)),
		"pct":          strconv.Itoa(r.between(85, 98)),
		"fee":          strconv.Itoa(r.between(380, 400)),
		"date":         cnDate(at),
		"fulldate":     cnFullDate(at),
		"year":         strconv.Itoa(at.In(model.China).Year()),
		"policy":       p.name,
		"policyDept":   p.dept,
		"policyTheme":  p.theme,
		"policyBG":     p.background,
		"policyGoal":   p.goal,
		"policyTask1":  p.tasks[0],
		"policyTask2":  p.tasks[1],
		"policyTask3":  p.tasks[2],
		"publicity":    pick(r, publicities),
		"focus":        "",
		"focusDetail":  "",
		"event":        pick(r, countyEvents),
		"consultTopic": pick(r, consultTopics),
	}
}

// policy is a county policy document topic: it feeds the 政务公开 notices,
// their 政策解读, the news sites' explainers and the 常务会议 reports.
type policy struct {
	name, theme, dept, background, goal string
	tasks                               [3]string
}

var policies = []policy{
	{"农村人居环境整治提升", "城乡建设、环境保护", "县农业农村局",
		"为深入推进宜居宜业和美乡村建设，持续改善农村人居环境，根据省、市有关工作部署，结合我县实际，制定本方案。",
		"到年底，全县农村生活垃圾收运处置体系实现行政村全覆盖，农村卫生厕所普及率进一步提高，村容村貌明显提升。",
		[3]string{"深入开展村庄清洁行动，重点整治房前屋后乱堆乱放、河塘沟渠垃圾淤积等问题。", "稳步推进农村厕所革命，因地制宜新改建农村户用卫生厕所。", "加强农村生活污水治理，优先治理人口集中、生态敏感的村庄。"}},
	{"城乡居民基本医疗保险参保缴费", "卫生、体育", "县医保局",
		"为做好新一年度城乡居民基本医疗保险参保缴费工作，巩固提升参保质量，切实保障群众基本医疗需求，制定本方案。",
		"全县城乡居民基本医疗保险参保率稳定在95%以上，特困人员、低保对象等困难群众应保尽保。",
		[3]string{"参保群众可通过手机缴费平台、银行网点或村（社区）代办点缴费。", "对特困人员、低保对象等困难群众个人缴费部分给予分类资助。", "各乡（镇）要组织村（社区）干部入户宣传，确保政策家喻户晓。"}},
	{"秋冬季森林防灭火", "农业、林业、水利", "县林业局",
		"当前已进入秋冬季森林防火期，气候干燥，野外火源管控难度加大。为切实做好全县森林防灭火工作，制定本方案。",
		"确保全县不发生较大以上森林火灾，森林火灾受害率控制在省定指标以内。",
		[3]string{"严格落实野外用火审批制度，防火期内严禁在林区烧荒、烧田埂草。", "各乡（镇）组建半专业扑火队，储备扑火物资，确保火情能够快速处置。", "加强护林员巡山护林，在进山重点路口设立检查站。"}},
	{"义务教育学校招生入学", "教育", "县教育体育局",
		"为规范义务教育学校招生入学工作，保障适龄儿童少年依法接受义务教育，制定本方案。",
		"坚持免试就近入学原则，城区小学和初中实行划片招生，确保适龄儿童少年应入尽入。",
		[3]string{"小学一年级招收年满6周岁的适龄儿童。", "进城务工人员随迁子女凭居住证明等材料就近安排入学。", "严禁任何学校以考试、测评等方式选拔学生。"}},
	{"城区停车秩序专项整治", "公安、安全、司法", "县公安局交警大队",
		"近年来我县城区机动车保有量快速增长，停车难、乱停乱放问题较为突出。为改善城区交通秩序，制定本方案。",
		"通过三个月专项整治，城区主次干道乱停乱放现象明显减少，新增一批公共停车泊位。",
		[3]string{"在主次干道周边合理施划临时停车泊位。", "对占用消防通道、盲道停车等违法行为依法查处。", "鼓励机关企事业单位在节假日向社会开放内部停车场。"}},
	{"高标准农田建设", "农业、林业、水利", "县农业农村局",
		"为提升耕地质量和粮食综合生产能力，夯实粮食安全根基，制定本方案。",
		"全年新建和改造提升高标准农田2万亩以上，建成后亩均粮食产能明显提高。",
		[3]string{"重点实施土地平整、灌溉排水、田间道路等工程建设。", "项目优先安排在粮食主产乡镇集中连片实施。", "建立建后管护机制，确保农田建得好、管得住、用得久。"}},
	{"稳就业促增收", "劳动、人事、监察", "县人社局",
		"为深入实施就业优先战略，促进城乡劳动者充分就业、增加收入，制定本方案。",
		"全年城镇新增就业2000人以上，城镇调查失业率控制在5.5%以内。",
		[3]string{"常态化开展线上线下招聘活动，搭建企业与求职者对接平台。", "对吸纳就业困难人员的企业按规定给予社会保险补贴。", "实施职业技能提升行动，开展电工、焊工、家政服务等培训。"}},
	{"居家和社区养老服务提升", "民政、扶贫、救灾", "县民政局",
		"为积极应对人口老龄化，满足老年人多样化养老服务需求，制定本方案。",
		"到年底，城市社区养老服务设施实现全覆盖，农村养老服务设施覆盖率达到60%以上。",
		[3]string{"在中心集镇新建区域性养老服务中心。", "推进社区老年食堂建设，为高龄、独居老人提供助餐服务。", "开展特殊困难老年人家庭适老化改造。"}},
	{"消费品以旧换新", "商贸、海关、旅游", "县商务局",
		"为扩大内需、提振消费，推动消费品以旧换新，制定本方案。",
		"全年带动汽车、家电、家装等消费明显增长，惠及更多城乡居民。",
		[3]string{"对个人消费者购买一级能效家电给予一定比例补贴。", "支持汽车销售企业开展报废更新、置换更新活动。", "鼓励商贸企业开展家装厨卫“焕新”促销活动。"}},
	{"电动自行车充电设施建设", "城乡建设、环境保护", "县住建局",
		"为解决群众电动自行车充电难问题，规范停放充电秩序，制定本方案。",
		"年底前城区住宅小区电动自行车集中充电设施覆盖率达到90%以上。",
		[3]string{"老旧小区结合改造同步建设集中充电设施。", "新建住宅小区按规定配建电动自行车停放充电场所。", "引导物业企业规范管理，劝导居民不在楼道停放充电。"}},
}

var publicities = []string{
	"县级农业产业化龙头企业拟认定名单",
	"就业见习基地拟认定名单",
	"“最美家庭”拟推荐对象",
	"高龄津贴拟发放对象",
	"家庭农场示范场拟认定名单",
	"创业担保贷款贴息拟支持对象",
}

var countyEvents = []string{"农民丰收节系列活动", "秋季人才招聘会", "全民健身运动会", "非遗文化展演活动", "消费帮扶产品展销会", "读书月主题活动"}

var consultTopics = []string{"社保关系跨省转移", "孩子转学学籍办理", "住房公积金提取", "新生儿医保参保", "不动产权证办理", "灵活就业人员社保缴费", "老年人优待证申领"}

// orgCode makes a stable, real-looking unified social credit code fragment
// for an office, for the 索引号.
func orgCode(org string) string {
	h := fnv.New32a()
	h.Write([]byte(org))
	return fmt.Sprintf("11361221%08d%c", h.Sum32()%100000000, 'A'+rune(h.Sum32()%26))
}

// A story is a title and its paragraphs; each is filled from the item's vars.
type story struct {
	title string
	paras []string
}

// ---- The county portal ----

var portalFocuses = []struct{ focus, detail string }{
	{"乡村振兴", "村集体经济发展和产业项目建设情况"},
	{"农村饮水安全", "供水工程运行管护和水质检测情况"},
	{"秋冬季森林防火", "防火物资储备和巡山护林情况"},
	{"重点项目建设", "项目施工进度和要素保障情况"},
	{"民生实事", "民生实事项目推进和资金使用情况"},
	{"文明城市创建", "背街小巷环境整治和志愿服务开展情况"},
}

var portalNews = []story{
	{"{leader}带队调研{town}{focus}工作", []string{
		"{date}，{leaderTitle}{leader}带队深入{town}{village}，实地调研{focus}工作。",
		"在{village}，{leader}一行走进田间地头和农户家中，详细了解{focusDetail}，听取乡镇和村干部工作汇报。",
		"{leader}指出，{focus}事关群众切身利益，各级各部门要提高政治站位，压实工作责任，确保各项任务落地见效。",
		"{leader}强调，要坚持问题导向，紧盯短板弱项，加强统筹调度，以钉钉子精神推动工作取得新成效。",
		"县直有关部门负责同志陪同调研。",
	}},
	{"县政府召开第{n2}次常务会议", []string{
		"{date}，县长周明远主持召开县政府第{n2}次常务会议，传达学习上级有关会议精神，研究部署近期重点工作。",
		"会议听取了{focus}工作情况汇报，审议并原则通过了《{county}{year}年{policy}工作方案》。",
		"会议强调，岁末年初各项工作任务繁重，各乡（镇）、各部门要对照年度目标，倒排工期、挂图作战，确保全年目标任务圆满完成。",
		"会议还研究了其他事项。县政府领导班子成员，县直有关部门主要负责同志列席会议。",
	}},
	{"{county}{n1}个重点项目集中开工 总投资{wan}亿元", []string{
		"{date}，{county}重点项目集中开工仪式在{town}项目现场举行。",
		"此次集中开工的{n1}个项目总投资{wan}亿元，涵盖先进制造、现代农业、城市更新和社会民生等领域。",
		"其中，{town}农产品冷链物流中心项目计划明年年底建成，建成后预计可带动就业{n3}人。",
		"县委书记王建国宣布项目开工。他表示，项目建设是推动高质量发展的“压舱石”，要以最优的服务推动项目早开工、早投产、早见效。",
	}},
	{"{town}：小小脐橙“串”起增收致富链", []string{
		"近年来，{town}立足资源禀赋，大力发展脐橙产业，全镇种植面积达到{n2}000亩。",
		"{village}党支部书记{person}介绍，村里成立了脐橙专业合作社，统一技术、统一品牌、统一销售，今年村集体经济收入突破{n2}万元。",
		"为延长产业链，{town}还引进了分拣包装和冷链仓储企业，带动周边{n3}余名群众在家门口就业。",
		"下一步，{town}将持续做大做强特色产业，让更多群众吃上“产业饭”、走上致富路。",
	}},
	{"{county}举办{year}年{event}", []string{
		"{date}，{county}{year}年{event}在县文化广场举行。",
		"本次活动由{dept}等单位主办，吸引了{n3}余名群众参与。",
		"活动现场，各类展位前人头攒动，市民群众热情高涨，现场气氛热烈。",
		"据了解，近年来我县持续丰富群众文化生活，群众获得感、幸福感、安全感不断增强。",
	}},
	{"{town}：“小网格”撬动基层治理“大变化”", []string{
		"今年以来，{town}推行网格化管理，将全镇划分为{n2}个网格，每个网格配备一名专职网格员。",
		"网格员每天走街串巷，收集群众诉求，能现场解决的当场解决，不能解决的及时上报。",
		"“以前有事要跑镇里，现在网格员上门服务，方便多了。”{village}村民{person}说。",
		"据统计，今年以来{town}共收集群众诉求{n3}件，办结率达到98%以上。",
	}},
}

// portalBackground generates the background item of the county portal: a
// 政务公开 document (notice, 政策解读, 公示) or a 新闻发布 work report.
func portalBackground(r *rng, v vars, it *item) {
	pol := policyByName(v["policy"])
	f := pick(r, portalFocuses)
	v["focus"], v["focusDetail"] = f.focus, f.detail
	year := v["year"]
	switch r.intn(5) {
	case 0, 1:
		it.column = "xwfb"
		t := pick(r, portalNews)
		it.title, it.paras = v.fill(t.title), v.fillAll(t.paras)
		it.story = storyKey(t.title, v)
		it.origin = "青岚县人民政府办公室"
		it.author = person(r)
		return
	case 2:
		it.column = "zwgk"
		it.title = fmt.Sprintf("青岚县人民政府办公室关于印发《青岚县%s年%s工作方案》的通知", year, pol.name)
		it.paras = []string{
			"各乡（镇）人民政府，县政府各部门：",
			fmt.Sprintf("《青岚县%s年%s工作方案》已经县人民政府同意，现印发给你们，请结合实际，认真贯彻执行。", year, pol.name),
			"一、总体要求。" + pol.background,
			"二、工作目标。" + pol.goal,
			"三、重点任务。（一）" + pol.tasks[0] + "（二）" + pol.tasks[1] + "（三）" + pol.tasks[2],
			"四、保障措施。各乡（镇）、各有关部门要加强组织领导，明确责任分工，强化督促检查，确保各项工作任务落到实处。",
			"青岚县人民政府办公室",
			v["fulldate"],
		}
		it.gov = &govMeta{theme: pol.theme, publisher: "青岚县人民政府办公室",
			docNo: fmt.Sprintf("青政办发〔%s〕%d号", year, 8+it.pos%90)}
		it.story = policyStory(pol.name)
	case 3:
		it.column = "zwgk"
		it.title = fmt.Sprintf("《青岚县%s年%s工作方案》政策解读", year, pol.name)
		it.paras = []string{
			"一、制定背景。" + pol.background,
			"二、主要目标。" + pol.goal,
			"三、主要内容。方案明确了以下重点任务：" + pol.tasks[0] + pol.tasks[1] + pol.tasks[2],
			"四、适用范围。本方案适用于全县各乡（镇）及县直有关单位。",
			"五、解读机关。" + pol.dept + "。群众也可拨打12345政务服务便民热线咨询相关政策。",
		}
		it.gov = &govMeta{theme: pol.theme, publisher: "青岚" + pol.dept}
		it.story = policyStory(pol.name)
	default:
		it.column = "zwgk"
		if r.intn(2) == 0 {
			pub := v["publicity"]
			it.title = fmt.Sprintf("关于%s年度%s的公示", year, pub)
			names := make([]string, 0, 4)
			for range r.between(3, 5) {
				names = append(names, pick(r, towns)+pick(r, []string{"绿源", "鑫盛", "丰禾", "恒泰", "金穗", "山水"})+pick(r, []string{"农业开发有限公司", "食品有限公司", "家庭农场", "专业合作社"}))
			}
			it.paras = []string{
				fmt.Sprintf("根据有关规定，经申报、审核，拟确定以下单位（个人）为%s年度%s对象，现予以公示。", year, strings.TrimSuffix(strings.TrimSuffix(pub, "拟认定名单"), "拟推荐对象")),
				strings.Join(names, "、") + "。",
				"公示期为5个工作日。公示期内，如有异议，请以书面形式向" + v["dept"] + "反映。反映情况应实事求是，并提供联系方式。",
				v["dept"],
				v["fulldate"],
			}
			it.gov = &govMeta{theme: pol.theme, publisher: "青岚" + v["dept"]}
			it.story = "publicity:" + pub
		} else {
			it.title = v.fill("关于{road}部分路段施工期间临时交通管制的通告")
			it.paras = v.fillAll([]string{
				"因{road}（{road2}至府前路段）雨污分流改造工程施工需要，为确保施工安全和道路交通有序，决定对该路段实施临时交通管制。",
				"一、管制时间：自{date}起至工程完工止。",
				"二、管制措施：管制期间，该路段实行半幅通行，禁止大型货车通行，请过往车辆和行人按指示标志绕行。",
				"三、请广大驾驶人和行人自觉遵守本通告，服从现场交通民警和工作人员指挥。由此带来的不便，敬请谅解。",
				"青岚县公安局交警大队",
				"{fulldate}",
			})
			it.gov = &govMeta{theme: "公安、安全、司法", publisher: "青岚县公安局交警大队"}
			it.story = "traffic-control:" + v["road"]
		}
	}
	it.origin = it.gov.publisher
}

func policyByName(name string) policy {
	for _, p := range policies {
		if p.name == name {
			return p
		}
	}
	panic("BUG: demo: unknown policy " + name)
}

// ---- The news sites ----

// newsStory is a story with its intended polarity, so the mix of
// background chatter is mostly positive and neutral with the odd complaint.
type newsStory struct {
	story
	tone string // positive, neutral, negative
}

var newsStories = []newsStory{
	{story{"{town}脐橙喜获丰收 果农笑开颜", []string{
		"连日来，{county}{town}{village}的脐橙基地里果香四溢，果农们忙着采摘、分拣、装箱，处处是一派丰收景象。",
		"“今年雨水调和，果子个头大、糖度高，收购价比去年每斤高了两毛钱。”种植户{person}一边采摘一边说。",
		"据介绍，{town}脐橙种植面积已达{n2}000余亩，今年预计产量{n3}0万斤。",
		"为拓宽销路，当地还引导果农发展电商直播，{village}的年轻人在果园里支起手机，把脐橙卖到了全国各地。",
	}}, "positive"},
	{story{"{city}新开通{n1}条公交线路 方便市民出行", []string{
		"记者从{city}交通运输局获悉，{date}起，{city}新开通{n1}条城市公交线路，新增站点{n2}个。",
		"新线路重点覆盖{community}、{community2}等新建小区以及{road}沿线，解决了周边居民“最后一公里”出行难题。",
		"“以前去医院要转两趟车，现在出门走几步就能坐上公交。”家住{community}的{person}说。",
		"据悉，新线路首末班时间为6:30至21:00，票价统一为1元。",
	}}, "positive"},
	{story{"{county}人民医院新住院综合楼投入使用", []string{
		"{date}，{county}人民医院新住院综合楼正式投入使用，新增床位{n3}张。",
		"新住院综合楼共{n1}层，设有心血管内科、神经内科、儿科等多个病区，配备了先进的诊疗设备。",
		"医院负责人介绍，新楼启用后，住院病人“一床难求”的问题将得到有效缓解。",
		"近年来，{county}持续加大医疗卫生投入，县域就诊率不断提高，群众在家门口就能看好病。",
	}}, "positive"},
	{story{"{village}古村落成网红打卡地 周末游客络绎不绝", []string{
		"走进{county}{town}{village}，青砖黛瓦、古树环绕，保存完好的明清古建筑群吸引了不少游客驻足拍照。",
		"“在网上看到这里的照片，特意从{city}开车过来，果然名不虚传。”游客{person}说。",
		"近年来，{village}在保护古建筑的基础上，发展民宿、农家乐等业态，村民在家门口吃上了“旅游饭”。",
		"据统计，今年以来{village}已接待游客{n2}万人次，带动村民人均增收{n4}元。",
	}}, "positive"},
	{story{"{county}学子在全省青少年科技创新大赛中获佳绩", []string{
		"近日，全省青少年科技创新大赛落下帷幕，{county}中学代表队共获得一等奖{n1}项、二等奖{n1}项。",
		"获奖作品《智能节水灌溉装置》由{n1}名高二学生历时半年设计完成，得到评委的一致好评。",
		"指导教师{person}介绍，学校近年来开设了机器人、编程等科技社团，培养学生的创新实践能力。",
	}}, "positive"},
	{story{"{city}城乡居民医保集中缴费启动 个人缴费标准公布", []string{
		"记者从{city}医保局获悉，新一年度城乡居民基本医疗保险集中缴费工作已经启动，缴费截止时间为12月31日。",
		"今年个人缴费标准为每人每年{fee}元，缴费后可享受下一年度的医保待遇。",
		"参保群众可通过手机缴费平台、银行网点以及村（社区）代办点缴费。",
		"医保部门提醒，未在集中缴费期内参保的，将设置待遇等待期，请广大群众及时缴费。",
	}}, "neutral"},
	{story{"未来三天{city}将有一次降温降雨过程", []string{
		"据{city}气象台消息，受冷空气影响，{date}起我市将有一次降温降雨过程，最低气温将降至{t1}℃左右。",
		"气象部门提醒，降温幅度较大，市民要注意添衣保暖，老人和儿童要注意预防感冒。",
		"同时，设施农业要做好防寒保温措施，驾驶人要注意雨天路滑，减速慢行。",
	}}, "neutral"},
	{story{"政策解读｜{county}{policy}工作方案有哪些新变化", []string{
		"近日，{county}印发《{county}{year}年{policy}工作方案》。方案有哪些新变化？记者采访了{policyDept}相关负责人。",
		"问：方案出台的背景是什么？",
		"答：{policyBG}",
		"问：方案的目标和重点任务有哪些？",
		"答：{policyGoal}{policyTask1}{policyTask2}{policyTask3}",
		"问：群众如何了解相关政策？",
		"答：方案全文已在{county}人民政府网站政务公开栏目公布，群众也可拨打12345政务服务便民热线咨询。",
	}}, "neutral"},
	{story{"{city}秋季人才招聘会举行 提供就业岗位{n4}个", []string{
		"{date}，{city}{year}年秋季人才招聘会在市人力资源市场举行，{n3}家企业提供就业岗位{n4}个。",
		"招聘岗位涵盖电子信息、机械制造、商贸物流等行业，部分技术岗位月薪超过8000元。",
		"现场还设立了政策咨询、职业指导等服务台，为求职者提供“一站式”服务。",
		"据统计，当天进场求职者{n4}余人次，初步达成就业意向{n3}人。",
	}}, "neutral"},
	{story{"{county}{road}提升改造工程进入收尾阶段", []string{
		"记者{date}从{county}住建局了解到，{road}提升改造工程已进入收尾阶段，预计本月底全线通车。",
		"该工程全长{n1}.{n1}公里，主要对道路路面、人行道、雨污管网和路灯进行改造提升。",
		"施工方负责人表示，目前正在进行沥青摊铺和交通标线施划，将在确保质量的前提下加快进度。",
	}}, "neutral"},
	{story{"{county}举办农民丰收节 农特产品展销受追捧", []string{
		"{date}，{county}农民丰收节在{town}举行，来自全县的{n2}家合作社和农户带来了脐橙、茶油、笋干等农特产品。",
		"展销现场人头攒动，不少市民一次就买了好几袋。“都是自家种的，价格实惠、吃着放心。”{village}村民{person}说。",
		"据统计，当天现场销售额达{n2}万元，线上直播带货订单超过{n4}单。",
	}}, "positive"},
	{story{"{city}{n1}个社区食堂开张 老人吃饭有了好去处", []string{
		"{date}，{city}{community}社区食堂正式开张，这是今年新建的第{n1}个社区食堂。",
		"食堂每天提供午餐和晚餐，60岁以上老人就餐可享受优惠，80岁以上老人还可以预约送餐上门。",
		"“饭菜软烂、口味清淡，价格也实惠。”正在就餐的{person}老人说。",
	}}, "positive"},
	{story{"{city}冬季义务植树活动启动", []string{
		"{date}，{city}冬季义务植树活动在{county}{town}启动，{n3}余名干部群众参加。",
		"活动现场，大家挥锹铲土、扶苗培土，种下香樟、桂花等苗木{n4}余株。",
		"据介绍，今冬明春全市计划完成植树造林{n2}000亩。",
	}}, "neutral"},
	{story{"{community}停水两天无人通知 居民盼尽快恢复供水", []string{
		"近日，有{county}{community}居民向本报反映，小区从{date}凌晨开始停水，至今已近两天，事先没有收到任何通知。",
		"“家里老人孩子都等着用水，只能到外面买桶装水，生活太不方便了。”居民{person}抱怨说。",
		"记者联系了{county}自来水公司，工作人员表示，停水是因为{road}供水主管道破裂，正在抢修。",
		"该公司表示，预计今晚可以恢复供水，对于未及时通知的问题，将认真整改。",
	}}, "negative"},
	{story{"{road}夜间施工噪音扰民 附近居民难入眠", []string{
		"“每天晚上十一点以后还在施工，机器轰隆隆响，根本睡不着觉。”近日，家住{county}{road}附近的居民{person}向记者反映。",
		"记者夜间来到现场看到，一处在建工地仍在进行混凝土浇筑作业，施工噪音明显。",
		"按照规定，夜间施工须办理相关手续并提前公示。对此，{county}城管局表示，将立即核查，如存在违规施工将依法处理。",
	}}, "negative"},
	{story{"{community}物业服务缩水 业主不满", []string{
		"“物业费一分没少交，可楼道没人打扫，电梯坏了一周才修。”{county}{community}业主{person}说。",
		"多名业主反映，今年以来小区物业服务明显下降，垃圾清运不及时，绿化带杂草丛生。",
		"记者联系该小区物业公司，负责人称，近期人员流动较大，服务确有不到位之处，将尽快整改。",
		"{county}住建局相关负责人表示，已责成物业企业限期整改，并将加强对物业服务的监督。",
	}}, "negative"},
}

// pickTone picks one of the stories of the given tone.
func pickTone(r *rng, stories []newsStory, tone string) newsStory {
	var pool []newsStory
	for _, s := range stories {
		if s.tone == tone {
			pool = append(pool, s)
		}
	}
	return pick(r, pool)
}

// newsBackground generates a background story of a news site. Complaints
// are kept to about one story in ten, so that background chatter alone does
// not look like an incident.
func newsBackground(r *rng, v vars, it *item, outlet string) {
	tone := "neutral"
	switch n := r.intn(10); {
	case n < 4:
		tone = "positive"
	case n == 9:
		tone = "negative"
	}
	s := pickTone(r, newsStories, tone)
	it.title, it.paras, it.tone = v.fill(s.title), v.fillAll(s.paras), tone
	it.story = storyKey(s.title, v)
	switch {
	case strings.Contains(s.title, "{policy}"):
		it.story = policyStory(v["policy"])
	case strings.Contains(s.title, "医保"):
		it.story = "insurance-payment"
	}
	it.column = pick(r, newsSections)
	it.origin = outlet
	it.author = v["reporter"]
	if r.intn(2) == 0 {
		it.author += " 通讯员 " + v["reporter2"]
	}
}

// ---- The message board ----

var boardThreads = []newsStory{
	{story{"咨询：{consultTopic}需要哪些材料？", []string{
		"您好，我想咨询一下{consultTopic}需要准备哪些材料，在哪里办理？",
		"上班时间比较紧，能不能网上办理？谢谢！",
	}}, "neutral"},
	{story{"请问{consultTopic}能不能在乡镇办理？", []string{
		"我住在{town}，到县城办事来回要两个小时。",
		"请问{consultTopic}能不能在镇便民服务中心办理？需要本人到场吗？",
	}}, "neutral"},
	{story{"建议在{road}与{road2}交叉口增设红绿灯", []string{
		"{road}与{road2}交叉口车流量大，早晚高峰行人过马路不太安全。",
		"附近有学校，接送孩子的家长很多，建议相关部门增设红绿灯和斑马线。",
	}}, "neutral"},
	{story{"建议增开城区到{town}的公交班次", []string{
		"目前城区到{town}的公交一个小时才一班，最后一班下午五点就停了，上班族不太方便。",
		"希望交通部门能增加班次，延长末班车时间。",
	}}, "neutral"},
	{story{"建议在{community}附近建一个口袋公园", []string{
		"{community}周边居民很多，附近可以散步休闲的地方比较少。",
		"旁边有一块空地闲置很久了，建议改造成口袋公园，方便老人孩子活动。",
	}}, "neutral"},
	{story{"建议{village}通往{town}的村道加装护栏", []string{
		"{village}到{town}的村道有几处急弯，一边是水塘，晚上视线不好。",
		"建议在急弯处加装护栏和反光标志。",
	}}, "neutral"},
	{story{"感谢{dept}工作人员的热情服务", []string{
		"前几天到{dept}窗口办事，材料不齐，工作人员耐心告诉我怎么补，还帮我预约了时间。",
		"第二次去很快就办好了，服务态度非常好，特此留言表示感谢！",
	}}, "positive"},
	{story{"点赞{road}改造后的新变化", []string{
		"{road}改造完成后，路面平整了，人行道也宽了，晚上散步的人多了起来。",
		"给相关部门点个赞，希望其他老街也能照这样改一改。",
	}}, "positive"},
	{story{"{community}已经停水一天了，什么时候能恢复？", []string{
		"{community}从昨天晚上开始停水，物业说不清楚原因，也没有提前通知。",
		"家里有老人和小孩，做饭洗漱都成问题，请有关部门尽快处理。",
	}}, "negative"},
	{story{"{road}工地晚上十一点还在施工，噪音太大", []string{
		"{road}有个工地每天晚上施工到十一二点，机器声音特别大。",
		"孩子明年中考，晚上根本没法休息，请城管部门管一管。",
	}}, "negative"},
	{story{"{community}物业不作为，垃圾几天没人清", []string{
		"{community}的垃圾桶已经满了好几天，臭味很大，物业一直说会处理但没人来。",
		"物业费每年都按时交，服务却越来越差，希望主管部门督促整改。",
	}}, "negative"},
	{story{"{road}的路灯坏了半个月没人修", []string{
		"{road}靠近{community}那一段的路灯坏了半个多月，晚上黑漆漆的，骑电动车很危险。",
		"打过电话反映，到现在还没修好，希望尽快维修。",
	}}, "negative"},
	{story{"{community}门口占道经营严重，车都开不进去", []string{
		"每天傍晚{community}门口摆满了小摊，车辆和行人都过不去。",
		"希望城管部门规范一下，划定摊位区域。",
	}}, "negative"},
}

var boardReplies = []string{
	"您好！您反映的问题已收悉。经核实，我单位已安排工作人员现场处理，相关问题已解决。感谢您对我县工作的关注和支持！",
	"您好！来信收悉。您所咨询的事项可携带本人身份证到县政务服务中心相关窗口办理，也可通过网上办事大厅在线申请。如有疑问，请在工作日拨打12345咨询。",
	"您好！感谢您的建议。我单位已将该事项纳入明年工作计划，将在充分调研论证后组织实施。",
	"您好！您反映的情况我们已转交属地乡镇和责任单位办理，并将跟踪督促，办理结果将及时反馈。",
}

// boardBackground generates a background thread of the message board. Old
// threads already carry a department's reply: a thread never changes after
// it is published, so its reply must exist from the start.
func boardBackground(r *rng, v vars, it *item, epoch time.Time) {
	// About one thread in four is a complaint; the rest ask, suggest or thank.
	tone := "neutral"
	switch n := r.intn(8); {
	case n < 2:
		tone = "negative"
	case n == 2:
		tone = "positive"
	}
	t := pickTone(r, boardThreads, tone)
	it.title, it.paras, it.tone = v.fill(t.title), v.fillAll(t.paras), tone
	it.story = storyKey(t.title, v)
	if strings.Contains(t.title, "{consultTopic}") {
		it.story = "咨询:" + v["consultTopic"]
	}
	it.author = v["nick"]
	it.column = "县长信箱"
	if r.intn(3) == 0 {
		it.column = v["dept"]
	}
	replyAt := it.at.Add(time.Duration(r.between(2, 20)) * time.Hour)
	if replyAt.Before(epoch) {
		it.reply = &boardReply{dept: "青岚" + v["dept"], at: replyAt.Truncate(time.Minute), text: pick(r, boardReplies)}
	}
}

// ---- The self-media feed ----

var feedPosts = []story{
	{"今日青岚｜{date}天气：{weather}，气温{t1}～{t2}℃", []string{
		"早上好，青岚！今天{weather}，气温{t1}～{t2}℃，早晚温差较大，出门记得添件外套。",
		"近期空气干燥，大家多喝水，注意用火用电安全。",
	}},
	{"周末去哪儿｜{town}{village}的{scenery}美成了画", []string{
		"这个周末，不妨去{town}{village}走一走，那里的{scenery}正是最美的时候。",
		"从县城出发，自驾约{n2}分钟就能到达，村口有免费停车场。",
		"村里还有几家农家乐，推荐尝尝地道的{food}。",
	}},
	{"便民｜{date}起{road}部分路段临时交通管制", []string{
		"因道路施工，{date}起{road}（{road2}至府前路段）实行半幅通行，大型货车禁止通行。",
		"请过往车辆提前规划路线，绕行{road2}。",
	}},
	{"美食｜藏在{road}老街的{food}，本地人吃了二十年", []string{
		"在{road}老街的一条小巷里，有一家不起眼的小店，老板{person}做{food}已经二十多年了。",
		"每天早上六点开门，不到十点就卖完，很多老顾客专门开车过来。",
		"小编亲测，味道确实没话说，价格也很实在。",
	}},
	{"招聘｜{county}{n1}家企业招工，提供岗位{n3}个", []string{
		"{county}工业园区{n1}家企业近期招工，提供普工、技术员、质检员等岗位{n3}个。",
		"普工月薪4000～6000元，包吃住，缴纳五险。有意者可到县人力资源市场现场咨询。",
	}},
	{"好消息！{county}到{city}城际公交开通啦", []string{
		"{date}起，{county}至{city}城际公交正式开通，每20分钟一班，全程约{n2}分钟。",
		"票价{n1}元，可以使用手机扫码乘车。以后去市里更方便了！",
	}},
	{"提醒｜城乡居民医保缴费即将截止", []string{
		"城乡居民医保集中缴费即将截止，还没缴费的朋友抓紧啦！",
		"今年个人缴费标准为每人{fee}元，可以通过手机缴费平台或村（社区）代办点缴纳。",
	}},
}

// feedBackground generates a background post of the self-media account.
func feedBackground(r *rng, v vars, it *item) {
	t := pick(r, feedPosts)
	it.title, it.paras = v.fill(t.title), v.fillAll(t.paras)
	it.story = storyKey(t.title, v)
	switch {
	case strings.Contains(t.title, "交通管制"):
		it.story = "traffic-control:" + v["road"]
	case strings.Contains(t.title, "医保"):
		it.story = "insurance-payment"
	}
	it.author = "青岚生活圈"
	it.origin = "青岚生活圈"
}

// storyKey names the story of a background item made from the title
// template tmpl: the template filled with the words that say what and
// where (town, village, community, road, office, policy), with the numbers,
// dates, people and dishes or sights blanked, since two items that differ only in those are
// the same story told again. A few kinds of story are told by templates of
// several sites and are named by their kind and place.
func storyKey(tmpl string, v vars) string {
	for _, k := range []struct{ marker, kind, place string }{
		{"停水", "停水", "community"}, {"噪音", "施工噪音", "road"}, {"晚上十一点还在施工", "施工噪音", "road"},
		{"物业", "物业", "community"}, {"脐橙", "脐橙", "town"},
	} {
		if strings.Contains(tmpl, k.marker) {
			return k.kind + ":" + v[k.place]
		}
	}
	blank := vars{}
	for name, val := range v {
		blank[name] = val
	}
	for _, name := range []string{"n1", "n2", "n3", "n4", "wan", "pct", "fee", "t1", "t2", "date", "fulldate", "year",
		"weather", "leader", "leaderTitle", "person", "reporter", "reporter2", "nick", "food", "scenery"} {
		blank[name] = "#"
	}
	return "tmpl:" + blank.fill(tmpl)
}

// policyStory names the story of a policy: its notice, its 政策解读 and
// the news explainers of it. The county's resident medical insurance
// payment scheme is the same story as the city's payment campaign and the
// reminders to pay.
func policyStory(name string) string {
	if strings.Contains(name, "医疗保险") {
		return "insurance-payment"
	}
	return "policy:" + name
}
