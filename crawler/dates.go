package crawler

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/model"
)

// Publish-time sources recorded in Document.PublishedAtSource.
const (
	TimeFromMeta = "meta"
	TimeFromText = "text"
	TimeFromURL  = "url"
	// TimeFromRelative is a relative time on the page (3小时前, 昨天
	// 10:20) resolved against the fetch time.
	TimeFromRelative = "relative"
	TimeFromFeed     = "feed"
	TimeFromFetch    = "fetch"
)

var (
	// dateRe matches 2026-11-21 09:06:34, 2015年04月23日, 2004/7/16 8:19,
	// 2005.03.11 with an optional time.
	// The time may follow a weekday and a zone word, as press releases
	// write it: 2026年11月30日（星期一）香港時間16時05分.
	dateRe = regexp.MustCompile(`((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(?:[（(](?:星期|礼拜|禮拜|周|週)[一二三四五六日天][)）])?\s*(?:(?:北京|香港|台北|澳门|澳門)?(?:时间|時間))?\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时時]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?`)
	// labelRe finds a publish-time label, in simplified or traditional
	// characters; the date must follow closely. labelTier ranks them.
	labelRe = regexp.MustCompile(`(发布时间|发布日期|發佈時間|發布時間|發佈日期|發布日期|发表时间|發表時間|发表日期|發表日期|发表于|發表於|发布于|發佈於|發布於|发帖时间|發帖時間|发稿时间|發稿時間|发文日期|發文日期|印发日期|印發日期|成文日期|更新时间|更新日期|更新時間|留言时间|留言時間|回复时间|回覆時間|回復時間|提问时间|提問時間|上传时间|上傳時間|录入时间|錄入時間|公布时间|公布日期|公開時間|公开时间|公开日期|签发日期|簽發日期|发布[:：]|發佈[:：]|發布[:：]|Posted on|Posted at|Posted|Published on|Published|時間|时间|日期|Date)\s*[:：]?`)
	// usDateRe matches 9/17/2004 5:54:13 AM, seen on old English-tooled sites.
	usDateRe = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?`)
	// yearMonthRe matches a month without a day: 1998年3月.
	yearMonthRe = regexp.MustCompile(`((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月`)
	// hanDateRe matches dates in Chinese numerals: 二〇一五年四月二十三日.
	hanDateRe = regexp.MustCompile(`([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日`)
	// urlDateRes match dates in URLs: /202411/t20241112_123.html,
	// /2026/11/21/, /2026-11-21/, /20261121/.
	urlDateRes = []*regexp.Regexp{
		regexp.MustCompile(`[/_]t?((?:19|20)\d{2})(\d{2})(\d{2})[_/.\-]`),
		regexp.MustCompile(`/((?:19|20)\d{2})[/\-_](\d{1,2})[/\-_](\d{1,2})/`),
		regexp.MustCompile(`/((?:19|20)\d{2})(\d{2})/(\d{2})/`),
	}
)

// metaTimeKeys are <meta> names and properties that carry a publish time,
// most specific first.
var metaTimeKeys = []string{
	"article:published_time", "og:article:published_time", "publishdate", "pubdate",
	"publish_date", "publishtime", "publish_time", "og:release_date", "datepublished",
	"firstpublishedtime", "weibo:article:create_at", "dc.date.issued", "dc.date", "date",
	"sailthru.date", "parsely-pub-date", "lastmodifiedtime",
}

// Confidence of a publish time, by how it was found
// (Extraction.PublishedAtConfidence). They rank the methods by how often
// each was right on real pages: a machine-readable tag or a labelled date
// beside the title is nearly always the publish time; an unlabelled date,
// a date in the URL or a signature date usually is; a month alone or the
// fetch time is a guess.
const (
	confMetaClock   = 0.95 // <meta> with a time of day, or date-only confirmed by a same-day time
	confLabelled    = 0.9  // 发布时间: … beside the title or a source selector
	confFeed        = 0.9  // the feed's pubDate/updated
	confMetaDate    = 0.85 // <meta> with a date only
	confRelative    = 0.8  // 3小时前, 昨天 10:20: exact to the unit given
	confSourceLine  = 0.85 // a date on the 来源/作者 line under the title
	confTrailer     = 0.8  // a labelled date at the end of the body or right after it
	confMarked      = 0.75 // an element marked class="date", <time datetime>
	confUnlabelled  = 0.7  // the date nearest the body in the header
	confRelativeDay = 0.6  // 昨天, 3天前: the day only
	confURL         = 0.6  // /202411/t20241112_123.html
	confSignature   = 0.6  // a signature date at the end of a notice
	confLabelledFar = 0.5  // a labelled date elsewhere on the page
	confBodyStart   = 0.5  // a date in the first lines of the body
	confMonth       = 0.3  // 1998年3月: the first of the month
	confFetch       = 0    // nothing found: the fetch time stands in
)

// confCertain is the least confidence of a publish time the response
// clock may start from: a labelled, marked, relative or machine-readable
// time. Below it (an unlabelled date, the URL's date, a signature, a
// month, the fetch time) the time is uncertain.
const confCertain = confMarked

// uncertainTime says whether a publish time found with confidence conf is
// uncertain (see Extraction.PublishedUncertain).
func uncertainTime(conf float64) bool { return conf < confCertain }

// timeClues are the parts of a page that may say when it was published.
type timeClues struct {
	metas map[string]string
	// full is the text of the whole cleaned page; header and trailer are
	// the text just before and after body.
	full, header, body, trailer string
	pageURL                     string
	// selected is the text the source's time selector picked.
	selected string
	// marked are the texts (or datetime attributes) of elements whose
	// class, id or itemprop says they hold a date, in document order.
	marked []string
	// scripts are the texts of the page's inline scripts, where a 公众号
	// keeps its time (var ct, publish_time in JSON state, JSON-LD
	// datePublished); they are searched only when the page shows no time.
	scripts []string
}

// findPublishTime finds when a page was published, how, and how sure it
// is: a <meta> tag, a source selector or a labelled date (发布时间: ...) in
// the text (beside the title, then inside the body, then after it), a
// date in an element marked as one (class="date", <time datetime>), a
// relative time (3小时前, 昨天 10:20) next to the title
// resolved against fetchedAt in China Standard Time, a date next to the
// title, a date in the URL, any date right after the body; the fetch time
// when none is found.
func findPublishTime(c timeClues, fetchedAt time.Time) (time.Time, string, float64) {
	metas, pageURL := c.metas, c.pageURL
	body, selected := narrowDigits(c.body), narrowDigits(c.selected)
	// The page's chrome (a today-date widget, a "latest" list) carries
	// dates that are not the article's.
	header := stripChrome(narrowDigits(c.header), fetchedAt)
	trailer := stripChrome(narrowDigits(c.trailer), fetchedAt)
	// The whole page is needed only when the text near the body says
	// nothing; it is cleaned once, on first use.
	var fullText string
	fullDone := false
	full := func() string {
		if !fullDone {
			fullText, fullDone = stripChrome(narrowDigits(c.full), fetchedAt), true
		}
		return fullText
	}
	limit := fetchedAt.Add(48 * time.Hour)
	ok := func(t time.Time) bool { return !t.IsZero() && t.Before(limit) && t.Year() >= 1990 }
	var marked []time.Time
	for _, text := range c.marked {
		if t := parseTime(stripChrome(narrowDigits(text), fetchedAt)); ok(t) {
			marked = append(marked, t)
		}
	}
	// Portals often carry the same day twice, once with the time of day
	// (PubDate 2026-11-21 14:01) and once without (publishdate 2026-11-21).
	// The response clock needs the time, so a date-only tag gives way to a
	// tag or a labelled date in the header that says the same day with a time.
	var dateOnly time.Time
	for _, k := range metaTimeKeys {
		if v := metas[k]; v != "" {
			t := parseTime(v)
			if !ok(t) {
				continue
			}
			if hasClock(t) {
				if dateOnly.IsZero() || sameDay(dateOnly, t) {
					return t, TimeFromMeta, confMetaClock
				}
				continue
			}
			if dateOnly.IsZero() {
				dateOnly = t
			}
		}
	}
	if !dateOnly.IsZero() {
		for _, text := range []string{header, firstRunes(body, 300)} {
			if t := labelledDate(text); ok(t) && hasClock(t) && sameDay(dateOnly, t) {
				return t, TimeFromText, confMetaClock
			}
		}
		for _, t := range marked {
			if hasClock(t) && sameDay(dateOnly, t) {
				return t, TimeFromText, confMetaClock
			}
		}
		// An unlabelled time under the title that agrees on the day.
		for _, t := range []time.Time{sourceLineDate(header, true), lastDate(header)} {
			if ok(t) && hasClock(t) && sameDay(dateOnly, t) {
				return t, TimeFromText, confMetaClock
			}
		}
		return dateOnly, TimeFromMeta, confMetaDate
	}
	if selected != "" {
		if t := firstDate(selected); ok(t) {
			return t, TimeFromText, confLabelled
		}
		if t, c := relativeTime(selected, fetchedAt); ok(t) {
			return t, TimeFromRelative, c
		}
	}
	// A labelled date near the title, then at the end of the body (a
	// forum post's signature line: 发布时间 2005/05/17 22:11 by …), then
	// right after the body. The main block's own date comes before the
	// trailer's, which often belongs to the next post or a related link.
	for _, text := range []string{header, firstRunes(body, 300)} {
		if t := labelledDate(text); ok(t) {
			return t, TimeFromText, confLabelled
		}
		if t := labelledYearless(text, fetchedAt); ok(t) {
			return t, TimeFromText, confLabelled
		}
	}
	// withClock gives a date found without its time of day the time a
	// labelled date elsewhere on the page gives the same day
	// (2015-11-05 under the title, 发布于：2015-11-05 11:34 below).
	withClock := func(t time.Time) time.Time {
		if hasClock(t) {
			return t
		}
		for _, text := range []string{lastRunes(body, 300), trailer, full()} {
			if l := labelledDate(text); ok(l) && hasClock(l) && sameDay(l, t) {
				return l
			}
		}
		return t
	}
	// News sites put the time unlabelled beside 来源/作者 under the title.
	if t := sourceLineDate(header, true); ok(t) {
		return withClock(t), TimeFromText, confSourceLine
	}
	if t := sourceLineDate(firstRunes(body, 300), false); ok(t) {
		return withClock(t), TimeFromText, confSourceLine
	}
	for _, text := range []string{lastRunes(body, 300), trailer} {
		if t := labelledDate(text); ok(t) {
			return t, TimeFromText, confTrailer
		}
	}
	// An element the page's template marks as a date.
	if len(marked) > 0 {
		return marked[0], TimeFromText, confMarked
	}
	// A time in the page's scripts is machine-readable but may be the
	// record's, not the article's (JSON-LD datePublished of a wiki page):
	// it ranks after what the page shows. A 公众号 shows its time only
	// through script (var ct).
	var scriptDate time.Time
	for _, t := range scriptTimes(c.scripts) {
		if ok(t) && hasClock(t) {
			return t, TimeFromMeta, confMetaClock
		}
		if ok(t) && scriptDate.IsZero() {
			scriptDate = t
		}
	}
	if !scriptDate.IsZero() {
		return scriptDate, TimeFromMeta, confMetaDate
	}
	// Forums and news feeds show the age of a post next to its title.
	if t, c := relativeTime(lastRunes(header, 300), fetchedAt); ok(t) {
		return t, TimeFromRelative, c
	}
	if t := labelledDate(full()); ok(t) {
		return t, TimeFromText, confLabelledFar
	}
	// The date closest to the start of the body, in the header.
	if t := lastDate(header); ok(t) {
		return t, TimeFromText, confUnlabelled
	}
	if t := firstDate(firstRunes(body, 200)); ok(t) {
		return t, TimeFromText, confBodyStart
	}
	if t := urlDate(pageURL); ok(t) {
		return t, TimeFromURL, confURL
	}
	// A signature date at the end of a notice (二〇一五年四月二十三日).
	if t := lastDate(lastRunes(body, 200) + "\n" + firstRunes(trailer, 200)); ok(t) {
		return t, TimeFromText, confSignature
	}
	// Only a month (1998年3月号): the first of that month.
	for _, text := range []string{header, firstRunes(body, 200), lastRunes(body, 200) + "\n" + firstRunes(trailer, 200)} {
		if m := yearMonthRe.FindStringSubmatch(text); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			if t := makeDate(y, mo, 1, 0, 0, 0); ok(t) {
				return t, TimeFromText, confMonth
			}
		}
	}
	return fetchedAt, TimeFromFetch, confFetch
}

var (
	// agoRe matches an age: 刚刚, 5分钟前, 3小时前, 半小时前, 2天前, 30秒前.
	agoRe = regexp.MustCompile(`(刚刚|(\d{1,3}|半|一|两|几)\s*(秒|分钟|分|小时|个小时|天|日|周|星期)\s*前)`)
	// dayWordRe matches 今天/昨天/前天 with an optional time of day; a
	// bare word counts only after a time label, because 昨天 in a
	// sentence means the day before the news, not before the fetch.
	dayWordRe  = regexp.MustCompile(`(今天|今日|昨天|昨日|前天)\s*(\d{1,2})[:：](\d{2})`)
	dayLabelRe = regexp.MustCompile(`(?:发布于|发表于|发布时间|发表时间|更新于|回复于|时间)\s*[:：]?\s*(今天|今日|昨天|昨日|前天)`)
)

// relativeTime resolves the last relative time in text against fetchedAt
// (in China Standard Time, where the pages are written) and returns its
// confidence; the zero time when there is none. The last match is the one
// nearest the body.
func relativeTime(text string, fetchedAt time.Time) (time.Time, float64) {
	now := fetchedAt.In(model.China)
	type hit struct {
		pos  int
		t    time.Time
		conf float64
	}
	var best hit
	best.pos = -1
	consider := func(pos int, t time.Time, conf float64) {
		if pos > best.pos && !t.IsZero() {
			best = hit{pos, t, conf}
		}
	}
	for _, m := range agoRe.FindAllStringSubmatchIndex(text, -1) {
		if text[m[2]:m[3]] == "刚刚" {
			consider(m[0], now, confRelative)
			continue
		}
		numStr, unit := text[m[4]:m[5]], text[m[6]:m[7]]
		var n float64
		switch numStr {
		case "半":
			n = 0.5
		case "一":
			n = 1
		case "两":
			n = 2
		case "几":
			continue // 几小时前: too vague to start a clock
		default:
			v, _ := strconv.Atoi(numStr)
			n = float64(v)
		}
		var d time.Duration
		conf := confRelative
		switch unit {
		case "秒":
			d = time.Duration(n * float64(time.Second))
		case "分钟", "分":
			d = time.Duration(n * float64(time.Minute))
		case "小时", "个小时":
			d = time.Duration(n * float64(time.Hour))
		case "天", "日":
			d, conf = time.Duration(n*24)*time.Hour, confRelativeDay
		case "周", "星期":
			d, conf = time.Duration(n*7*24)*time.Hour, confRelativeDay
		}
		t := now.Add(-d)
		if conf == confRelativeDay {
			y, mo, day := t.Date()
			t = time.Date(y, mo, day, 0, 0, 0, 0, model.China)
		}
		consider(m[0], t, conf)
	}
	for _, m := range dayWordRe.FindAllStringSubmatchIndex(text, -1) {
		hh, _ := strconv.Atoi(text[m[4]:m[5]])
		mm, _ := strconv.Atoi(text[m[6]:m[7]])
		if hh > 23 || mm > 59 {
			continue
		}
		y, mo, d := now.AddDate(0, 0, -daysBack(text[m[2]:m[3]])).Date()
		consider(m[0], time.Date(y, mo, d, hh, mm, 0, 0, model.China), confRelative)
	}
	for _, m := range dayLabelRe.FindAllStringSubmatchIndex(text, -1) {
		y, mo, d := now.AddDate(0, 0, -daysBack(text[m[2]:m[3]])).Date()
		consider(m[2], time.Date(y, mo, d, 0, 0, 0, 0, model.China), confRelativeDay)
	}
	if best.pos < 0 {
		return time.Time{}, 0
	}
	return best.t, best.conf
}

// daysBack is how many days before today 今天, 昨天 or 前天 is.
func daysBack(word string) int {
	switch word {
	case "昨天", "昨日":
		return 1
	case "前天":
		return 2
	}
	return 0
}

func lastRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[len(r)-n:])
}

// labelTier ranks a publish-time label: the time the page was published
// (发布时间, 发表于, 留言时间) first, then the date a document was issued
// (发文日期), then the date it was signed (成文日期), then an update, a
// reply or a bare 时间/日期. A government info grid shows several side by
// side; the public learnt of the document when it was published.
func labelTier(label string) int {
	switch {
	case strings.ContainsAny(label, "布佈表帖稿传傳录錄开開") || strings.HasPrefix(label, "留言") || strings.HasPrefix(label, "提") ||
		strings.HasPrefix(label, "Post") || strings.HasPrefix(label, "Publish"):
		return 0
	case strings.Contains(label, "发文") || strings.Contains(label, "發文") || strings.HasPrefix(label, "印") || strings.Contains(label, "签") || strings.Contains(label, "簽"):
		return 1
	case strings.HasPrefix(label, "成文"):
		return 2
	}
	return 3
}

// labelledDate returns the date within a few characters after the
// best-ranked publish-time label (see labelTier); among labels of one
// rank, the first. The date may be written in Chinese numerals.
func labelledDate(text string) time.Time {
	var best time.Time
	bestTier := 4
	for _, loc := range labelRe.FindAllStringSubmatchIndex(text, -1) {
		tier := labelTier(text[loc[2]:loc[3]])
		if tier >= bestTier || compoundLabel(text, loc[2]) {
			continue
		}
		rest := text[loc[1]:]
		if len(rest) > 64 {
			rest = strings.ToValidUTF8(rest[:64], "")
		}
		var t time.Time
		if m := dateRe.FindStringSubmatchIndex(rest); m != nil && countRunes(rest[:m[0]]) <= 3 {
			t = dateFromMatch(rest, m)
		} else if m := hanDateRe.FindStringSubmatchIndex(rest); m != nil && countRunes(rest[:m[0]]) <= 3 {
			t = hanDate([]string{rest[m[0]:m[1]], rest[m[2]:m[3]], rest[m[4]:m[5]], rest[m[6]:m[7]]})
		}
		if !t.IsZero() {
			best, bestTier = t, tier
			if tier == 0 {
				break
			}
		}
	}
	return best
}

// compoundLabel says whether the bare 时间/日期 label at i ends another
// word: 会议时间, 报名时间, 注册时间, 开放时间 name other times than the
// page's. The publish labels are matched whole, so a Han character right
// before a bare label means such a word.
func compoundLabel(text string, i int) bool {
	label := text[i:]
	if !strings.HasPrefix(label, "时间") && !strings.HasPrefix(label, "時間") && !strings.HasPrefix(label, "日期") {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.Is(unicode.Han, r)
}

// yearlessRe matches a date without its year but with a time of day, as
// forums and social sites show this year's posts: 11-30 14:05, 11月30日 14:05.
var yearlessRe = regexp.MustCompile(`^\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\s+(\d{1,2})[:：](\d{2})`)

// labelledYearless returns a yearless date with its time right after a
// publish label (发表于 11-30 14:05), in the year that puts it at or
// before the fetch (a December post fetched in January is last year's).
func labelledYearless(text string, fetchedAt time.Time) time.Time {
	now := fetchedAt.In(model.China)
	for _, loc := range labelRe.FindAllStringSubmatchIndex(text, -1) {
		if labelTier(text[loc[2]:loc[3]]) > 0 {
			continue
		}
		rest := text[loc[1]:min(len(text), loc[1]+40)]
		m := yearlessRe.FindStringSubmatch(strings.ToValidUTF8(rest, ""))
		if m == nil {
			continue
		}
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		hh, _ := strconv.Atoi(m[3])
		mm, _ := strconv.Atoi(m[4])
		if hh > 23 || mm > 59 {
			continue
		}
		t := makeDate(now.Year(), mo, d, hh, mm, 0)
		if t.After(now.Add(48 * time.Hour)) {
			t = makeDate(now.Year()-1, mo, d, hh, mm, 0)
		}
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// narrowDigits turns full-width digits, hyphens, slashes and points
// (２０２６－１１－３０) into ASCII, as many portals write them.
func narrowDigits(s string) string {
	if !strings.ContainsAny(s, "０１２３４５６７８９") {
		return s
	}
	return digitWidth.Replace(s)
}

var digitWidth = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "－", "-", "／", "/", "．", ".")

var (
	// sourceLineRe finds the 来源/作者/编辑/浏览 labels of the line under a
	// title that news sites put beside an unlabelled time.
	sourceLineRe = regexp.MustCompile(`(来源|來源|稿源|出处|出處|作者|编辑|編輯|责编|責編|浏览|瀏覽|阅读|閱讀|点击|點擊|字号|字號)\s*(?:[:：]|次数|量)`)
	// chromeDateRe matches a today-date widget: 今天是2026年12月1日,
	// 当前日期：…, 今日：….
	chromeDateRe = regexp.MustCompile(`(?:今天是|今日是|今天|今日|当前日期|当前时间|現在時間|现在时间|现在是|今日日期|今天日期|當前日期)\s*[:：]?\s*` + dateRe.String())
	// weekdayDateRe matches a date followed by its weekday, as widgets
	// show today.
	weekdayDateRe = regexp.MustCompile(dateRe.String() + `\s*[（(]?\s*(?:星期|礼拜|禮拜|周|週)[一二三四五六日天]`)
	// scriptTimeRe finds a publish time in a page's scripts: a 公众号's
	// var ct = "1764400000" and publish_time, JSON state and JSON-LD.
	scriptTimeRe = regexp.MustCompile(`(?:\bvar\s+ct\s*=\s*|\b(?:publish_time|publishTime|pubTime|pub_time|pubtime|datePublished|publishDate|publish_date|create_time|createTime|ori_create_time)["']?\s*[:=]\s*)["']?([^"',;|}\s\\][^"',;|}\\]{0,30})`)
)

// sourceLineDate returns the date on a line that names the source,
// author, editor or view count (2026-11-28 09:12　来源：某县融媒体中心),
// the last such line when last is set (nearest the body, in the header),
// else the first.
func sourceLineDate(text string, last bool) time.Time {
	var found time.Time
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	for i, line := range lines {
		if countRunes(line) > 120 || !sourceLineRe.MatchString(line) {
			continue
		}
		// The date on the line, or on a line of its own right before or
		// after it (2026年11月30日 14:05 / 来源：人民网).
		cands := []string{line}
		if i > 0 && isDateOnly(lines[i-1]) {
			cands = append(cands, lines[i-1])
		}
		if i+1 < len(lines) && isDateOnly(lines[i+1]) {
			cands = append(cands, lines[i+1])
		}
		for _, c := range cands {
			if m := dateRe.FindStringSubmatchIndex(c); m != nil {
				if t := dateFromMatch(c, m); !t.IsZero() {
					if !last {
						return t
					}
					found = t
					break
				}
			}
		}
	}
	return found
}

// stripChrome removes from page text the dates that belong to the page's
// chrome rather than its article: a today-date widget (今天是…, 当前日期：…,
// or the fetch day with its weekday) and lists of links with their dates
// (a "latest" sidebar: three or more consecutive short lines each with a
// date or an age).
func stripChrome(text string, fetchedAt time.Time) string {
	if text == "" {
		return text
	}
	text = chromeDateRe.ReplaceAllString(text, "\n")
	text = weekdayDateRe.ReplaceAllStringFunc(text, func(m string) string {
		sm := dateRe.FindStringSubmatchIndex(m)
		if t := dateFromMatch(m, sm); !t.IsZero() && !hasClock(t) && sameDay(t, fetchedAt) {
			return "\n"
		}
		return m
	})
	lines := strings.Split(text, "\n")
	dated := func(l string) bool { return countRunes(l) <= 60 && (dateRe.MatchString(l) || agoRe.MatchString(l)) }
	keep := make([]bool, len(lines))
	for i := range keep {
		keep[i] = true
	}
	for i := 0; i < len(lines); {
		if !dated(lines[i]) {
			i++
			continue
		}
		// A run of dated lines, blank lines between them allowed.
		run, j := []int{i}, i+1
		for ; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == "" {
				continue
			}
			if !dated(lines[j]) {
				break
			}
			run = append(run, j)
		}
		if len(run) >= 3 {
			for _, k := range run {
				keep[k] = false
			}
		}
		i = j
	}
	var b strings.Builder
	for i, l := range lines {
		if keep[i] {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// scriptTimes returns the publish times written in a page's scripts, in
// document order (at most 4).
func scriptTimes(scripts []string) []time.Time {
	var out []time.Time
	for _, script := range scripts {
		for _, m := range scriptTimeRe.FindAllStringSubmatch(script, 8) {
			if t := parseTime(strings.TrimSpace(m[1])); !t.IsZero() {
				out = append(out, t)
				if len(out) == 4 {
					return out
				}
			}
		}
	}
	return out
}

func firstDate(text string) time.Time {
	for _, m := range dateRe.FindAllStringSubmatchIndex(text, -1) {
		if t := dateFromMatch(text, m); !t.IsZero() {
			return t
		}
	}
	if m := hanDateRe.FindStringSubmatch(text); m != nil {
		return hanDate(m)
	}
	if m := usDateRe.FindStringSubmatch(text); m != nil {
		return usDate(m)
	}
	return time.Time{}
}

// usDate builds a CST time from a usDateRe match (month/day/year).
func usDate(m []string) time.Time {
	mo, _ := strconv.Atoi(m[1])
	d, _ := strconv.Atoi(m[2])
	y, _ := strconv.Atoi(m[3])
	hh, mm, ss := 0, 0, 0
	if m[4] != "" {
		hh, _ = strconv.Atoi(m[4])
		mm, _ = strconv.Atoi(m[5])
		ss, _ = strconv.Atoi(m[6])
		switch strings.ToUpper(m[7]) {
		case "PM":
			if hh < 12 {
				hh += 12
			}
		case "AM":
			if hh == 12 {
				hh = 0
			}
		}
		if hh > 23 || mm > 59 || ss > 59 {
			hh, mm, ss = 0, 0, 0
		}
	}
	return makeDate(y, mo, d, hh, mm, ss)
}

func lastDate(text string) time.Time {
	ms := dateRe.FindAllStringSubmatchIndex(text, -1)
	for i := len(ms) - 1; i >= 0; i-- {
		if t := dateFromMatch(text, ms[i]); !t.IsZero() {
			return t
		}
	}
	hs := hanDateRe.FindAllStringSubmatch(text, -1)
	if len(hs) > 0 {
		return hanDate(hs[len(hs)-1])
	}
	us := usDateRe.FindAllStringSubmatch(text, -1)
	if len(us) > 0 {
		return usDate(us[len(us)-1])
	}
	return time.Time{}
}

// dateFromMatch builds a time in CST from a dateRe submatch index.
func dateFromMatch(text string, m []int) time.Time {
	group := func(i int) int {
		if m[2*i] < 0 {
			return -1
		}
		v, err := strconv.Atoi(text[m[2*i]:m[2*i+1]])
		if err != nil {
			return -1
		}
		return v
	}
	y, mo, d := group(1), group(2), group(3)
	hh, mm, ss := group(4), group(5), group(6)
	if hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		hh, mm, ss = 0, 0, 0
	}
	if ss < 0 || ss > 59 {
		ss = 0
	}
	return makeDate(y, mo, d, hh, mm, ss)
}

func makeDate(y, mo, d, hh, mm, ss int) time.Time {
	if y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, 0, model.China)
	if t.Day() != d {
		return time.Time{} // 2月30日
	}
	return t
}

var hanDigits = map[rune]int{'〇': 0, '零': 0, '○': 0, 'Ｏ': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

func hanDate(m []string) time.Time {
	y := 0
	for _, r := range m[1] {
		y = y*10 + hanDigits[r]
	}
	return makeDate(y, hanNumber(m[2]), hanNumber(m[3]), 0, 0, 0)
}

// hanNumber reads 1–31 written in Chinese numerals (十二, 二十三).
func hanNumber(s string) int {
	r := []rune(s)
	switch {
	case len(r) == 1 && r[0] == '十':
		return 10
	case len(r) == 1:
		return hanDigits[r[0]]
	case len(r) == 2 && r[0] == '十':
		return 10 + hanDigits[r[1]]
	case len(r) == 2 && r[1] == '十':
		return hanDigits[r[0]] * 10
	case len(r) == 3 && r[1] == '十':
		return hanDigits[r[0]]*10 + hanDigits[r[2]]
	}
	return 0
}

func urlDate(u string) time.Time {
	for _, re := range urlDateRes {
		if m := re.FindStringSubmatch(u); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			if t := makeDate(y, mo, d, 0, 0, 0); !t.IsZero() {
				return t
			}
		}
	}
	return time.Time{}
}

// timeLayouts are the formats of times in <meta> tags and feeds.
var timeLayouts = []string{
	time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04", time.RFC1123Z, time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 -0700",
	"Mon, 02 Jan 2006 15:04 -0700", time.RFC850, time.ANSIC, "2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
}

// parseTime reads a time in a standard layout (in CST when it has no
// zone) or a Chinese-style date; the zero time when it cannot.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, model.China); err == nil {
			return t
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		// A bare number is a Unix time in seconds or milliseconds when it
		// falls between 1990 and 2100 (var ct = "1764400000"); any other
		// number is not a time (7700000000 would be the year 2214).
		switch {
		case n > unixFrom && n < unixUntil:
			return time.Unix(n, 0).In(model.China)
		case n > unixFrom*1000 && n < unixUntil*1000:
			return time.UnixMilli(n).In(model.China)
		}
	}
	return firstDate(s)
}

// The Unix seconds a bare number in a page may be read as a time between:
// 1990-01-01 and 2100-01-01, UTC.
const (
	unixFrom  = 631152000
	unixUntil = 4102444800
)

// hasClock reports whether t carries a time of day (is not 00:00:00 in
// China Standard Time, which is what a date-only string parses to).
func hasClock(t time.Time) bool {
	h, m, sec := t.In(model.China).Clock()
	return h != 0 || m != 0 || sec != 0
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.In(model.China).Date()
	by, bm, bd := b.In(model.China).Date()
	return ay == by && am == bm && ad == bd
}
