package crawler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Kinds of pages in the seen-set.
const (
	pageList    = "list"
	pageArticle = "article"
	pageFeed    = "feed"
	pageItem    = "item"
)

// seenEntry is what the crawler remembers of one page.
type seenEntry struct {
	Kind string `json:"k"`
	// Hash is the ContentHash of the last published version; empty when
	// nothing was published (a list page, or extraction failed).
	Hash string `json:"h,omitempty"`
	// ItemHash fingerprints a feed item as the feed shows it.
	ItemHash     string `json:"i,omitempty"`
	ETag         string `json:"e,omitempty"`
	LastModified string `json:"m,omitempty"`
	// FirstSeen and LastSeen are Unix seconds.
	FirstSeen int64 `json:"f"`
	LastSeen  int64 `json:"l"`
}

// seenFile is the on-disk form of one source's seen-set.
type seenFile struct {
	Version int                   `json:"version"`
	Entries map[string]*seenEntry `json:"entries"`
}

const seenFileVersion = 1

// seenSet is one source's persistent set of seen pages (canonical URL →
// entry). It is bounded: entries not seen for maxAge are dropped, and
// beyond maxEntries the least recently seen go first. It is not safe for
// concurrent use; each source's poll holds its lock.
type seenSet struct {
	path       string
	maxEntries int
	maxAge     time.Duration
	entries    map[string]*seenEntry
}

// loadSeenSet reads the seen-set at path; a missing file is an empty set.
func loadSeenSet(path string, maxEntries int, maxAge time.Duration) (*seenSet, error) {
	s := &seenSet{path: path, maxEntries: maxEntries, maxAge: maxAge, entries: make(map[string]*seenEntry)}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read seen-set %q: %w", path, err)
	}
	var f seenFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("cannot parse seen-set %q: %w", path, err)
	}
	if f.Version != seenFileVersion {
		return nil, fmt.Errorf("cannot load seen-set %q: version %d, want %d", path, f.Version, seenFileVersion)
	}
	for k, e := range f.Entries {
		if e != nil {
			s.entries[k] = e
		}
	}
	return s, nil
}

func (s *seenSet) get(url string) *seenEntry { return s.entries[url] }

func (s *seenSet) put(url string, e *seenEntry) { s.entries[url] = e }

func (s *seenSet) len() int { return len(s.entries) }

// recentArticles returns the articles first seen after since, newest
// first.
func (s *seenSet) recentArticles(since time.Time) []string {
	var urls []string
	for u, e := range s.entries {
		if e.Kind == pageArticle && e.FirstSeen >= since.Unix() {
			urls = append(urls, u)
		}
	}
	slices.SortFunc(urls, func(a, b string) int {
		if d := s.entries[b].FirstSeen - s.entries[a].FirstSeen; d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		if a < b {
			return -1
		}
		return 1
	})
	return urls
}

// prune drops entries older than maxAge and then the least recently seen
// beyond maxEntries, and returns how many it dropped.
func (s *seenSet) prune(now time.Time) int {
	dropped := 0
	cutoff := now.Add(-s.maxAge).Unix()
	for u, e := range s.entries {
		if e.LastSeen < cutoff {
			delete(s.entries, u)
			dropped++
		}
	}
	if over := len(s.entries) - s.maxEntries; over > 0 {
		urls := make([]string, 0, len(s.entries))
		for u := range s.entries {
			urls = append(urls, u)
		}
		slices.SortFunc(urls, func(a, b string) int {
			ea, eb := s.entries[a], s.entries[b]
			switch {
			case ea.LastSeen < eb.LastSeen:
				return -1
			case ea.LastSeen > eb.LastSeen:
				return 1
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		})
		for _, u := range urls[:over] {
			delete(s.entries, u)
		}
		dropped += over
	}
	return dropped
}

// save writes the set atomically: a temporary file in the same directory
// is written, synced and renamed over the old one, and the directory is
// synced, so a crash leaves either the old or the new set, never a torn one.
func (s *seenSet) save() error {
	b, err := json.Marshal(seenFile{Version: seenFileVersion, Entries: s.entries})
	if err != nil {
		panic("BUG: cannot marshal seen-set: " + err.Error())
	}
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(s.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("cannot save seen-set %q: %w", s.path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write seen-set %q: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot sync seen-set %q: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot close seen-set %q: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("cannot replace seen-set %q: %w", s.path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot open state directory %q: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("cannot sync state directory %q: %w", dir, err)
	}
	return nil
}
