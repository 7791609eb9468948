package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// HeaderReplayOf is the header a replayed message carries: the ID of the
// dead letter it came from. Consumers count such messages in
// yuqing_bus_replayed_messages_consumed_total.
const HeaderReplayOf = "yuqing-replay-of"

// StoredDeadLetter is a dead letter as it sits on TopicDeadLetter: ID is
// "partition/offset" there, stable for as long as the topic keeps it.
type StoredDeadLetter struct {
	ID string `json:"id"`
	DeadLetter
}

// DeadLetterFilter selects dead letters; a zero field matches everything.
type DeadLetterFilter struct {
	Since, Until  time.Time // dead-lettered at or after Since, before Until
	Stage         string    // consumer group, exact
	ErrorContains string    // substring of the error
	// IDs are dead-letter IDs ("0/17") or keys of the original messages
	// (a document's ID).
	IDs []string
}

// Match reports whether d passes f.
func (f DeadLetterFilter) Match(d StoredDeadLetter) bool {
	if !f.Since.IsZero() && d.At.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !d.At.Before(f.Until) {
		return false
	}
	if f.Stage != "" && d.Stage != f.Stage {
		return false
	}
	if f.ErrorContains != "" && !strings.Contains(d.Error, f.ErrorContains) {
		return false
	}
	if len(f.IDs) > 0 {
		for _, id := range f.IDs {
			if id == d.ID || id == d.Key {
				return true
			}
		}
		return false
	}
	return true
}

// ReadDeadLetters reads TopicDeadLetter from its start to its end as of
// the call, with a client of its own over opts (no consumer group, so it
// commits nothing and disturbs no stage), and returns the dead letters
// that match f in topic order. A record that is not a dead letter is
// returned with only its ID and the decoding error in Error.
func ReadDeadLetters(ctx context.Context, opts []kgo.Opt, f DeadLetterFilter) ([]StoredDeadLetter, error) {
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to Kafka: %w", err)
	}
	defer cl.Close()
	ends, err := TopicEnds(ctx, cl, TopicDeadLetter)
	if err != nil {
		return nil, err
	}
	parts := map[string]map[int32]kgo.Offset{TopicDeadLetter: {}}
	left := 0
	for p, end := range ends {
		if end > 0 {
			parts[TopicDeadLetter][p] = kgo.NewOffset().AtStart()
			left++
		}
	}
	var out []StoredDeadLetter
	if left == 0 {
		return out, nil
	}
	cl.AddConsumePartitions(parts)
	done := map[int32]bool{}
	for len(done) < left {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", TopicDeadLetter, err)
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return nil, fmt.Errorf("cannot read %s: %w", TopicDeadLetter, ferr)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Offset >= ends[r.Partition] {
				done[r.Partition] = true
				return
			}
			d := StoredDeadLetter{ID: strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10)}
			if err := json.Unmarshal(r.Value, &d.DeadLetter); err != nil {
				d.DeadLetter = DeadLetter{Error: "not a dead letter: " + err.Error(), At: r.Timestamp}
			}
			if r.Offset == ends[r.Partition]-1 {
				done[r.Partition] = true
			}
			if f.Match(d) {
				out = append(out, d)
			}
		})
	}
	return out, nil
}

// TopicEnds returns the end offset (high watermark) of each partition of
// topic, asking each partition's leader.
func TopicEnds(ctx context.Context, cl *kgo.Client, topic string) (map[int32]int64, error) {
	meta := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(topic)
	meta.Topics = append(meta.Topics, mt)
	mresp, err := meta.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("cannot read the metadata of %s: %w", topic, err)
	}
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for _, t := range mresp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return nil, fmt.Errorf("cannot read the metadata of %s: %w", topic, err)
		}
		for _, p := range t.Partitions {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = p.Partition
			rp.Timestamp = -1 // the end
			rt.Partitions = append(rt.Partitions, rp)
		}
	}
	req.Topics = append(req.Topics, rt)
	shards := cl.RequestSharded(ctx, req)
	ends := map[int32]int64{}
	for _, sh := range shards {
		if sh.Err != nil {
			return nil, fmt.Errorf("cannot list the offsets of %s: %w", topic, sh.Err)
		}
		for _, t := range sh.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					return nil, fmt.Errorf("cannot list the offsets of %s/%d: %w", topic, p.Partition, err)
				}
				ends[p.Partition] = p.Offset
			}
		}
	}
	return ends, nil
}

// Replay produces each dead letter's original message (key and value)
// to its original topic again, with HeaderReplayOf set, and returns how
// many it sent. It returns when they are durable. The stages' handlers
// are idempotent, so replaying a message twice stores it once. Counted in
// yuqing_bus_dead_letters_replayed_total.
func (p *Producer) Replay(ctx context.Context, dls ...StoredDeadLetter) (int, error) {
	recs := make([]*kgo.Record, 0, len(dls))
	for _, d := range dls {
		if d.Topic == "" {
			return 0, fmt.Errorf("dead letter %s names no topic to replay into", d.ID)
		}
		recs = append(recs, &kgo.Record{Topic: d.Topic, Key: []byte(d.Key), Value: d.Value,
			Headers: []kgo.RecordHeader{{Key: HeaderReplayOf, Value: []byte(d.ID)}}})
	}
	if len(recs) == 0 {
		return 0, nil
	}
	res := p.cl.ProduceSync(ctx, recs...)
	var errs []error
	n := 0
	for _, r := range res {
		if r.Err != nil {
			p.m.produceFailures.WithLabelValues(r.Record.Topic).Inc()
			errs = append(errs, fmt.Errorf("cannot replay %s into %s: %w", r.Record.Headers[0].Value, r.Record.Topic, r.Err))
			continue
		}
		n++
		p.m.produced.WithLabelValues(r.Record.Topic).Inc()
		p.m.replayed.WithLabelValues(r.Record.Topic).Inc()
	}
	return n, errors.Join(errs...)
}
