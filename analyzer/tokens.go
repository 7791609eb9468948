package analyzer

// Tokens returns the segmentation the analysis of a document with this
// title and body works on: the normalised text cut by gse with the domain
// dictionary, title first, without whitespace. It is what yuqing analyze
// -tokens prints, so that the segmentation can be inspected and measured
// from outside.
func (a *Analyzer) Tokens(title, body string) []string {
	t, b, _ := prepare(title, body)
	if t == "" && b == "" {
		return []string{}
	}
	toks, _, err := a.segment(t, b)
	if err != nil {
		a.log.Error("analyzer could not segment a document for its tokens", "err", err)
		return []string{}
	}
	out := make([]string, 0, len(toks))
	for _, tk := range toks {
		if tk.text != "\n" {
			out = append(out, tk.text)
		}
	}
	return out
}
