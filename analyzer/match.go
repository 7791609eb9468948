package analyzer

// maxRunTokens is the most adjacent tokens joined when looking a phrase up
// in a lexicon or the topic table: a phrase gse splits into up to three
// tokens still matches.
const maxRunTokens = 3

// forEachMatch calls fn for every longest match of a key of m in tokens,
// scanning left to right; a match of n tokens consumes them. The joined
// candidate is built in a reused buffer and looked up without allocating.
func forEachMatch[V any](tokens []token, m map[string]V, fn func(i, n int, v V)) {
	var buf []byte
	for i := 0; i < len(tokens); {
		matched := 0
		for n := min(maxRunTokens, len(tokens)-i); n >= 1; n-- {
			buf = buf[:0]
			for _, tk := range tokens[i : i+n] {
				buf = append(buf, tk.text...)
			}
			if v, ok := m[string(buf)]; ok {
				fn(i, n, v)
				matched = n
				break
			}
		}
		if matched == 0 {
			matched = 1
		}
		i += matched
	}
}
