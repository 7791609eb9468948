package responder

import (
	"math/bits"
	"slices"
	"sort"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
)

// Clustering limits (the matching itself is in cluster.go). A post whose
// fingerprint is within nearDupBits of one of an event's stories is a
// repost or the same story reworded.
const (
	nearDupBits   = 3
	eventKeywords = 20
	postKeywords  = 10
	maxSimHashes  = 64
	maxEventWords = 400
	maxPostIDs    = 5000
)

// state is the responder's in-memory view of the active events.
type state struct {
	events    map[string]*model.Event
	postEvent map[string]string // post ID → event ID, for idempotence
	incidents map[string]*model.Incident
	// per-event figures that are not part of model.Event
	authority map[string]float64
	figures   map[string]CasualtyFigures
	topics    map[string]map[string]float64 // event → topic → summed score
	tiers     map[string]map[string]int     // event → authority tier → negative posts
	kwWeight  map[string]map[string]float64 // event → keyword → summed weight
	centroids map[string]*centroid          // event → its representative terms
	// voice: per event, how many posts are the government's own voice and
	// how many public posts criticise it, and the official posts (their
	// head only) that may fulfil an obligation once an incident opens.
	officialCount map[string]int
	criticalCount map[string]int
	casualtyPosts map[string]int // posts that talk about casualties
	officialPosts map[string][]model.Post
	// firstLive is, per event, the publish time of its first post that
	// was news when seen (not backlog), or when it was seen if its publish
	// time is uncertain (clockFrom): the clock of a live incident.
	firstLive map[string]time.Time
	// firstLiveSeen marks the events whose firstLive is a fetch time, the
	// first post's publish time being uncertain.
	firstLiveSeen map[string]bool
	// topTerms are each active event's top terms, ef how many active
	// events have a term among theirs (see termWeight).
	topTerms map[string][]string
	ef       map[string]int
	sources  map[string]map[string]bool

	dirty          map[string]bool
	dirtyIncidents map[string]bool
	// recent are the latest posts of each event, for the burst thresholds.
	// After a rebuild an event starts with none: its burst is counted from
	// the posts that arrive after the restart.
	recent map[string][]recentPost
	// official are the sources seen with authority 官方; hot are requests
	// to poll sources faster not yet sent.
	official map[string]bool
	hot      []bus.HotSource
	// history holds entries not yet stored.
	history []model.HistoryEntry
	// merged holds events absorbed into another until they are written
	// with their MergedInto mark.
	merged map[string]*model.Event
	// apart are the events people split apart (event → events), which
	// the clusterer never merges; appliedEvents the event requests
	// applied since the state was built (see eventrequests.go).
	apart         map[string]map[string]bool
	appliedEvents map[string]bool
}

func newState() *state {
	return &state{
		events: map[string]*model.Event{}, postEvent: map[string]string{}, incidents: map[string]*model.Incident{},
		authority: map[string]float64{}, figures: map[string]CasualtyFigures{}, topics: map[string]map[string]float64{}, tiers: map[string]map[string]int{}, kwWeight: map[string]map[string]float64{},
		sources: map[string]map[string]bool{}, dirty: map[string]bool{}, dirtyIncidents: map[string]bool{},
		merged: map[string]*model.Event{}, recent: map[string][]recentPost{}, official: map[string]bool{},
		centroids: map[string]*centroid{}, officialCount: map[string]int{}, criticalCount: map[string]int{}, casualtyPosts: map[string]int{},
		officialPosts: map[string][]model.Post{}, firstLive: map[string]time.Time{}, firstLiveSeen: map[string]bool{},
		topTerms: map[string][]string{}, ef: map[string]int{},
	}
}

// recentPost is what the burst thresholds need of a post.
type recentPost struct {
	at       time.Time
	negative bool
	source   string
	official bool
}

func recentOf(p *model.Post) recentPost {
	return recentPost{p.PublishedAt, countsNegative(p), p.SourceID, officialVoice(p)}
}

