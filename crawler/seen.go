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
	// pending, when not nil, holds the keys whose changes are still to be
	// written to the shared state of a crawler group (see group.flush);
	// a key missing from entries there is a deletion.
	pending map[string]bool
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

// put stores e under url and, in a group, queues it for sharing when it
// changed in anything but a small step of LastSeen.
func (s *seenSet) put(url string, e *seenEntry) {
	old := s.entries[url]
	s.entries[url] = e
	if s.pending != nil && sharedChange(old, e) {
		s.pending[url] = true
	}
}

// sharedChange reports whether new must be written to the shared state
// when old is what was there.
func sharedChange(old, new *seenEntry) bool {
	if old == nil {
		return true
	}
	o, n := *old, *new
	o.LastSeen, n.LastSeen = 0, 0
	return o != n || time.Duration(new.LastSeen-old.LastSeen)*time.Second >= sharedLastSeenStep
}

// track starts queueing changes for a crawler group's shared state.
func (s *seenSet) track() {
	if s.pending == nil {
		s.pending = make(map[string]bool)
	}
}

// merge applies an entry read from the shared state (nil: deleted). The
// newer of the local and the shared entry wins, by LastSeen; the shared
// one wins a tie, since the replica that wrote it last owned the page.
func (s *seenSet) merge(url string, e *seenEntry) {
	old := s.entries[url]
	switch {
	case e == nil:
		delete(s.entries, url)
		delete(s.pending, url)
	case old == nil || e.LastSeen >= old.LastSeen:
		s.entries[url] = e
		delete(s.pending, url)
	case s.pending != nil && sharedChange(e, old):
		// The local entry is newer than what is shared: share it.
		s.pending[url] = true
	}
}

// shareMissing queues for sharing the local entries that the shared state
// did not hold (shared maps each key read from it to whether it was an
// entry rather than a deletion).
func (s *seenSet) shareMissing(shared map[string]bool) {
	if s.pending == nil {
		return
	}
	for u := range s.entries {
		if !shared[u] {
			s.pending[u] = true
		}
	}
}

// pendingKeys returns the keys queued for sharing, sorted.
func (s *seenSet) pendingKeys() []string {
	keys := make([]string, 0, len(s.pending))
	for k := range s.pending {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// clearPending marks keys as shared.
func (s *seenSet) clearPending(keys []string) {
	for _, k := range keys {
		delete(s.pending, k)
	}
}

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
			s.forget(u)
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
			s.forget(u)
		}
		dropped += over
	}
	return dropped
}

// forget drops url, queueing the deletion for sharing in a group.
func (s *seenSet) forget(url string) {
	delete(s.entries, url)
	if s.pending != nil {
		s.pending[url] = true
	}
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
