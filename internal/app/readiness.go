package app

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/yuqing-project/yuqing/store"
)

// freeDisk returns the bytes available to an unprivileged writer on the
// filesystem of dir.
func freeDisk(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

// diskCheck is the readiness check of the data dir: not ready while its
// filesystem has less than minMB MiB free (the embedded broker's log and
// the SQLite store would soon fail their writes). It recovers by itself
// once space returns.
func diskCheck(dir string, minMB int) func(context.Context) error {
	min := uint64(minMB) << 20
	return func(context.Context) error {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return nil // nothing is written there yet
		}
		free, err := freeDisk(dir)
		if err != nil {
			return fmt.Errorf("cannot read the free space of data dir %s: %w", dir, err)
		}
		if free < min {
			return fmt.Errorf("data dir %s has %d MiB free, below http.min_free_disk_mb %d", dir, free>>20, minMB)
		}
		return nil
	}
}

// storeCheck is the store's readiness check: a write probe where the
// driver has one (store.Prober), else a read.
func storeCheck(st store.Store) func(context.Context) error {
	if p, ok := st.(store.Prober); ok {
		return p.ProbeWrite
	}
	return func(ctx context.Context) error {
		_, err := st.CountPosts(ctx)
		return err
	}
}
