package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/yuqing-project/yuqing/config"
)

// Extraction is what generic extraction finds in one article page. It
// carries more than model.Document (the 政务公开 metadata) for debugging
// tools such as `yuqing extract`.
type Extraction struct {
	Title string `json:"title"`
	// Body is the main text, one paragraph per line.
	Body   string `json:"body"`
	Author string `json:"author,omitempty"`
	// Origin is the original publisher named by 来源/转载自.
	Origin string `json:"origin,omitempty"`
	// PublishedAt is the publish time; see PublishedAtSource.
	PublishedAt time.Time `json:"published_at"`
	// PublishedAtSource is meta, text, relative, url, feed or fetch;
	// fetch means no publish time was found and the fetch time stands in
	// for it.
	PublishedAtSource string `json:"published_at_source"`
	// PublishedAtConfidence says how sure the publish time is, from 0
	// (the fetch time stands in) to 1: 0.95 for a <meta> time, 0.9 for a
	// labelled date beside the title, 0.6 for a date in the URL, 0.3 for
	// a month alone (see the conf constants in dates.go).
	PublishedAtConfidence float64 `json:"published_at_confidence"`
	// PublishedUncertain is set when the publish time rests on a weak
	// clue only: an unlabelled date, the URL's date, a date that may be
	// the page chrome's, a month, or nothing (the fetch time). The
	// response clock then starts from when the post was first seen.
	PublishedUncertain bool `json:"published_uncertain,omitempty"`
	// Encoding is the page's original charset (utf-8, gbk, gb18030, big5...).
	Encoding string `json:"encoding"`
	// 政务公开 metadata, when the page shows it.
	IndexNumber string `json:"index_number,omitempty"` // 索引号
	DocNumber   string `json:"doc_number,omitempty"`   // 文号, e.g. 十政办发〔2015〕32号
	Issuer      string `json:"issuer,omitempty"`       // 发布机构
	Subject     string `json:"subject,omitempty"`      // 主题分类
	// Injected is set when the page carried content injected by an
	// attacker (gambling and lottery links, hidden spam, blocks of empty
	// SEO tags); that content is stripped from Body. Flags name what was
	// found (see the Flag constants).
	Injected bool     `json:"injected"`
	Flags    []string `json:"flags,omitempty"`
}

// ErrNoContent is returned by Extract when a page has no main text.
var ErrNoContent = errors.New("no main text found")

// minBodyRunes is the shortest body accepted as an article.
const minBodyRunes = 20

// Extract finds title, body, author, origin and publish time in an HTML
// page. page is the raw response body in any supported charset;
// contentType is the HTTP Content-Type (may be empty); fetchedAt stands in
// for the publish time when the page shows none. It returns ErrNoContent
// (wrapped) when the page has no main text.
func Extract(page []byte, pageURL string, contentType string, fetchedAt time.Time) (Extraction, error) {
	utf8Page, enc, err := decodeHTML(page, contentType, "")
	if err != nil {
		return Extraction{}, fmt.Errorf("cannot decode %q: %w", pageURL, err)
	}
	return extractHTML(utf8Page, enc, pageURL, fetchedAt, config.ArticleRules{})
}

