package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// RunSettings runs the tests of store.Settings.
func RunSettings(t *testing.T, open Opener) {
	run(t, open, []suiteTest{
		{"LatestWins", testSettingsLatestWins},
		{"KindsApart", testSettingsKindsApart},
		{"RefusesInvalid", testSettingsRefuseInvalid},
	})
}

// NewScheme returns the change that sets a scheme named name under key,
// made d after the suite's base time.
func NewScheme(id, key, name string, d time.Duration) model.SettingChange {
	return model.Scheme{ID: key, Name: name, Subjects: []string{name}}.Change(id, "张三", at(d))
}

func appendSettings(t *testing.T, s store.Settings, cs ...model.SettingChange) {
	t.Helper()
	if err := s.AppendSettings(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
}

func currentSettings(t *testing.T, s store.Settings, kind string) model.SettingSet {
	t.Helper()
	set, err := s.CurrentSettings(context.Background(), kind)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func keysOf(cs []model.SettingChange) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Key+"="+c.Value)
	}
	return out
}

// testSettingsLatestWins checks that of the changes of one key the latest
// (by At, ties by ID) is in force, that a removal takes the key out and a
// later change brings it back, that a change appended twice is stored and
// counted once, and that the version moves with every change.
func testSettingsLatestWins(t *testing.T, s store.Store) {
	ctx := context.Background()
	if v, err := s.SettingsVersion(ctx, model.SettingScheme); err != nil || v.Changes != 0 || !v.LastChange.IsZero() {
		t.Fatalf("empty version = %+v, %v", v, err)
	}
	if set := currentSettings(t, s, model.SettingScheme); len(set.Items) != 0 {
		t.Fatalf("empty settings = %+v", set)
	}
	a1 := NewScheme("c1", "flood", "防汛", 0)
	b1 := NewScheme("c2", "chem", "化工", time.Minute)
	a2 := NewScheme("c3", "flood", "防汛防台", 2*time.Minute)
	// c4 ties with c3 and has the greater ID: it wins.
	a3 := NewScheme("c4", "flood", "防汛三", 2*time.Minute)
	appendSettings(t, s, a3, a1, b1, a2)
	appendSettings(t, s, a2) // a retry
	set := currentSettings(t, s, model.SettingScheme)
	if want := keysOf([]model.SettingChange{b1, a3}); !reflect.DeepEqual(keysOf(set.Items), want) {
		t.Errorf("in force = %v, want %v", keysOf(set.Items), want)
	}
	if set.Version.Changes != 4 || !set.Version.LastChange.Equal(at(2*time.Minute)) {
		t.Errorf("version = %+v, want 4 changes, last %v", set.Version, at(2*time.Minute))
	}
	if len(set.Items) == 2 && (set.Items[1].ID != "c4" || set.Items[1].By != "张三" || !set.Items[1].At.Equal(at(2*time.Minute))) {
		t.Errorf("item = %+v", set.Items[1])
	}
	rm := model.SettingChange{ID: "c5", Kind: model.SettingScheme, Key: "chem", Removed: true, By: "李四", At: at(3 * time.Minute)}
	appendSettings(t, s, rm)
	if got := keysOf(currentSettings(t, s, model.SettingScheme).Items); !reflect.DeepEqual(got, keysOf([]model.SettingChange{a3})) {
		t.Errorf("after removal = %v", got)
	}
	back := NewScheme("c6", "chem", "化工回来", 4*time.Minute)
	appendSettings(t, s, back)
	set = currentSettings(t, s, model.SettingScheme)
	if got := keysOf(set.Items); !reflect.DeepEqual(got, keysOf([]model.SettingChange{back, a3})) {
		t.Errorf("after re-adding = %v", got)
	}
	if v, err := s.SettingsVersion(ctx, model.SettingScheme); err != nil || v != set.Version || v.Changes != 6 {
		t.Errorf("version = %+v, %v; want %+v with 6 changes", v, err, set.Version)
	}
	h, err := s.SettingHistory(ctx, model.SettingScheme, "chem")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range h {
		ids = append(ids, c.ID)
	}
	if !reflect.DeepEqual(ids, []string{"c2", "c5", "c6"}) || !h[1].Removed || h[1].By != "李四" {
		t.Errorf("history = %+v", h)
	}
	if sc, err := model.DecodeScheme(set.Items[0]); err != nil || sc.Name != "化工回来" || sc.ID != "chem" {
		t.Errorf("decoded = %+v, %v", sc, err)
	}
}

