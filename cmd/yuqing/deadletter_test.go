package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
)

// TestDeadletterCommand lists, shows and replays dead letters of a running
// embedded broker through the command line, with its filters.
func TestDeadletterCommand(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	b, err := bus.StartBroker(config.EmbeddedKafka{Listen: addr, Retention: time.Hour}, 1, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	opts := []kgo.Opt{kgo.SeedBrokers(b.Addr())}
	prod, err := bus.NewProducer(opts, bus.NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	if err := bus.EnsureTopics(ctx, prod.Client(), 1, 1, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	for _, dl := range []bus.DeadLetter{
		{Topic: bus.TopicDocs, Key: "doc-a", Value: []byte(`{"id":"doc-a"}`), Error: "post doc-a fails validation", Stage: "yuqing-analyzer", Attempts: 1, At: at},
		{Topic: bus.TopicPosts, Key: "post-b", Value: []byte(`{"id":"post-b"}`), Error: "cannot decode post", Stage: "yuqing-responder", Attempts: 1, At: at.Add(48 * time.Hour)},
	} {
		v, _ := json.Marshal(dl)
		if err := prod.Produce(ctx, bus.TopicDeadLetter, bus.Record{Key: dl.Key, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		// Flags go before the IDs.
		full := append([]string{args[0], args[1], "-broker-listen", b.Addr()}, args[2:]...)
		code := run(full, &out, &errb)
		return out.String(), errb.String(), code
	}
	out, stderr, code := cli("deadletter", "list")
	if code != 0 || !strings.Contains(out, "0/0") || !strings.Contains(out, "doc-a") || !strings.Contains(out, "post-b") {
		t.Fatalf("list = %d\n%s%s", code, out, stderr)
	}
	t.Logf("list:\n%s", out)
	for _, tc := range []struct {
		args []string
		want string
		not  string
	}{
		{[]string{"-stage", "yuqing-responder"}, "post-b", "doc-a"},
		{[]string{"-error", "validation"}, "doc-a", "post-b"},
		{[]string{"-since", "2026-12-02"}, "post-b", "doc-a"},
		{[]string{"-until", "2026-12-02T00:00:00Z"}, "doc-a", "post-b"},
	} {
		out, stderr, code := cli(append([]string{"deadletter", "list"}, tc.args...)...)
		if code != 0 || !strings.Contains(out, tc.want) || strings.Contains(out, tc.not) {
			t.Errorf("list %v = %d\n%s%s; want %s, not %s", tc.args, code, out, stderr, tc.want, tc.not)
		}
	}
	// show prints the original message whole; "0/0" is the ID, doc-a the key.
	out, _, code = cli("deadletter", "show", "0/0")
	if code != 0 || !strings.Contains(out, `"id": "doc-a"`) || !strings.Contains(out, `"stage": "yuqing-analyzer"`) || strings.Contains(out, "post-b") {
		t.Errorf("show 0/0 = %d\n%s", code, out)
	}
	if _, _, code := cli("deadletter", "replay"); code != 2 {
		t.Errorf("replay without IDs, filter or -all exited %d, want 2", code)
	}
	out, stderr, code = cli("deadletter", "replay", "doc-a")
	if code != 0 || !strings.Contains(out, "replayed 1 of 1") {
		t.Fatalf("replay doc-a = %d\n%s%s", code, out, stderr)
	}
	// The original message is back on its topic, marked as a replay.
	cl, err := kgo.NewClient(append(opts, kgo.ConsumeTopics(bus.TopicDocs), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got []*kgo.Record
	for len(got) == 0 && pctx.Err() == nil {
		got = append(got, cl.PollFetches(pctx).Records()...)
	}
	if len(got) != 1 || string(got[0].Key) != "doc-a" || string(got[0].Value) != `{"id":"doc-a"}` ||
		len(got[0].Headers) != 1 || got[0].Headers[0].Key != bus.HeaderReplayOf || string(got[0].Headers[0].Value) != "0/0" {
		t.Errorf("replayed records = %+v, want doc-a's message marked as a replay of 0/0", got)
	}
}
