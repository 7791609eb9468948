package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// RunBriefs runs the tests of store.Briefs.
func RunBriefs(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"RoundTrip", testBriefRoundTrip},
		{"List", testBriefList},
		{"IssueNumbers", testBriefIssueNumbers},
		{"ConcurrentIssuers", testBriefConcurrentIssuers},
	})
}

// NewBrief returns a signed brief of type typ created at at.
func NewBrief(id string, typ model.BriefType, at time.Time) model.Brief {
	return model.Brief{ID: id, Version: 3, Type: typ, Title: typ.Name(), PeriodStart: at.Add(-24 * time.Hour).UTC(), PeriodEnd: at.UTC(),
		Unit: "中共某县委宣传部", Classification: "内部资料", Copies: 20, ReportTo: []string{"县委书记"},
		State: model.BriefSigned, CreatedAt: at.UTC(), Signer: "李领导", SignedAt: at.Add(time.Hour).UTC(),
		Steps: []model.BriefStep{{At: at.UTC(), Actor: "排班", Action: model.BriefActionGenerate, To: model.BriefDraft}},
		Content: model.BriefContent{Sections: []model.BriefSection{{Title: "一、舆情概况", Blocks: []model.BriefBlock{
			{ID: "overview", Kind: model.BlockText, Text: "共监测到化工园区相关信息36条。"},
			{Kind: model.BlockTable, Table: &model.BriefTable{Header: []string{"指标", "本期"}, Rows: [][]string{{"信息总量", "36"}}}},
		}}}, Figures: map[string]int64{"posts": 36}},
	}
}

var briefT0 = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

func testBriefRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	b := NewBrief("b1", model.BriefDaily, briefT0)
	mustDo(t, s.UpsertBriefs(ctx, []model.Brief{b}))
	got, err := s.GetBrief(ctx, "b1")
	mustDo(t, err)
	if !reflect.DeepEqual(got, b) {
		t.Errorf("brief read back as\n%+v\nwant\n%+v", got, b)
	}
	stale := b
	stale.Version, stale.Title = 2, "旧版"
	mustDo(t, s.UpsertBriefs(ctx, []model.Brief{stale}))
	if got, _ := s.GetBrief(ctx, "b1"); got.Title != b.Title {
		t.Errorf("a lower version won: %q", got.Title)
	}
	if _, err := s.GetBrief(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetBrief of a missing brief: %v", err)
	}
	if err := s.UpsertBriefs(ctx, []model.Brief{{ID: "bad", Type: "weekly-ish"}}); err == nil {
		t.Error("a brief of an unknown type was stored")
	}
}

