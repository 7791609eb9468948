package demo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// The second scenario: two incidents of other kinds at once, amid the same
// background chatter. A mountain flood after a night of rainstorms sweeps
// through 龙潭乡 with deaths and people missing; and the same morning
// unpaid migrant workers gather at a housing project in 城关镇 demanding
// their wages. Both are met by doubts, questions and, later, official
// answers.
const (
	floodTown    = "龙潭乡"
	floodVillage = "下坪村"
	floodRiver   = "龙潭河"
	wageProject  = "青岚新城·锦绣华庭"
	wageCompany  = "澜州恒达建筑工程有限公司"
	wageTown     = "城关镇"
)

func floodVars(epoch time.Time) vars {
	e := epoch.In(model.China)
	return vars{
		"county":    countyName,
		"city":      cityName,
		"town":      floodTown,
		"village":   floodVillage,
		"river":     floodRiver,
		"project":   wageProject,
		"builder":   wageCompany,
		"wageTown":  wageTown,
		"date":      cnDate(e),
		"fulldate":  cnFullDate(e),
		"year":      strconv.Itoa(e.Year()),
		"time":      fmt.Sprintf("%d时%d分许", e.Hour(), e.Minute()),
		"today":     "",
		"todayFull": "",
	}
}

// floodScript interleaves the flood (story "flood") and the wage protest
// (story "wages").
var floodScript = []scripted{
	// The flood.
	{offset: 6, site: "feed", author: feedName, origin: feedName,
		title: "暴雨突袭龙潭乡！龙潭河水位暴涨，下坪村多处房屋被淹",
		paras: []string{
			"昨夜至今晨，{town}普降特大暴雨。据粉丝反映，{time}{river}水位暴涨，洪水冲进{village}，不少房屋一楼被淹。",
			"有村民拍到洪水裹挟着树木冲下山，村口的便桥已被冲垮。请{town}的朋友们尽快往高处转移，注意安全！",
		}},
	{offset: 10, site: "board", column: "县长信箱", author: "龙潭乡村民",
		title: "下坪村被洪水围困，求救援！",
		paras: []string{
			"{village}好多人家被洪水围住了，水已经淹到二楼，老人孩子出不来。",
			"电话打不通，路也断了，请县里赶紧派冲锋舟和救援队来！",
		}},
	{offset: 15, site: "news1", column: "突发", author: "罗海燕", origin: news1Outlet,
		title: "青岚县龙潭乡突发山洪 多个村庄受灾",
		paras: []string{
			"本报讯（记者 罗海燕）{date}凌晨，{county}{town}遭遇特大暴雨，引发山洪，{river}沿岸{village}等多个村庄受灾。",
			"记者了解到，洪水冲毁了部分道路和桥梁，{town}通往县城的公路多处塌方，部分村民被困。",
			"目前，消防救援、武警和民兵应急分队已赶赴现场开展救援，具体受灾情况正在统计中。",
		}},
	{offset: 22, site: "board", column: "县长信箱", author: "青岚网友5126",
		title: "听说龙潭乡山洪冲走了好几个人",
		paras: []string{
			"有亲戚在{town}，说{village}有几个人被洪水冲走了，到现在没找到。",
			"太可怕了，希望救援队能尽快找到他们。",
		}},
	{offset: 28, site: "news2", column: "江右快讯", author: "邹雨欣", origin: news2Outlet,
		title: "青岚山洪已致2人死亡 5人失联",
		paras: []string{
			"江右网讯 {date}，澜州市{county}{town}突发山洪。记者从救援现场了解到，截至目前，山洪已造成2人死亡、5人失联。",
			"洪水导致{river}沿岸道路中断，多个村庄通信中断，救援人员正徒步进村搜救。",
			"当地已紧急转移群众，设立临时安置点。",
		}},
	{offset: 34, site: "board", column: "县应急管理局", author: "下坪村老周",
		title: "质疑：暴雨预警早就发了，为什么不提前转移群众？",
		paras: []string{
			"气象台前天就发了暴雨预警，乡里村里没有一个人来通知我们转移。",
			"要是提前把人撤出来，就不会有人被冲走。这是不是失职？是不是不作为？",
		}},
	{offset: 40, site: "feed", author: feedName, origin: news2Outlet, reprint: news2Name,
		title: "扩散｜龙潭乡山洪已致2人死亡5人失联",
		paras: []string{
			"据江右网消息，{town}山洪已造成2人死亡、5人失联，搜救工作仍在进行。",
			"请大家不要前往灾区围观，把道路留给救援车辆。",
		}},
	{offset: 46, site: "news1", column: "突发", author: "罗海燕 胡文斌", origin: news1Outlet,
		title: "龙潭乡山洪死亡人数升至4人 仍有3人失联",
		paras: []string{
			"记者从{county}有关方面获悉，截至记者发稿时，{town}山洪已造成4人死亡，仍有3人失联，受灾群众600余人。",
			"{village}受灾最重，村里多处房屋倒塌，农田被冲毁。",
			"有村民质疑，暴雨预警发布后当地未及时组织转移，导致伤亡。",
		}},
	{offset: 52, site: "board", column: "县长信箱", author: "真相在哪里",
		title: "山洪死了几个人？是不是被瞒报了？",
		paras: []string{
			"网上有人说死了四个，也有人说十几个，县里到现在一个字都没发。",
			"到底死了多少人？是不是想瞒报？请尽快公布真实情况！",
		}},
	{offset: 58, site: "board", column: "县长信箱", author: "在外打工的龙潭人",
		title: "我爸妈在下坪村，到现在联系不上",
		paras: []string{
			"我爸妈住在{village}河边，从凌晨开始电话就打不通。",
			"安置点的名单能不能公布一下？家里人都急坏了，求求救援队帮忙找找。",
		}},
	{offset: 66, site: "news2", column: "江右时评", author: "谢文斌", origin: news2Outlet,
		title: "评论：预警发了人却没撤，防汛责任不能悬空",
		paras: []string{
			"{town}山洪造成人员伤亡，令人痛心。",
			"据村民反映，暴雨预警发布后，当地并未组织群众提前转移。如果情况属实，基层防汛责任是否落实、有没有推诿塞责，必须查清楚。",
			"信息发布也不能迟缓。灾情越严重，越需要权威信息及时公开。",
		}},
	{offset: 80, site: "portal", column: "zwgk", origin: portalName,
		title: "关于龙潭乡“{date}”山洪灾害的情况通报",
		gov:   &govMeta{theme: "民政、扶贫、救灾", publisher: "青岚县人民政府"},
		paras: []string{
			"{date}凌晨，{town}遭遇特大暴雨，引发山洪灾害。现将有关情况通报如下：",
			"灾情发生后，县委、县政府立即启动防汛Ⅱ级应急响应，组织应急、水利、消防、公安、卫健等部门和乡村干部全力开展搜救、转移安置和抢险工作。",
			"截至目前，山洪灾害共造成4人死亡、3人失联，紧急转移安置群众600余人。失联人员搜救工作正在全力进行。",
			"受灾群众已全部妥善安置，安置点饮食、饮水、医疗保障到位。被冲毁的道路和通信正在抢修。",
			"县委、县政府对遇难者表示沉痛哀悼，向遇难者家属和受灾群众表示深切慰问。关于预警和转移工作中群众反映的问题，县里已成立调查组进行核查。",
			"青岚县人民政府",
			"{todayFull}",
		}},
	{offset: 92, site: "news1", column: "突发", author: "综合", origin: "青岚县人民政府网",
		title: "青岚县通报龙潭乡山洪灾害：4人死亡 3人失联",
		paras: []string{
			"{today}，{county}人民政府发布关于{town}山洪灾害的情况通报。",
			"通报称，山洪灾害共造成4人死亡、3人失联，紧急转移安置群众600余人，失联人员搜救工作正在进行。",
		}},
	{offset: 110, site: "board", column: "县长信箱", author: "青岚网友5126",
		title: "通报出来了，龙潭乡4个人没了",
		paras: []string{
			"看到县政府的通报，山洪4人死亡，还有3个人没找到，心里很难受。",
			"希望失联的人能早点找到。预警的事一定要查清楚，给遇难者家属一个交代。",
		}},
	{offset: 140, site: "portal", column: "xwfb", origin: "青岚县人民政府新闻办公室", author: "县政府新闻办",
		title: "青岚县召开龙潭乡山洪灾害新闻发布会",
		paras: []string{
			"{today}，青岚县人民政府召开{town}山洪灾害新闻发布会，通报灾情、搜救和受灾群众安置情况，并回答记者提问。",
			"副县长邓振宇介绍，山洪灾害共造成4人死亡、3人失联，紧急转移安置群众600余人。",
			"针对群众反映的预警后未及时转移问题，邓振宇表示，县里已成立调查组，将逐级核查预警信息传达和转移责任落实情况，对失职失责的依法依规严肃追责。",
			"县应急管理局负责人介绍，受损道路已抢通两处，通信已基本恢复，灾后恢复重建工作同步启动。",
		}},
	{offset: 170, site: "news2", column: "江右快讯", author: "邹雨欣", origin: news2Outlet,
		title: "青岚县就龙潭乡山洪召开发布会 回应预警未转移质疑",
		paras: []string{
			"{today}，青岚县召开新闻发布会，通报{town}山洪灾害最新情况：4人死亡、3人失联。",
			"对于村民质疑的预警发布后未及时转移问题，副县长邓振宇回应称，调查组正在逐级核查，结果将向社会公布。",
		}},
	{offset: 260, site: "feed", author: feedName, origin: feedName,
		title: "龙潭乡安置点最新情况，需要帮助的乡亲看过来",
		paras: []string{
			"{town}山洪发生后，乡中学和村文化活动中心设了安置点，提供热饭、饮用水和药品。",
			"想为受灾群众捐赠物资的朋友，可以联系县红十字会。",
		}},
	{offset: 600, site: "news1", column: "本地新闻", author: "胡文斌", origin: news1Outlet,
		title: "龙潭乡山洪失联人员搜救进入第二天",
		paras: []string{
			"记者从{county}防汛抗旱指挥部获悉，{town}山洪失联人员搜救工作进入第二天，搜救范围已沿{river}向下游扩大20公里。",
			"救援人员动用无人机、冲锋舟和搜救犬，对河道两岸逐段排查。",
		}},
	{offset: 1500, site: "board", column: "县应急管理局", author: "下坪村老周",
		title: "龙潭河的河堤什么时候修？下次暴雨怎么办？",
		paras: []string{
			"这次山洪把{village}的河堤冲垮了好几处，村民都不敢回家住。",
			"希望县里尽快修好河堤，以后有暴雨预警一定要提前通知转移。",
		}},

	// The wage protest.
	{offset: 20, site: "board", column: "县人社局", author: "锦绣华庭农民工", story: "wages",
		title: "锦绣华庭工地欠我们工资大半年了，谁来管管？",
		paras: []string{
			"我们在{project}工地干了大半年，{builder}一分钱工资都没发，说是开发商没给钱。",
			"快过年了，家里老人孩子等着钱用。找了项目经理好几次，都说再等等。请人社局帮我们讨回血汗钱！",
		}},
	{offset: 36, site: "feed", author: feedName, origin: feedName, story: "wages",
		title: "锦绣华庭工地门口聚集上百名农民工，讨要被拖欠工资",
		paras: []string{
			"今天上午，{wageTown}{project}工地门口聚集了上百名农民工，拉起横幅讨要被拖欠的工资。",
			"据现场工人说，{builder}拖欠他们工资已有八个月，涉及金额数百万元。",
		}},
	{offset: 50, site: "news1", column: "民生", author: "罗海燕", origin: news1Outlet, story: "wages",
		title: "青岚一楼盘工地上百农民工讨薪 称被拖欠八个月工资",
		paras: []string{
			"本报讯 {date}上午，{county}{wageTown}{project}工地门口，上百名农民工聚集讨要工资。",
			"工人们称，承建方{builder}已拖欠他们八个月工资，总额约300万元。多次讨要无果后，他们只好到工地门口讨个说法。",
			"记者多次拨打{builder}负责人电话，均无人接听。",
		}},
	{offset: 64, site: "board", column: "县长信箱", author: "讨薪的老杨", story: "wages",
		title: "人社局推来推去，欠薪到底归谁管？",
		paras: []string{
			"我们去人社局反映{project}欠薪，说要找住建局；去了住建局，又说要找开发商。",
			"部门之间互相推诿，我们农民工跑断了腿也没人管，这就是不作为！",
		}},
	{offset: 78, site: "news2", column: "江右快讯", author: "钟晓峰", origin: news2Outlet, story: "wages",
		title: "青岚锦绣华庭欠薪事件：农民工质疑有关部门推诿",
		paras: []string{
			"江右网讯 {date}，{county}{project}工地上百名农民工聚集讨薪，称被拖欠工资八个月。",
			"有工人质疑，向有关部门反映多次，各部门互相推诿，问题一直得不到解决。",
			"记者注意到，根据《保障农民工工资支付条例》，建设单位和施工总承包单位对农民工工资支付负有责任。",
		}},
	{offset: 96, site: "board", column: "县人社局", author: "锦绣华庭农民工", story: "wages",
		title: "欠薪的老板是不是跑路了？工资还能拿到吗？",
		paras: []string{
			"听说{builder}的老板已经好几天没露面了，手机也关机。",
			"我们三百多个工人的血汗钱到底还能不能拿到？政府能不能先垫付？",
		}},
	{offset: 130, site: "portal", column: "zwgk", origin: "青岚县人力资源和社会保障局", story: "wages",
		title: "青岚县人社局关于锦绣华庭项目农民工工资问题的情况通报",
		gov:   &govMeta{theme: "劳动、人事、监察", publisher: "青岚县人社局"},
		paras: []string{
			"{date}，部分农民工在{project}工地反映工资被拖欠问题。县委、县政府高度重视，立即组织人社、住建、公安等部门成立工作专班进行处置。",
			"经初步核查，{builder}拖欠该项目农民工工资约300万元。县人社局已对该企业立案调查，责令其限期支付；逾期不支付的，将动用工资保证金先行支付，并依法移送公安机关。",
			"县里已设立农民工工资问题专门受理窗口，农民工可携带身份证和务工证明登记，相关工资将在春节前兑付到位。",
			"青岚县人力资源和社会保障局",
			"{todayFull}",
		}},
	{offset: 150, site: "news1", column: "民生", author: "罗海燕", origin: news1Outlet, story: "wages",
		title: "青岚县回应锦绣华庭欠薪：春节前兑付到位",
		paras: []string{
			"{today}，{county}人社局就{project}农民工工资问题发布情况通报，称已对{builder}立案调查，责令限期支付。",
			"通报称，逾期不支付的，将动用工资保证金先行支付，相关工资将在春节前兑付到位。",
		}},
	{offset: 200, site: "board", column: "县人社局", author: "讨薪的老杨", story: "wages",
		title: "登记完了，希望春节前真能拿到工资",
		paras: []string{
			"今天去人社局的专门窗口登记了，工作人员说春节前兑付。",
			"希望这次能说到做到，别再让我们白跑。",
		}},
	{offset: 900, site: "news2", column: "江右快讯", author: "钟晓峰", origin: news2Outlet, story: "wages",
		title: "锦绣华庭欠薪处置进展：首批工资已发放",
		paras: []string{
			"记者从{county}人社局获悉，{project}项目首批农民工工资120万元已通过工资保证金发放到工人账户。",
			"县人社局表示，剩余工资将督促{builder}和建设单位在春节前全部兑付。",
		}},
}
