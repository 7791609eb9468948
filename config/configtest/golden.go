// Package configtest reads and writes config/testdata/bad.golden, the one
// table of what users see for each bad config of config/testdata: config's
// tests check the problems config finds against it, and yuqing
// check-config's test the whole output.
package configtest

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

const header = `# What yuqing check-config prints for each bad config in this directory:
# the file, then its problems, one a line. Each file shows one mistake
# (all-at-once.bad.yaml shows that several are listed together); a file
# named after a package (crawler-, scheme-, notify-, rules-, regions-) holds
# a mistake that package's validator finds, the others one config finds.
# Regenerate with  go test ./cmd/yuqing -run TestCheckConfigBadFiles -update
# and review the diff like code.
`

// ReadGolden returns the problems listed for each file.
func ReadGolden(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read golden file %q: %w", path, err)
	}
	out := map[string][]string{}
	file := ""
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "  "):
			if file == "" {
				return nil, fmt.Errorf("cannot read golden file %q: line %d: a problem before any file name", path, i+1)
			}
			out[file] = append(out[file], strings.TrimPrefix(line, "  "))
		default:
			file = line
			if _, dup := out[file]; dup {
				return nil, fmt.Errorf("cannot read golden file %q: line %d: %s is listed twice", path, i+1, file)
			}
			out[file] = nil
		}
	}
	return out, nil
}

// WriteGolden writes the problems of each file, files in name order.
func WriteGolden(path string, problems map[string][]string) error {
	var b strings.Builder
	b.WriteString(header)
	names := make([]string, 0, len(problems))
	for n := range problems {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b.WriteString("\n" + n + "\n")
		for _, p := range problems[n] {
			b.WriteString("  " + p + "\n")
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("cannot write golden file %q: %w", path, err)
	}
	return nil
}
