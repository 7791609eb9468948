package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/model"
)

// Producer produces messages synchronously: a call returns only after every
// record is acknowledged by all in-sync replicas (acks=all, idempotent
// writes), so a nil error means the messages are durable on the bus. It never
// produces asynchronously. It is safe for concurrent use.
type Producer struct {
	cl *kgo.Client
	m  *Metrics
}

// NewProducer connects a producer with the given client options.
func NewProducer(opts []kgo.Opt, m *Metrics) (*Producer, error) {
	opts = append(opts,
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(2*time.Millisecond),
		kgo.RecordDeliveryTimeout(60*time.Second),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create Kafka producer: %w", err)
	}
	for _, topic := range []string{TopicDocs, TopicPosts, TopicDeadLetter} {
		m.produceFailures.WithLabelValues(topic)
	}
	return &Producer{cl: cl, m: m}, nil
}

// Client returns the underlying client (for topic administration).
func (p *Producer) Client() *kgo.Client { return p.cl }

// Record is one message to produce.
type Record struct {
	Key   string
	Value []byte
}

// Produce sends records to topic and waits until all are acknowledged. On
// error some records may have been written: callers retry the whole call,
// and consumers are idempotent by message ID, so a retry never duplicates.
func (p *Producer) Produce(ctx context.Context, topic string, recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: topic, Key: []byte(r.Key), Value: r.Value}
	}
	start := time.Now()
	results := p.cl.ProduceSync(ctx, krs...)
	p.m.produceSeconds.WithLabelValues(topic).Observe(time.Since(start).Seconds())
	var failed int
	var first error
	for _, r := range results {
		if r.Err != nil {
			failed++
			if first == nil {
				first = r.Err
			}
		}
	}
	p.m.produced.WithLabelValues(topic).Add(float64(len(recs) - failed))
	if failed > 0 {
		p.m.produceFailures.WithLabelValues(topic).Add(float64(failed))
		return fmt.Errorf("cannot produce %d of %d messages to %s: %w", failed, len(recs), topic, first)
	}
	return nil
}

// Publish produces documents to TopicDocs keyed by document ID. It satisfies
// the crawler's Publisher contract.
func (p *Producer) Publish(ctx context.Context, docs ...model.Document) error {
	recs := make([]Record, len(docs))
	for i := range docs {
		docs[i].Schema = SchemaVersion
		b, err := json.Marshal(docs[i])
		if err != nil {
			return fmt.Errorf("cannot encode document %q: %w", docs[i].ID, err)
		}
		recs[i] = Record{Key: docs[i].ID, Value: b}
	}
	return p.Produce(ctx, TopicDocs, recs...)
}

// PublishPosts produces posts to TopicPosts keyed by post ID.
func (p *Producer) PublishPosts(ctx context.Context, posts ...model.Post) error {
	recs := make([]Record, len(posts))
	for i := range posts {
		posts[i].Schema = SchemaVersion
		b, err := json.Marshal(posts[i])
		if err != nil {
			return fmt.Errorf("cannot encode post %q: %w", posts[i].ID, err)
		}
		recs[i] = Record{Key: posts[i].ID, Value: b}
	}
	return p.Produce(ctx, TopicPosts, recs...)
}

// PublishRequests produces people's requests to TopicRequests keyed by
// incident ID; it returns once they are durable (acks=all).
func (p *Producer) PublishRequests(ctx context.Context, reqs ...Request) error {
	recs := make([]Record, len(reqs))
	for i := range reqs {
		reqs[i].Schema = SchemaVersion
		b, err := json.Marshal(reqs[i])
		if err != nil {
			return fmt.Errorf("cannot encode request %q: %w", reqs[i].ID, err)
		}
		recs[i] = Record{Key: reqs[i].IncidentID, Value: b}
	}
	return p.Produce(ctx, TopicRequests, recs...)
}

// Close flushes nothing (every call is synchronous) and closes the client.
func (p *Producer) Close() { p.cl.Close() }
