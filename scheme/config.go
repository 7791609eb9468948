package scheme

import "github.com/yuqing-project/yuqing/config"

// FromConfig is the scheme a config entry (analyzer.schemes[i]) defines.
func FromConfig(c config.Scheme) Scheme {
	return Scheme{ID: c.ID, Name: c.Name, Regions: c.Regions, Subjects: c.Subjects, Events: c.Events,
		Exclusions: c.Exclusions, Expression: c.Expression}
}

// ValidateConfig returns the problems of the configured schemes, the list
// at key path path (analyzer.schemes): a missing or repeated ID, and every
// scheme that does not compile under opts, with Compile's error. Pass the
// options the matcher will be compiled with (the analyzer's
// analyzer.SchemeOptions()): normalisation can empty a term. A list
// without problems is one Compile accepts.
func ValidateConfig(path string, schemes []config.Scheme, opts Options) []config.Problem {
	var ps config.Problems
	ids := map[string]int{}
	for i, sc := range schemes {
		p := config.IndexPath(path, i)
		if j, dup := ids[sc.ID]; dup && sc.ID != "" {
			ps.Addf(p+".id", "%q is already used by %s", sc.ID, config.IndexPath(path, j))
		}
		ids[sc.ID] = i
		if sc.ID == "" {
			ps.Addf(p+".id", "is required")
			continue
		}
		if _, err := Compile([]Scheme{FromConfig(sc)}, opts); err != nil {
			ps.Addf(p, "%v", err)
		}
	}
	return ps
}
