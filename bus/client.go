package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/yuqing-project/yuqing/config"
)

// ClientOptions turns the Kafka config into franz-go client options for the
// given seed brokers: client ID, TLS and SASL.
func ClientOptions(cfg config.KafkaConfig, brokers []string) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(cfg.ClientID),
	}
	tc, err := cfg.TLS.ClientConfig()
	if err != nil {
		return nil, err
	}
	if tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	switch cfg.SASL.Mechanism {
	case "":
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: cfg.SASL.Username, Pass: cfg.SASL.Password}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: cfg.SASL.Username, Pass: cfg.SASL.Password}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: cfg.SASL.Username, Pass: cfg.SASL.Password}.AsSha512Mechanism()))
	default:
		return nil, fmt.Errorf("unknown SASL mechanism %q", cfg.SASL.Mechanism)
	}
	return opts, nil
}

// PostsPartitions is the partition count of TopicPosts. It is one on
// purpose: the responder is stateful and runs active/standby, so one member
// of its group holds the one partition and sees every post in order; a
// standby takes over on failover. The analyzer, where the CPU goes, scales
// with the partitions of TopicDocs instead.
const PostsPartitions = 1

// RequestsPartitions is the partition count of TopicRequests, one for the
// same reason: the active responder applies people's requests in the
// order they were made. It consumes them in the group that consumes the
// posts, whose range balancer gives partition 0 of both topics to the same
// member (ConsumerConfig.CoAssign).
const RequestsPartitions = 1

// EnsureTopics creates the pipeline's topics when they are missing. Topics
// that exist are left as they are.
func EnsureTopics(ctx context.Context, cl *kgo.Client, partitions int32, replication int16, log *slog.Logger) error {
	return createTopics(ctx, cl, []topicSpec{{TopicDocs, partitions, nil}, {TopicPosts, PostsPartitions, nil}, {TopicDeadLetter, 1, nil},
		{TopicRequests, RequestsPartitions, nil}},
		replication, log)
}

// topicSpec is a topic to create: name, partitions and topic configs.
type topicSpec struct {
	name       string
	partitions int32
	configs    map[string]string
}

// createTopics creates the topics that are missing; existing ones are left
// as they are.
func createTopics(ctx context.Context, cl *kgo.Client, topics []topicSpec, replication int16, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	for _, t := range topics {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic = t.name
		rt.NumPartitions = t.partitions
		rt.ReplicationFactor = replication
		for k, v := range t.configs {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = k, kmsg.StringPtr(v)
			rt.Configs = append(rt.Configs, c)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("cannot create topics: %w", err)
	}
	for _, t := range resp.Topics {
		err := kerr.ErrorForCode(t.ErrorCode)
		switch {
		case err == nil:
			log.Info("created topic", "topic", t.Topic, "partitions", t.NumPartitions)
		case errors.Is(err, kerr.TopicAlreadyExists):
		default:
			return fmt.Errorf("cannot create topic %q: %w", t.Topic, err)
		}
	}
	return nil
}