// maxOfficialPosts bounds the official posts kept per event.
const maxOfficialPosts = 50

// publicPosts is how many of ev's posts are public (not the government's
// own voice).
func (s *state) publicPosts(ev *model.Event) int {
	return max(0, ev.PostCount-s.officialCount[ev.ID])
}

const maxRecent = 1000

// burst counts the public posts of ev published within span before its
// latest post: how many, how many negative, from how many sources. The
// government's own posts are not public opinion and are not counted.
func (s *state) burst(ev *model.Event, span time.Duration) (posts, negative, sources int) {
	from := ev.LastSeen.Add(-span)
	seen := map[string]bool{}
	for _, r := range s.recent[ev.ID] {
		if r.at.Before(from) || r.official {
			continue
		}
		posts++
		if r.negative {
			negative++
		}
		if !seen[r.source] {
			seen[r.source] = true
			sources++
		}
	}
	return posts, negative, sources
}

// add puts a (possibly stored) event into the state.
func (s *state) add(ev *model.Event) {
	s.events[ev.ID] = ev
	for _, id := range ev.PostIDs {
		s.postEvent[id] = ev.ID
	}
	w := map[string]float64{}
	for i, k := range ev.Keywords {
		w[k] = float64(len(ev.Keywords) - i) // keep the stored order as the ranking
	}
	s.kwWeight[ev.ID] = w
	s.centroids[ev.ID] = centroidFromKeywords(ev.Keywords)
	s.retop(ev.ID)
	src := map[string]bool{}
	for _, id := range ev.Sources {
		src[id] = true
	}
	s.sources[ev.ID] = src
}

// merge moves everything of from into into, marks from as merged and drops
// it from the active state. The caller picks which survives.
func (s *state) merge(into, from *model.Event) {
	for _, id := range from.PostIDs {
		s.postEvent[id] = into.ID
		if len(into.PostIDs) < maxPostIDs {
			into.PostIDs = append(into.PostIDs, id)
		}
	}
	into.PostCount += from.PostCount
	into.NegativeCount += from.NegativeCount
	if from.FirstSeen.Before(into.FirstSeen) {
		into.FirstSeen, into.FirstPostID = from.FirstSeen, from.FirstPostID
	}
	if c, fc := s.centroids[into.ID], s.centroids[from.ID]; c != nil && fc != nil {
		c.merge(fc)
		if m, ok := c.central(); ok {
			into.Title = m.title
		}
	}
	if from.LastSeen.After(into.LastSeen) {
		into.LastSeen = from.LastSeen
	}
	src := s.sources[into.ID]
	for _, id := range from.Sources {
		if !src[id] {
			src[id] = true
			into.Sources = append(into.Sources, id)
		}
	}
	into.SourceCount = len(into.Sources)
	for _, h := range from.SimHashes {
		if len(into.SimHashes) < maxSimHashes && !slices.Contains(into.SimHashes, h) {
			into.SimHashes = append(into.SimHashes, h)
		}
	}
	kw := s.kwWeight[into.ID]
	for w, v := range s.kwWeight[from.ID] {
		kw[w] += v
	}
	s.authority[into.ID] = max(s.authority[into.ID], s.authority[from.ID])
	s.figures[into.ID] = s.figures[into.ID].merge(s.figures[from.ID])
	s.recent[into.ID] = append(s.recent[into.ID], s.recent[from.ID]...)
	s.officialCount[into.ID] += s.officialCount[from.ID]
	s.criticalCount[into.ID] += s.criticalCount[from.ID]
	s.casualtyPosts[into.ID] += s.casualtyPosts[from.ID]
	delete(s.casualtyPosts, from.ID)
	s.officialPosts[into.ID] = append(s.officialPosts[into.ID], s.officialPosts[from.ID]...)
	if fl := s.firstLive[from.ID]; !fl.IsZero() && (s.firstLive[into.ID].IsZero() || fl.Before(s.firstLive[into.ID])) {
		s.firstLive[into.ID], s.firstLiveSeen[into.ID] = fl, s.firstLiveSeen[from.ID]
	}
	delete(s.firstLiveSeen, from.ID)
	delete(s.officialCount, from.ID)
	delete(s.criticalCount, from.ID)
	delete(s.officialPosts, from.ID)
	delete(s.firstLive, from.ID)
	from.MergedInto = into.ID
	s.merged[from.ID] = from
	delete(s.events, from.ID)
	s.retop(from.ID)
	s.retop(into.ID)
	delete(s.kwWeight, from.ID)
	delete(s.centroids, from.ID)
	delete(s.sources, from.ID)
	delete(s.authority, from.ID)
	delete(s.figures, from.ID)
	for t, v := range s.topics[from.ID] {
		if s.topics[into.ID] == nil {
			s.topics[into.ID] = map[string]float64{}
		}
		s.topics[into.ID][t] += v
	}
	for t, n := range s.tiers[from.ID] {
		if s.tiers[into.ID] == nil {
			s.tiers[into.ID] = map[string]int{}
		}
		s.tiers[into.ID][t] += n
	}
	delete(s.topics, from.ID)
	delete(s.tiers, from.ID)
	delete(s.recent, from.ID)
	s.dirty[into.ID] = true
}

