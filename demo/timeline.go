package demo

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
)

// rng is a deterministic random source. It wraps the PCG generator, whose
// output is fixed by its specification, and derives integers itself instead
// of using math/rand's helpers, so the demo's content stays the same bytes
// even if those helpers change between Go releases.
type rng struct{ pcg *rand.PCG }

// newRNG seeds a generator from the scenario epoch and a list of labels, so
// that every item has its own independent stream.
func newRNG(epochNanos int64, labels ...string) *rng {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(epochNanos))
	h.Write(b[:])
	for _, l := range labels {
		h.Write([]byte{0})
		h.Write([]byte(l))
	}
	sum := h.Sum(nil)
	return &rng{pcg: rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16]))}
}

// intn returns an integer in [0, n).
func (r *rng) intn(n int) int {
	if n <= 0 {
		panic("BUG: demo: rng.intn with n <= 0")
	}
	return int(r.pcg.Uint64() % uint64(n))
}

// between returns an integer in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// pick returns one element of list.
func pick[T any](r *rng, list []T) T { return list[r.intn(len(list))] }

// Background timing, in scenario seconds.
const (
	backlogMin      = 12        // least backlog items per site: more than a list page
	backlogMax      = 18        // most backlog items per site
	backlogSpan     = 72 * 3600 // the backlog spreads over the past three days...
	backlogNewest   = 15 * 60   // ...and ends a quarter of an hour before the epoch
	backgroundEvery = 20        // a new background item every 20..
	backgroundUpTo  = 60        // ..60 seconds
)

// entry is one item of a site's timeline: a background item (script < 0)
// or a scripted incident item.
type entry struct {
	offset int64 // scenario seconds since the epoch; negative for the backlog
	bg     int   // index in the background stream, if script < 0
	script int   // index in the site's script, or -1
}

// timeline is the ordered, endless sequence of one site's items: the
// background stream merged with the site's part of the incident script.
// An entry's position never changes once it is known, because both streams
// are sorted and ties go to the background item, so a position can serve as
// a stable article number.
type timeline struct {
	epoch  int64
	siteID string
	script []scripted // sorted by offset

	mu      sync.Mutex
	bgOff   []int64 // background offsets computed so far
	backlog int     // how many of bgOff are the backlog
	merged  []entry
	nextBG  int
	nextSc  int
}

func newTimeline(epochNanos int64, siteID string, script []scripted) *timeline {
	sc := append([]scripted(nil), script...)
	sort.SliceStable(sc, func(i, j int) bool { return sc[i].offset < sc[j].offset })
	t := &timeline{epoch: epochNanos, siteID: siteID, script: sc}
	r := newRNG(epochNanos, siteID, "backlog")
	n := r.between(backlogMin, backlogMax)
	for range n {
		t.bgOff = append(t.bgOff, -int64(r.between(backlogNewest, backlogSpan)))
	}
	sort.Slice(t.bgOff, func(i, j int) bool { return t.bgOff[i] < t.bgOff[j] })
	t.backlog = n
	return t
}

// bgOffset returns the offset of background item k, computing the stream up
// to it. The caller holds t.mu.
func (t *timeline) bgOffset(k int) int64 {
	for len(t.bgOff) <= k {
		i := len(t.bgOff)
		prev := int64(0)
		if i > t.backlog {
			prev = t.bgOff[i-1]
		}
		r := newRNG(t.epoch, t.siteID, "gap", strconv.Itoa(i))
		t.bgOff = append(t.bgOff, prev+int64(r.between(backgroundEvery, backgroundUpTo)))
	}
	return t.bgOff[k]
}

// visible returns the entries published at or before the scenario offset
// now (seconds), oldest first. The returned slice must not be modified.
func (t *timeline) visible(now int64) []entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		bo := t.bgOffset(t.nextBG)
		if t.nextSc < len(t.script) && t.script[t.nextSc].offset < bo {
			so := t.script[t.nextSc].offset
			if so > now {
				break
			}
			t.merged = append(t.merged, entry{offset: so, bg: -1, script: t.nextSc})
			t.nextSc++
			continue
		}
		if bo > now {
			break
		}
		t.merged = append(t.merged, entry{offset: bo, bg: t.nextBG, script: -1})
		t.nextBG++
	}
	// The merged list may run ahead of now if the clock went backwards (an
	// injected test clock can), so cut it at now.
	n := sort.Search(len(t.merged), func(i int) bool { return t.merged[i].offset > now })
	return t.merged[:n:n]
}
