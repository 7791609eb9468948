package crawler

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Hacked government sites carry injected content: link blocks to gambling
// and lottery sites (福彩刮刮乐中奖图片, 时时彩, 博彩…), often hidden with CSS
// so only search engines see them, and blocks of empty elements sharing one
// random id (<legend id="h4sia"></legend><samp id="h4sia"></samp>…) that
// the injection kits emit to confuse page-similarity checks. Two of the
// five seed documents show it. The crawler strips such content from the
// body and flags the page, because a portal serving it is itself news for
// the publicity office, and because the text would poison topic and
// sentiment analysis.

// Injection flags (Extraction.Flags).
const (
	// FlagSpamLinks: links with gambling or lottery text were removed.
	FlagSpamLinks = "spam_links"
	// FlagHiddenSpam: hidden or off-screen elements carried spam.
	FlagHiddenSpam = "hidden_spam"
	// FlagSEOTags: a block of empty elements sharing one id, or tag
	// markup shown as text.
	FlagSEOTags = "seo_tags"
	// FlagSpamText: short lines of gambling text (no sentence around them)
	// were removed from the body.
	FlagSpamText = "spam_text"
)

var (
	// spamStrongRe are terms that on a government or news page mean
	// gambling spam whatever the context around them.
	// Casino names that are also real places (葡京, 威尼斯人) are weak.
	spamStrongRe = regexp.MustCompile(`(?i)刮刮乐|时时彩|博彩|六合彩|百家乐|娱乐城|真人视讯|真人娱乐|老虎机|赌博网|北京赛车|pk10|幸运飞艇|11选5|网投|彩票(?:网|平台|投注|开户|注册|官网|app|下载|代理|计划)|中奖图片|开奖直播|(?:棋牌|捕鱼)(?:游戏|平台|下载|app)|体育投注|足彩投注|彩金|注册送`)
	// spamWeakRe are lottery and casino words that are spam when hidden
	// from readers, but may be news or a real place in visible text or
	// links (a 福彩 draw reported by the local paper, a show at the
	// Venetian in Macao, a forum's 开奖公告).
	spamWeakRe = regexp.MustCompile(`福彩|体育彩票|彩票|双色球|大乐透|彩民|开奖|赌场|葡京|威尼斯人|太阳城|快三`)
	// offscreenStyle hides an element without display:none.
	offscreenStyle = regexp.MustCompile(`(?i)(?:left|top|text-indent)\s*:\s*-\d{3,}px|(?:height|width)\s*:\s*0(?:px)?\s*;[^"]*overflow\s*:\s*hidden|font-size\s*:\s*0(?:px)?\b`)
	// tagLineRe is a line that is nothing but HTML tags shown as text.
	tagLineRe = regexp.MustCompile(`^(?:\s*•?\s*\d*\.?\s*</?[a-zA-Z][a-zA-Z0-9]*(?:\s+[a-zA-Z-]+="[^"]*")*\s*/?>)+\s*$`)
)

// An injected block of empty SEO tags is at least seoTagRepeat empty
// elements sharing one id, of at least seoTagKinds different tags (the
// kits pick tags at random: legend, samp, sup, mark, del, track, meter…).
// A page's own repeated id is one tag repeated (a counter <span> per
// post), so the variety tells them apart.
const (
	seoTagRepeat = 8
	seoTagKinds  = 5
)

// stripInjected removes injected content from the tree in place before
// the generic clean-up, and returns the flags of what it found. pageHost
// is the page's own host: lottery links to it are the site's own.
func stripInjected(root *html.Node, pageHost string) []string {
	var flags []string
	flag := func(f string) {
		if !slices.Contains(flags, f) {
			flags = append(flags, f)
		}
	}
	var drop []*html.Node
	emptyByID := make(map[string][]*html.Node)
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		style := attr(n, "style")
		// Hidden or off-screen content with spam words. Other hidden
		// content is left alone here: off-screen blocks are often menus
		// or collapsed article text that a script expands.
		if n.DataAtom != atom.Body && n.DataAtom != atom.Html && (hiddenStyle.MatchString(style) || offscreenStyle.MatchString(style)) {
			text := nodeText(n)
			if spamStrongRe.MatchString(text) || spamWeakRe.MatchString(text) && hasExternalLink(n, pageHost) {
				flag(FlagHiddenSpam)
				drop = append(drop, n)
				return false
			}
			return true
		}
		if n.DataAtom == atom.A {
			text := collapseSpace(nodeText(n) + " " + attr(n, "title"))
			if spamStrongRe.MatchString(text) {
				flag(FlagSpamLinks)
				drop = append(drop, n)
				return false
			}
			return true
		}
		if id := attr(n, "id"); id != "" && strings.TrimSpace(nodeText(n)) == "" && !hasMedia(n) {
			emptyByID[id] = append(emptyByID[id], n)
		}
		return true
	})
	for _, nodes := range emptyByID {
		tags := make(map[string]bool)
		for _, n := range nodes {
			tags[n.Data] = true
		}
		if len(nodes) >= seoTagRepeat && len(tags) >= seoTagKinds {
			flag(FlagSEOTags)
			drop = append(drop, nodes...)
		}
	}
	for _, n := range drop {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
	return flags
}

// stripSpamLines drops body lines that are injected text: HTML tag
// markup shown as text, and short lines of gambling terms with no
// sentence around them (a removed link's neighbour, a plain-text spam
// list). It returns the body and the flags of what it removed.
func stripSpamLines(body string) (string, []string) {
	var flags []string
	lines := strings.Split(body, "\n")
	out := lines[:0]
	for _, l := range lines {
		switch {
		case tagLineRe.MatchString(l):
			if !slices.Contains(flags, FlagSEOTags) {
				flags = append(flags, FlagSEOTags)
			}
			continue
		case utf8.RuneCountInString(l) <= 40 && spamStrongRe.MatchString(l) && !strings.ContainsAny(l, "。，；！？"):
			if !slices.Contains(flags, FlagSpamText) {
				flags = append(flags, FlagSpamText)
			}
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n"), flags
}

// hasExternalLink reports whether n holds a link to another host.
func hasExternalLink(n *html.Node, pageHost string) bool {
	found := false
	walk(n, func(k *html.Node) bool {
		if k.Type == html.ElementNode && k.DataAtom == atom.A && externalLink(k, pageHost) {
			found = true
		}
		return !found
	})
	return found
}

// hasMedia reports whether n holds an image or other embedded media,
// which are content although they have no text.
func hasMedia(n *html.Node) bool {
	found := false
	walk(n, func(k *html.Node) bool {
		if k.Type == html.ElementNode {
			switch k.DataAtom {
			case atom.Img, atom.Video, atom.Audio, atom.Picture, atom.Source, atom.Iframe, atom.Embed, atom.Object:
				found = true
			}
		}
		return !found
	})
	return found
}

// externalLink reports whether an <a> points to another host than the
// page's own (relative links are the site's own).
func externalLink(a *html.Node, pageHost string) bool {
	u, err := url.Parse(strings.TrimSpace(attr(a, "href")))
	if err != nil || u.Host == "" {
		return false
	}
	return !strings.EqualFold(u.Hostname(), pageHost)
}
