package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topics of the crawler's scale-out.
//
// TopicCrawlState is compacted and keyed by source and page: it holds what
// the crawler replicas remember of every page (the seen-set), so a replica
// that takes over a source after a rebalance knows which pages it has
// already published. Its partitions are also the unit of work: the crawler
// replicas form a consumer group on it, a source belongs to the partition
// CrawlPartition(host of its URL), and only the member assigned that
// partition polls the source. All sources of one host therefore share one
// partition and one replica, which keeps per-host politeness intact.
//
// TopicCrawlHot carries HotSource requests from other stages (the
// responder) asking for a source to be polled faster for a while. Every
// crawler replica reads all of it, without a group.
const (
	TopicCrawlState = "yuqing.crawlstate.v1"
	TopicCrawlHot   = "yuqing.crawlhot.v1"
)

// DefaultCrawlStatePartitions is the partition count TopicCrawlState is
// created with unless configured: the most crawler replicas that can share
// work, and fine enough to spread hosts evenly over a few replicas.
const DefaultCrawlStatePartitions = 16

// CrawlSeen is one page in a crawler's seen-set, as kept on
// TopicCrawlState under the key CrawlSeenKey(Source, Key). A record with a
// nil value (a tombstone) means the page was forgotten.
type CrawlSeen struct {
	Schema int    `json:"schema"`
	Source string `json:"source"`
	// Key is the page's seen-set key: its canonical URL, or source and
	// native ID for feed items and API items without a URL.
	Key  string `json:"key"`
	Kind string `json:"kind"` // list, article, feed, item
	// Hash is the content hash of the last published version; empty when
	// nothing was published for the page.
	Hash         string `json:"hash,omitempty"`
	ItemHash     string `json:"item_hash,omitempty"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// FirstSeen and LastSeen are Unix seconds. LastSeen may lag the
	// replica's own memory by up to a day: it is only shared when it
	// moved that far, to keep the topic quiet.
	FirstSeen int64 `json:"first_seen"`
	LastSeen  int64 `json:"last_seen"`
}

// CrawlSeenKey is the record key of a page on TopicCrawlState.
func CrawlSeenKey(source, key string) string { return source + " " + key }

// CrawlPartition is the partition of TopicCrawlState (and so the group
// member) that owns the sources of host, out of n partitions. The host is
// compared lower-case and without a port, so every source of one site
// lands on one partition.
func CrawlPartition(host string, n int32) int32 {
	if n <= 0 {
		panic("BUG: CrawlPartition with no partitions")
	}
	host = strings.ToLower(host)
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.Contains(h, "[") {
		host = h
	}
	f := fnv.New32a()
	f.Write([]byte(host))
	return int32(f.Sum32() % uint32(n))
}

// HotSource asks the crawler to poll a source every Interval until Until,
// because something is heating up there. The crawler bounds both (see
// crawler.Crawler.Boost); a later request for the same source replaces an
// earlier one.
type HotSource struct {
	Schema   int           `json:"schema"`
	SourceID string        `json:"source_id"`
	Interval time.Duration `json:"interval"`
	Until    time.Time     `json:"until"`
	// Reason is shown in the crawler's log, e.g. the event that is hot.
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// RequestHotSource produces a HotSource request to TopicCrawlHot, keyed by
// source, and returns once it is durable.
func (p *Producer) RequestHotSource(ctx context.Context, h HotSource) error {
	if h.SourceID == "" {
		return errors.New("cannot request a hot source: no source id")
	}
	h.Schema = SchemaVersion
	if h.At.IsZero() {
		h.At = time.Now().UTC()
	}
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("cannot encode hot source request for %q: %w", h.SourceID, err)
	}
	return p.Produce(ctx, TopicCrawlHot, Record{Key: h.SourceID, Value: b})
}

// EnsureCrawlTopics creates TopicCrawlState (compacted, kept forever, with
// the given partitions) and TopicCrawlHot (one partition, kept a day) when
// they are missing, and returns the partition count TopicCrawlState
// actually has: an existing topic keeps its own.
func EnsureCrawlTopics(ctx context.Context, cl *kgo.Client, partitions int32, replication int16, log *slog.Logger) (int32, error) {
	if log == nil {
		log = slog.Default()
	}
	if partitions < 1 {
		return 0, fmt.Errorf("cannot create topic %q with %d partitions", TopicCrawlState, partitions)
	}
	// Compaction keeps the newest entry of every page; retention.ms=-1
	// keeps entries however old, since a page seen long ago must still not
	// be published again.
	if err := createTopics(ctx, cl, []topicSpec{
		{TopicCrawlState, partitions, map[string]string{"cleanup.policy": "compact", "retention.ms": "-1"}},
		{TopicCrawlHot, 1, map[string]string{"retention.ms": "86400000"}},
	}, replication, log); err != nil {
		return 0, err
	}
	meta := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(TopicCrawlState)
	meta.Topics = append(meta.Topics, mt)
	mresp, err := meta.RequestWith(ctx, cl)
	if err != nil {
		return 0, fmt.Errorf("cannot read metadata of topic %q: %w", TopicCrawlState, err)
	}
	for _, t := range mresp.Topics {
		if t.Topic == nil || *t.Topic != TopicCrawlState {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return 0, fmt.Errorf("cannot read metadata of topic %q: %w", TopicCrawlState, err)
		}
		if len(t.Partitions) == 0 {
			return 0, fmt.Errorf("cannot use topic %q: it has no partitions", TopicCrawlState)
		}
		return int32(len(t.Partitions)), nil
	}
	return 0, fmt.Errorf("cannot use topic %q: missing from metadata", TopicCrawlState)
}

// PartitionOffsets returns the log start and end (high watermark) offsets
// of the given partitions of topic: a reader that wants everything a
// partition holds reads from start until end.
func PartitionOffsets(ctx context.Context, cl *kgo.Client, topic string, partitions []int32) (start, end map[int32]int64, err error) {
	list := func(ts int64) (map[int32]int64, error) {
		req := kmsg.NewPtrListOffsetsRequest()
		req.ReplicaID = -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		for _, p := range partitions {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = p
			rp.CurrentLeaderEpoch = -1
			rp.Timestamp = ts
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return nil, fmt.Errorf("cannot list offsets of topic %q: %w", topic, err)
		}
		out := make(map[int32]int64, len(partitions))
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					return nil, fmt.Errorf("cannot list offsets of %s[%d]: %w", topic, p.Partition, err)
				}
				out[p.Partition] = p.Offset
			}
		}
		for _, p := range partitions {
			if _, ok := out[p]; !ok {
				return nil, fmt.Errorf("cannot list offsets of %s[%d]: no answer", topic, p)
			}
		}
		return out, nil
	}
	if start, err = list(-2); err != nil {
		return nil, nil, err
	}
	if end, err = list(-1); err != nil {
		return nil, nil, err
	}
	return start, end, nil
}