// testSettingsKindsApart checks that kinds have their own keys and
// versions: a shift keyed like a scheme changes neither the scheme nor
// its version.
func testSettingsKindsApart(t *testing.T, s store.Store) {
	ctx := context.Background()
	appendSettings(t, s, NewScheme("s1", "a", "甲", 0))
	sh := model.Shift{ID: "a", Person: "zhang", Days: []time.Weekday{time.Monday}, Start: "08:30", End: "17:30", Role: model.ShiftDuty}
	appendSettings(t, s, sh.Change("h1", "王五", at(time.Hour)), sh.Change("h2", "王五", at(2*time.Hour)))
	v, err := s.SettingsVersion(ctx, model.SettingScheme)
	if err != nil || v.Changes != 1 || !v.LastChange.Equal(at(0)) {
		t.Errorf("scheme version = %+v, %v", v, err)
	}
	shifts := currentSettings(t, s, model.SettingShift)
	if len(shifts.Items) != 1 || shifts.Items[0].ID != "h2" || shifts.Version.Changes != 2 {
		t.Fatalf("shifts = %+v", shifts)
	}
	got, err := model.DecodeShift(shifts.Items[0])
	if err != nil || !reflect.DeepEqual(got, sh) {
		t.Errorf("shift = %+v, %v; want %+v", got, err, sh)
	}
	if sc := currentSettings(t, s, model.SettingScheme); len(sc.Items) != 1 || sc.Items[0].ID != "s1" {
		t.Errorf("schemes = %+v", sc)
	}
	// The recent changes of the kind, newest first, a removal too, a
	// change appended twice once.
	gone := model.SettingChange{ID: "h3", Kind: model.SettingShift, Key: "b", Removed: true, By: "王五", At: at(3 * time.Hour)}
	appendSettings(t, s, gone, sh.Change("h2", "王五", at(2*time.Hour)))
	for _, tc := range []struct {
		limit int
		want  string
	}{{10, "h3,h2,h1"}, {2, "h3,h2"}, {0, ""}} {
		recent, err := s.RecentSettings(ctx, model.SettingShift, tc.limit)
		var ids []string
		for _, c := range recent {
			ids = append(ids, c.ID)
		}
		if err != nil || strings.Join(ids, ",") != tc.want {
			t.Errorf("RecentSettings(shift, %d) = %v, %v; want %s", tc.limit, ids, err, tc.want)
		}
	}
	if recent, err := s.RecentSettings(ctx, model.SettingShift, 1); err != nil || len(recent) != 1 || !recent[0].Removed || recent[0].Key != "b" {
		t.Errorf("the latest shift change = %+v, %v; want the removal of b", recent, err)
	}
}

// testSettingsRefuseInvalid checks that a batch with an invalid change is
// refused whole.
func testSettingsRefuseInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	good := NewScheme("g", "ok", "好", 0)
	for _, bad := range []model.SettingChange{
		{ID: "b1", Kind: "colour", Key: "k", Value: "{}", By: "张三", At: at(0)},
		{ID: "b2", Kind: model.SettingScheme, Key: "", Value: "{}", By: "张三", At: at(0)},
		{ID: "b3", Kind: model.SettingScheme, Key: "k", Value: "not json", By: "张三", At: at(0)},
		{ID: "b4", Kind: model.SettingScheme, Key: "k", Value: "{}", By: "", At: at(0)},
		{ID: "b5", Kind: model.SettingScheme, Key: "k", Value: "{}", By: "张三"},
	} {
		if err := s.AppendSettings(ctx, []model.SettingChange{good, bad}); err == nil {
			t.Errorf("%s accepted", bad.ID)
		}
	}
	if v, err := s.SettingsVersion(ctx, model.SettingScheme); err != nil || v.Changes != 0 {
		t.Errorf("after refused batches: %+v, %v", v, err)
	}
}
