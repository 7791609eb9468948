package scheme

import "iter"

// Post is what a back-test needs of a stored post: its ID, its text in
// the form the analyzer analyses, and its tokens (nil is fine unless the
// matcher NeedsTokens).
type Post struct {
	ID     string
	Text   string
	Tokens []string
}

// Report is the result of a back-test: how many posts were read and, for
// every scheme of the matcher in compile order, how many it matched.
type Report struct {
	Posts   int
	Schemes []SchemeReport
}

// SchemeReport is one scheme's back-test result.
type SchemeReport struct {
	SchemeID string
	Matched  int
	// Samples are the first matched posts, in the order they were read,
	// with the terms that matched each, so an officer can judge whether the
	// scheme catches what was meant before it goes live.
	Samples []Sample
}

// Sample is one post a scheme matched.
type Sample struct {
	PostID string
	Terms  []string
}

// BackTest runs m over posts and reports, per scheme, how many matched
// and up to samples of them. It reads posts once, in their order; a
// reader that can fail (a store query) reports its error itself after the
// sequence ends, so that a partial report is never mistaken for a whole
// one.
func BackTest(m *Matcher, posts iter.Seq[Post], samples int) Report {
	rep := Report{Schemes: make([]SchemeReport, len(m.schemes))}
	index := make(map[string]int, len(m.schemes))
	for i, c := range m.schemes {
		rep.Schemes[i].SchemeID = c.id
		index[c.id] = i
	}
	for p := range posts {
		rep.Posts++
		for _, h := range m.Match(p.Text, p.Tokens) {
			r := &rep.Schemes[index[h.SchemeID]]
			r.Matched++
			if len(r.Samples) < samples {
				r.Samples = append(r.Samples, Sample{PostID: p.ID, Terms: h.Terms})
			}
		}
	}
	return rep
}
