package clickhouse

import (
	"context"
	"fmt"

	"github.com/yuqing-project/yuqing/store"
)

var _ store.Prober = (*Store)(nil)

// ProbeWrite checks that the server answers. A ClickHouse insert cannot be
// taken back, so the probe is the server's liveness: a server that is
// down or unreachable fails it; the writes' own failures are counted in
// yuqing_store_write_failures_total.
func (s *Store) ProbeWrite(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("write probe: ClickHouse does not answer: %w", err)
	}
	return nil
}
