package app

import (
	"context"
	"strings"
	"testing"
)

// TestDiskCheck: the data dir's check fails, naming the dir and the key,
// while free space is below the threshold, and passes above it.
func TestDiskCheck(t *testing.T) {
	dir := t.TempDir()
	free, err := freeDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	above := int(free>>20) + 1024
	err = diskCheck(dir, above)(context.Background())
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "http.min_free_disk_mb") {
		t.Errorf("check with a threshold above the free space = %v, want an error naming %s and the key", err, dir)
	}
	if err := diskCheck(dir, 1)(context.Background()); err != nil {
		t.Errorf("check with 1 MiB = %v, want nil", err)
	}
	if err := diskCheck(dir+"/not-yet", above)(context.Background()); err != nil {
		t.Errorf("check of a data dir not yet created = %v, want nil", err)
	}
}
