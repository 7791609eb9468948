package analyzer

import (
	"fmt"

	"strings"

	"github.com/yuqing-project/yuqing/config"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/scheme"
)

// SchemeOptions returns the options under which monitoring-scheme terms
// compare with the text the analyzer analyses: each term is normalised as
// document text is (HTML remnants, full-width forms, traditional →
// simplified), so a scheme written with 發生 matches a post that says
// 发生, and the other way round.
func SchemeOptions() scheme.Options { return scheme.Options{Normalize: normalize} }

// SchemePost turns a stored post into what a scheme back-test reads: the
// title and body normalised and joined as Analyze matches them, and the
// tokens only when m has a NEAR scheme (segmenting is most of the cost of a
// back-test, and only NEAR reads tokens). Stored text has had personal
// numbers masked already, which is the text Analyze matches too.
func (a *Analyzer) SchemePost(m *scheme.Matcher, id, title, body string) scheme.Post {
	t, b, _ := prepare(title, body)
	p := scheme.Post{ID: id, Text: schemeText(t, b)}
	if m.NeedsTokens() && (t != "" || b != "") {
		toks, _, err := a.segment(t, b)
		if err != nil {
			// NEAR then counts runes; the back-test still reports the
			// post, and the log says why its distances are approximate.
			a.log.Error("analyzer could not segment a post for a scheme back-test", "id", id, "err", err)
		}
		_, p.Tokens = schemeInput(t, b, toks)
	}
	return p
}

// MatchSchemes matches a document against m exactly as Analyze does once
// it is wired to schemes: for the console's "try this scheme on this text"
// and for back-tests.
func (a *Analyzer) MatchSchemes(m *scheme.Matcher, title, body string) []scheme.Hit {
	p := a.SchemePost(m, "", title, body)
	return m.Match(p.Text, p.Tokens)
}

// schemeInput is what Analyze passes to scheme.Matcher.Match: the prepared
// title and body joined by a line break (so that no term spans them), and
// the text of the tokens segment returned for them. Line-break tokens are
// kept; the matcher skips whitespace when it aligns tokens with the text.
func schemeInput(title, body string, tokens []token) (string, []string) {
	return schemeText(title, body), tokenWords(tokens)
}

func tokenWords(tokens []token) []string {
	words := make([]string, len(tokens))
	for i, t := range tokens {
		words[i] = t.text
	}
	return words
}

func schemeText(title, body string) string {
	if title == "" {
		return body
	}
	if body == "" {
		return title
	}
	return strings.Join([]string{title, body}, "\n")
}

// schemeSet is the compiled monitoring schemes with what the matcher does
// not keep: names and alert marks.
type schemeSet struct {
	m     *scheme.Matcher
	names map[string]string
	alert map[string]bool
}

// SetSchemes compiles the monitoring schemes every post is matched
// against, replacing the ones in use; it is safe while Analyze runs. An
// invalid scheme is an error naming it, and nothing changes.
func (a *Analyzer) SetSchemes(list []config.Scheme) error {
	if len(list) == 0 {
		a.schemes.Store(nil)
		return nil
	}
	set := &schemeSet{names: map[string]string{}, alert: map[string]bool{}}
	schemes := make([]scheme.Scheme, len(list))
	for i, sc := range list {
		schemes[i] = scheme.Scheme{ID: sc.ID, Name: sc.Name, Regions: sc.Regions, Subjects: sc.Subjects, Events: sc.Events,
			Exclusions: sc.Exclusions, Expression: sc.Expression}
		set.names[sc.ID], set.alert[sc.ID] = sc.Name, sc.Alert
	}
	m, err := scheme.Compile(schemes, SchemeOptions())
	if err != nil {
		return fmt.Errorf("cannot compile the monitoring schemes: %w", err)
	}
	set.m = m
	a.schemes.Store(set)
	return nil
}

// matchSchemes returns the schemes the analysed text matches; text is
// schemeText of the title and body.
func (a *Analyzer) matchSchemes(text string, tokens []token) []model.SchemeHit {
	set := a.schemes.Load()
	if set == nil {
		return nil
	}
	words := tokenWords(tokens)
	var out []model.SchemeHit
	for _, h := range set.m.Match(text, words) {
		out = append(out, model.SchemeHit{ID: h.SchemeID, Name: set.names[h.SchemeID], Terms: h.Terms, Alert: set.alert[h.SchemeID]})
	}
	return out
}
