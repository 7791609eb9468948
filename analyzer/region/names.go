package region

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// ethnicGroups are the names of China's nationalities as they appear inside
// the names of autonomous divisions (凉山彝族自治州, 海西蒙古族藏族自治州,
// 克孜勒苏柯尔克孜自治州), longest first so that 蒙古 is not taken for 古.
var ethnicGroups = func() []string {
	g := strings.Fields(`蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山
		拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒
		乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各`)
	slices.SortStableFunc(g, func(a, b string) int { return len(b) - len(a) })
	return g
}()

// stripEthnic removes trailing nationality names (with or without 族) from
// the stem of an autonomous division's name: 海西蒙古族藏族 → 海西. It stops
// when fewer than two runes would remain, so a stem that is itself a name
// (the 白 of a hypothetical 白族) is not eaten.
func stripEthnic(stem string) string {
	for {
		cut := false
		for _, g := range ethnicGroups {
			for _, suffix := range []string{g + "族", g} {
				if s, ok := strings.CutSuffix(stem, suffix); ok && utf8.RuneCountInString(s) >= 2 {
					stem, cut = s, true
					break
				}
			}
			if cut {
				break
			}
		}
		if !cut {
			return stem
		}
	}
}

// suffixes are the generic endings of division names, longest first; the
// stem before them is a short form. "新区" makes 浦东 of 浦东新区.
var suffixes = map[Level][]string{
	Province: {"特别行政区", "自治区", "省", "市"},
	City:     {"自治州", "地区", "市", "盟"},
	County:   {"自治县", "自治旗", "新区", "林区", "特区", "县", "市", "区", "旗"},
}

// ShortForms derives the short forms of a division's name: the stem without
// its generic ending and, for autonomous divisions, without the
// nationalities (凉山彝族自治州 → 凉山, and 凉山州 as commonly written;
// 峨边彝族自治县 → 峨边县, and 峨边). A stem of one rune (沛县 → 沛) is no
// short form: it would match everywhere. The stems of county-level
// divisions are returned as weak: running text names a county with its
// suffix (青川县), while a bare stem straddles ordinary words far too often
// (公开和政务 holds 和政, 公开平台 开平, 健康龙江 龙江), and districts' stems
// are common words or landmarks found in many cities (朝阳, 鼓楼, 和平). The
// generator of divisions.tsv also weakens city stems that gse's dictionary
// knows as ordinary words.
func ShortForms(name string, level Level) (short, weak []string) {
	short, weak = []string{}, []string{}
	for _, suf := range suffixes[level] {
		stem, ok := strings.CutSuffix(name, suf)
		if !ok {
			continue
		}
		autonomous := strings.HasPrefix(suf, "自治")
		if autonomous {
			stem = stripEthnic(stem)
		}
		if utf8.RuneCountInString(stem) < 2 || stem == name {
			return short, weak
		}
		if level == County {
			weak = append(weak, stem)
		} else {
			short = append(short, stem)
		}
		if autonomous {
			// 凉山州, 峨边县, 鄂伦春旗: how autonomous divisions are written in
			// running text.
			alt := stem + map[string]string{"自治区": "", "自治州": "州", "自治县": "县", "自治旗": "旗"}[suf]
			if alt != stem && alt != name {
				short = append(short, alt)
			}
		}
		return short, weak
	}
	return short, weak
}

// ref is one meaning of a name: the division it refers to, whether it is a
// weak short form, and whether it is the division's full name.
type ref struct {
	code string
	weak bool
	full bool
}

// trie maps names to their meanings. Edges are one map keyed by (node,
// rune) rather than a map per node: about 9,000 names make some 20,000
// nodes, and one map keeps that to a few hundred kilobytes.
type trie struct {
	// first marks the BMP runes that start a name: most runes of a text
	// start none, and a bit test is cheaper than a map lookup.
	first [0x10000 / 64]uint64
	// pairs marks (by pairHash) the first two runes of names of two runes
	// or more, single the BMP runes that are a name on their own: after
	// the first rune, one bit test rules out most of the rest of a
	// lookup. Bits are never cleared (remove keeps them): they may only
	// say "maybe".
	pairs  *[pairBits / 64]uint64
	single [0x10000 / 64]uint64
	edges  map[uint64]int32
	terms  map[int32][]ref
	byCode map[string][]int32
	nodes  int32
}

