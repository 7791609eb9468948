package analyzer

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store/sqlite"
)

// freshAnalyzer is an analyzer of its own, for tests that change its
// dictionary (the shared one is used by parallel tests).
func freshAnalyzer(t *testing.T) *Analyzer {
	t.Helper()
	a, err := New(config.AnalyzerConfig{}, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

const userDictText = "翠湖湾小区居民反映岚峰化工排污问题"

func TestSetUserWords(t *testing.T) {
	a := freshAnalyzer(t)
	before := a.Tokens("", userDictText)
	if slices.Contains(before, "翠湖湾") || slices.Contains(before, "岚峰化工") {
		t.Fatalf("gse already knows the test words, pick others: %q", before)
	}

	err := a.SetUserWords([]UserWord{{Word: "翠湖湾"}, {Word: "岚峰化工", Freq: 5000, POS: "nt"}})
	if err != nil {
		t.Fatalf("SetUserWords: %v", err)
	}
	got := a.Tokens("", userDictText)
	for _, w := range []string{"翠湖湾", "岚峰化工"} {
		if !slices.Contains(got, w) {
			t.Errorf("after adding %s the tokens are %q", w, got)
		}
	}
	p := a.Analyze(model.Document{ID: "d1", Body: userDictText})
	if !slices.ContainsFunc(p.Keywords, func(k model.Keyword) bool { return k.Word == "岚峰化工" }) {
		t.Errorf("keywords %v lack the user word 岚峰化工", p.Keywords)
	}
	if g := testutil.ToFloat64(a.m.userWords); g != 2 {
		t.Errorf("yuqing_analyzer_user_words = %v, want 2", g)
	}

	// An invalid list changes nothing.
	if err := a.SetUserWords([]UserWord{{Word: "翠湖 湾"}}); err == nil {
		t.Error("a word with a space was accepted")
	}
	if got := a.Tokens("", userDictText); !slices.Contains(got, "岚峰化工") {
		t.Errorf("a refused list changed the dictionary: %q", got)
	}

	// Taking the words out restores gse's segmentation.
	if err := a.SetUserWords(nil); err != nil {
		t.Fatalf("SetUserWords(nil): %v", err)
	}
	if got := a.Tokens("", userDictText); !slices.Equal(got, before) {
		t.Errorf("after removing the user words the tokens are %q, want %q", got, before)
	}
}

// TestSetUserWordsWhileAnalysing swaps the dictionary while documents are
// analysed (run with -race): every analysis sees one dictionary or the
// other, whole.
func TestSetUserWordsWhileAnalysing(t *testing.T) {
	a := freshAnalyzer(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				toks := a.Tokens("", userDictText)
				with := slices.Contains(toks, "岚峰化工")
				split := slices.Contains(toks, "岚峰") && slices.Contains(toks, "化工")
				if with == split {
					t.Errorf("tokens are from neither dictionary: %q", toks)
					return
				}
			}
		})
	}
	for i := range 2 {
		words := []UserWord{{Word: "岚峰化工", POS: "nt"}}
		if i%2 == 1 {
			words = nil
		}
		if err := a.SetUserWords(words); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestStageRefreshDictionary goes through a real store: words officers
// add and remove reach the segmenter, an unchanged dictionary is not
// reloaded, and a store that fails keeps the current words and is counted.
func TestStageRefreshDictionary(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "yuqing.db"), nil, nil, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	a := freshAnalyzer(t)
	s := NewStage(a, st, nil, 1)
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	add := func(id, word string, removed bool) {
		t.Helper()
		e := model.DictionaryEntry{ID: id, Word: word, POS: "nt", By: "值班员", At: at, Removed: removed}
		at = at.Add(time.Minute)
		if err := st.AppendDictionary(ctx, []model.DictionaryEntry{e}); err != nil {
			t.Fatal(err)
		}
	}
	refresh := func(want bool) {
		t.Helper()
		got, err := s.RefreshDictionary(ctx)
		if err != nil || got != want {
			t.Fatalf("RefreshDictionary = %v, %v; want %v, nil", got, err, want)
		}
	}

	refresh(true) // the first call loads, even an empty dictionary
	refresh(false)
	add("e1", "岚峰化工", false)
	refresh(true)
	if toks := a.Tokens("", userDictText); !slices.Contains(toks, "岚峰化工") {
		t.Errorf("the stored word is not one token: %q", toks)
	}
	refresh(false)
	add("e2", "岚峰化工", true)
	refresh(true)
	if toks := a.Tokens("", userDictText); slices.Contains(toks, "岚峰化工") {
		t.Errorf("the removed word is still one token: %q", toks)
	}
	if g := testutil.ToFloat64(a.m.dictLoads.WithLabelValues("ok")); g != 3 {
		t.Errorf("dictionary loads ok = %v, want 3", g)
	}
	if g := testutil.ToFloat64(a.m.dictLoads.WithLabelValues("unchanged")); g != 2 {
		t.Errorf("dictionary checks unchanged = %v, want 2", g)
	}

	add("e3", "翠湖湾", false)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RefreshDictionary(ctx); err == nil {
		t.Fatal("RefreshDictionary on a closed store did not fail")
	}
	if g := testutil.ToFloat64(a.m.dictLoads.WithLabelValues("error")); g != 1 {
		t.Errorf("dictionary loads error = %v, want 1", g)
	}
	if toks := a.Tokens("", userDictText); slices.Contains(toks, "翠湖湾") || !slices.Contains(toks, "岚峰") {
		t.Errorf("a failed refresh changed the words: %q", toks)
	}
}