// extractHTML is Extract on a page already converted to UTF-8, with the
// source's optional selectors.
func extractHTML(page []byte, enc, pageURL string, fetchedAt time.Time, rules config.ArticleRules) (Extraction, error) {
	root, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return Extraction{}, fmt.Errorf("cannot parse %q: %w", pageURL, err)
	}
	ex := Extraction{Encoding: enc}
	metas := collectMeta(root)
	docTitle := ""
	if t := findFirst(root, atom.Title); t != nil {
		docTitle = collapseSpace(nodeText(t))
	}

	pageHost := ""
	if u, err := url.Parse(pageURL); err == nil {
		pageHost = u.Hostname()
	}
	ex.Flags = stripInjected(root, pageHost)
	scripts := scriptTexts(root)
	clean(root)
	full := blockText(root)

	var body string
	if rules.Body != "" {
		body = selectText(root, rules.Body)
	}
	if body == "" {
		if top := mainBlock(root); top != nil {
			body = blockText(top)
		}
	}
	ex.Title = pickTitle(root, metas, docTitle, rules)
	body = cleanBody(body, ex.Title)
	body, lineFlags := stripSpamLines(body)
	for _, f := range lineFlags {
		if !slices.Contains(ex.Flags, f) {
			ex.Flags = append(ex.Flags, f)
		}
	}
	ex.Injected = len(ex.Flags) > 0
	if utf8.RuneCountInString(strings.Join(strings.Fields(body), "")) < minBodyRunes {
		return ex, fmt.Errorf("cannot extract %q: %w", pageURL, ErrNoContent)
	}
	ex.Body = body

	header, trailer := aroundBody(full, body)
	ex.PublishedAt, ex.PublishedAtSource, ex.PublishedAtConfidence = findPublishTime(timeClues{
		metas: metas, full: full, header: header, body: body, trailer: trailer, pageURL: pageURL,
		selected: selectText(root, rules.Time), marked: markedDates(root), scripts: scripts,
	}, fetchedAt)
	ex.PublishedUncertain = uncertainTime(ex.PublishedAtConfidence)
	if rules.Author != "" {
		ex.Author = firstLine(selectText(root, rules.Author))
	}
	if ex.Author == "" {
		ex.Author = findAuthor(metas, header, body, trailer)
	}
	ex.Origin = findLabelled(originRe, header+"\n"+trailer)
	ex.IndexNumber = findLabelled(indexNoRe, full)
	ex.Issuer = findLabelled(issuerRe, full)
	ex.Subject = findLabelled(subjectRe, full)
	if m := docNumberRe.FindString(header + "\n" + firstRunes(body, 300)); m != "" {
		ex.DocNumber = m
	} else if m := findLabelled(docNoLabelRe, full); m != "" {
		ex.DocNumber = m
	}
	return ex, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func firstRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// dateMarkRe matches class, id and itemprop values of elements that hold
// a publish date in common page templates.
var dateMarkRe = regexp.MustCompile(`(?i)(?:^|[-_\s])(?:date|time|pubdate|pubtime|publish|published|publishdate|publishtime|posttime|postdate|post-time|post-date|datepublished|timestamp|datetime|article-time|article-date)(?:[-_\s]|$)`)

// markedDates returns, in document order, the datetime attributes of
// <time> elements and the short texts of elements whose class, id or
// itemprop names a date. It runs on the cleaned tree, so navigation and
// footers are already gone.
func markedDates(root *html.Node) []string {
	var out []string
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode || len(out) >= 8 {
			return len(out) < 8
		}
		if n.DataAtom == atom.Time {
			if v := attr(n, "datetime"); v != "" {
				out = append(out, v)
				return false
			}
		}
		if dateMarkRe.MatchString(attr(n, "class")) || dateMarkRe.MatchString(attr(n, "id")) || dateMarkRe.MatchString(attr(n, "itemprop")) {
			if inDatedList(n) || inDatedList(n.Parent) {
				return false // a "latest" list's dates are other pages'
			}
			if t := collapseSpace(nodeText(n)); t != "" && utf8.RuneCountInString(t) <= 40 {
				out = append(out, t)
				return false
			}
		}
		return true
	})
	return out
}

// maxScriptText bounds the script text searched for a publish time.
const maxScriptText = 256 << 10

// scriptTexts returns the texts of the page's inline scripts (JSON-LD and
// state included), at most maxScriptText bytes in all. They are not
// copied: the strings are the parsed tree's.
func scriptTexts(root *html.Node) []string {
	var out []string
	size := 0
	walk(root, func(n *html.Node) bool {
		if size >= maxScriptText {
			return false
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Script {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode && size < maxScriptText {
					t := c.Data[:min(len(c.Data), maxScriptText-size)]
					out = append(out, t)
					size += len(t)
				}
			}
			return false
		}
		return true
	})
	return out
}

