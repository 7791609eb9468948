// Package inspect owns the inspection of the jurisdiction's own portals the
// way the national 政府网站普查 and the provinces' quarterly spot checks do
// it: availability probes, the freshness of the home page and of each
// column, empty columns and columns that only link elsewhere, dead links,
// the required 政府信息公开 columns and documents, and the replies to 网民留言
// on the portal's message board. The census's rules are data
// (census.yaml, embedded), each quoting its source.
//
// It guarantees: an inspection fetches only the configured portal's pages
// (the home page, the configured columns and board, and the pages those
// link to on the portal's own host, one level deep); a link to another
// host is only checked (HEAD, then GET when HEAD fails), never crawled;
// robots.txt is obeyed on every host; requests to one host are spaced by
// the configured delay; no run checks more links than its cap. A finding's
// ID depends only on the portal, the kind and what it is about, so
// inspections repeated over weeks update one finding (first seen, last
// seen, open or fixed) instead of piling up new ones. It is a library: no
// store, no bus.
package inspect

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"
)

// Rule kinds of the census file.
const (
	RuleUnavailable = "unavailable"
	RuleStaleHome   = "stale_home"
	RuleStaleColumn = "stale_column"
	RuleStaleCount  = "stale_count"
	RuleEmptyColumn = "empty_column"
	RuleDeadLink    = "dead_link"
	RuleUnanswered  = "unanswered_message"
	RuleRequired    = "required"
	RuleAnnual      = "annual_report"
)

// Column categories: which freshness limit a column has.
const (
	CategoryNews   = "news"   // 动态、要闻
	CategoryNotice = "notice" // 通知公告、政策文件
	CategoryPlan   = "plan"   // 人事、规划计划
	CategoryOther  = "other"  // no census limit: only checked for being empty
)

// Rule is one check of the census.
type Rule struct {
	ID       string `yaml:"id" json:"id"`
	Title    string `yaml:"title" json:"title"`
	Kind     string `yaml:"kind" json:"kind"`
	Veto     bool   `yaml:"veto,omitempty" json:"veto,omitempty"`
	Category string `yaml:"category,omitempty" json:"category,omitempty"`
	// MaxAge is how old the newest item (or an unanswered message) may be.
	MaxAge time.Duration `yaml:"max_age,omitempty" json:"max_age,omitempty"`
	// Window is how far back the rule looks.
	Window time.Duration `yaml:"window,omitempty" json:"window,omitempty"`
	// Count is how many findings of the rule make a 单项否决 item.
	Count int `yaml:"count,omitempty" json:"count,omitempty"`
	// VetoCountWith names rules whose findings count together with this
	// rule's towards Count.
	VetoCountWith []string      `yaml:"veto_count_with,omitempty" json:"veto_count_with,omitempty"`
	ProbesPerDay  int           `yaml:"probes_per_day,omitempty" json:"probes_per_day,omitempty"`
	Timeout       time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	Ratio         float64       `yaml:"ratio,omitempty" json:"ratio,omitempty"`
	Workdays      int           `yaml:"workdays,omitempty" json:"workdays,omitempty"`
	// Require lists what must be present: link texts, or the items a page
	// must name.
	Require []string `yaml:"require,omitempty" json:"require,omitempty"`
	// Deadline is the day (MM-DD) by which last year's annual report is due.
	Deadline string `yaml:"deadline,omitempty" json:"deadline,omitempty"`
	Source   string `yaml:"source" json:"source"`
	Evidence string `yaml:"evidence" json:"evidence"`
	Quote    string `yaml:"quote" json:"quote"`
}

// Census is a versioned set of census rules. It is immutable once built.
type Census struct {
	Version string `yaml:"version" json:"version"`
	Rules   []Rule `yaml:"rules" json:"rules"`
}

//go:embed census.yaml
var censusYAML []byte

// DefaultCensus returns the embedded census rules.
func DefaultCensus() *Census {
	c, err := ParseCensus(bytes.NewReader(censusYAML))
	if err != nil {
		panic("BUG: embedded census rules are invalid: " + err.Error())
	}
	return c
}

// ParseCensus reads a census rule file strictly (unknown keys are errors)
// and validates it.
func ParseCensus(r io.Reader) (*Census, error) {
	var c Census
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("cannot parse census rules: %w", err)
	}
	var errs []error
	if c.Version == "" {
		errs = append(errs, errors.New("census: version is required"))
	}
	seen := map[string]bool{}
	for i, r := range c.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		if r.ID == "" || seen[r.ID] {
			errs = append(errs, fmt.Errorf("%s.id: %q is empty or used twice", at, r.ID))
		}
		seen[r.ID] = true
		if r.Title == "" || r.Quote == "" || r.Source == "" {
			errs = append(errs, fmt.Errorf("%s (%s): title, quote and source are required", at, r.ID))
		}
		switch r.Evidence {
		case "P", "O", "S", "L", "U":
		default:
			errs = append(errs, fmt.Errorf("%s.evidence (%s): want P, O, S, L or U, got %q", at, r.ID, r.Evidence))
		}
		switch r.Kind {
		case RuleStaleHome, RuleStaleColumn:
			if r.MaxAge <= 0 {
				errs = append(errs, fmt.Errorf("%s.max_age (%s): must be positive", at, r.ID))
			}
		case RuleUnavailable:
			if r.Ratio <= 0 || r.Ratio >= 1 || r.Window <= 0 || r.Timeout <= 0 {
				errs = append(errs, fmt.Errorf("%s (%s): ratio in (0,1), window and timeout are required", at, r.ID))
			}
		case RuleRequired:
			if len(r.Require) == 0 {
				errs = append(errs, fmt.Errorf("%s.require (%s): is required", at, r.ID))
			}
		case RuleAnnual:
			if _, err := time.Parse("01-02", r.Deadline); err != nil {
				errs = append(errs, fmt.Errorf("%s.deadline (%s): want MM-DD, got %q", at, r.ID, r.Deadline))
			}
		case RuleStaleCount, RuleEmptyColumn, RuleDeadLink, RuleUnanswered:
		default:
			errs = append(errs, fmt.Errorf("%s.kind (%s): unknown kind %q", at, r.ID, r.Kind))
		}
	}
	for _, r := range c.Rules {
		for _, w := range r.VetoCountWith {
			if !seen[w] {
				errs = append(errs, fmt.Errorf("rule %s: veto_count_with names unknown rule %q", r.ID, w))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &c, nil
}

// Rule returns the rule with id; it panics when there is none, since the
// checks name only rules of the embedded file.
func (c *Census) Rule(id string) Rule {
	for _, r := range c.Rules {
		if r.ID == id {
			return r
		}
	}
	panic("BUG: census has no rule " + id)
}

// CategoryRule returns the freshness rule of a column category, and false
// for a category without one.
func (c *Census) CategoryRule(category string) (Rule, bool) {
	for _, r := range c.Rules {
		if r.Kind == RuleStaleColumn && r.Category == category {
			return r, true
		}
	}
	return Rule{}, false
}
