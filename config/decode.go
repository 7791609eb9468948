package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder decodes a YAML node tree into the config types by reflection,
// strictly (an unknown key is a problem) and without stopping at the
// first bad value: every problem is collected with its key path and line,
// and a bad value leaves its field as if the key were absent. It records
// which keys the file gave, so that defaults fill only the absent ones
// and an explicit zero reaches Validate.
//
// The rules beyond yaml.v3's own:
//   - a duration is a Go duration string (30s, 5m, 1h30m; a bare 0 is
//     zero) and is never negative;
//   - a null value (key: or key: ~) is the same as leaving the key out;
//   - a string field tagged secret:"true" may instead be given as
//     KEY_file (the file's contents, surrounding space trimmed) or KEY_env
//     (the value of that environment variable), one of the three.
type decoder struct {
	problems Problems
	// set holds the key paths the file gave a good value for.
	set map[string]bool
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: path, Line: n.Line, Message: fmt.Sprintf(format, args...)})
}

// maxAliasDepth bounds how deep aliases may refer to other aliases.
const maxAliasDepth = 32

var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a YAML syntax error into a problem with its line.
func syntaxProblem(err error) Problem {
	if m := yamlLineError.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Message: "invalid YAML: " + m[2]}
	}
	return Problem{Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}

// decodeYAML decodes one YAML document into c. It returns the problems
// found and the key paths given; ok is false when the file is not YAML
// at all (nothing was decoded).
func decodeYAML(b []byte, c *Config) (ps Problems, set map[string]bool, ok bool) {
	d := &decoder{set: map[string]bool{}}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, d.set, true // an empty file: every default
		}
		return Problems{syntaxProblem(err)}, d.set, false
	}
	if len(doc.Content) == 1 {
		d.value(doc.Content[0], reflect.ValueOf(c).Elem(), "")
	}
	// A second document would be ignored by a plain decoder, and with it
	// the config someone meant to give.
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.problems = append(d.problems, syntaxProblem(err))
	default:
		d.fail(&more, "", "a second YAML document starts here; a config file is one document (merge them, or remove the ---)")
	}
	return d.problems, d.set, true
}

// describe names what a node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return strconv.Quote(n.Value)
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

// value decodes n into v at key path path and reports whether it did.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) bool {
	n = resolve(n)
	if n.Kind == yaml.AliasNode {
		d.fail(n, path, "aliases nest too deeply")
		return false
	}
	if isNull(n) {
		return false
	}
	ok := d.decodeValue(n, v, path)
	if ok && path != "" {
		d.set[path] = true
	}
	return ok
}

func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, path string) bool {
	if v.Type() == durationType {
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "must be a duration such as 30s, 5m or 1h, got %s", describe(n))
			return false
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			d.fail(n, path, "%q is not a duration such as 30s, 5m or 1h", n.Value)
			return false
		}
		if dur < 0 {
			d.fail(n, path, "must not be negative, got %s", dur)
			return false
		}
		v.SetInt(int64(dur))
		return true
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "must be a string, got %s", describe(n))
			return false
		}
		v.SetString(n.Value)
		return true
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			d.fail(n, path, "must be true or false, got %s", describe(n))
			return false
		}
		v.SetBool(b)
		return true
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.Decode(&i) != nil {
			d.fail(n, path, "must be a whole number, got %s", describe(n))
			return false
		}
		if v.OverflowInt(i) {
			bits := v.Type().Bits()
			d.fail(n, path, "must be between %d and %d, got %d", -1<<(bits-1), 1<<(bits-1)-1, i)
			return false
		}
		v.SetInt(i)
		return true
	case reflect.Float64:
		var f float64
		if n.Kind != yaml.ScalarNode || n.Decode(&f) != nil {
			d.fail(n, path, "must be a number, got %s", describe(n))
			return false
		}
		v.SetFloat(f)
		return true
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "must be a list, got %s", describe(n))
			return false
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, e := range n.Content {
			d.value(e, s.Index(i), indexPath(path, i))
		}
		v.Set(s)
		return true
	case reflect.Map:
		pairs, ok := d.pairs(n, path)
		if !ok {
			return false
		}
		m := reflect.MakeMapWithSize(v.Type(), len(pairs))
		for _, p := range pairs {
			e := reflect.New(v.Type().Elem()).Elem()
			if d.value(p.value, e, JoinPath(path, p.key.Value)) {
				m.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(v.Type().Key()), e)
			}
		}
		v.Set(m)
		return true
	case reflect.Struct:
		pairs, ok := d.pairs(n, path)
		if !ok {
			return false
		}
		d.fields(pairs, v, path)
		return true
	}
	panic(fmt.Sprintf("BUG: config field %s has type %s, which the decoder does not know", path, v.Type()))
}

// pair is one key and its value in a mapping.
type pair struct{ key, value *yaml.Node }