// inDatedList says whether n is an item of a list of links with dates
// (本站推荐, 最新动态): short, with at least two siblings of its kind that
// are short and dated too. A forum post is long, so a thread's posts are
// not such a list.
func inDatedList(n *html.Node) bool {
	if n == nil || n.Type != html.ElementNode || n.Parent == nil {
		return false
	}
	short := func(c *html.Node) bool {
		t := collapseSpace(nodeText(c))
		return t != "" && utf8.RuneCountInString(t) <= 80 && dateRe.MatchString(t)
	}
	if !short(n) {
		return false
	}
	items := 0
	for c := n.Parent.FirstChild; c != nil && items < 3; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == n.DataAtom && short(c) {
			items++
		}
	}
	return items >= 3
}

// selectText returns the text of the elements matching a CSS selector, or
// "" when the selector is empty, invalid or matches nothing.
func selectText(root *html.Node, selector string) string {
	if selector == "" {
		return ""
	}
	var sel *goquery.Selection
	func() {
		defer func() {
			// cascadia panics on some invalid selectors through goquery's
			// Find; an invalid selector simply matches nothing.
			if recover() != nil {
				sel = nil
			}
		}()
		sel = goquery.NewDocumentFromNode(root).Find(selector)
	}()
	if sel == nil || sel.Length() == 0 {
		return ""
	}
	var parts []string
	sel.Each(func(_ int, s *goquery.Selection) {
		for _, n := range s.Nodes {
			if t := strings.TrimSpace(blockText(n)); t != "" {
				parts = append(parts, t)
			}
		}
	})
	return strings.Join(parts, "\n")
}

// collectMeta returns the <meta> name/property → content pairs, with
// lower-cased keys; the first occurrence of a key wins.
func collectMeta(root *html.Node) map[string]string {
	m := make(map[string]string)
	walk(root, func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.Meta {
			key := attr(n, "name")
			if key == "" {
				key = attr(n, "property")
			}
			if key == "" {
				key = attr(n, "itemprop")
			}
			key = strings.ToLower(strings.TrimSpace(key))
			if key != "" {
				if _, ok := m[key]; !ok {
					m[key] = strings.TrimSpace(attr(n, "content"))
				}
			}
		}
		return true
	})
	return m
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, name) {
			return a.Val
		}
	}
	return ""
}

// walk visits n and its descendants in document order; f returns false to
// skip a node's children.
func walk(n *html.Node, f func(*html.Node) bool) {
	if !f(n) {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func findFirst(root *html.Node, a atom.Atom) *html.Node {
	var found *html.Node
	walk(root, func(n *html.Node) bool {
		if found != nil {
			return false
		}
		if n.Type == html.ElementNode && n.DataAtom == a {
			found = n
			return false
		}
		return true
	})
	return found
}

// nodeText is the plain concatenated text under n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
		return true
	})
	return b.String()
}

// removedTags never hold article text.
var removedTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Canvas: true,
	atom.Template: true, atom.Head: true, atom.Select: true, atom.Option: true,
	atom.Textarea: true, atom.Input: true, atom.Button: true, atom.Nav: true,
	atom.Footer: true, atom.Aside: true, atom.Map: true, atom.Area: true,
}

// boilerplateAttr matches class and id values of page chrome.
var boilerplateAttr = regexp.MustCompile(`(?i)(^|[-_\s])(nav|navbar|navigation|menu|footer|foot|copyright|share|bdshare|bdsharebuttonbox|breadcrumbs?|crumbs?|sidebar|related|recommend|comments?|toolbar|topbar|login|advert|ads|banner|position|location|pager|pagination)([-_\s]|$)`)

