package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"github.com/yuqing-project/yuqing/model"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type env struct {
	t      *testing.T
	dir    string
	addr   string
	broker *Broker
	m      *Metrics
	prod   *Producer
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, dir: t.TempDir(), addr: freeAddr(t), m: NewMetrics(prometheus.NewRegistry())}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *env) start() {
	b, err := StartBroker(config.EmbeddedKafka{Listen: e.addr, Retention: time.Hour}, 2, e.dir, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.broker = b
	p, err := NewProducer([]kgo.Opt{kgo.SeedBrokers(b.Addr())}, e.m)
	if err != nil {
		e.t.Fatal(err)
	}
	e.prod = p
}

func (e *env) stop() {
	if e.prod != nil {
		e.prod.Close()
		e.prod = nil
	}
	if e.broker != nil {
		e.broker.Close()
		e.broker = nil
	}
}

func (e *env) consumer(group string, attempts int) *Consumer {
	c, err := NewConsumer(ConsumerConfig{Group: group, Topics: []string{TopicDocs}, MaxAttempts: attempts,
		RetryBackoff: 10 * time.Millisecond, BatchSize: 16},
		[]kgo.Opt{kgo.SeedBrokers(e.broker.Addr())}, e.prod, e.m, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func docs(n int, prefix string) []model.Document {
	out := make([]model.Document, n)
	for i := range out {
		out[i] = model.Document{ID: fmt.Sprintf("%s-%03d", prefix, i), Title: "标题", Body: "正文"}
	}
	return out
}

// collect runs c until want distinct IDs were handled (or timeout), then stops it.
func collect(t *testing.T, c *Consumer, want int, h func(model.Document) error) map[string]int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(_ context.Context, msgs []Message) error {
			batch := make([]model.Document, 0, len(msgs))
			for _, m := range msgs {
				var d model.Document
				if err := json.Unmarshal(m.Value, &d); err != nil {
					return Permanent(fmt.Errorf("cannot decode message at offset %d: %w", m.Offset, err))
				}
				if h != nil {
					if err := h(d); err != nil {
						return err
					}
				}
				batch = append(batch, d)
			}
			mu.Lock()
			for _, d := range batch {
				seen[d.ID]++
			}
			mu.Unlock()
			return nil
		})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= want {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("consumer run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return seen
}

func TestProduceConsumeCommitAndRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.prod.Publish(ctx, docs(50, "a")...); err != nil {
		t.Fatal(err)
	}
	seen := collect(t, e.consumer("g1", 3), 50, nil)
	if len(seen) != 50 {
		t.Fatalf("handled %d distinct documents, want 50", len(seen))
	}
	// Restart the broker from its data dir: the log and the group's
	// committed offsets survive, so the group sees only the new messages.
	e.stop()
	e.start()
	if err := e.prod.Publish(ctx, docs(10, "b")...); err != nil {
		t.Fatal(err)
	}
	seen = collect(t, e.consumer("g1", 3), 10, nil)
	for id := range seen {
		if id[0] != 'b' {
			t.Errorf("after restart, already committed document %s was delivered again", id)
		}
	}
	if len(seen) != 10 {
		t.Errorf("after restart handled %d new documents, want 10", len(seen))
	}
	// A new group reads the whole persisted log.
	seen = collect(t, e.consumer("g2", 3), 60, nil)
	if len(seen) != 60 {
		t.Errorf("new group handled %d documents, want 60", len(seen))
	}
}

func TestRetryThenDeadLetter(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.prod.Publish(ctx, docs(5, "r")...); err != nil {
		t.Fatal(err)
	}
	// A malformed message goes to the dead-letter topic without retries.
	if err := e.prod.Produce(ctx, TopicDocs, Record{Key: "bad", Value: []byte("{not json")}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	failures := map[string]int{}
	seen := collect(t, e.consumer("g", 3), 4, func(d model.Document) error {
		mu.Lock()
		defer mu.Unlock()
		switch d.ID {
		case "r-001": // fails twice, then succeeds: retried
			if failures[d.ID] < 2 {
				failures[d.ID]++
				return errors.New("transient")
			}
		case "r-003": // fails permanently: dead-lettered at once
			failures[d.ID]++
			return Permanent(errors.New("store rejects it"))
		}
		return nil
	})
	for _, id := range []string{"r-000", "r-001", "r-002", "r-004"} {
		if seen[id] == 0 {
			t.Errorf("document %s was not handled", id)
		}
	}
	if seen["r-003"] != 0 {
		t.Errorf("always-failing document was reported handled")
	}
	if got := testutil.ToFloat64(e.m.deadLetters.WithLabelValues("g")); got != 2 {
		t.Errorf("dead letters = %v, want 2 (the malformed message and r-003)", got)
	}
	if got := testutil.ToFloat64(e.m.retries.WithLabelValues("g")); got < 2 {
		t.Errorf("retries = %v, want at least 2", got)
	}
	// The dead letters are on their topic with the cause.
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.broker.Addr()), kgo.ConsumeTopics(TopicDeadLetter),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var dls []DeadLetter
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(dls) < 2 && pctx.Err() == nil {
		cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) {
			var dl DeadLetter
			if err := json.Unmarshal(r.Value, &dl); err != nil {
				t.Errorf("dead letter is not JSON: %v", err)
			}
			dls = append(dls, dl)
		})
	}
	if len(dls) != 2 {
		t.Fatalf("found %d dead letters on %s, want 2", len(dls), TopicDeadLetter)
	}
	byKey := map[string]DeadLetter{}
	for _, dl := range dls {
		byKey[dl.Key] = dl
	}
	if dl := byKey["bad"]; dl.Error == "" || string(dl.Value) != "{not json" || dl.Topic != TopicDocs {
		t.Errorf("dead letter of the malformed message = %+v, want its value and error", dl)
	}
	if dl := byKey["r-003"]; dl.Error != "store rejects it" || dl.Stage != "g" || dl.Attempts != 1 {
		t.Errorf("dead letter of r-003 = %+v, want the handler's error and the group", dl)
	}
}

