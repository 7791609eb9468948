package analyzer

import (
	"fmt"
	"strings"

	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/bus"
)

// maxRegions bounds the regions carried by a post.
const maxRegions = 20

// regionSetup is the division table and home jurisdiction in use. It is
// replaced whole by SetRegions, never modified, so Analyze may read it
// while SetRegions runs.
type regionSetup struct {
	table *region.Table
	home  string
}

func defaultRegionSetup() *regionSetup { return &regionSetup{table: region.Default()} }

// SetRegions sets the office's home jurisdiction (a GB/T 2260 code, or ""
// for none) and adds divisions the embedded table lacks, such as the demo's
// invented 361200 澜州市 and 361221 青岚县. The home jurisdiction decides
// between equally named divisions (朝阳区, 鼓楼区) when the text does not;
// without it, a post's publisher region stands in. Posts analysed after it
// returns use the new setting; it is safe to call while Analyze runs.
func (a *Analyzer) SetRegions(home string, extra ...region.Division) error {
	t := region.Default()
	for _, d := range extra {
		if err := t.Add(d); err != nil {
			return fmt.Errorf("cannot set the analyzer's regions: %w", err)
		}
	}
	if _, ok := t.Lookup(home); home != "" && !ok {
		return fmt.Errorf("cannot set the analyzer's home region %q: no such division", home)
	}
	a.regions.Store(&regionSetup{table: t, home: home})
	return nil
}

// findRegions returns the regions of a post: its publisher's region, then
// the divisions its title and body say events happened in, then those they
// mention, each code once per role (an event place is not listed again as
// mentioned); and the mentions themselves, for the entities. tokens are the
// segmentation of title and body: a division's name counts only where a
// word starts (see region.Table.FindAligned).
func (a *Analyzer) findRegions(publisher, title, body string, tokens []token) ([]bus.Region, []region.Mention) {
	setup := a.regions.Load()
	out := []bus.Region{}
	if publisher != "" {
		d, _ := setup.table.Lookup(publisher)
		out = append(out, bus.Region{Code: publisher, Name: d.Name, Role: RolePublisher})
	}
	home := setup.home
	if home == "" {
		home = publisher
	}
	var text string
	switch {
	case title == "":
		text = body
	case body == "":
		text = title
	default:
		// A line break keeps the title's last name and the body's first
		// from being read as one chain.
		text = title + "\n" + body
	}
	mentions := setup.table.FindAligned(text, home, wordStarts(text, tokens))
	roleOf := map[string]string{}
	for _, m := range mentions {
		if m.Role == region.RoleEvent || roleOf[m.Code] == "" {
			roleOf[m.Code] = m.Role
		}
	}
	for _, role := range []string{RoleEvent, RoleMentioned} {
		for _, m := range mentions {
			if roleOf[m.Code] != role || len(out) == maxRegions {
				continue
			}
			out = append(out, bus.Region{Code: m.Code, Name: m.Name, Role: role})
			roleOf[m.Code] = "" // listed
		}
	}
	return out, mentions
}

// isDivisionName reports whether w names an administrative division (a
// full name or a short form): such places are listed once, by their
// official name, from the region mentions.
func (a *Analyzer) isDivisionName(w string) bool {
	return len(a.regions.Load().table.Named(strings.TrimSpace(w))) > 0
}

// wordStarts returns whether a token starts at byte i of text, the text
// tokens were cut from (whitespace between them). gse lower-cases Latin
// letters, so tokens are found in a lower-cased copy. Should a token not be
// found (the text and the tokens disagree), every later position counts as
// a start, which is what Find does without tokens. Without tokens it
// returns nil.
func wordStarts(text string, tokens []token) func(int) bool {
	if len(tokens) == 0 {
		return nil
	}
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		return nil
	}
	starts := make([]bool, len(text)+1)
	pos := 0
	for _, tk := range tokens {
		if strings.TrimSpace(tk.text) == "" {
			continue
		}
		// The token normally follows at once, after whitespace at most.
		for pos < len(lower) && (lower[pos] == ' ' || lower[pos] == '\n' || lower[pos] == '\t' || lower[pos] == '\r') {
			pos++
		}
		k := 0
		if !strings.HasPrefix(lower[pos:], tk.text) {
			k = strings.Index(lower[pos:], tk.text)
		}
		if k < 0 {
			for i := pos; i <= len(text); i++ {
				starts[i] = true
			}
			break
		}
		starts[pos+k] = true
		pos += k + len(tk.text)
	}
	return func(i int) bool { return starts[i] }
}
