package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// RunInspections runs the tests of store.Inspections.
func RunInspections(t *testing.T, open Opener) {
	run(t, open, []suiteTest{{"Findings", testFindings}, {"FindingsRefuseInvalid", testFindingsRefuseInvalid}})
}

func newFinding(id, portal, kind, state string, version uint64, lastSeen time.Duration) model.Finding {
	return model.Finding{ID: id, Version: version, Portal: portal, Kind: kind, URL: "http://portal.example/" + id,
		Subject: "栏目" + id, Evidence: "证据" + id, Rule: "C-EMPTY", Veto: kind == model.FindingUnansweredMessage,
		FirstSeen: utc(at(0)), LastSeen: utc(at(lastSeen)), State: state, DueAt: utc(at(time.Hour)), Unit: "县政府办公室"}
}

// testFindings checks the round trip, the higher version winning whatever
// the order, and every filter.
func testFindings(t *testing.T, s store.Store) {
	ctx := context.Background()
	a1 := newFinding("a", "county", model.FindingEmptyColumn, model.FindingOpen, 1, time.Hour)
	a2 := a1
	a2.Version, a2.State, a2.LastSeen = 2, model.FindingFixed, utc(at(2*time.Hour))
	b := newFinding("b", "county", model.FindingUnansweredMessage, model.FindingOpen, 1, 3*time.Hour)
	c := newFinding("c", "town", model.FindingDeadLink, model.FindingOpen, 1, time.Hour)
	c.DueAt = time.Time{}
	if err := s.UpsertFindings(ctx, []model.Finding{a2, b, c}); err != nil {
		t.Fatalf("UpsertFindings: %v", err)
	}
	// The older version arrives late, and a retry repeats b: neither changes anything.
	if err := s.UpsertFindings(ctx, []model.Finding{a1, b}); err != nil {
		t.Fatalf("UpsertFindings: %v", err)
	}
	all, err := s.ListFindings(ctx, store.FindingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("ListFindings = %d findings; want 3", len(all))
	}
	// Open first (by portal, kind), then fixed.
	if all[0].ID != "b" || all[1].ID != "c" || all[2].ID != "a" {
		t.Errorf("order = %s %s %s; want b c a", all[0].ID, all[1].ID, all[2].ID)
	}
	if got := all[2]; got.State != model.FindingFixed || got.Version != 2 || !got.LastSeen.Equal(a2.LastSeen) {
		t.Errorf("a = %+v; want version 2, fixed", got)
	}
	if got := all[0]; got != b {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, b)
	}
	if got := all[1]; !got.DueAt.IsZero() {
		t.Errorf("a zero due time reads back %v", got.DueAt)
	}
	for _, tt := range []struct {
		q    store.FindingQuery
		want []string
	}{
		{store.FindingQuery{Portal: "county"}, []string{"b", "a"}},
		{store.FindingQuery{Kind: model.FindingDeadLink}, []string{"c"}},
		{store.FindingQuery{State: model.FindingOpen}, []string{"b", "c"}},
		{store.FindingQuery{Portal: "county", State: model.FindingOpen}, []string{"b"}},
		{store.FindingQuery{State: model.FindingOpen, Limit: 1}, []string{"b"}},
		{store.FindingQuery{Portal: "nowhere"}, nil},
	} {
		got, err := s.ListFindings(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		if len(ids) != len(tt.want) || (len(ids) > 0 && !equalStrings(ids, tt.want)) {
			t.Errorf("ListFindings(%+v) = %v; want %v", tt.q, ids, tt.want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testFindingsRefuseInvalid checks that a batch with an invalid finding
// is refused whole.
func testFindingsRefuseInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	good := newFinding("g", "county", model.FindingDeadLink, model.FindingOpen, 1, 0)
	bad := newFinding("x", "county", "broken", model.FindingOpen, 1, 0)
	if err := s.UpsertFindings(ctx, []model.Finding{good, bad}); err == nil {
		t.Fatal("UpsertFindings accepted a finding of an unknown kind")
	}
	if got, err := s.ListFindings(ctx, store.FindingQuery{}); err != nil || len(got) != 0 {
		t.Errorf("after a refused batch: %v, %v; want nothing stored", got, err)
	}
}
