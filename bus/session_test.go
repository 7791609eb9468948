package bus

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// cutDialer dials the broker until cut; then it closes every connection it
// made and refuses new ones, so its client goes silent as a killed process
// does: no heartbeat, no LeaveGroup.
type cutDialer struct {
	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func (d *cutDialer) dial(ctx context.Context, network, host string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut {
		return nil, errors.New("cut off")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, host)
	if err == nil {
		d.conns = append(d.conns, c)
	}
	return c, err
}

func (d *cutDialer) cutOff() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cut = true
	for _, c := range d.conns {
		c.Close()
	}
}

// TestSessionTimeoutHandsOverASilentMember: a member that goes silent
// (killed: no heartbeat, no leave) loses its partitions after the
// configured session timeout, not the client's default 45s, and the other
// member then handles every message.
func TestSessionTimeoutHandsOverASilentMember(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := EnsureTopics(ctx, e.prod.Client(), 2, 1, nil); err != nil {
		t.Fatal(err)
	}
	const session = 6 * time.Second // Kafka's and the embedded broker's least
	member := func(opts ...kgo.Opt) (*Consumer, context.CancelFunc, <-chan string, <-chan error) {
		c, err := NewConsumer(ConsumerConfig{Group: "silent", Topics: []string{TopicDocs}, MaxAttempts: 1, BatchSize: 16,
			SessionTimeout: session, HeartbeatInterval: 500 * time.Millisecond},
			append([]kgo.Opt{kgo.SeedBrokers(e.broker.Addr())}, opts...), e.prod, e.m, nil)
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		ids := make(chan string, 64)
		done := make(chan error, 1)
		go func() {
			done <- c.Run(cctx, func(_ context.Context, msgs []Message) error {
				for _, m := range msgs {
					ids <- string(m.Key)
				}
				return nil
			})
		}()
		return c, cancel, ids, done
	}
	var d cutDialer
	_, cancelA, _, doneA := member(kgo.Dialer(d.dial), kgo.RetryTimeout(time.Second))
	waitMembers(t, e.prod.Client(), "silent", 1)
	_, cancelB, idsB, doneB := member()
	defer func() { cancelB(); <-doneB }()
	waitMembers(t, e.prod.Client(), "silent", 2)

	d.cutOff()
	cut := time.Now()
	if err := e.prod.Publish(ctx, docs(20, "after-cut")...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	deadline := time.After(25 * time.Second) // well under the 45s default
	for len(seen) < 20 {
		select {
		case id := <-idsB:
			seen[id] = true
		case <-deadline:
			t.Fatalf("%s after member A went silent, B handled %d of 20 documents: A kept its partitions", time.Since(cut).Round(time.Second), len(seen))
		}
	}
	if took := time.Since(cut); took < session-time.Second {
		t.Errorf("B had every document %s after the cut, before the %s session timeout: was A's partition ever A's?", took, session)
	}
	t.Logf("B took over %s after A went silent", time.Since(cut).Round(100*time.Millisecond))
	cancelA()
	select {
	case <-doneA:
	case <-time.After(20 * time.Second):
		t.Error("the silent member did not stop")
	}
}
