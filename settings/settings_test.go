package settings

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

func TestSeedAndWatch(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	cfg := []config.Scheme{{ID: "chem", Name: "危化品", Subjects: []string{"化工厂"}, Alert: true}, {ID: "flood", Name: "防汛", Events: []string{"积水"}}}
	if n, err := Seed(ctx, st, SchemeSeed(cfg), now); err != nil || n != 2 {
		t.Fatalf("seed = %d, %v; want 2", n, err)
	}
	// Seeding again, from another process, imports nothing.
	if n, err := Seed(ctx, st, SchemeSeed(cfg), now.Add(time.Minute)); err != nil || n != 0 {
		t.Fatalf("seed again = %d, %v; want 0", n, err)
	}

	var applied [][]config.Scheme
	fail := false
	reg := prometheus.NewRegistry()
	w, err := NewWatcher(st, model.SettingScheme, func(set model.SettingSet) error {
		if fail {
			return errors.New("does not compile")
		}
		list, err := Schemes(set)
		if err != nil {
			return err
		}
		applied = append(applied, Enabled(list))
		return nil
	}, reg)
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(want bool) {
		t.Helper()
		if ok, err := w.Refresh(ctx); ok != want || (err != nil) != fail {
			t.Fatalf("refresh = %v, %v; want %v (fail %v)", ok, err, want, fail)
		}
	}
	refresh(true)
	refresh(false)
	if len(applied) != 1 || len(applied[0]) != 2 || applied[0][0].ID != "chem" || !applied[0][0].Alert {
		t.Fatalf("applied = %+v", applied)
	}

	// A person disables chem: the watcher applies it; the file, edited
	// since, does not undo it; an edit of flood in the file, which nobody
	// changed, is imported.
	off := FromConfig(cfg[0])
	off.Disabled = true
	if err := st.AppendSettings(ctx, []model.SettingChange{off.Change("p1", "张三", now.Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	cfg[0].Name, cfg[1].Events = "危化品安全", []string{"积水", "内涝"}
	if n, err := Seed(ctx, st, SchemeSeed(cfg), now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("seed after edits = %d, %v; want 1 (flood)", n, err)
	}
	refresh(true)
	if got := applied[len(applied)-1]; len(got) != 1 || got[0].ID != "flood" || len(got[0].Events) != 2 {
		t.Errorf("applied after the changes = %+v", got)
	}

	// A set that cannot be applied is kept out and tried again.
	if err := st.AppendSettings(ctx, []model.SettingChange{FromConfig(cfg[0]).Change("p2", "张三", now.Add(3*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	fail = true
	refresh(false)
	fail = false
	refresh(true)
	if got := applied[len(applied)-1]; len(got) != 2 {
		t.Errorf("applied after the retry = %+v", got)
	}
	if n := testutil.ToFloat64(loads.WithLabelValues(model.SettingScheme, "error")); n != 1 {
		t.Errorf("errors counted = %v, want 1", n)
	}
}

// TestSourcesSeedAndRoundTrip checks a configured source goes into the
// settings and comes back as the same configuration entry, and that a
// disabled one is not among the sources in use.
func TestSourcesSeedAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), prometheus.NewRegistry(), nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := []config.Source{
		{ID: "gov", Name: "县政府网", Kind: model.KindPortal, Authority: model.TierOfficial, Region: "320000",
			URL: "https://gov.example.cn/list", Interval: 7 * time.Minute, AllowedDomains: []string{"gov.example.cn"},
			Encoding: "gbk", List: config.ListRules{Links: "ul a", MaxPages: 2}, Article: config.ArticleRules{Body: "#c"}},
		{ID: "api", Name: "接口", Kind: model.KindAPI, URL: "https://api.example.cn/x",
			API: config.APIRules{Items: "data", ID: "id", Title: "t", TimeFormat: "unix", Time: "ts", MaxPages: 2}},
	}
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	if n, err := Seed(ctx, st, SourceSeed(cfg), now); err != nil || n != 2 {
		t.Fatalf("seed = %d, %v; want 2", n, err)
	}
	set, err := st.CurrentSettings(ctx, model.SettingSource)
	if err != nil {
		t.Fatal(err)
	}
	list, err := Sources(set)
	if err != nil || len(list) != 2 {
		t.Fatalf("sources = %v, %v", list, err)
	}
	for _, s := range list {
		if err := s.Validate(); err != nil {
			t.Errorf("seeded source %s does not validate: %v", s.ID, err)
		}
	}
	got := EnabledSources(list)
	// The set is sorted by key: api, gov.
	if len(got) != 2 || !reflect.DeepEqual(got[0], cfg[1]) || !reflect.DeepEqual(got[1], cfg[0]) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, []config.Source{cfg[1], cfg[0]})
	}
	off := list[1]
	off.Disabled = true
	if err := st.AppendSettings(ctx, []model.SettingChange{off.Change("c1", "张三", now.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	set, _ = st.CurrentSettings(ctx, model.SettingSource)
	list, _ = Sources(set)
	if got := EnabledSources(list); len(got) != 1 || got[0].ID != "api" {
		t.Fatalf("after disabling gov: %+v", got)
	}
	// The file is edited: the source people disabled stays as they made it.
	cfg[0].Name = "县人民政府网"
	if n, err := Seed(ctx, st, SourceSeed(cfg), now.Add(2*time.Minute)); err != nil || n != 0 {
		t.Fatalf("seed after edit = %d, %v; want 0", n, err)
	}
}
