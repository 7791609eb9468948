package responder

import (
	"math"
	"regexp"
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
//     (「伤亡人数是不是被瞒报了？」, 「到现在联系不上」) joins the active event
//     with casualty figures it is most similar to, even below joinSim: doubts
//     and questions about a disaster rarely repeat its key words;
//   - two events whose centroids come to agree (mergeSim) are one story and
//     are merged.
var (
	joinSim  = 0.28
	seedSim  = 0.02
	linkSim  = 0.04
	mergeSim = 0.5
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
	// members are some of the event's posts, for its title.
	members []member
}

type member struct {
	id, title string
	v         vec
}

func newCentroid() *centroid { return &centroid{w: vec{}} }

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
	c.norm = c.w.norm()
	if len(c.seed) == 0 {
		c.seed = v
	}
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
	c.norm = c.w.norm()
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
	c.norm = c.w.norm()
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

// postVector is p's unit term vector: its distinctive keywords, the
// organisations and persons it names, the places where it says the event
// happened. Names of divisions are left out of the keywords (the home
// county's name is in most posts and says nothing about which story a post
// tells), as are fragments of them (岚县 of 青岚县).
func postVector(p *model.Post) vec {
	var places []string
	for _, r := range p.Regions {
		if r.Name != "" {
			places = append(places, r.Name, shortPlace(r.Name))
		}
	}
	v := vec{}
	for _, k := range topKeywords(p, postKeywords) {
		if placeFragment(k.Word, places) || genericWord[k.Word] {
			continue
		}
		v[k.Word] += k.Weight
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

// casualtyTalkRe finds talk of casualties, the missing, or the figures
// being hidden.
var casualtyTalkRe = regexp.MustCompile(`伤亡|死亡|遇难|身亡|失联|失踪|联系不上|被困|受伤|伤员|死了|没了|瞒报|隐瞒`)

// casualtyTalk says whether p talks about casualties.
func casualtyTalk(p *model.Post) bool {
	return casualtyTalkRe.MatchString(p.Title) || casualtyTalkRe.MatchString(firstRunes(p.Body, 400))
}

// nearDuplicate returns the event holding a near-duplicate of p, or nil.
func (s *state) nearDuplicate(p *model.Post, window time.Duration) *model.Event {
	if p.SimHash == 0 {
		return nil
	}
	var best *model.Event
	for _, ev := range s.events {
		if !s.active(ev, p, window) {
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
	if ev := s.nearDuplicate(p, window); ev != nil {
		return ev
	}
	var best *model.Event
	bestScore := 0.0
	var link *model.Event
	linkScore := 0.0
	talk := len(v) > 0 && casualtyTalk(p)
	for _, ev := range s.events {
		if !s.active(ev, p, window) {
			continue
		}
		c := s.centroids[ev.ID]
		if c == nil {
			continue
		}
		score := c.cos(v)
		if score >= joinSim && dot(v, c.seed) >= seedSim && better(score, ev, bestScore, best) {
			best, bestScore = ev, score
		}
		if talk && score >= linkSim && s.figures[ev.ID].any() && absDur(p.PublishedAt.Sub(ev.LastSeen)) <= linkWindow &&
			better(score, ev, linkScore, link) {
			link, linkScore = ev, score
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
		if oc == nil || oc.norm == 0 {
			continue
		}
		if dot(c.w, oc.w)/(c.norm*oc.norm) >= mergeSim {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
