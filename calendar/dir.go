package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

// yearFileName is how an imported year is stored: YYYY.json, as holiday-cn
// names its files, so a file can be copied in by hand too.
var yearFileName = regexp.MustCompile(`^(\d{4})\.json$`)

// LoadDir returns base with every year file YYYY.json in dir loaded on top of
// it (an imported year replaces an embedded one, which is how a corrected
// notice is applied). Other files are ignored. A missing dir is not an
// error: nothing has been imported yet.
func LoadDir(base *Calendar, dir string) (*Calendar, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return base, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read calendar dir %q: %w", dir, err)
	}
	var years []Year
	for _, e := range entries {
		m := yearFileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read holiday file %q: %w", path, err)
		}
		y, err := ParseYear(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("cannot parse holiday file %q: %w", path, err)
		}
		if want, _ := strconv.Atoi(m[1]); y.Year != want {
			return nil, fmt.Errorf("holiday file %q holds year %d", path, y.Year)
		}
		years = append(years, y)
	}
	sort.Slice(years, func(i, j int) bool { return years[i].Year < years[j].Year })
	c, err := base.With(years...)
	if err != nil {
		return nil, fmt.Errorf("cannot load calendar dir %q: %w", dir, err)
	}
	return c, nil
}

// SaveYear checks that raw is a holiday-cn year file that lists days and
// loads onto base without conflict, then writes it unchanged (keeping its
// "papers" provenance) to dir/YYYY.json, creating dir if needed. The write
// goes through a temporary file and a rename, so a reader never sees half a
// file. It returns the parsed year and the path written.
func SaveYear(base *Calendar, dir string, raw []byte) (Year, string, error) {
	y, err := ParseYear(bytes.NewReader(raw))
	if err != nil {
		return Year{}, "", err
	}
	if _, err := base.With(y); err != nil {
		return Year{}, "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Year{}, "", fmt.Errorf("cannot create calendar dir %q: %w", dir, err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%04d.json", y.Year))
	tmp, err := os.CreateTemp(dir, fmt.Sprintf(".%04d.json.tmp-*", y.Year))
	if err != nil {
		return Year{}, "", fmt.Errorf("cannot write holiday file %q: %w", path, err)
	}
	_, werr := tmp.Write(raw)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		// The write already failed; removing the temporary file is best
		// effort, and its name (a dot file) keeps LoadDir from reading it.
		_ = os.Remove(tmp.Name())
		return Year{}, "", fmt.Errorf("cannot write holiday file %q: %w", path, werr)
	}
	return y, path, nil
}