// join adds p, whose vector is v, to ev.
func (s *state) join(ev *model.Event, p *model.Post, v vec) {
	s.postEvent[p.ID] = ev.ID
	c := s.centroids[ev.ID]
	if c == nil {
		c = newCentroid()
		s.centroids[ev.ID] = c
	}
	c.add(v, p.PublishedAt)
	for _, l := range localities(p) {
		c.places[l]++
	}
	if len(c.members) < maxMembers {
		c.members = append(c.members, member{p.ID, p.Title, v})
	}
	// The event is named by its most central post, not its earliest.
	if m, ok := c.central(); ok {
		ev.Title = m.title
	}
	s.retop(ev.ID)
	if casualtyTalk(p.Title + "\n" + firstRunes(p.Body, 400)) {
		s.casualtyPosts[ev.ID]++
	}
	rec := append(s.recent[ev.ID], recentOf(p))
	if officialVoice(p) {
		s.officialCount[ev.ID]++
		if len(s.officialPosts[ev.ID]) < maxOfficialPosts {
			h := *p
			h.Body = firstRunes(p.Body, 600)
			h.Keywords, h.Entities, h.Regions, h.Topics = nil, nil, nil, nil
			s.officialPosts[ev.ID] = append(s.officialPosts[ev.ID], h)
		}
	} else if countsNegative(p) && critical(p) {
		s.criticalCount[ev.ID]++
	}
	if len(rec) > maxRecent {
		rec = rec[len(rec)-maxRecent:]
	}
	s.recent[ev.ID] = rec
	ev.PostCount++
	if countsNegative(p) {
		ev.NegativeCount++
	}
	if len(ev.PostIDs) < maxPostIDs {
		ev.PostIDs = append(ev.PostIDs, p.ID)
	}
	if p.PublishedAt.Before(ev.FirstSeen) {
		ev.FirstSeen, ev.FirstPostID = p.PublishedAt, p.ID
	}
	if p.PublishedAt.After(ev.LastSeen) {
		ev.LastSeen = p.PublishedAt
	}
	src := s.sources[ev.ID]
	if src == nil {
		src = map[string]bool{}
		s.sources[ev.ID] = src
	}
	if !src[p.SourceID] {
		src[p.SourceID] = true
		ev.Sources = append(ev.Sources, p.SourceID)
		ev.SourceCount = len(ev.Sources)
	}
	if a := model.AuthorityWeight(p.Authority); a > s.authority[ev.ID] {
		s.authority[ev.ID] = a
	}
	if p.SimHash != 0 && len(ev.SimHashes) < maxSimHashes {
		near := false
		for _, h := range ev.SimHashes {
			if hamming(h, p.SimHash) <= nearDupBits {
				near = true
				break
			}
		}
		if !near {
			ev.SimHashes = append(ev.SimHashes, p.SimHash)
		}
	}
	tp := s.topics[ev.ID]
	if tp == nil {
		tp = map[string]float64{}
		s.topics[ev.ID] = tp
	}
	for _, t := range p.Topics {
		tp[t.Name] += t.Score
	}
	if countsNegative(p) {
		if s.tiers[ev.ID] == nil {
			s.tiers[ev.ID] = map[string]int{}
		}
		s.tiers[ev.ID][p.Authority]++
	}
	kw := s.kwWeight[ev.ID]
	if kw == nil {
		kw = map[string]float64{}
		s.kwWeight[ev.ID] = kw
	}
	for _, k := range topKeywords(p, len(p.Keywords)) {
		kw[k.Word] += k.Weight
	}
	// An event's keyword weights are summed over its posts; the long tail
	// is pruned so a large event neither grows without bound nor slows
	// matching. Keywords are ranked once per batch, in finish.
	if len(kw) > maxEventWords {
		for _, w := range rankKeywords(kw, len(kw))[maxEventWords/2:] {
			delete(kw, w)
		}
	}
}