func TestUncommittedBatchIsRedelivered(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.prod.Publish(ctx, docs(3, "u")...); err != nil {
		t.Fatal(err)
	}
	// The handler never succeeds and shutdown comes during the retries: the
	// batch must not be committed, so the next member gets it again.
	c := e.consumer("g", 1000)
	rctx, cancel := context.WithCancel(ctx)
	started := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- c.Run(rctx, func(context.Context, []Message) error {
			select {
			case started <- struct{}{}:
			default:
			}
			return errors.New("store down")
		})
	}()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	seen := collect(t, e.consumer("g", 3), 3, nil)
	if len(seen) != 3 {
		t.Fatalf("redelivered %d documents, want 3", len(seen))
	}
}

// TestKcatSeesTopics checks wire compatibility with an independent client:
// Debian's kcat (librdkafka) lists the pipeline's topics on the embedded
// broker, produces to it and consumes back.
func TestKcatSeesTopics(t *testing.T) {
	kcat := testenv.LookPath(t, "kcat", "kcat", "kafkacat")
	e := newEnv(t)
	out, err := exec.Command(kcat, "-b", e.broker.Addr(), "-L", "-m", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -L: %v\n%s", err, out)
	}
	for _, topic := range []string{TopicDocs, TopicPosts, TopicDeadLetter} {
		if !strings.Contains(string(out), `topic "`+topic+`"`) {
			t.Errorf("kcat -L does not list %s:\n%s", topic, out)
		}
	}
	produce := exec.Command(kcat, "-b", e.broker.Addr(), "-P", "-t", TopicDocs, "-K", ":", "-X", "acks=all")
	produce.Stdin = strings.NewReader(`k1:{"id":"k1","title":"来自kcat的消息"}` + "\n")
	if out, err := produce.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	seen := collect(t, e.consumer("kcat-check", 1), 1, nil)
	if seen["k1"] != 1 {
		t.Fatalf("message produced by kcat was not consumed: %v", seen)
	}
	out, err = exec.Command(kcat, "-b", e.broker.Addr(), "-C", "-t", TopicDocs, "-o", "beginning", "-e", "-q", "-f", "%k\n").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -C: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "k1") {
		t.Errorf("kcat -C did not read the message back: %q", out)
	}
}

