package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// recordingPublisher records what is published, checking against the
// store that every post it gets is stored already.
type recordingPublisher struct {
	st   *sqlite.Store
	mu   sync.Mutex
	ids  []string
	fail func(call int) error
	call int
	errs []error
}

func (p *recordingPublisher) PublishPosts(ctx context.Context, posts ...model.Post) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call++
	if p.fail != nil {
		if err := p.fail(p.call); err != nil {
			return err
		}
	}
	for _, post := range posts {
		if _, err := p.st.GetPost(ctx, post.ID); err != nil {
			p.errs = append(p.errs, fmt.Errorf("post %s published before it was stored: %w", post.ID, err))
		}
		p.ids = append(p.ids, post.ID)
	}
	return nil
}

func stageMessages(t *testing.T, n int) ([]bus.Message, []model.Document) {
	t.Helper()
	msgs := make([]bus.Message, n)
	docs := make([]model.Document, n)
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	for i := range msgs {
		url := fmt.Sprintf("http://stage.example/%d.html", i)
		d := model.Document{ID: model.DocumentID(url), Version: 1, URL: url, SourceID: "s", SourceName: "测试",
			SourceKind: model.KindNews, Authority: model.TierLocal, Title: fmt.Sprintf("第%d条 道路改造", i),
			Body: strings.Repeat("市政府召开会议，部署城市道路改造。", 3), PublishedAt: now, FetchedAt: now}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = bus.Message{Topic: bus.TopicDocs, Offset: int64(i), Value: b}
		docs[i] = d
	}
	return msgs, docs
}

// TestStagePipelinesChunks: a batch larger than a chunk is stored and
// published completely, in order, every chunk stored before it is
// published; a publish failure in the middle fails the batch, stops later
// chunks and a redelivery completes it without duplicates in the store.
func TestStagePipelinesChunks(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "yuqing.db"), nil, nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	msgs, docs := stageMessages(t, 23)
	pub := &recordingPublisher{st: st}
	s := NewStage(testAnalyzer(t), st, pub, 2)
	var ids []string
	for _, p := range s.AnalyzeAll(docs) {
		ids = append(ids, p.ID)
	}
	s.SetChunkSize(4)

	pub.fail = func(call int) error {
		if call == 3 {
			return errors.New("broker unavailable")
		}
		return nil
	}
	err = s.Handle(ctx, msgs)
	if err == nil || !strings.Contains(err.Error(), "broker unavailable") {
		t.Fatalf("Handle with a failing publish = %v; want the publish error", err)
	}
	if got := len(pub.ids); got != 8 {
		t.Errorf("published %d posts before the failure; want the 2 chunks of 4 before it", got)
	}
	// At most inFlightChunks chunks are admitted past the failure, so the
	// store holds no more than that many chunks beyond the published ones.
	n, err := st.CountPosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if max := int64(8 + inFlightChunks*4); n > max || n < 12 {
		t.Errorf("%d posts stored after a publish failure at chunk 3; want 12 to %d (bounded in-flight)", n, max)
	}

	pub.fail, pub.ids = nil, nil
	if err := s.Handle(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	if strings.Join(pub.ids, ",") != strings.Join(ids, ",") {
		t.Errorf("published %v; want %v in order", pub.ids, ids)
	}
	for _, e := range pub.errs {
		t.Error(e)
	}
	if n, err := st.CountPosts(ctx); err != nil || n != int64(len(ids)) {
		t.Errorf("CountPosts = %d, %v; want %d", n, err, len(ids))
	}
}