func newTrie() *trie {
	return &trie{pairs: new([pairBits / 64]uint64), edges: map[uint64]int32{}, terms: map[int32][]ref{}, byCode: map[string][]int32{}, nodes: 1}
}

// pairBits is the size of the pairs filter: about 20,000 pairs set 7% of it.
const pairBits = 1 << 18

func pairHash(a, b rune) uint32 {
	h := (uint32(a)*0x9E3779B1 ^ uint32(b)) * 0x85EBCA6B
	return h >> (32 - 18)
}

func (t *trie) maybePair(a, b rune) bool {
	h := pairHash(a, b)
	return t.pairs[h>>6]&(1<<(h&63)) != 0
}

func edgeKey(node int32, r rune) uint64 { return uint64(node)<<32 | uint64(uint32(r)) }

func (t *trie) clone() *trie {
	pairs := *t.pairs
	c := &trie{first: t.first, pairs: &pairs, single: t.single, edges: maps.Clone(t.edges), terms: make(map[int32][]ref, len(t.terms)), byCode: make(map[string][]int32, len(t.byCode)), nodes: t.nodes}
	for k, v := range t.terms {
		c.terms[k] = slices.Clone(v)
	}
	for k, v := range t.byCode {
		c.byCode[k] = slices.Clone(v)
	}
	return c
}

func (t *trie) add(name, code string, weak, full bool) {
	r0, size := utf8.DecodeRuneInString(name)
	if r0 < 0x10000 {
		t.first[r0>>6] |= 1 << (r0 & 63)
	}
	if size < len(name) {
		r1, _ := utf8.DecodeRuneInString(name[size:])
		h := pairHash(r0, r1)
		t.pairs[h>>6] |= 1 << (h & 63)
	} else if r0 < 0x10000 {
		t.single[r0>>6] |= 1 << (r0 & 63)
	}
	node := int32(0)
	for _, r := range name {
		k := edgeKey(node, r)
		next, ok := t.edges[k]
		if !ok {
			next = t.nodes
			t.nodes++
			t.edges[k] = next
		}
		node = next
	}
	for i, r := range t.terms[node] {
		if r.code == code {
			// The same division under one name twice (a short form equal
			// to another's full name): keep the strongest reading.
			t.terms[node][i].weak = r.weak && weak
			t.terms[node][i].full = r.full || full
			return
		}
	}
	t.terms[node] = append(t.terms[node], ref{code: code, weak: weak, full: full})
	t.byCode[code] = append(t.byCode[code], node)
}

// remove drops every name of code. Its nodes stay: they cost a few bytes
// and may lead to other names.
func (t *trie) remove(code string) {
	for _, node := range t.byCode[code] {
		t.terms[node] = slices.DeleteFunc(t.terms[node], func(r ref) bool { return r.code == code })
		if len(t.terms[node]) == 0 {
			delete(t.terms, node)
		}
	}
	delete(t.byCode, code)
}

// longest returns the meanings of the longest name that text starts with
// and its length in bytes, or 0.
func (t *trie) longest(text string) (refs []ref, n int) {
	r0, size := decodeRune(text)
	if r0 < 0x10000 {
		if t.first[r0>>6]&(1<<(r0&63)) == 0 {
			return nil, 0
		}
		if size < len(text) && t.single[r0>>6]&(1<<(r0&63)) == 0 {
			if r1, _ := decodeRune(text[size:]); !t.maybePair(r0, r1) {
				return nil, 0 // no name of one rune, none of two or more
			}
		}
	}
	node := int32(0)
	for i, r := range text {
		next, ok := t.edges[edgeKey(node, r)]
		if !ok {
			break
		}
		node = next
		if rs, ok := t.terms[node]; ok {
			refs, n = rs, i+utf8.RuneLen(r)
		}
	}
	return refs, n
}

// decodeRune is utf8.DecodeRuneInString with the three-byte runes of
// Chinese text decoded inline.
func decodeRune(s string) (rune, int) {
	if len(s) >= 3 {
		// E1–EC and EE–EF take any continuation bytes; E0 and ED restrict
		// the second byte and go the long way.
		if c := s[0]; c >= 0xE1 && c <= 0xEF && c != 0xED && s[1]&0xC0 == 0x80 && s[2]&0xC0 == 0x80 {
			return rune(c&0x0F)<<12 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
		}
	}
	return utf8.DecodeRuneInString(s)
}
