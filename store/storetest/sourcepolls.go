package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// RunSourcePolls runs the tests of store.SourcePolls.
func RunSourcePolls(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"Status", testSourceStatus},
		{"RefusesInvalid", testSourcePollsRefuseInvalid},
	})
}

// NewPoll returns the record of a poll of source d after the suite's base
// time; a non-empty problem makes it a failed poll.
func NewPoll(source string, d time.Duration, docs, robots int, problem string) model.SourcePoll {
	p := model.SourcePoll{ID: source + "-" + d.String(), SourceID: source, At: at(d), Result: model.PollOK,
		Documents: docs, Fetched: docs + 1, RobotsRefused: robots}
	if problem != "" {
		p.Result, p.Problem, p.Error = model.PollFetchError, problem, "cannot fetch list page: HTTP 503 「服务不可用」"
	}
	return p
}

// testSourceStatus checks each source's latest poll (whenever it was), its
// latest failure in the window, and the counts in the window, each record
// counted once when appended twice.
func testSourceStatus(t *testing.T, s store.Store) {
	ctx := context.Background()
	if st, err := s.SourceStatus(ctx, at(0)); err != nil || len(st) != 0 {
		t.Fatalf("empty status = %+v, %v", st, err)
	}
	old := NewPoll("gov", -48*time.Hour, 9, 9, model.ProblemTimeout) // before the window
	e1 := NewPoll("gov", time.Hour, 0, 0, model.ProblemHTTP)
	ok1 := NewPoll("gov", 2*time.Hour, 3, 1, "")
	e2 := NewPoll("gov", 3*time.Hour, 0, 2, model.ProblemDNS)
	ok2 := NewPoll("gov", 4*time.Hour, 2, 0, "")
	only := NewPoll("bbs", -72*time.Hour, 5, 0, "")
	polls := []model.SourcePoll{old, e1, ok1, e2, ok2, only}
	if err := s.AppendSourcePolls(ctx, polls); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendSourcePolls(ctx, []model.SourcePoll{ok1, e2}); err != nil { // a retry
		t.Fatal(err)
	}
	st, err := s.SourceStatus(ctx, at(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].SourceID != "bbs" || st[1].SourceID != "gov" {
		t.Fatalf("status = %+v, want bbs and gov", st)
	}
	bbs, gov := st[0], st[1]
	if bbs.Last.ID != only.ID || !bbs.Last.At.Equal(only.At) || bbs.Polls != 0 || bbs.Errors != 0 || !bbs.LastError.At.IsZero() {
		t.Errorf("bbs = %+v; want its old poll as the latest and nothing in the window", bbs)
	}
	if gov.Last.ID != ok2.ID || gov.Last.Result != model.PollOK || gov.Last.Documents != 2 || gov.Last.Fetched != 3 {
		t.Errorf("gov's latest = %+v, want %+v", gov.Last, ok2)
	}
	if le := gov.LastError; le.ID != e2.ID || le.Problem != model.ProblemDNS || le.Error != e2.Error || le.RobotsRefused != 2 || !le.At.Equal(e2.At) {
		t.Errorf("gov's latest error = %+v, want %+v", le, e2)
	}
	if gov.Polls != 4 || gov.Errors != 2 || gov.RobotsRefused != 3 || gov.Documents != 5 {
		t.Errorf("gov's counts = %d polls, %d errors, %d robots, %d documents; want 4, 2, 3, 5", gov.Polls, gov.Errors, gov.RobotsRefused, gov.Documents)
	}
	// A window after the errors: no latest error, the counts of ok2 only.
	st, err = s.SourceStatus(ctx, at(3*time.Hour+time.Minute))
	if err != nil || len(st) != 2 {
		t.Fatalf("later status = %+v, %v", st, err)
	}
	if g := st[1]; !g.LastError.At.IsZero() || g.Polls != 1 || g.Errors != 0 || g.Documents != 2 {
		t.Errorf("gov later = %+v", g)
	}
}

// testSourcePollsRefuseInvalid checks a batch with an invalid record is
// refused whole.
func testSourcePollsRefuseInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	good := NewPoll("gov", 0, 1, 0, "")
	bad := NewPoll("gov", time.Minute, 1, 0, "")
	bad.Result = "fine"
	if err := s.AppendSourcePolls(ctx, []model.SourcePoll{good, bad}); err == nil {
		t.Fatal("a batch with an invalid result was stored")
	}
	if st, err := s.SourceStatus(ctx, at(-time.Hour)); err != nil || len(st) != 0 {
		t.Errorf("after the refused batch: %+v, %v", st, err)
	}
}
