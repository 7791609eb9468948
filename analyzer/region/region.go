// Package region owns China's administrative divisions as the analyzer
// uses them: provinces, prefecture-level cities and county-level divisions
// with their GB/T 2260 codes, the names and short forms a text uses for
// them, and finding them in text with disambiguation and roles.
//
// Guarantees:
//
//   - The default table (Default) is compiled into the binary from
//     divisions.tsv, generated from the modood data set (WTFPL, National
//     Bureau of Statistics codes of 2023); see NOTICE.md.
//   - A Table is not modified by Find: once built (Default or New, then any
//     Add calls), it is safe for concurrent use by any number of readers.
//     Add must not run concurrently with Find.
//   - Find is deterministic: the same text, home and table give the same
//     mentions in the same order.
package region

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:generate go run ../internal/gen/regions -src /work/shared/data/regions/modood -out divisions.tsv

//go:embed divisions.tsv
var divisionsTSV string

// Level is the tier of a division.
type Level int

// Levels, from the broadest.
const (
	Province Level = 1 // 省级: provinces, autonomous regions, municipalities
	City     Level = 2 // 地级: prefecture-level cities, prefectures, leagues, autonomous prefectures
	County   Level = 3 // 县级: counties, districts, county-level cities, banners
)

// Division is one administrative division.
type Division struct {
	// Code is the six-digit GB/T 2260 code: 510000 for a province, 510800
	// for a city, 510822 for a county.
	Code string
	// Name is the full official name, e.g. 青川县.
	Name string
	// Level is derived from Code when zero.
	Level Level
	// Parent is the code of the enclosing division ("" for a province). It
	// is derived from Code when empty: a county's city if the table has it,
	// otherwise its province (the districts of Beijing, the county-level
	// cities directly under a province).
	Parent string
	// Short are short forms a text uses on their own (四川, 成都, 青川).
	// Weak are short forms that are also common words or landmarks (朝阳,
	// 鼓楼, 和平): they count only with context, that is, a co-mentioned
	// parent or child, or the home jurisdiction. When both are nil, Add
	// derives them from Name with ShortForms.
	Short, Weak []string
}

// Table is a set of divisions and the names that refer to them.
type Table struct {
	divs  map[string]*Division
	names *trie
}

// New returns an empty table.
func New() *Table {
	return &Table{divs: map[string]*Division{}, names: newTrie()}
}

var (
	defaultOnce  sync.Once
	defaultTable *Table
)

// Default returns a copy of the embedded table of all provinces, cities and
// counties. The copy is the caller's: adding to it changes no other table.
func Default() *Table {
	defaultOnce.Do(func() {
		t, err := Parse(divisionsTSV)
		if err != nil {
			panic("BUG: the embedded divisions.tsv does not parse: " + err.Error())
		}
		defaultTable = t
	})
	return defaultTable.Clone()
}

// Clone returns an independent copy of t.
func (t *Table) Clone() *Table {
	c := &Table{divs: make(map[string]*Division, len(t.divs)), names: t.names.clone()}
	for k, d := range t.divs {
		dd := *d
		c.divs[k] = &dd
	}
	return c
}

// Parse reads a table in the format of divisions.tsv: one division a line,
// "code<TAB>name<TAB>short forms", where the short forms are separated by
// commas and a weak one starts with "~". Lines starting with # are comments.
// Divisions are added in order, so a city must come before its counties for
// them to find it as parent (sorting by code does that).
func Parse(data string) (*Table, error) {
	t := New()
	n := 0
	for line := range strings.Lines(data) {
		n++
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("cannot parse division line %d %q: want code, name and short forms separated by tabs", n, line)
		}
		d := Division{Code: f[0], Name: f[1], Short: []string{}, Weak: []string{}}
		if len(f) == 3 && f[2] != "" {
			for _, s := range strings.Split(f[2], ",") {
				if w, ok := strings.CutPrefix(s, "~"); ok {
					d.Weak = append(d.Weak, w)
				} else {
					d.Short = append(d.Short, s)
				}
			}
		}
		if err := t.Add(d); err != nil {
			return nil, fmt.Errorf("cannot parse division line %d: %w", n, err)
		}
	}
	return t, nil
}

