package analyzer

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Place names in the segmenter. The segmenter learns the full names of the
// divisions the analyzer knows (the embedded GB/T 2260 table and the
// divisions SetRegions adds, such as the demo's 青岚县 and 澜州市) and the
// office's own places below county level (SetPlaces: its towns, villages,
// communities, roads), as place words (ns). A name is then one token, so
// keywords never hold a piece of it (岚县, 州市, 据澜 of 青岚县, 澜州市), and
// a place of the jurisdiction is a place entity the responder can tell
// stories apart by. Names gse's dictionary lacks are added; words it
// already knows keep their frequency, tagged as places.

// placeFreq is the frequency of an added place word: the domain
// dictionary's, enough to beat any split of it.
const placeFreq = DefaultUserWordFreq

// SetPlaces sets the office's own places below county level (towns,
// villages, communities, roads). Documents analysed after it returns are
// segmented with them; it rebuilds the segmenter aside (about a second)
// and is safe to call while Analyze runs. On an error nothing changes.
func (a *Analyzer) SetPlaces(names []string) error {
	for i, n := range names {
		if n == "" || strings.IndexFunc(n, unicode.IsSpace) >= 0 {
			return fmt.Errorf("place %d %q: must be non-empty and without white space", i, n)
		}
	}
	a.placesMu.Lock()
	defer a.placesMu.Unlock()
	a.places = slices.Clone(names)
	return a.rebuildSegmenter(a.seg.Load().user)
}

// baseWords are the place words every segmenter gets: the divisions' full
// names and the office's places. The caller holds placesMu.
func (a *Analyzer) baseWords() []string {
	var out []string
	if setup := a.regions.Load(); setup != nil {
		out = append(out, setup.table.Names()...)
	}
	return append(out, a.places...)
}

// addPlaces adds the place words gse lacks to s.
func (s *segmenter) addPlaces(names []string) error {
	for _, n := range names {
		if fr, pos, ok := s.seg.Find(n); ok && fr > 0 {
			// A word gse knows keeps its frequency; a place gse tags as
			// something else (建设路, 解放路) becomes a place word.
			if !strings.HasPrefix(pos, "ns") {
				if err := s.seg.ReAddToken(n, fr, "ns"); err != nil {
					return fmt.Errorf("cannot tag place %q: %w", n, err)
				}
			}
			continue
		}
		if err := s.seg.AddToken(n, placeFreq, "ns"); err != nil {
			return fmt.Errorf("cannot add place %q: %w", n, err)
		}
	}
	return nil
}

// rebuildSegmenter builds a segmenter with the base words and user, and
// swaps it in. The caller holds placesMu.
func (a *Analyzer) rebuildSegmenter(user []UserWord) error {
	seg, err := newSegmenter(domainDictData)
	if err != nil {
		return err
	}
	if err := seg.addPlaces(a.baseWords()); err != nil {
		return err
	}
	if err := seg.addUser(user); err != nil {
		return err
	}
	seg.user = slices.Clone(user)
	seg.setInfo(a.idf)
	a.seg.Store(seg)
	return nil
}