func testBriefList(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := NewBrief("a", model.BriefDaily, briefT0)
	w := NewBrief("w", model.BriefWeekly, briefT0.Add(time.Hour))
	w.Content.Sections[0].Blocks[0].Text = "学校门口交通拥堵。"
	sp := NewBrief("s", model.BriefSpecial, briefT0.Add(2*time.Hour))
	sp.State = model.BriefDraft
	mustDo(t, s.UpsertBriefs(ctx, []model.Brief{a, w, sp}))
	ids := func(q store.BriefQuery) []string {
		bs, err := s.ListBriefs(ctx, q)
		mustDo(t, err)
		var out []string
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	for _, tt := range []struct {
		q    store.BriefQuery
		want []string
	}{
		{store.BriefQuery{}, []string{"s", "w", "a"}},
		{store.BriefQuery{Type: model.BriefWeekly}, []string{"w"}},
		{store.BriefQuery{State: model.BriefDraft}, []string{"s"}},
		{store.BriefQuery{Text: "交通拥堵"}, []string{"w"}},
		{store.BriefQuery{Text: "舆情专报"}, []string{"s"}},
		{store.BriefQuery{Limit: 1}, []string{"s"}},
	} {
		if got := ids(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("ListBriefs(%+v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func testBriefIssueNumbers(t *testing.T, s store.Store) {
	ctx := t.Context()
	var bs []model.Brief
	for i := range 3 {
		bs = append(bs, NewBrief(fmt.Sprintf("d%d", i), model.BriefDaily, briefT0.Add(time.Duration(i)*time.Hour)))
	}
	bs = append(bs, NewBrief("w0", model.BriefWeekly, briefT0))
	draft := NewBrief("draft", model.BriefDaily, briefT0)
	draft.State = model.BriefReview
	bs = append(bs, draft)
	mustDo(t, s.UpsertBriefs(ctx, bs))
	at := briefT0.Add(10 * time.Hour)
	for i := range 3 {
		b, err := s.IssueBrief(ctx, fmt.Sprintf("d%d", i), "印发员", at, 188)
		mustDo(t, err)
		if b.State != model.BriefIssued || b.Year != 2026 || b.Number != i+1 || b.Serial != 188+i || !b.IssuedAt.Equal(at) {
			t.Errorf("issue %d: %s %d年第%d期 总第%d期 at %v", i, b.State, b.Year, b.Number, b.Serial, b.IssuedAt)
		}
		got, err := s.GetBrief(ctx, b.ID)
		mustDo(t, err)
		if got.Number != i+1 || got.State != model.BriefIssued || got.Steps[len(got.Steps)-1].Actor != "印发员" {
			t.Errorf("issued brief read back as %s 第%d期 steps %v", got.State, got.Number, got.Steps)
		}
	}
	w, err := s.IssueBrief(ctx, "w0", "印发员", at, 0)
	mustDo(t, err)
	if w.Number != 1 || w.Serial != 0 {
		t.Errorf("the first weekly brief is 第%d期 总第%d期", w.Number, w.Serial)
	}
	again, err := s.IssueBrief(ctx, "d1", "别人", at.Add(time.Hour), 188)
	mustDo(t, err)
	if again.Number != 2 {
		t.Errorf("issuing again renumbered the brief: 第%d期", again.Number)
	}
	if _, err := s.IssueBrief(ctx, "draft", "印发员", at, 0); !errors.Is(err, model.ErrBriefState) {
		t.Errorf("issuing a brief in review: %v", err)
	}
	if _, err := s.IssueBrief(ctx, "nope", "印发员", at, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("issuing a missing brief: %v", err)
	}
	// A new year starts again at 第1期.
	ny := NewBrief("ny", model.BriefDaily, time.Date(2027, 1, 1, 0, 0, 0, 0, model.China))
	mustDo(t, s.UpsertBriefs(ctx, []model.Brief{ny}))
	b, err := s.IssueBrief(ctx, "ny", "印发员", time.Date(2027, 1, 1, 9, 0, 0, 0, model.China), 188)
	mustDo(t, err)
	if b.Year != 2027 || b.Number != 1 || b.Serial != 191 {
		t.Errorf("the first brief of 2027 is %d年第%d期 总第%d期", b.Year, b.Number, b.Serial)
	}
}

// testBriefConcurrentIssuers issues briefs from goroutines at once: the
// numbers are consecutive, none repeated.
func testBriefConcurrentIssuers(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 8
	var bs []model.Brief
	for i := range n {
		bs = append(bs, NewBrief(fmt.Sprintf("c%d", i), model.BriefDaily, briefT0))
	}
	mustDo(t, s.UpsertBriefs(ctx, bs))
	var wg sync.WaitGroup
	numbers := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			b, err := s.IssueBrief(ctx, fmt.Sprintf("c%d", i), "印发员", briefT0.Add(time.Hour), 0)
			numbers[i], errs[i] = b.Number, err
		})
	}
	wg.Wait()
	mustDo(t, errors.Join(errs...))
	slices.Sort(numbers)
	for i, got := range numbers {
		if got != i+1 {
			t.Fatalf("numbers issued at once = %v, want 1..%d", numbers, n)
		}
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