// Add adds d to the table, or replaces the division with its code. It
// derives Level, Parent and the short forms when they are not given (see
// Division). A division whose parent is not in the table is kept with the
// parent its code implies, so that an invented county (the demo's 361221
// 青岚县) can be added with its invented city (361200 澜州市) in either order.
func (t *Table) Add(d Division) error {
	if len(d.Code) != 6 || strings.Trim(d.Code, "0123456789") != "" || d.Code[:2] == "00" {
		return fmt.Errorf("cannot add division %q (%s): the code is not six digits of a GB/T 2260 code", d.Name, d.Code)
	}
	if utf8.RuneCountInString(d.Name) < 2 || strings.ContainsAny(d.Name, " \t\n,~") {
		return fmt.Errorf("cannot add division %s: name %q is not a division name", d.Code, d.Name)
	}
	level := levelOf(d.Code)
	if d.Level == 0 {
		d.Level = level
	}
	if d.Level < Province || d.Level > County {
		return fmt.Errorf("cannot add division %s %s: level %d is not province (1), city (2) or county (3)", d.Code, d.Name, d.Level)
	}
	if d.Parent == "" {
		switch d.Level {
		case City:
			d.Parent = d.Code[:2] + "0000"
		case County:
			d.Parent = d.Code[:4] + "00"
			if _, ok := t.divs[d.Parent]; !ok {
				d.Parent = d.Code[:2] + "0000"
			}
		}
	}
	if d.Short == nil && d.Weak == nil {
		d.Short, d.Weak = ShortForms(d.Name, d.Level)
	}
	if old, ok := t.divs[d.Code]; ok {
		t.names.remove(old.Code)
	}
	dd := d
	t.divs[d.Code] = &dd
	t.names.add(d.Name, d.Code, false, true)
	for _, s := range d.Short {
		if s != d.Name {
			t.names.add(s, d.Code, false, false)
		}
	}
	for _, s := range d.Weak {
		if s != d.Name {
			t.names.add(s, d.Code, true, false)
		}
	}
	return nil
}

// levelOf is the level a code implies: XX0000 a province, XXYY00 a city.
func levelOf(code string) Level {
	switch {
	case code[2:] == "0000":
		return Province
	case code[4:] == "00":
		return City
	}
	return County
}

// Lookup returns the division with code.
func (t *Table) Lookup(code string) (Division, bool) {
	d, ok := t.divs[code]
	if !ok {
		return Division{}, false
	}
	return *d, true
}

// Named returns the codes of the divisions that name (a full name or a
// short form, weak ones included) may refer to, or nil.
func (t *Table) Named(name string) []string {
	refs, n := t.names.longest(name)
	if n != len(name) {
		return nil
	}
	codes := make([]string, len(refs))
	for i, r := range refs {
		codes[i] = r.code
	}
	return codes
}

// IsName reports whether name is a name of a division (a full name or a
// short form, weak ones included): whether Named would return codes.
func (t *Table) IsName(name string) bool {
	refs, n := t.names.longest(name)
	return n == len(name) && len(refs) > 0
}

// Len returns the number of divisions.
func (t *Table) Len() int { return len(t.divs) }

// parent returns the parent code of code, or "".
func (t *Table) parent(code string) string {
	if d, ok := t.divs[code]; ok {
		return d.Parent
	}
	return ""
}

// isAncestor reports whether a is a strict ancestor of code.
func (t *Table) isAncestor(a, code string) bool {
	for p := t.parent(code); p != ""; p = t.parent(p) {
		if p == a {
			return true
		}
	}
	return false
}

// FullName returns the division's name preceded by its ancestors' names
// (四川省广元市青川县), for display.
func (t *Table) FullName(code string) string {
	var parts []string
	for c := code; c != ""; c = t.parent(c) {
		d, ok := t.divs[c]
		if !ok {
			break
		}
		parts = append(parts, d.Name)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
	}
	return b.String()
}

// Names returns the full names of the divisions, sorted, each once.
func (t *Table) Names() []string {
	seen := make(map[string]bool, len(t.divs))
	out := make([]string, 0, len(t.divs))
	for _, d := range t.divs {
		if !seen[d.Name] {
			seen[d.Name] = true
			out = append(out, d.Name)
		}
	}
	sort.Strings(out)
	return out
}
