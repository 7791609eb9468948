package app

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/yuqing-project/yuqing/analyzer"
	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/crawler"
	"github.com/yuqing-project/yuqing/demo"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/scheme"
)

// LoadConfig is how a command gets its config: it reads the file at path
// (the embedded default when path is ""), lets adjust change it (the
// command line's overrides; nil for none) and checks the result with
// CheckConfig. An unreadable file is a plain error. Everything wrong in a
// readable one — decoding problems (unknown keys, wrong types, negative
// durations, a second document) and every validator's — comes back at
// once as one *config.ValidationError, decoding problems first, each with
// its key path. yuqing check-config and yuqing run both load through
// here, so what one accepts the other starts with.
func LoadConfig(path string, adjust func(*config.Config)) (*config.Config, error) {
	var c *config.Config
	var decoded []config.Problem
	if path == "" {
		c = config.Default()
	} else {
		var err error
		c, err = config.Load(path)
		var ve *config.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve) && c != nil:
			decoded = ve.Problems
		case errors.As(err, &ve):
			return nil, err // not YAML at all: nothing more to check
		default:
			return nil, err
		}
	}
	if adjust != nil {
		adjust(c)
	}
	ps := decoded
	var ve *config.ValidationError
	if err := CheckConfig(c); errors.As(err, &ve) {
		ps = mergeProblems(ps, ve.Problems)
	}
	if len(ps) > 0 {
		return nil, &config.ValidationError{Problems: ps}
	}
	return c, nil
}

// CheckConfig returns every problem of cfg as a *config.ValidationError,
// or nil: config's own validation (Validate), then the validators of the
// packages that use each section — crawler for the sources (CSS
// selectors, JSON API mappings), scheme for the monitoring schemes
// (compiled with the analyzer's options), notify for the notifications
// (channels, roster, acknowledgement links), and the deadline rules and
// region table the overrides and regions must name. A key path has one
// problem: the first found. cfg has its defaults applied.
func CheckConfig(cfg *config.Config) error {
	var ps []config.Problem
	var ve *config.ValidationError
	if err := cfg.Validate(); errors.As(err, &ve) {
		ps = ve.Problems
	}
	var more []config.Problem
	for i, s := range cfg.Crawler.Sources {
		more = append(more, crawler.ValidateSource(config.IndexPath("crawler.sources", i), s)...)
	}
	more = append(more, scheme.ValidateConfig("analyzer.schemes", cfg.Analyzer.Schemes, analyzer.SchemeOptions())...)
	more = append(more, checkRegions(cfg)...)
	more = append(more, checkRuleOverrides(cfg.Responder.RuleOverrides)...)
	more = append(more, notify.ValidateConfig("responder.notify", &cfg.Responder.Notify)...)
	ps = mergeProblems(ps, more)
	if len(ps) == 0 {
		return nil
	}
	return &config.ValidationError{Problems: ps}
}

// mergeProblems appends to ps the problems of more at key paths ps does
// not name yet. A problem at a secret's KEY_file or KEY_env (the file
// could not be read) names KEY too: the empty secret it leaves is not
// another problem.
func mergeProblems(ps, more []config.Problem) []config.Problem {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.Path] = true
		for _, suffix := range []string{"_file", "_env"} {
			if base, ok := strings.CutSuffix(p.Path, suffix); ok {
				seen[base] = true
			}
		}
	}
	for _, p := range more {
		if !seen[p.Path] {
			ps = append(ps, p)
		}
	}
	return ps
}

// checkRegions adds the configured divisions to the embedded table and
// looks up the home region, as the analyzer does at start (with the
// demo's divisions when the demo runs).
func checkRegions(cfg *config.Config) []config.Problem {
	var ps config.Problems
	home, extra := cfg.Analyzer.HomeRegion, cfg.Analyzer.ExtraRegions
	t := region.Default()
	for i, d := range extra {
		if err := t.Add(region.Division{Code: d.Code, Name: d.Name}); err != nil {
			ps.Addf(config.IndexPath("analyzer.extra_regions", i), "%v", err)
		}
	}
	if cfg.Demo.Enabled {
		_, divisions := demo.Regions()
		for _, d := range divisions {
			if err := t.Add(region.Division{Code: d.Code, Name: d.Name}); err != nil {
				panic("BUG: the demo's divisions do not add to the region table: " + err.Error())
			}
		}
	}
	if home != "" {
		if _, ok := t.Lookup(home); !ok {
			ps.Addf("analyzer.home_region", "%q is not a division of the region table or analyzer.extra_regions", home)
		}
	}
	return ps
}

// checkRuleOverrides applies each override to the embedded deadline
// rules, as yuqing run does.
func checkRuleOverrides(overrides map[string]config.RuleOverride) []config.Problem {
	var ps config.Problems
	for _, id := range slices.Sorted(maps.Keys(overrides)) {
		o := overrides[id]
		if _, err := rules.Default().WithOverrides(map[string]rules.Override{id: {Hours: o.Hours, Workdays: o.Workdays}}); err != nil {
			ps.Addf("responder.rule_overrides."+id, "%v", err)
		}
	}
	return ps
}
