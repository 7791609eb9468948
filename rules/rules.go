// Package rules owns the response and disclosure rules as data: a
// versioned rule file, embedded with the defaults of the project's rule
// reference, each rule quoting its source; per-locality overrides; and the
// computation of a rule's due time on the right clock (clock hours, or
// working days on the Chinese holiday calendar).
package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/model"
)

// Rule kinds.
const (
	KindHours    = "hours"    // clock hours from the incident's clock start
	KindWorkdays = "workdays" // working days, the start day not counted
)

// What fulfils a rule.
const (
	FulfilledByRelease         = "release"          // authoritative information
	FulfilledByPressConference = "press_conference" // a press conference or briefing
	FulfilledByResponse        = "response"         // any official response
)

// Rule is one deadline rule.
type Rule struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	Kind  string `yaml:"kind" json:"kind"`
	// Hours is the limit of an hours rule.
	Hours float64 `yaml:"hours,omitempty" json:"hours,omitempty"`
	// Workdays is the limit of a workdays rule; ExtensionWorkdays the most
	// it may be extended by.
	Workdays          int `yaml:"workdays,omitempty" json:"workdays,omitempty"`
	ExtensionWorkdays int `yaml:"extension_workdays,omitempty" json:"extension_workdays,omitempty"`
	// Levels are the incident levels an incident rule applies to.
	Levels []string `yaml:"levels,omitempty" json:"levels,omitempty"`
	// Trigger names what starts a disclosure rule (policy_document, ...).
	Trigger     string `yaml:"trigger,omitempty" json:"trigger,omitempty"`
	FulfilledBy string `yaml:"fulfilled_by" json:"fulfilled_by"`
	Source      string `yaml:"source" json:"source"`
	Evidence    string `yaml:"evidence" json:"evidence"`
	Quote       string `yaml:"quote" json:"quote"`
}

// Set is a versioned set of rules. It is immutable once built.
type Set struct {
	Version string `yaml:"version" json:"version"`
	Rules   []Rule `yaml:"rules" json:"rules"`
}

// Override changes a rule's limit for a locality.
type Override struct {
	Hours    float64 `yaml:"hours"`
	Workdays int     `yaml:"workdays"`
}

//go:embed rules.yaml
var defaultYAML []byte

// Default returns the embedded rules.
func Default() *Set {
	s, err := Parse(bytes.NewReader(defaultYAML))
	if err != nil {
		panic("BUG: embedded rules are invalid: " + err.Error())
	}
	return s
}

// Parse reads a rule file strictly (unknown keys are errors) and validates it.
func Parse(r io.Reader) (*Set, error) {
	var s Set
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("cannot parse rules: %w", err)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Set) validate() error {
	var errs []error
	if s.Version == "" {
		errs = append(errs, errors.New("rules: version is required"))
	}
	seen := map[string]bool{}
	for i, r := range s.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		switch {
		case r.ID == "":
			errs = append(errs, fmt.Errorf("%s.id: is required", at))
		case seen[r.ID]:
			errs = append(errs, fmt.Errorf("%s.id: %q is used twice", at, r.ID))
		}
		seen[r.ID] = true
		if r.Title == "" || r.Quote == "" || r.Source == "" {
			errs = append(errs, fmt.Errorf("%s (%s): title, quote and source are required", at, r.ID))
		}
		switch r.Kind {
		case KindHours:
			if r.Hours <= 0 {
				errs = append(errs, fmt.Errorf("%s.hours (%s): must be positive", at, r.ID))
			}
		case KindWorkdays:
			if r.Workdays <= 0 {
				errs = append(errs, fmt.Errorf("%s.workdays (%s): must be positive", at, r.ID))
			}
		default:
			errs = append(errs, fmt.Errorf("%s.kind (%s): %q is not hours or workdays", at, r.ID, r.Kind))
		}
		for _, l := range r.Levels {
			if !model.ValidLevel(l) {
				errs = append(errs, fmt.Errorf("%s.levels (%s): %q is not I, II, III or IV", at, r.ID, l))
			}
		}
	}
	return errors.Join(errs...)
}

// WithOverrides returns a copy of s with the limits of the named rules
// replaced; an unknown rule ID or a limit of the wrong kind is an error.
func (s *Set) WithOverrides(o map[string]Override) (*Set, error) {
	out := &Set{Version: s.Version, Rules: slices.Clone(s.Rules)}
	for id, ov := range o {
		i := slices.IndexFunc(out.Rules, func(r Rule) bool { return r.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("cannot override rule %q: no such rule", id)
		}
		r := &out.Rules[i]
		switch {
		case r.Kind == KindHours && ov.Hours > 0 && ov.Workdays == 0:
			r.Hours = ov.Hours
		case r.Kind == KindWorkdays && ov.Workdays > 0 && ov.Hours == 0:
			r.Workdays = ov.Workdays
		default:
			return nil, fmt.Errorf("cannot override rule %q: a %s rule takes a positive %s", id, r.Kind, r.Kind)
		}
		out.Version = s.Version + "+local"
	}
	return out, nil
}

// Get returns the rule with the ID.
func (s *Set) Get(id string) (Rule, bool) {
	i := slices.IndexFunc(s.Rules, func(r Rule) bool { return r.ID == id })
	if i < 0 {
		return Rule{}, false
	}
	return s.Rules[i], true
}

// ForLevel returns the incident rules that apply to an incident of level,
// in file order.
func (s *Set) ForLevel(level string) []Rule {
	var out []Rule
	for _, r := range s.Rules {
		if slices.Contains(r.Levels, level) {
			out = append(out, r)
		}
	}
	return out
}

// Due returns when r falls due for a clock started at start: clock hours
// later for an hours rule; for a workdays rule, 24:00 (China Standard
// Time) of the working day that is Workdays working days after the start
// day, the start day not counted. provisional is set when the count crossed
// a year whose holiday notice is not loaded.
func (r Rule) Due(start time.Time, cal *calendar.Calendar) (due time.Time, provisional bool) {
	switch r.Kind {
	case KindHours:
		return start.Add(time.Duration(r.Hours * float64(time.Hour))), false
	case KindWorkdays:
		d, prov := cal.AddWorkdays(calendar.DateOf(start), r.Workdays)
		return d.Deadline(), prov
	}
	panic("BUG: rule " + r.ID + " has kind " + r.Kind)
}

// Limit describes r's limit in Chinese: "5小时", "3个工作日".
func (r Rule) Limit() string {
	if r.Kind == KindWorkdays {
		return fmt.Sprintf("%d个工作日", r.Workdays)
	}
	return fmt.Sprintf("%g小时", r.Hours)
}
