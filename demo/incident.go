package demo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// scripted is one item of the incident script: what appears on which site
// how many scenario seconds after the epoch. Its texts are templates filled
// from incidentVars, so names and times follow the epoch.
type scripted struct {
	offset  int64
	site    string
	column  string
	title   string
	paras   []string
	author  string
	origin  string
	reprint string
	// gov, if set, makes the item a 政务公开 document with this metadata;
	// docNo is a template.
	gov *govMeta
	// story names the story the item belongs to in the scenario's truth
	// (see Stream); empty means the scenario's main story.
	story string
}

// The incident's fixed names.
const (
	plantName  = "青岚县宏源化工有限公司"
	plantShort = "宏源化工"
	parkName   = "青岚县工业园区化工集中区"
	parkTown   = "白沙镇"
)

// Offsets of the milestones of the incident, in scenario seconds.
const (
	incidentFirstPost   = 5
	incidentBulletin    = 90  // the official 情况通报 on the portal
	incidentPressNotice = 150 // the 新闻发布会 announcement
	incidentPressHeld   = 330 // the press conference itself
)

// incidentVars are the words of the incident, derived from the epoch: the
// explosion happens at the epoch.
func incidentVars(epoch time.Time) vars {
	e := epoch.In(model.China)
	press := e.Add(incidentPressHeld * time.Second).Truncate(time.Minute)
	return vars{
		"county":    countyName,
		"city":      cityName,
		"company":   plantName,
		"short":     plantShort,
		"park":      parkName,
		"town":      parkTown,
		"date":      cnDate(e),
		"fulldate":  cnFullDate(e),
		"year":      strconv.Itoa(e.Year()),
		"time":      fmt.Sprintf("%d时%d分许", e.Hour(), e.Minute()),
		"tag":       fmt.Sprintf("%d·%d", int(e.Month()), e.Day()),
		"pressTime": fmt.Sprintf("%s%d时%d分", cnDate(press), press.Hour(), press.Minute()),
		// today and todayFull are set per item to its publish date.
		"today":     "",
		"todayFull": "",
	}
}

const (
	news1Outlet = "澜州日报"
	news2Outlet = "江右晨报"
	news1Name   = "澜州新闻网"
	news2Name   = "江右网"
	portalName  = "青岚县人民政府"
	feedName    = "青岚生活圈"
)

