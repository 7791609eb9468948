package responder

import (
	"cmp"
	"hash/maphash"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Events that hold one story. A post is compared with each active event's
// representative terms — the centroid of its posts' term vectors, older
// posts decayed — not with any one of its posts, so an event cannot grow by
// chaining one loosely related post onto the next. It joins the event it
// is most similar to when that similarity reaches joinSim and it shares
// something with the event's seed (the founding post), which bounds how far
// an event can drift from what it was first about. Beside the terms:
//
//   - a near-duplicate (a repost, the same story reworded) joins the event
//     holding its twin;
//   - a post that talks about casualties, the missing or a cover-up of them
//     (「伤亡人数是不是被瞒报了？」, 「到现在联系不上」), or shares a word of
//     something gone wrong with it (爆炸, 山洪, 欠薪), joins the active
//     negative story it is most similar to, even below joinSim: doubts and
//     questions about a disaster rarely repeat its key words;
//   - two events whose centroids come to agree (mergeSim) are one story and
//     are merged.
var (
	joinSim = 0.45
	seedSim = 0.02
	linkSim = 0.04
	// placeLinkSim is how far a complaint must agree with a negative story
	// about the same place, sharing a word of its titles, to join it
	// (「书香门第停水两天无人通知」 and 「书香门第已经停水一天了」 share little
	// else; 「青岚大道的路灯坏了」 is not 「青岚大道工地…噪音太大」).
	placeLinkSim = 0.08
	// samePlaceSim is how far any post must agree with a story about the
	// same places to join it: the same story told again in other words.
	samePlaceSim = 0.25
	mergeSim     = 0.5
	// entityLinkSim is how far a post must agree with an event that names
	// the same organisation or person to join it.
	entityLinkSim = 0.25
	// linkMergeSim is how far two negative stories sharing a word of
	// something gone wrong must agree to be merged.
	linkMergeSim = 0.2
)

const (
	// centroidHalfLife is the half-life of a post's weight in its event's
	// centroid: a story's terms of yesterday count half those of today.
	centroidHalfLife = 24 * time.Hour
	// linkWindow is how recent an event with casualties must be for a
	// casualty post to join it by the casualty link.
	linkWindow = 12 * time.Hour
	// maxMembers bounds the post vectors kept per event to choose its most
	// central post as title.
	maxMembers     = 64
	maxCentroidLen = 300
)

// vec is a sparse term vector.
type vec map[string]float64

func (v vec) norm() float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// dot returns the dot product of a small vector with a large one.
func dot(small, large vec) float64 {
	var s float64
	for w, x := range small {
		s += x * large[w]
	}
	return s
}

// centroid is an event's representative terms.
type centroid struct {
	w    vec
	norm float64
	ref  time.Time // the moment the weights are relative to
	seed vec       // the founding post's vector, unit length
	// places counts the localities its posts name (see localities).
	places map[string]int
	// members are some of the event's posts, for its title.
	members []member
	// packed is w sorted by term hash, built on demand (packedTerms) and
	// dropped whenever w changes: comparing one event with every active
	// one (mergeable) walks two sorted slices instead of looking each term
	// up in a map.
	packed []packedTerm
}

// packedTerm is one term of a packed centroid.
type packedTerm struct {
	h uint64
	t string
	x float64
}

// termSeed hashes terms for packed centroids; hashes are compared within
// one process only.
var termSeed = maphash.MakeSeed()

// reweighed recomputes what derives from w after w changed: its norm, and
// the sorted copy (dropped, built again when next needed).
func (c *centroid) reweighed() {
	c.norm = c.w.norm()
	c.packed = nil
}

// packedTerms returns c's weights ordered by (term hash, term).
func (c *centroid) packedTerms() []packedTerm {
	if c.packed == nil {
		p := make([]packedTerm, 0, len(c.w))
		for t, x := range c.w {
			p = append(p, packedTerm{maphash.String(termSeed, t), t, x})
		}
		slices.SortFunc(p, func(a, b packedTerm) int {
			if a.h != b.h {
				return cmp.Compare(a.h, b.h)
			}
			return strings.Compare(a.t, b.t)
		})
		c.packed = p
	}
	return c.packed
}

// centroidDot is the dot product of two centroids' weights.
func centroidDot(a, b *centroid) float64 {
	pa, pb := a.packedTerms(), b.packedTerms()
	var s float64
	for i, j := 0, 0; i < len(pa) && j < len(pb); {
		x, y := &pa[i], &pb[j]
		switch {
		case x.h < y.h:
			i++
		case x.h > y.h:
			j++
		case x.t == y.t:
			s += x.x * y.x
			i++
			j++
		case x.t < y.t:
			i++
		default:
			j++
		}
	}
	return s
}

type member struct {
	id, title string
	v         vec
}

func newCentroid() *centroid { return &centroid{w: vec{}, places: map[string]int{}} }

// localities are the places below the divisions a post names (a town, a
// village, a community, a road — the jurisdiction's places the analyzer
// knows), which tell apart stories told in the same words: a water cut in
// 金桂园 is not the one in 翠湖苑. They are the places its title names —
// what the post is about — or, when the title names none, those of its
// body.
func localities(p *model.Post) []string {
	div := map[string]bool{}
	for _, r := range p.Regions {
		div[r.Name] = true
	}
	var all, title []string
	for _, e := range p.Entities {
		if e.Kind == "place" && !div[e.Text] && len([]rune(e.Text)) >= 3 && !slices.Contains(all, e.Text) {
			all = append(all, e.Text)
			if strings.Contains(p.Title, e.Text) {
				title = append(title, e.Text)
			}
		}
	}
	if len(title) > 0 {
		return title
	}
	return all
}

// placeConflict says whether a post naming places ps cannot belong to an
// event: for some kind of place (town, village, road, site) both name
// places of that kind, and the post names none of the event's core places
// of that kind (those named at least half as often as its most named one
// of the kind) — another community, another village of the same town. A
// town and a housing estate in it do not conflict.
func (c *centroid) placeConflict(ps []string) bool {
	if len(ps) == 0 || len(c.places) == 0 {
		return false
	}
	top := map[string]int{}
	for k, n := range c.places {
		kind := placeKind(k)
		top[kind] = max(top[kind], n)
	}
	mine := map[string]bool{}  // kinds the post names
	agree := map[string]bool{} // kinds where it names a core place
	for _, p := range ps {
		kind := placeKind(p)
		mine[kind] = true
		if n := c.places[p]; n > 0 && 2*n >= top[kind] {
			agree[kind] = true
		}
	}
	for kind := range mine {
		if top[kind] > 0 && !agree[kind] {
			return true
		}
	}
	return false
}

// placeKind is the kind of a place by its name: town (镇, 乡), village
// (村), road (路, 街, 大道) or site (a community, an estate, a river).
func placeKind(name string) string {
	switch {
	case strings.HasSuffix(name, "镇") || strings.HasSuffix(name, "乡"):
		return "town"
	case strings.HasSuffix(name, "村"):
		return "village"
	case strings.HasSuffix(name, "路") || strings.HasSuffix(name, "街") || strings.HasSuffix(name, "大道"):
		return "road"
	}
	return "site"
}

// add adds the unit vector v of a post published at at.
func (c *centroid) add(v vec, at time.Time) {
	if c.ref.IsZero() {
		c.ref = at
	}
	f := 1.0
	if at.After(c.ref) {
		d := math.Exp2(-at.Sub(c.ref).Hours() / centroidHalfLife.Hours())
		for k := range c.w {
			c.w[k] *= d
		}
		c.ref = at
	} else {
		f = math.Exp2(-c.ref.Sub(at).Hours() / centroidHalfLife.Hours())
	}
	for k, x := range v {
		c.w[k] += f * x
	}
	if len(c.w) > maxCentroidLen {
		words := make([]string, 0, len(c.w))
		for k := range c.w {
			words = append(words, k)
		}
		sort.Slice(words, func(i, j int) bool {
			if c.w[words[i]] != c.w[words[j]] {
				return c.w[words[i]] > c.w[words[j]]
			}
			return words[i] < words[j]
		})
		for _, k := range words[maxCentroidLen*2/3:] {
			delete(c.w, k)
		}
	}
	c.reweighed()
	if len(c.seed) == 0 {
		c.seed = v
	}
}

// top returns c's n heaviest terms, heaviest first (equal weights in the
// terms' order). It keeps the n best seen in one pass over the terms
// instead of sorting them all: retop runs on every post an event takes.
func (c *centroid) top(n int) []string {
	type tw struct {
		t string
		x float64
	}
	if n <= 0 {
		return nil
	}
	before := func(a, b tw) bool { return a.x > b.x || a.x == b.x && a.t < b.t }
	best := make([]tw, 0, n+1)
	for t, x := range c.w {
		e := tw{t, x}
		if len(best) == n && !before(e, best[n-1]) {
			continue
		}
		i := len(best)
		best = append(best, e)
		for ; i > 0 && before(e, best[i-1]); i-- {
			best[i] = best[i-1]
		}
		best[i] = e
		if len(best) > n {
			best = best[:n]
		}
	}
	words := make([]string, len(best))
	for i, e := range best {
		words[i] = e.t
	}
	return words
}

// cos is the cosine similarity of the unit vector v with the centroid.
func (c *centroid) cos(v vec) float64 {
	if c.norm == 0 {
		return 0
	}
	return dot(v, c.w) / c.norm
}

// merge adds from's weights into c.
func (c *centroid) merge(from *centroid) {
	for k, x := range from.w {
		c.w[k] += x
	}
	for k, n := range from.places {
		c.places[k] += n
	}
	c.reweighed()
	for _, m := range from.members {
		if len(c.members) < maxMembers {
			c.members = append(c.members, m)
		}
	}
}

// central returns the member most similar to the centroid, or false when
// no member is known (an event rebuilt from the store keeps its title).
func (c *centroid) central() (member, bool) {
	best, score, ok := member{}, -1.0, false
	for _, m := range c.members {
		if s := c.cos(m.v); s > score+1e-12 || (math.Abs(s-score) <= 1e-12 && m.id < best.id) {
			best, score, ok = m, s, true
		}
	}
	return best, ok
}

// centroidFromKeywords rebuilds a centroid from an event's stored ranked
// keywords (after a restart).
func centroidFromKeywords(words []string) *centroid {
	c := newCentroid()
	v := vec{}
	for i, w := range words {
		v[w] = float64(len(words) - i)
	}
	unit(v)
	for k, x := range v {
		c.w[k] = x
	}
	c.reweighed()
	c.seed = v
	return c
}

func unit(v vec) {
	n := v.norm()
	if n == 0 {
		return
	}
	for k := range v {
		v[k] /= n
	}
}

// A term that is among the top terms of many active events (方案, 政策解读,
// 公示, a county office's name) says little about which one a post
// belongs to: its weight in a post's vector is divided by n^efExponent
// for n events. Counting events, not posts, keeps a big story's own words at
// full weight however many posts repeat them.
const eventTopTerms = 10

// localityWeight is a locality's weight in a post's vector relative to its
// top keyword: low, since the place conflict already keeps stories of
// different places apart, and a place alone does not make one story.
const localityWeight = 0.25

func (s *state) termWeight(w string) float64 {
	n := s.ef[w]
	if n <= 1 {
		return 1
	}
	return math.Pow(float64(n), -efExponent)
}

// efExponent is how steeply a term shared by many events loses weight.
var efExponent = 0.5

// retop recounts ev's top terms in the event frequencies.
func (s *state) retop(id string) {
	for _, w := range s.topTerms[id] {
		if s.ef[w]--; s.ef[w] <= 0 {
			delete(s.ef, w)
		}
	}
	delete(s.topTerms, id)
	c := s.centroids[id]
	if c == nil || s.events[id] == nil {
		return
	}
	words := c.top(eventTopTerms)
	for _, w := range words {
		s.ef[w]++
	}
	s.topTerms[id] = words
}

// postVector is p's unit term vector: its distinctive keywords, the
// organisations and persons it names, the places where it says the event
// happened, each weighed down by how many events share it (termWeight).
// Names of divisions are left out of the keywords (the home county's name
// is in most posts and says nothing about which story a post tells), as
// are fragments of them (岚县 of 青岚县).
func (s *state) postVector(p *model.Post) vec {
	var places []string
	for _, r := range p.Regions {
		if r.Name != "" {
			places = append(places, r.Name, shortPlace(r.Name))
		}
	}
	local := map[string]bool{}
	for _, e := range p.Entities {
		if e.Kind == "place" {
			local[e.Text] = true
		}
	}
	v := vec{}
	top := 0.0
	for _, k := range topKeywords(p, postKeywords) {
		if placeFragment(k.Word, places) || genericWord[k.Word] || local[k.Word] {
			continue
		}
		v[k.Word] += k.Weight * s.termWeight(k.Word)
		top = max(top, k.Weight)
	}
	// Places count little in the similarity (the place conflict keeps
	// stories of different places apart; one place does not make one
	// story).
	for _, l := range localities(p) {
		v[l] = localityWeight * max(top, 0.1)
	}
	unit(v)
	return v
}

// shortPlace is a division's name without its level suffix: 青岚 of 青岚县.
func shortPlace(name string) string {
	for _, suf := range []string{"自治州", "自治县", "特别行政区", "省", "市", "县", "区", "州", "盟", "旗"} {
		if s := strings.TrimSuffix(name, suf); s != name && len([]rune(s)) >= 2 {
			return s
		}
	}
	return name
}

// placeFragment says whether word is one of the places or a piece of one
// (岚县, 州市, 青岚 of 青岚县 and 澜州市).
func placeFragment(word string, places []string) bool {
	for _, pl := range places {
		if pl != "" && strings.Contains(pl, word) && len([]rune(word)) >= 2 {
			return true
		}
	}
	return false
}

// genericWord are words of any post about anything, which the keyword
// extractor may still rank high in short texts.
var genericWord = map[string]bool{
	"现场": true, "发生": true, "表示": true, "目前": true, "记者": true, "有关": true, "相关": true, "工作": true,
	"群众": true, "情况": true, "进行": true, "希望": true, "是不是": true, "有没有": true, "现在": true, "小编": true,
	"日起": true, "据悉": true, "了解": true, "介绍": true, "我县": true, "全县": true, "县里": true, "县政府": true,
	"人民政府": true, "县委": true, "网友": true, "建议": true, "请问": true, "提供": true, "举行": true, "召开": true,
}

// casualtyTalkWords are talk of casualties, the missing, or the figures
// being hidden. They are plain words, looked for with strings.Contains:
// run over every post, an alternation of them as a regular expression
// cost a tenth of the responder's time.
var casualtyTalkWords = []string{"伤亡", "死亡", "遇难", "身亡", "失联", "失踪", "联系不上", "被困", "受伤", "伤员", "死了", "没了", "瞒报", "隐瞒"}

// casualtyTalk says whether text talks of casualties (casualtyTalkWords).
func casualtyTalk(text string) bool { return containsAny(text, casualtyTalkWords) }

// incidentTerms are words of something having gone wrong: a post and a
// negative story that share one are linked even when little else of their
// wording agrees (「工业园那边是不是爆炸了？」).
var incidentTerms = []string{"爆炸", "巨响", "浓烟", "黑烟", "火灾", "起火", "大火", "山洪", "洪水", "洪灾", "暴雨", "塌方",
	"坍塌", "泄漏", "中毒", "事故", "欠薪", "讨薪", "拖欠工资", "讨要工资", "聚集", "维权", "血汗钱"}

// storyTalk says whether p talks about casualties or shares an incident
// term with the centroid c.
func storyTalk(p *model.Post, text string, c *centroid) bool {
	if casualtyTalk(text) {
		return true
	}
	for _, t := range incidentTerms {
		if strings.Contains(text, t) && c.mentions(t) {
			return true
		}
	}
	return false
}

// mentions says whether a term containing t is among c's terms.
func (c *centroid) mentions(t string) bool {
	if c.w[t] > 0 {
		return true
	}
	for w := range c.w {
		if strings.Contains(w, t) {
			return true
		}
	}
	return false
}

// nearDuplicate returns the event holding a near-duplicate of p, or nil.
func (s *state) nearDuplicate(p *model.Post, window time.Duration) *model.Event {
	if p.SimHash == 0 {
		return nil
	}
	var best *model.Event
	locs := localities(p)
	for _, ev := range s.events {
		if !s.active(ev, p, window) {
			continue
		}
		// The same words about another place are another story.
		if c := s.centroids[ev.ID]; c != nil && c.placeConflict(locs) {
			continue
		}
		for _, h := range ev.SimHashes {
			if hamming(h, p.SimHash) <= nearDupBits && (best == nil || ev.ID < best.ID) {
				best = ev
				break
			}
		}
	}
	return best
}

func (s *state) active(ev *model.Event, p *model.Post, window time.Duration) bool {
	return p.PublishedAt.Sub(ev.LastSeen) <= window && ev.FirstSeen.Sub(p.PublishedAt) <= window
}

// best returns the event p belongs to, or nil when it founds a new one;
// v is p's vector.
func (s *state) best(p *model.Post, v vec, window time.Duration) *model.Event {
	locs := localities(p)
	if ev := s.nearDuplicate(p, window); ev != nil {
		return ev
	}
	var best *model.Event
	bestScore := 0.0
	var link *model.Event
	linkScore := 0.0
	text := p.Title + "\n" + firstRunes(p.Body, 400)
	negative := countsNegative(p)
	for _, ev := range s.events {
		if !s.active(ev, p, window) {
			continue
		}
		c := s.centroids[ev.ID]
		if c == nil || c.placeConflict(locs) {
			continue
		}
		score := c.cos(v)
		if score >= joinSim && dot(v, c.seed) >= seedSim && better(score, ev, bestScore, best) {
			best, bestScore = ev, score
		}
		if score <= 0 || absDur(p.PublishedAt.Sub(ev.LastSeen)) > linkWindow {
			continue
		}
		if !s.negativeEvent(ev) {
			if (score >= entityLinkSim && s.sharesEntity(p, c) || score >= samePlaceSim && c.samePlaces(locs)) &&
				better(score, ev, linkScore, link) {
				link, linkScore = ev, score
			}
			continue
		}
		// Talk of casualties goes to the story with casualty figures,
		// the bigger the likelier; other links need some agreement.
		ls := score
		switch {
		case s.figures[ev.ID].any() && casualtyTalk(text):
			ls += 0.1 * math.Log1p(float64(ev.PostCount))
		case score >= linkSim && (storyTalk(p, text, c) || (negative && score >= placeLinkSim && c.corePlace(locs) && c.sharesTitleTerm(p, v))):
		case score >= samePlaceSim && c.samePlaces(locs):
		case score >= entityLinkSim && s.sharesEntity(p, c):
		default:
			continue
		}
		if better(ls, ev, linkScore, link) {
			link, linkScore = ev, ls
		}
	}
	if best == nil {
		return link
	}
	return best
}

func better(score float64, ev *model.Event, bestScore float64, best *model.Event) bool {
	return best == nil || score > bestScore+1e-12 || (math.Abs(score-bestScore) <= 1e-12 && ev.ID < best.ID)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// mergeable returns the other active events whose centroid agrees with
// ev's: they hold the same story.
func (s *state) mergeable(ev *model.Event, window time.Duration) []*model.Event {
	c := s.centroids[ev.ID]
	if c == nil || c.norm == 0 {
		return nil
	}
	var out []*model.Event
	for _, o := range s.events {
		if o.ID == ev.ID || o.LastSeen.Sub(ev.LastSeen) > window || ev.LastSeen.Sub(o.LastSeen) > window {
			continue
		}
		oc := s.centroids[o.ID]
		if oc == nil || oc.norm == 0 || placesDisjoint(c.places, oc.places) {
			continue
		}
		if centroidDot(c, oc)/(c.norm*oc.norm) >= mergeSim || s.linkedStories(ev, o) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// placesDisjoint says whether two events both name places and their core
// places do not meet.
func placesDisjoint(a, b map[string]int) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	ca := &centroid{places: a}
	var core []string
	top := 0
	for _, n := range b {
		top = max(top, n)
	}
	for k, n := range b {
		if 2*n >= top {
			core = append(core, k)
		}
	}
	return ca.placeConflict(core)
}

// negativeEvent says whether ev is a negative public story: one that
// doubts and questions can be about.
func (s *state) negativeEvent(ev *model.Event) bool {
	pub := s.publicPosts(ev)
	return ev.NegativeCount > 0 && pub > 0 && 2*ev.NegativeCount >= pub
}

// linkedStories says whether two negative stories are one: their centroids
// agree at least linkMergeSim, they share a word of something gone wrong,
// and their places do not conflict. The first reports of a disaster often
// share little wording (「传出巨响」, 「冒黑烟」, 「发生爆炸」); once both are
// known as the same happening they are merged.
func (s *state) linkedStories(a, b *model.Event) bool {
	ca, cb := s.centroids[a.ID], s.centroids[b.ID]
	if ca == nil || cb == nil || ca.norm == 0 || cb.norm == 0 || !s.negativeEvent(a) || !s.negativeEvent(b) {
		return false
	}
	sim := centroidDot(ca, cb) / (ca.norm * cb.norm)
	if placesDisjoint(ca.places, cb.places) || absDur(a.LastSeen.Sub(b.LastSeen)) > linkWindow {
		return false
	}
	// Doubts about casualties that gathered before the figures were known
	// belong to the story with casualty figures.
	if sim > 0 && ((s.figures[a.ID].any() && s.talkOnly(b)) || (s.figures[b.ID].any() && s.talkOnly(a))) {
		return true
	}
	// Two stories with casualty figures at the same time, sharing some
	// words, are one disaster.
	if s.figures[a.ID].any() && s.figures[b.ID].any() && sim >= linkMergeSim/2 &&
		absDur(a.LastSeen.Sub(b.LastSeen)) <= linkWindow {
		return true
	}
	if sim < linkMergeSim {
		return false
	}
	for _, t := range incidentTerms {
		if ca.mentions(t) && cb.mentions(t) {
			return true
		}
	}
	return false
}

// corePlace says whether one of ps is among c's core places.
func (c *centroid) corePlace(ps []string) bool {
	top := 0
	for _, n := range c.places {
		top = max(top, n)
	}
	for _, p := range ps {
		if n := c.places[p]; n > 0 && 2*n >= top {
			return true
		}
	}
	return false
}

// talkOnly says whether every post of ev talks about casualties.
func (s *state) talkOnly(ev *model.Event) bool {
	return ev.PostCount > 0 && s.casualtyPosts[ev.ID] == ev.PostCount
}

// sharesEntity says whether p names a company or institution that c's
// posts name and few other events do — not the county government or an
// office every notice names.
func (s *state) sharesEntity(p *model.Post, c *centroid) bool {
	for _, e := range p.Entities {
		if e.Kind == "org" && companyRe.MatchString(e.Text) && c.w[e.Text] > 0 && s.ef[e.Text] <= 2 {
			return true
		}
	}
	return false
}

// companyRe finds the name of a company or an institution.
var companyRe = regexp.MustCompile(`(公司|集团|厂|医院|学校|中学|小学|幼儿园|合作社|银行|酒店|商场|超市)$`)

// samePlaces says whether the post's places ps agree with c's core places
// in every kind the post names: the same story told again about the same
// place (a town's navel oranges, a road's closure), in other words.
func (c *centroid) samePlaces(ps []string) bool {
	if len(ps) == 0 || len(c.places) == 0 || c.placeConflict(ps) {
		return false
	}
	return c.corePlace(ps)
}

// sharesTitleTerm says whether a term of p's vector v that p's title holds
// (not a place) is in the title of one of c's posts.
func (c *centroid) sharesTitleTerm(p *model.Post, v vec) bool {
	for w := range v {
		if len([]rune(w)) < 2 || !strings.Contains(p.Title, w) || c.places[w] > 0 {
			continue
		}
		for _, m := range c.members {
			if strings.Contains(m.title, w) {
				return true
			}
		}
	}
	return false
}