var hiddenStyle = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden`)

// clean removes scripts, styles, navigation, footers, hidden elements and
// comments from the tree in place.
func clean(root *html.Node) {
	var drop []*html.Node
	walk(root, func(n *html.Node) bool {
		switch n.Type {
		case html.CommentNode:
			drop = append(drop, n)
			return false
		case html.ElementNode:
			if removedTags[n.DataAtom] || hiddenStyle.MatchString(attr(n, "style")) ||
				boilerplateAttr.MatchString(attr(n, "class")) || boilerplateAttr.MatchString(attr(n, "id")) {
				if n.DataAtom != atom.Body && n.DataAtom != atom.Html {
					drop = append(drop, n)
					return false
				}
			}
		}
		return true
	})
	for _, n := range drop {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

// inlineTags do not break a paragraph.
var inlineTags = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true,
	atom.Cite: true, atom.Code: true, atom.Data: true, atom.Dfn: true, atom.Em: true,
	atom.Font: true, atom.I: true, atom.Img: true, atom.Kbd: true, atom.Label: true,
	atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true, atom.Small: true,
	atom.Span: true, atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true,
	atom.U: true, atom.Var: true, atom.Wbr: true, atom.Big: true, atom.Strike: true,
	atom.Tt: true, atom.Nobr: true, atom.Ins: true, atom.Del: true,
}

// blockText renders the text under n with one line per block and <br>.
func blockText(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(c *html.Node) {
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
			return
		case html.ElementNode:
			if c.DataAtom == atom.Br {
				b.WriteByte('\n')
				return
			}
			if removedTags[c.DataAtom] {
				return
			}
		}
		block := c.Type == html.ElementNode && !inlineTags[c.DataAtom]
		if block {
			b.WriteByte('\n')
		}
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			rec(k)
		}
		if block {
			b.WriteByte('\n')
		}
	}
	rec(n)
	return normaliseLines(b.String())
}

// normaliseLines collapses spaces inside lines, trims them and drops empty
// lines.
func normaliseLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = collapseSpace(l)
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}

func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u00a0' || r == '\u3000' || r == '\ufeff'
}

// stats are per-node text statistics for main-block scoring.
type stats struct {
	text, link int // runes of text, of link text
	score      float64
}

var punctuation = map[rune]bool{'，': true, '。': true, '；': true, '：': true, '！': true, '？': true, '、': true, '“': true, '”': true, ',': true, ';': true}

// mainBlock returns the element holding the article text: paragraphs are
// the text runs of block elements (text and inline children, not nested
// blocks); each scores by its non-link characters and punctuation, and
// passes its score to itself, its parent and (half) its grandparent. The
// best element after discounting link density wins.
func mainBlock(root *html.Node) *html.Node {
	st := make(map[*html.Node]*stats)
	get := func(n *html.Node) *stats {
		s := st[n]
		if s == nil {
			s = &stats{}
			st[n] = s
		}
		return s
	}
	// Totals per element (text, link text).
	var total func(n *html.Node, inLink bool) (int, int)
	total = func(n *html.Node, inLink bool) (int, int) {
		if n.Type == html.TextNode {
			c := countRunes(n.Data)
			if inLink {
				return c, c
			}
			return c, 0
		}
		t, l := 0, 0
		link := inLink || (n.Type == html.ElementNode && n.DataAtom == atom.A && attr(n, "href") != "")
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			ct, cl := total(c, link)
			t += ct
			l += cl
		}
		if n.Type == html.ElementNode {
			s := get(n)
			s.text, s.link = t, l
		}
		return t, l
	}
	total(root, false)

	// Paragraph scores.
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode || inlineTags[n.DataAtom] {
			return true
		}
		own, link, punct := ownText(n)
		if own-link < 10 {
			return true
		}
		s := float64(own-link) + 10*float64(punct)
		if link > 0 {
			s *= 1 - float64(link)/float64(own)
		}
		get(n).score += s
		if p := n.Parent; p != nil && p.Type == html.ElementNode {
			get(p).score += s
			if g := p.Parent; g != nil && g.Type == html.ElementNode {
				get(g).score += s / 2
			}
		}
		return true
	})
	var best *html.Node
	bestScore := 0.0
	for n, s := range st {
		if s.score == 0 || s.text == 0 {
			continue
		}
		ld := float64(s.link) / float64(s.text)
		score := s.score * (1 - ld) * (1 - ld)
		if score > bestScore || (score == bestScore && best != nil && depth(n) > depth(best)) {
			best, bestScore = n, score
		}
	}
	return best
}

func depth(n *html.Node) int {
	d := 0
	for ; n != nil; n = n.Parent {
		d++
	}
	return d
}

// ownText counts the runes (and link runes, punctuation) of n's text and
// inline children, not of nested block elements.
func ownText(n *html.Node) (text, link, punct int) {
	var rec func(c *html.Node, inLink bool)
	rec = func(c *html.Node, inLink bool) {
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			switch k.Type {
			case html.TextNode:
				t := countRunes(k.Data)
				text += t
				if inLink {
					link += t
				} else {
					for _, r := range k.Data {
						if punctuation[r] {
							punct++
						}
					}
				}
			case html.ElementNode:
				if inlineTags[k.DataAtom] {
					rec(k, inLink || k.DataAtom == atom.A && attr(k, "href") != "")
				}
			}
		}
	}
	rec(n, false)
	return
}

// countRunes counts the non-space runes of s.
func countRunes(s string) int {
	c := 0
	for _, r := range s {
		if !isSpace(r) {
			c++
		}
	}
	return c
}

// boilerplateLine matches lines of page chrome left inside the main block.
var boilerplateLine = regexp.MustCompile(`版权所有|版权声明|Copyright|©|ICP备|ICP证|备案号|公网安备|技术支持[:：]|主办单位|承办单位|相关阅读|相关新闻|相关链接|相关文章|延伸阅读|推荐阅读|责任编辑|【打印|【关闭|关闭窗口|打印本页|打印此页|分享到|扫一扫|上一篇|下一篇|上一条|下一条|字体[:：]?\s*【|字号[:：]|【大|浏览次数|点击数|阅读次数|返回顶部|收藏本页|加入收藏|设为首页`)

// metaLine matches the date/source line under a title.
var metaLine = regexp.MustCompile(`^(.{0,24}(发布时间|发布日期|发文日期|发表时间|发表于|更新时间|留言时间|留言人|留言对象|提问人|楼主|时间|日期|来源|來源|作者|作\s*者|编辑|浏览|点击|阅读|字号)\s*[:：])`)

// cleanBody drops boilerplate lines, the title repeated as the first line,
// and date/source lines at the start of the body.
func cleanBody(body, title string) string {
	lines := strings.Split(body, "\n")
	out := make([]string, 0, len(lines))
	for i, l := range lines {
		if boilerplateLine.MatchString(l) && utf8.RuneCountInString(l) < 80 {
			continue
		}
		if len(out) == 0 && i < 5 {
			if title != "" && (l == title || strings.Contains(title, l) && utf8.RuneCountInString(l) > 4) {
				continue
			}
			if utf8.RuneCountInString(l) < 80 && (metaLine.MatchString(l) || isDateOnly(l)) {
				continue
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// isDateOnly reports whether a line is nothing but a date and time.
func isDateOnly(l string) bool {
	loc := dateRe.FindStringIndex(l)
	if loc == nil {
		return false
	}
	rest := l[:loc[0]] + l[loc[1]:]
	return countRunes(rest) <= 4
}

// aroundBody returns the page text just before the body (the header with
// title, date and source lines) and just after it.
func aroundBody(full, body string) (header, trailer string) {
	if body == "" {
		return full, ""
	}
	first := firstLine(body)
	lines := strings.Split(body, "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	start := strings.Index(full, first)
	if start < 0 {
		start = len(full) / 3
	}
	header = full[:start]
	if len(header) > 1500 {
		header = header[len(header)-1500:]
		header = strings.ToValidUTF8(header, "")
	}
	end := strings.LastIndex(full, last)
	if end >= 0 {
		trailer = full[end+len(last):]
		if len(trailer) > 600 {
			trailer = strings.ToValidUTF8(trailer[:600], "")
		}
	}
	return header, trailer
}

// titleSeparators split a <title> into the page title and the site name.
var titleSeparators = regexp.MustCompile(`\s*(?:_|\||｜|--|－－|——|—|－|\s-\s|::|»)\s*`)

// pickTitle chooses the title: the source's selector, og:title, a heading
// that <title> contains, or <title> without its site suffix.
func pickTitle(root *html.Node, metas map[string]string, docTitle string, rules config.ArticleRules) string {
	if t := firstLine(selectText(root, rules.Title)); t != "" {
		return t
	}
	if t := collapseSpace(metas["og:title"]); t != "" {
		return t
	}
	for _, k := range []string{"articletitle", "title", "headline"} {
		if t := collapseSpace(metas[k]); t != "" && utf8.RuneCountInString(t) >= 4 {
			return stripSiteSuffix(t)
		}
	}
	for _, a := range []atom.Atom{atom.H1, atom.H2, atom.H3} {
		var found string
		walk(root, func(n *html.Node) bool {
			if found != "" {
				return false
			}
			if n.Type == html.ElementNode && n.DataAtom == a {
				t := collapseSpace(nodeText(n))
				if n := utf8.RuneCountInString(t); n >= 4 && n <= 120 && (docTitle == "" || strings.Contains(docTitle, t) || strings.Contains(t, stripSiteSuffix(docTitle))) {
					found = t
				}
			}
			return true
		})
		if found != "" {
			return found
		}
	}
	return stripSiteSuffix(docTitle)
}

func stripSiteSuffix(t string) string {
	parts := titleSeparators.Split(t, -1)
	if len(parts) > 1 && utf8.RuneCountInString(parts[0]) >= 4 {
		return strings.TrimSpace(parts[0])
	}
	return strings.TrimSpace(t)
}

var (
	authorRe = regexp.MustCompile(`(?:作者|作\s+者|撰稿人?|撰文|留言人|提问人|发帖人|楼主|文\s*/|文／|记者|通讯员)\s*[:：/／]?\s*([\p{Han}A-Za-z·&]{2,16}(?:[ 、,，]\s*[\p{Han}]{2,4}){0,4})`)
	originRe = regexp.MustCompile(`(?:来源|來源|稿源|出处|转载自|转自|信息来源)\s*[:：]\s*([^\s|｜,，。;；:：]{2,30})`)
	// 政务公开 metadata.
	indexNoRe    = regexp.MustCompile(`索\s*引\s*号\s*[:：]\s*([A-Za-z0-9\-/_.]{4,60})`)
	issuerRe     = regexp.MustCompile(`(?:发布机构|发文机关|发文单位)\s*[:：]\s*([^\s|｜,，。;；]{2,40})`)
	subjectRe    = regexp.MustCompile(`主题分类\s*[:：]\s*([^\s|｜,，。;；]{2,30})`)
	docNoLabelRe = regexp.MustCompile(`文\s*号\s*[:：]\s*([^\s|｜,，。;；]{2,40})`)
	docNumberRe  = regexp.MustCompile(`[\p{Han}]{1,12}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,4}\s*号`)
)

// authorStop are words an author match must not be.
var authorStop = regexp.MustCompile(`^(发布|时间|日期|来源|编辑|报道|摄影|本报|本站|不详|佚名|未知)`)

func findAuthor(metas map[string]string, header, body, trailer string) string {
	for _, k := range []string{"author", "article:author", "byline", "dc.creator"} {
		if v := collapseSpace(metas[k]); v != "" && !strings.Contains(v, "http") && utf8.RuneCountInString(v) <= 30 {
			return v
		}
	}
	for _, text := range []string{header, firstRunes(body, 200), trailer} {
		for _, m := range authorRe.FindAllStringSubmatch(text, -1) {
			a := strings.TrimSpace(m[1])
			a = strings.TrimRight(a, "、,， ")
			if a == "" || authorStop.MatchString(a) {
				continue
			}
			return cutAtLabel(a)
		}
	}
	return ""
}

// cutAtLabel stops a match at a following label such as 来源 or 发布.
func cutAtLabel(s string) string {
	for _, label := range []string{"来源", "發布", "发布", "发表", "时间", "日期", "编辑", "责任", "点击", "浏览", "留言", "审核"} {
		if i := strings.Index(s, label); i > 0 {
			s = s[:i]
		}
	}
	return strings.TrimSpace(s)
}

func findLabelled(re *regexp.Regexp, text string) string {
	m := re.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return cutAtLabel(strings.TrimSpace(m[1]))
}