// TestCoAssignGivesBothTopicsToOneMember: two members of a group that
// consumes the posts and the requests (one partition each) with CoAssign:
// whichever member is active holds both, so one responder sees both
// streams; when it leaves, the other takes both over.
func TestCoAssignGivesBothTopicsToOneMember(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := EnsureTopics(ctx, e.prod.Client(), 2, 1, nil); err != nil {
		t.Fatal(err)
	}
	type got struct {
		member string
		topic  string
	}
	seen := make(chan got, 64)
	member := func(name string) (*Consumer, context.CancelFunc, chan error) {
		c, err := NewConsumer(ConsumerConfig{Group: "co", Topics: []string{TopicPosts, TopicRequests}, MaxAttempts: 1,
			BatchSize: 16, CoAssign: true}, []kgo.Opt{kgo.SeedBrokers(e.broker.Addr())}, e.prod, e.m, nil)
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- c.Run(cctx, func(_ context.Context, msgs []Message) error {
				for _, m := range msgs {
					seen <- got{name, m.Topic}
				}
				return nil
			})
		}()
		return c, cancel, done
	}
	_, cancelA, doneA := member("a")
	_, cancelB, doneB := member("b")
	defer cancelB()
	// Both members are in the group before anything is produced: a
	// rebalance splitting the topics would show in the first messages.
	waitMembers(t, e.prod.Client(), "co", 2)
	produce := func(n int) {
		for i := 0; i < n; i++ {
			if err := e.prod.PublishPosts(ctx, model.Post{Document: model.Document{ID: fmt.Sprintf("p%d-%d", n, i)}}); err != nil {
				t.Fatal(err)
			}
			if err := e.prod.PublishRequests(ctx, Request{HistoryEntry: model.HistoryEntry{ID: fmt.Sprintf("r%d-%d", n, i), IncidentID: "INC"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	collectN := func(n int) map[string]map[string]int {
		by := map[string]map[string]int{}
		deadline := time.After(30 * time.Second)
		for i := 0; i < n; i++ {
			select {
			case g := <-seen:
				if by[g.member] == nil {
					by[g.member] = map[string]int{}
				}
				by[g.member][g.topic]++
			case <-deadline:
				t.Fatalf("got %d of %d messages: %v", i, n, by)
			}
		}
		return by
	}
	produce(3)
	first := collectN(6)
	if len(first) != 1 {
		t.Fatalf("the two topics went to different members: %v", first)
	}
	var active string
	for m := range first {
		active = m
	}
	// The active member leaves; the other takes over both topics.
	if active == "a" {
		cancelA()
		<-doneA
	} else {
		cancelB()
		<-doneB
	}
	produce(4)
	second := collectN(8)
	if len(second) != 1 || second[active] != nil {
		t.Fatalf("after %s left, the messages went to %v", active, second)
	}
	if active != "a" {
		cancelA()
	}
}

// waitMembers waits until group has n members in a stable state.
func waitMembers(t *testing.T, cl *kgo.Client, group string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		req := kmsg.NewPtrDescribeGroupsRequest()
		req.Groups = []string{group}
		resp, err := req.RequestWith(context.Background(), cl)
		if err == nil && len(resp.Groups) == 1 && resp.Groups[0].State == "Stable" && len(resp.Groups[0].Members) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s did not reach %d stable members: %v %+v", group, n, err, resp)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTransientFailureNeverDeadLetters: while the handler fails
// transiently (its store is down), the consumer retries for as long as it
// takes, reports not ready with the reason, and dead-letters nothing;
// once the store is back every message is handled.
func TestTransientFailureNeverDeadLetters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.prod.Publish(ctx, docs(40, "t")...); err != nil {
		t.Fatal(err)
	}
	c := e.consumer("tg", 2)
	var down atomic.Bool
	down.Store(true)
	var notReady atomic.Value
	go func() {
		// The outage lasts until the consumer has reported not ready,
		// and at least 1.5 s: far beyond the old retry budget.
		start := time.Now()
		for {
			if err := c.Ready(ctx); err != nil {
				notReady.Store(err.Error())
				if time.Since(start) > 1500*time.Millisecond {
					down.Store(false)
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	seen := collect(t, c, 40, func(model.Document) error {
		if down.Load() {
			return fmt.Errorf("cannot store: %w", context.DeadlineExceeded)
		}
		return nil
	})
	if len(seen) != 40 {
		t.Errorf("handled %d distinct documents, want 40", len(seen))
	}
	why, _ := notReady.Load().(string)
	if !strings.Contains(why, "tg") || !strings.Contains(why, "deadline exceeded") {
		t.Errorf("not-ready reason during the outage = %q, want the group and the cause", why)
	}
	if err := c.Ready(ctx); err != nil {
		t.Errorf("after recovery Ready = %v, want nil", err)
	}
	if got := testutil.ToFloat64(e.m.deadLetters.WithLabelValues("tg")); got != 0 {
		t.Errorf("dead letters = %v, want 0: a transient failure never dead-letters", got)
	}
	if got := testutil.ToFloat64(e.m.transient.WithLabelValues("tg")); got < 2 {
		t.Errorf("transient failures counted = %v, want at least 2", got)
	}
	fmt.Printf("transient outage: handled %d, dead-lettered %v, transient failures %v\n", len(seen),
		testutil.ToFloat64(e.m.deadLetters.WithLabelValues("tg")), testutil.ToFloat64(e.m.transient.WithLabelValues("tg")))
}
