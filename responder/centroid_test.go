package responder

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// The centroid's fast paths agree with the plain definitions: top with a
// full sort of the terms, centroidDot with the map product, also after
// the centroids change (a packed form left stale would disagree).
func TestCentroidTopAndDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randVec := func() vec {
		v := vec{}
		for range 5 + rng.IntN(30) {
			v[fmt.Sprintf("词%d", rng.IntN(400))] = float64(rng.IntN(4)+1) / 4 // ties on purpose
		}
		unit(v)
		return v
	}
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	for round := range 200 {
		a, b := newCentroid(), newCentroid()
		for i := range 1 + rng.IntN(30) {
			a.add(randVec(), now.Add(time.Duration(i)*time.Hour))
			b.add(randVec(), now.Add(time.Duration(rng.IntN(40))*time.Hour))
			checkDot(t, round, a, b)
		}
		other := newCentroid()
		other.add(randVec(), now)
		a.merge(other)
		checkDot(t, round, a, b)

		words := make([]string, 0, len(a.w))
		for w := range a.w {
			words = append(words, w)
		}
		sort.Slice(words, func(i, j int) bool {
			if a.w[words[i]] != a.w[words[j]] {
				return a.w[words[i]] > a.w[words[j]]
			}
			return words[i] < words[j]
		})
		for _, n := range []int{1, eventTopTerms, len(words) + 3} {
			got, want := a.top(n), words[:min(n, len(words))]
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("round %d: top(%d) = %v, want %v", round, n, got, want)
			}
		}
	}
}

func checkDot(t *testing.T, round int, a, b *centroid) {
	t.Helper()
	got, want := centroidDot(a, b), dot(a.w, b.w)
	if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
		t.Fatalf("round %d: centroidDot = %v, map product %v", round, got, want)
	}
}