// pairs returns the entries of a mapping, merged keys (<<: *anchor) first
// and overridden by the mapping's own; a key given twice is a problem.
func (d *decoder) pairs(n *yaml.Node, path string) ([]pair, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		what := "a mapping of keys"
		if path == "" {
			what = "a mapping of keys (data_dir, http, kafka, …)"
		}
		d.fail(n, path, "must be %s, got %s", what, describe(n))
		return nil, false
	}
	var merged, out []pair
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			for _, m := range mergeSources(val) {
				if ps, ok := d.pairs(m, path); ok {
					merged = append(merged, ps...)
				}
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "a key must be a string, got %s", describe(k))
			continue
		}
		if first, dup := lines[k.Value]; dup {
			d.fail(k, JoinPath(path, k.Value), "is given twice (first on line %d)", first)
			continue
		}
		lines[k.Value] = k.Line
		out = append(out, pair{k, val})
	}
	// A merged key counts when the mapping does not give it; of several
	// merged mappings, the first that gives a key wins (as in YAML 1.1).
	var kept []pair
	for _, m := range merged {
		if _, given := lines[m.key.Value]; !given {
			lines[m.key.Value] = m.key.Line
			kept = append(kept, m)
		}
	}
	return append(kept, out...), true
}

// mergeSources are the mappings a merge key names: one, or a list.
func mergeSources(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

// secretSuffixes are the alternative keys of a secret: KEY_file names a
// file holding it, KEY_env an environment variable.
var secretSuffixes = []string{"_file", "_env"}

// fields decodes the entries of a mapping into the struct v.
func (d *decoder) fields(pairs []pair, v reflect.Value, path string) {
	t := v.Type()
	index := map[string]int{}
	var names []string
	secrets := map[string]bool{}
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			index[name] = i
			names = append(names, name)
			if t.Field(i).Tag.Get("secret") == "true" {
				secrets[name] = true
			}
		}
	}
	// given records which key gave each secret, to refuse two of them.
	given := map[string]*yaml.Node{}
	for _, p := range pairs {
		key := p.key.Value
		kpath := JoinPath(path, key)
		if i, ok := index[key]; ok {
			if isNull(resolve(p.value)) {
				continue // the same as leaving the key out
			}
			if secrets[key] && !d.secretOnce(given, key, p.key, path) {
				continue
			}
			d.value(p.value, v.Field(i), kpath)
			continue
		}
		base, suffix := "", ""
		for _, s := range secretSuffixes {
			if b, ok := strings.CutSuffix(key, s); ok && secrets[b] {
				base, suffix = b, s
			}
		}
		if base == "" {
			d.fail(p.key, kpath, "unknown key%s", suggest(key, names, secrets, path))
			continue
		}
		if !d.secretOnce(given, base, p.key, path) {
			continue
		}
		if s, ok := d.secret(p.value, suffix, kpath); ok {
			v.Field(index[base]).SetString(s)
			d.set[JoinPath(path, base)] = true
		}
	}
}

// secretOnce records that key (the secret base) was given by k, and
// reports a problem if another of its keys gave it already.
func (d *decoder) secretOnce(given map[string]*yaml.Node, base string, k *yaml.Node, path string) bool {
	if first, dup := given[base]; dup {
		d.fail(k, JoinPath(path, k.Value), "give only one of %s, %s_file and %s_env (%s is on line %d)", base, base, base, first.Value, first.Line)
		return false
	}
	given[base] = k
	return true
}

// secret reads a secret from the file or the environment variable n
// names.
func (d *decoder) secret(n *yaml.Node, suffix, path string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) || n.Value == "" {
		what := "a file name"
		if suffix == "_env" {
			what = "the name of an environment variable"
		}
		d.fail(n, path, "must be %s, got %s", what, describe(n))
		return "", false
	}
	if suffix == "_env" {
		s, ok := os.LookupEnv(n.Value)
		switch {
		case !ok:
			d.fail(n, path, "environment variable %s is not set", n.Value)
			return "", false
		case strings.TrimSpace(s) == "":
			d.fail(n, path, "environment variable %s is empty", n.Value)
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	b, err := os.ReadFile(n.Value)
	if err != nil {
		d.fail(n, path, "cannot read secret file: %v", err)
		return "", false
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		d.fail(n, path, "secret file %q is empty", n.Value)
		return "", false
	}
	return s, true
}

// suggest names the key meant by an unknown one, or lists the keys.
func suggest(key string, names []string, secrets map[string]bool, path string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if dist := editDistance(key, n); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %s?", best)
	}
	where := path
	if where == "" {
		where = "the top level"
	}
	all := slices.Clone(names)
	for _, n := range names {
		if secrets[n] {
			all = append(all, n+"_file", n+"_env")
		}
	}
	return fmt.Sprintf("; %s takes %s", where, strings.Join(all, ", "))
}

// editDistance is the Levenshtein distance of two keys.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
