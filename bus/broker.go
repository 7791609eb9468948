package bus

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/yuqing-project/yuqing/config"
)

// Broker is the embedded Kafka-protocol broker that runs in the process when
// no external brokers are configured. It speaks the real Kafka protocol on
// its listen address, so any Kafka client (kcat among them) can use it, and
// it persists its log and consumer-group offsets in its directory, so a
// restart continues where the last run stopped.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// StartBroker starts the embedded broker listening on cfg.Listen with its
// data in dir, the topics of the pipeline created with the given partitions.
func StartBroker(cfg config.EmbeddedKafka, partitions int32, dir string, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.Default()
	}
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("cannot parse broker listen address %q: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("cannot parse broker port %q: %w", portStr, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create broker data dir %q: %w", dir, err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		// kfake listens on 127.0.0.1 unless told otherwise; honour the
		// configured host so a user can choose the interface.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, net.JoinHostPort(host, portStr))
		}),
		kfake.ClusterID("yuqing-embedded"),
		// The broker's own errors (a write to its log that fails because
		// the disk is full) reach the log as what they are, not only as
		// UNKNOWN_SERVER_ERROR to the client.
		kfake.WithLogger(brokerLogger{log.With("component", "embedded-broker")}),
		kfake.DataDir(filepath.Clean(dir)),
		kfake.BrokerConfigs(map[string]string{
			"log.retention.ms": strconv.FormatInt(cfg.Retention.Milliseconds(), 10),
		}),
		kfake.DefaultNumPartitions(int(partitions)),
		kfake.SeedTopics(partitions, TopicDocs),
		kfake.SeedTopics(PostsPartitions, TopicPosts),
		kfake.SeedTopics(1, TopicDeadLetter),
		kfake.SeedTopics(RequestsPartitions, TopicRequests),
	}
	if cfg.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot start embedded broker on %s with data in %q: %w", cfg.Listen, dir, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) == 0 {
		c.Close()
		return nil, fmt.Errorf("BUG: embedded broker has no listener")
	}
	log.Info("embedded Kafka-protocol broker started", "addr", addrs[0], "data_dir", dir)
	return &Broker{cluster: c, addr: addrs[0]}, nil
}

// Addr is the broker's host:port.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker, flushing its log to disk.
func (b *Broker) Close() { b.cluster.Close() }

// brokerLogger passes the embedded broker's warnings and errors to slog;
// its per-request information and debug lines are dropped.
type brokerLogger struct{ log *slog.Logger }

func (l brokerLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		l.log.Error("embedded broker: " + fmt.Sprintf(format, args...))
	case kfake.LogLevelWarn:
		l.log.Warn("embedded broker: " + fmt.Sprintf(format, args...))
	}
}