// incidentScript is the unfolding explosion: eyewitness posts first, then a
// surge of negative reports and reposts with casualty figures that grow
// (3 → 8 → 12 dead), then the official 情况通报, the 新闻发布会 and the
// follow-ups. Every post is worded differently, as real coverage is.
var incidentScript = []scripted{
	{offset: incidentFirstPost, site: "feed", author: feedName, origin: feedName,
		title: "突发！青岚工业园区传出巨大爆炸声，现场浓烟滚滚",
		paras: []string{
			"刚刚，不少粉丝后台留言：{time}，{park}方向传出一声巨响，随后升起大量黑色浓烟，几公里外都能看到。",
			"有住在{town}的网友说，家里的窗户玻璃都被震得嗡嗡响，“还以为是地震了”。",
			"据网友反映，爆炸位置疑似园区内一家化工企业，有没有人员伤亡暂不清楚。小编正在进一步核实，请大家不要靠近现场！",
		}},
	{offset: 8, site: "board", column: "县长信箱", author: "白沙镇居民",
		title: "工业园那边是不是爆炸了？窗户都震了",
		paras: []string{
			"刚才{time}听到一声巨响，整栋楼都在晃，窗户玻璃震得哗哗响。",
			"往工业园方向看，一大股黑烟冲上天，太吓人了。有没有人知道发生什么事了？有没有人受伤？",
		}},
	{offset: 11, site: "board", column: "县长信箱", author: "青岚网友6218",
		title: "宏源化工冒黑烟，好多救护车和消防车往那边开",
		paras: []string{
			"我在园区门口，宏源化工那边浓烟滚滚，还能闻到很刺鼻的气味，眼睛都睁不开。",
			"消防车、救护车一辆接一辆往里开，路口已经有警察在拦车了，估计伤亡不小。",
		}},
	{offset: 13, site: "news1", column: "突发", author: "胡文斌", origin: news1Outlet,
		title: "青岚县工业园区一化工企业发生爆炸 现场浓烟冲天",
		paras: []string{
			"本报讯（记者 胡文斌）{date}{time}，{county}{park}内{company}发生爆炸，现场浓烟冲天，数公里外可闻爆炸声。",
			"记者赶到现场附近时看到，园区入口已被拉起警戒线，多辆消防车、救护车陆续驶入，空气中弥漫着刺鼻气味。",
			"据现场目击者称，爆炸发生在该公司一处生产车间，有工人被困，已有受伤人员被送往医院。",
			"事故伤亡情况及原因正在进一步核实中，本报将持续关注。",
		}},
	{offset: 16, site: "board", column: "县长信箱", author: "园区打工人",
		title: "听厂里的人说至少死了3个人",
		paras: []string{
			"我有个老乡在隔壁厂上班，说宏源化工的车间整个炸塌了，已经抬出来3个人，都没了。",
			"还有好多受伤的，救护车来回跑了好几趟。太惨了，希望被困的人能平安出来。",
		}},
	{offset: 18, site: "feed", author: feedName, origin: feedName,
		title: "现场视频｜爆炸后浓烟笼罩工业园，周边村民紧急疏散",
		paras: []string{
			"据网友发来的视频，爆炸发生后，{park}上空被黑色浓烟笼罩，火光时隐时现。",
			"{town}附近几个村的村干部正在挨家挨户通知村民疏散，不少老人和孩子被转移到镇中学。",
			"有村民担心，化工厂燃烧产生的烟雾是否有毒，呼吁官方尽快公布空气监测结果。",
		}},
	{offset: 21, site: "news2", column: "江右快讯", author: "钟晓峰", origin: news2Outlet,
		title: "青岚县宏源化工爆炸已致3人死亡 多人受伤",
		paras: []string{
			"江右网讯 {date}{time}，澜州市青岚县{company}发生爆炸事故。",
			"记者从现场救援人员处了解到，截至目前，事故已造成3人死亡，另有多人受伤，被送往县人民医院和澜州市第一人民医院救治，仍有工人下落不明。",
			"据了解，{company}主要生产农药中间体和精细化工产品，位于{park}，距最近的居民点不到2公里。",
			"目前，消防救援人员正在现场全力搜救被困人员，事故原因尚在调查中。",
		}},
	{offset: 24, site: "news1", column: "社会", author: "综合", origin: news2Outlet, reprint: news2Name,
		title: "宏源化工爆炸事故已造成3人死亡",
		paras: []string{
			"据江右网消息，{date}发生在{county}{park}的{company}爆炸事故已造成3人死亡，多人受伤。",
			"伤者已被分别送往县人民医院和澜州市第一人民医院救治，其中数人伤势较重。",
			"现场仍有浓烟冒出，消防救援人员正在搜救可能被困的工人。",
		}},
	{offset: 27, site: "board", column: "县应急管理局", author: "白沙镇老张",
		title: "质疑：这家化工厂以前就被投诉过，为什么还让生产？",
		paras: []string{
			"宏源化工排放刺鼻气味的问题，我们村里人去年就向上面反映过好几次，一直没人管。",
			"现在出了这么大的事，死了人，监管部门是不是应该站出来说句话？平时到底有没有按规定检查？",
		}},
	{offset: 30, site: "news2", column: "江右快讯", author: "钟晓峰 邹雨欣", origin: news2Outlet,
		title: "宏源化工爆炸现场：救援持续 周边群众紧急疏散",
		paras: []string{
			"{date}，记者在{county}{park}外看到，爆炸现场仍有浓烟升起，消防、应急、医疗等救援力量正在现场处置。",
			"为防止次生灾害，事发地周边约3公里范围内的群众已被疏散转移，涉及{town}5个村。",
			"一名参与疏散的村干部告诉记者，村民被转移到镇中学和村文化活动中心，安置点提供了饮用水和食品。",
			"多名受伤工人仍在医院抢救，伤亡人数可能继续上升。",
		}},
	{offset: 33, site: "board", column: "县长信箱", author: "真相在哪里",
		title: "伤亡人数是不是被瞒报了？官方到现在一句话都没有",
		paras: []string{
			"出事这么久了，县政府网站、官方公众号一个字都没发。",
			"网上说死了好多人，到底多少？是不是想隐瞒？请尽快公开事故真相！",
		}},
	{offset: 36, site: "feed", author: feedName, origin: news1Outlet, reprint: news1Name,
		title: "扩散｜青岚化工厂爆炸死亡人数升至8人",
		paras: []string{
			"据澜州新闻网消息，{company}爆炸事故死亡人数已升至8人，另有20余人受伤。",
			"目前仍有人员失联，搜救工作仍在进行中。",
			"小编在这里呼吁，请大家不要传播未经证实的现场血腥视频；有献血能力的朋友可以到县中心血站献血。",
		}},
	{offset: 39, site: "news1", column: "突发", author: "胡文斌 罗海燕", origin: news1Outlet,
		title: "青岚化工爆炸事故致8人死亡20余人受伤",
		paras: []string{
			"记者从青岚县有关方面获悉，截至记者发稿时，{company}爆炸事故已造成8人死亡、20余人受伤，另有2人失联。",
			"伤者分别在县人民医院和澜州市第一人民医院接受治疗，其中5人伤势危重。医院已开通绿色通道，抽调骨干医护人员全力救治。",
			"事发后，澜州市、青岚县主要负责同志赶赴现场指挥救援。",
			"记者注意到，截至目前，当地官方尚未发布关于事故的正式通报，不少网民质疑信息发布迟缓。",
		}},
	{offset: 42, site: "board", column: "县长信箱", author: "焦急的家属",
		title: "我表弟在宏源化工上班，到现在联系不上",
		paras: []string{
			"我表弟在宏源化工三车间上班，出事以后电话一直打不通，医院也找过了，没有他的消息。",
			"家里人都急疯了，有没有人知道失联人员的情况？希望政府尽快公布伤亡名单！",
		}},
	{offset: 44, site: "news2", column: "江右时评", author: "谢文斌", origin: news2Outlet,
		title: "评论：化工园区安全监管不能只停留在纸面上",
		paras: []string{
			"{company}发生爆炸事故，造成重大人员伤亡，令人痛心。",
			"据网民反映，这家企业此前曾多次因异味扰民被投诉。如果情况属实，监管部门是否失职、企业是否违规生产，都需要一个交代。",
			"化工园区安全无小事，安全监管不能只停留在文件和口号上。事故原因必须彻查，责任必须追究，信息必须公开，不能让质疑和猜测代替事实。",
		}},
	{offset: 47, site: "board", column: "县长信箱", author: "青岚网友3307",
		title: "为什么官方迟迟不发通报？",
		paras: []string{
			"外地媒体都报道了，死了8个人，我们本地政府网站还是风平浪静。",
			"越是不说，大家越恐慌。请县里尽快发布权威消息，说清楚伤亡人数和空气有没有毒。",
		}},
	{offset: 50, site: "news1", column: "社会", author: "罗海燕", origin: news1Outlet,
		title: "多家医院全力救治爆炸事故伤员 市民自发排队献血",
		paras: []string{
			"爆炸事故发生后，{county}人民医院、澜州市第一人民医院迅速启动应急预案，全力救治受伤人员。",
			"在县中心血站，数百名市民自发排起长队献血。“能帮一点是一点。”刚献完血的市民曾丽萍说。",
			"截至发稿时，已有20余名伤员得到救治，部分危重伤员已由省级专家会诊。",
		}},
	{offset: 62, site: "feed", author: feedName, origin: feedName,
		title: "献血点排起长队，青岚人好样的！",
		paras: []string{
			"爆炸事故发生后，县中心血站门口排起了长队，有学生，有退休老人，还有刚下夜班的工人。",
			"看到这一幕，小编眼眶湿了。愿受伤的人早日康复，遇难者安息。",
		}},
	{offset: 75, site: "board", column: "县长信箱", author: "白沙镇居民",
		title: "听说死亡人数已经超过10人了",
		paras: []string{
			"听医院的朋友说，又有危重伤员没抢救过来，死亡人数已经超过10人了。",
			"出了这么大的事故，相关责任人必须严惩！",
		}},
	{offset: incidentBulletin, site: "portal", column: "zwgk", origin: portalName,
		title: "关于{company}“{tag}”爆炸事故的情况通报",
		gov:   &govMeta{theme: "安全生产监管", publisher: "青岚县人民政府"},
		paras: []string{
			"{date}{time}，位于{park}的{company}发生爆炸事故。现将有关情况通报如下：",
			"事故发生后，省、市、县高度重视，市委、市政府主要负责同志第一时间赶赴现场指挥救援处置。县委、县政府立即启动应急预案，组织应急、消防、公安、卫健、生态环境等部门全力开展救援、疏散、医疗救治和环境监测等工作。",
			"截至目前，事故共造成12人死亡、30人受伤，受伤人员已全部送医救治，其中5人伤势较重，目前生命体征平稳；现场明火已被扑灭，搜救工作基本结束。",
			"事发地周边群众已全部安全疏散转移并妥善安置。生态环境部门持续对周边空气、水体进行监测，目前各项指标未见异常。",
			"事故企业相关负责人已被公安机关控制，事故原因正在调查中。县人民政府已成立事故调查组，将依法依规严肃追究相关责任。",
			"县委、县政府对遇难者表示沉痛哀悼，向遇难者家属和受伤人员表示深切慰问。后续情况将及时通报。",
			"青岚县人民政府",
			"{todayFull}",
		}},
	{offset: 100, site: "news1", column: "突发", author: "综合", origin: "青岚县人民政府网",
		title: "青岚县通报化工厂爆炸事故：12人死亡 30人受伤",
		paras: []string{
			"{today}，{county}人民政府发布关于{company}“{tag}”爆炸事故的情况通报。",
			"通报称，事故共造成12人死亡、30人受伤，受伤人员已全部送医救治，事发地周边群众已安全疏散。",
			"通报称，事故企业相关负责人已被公安机关控制，县人民政府已成立事故调查组，事故原因正在调查中。",
		}},
	{offset: 110, site: "news2", column: "江右快讯", author: "钟晓峰", origin: news2Outlet,
		title: "官方通报：宏源化工爆炸事故已致12死30伤",
		paras: []string{
			"江右网讯 {today}，青岚县人民政府通报，{company}爆炸事故已造成12人死亡、30人受伤。",
			"此前已有多家媒体报道3人、8人死亡，伤亡数字在短时间内多次上升，引发网民对当地信息发布的质疑。",
			"通报称，事故原因正在调查中，相关责任人将被依法追责。",
		}},
	{offset: 120, site: "board", column: "县长信箱", author: "青岚网友6218",
		title: "通报出来了，12个人没了……",
		paras: []string{
			"刚看到县政府的通报，12人死亡，30人受伤，心里堵得慌。",
			"之前说3个，后来说8个，现在是12个，希望不要再增加了。一定要严查，给遇难者一个交代！",
		}},
	{offset: 130, site: "feed", author: feedName, origin: "青岚县人民政府网", reprint: "青岚县人民政府网",
		title: "官方通报来了！宏源化工爆炸事故12人遇难",
		paras: []string{
			"刚刚，青岚县人民政府发布情况通报：",
			"{date}{time}，{company}发生爆炸事故，共造成12人死亡、30人受伤。事发地周边群众已安全疏散，环境监测未见异常，事故原因正在调查中。",
			"愿逝者安息，伤者早日康复。",
		}},
	{offset: incidentPressNotice, site: "portal", column: "xwfb", origin: "青岚县人民政府新闻办公室", author: "县政府新闻办",
		title: "青岚县将召开“{tag}”爆炸事故新闻发布会",
		paras: []string{
			"青岚县人民政府定于{pressTime}在县政府新闻发布厅召开“{tag}”{company}爆炸事故新闻发布会，通报事故救援处置、伤员救治、善后处理和事故调查等有关情况，并回答记者提问。",
			"发布会将在青岚县人民政府网站同步进行图文直播。",
			"请拟参加发布会的媒体记者于会前30分钟持有效证件到县政府一楼大厅签到。",
			"青岚县人民政府新闻办公室",
			"{todayFull}",
		}},
	{offset: 180, site: "news1", column: "社会", author: "罗海燕", origin: news1Outlet,
		title: "遇难者家属质疑事故企业长期违规生产",
		paras: []string{
			"{today}，多名遇难者家属聚集在{county}殡仪馆外，情绪激动。",
			"一名遇难者家属告诉记者，其亲属生前曾多次提到车间设备老化、安全培训走过场，“早就担心会出事”。",
			"有家属质疑，事故企业此前被群众多次投诉，相关部门是否对隐患视而不见，甚至隐瞒了企业的违规问题。",
			"对此，{county}有关部门表示，已安排专人做好家属安抚工作，事故调查结果将向社会公布。",
		}},
	{offset: 240, site: "board", column: "县应急管理局", author: "热心市民",
		title: "建议公开宏源化工近三年的安全检查记录",
		paras: []string{
			"事故调查不能关起门来搞。建议公开宏源化工近三年的安全检查、环评和整改记录，接受群众监督。",
			"园区里还有好几家化工厂，离居民区那么近，大家心里都不踏实。",
		}},
	{offset: incidentPressHeld, site: "portal", column: "xwfb", origin: "青岚县人民政府新闻办公室", author: "县政府新闻办",
		title: "青岚县召开“{tag}”爆炸事故新闻发布会",
		paras: []string{
			"{today}，青岚县人民政府召开“{tag}”{company}爆炸事故新闻发布会。县长周明远通报了事故救援处置和善后工作情况，并回答记者提问。",
			"周明远介绍，事故共造成12人死亡、30人受伤。目前，受伤人员均在医院接受治疗，5名重伤员由省、市专家组会诊救治；遇难者身份已全部确认，善后工作有序推进。",
			"周明远表示，事故调查组已进驻企业开展调查，公安机关已依法控制企业相关责任人。县委、县政府将举一反三，在全县开展危险化学品企业安全隐患大排查大整治。",
			"针对群众关心的环境问题，县生态环境局负责人介绍，事发地周边空气和水质监测数据均未见异常。",
			"周明远代表县委、县政府向遇难者表示沉痛哀悼，向遇难者家属和受伤人员致以深切慰问，向社会各界的关心支持表示衷心感谢。",
		}},
	{offset: 360, site: "news2", column: "江右快讯", author: "钟晓峰", origin: news2Outlet,
		title: "青岚县召开新闻发布会回应化工厂爆炸事故",
		paras: []string{
			"{today}，青岚县召开新闻发布会，通报“{tag}”爆炸事故最新情况。",
			"发布会上，县长周明远通报，事故共造成12人死亡、30人受伤，企业相关责任人已被控制。",
			"对于网民质疑的信息发布迟缓问题，周明远回应称，事故发生初期现场情况复杂，伤亡数字需要逐一核实，今后将进一步提高信息发布的时效性。",
		}},
	{offset: 420, site: "feed", author: feedName, origin: feedName,
		title: "发布会要点｜宏源化工爆炸事故最新进展",
		paras: []string{
			"今天县里召开了新闻发布会，小编整理了几个要点：",
			"一、事故共造成12人死亡、30人受伤，5名重伤员正在接受省、市专家会诊救治。",
			"二、企业相关责任人已被公安机关控制，事故调查组已进驻。",
			"三、事发地周边空气和水质监测未见异常。",
			"四、全县将开展危险化学品企业安全隐患大排查。",
		}},
	{offset: 600, site: "news1", column: "突发", author: "胡文斌", origin: news1Outlet,
		title: "宏源化工爆炸事故调查组进驻 企业负责人被依法控制",
		paras: []string{
			"记者从{county}获悉，“{tag}”{company}爆炸事故调查组已进驻企业，调取生产记录、安全检查台账和监控视频。",
			"公安机关已依法控制该企业法定代表人、生产负责人等相关人员。",
			"调查组有关负责人表示，将查清事故经过、原因和责任，对失职失责的监管人员同样严肃追责。",
		}},
	{offset: 900, site: "portal", column: "zwgk", origin: "青岚县人民政府办公室",
		title: "青岚县人民政府办公室关于立即开展危险化学品企业安全隐患大排查大整治的紧急通知",
		gov:   &govMeta{theme: "安全生产监管", publisher: "青岚县人民政府办公室", docNo: "青政办明电〔{year}〕7号"},
		paras: []string{
			"各乡（镇）人民政府，县政府各部门，各有关企业：",
			"{date}，{company}发生爆炸事故，造成重大人员伤亡，教训极其深刻。为深刻汲取事故教训，坚决防范遏制各类安全事故，经县人民政府同意，决定立即在全县开展危险化学品企业安全隐患大排查大整治。",
			"一、排查范围。全县所有危险化学品生产、储存、使用和经营企业，重点是{park}内企业。",
			"二、排查内容。重点排查企业安全生产责任落实、重大危险源管控、特殊作业管理、员工安全培训等情况。",
			"三、工作要求。对排查发现的隐患，能立即整改的立即整改；不能立即整改的，一律停产停业整顿，整改到位前不得恢复生产。",
			"青岚县人民政府办公室",
			"{todayFull}",
		}},
	{offset: 1200, site: "board", column: "县应急管理局", author: "白沙镇老张",
		title: "园区其他化工厂会不会也有隐患？",
		paras: []string{
			"宏源化工出事以后，村里人都不敢在家住了，怕园区其他厂也出问题。",
			"希望排查能动真格，查出问题的企业坚决关停，别再走过场。",
		}},
	{offset: 1800, site: "news2", column: "江右快讯", author: "邹雨欣", origin: news2Outlet,
		title: "青岚爆炸事故伤员救治进展：5名重伤员病情趋于稳定",
		paras: []string{
			"记者从澜州市第一人民医院获悉，“{tag}”爆炸事故中受伤的5名重伤员经全力救治，目前病情趋于稳定。",
			"医院成立了由烧伤科、重症医学科等科室专家组成的救治小组，实行“一人一方案”精准救治。",
			"其余轻伤员情况良好，部分已康复出院。",
		}},
	{offset: 3600, site: "news1", column: "本地新闻", author: "罗海燕", origin: news1Outlet,
		title: "青岚县危化品企业安全隐患大排查全面展开",
		paras: []string{
			"“{tag}”爆炸事故发生后，{county}在全县开展危险化学品企业安全隐患大排查大整治。",
			"目前，6个检查组已进驻园区企业，逐一排查重大危险源管控、特殊作业管理等情况，已责令2家企业停产整顿。",
			"{county}应急管理局负责人表示，排查将持续到年底，对发现的问题一律挂账销号、闭环管理。",
		}},
	{offset: 7200, site: "portal", column: "xwfb", origin: "青岚县人民政府办公室", author: "县政府办",
		title: "青岚县召开全县安全生产紧急会议",
		paras: []string{
			"{today}，青岚县召开全县安全生产紧急会议，通报“{tag}”爆炸事故有关情况，部署全县安全生产工作。",
			"会议要求，各乡（镇）、各部门要深刻汲取事故教训，严格落实安全生产责任制，坚决守住安全底线。",
			"县长周明远出席会议并讲话。",
		}},
}
