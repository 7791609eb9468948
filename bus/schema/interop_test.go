package schema_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/bus/schema"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/internal/app"
	"github.com/yuqing-project/yuqing/model"
)

// compile loads the schema files and compiles name.
func compile(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range []string{"document.v1.json", "post.v1.json"} {
		raw, err := schema.FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.AddResource("https://yuqing.example/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("https://yuqing.example/schema/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, raw []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// TestSchemasRejectWhatTheyMust keeps the schemas from being vacuous: a
// document without an id, a post whose sentiment label is unknown or
// whose simhash is a number are refused.
func TestSchemasRejectWhatTheyMust(t *testing.T) {
	docSchema, postSchema := compile(t, "document.v1.json"), compile(t, "post.v1.json")
	doc := testDocs(1)[0]
	raw, _ := json.Marshal(doc)
	if err := validate(t, docSchema, raw); err != nil {
		t.Fatalf("a valid document is refused: %v", err)
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	delete(m, "id")
	raw, _ = json.Marshal(m)
	if validate(t, docSchema, raw) == nil {
		t.Error("a document without an id passes")
	}
	post := model.Post{Document: doc, AnalyzedAt: time.Now(), Sentiment: model.Sentiment{Label: "angry"}}
	post.Schema = bus.SchemaVersion
	raw, _ = json.Marshal(post)
	if validate(t, postSchema, raw) == nil {
		t.Error("a post with sentiment label \"angry\" passes")
	}
	post.Sentiment.Label = model.Negative
	raw, _ = json.Marshal(post)
	if err := validate(t, postSchema, raw); err != nil {
		t.Errorf("a valid post is refused: %v", err)
	}
	raw = bytes.Replace(raw, []byte(`"simhash":"0"`), []byte(`"simhash":0`), 1)
	if validate(t, postSchema, raw) == nil {
		t.Error("a post with a numeric simhash passes")
	}
}

func testDocs(n int) []model.Document {
	now := time.Now().UTC().Truncate(time.Second)
	docs := make([]model.Document, n)
	for i := range docs {
		url := fmt.Sprintf("http://office.example/news/%d.html", i)
		docs[i] = model.Document{Schema: bus.SchemaVersion, ID: model.DocumentID(url), Version: uint64(now.UnixNano()), URL: url,
			SourceID: "office-crawler", SourceName: "某县融媒体中心", SourceKind: model.KindNews, Authority: model.TierLocal,
			Title: fmt.Sprintf("第%d条：县城道路积水严重，市民反映排水不畅", i), Body: strings.Repeat("昨夜暴雨，县城多处道路积水，群众出行困难，相关部门已组织抢排。", 4),
			PublishedAt: now.Add(-time.Hour), PublishedAtSource: "meta", FetchedAt: now}
	}
	return docs
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestKafkaGoInterop: an office's tools built on segmentio/kafka-go talk
// to yuqing over the wire. A kafka-go producer writes documents (checked
// against document.v1.json) to yuqing.docs.v1; the yuqing analyzer
// analyses them; a kafka-go consumer group reads every post from
// yuqing.posts.v1, each checked against post.v1.json and matched to its
// document, and commits its offsets, which a second reader of the group
// then starts from. Against the embedded broker and a 3-broker cluster.
func TestKafkaGoInterop(t *testing.T) {
	t.Run("embedded broker", func(t *testing.T) {
		addr := freeAddr(t)
		interop(t, []string{addr}, func(c *config.Config) { c.Kafka.Embedded.Listen = addr })
	})
	t.Run("3-broker cluster", func(t *testing.T) {
		cl, err := kfake.NewCluster(kfake.NumBrokers(3),
			kfake.SeedTopics(4, bus.TopicDocs), kfake.SeedTopics(bus.PostsPartitions, bus.TopicPosts),
			kfake.SeedTopics(1, bus.TopicDeadLetter), kfake.SeedTopics(bus.RequestsPartitions, bus.TopicRequests))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		addrs := cl.ListenAddrs()
		interop(t, addrs, func(c *config.Config) { c.Kafka.Brokers = addrs })
	})
}

func interop(t *testing.T, brokers []string, adjust func(*config.Config)) {
	docSchema, postSchema := compile(t, "document.v1.json"), compile(t, "post.v1.json")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "yuqing.yaml")
	if err := os.WriteFile(cfgPath, []byte("data_dir: "+filepath.Join(dir, "data")+"\ndemo:\n  enabled: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := app.LoadConfig(cfgPath, func(c *config.Config) {
		c.HTTP.Listen = freeAddr(t)
		adjust(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(cfg, []string{app.Analyzer}, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("yuqing: %v", err)
		}
	}()

	// The office's crawler: a kafka-go producer, keyed by document id,
	// acks from all in-sync replicas.
	docs := testDocs(40)
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: bus.TopicDocs, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
	defer w.Close()
	msgs := make([]kafka.Message, len(docs))
	want := map[string]model.Document{}
	for i, d := range docs {
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, docSchema, raw); err != nil {
			t.Fatalf("the document the office produces does not match document.v1.json: %v", err)
		}
		msgs[i] = kafka.Message{Key: []byte(d.ID), Value: raw}
		want[d.ID] = d
	}
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	for {
		// The analyzer may still be creating topics or joining: retry.
		err := w.WriteMessages(wctx, msgs...)
		if err == nil {
			break
		}
		if wctx.Err() != nil {
			t.Fatalf("kafka-go producer: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The office's dashboard: a kafka-go consumer group on the posts.
	read := func(n int) []kafka.Message {
		t.Helper()
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, GroupID: "office-dashboard", Topic: bus.TopicPosts,
			MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 200 * time.Millisecond, StartOffset: kafka.FirstOffset,
			CommitInterval: 0})
		defer r.Close()
		rctx, rcancel := context.WithTimeout(ctx, 90*time.Second)
		defer rcancel()
		var got []kafka.Message
		for len(got) < n {
			m, err := r.ReadMessage(rctx) // commits the offset (synchronously)
			if err != nil {
				t.Fatalf("kafka-go consumer group after %d posts: %v", len(got), err)
			}
			got = append(got, m)
		}
		return got
	}
	first := read(len(docs) / 2)
	rest := read(len(docs) - len(first)) // a new member continues from the committed offsets
	seen := map[string]bool{}
	for _, m := range append(first, rest...) {
		if err := validate(t, postSchema, m.Value); err != nil {
			t.Errorf("post %s does not match post.v1.json: %v\n%s", m.Key, err, m.Value)
			continue
		}
		var p model.Post
		if err := json.Unmarshal(m.Value, &p); err != nil {
			t.Fatal(err)
		}
		d, ok := want[p.ID]
		if !ok || string(m.Key) != p.ID {
			t.Errorf("post %q (key %q) is not one of the documents produced", p.ID, m.Key)
			continue
		}
		if seen[p.ID] {
			t.Errorf("post %s read twice by one consumer group", p.ID)
		}
		seen[p.ID] = true
		if p.Title != d.Title || p.AnalyzedAt.IsZero() || p.Sentiment.Label == "" || len(p.Keywords) == 0 {
			t.Errorf("post %s is not the analysis of its document: %+v", p.ID, p)
		}
	}
	if len(seen) != len(docs) {
		t.Errorf("read %d distinct posts; want %d", len(seen), len(docs))
	}
}