// finish ranks the keywords of the events changed in this batch.
func (s *state) finish() {
	for id := range s.dirty {
		if ev := s.events[id]; ev != nil {
			ev.Keywords = rankKeywords(s.kwWeight[id], eventKeywords)
		}
	}
}

// expire drops events whose last post is older than before; they stay in
// the store, only the matching state forgets them.
func (s *state) expire(before time.Time) {
	for id, ev := range s.events {
		if ev.LastSeen.Before(before) && !s.dirty[id] {
			for _, pid := range ev.PostIDs {
				delete(s.postEvent, pid)
			}
			delete(s.events, id)
			s.retop(id)
			delete(s.kwWeight, id)
			delete(s.centroids, id)
			delete(s.officialCount, id)
			delete(s.criticalCount, id)
			delete(s.casualtyPosts, id)
			delete(s.officialPosts, id)
			delete(s.firstLive, id)
			delete(s.firstLiveSeen, id)
			delete(s.sources, id)
			delete(s.authority, id)
			delete(s.figures, id)
			delete(s.topics, id)
			delete(s.tiers, id)
			delete(s.recent, id)
		}
	}
}

// Weights of the features other than keywords, relative to a post's top
// keyword: a named organisation or person says a lot about which event a
// post belongs to, the place where the text says it happened somewhat less.
const (
	entityWeight = 0.6
	regionWeight = 0.4
)

// topKeywords returns p's matching features, strongest first: its top n
// keywords, plus the organisations and persons it names and the places
// where it says the event happened (each at most once).
func topKeywords(p *model.Post, n int) []model.Keyword {
	ks := slices.Clone(p.Keywords)
	sort.SliceStable(ks, func(i, j int) bool { return ks[i].Weight > ks[j].Weight })
	ks = ks[:min(n, len(ks))]
	top := 1.0
	if len(ks) > 0 {
		top = ks[0].Weight
	}
	seen := map[string]bool{}
	for _, k := range ks {
		seen[k.Word] = true
	}
	add := func(word string, w float64) {
		if word != "" && !seen[word] {
			seen[word] = true
			ks = append(ks, model.Keyword{Word: word, Weight: w * top})
		}
	}
	for _, e := range p.Entities {
		if e.Kind == "org" || e.Kind == "person" {
			add(e.Text, entityWeight)
		}
	}
	for _, r := range p.Regions {
		if r.Role == "event" {
			add(r.Name, regionWeight)
		}
	}
	return ks
}

func rankKeywords(kw map[string]float64, n int) []string {
	words := make([]string, 0, len(kw))
	for w := range kw {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if kw[words[i]] != kw[words[j]] {
			return kw[words[i]] > kw[words[j]]
		}
		return words[i] < words[j]
	})
	if len(words) > n {
		words = words[:n]
	}
	return words
}

func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }
