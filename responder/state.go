package responder

import (
	"math/bits"
	"slices"
	"sort"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
)

// Clustering thresholds. A post joins an event when its fingerprint is
// within nearDupBits of one of the event's stories (a repost or the same
// story reworded), or when enough of its distinctive keywords are the
// event's keywords.
const (
	nearDupBits       = 3
	minSharedKeywords = 2
	minKeywordOverlap = 0.3
	eventKeywords     = 20
	postKeywords      = 10
	// A keyword that appears in more than commonShare of recent posts (the
	// county's own name, 工作, 发展) says nothing about which event a post
	// belongs to and is ignored for matching.
	commonShare   = 0.15
	recentWindow  = 400
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
	sources   map[string]map[string]bool

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

	// recent keyword document frequencies over the last recentWindow posts
	recentWords [][]string
	recentDF    map[string]int
}

func newState() *state {
	return &state{
		events: map[string]*model.Event{}, postEvent: map[string]string{}, incidents: map[string]*model.Incident{},
		authority: map[string]float64{}, figures: map[string]CasualtyFigures{}, topics: map[string]map[string]float64{}, tiers: map[string]map[string]int{}, kwWeight: map[string]map[string]float64{},
		sources: map[string]map[string]bool{}, dirty: map[string]bool{}, dirtyIncidents: map[string]bool{},
		merged: map[string]*model.Event{}, recent: map[string][]recentPost{}, official: map[string]bool{},
		recentDF: map[string]int{},
	}
}

// recentPost is what the burst thresholds need of a post.
type recentPost struct {
	at       time.Time
	negative bool
	source   string
}

const maxRecent = 1000

// burst counts the posts of ev published within span before its latest
// post: how many, how many negative, from how many sources.
func (s *state) burst(ev *model.Event, span time.Duration) (posts, negative, sources int) {
	from := ev.LastSeen.Add(-span)
	seen := map[string]bool{}
	for _, r := range s.recent[ev.ID] {
		if r.at.Before(from) {
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
	src := map[string]bool{}
	for _, id := range ev.Sources {
		src[id] = true
	}
	s.sources[ev.ID] = src
}

// observe records p's keywords in the recent document frequencies.
func (s *state) observe(p *model.Post) {
	words := topWords(p, postKeywords)
	s.recentWords = append(s.recentWords, words)
	for _, w := range words {
		s.recentDF[w]++
	}
	if len(s.recentWords) > recentWindow {
		for _, w := range s.recentWords[0] {
			if s.recentDF[w]--; s.recentDF[w] <= 0 {
				delete(s.recentDF, w)
			}
		}
		s.recentWords = s.recentWords[1:]
	}
}

func (s *state) common(word string) bool {
	n := len(s.recentWords)
	return n >= 20 && float64(s.recentDF[word]) > commonShare*float64(n)
}

// candidate is an event that p matches, with how well.
type candidate struct {
	ev    *model.Event
	score float64
}

// match returns the events p matches among those active within window of
// p's publish time, best first. A near-duplicate of one of an event's
// stories scores 2; otherwise the score is the keyword overlap: the share of
// the weight of p's distinctive keywords that the event's keywords carry,
// counted only when at least minSharedKeywords are shared.
func (s *state) match(p *model.Post, window time.Duration) []candidate {
	var out []candidate
	words := topKeywords(p, postKeywords)
	for _, ev := range s.events {
		if p.PublishedAt.Sub(ev.LastSeen) > window || ev.FirstSeen.Sub(p.PublishedAt) > window {
			continue
		}
		score := 0.0
		if p.SimHash != 0 {
			for _, h := range ev.SimHashes {
				if hamming(h, p.SimHash) <= nearDupBits {
					score = 2
					break
				}
			}
		}
		if score == 0 {
			kw := s.kwWeight[ev.ID]
			var shared int
			var sharedW, totalW float64
			for _, k := range words {
				if s.common(k.Word) {
					continue
				}
				totalW += k.Weight
				if kw[k.Word] > 0 {
					shared++
					sharedW += k.Weight
				}
			}
			if totalW > 0 && shared >= minSharedKeywords {
				if o := sharedW / totalW; o >= minKeywordOverlap {
					score = o
				}
			}
		}
		if score > 0 {
			out = append(out, candidate{ev, score})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].ev.ID < out[j].ev.ID
	})
	return out
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
		into.FirstSeen, into.FirstPostID, into.Title = from.FirstSeen, from.FirstPostID, from.Title
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
	from.MergedInto = into.ID
	s.merged[from.ID] = from
	delete(s.events, from.ID)
	delete(s.kwWeight, from.ID)
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

// join adds p to ev.
func (s *state) join(ev *model.Event, p *model.Post) {
	s.postEvent[p.ID] = ev.ID
	rec := append(s.recent[ev.ID], recentPost{p.PublishedAt, p.Sentiment.Label == model.Negative, p.SourceID})
	if len(rec) > maxRecent {
		rec = rec[len(rec)-maxRecent:]
	}
	s.recent[ev.ID] = rec
	ev.PostCount++
	if p.Sentiment.Label == model.Negative {
		ev.NegativeCount++
	}
	if len(ev.PostIDs) < maxPostIDs {
		ev.PostIDs = append(ev.PostIDs, p.ID)
	}
	if p.PublishedAt.Before(ev.FirstSeen) {
		ev.FirstSeen, ev.FirstPostID, ev.Title = p.PublishedAt, p.ID, p.Title
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
	if p.Sentiment.Label == model.Negative {
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
			delete(s.kwWeight, id)
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

func topWords(p *model.Post, n int) []string {
	ks := topKeywords(p, n)
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Word
	}
	return out
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

// countsNegative says whether p counts as negative opinion.
func countsNegative(p *model.Post) bool { return p.Sentiment.Label == model.Negative }
