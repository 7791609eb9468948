package sentiment

import (
	"bytes"
	"fmt"
	"github.com/yuqing-project/yuqing/internal/testenv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyData is a small training set with the structure of the real one: a
// binary review set and a Weibo set with a neutral class.
func tinyData(t *testing.T) *Data {
	t.Helper()
	dir := t.TempDir()
	var reviews, weibo strings.Builder
	pos := []string{"很好", "满意", "喜欢", "推荐", "干净", "方便", "划算", "好吃"}
	neg := []string{"很差", "失望", "难吃", "脏乱", "太贵", "后悔", "垃圾", "退货"}
	for i := range 40 {
		fmt.Fprintf(&reviews, "{\"text\":\"第%d次来，%s，%s\",\"label\":\"pos\"}\n", i, pos[i%8], pos[(i+3)%8])
		fmt.Fprintf(&reviews, "{\"text\":\"第%d次来，%s，%s\",\"label\":\"neg\"}\n", i, neg[i%8], neg[(i+3)%8])
		fmt.Fprintf(&weibo, "{\"text\":\"今天%s，%s\",\"emotion\":\"happy\"}\n", pos[i%8], pos[(i+5)%8])
		fmt.Fprintf(&weibo, "{\"text\":\"今天%s，%s\",\"emotion\":\"angry\"}\n", neg[i%8], neg[(i+5)%8])
		fmt.Fprintf(&weibo, "{\"text\":\"第%d号通告：明日%d时地铁%d号线正常运营\",\"emotion\":\"neural\"}\n", i, i%24, i%9)
		fmt.Fprintf(&weibo, "{\"text\":\"第%d次惊了\",\"emotion\":\"surprise\"}\n", i)
	}
	write(t, dir, "waimai_10k.jsonl", reviews.String())
	write(t, dir, "smp2020_ewect_train.jsonl", weibo.String())
	d, err := LoadData(dir, false, strings.NewReader(`{"text":"县政府召开常务会议","label":"neutral"}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func modelBytes(t *testing.T, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTrainPredictsAndIsReproducible(t *testing.T) {
	d := tinyData(t)
	o := Options{BucketBits: 12, Epochs: 10}
	m, err := Train(d, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, want string }{
		{"服务很好，非常满意，推荐", Positive},
		{"太贵了，很失望，后悔", Negative},
		{"明日地铁号线正常运营通告", Neutral},
	} {
		got, p := m.Predict(tc.text).Label()
		if got != tc.want {
			t.Errorf("Predict(%q) = %s (%.3f), want %s", tc.text, got, p, tc.want)
		}
	}
	// Same rows, same options: byte-identical file.
	m2, err := Train(tinyData(t), o)
	if err != nil {
		t.Fatal(err)
	}
	b1, b2 := modelBytes(t, m), modelBytes(t, m2)
	if !bytes.Equal(b1, b2) {
		t.Fatal("two trainings on the same rows gave different model files")
	}
	// A different seed shuffles differently: the file changes.
	o.Seed = 7
	m3, err := Train(tinyData(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(b1, modelBytes(t, m3)) {
		t.Error("another seed gave the same model file")
	}
	// Round trip: the loaded model predicts exactly as the trained one.
	l, err := Load(b1)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"服务很好", "很差很差", "明日通告", ""} {
		a, b := m.Predict(text), l.Predict(text)
		if math.Abs(a.PolarityLogit-b.PolarityLogit) > 1e-6 || math.Abs(a.NeutralLogit-b.NeutralLogit) > 1e-6 {
			t.Errorf("%q: trained %+v, loaded %+v", text, a, b)
		}
	}
	info := l.Info()
	if info.Research || len(info.Sets) != 3 || info.Sets[2].Name != CorrectionsSet || info.Sets[2].Train != 1 {
		t.Errorf("info sets %+v research %v", info.Sets, info.Research)
	}
}

func TestTrainNeedsNeutralRows(t *testing.T) {
	d := &Data{Train: []Example{{Text: "好", Label: Positive}, {Text: "差", Label: Negative}}}
	if _, err := Train(d, Options{BucketBits: 8}); err == nil || !strings.Contains(err.Error(), "neutral") {
		t.Errorf("err = %v, want one about neutral rows", err)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	m, err := Train(tinyData(t), Options{BucketBits: 8, Epochs: 1})
	if err != nil {
		t.Fatal(err)
	}
	good := modelBytes(t, m)
	other := strings.Replace(string(good), `"features":"char1-3"`, `"features":"word1-2"`, 1)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"not a model", []byte("hello world"), "bad magic"},
		{"header cut", good[:len(fileMagic)+2], "truncated"},
		{"weights cut", good[:len(good)-100], "weights"},
		{"trailing data", append(append([]byte{}, good...), 0), "trailing"},
		{"other feature scheme", []byte(other), "feature scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	a := extract("服务 很好\n价格 123 元 OK", 18, nil)
	b := extract("服务很好价格999元ok", 18, nil)
	if len(a) != len(b) {
		t.Fatalf("whitespace, digits or case changed the features: %d vs %d", len(a), len(b))
	}
	var norm float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("feature %d: %+v vs %+v", i, a[i], b[i])
		}
		if i > 0 && a[i].i <= a[i-1].i {
			t.Fatal("features not sorted and unique")
		}
		norm += a[i].v * a[i].v
	}
	if math.Abs(norm-1) > 1e-9 {
		t.Errorf("feature vector norm² %v, want 1", norm)
	}
	if f := extract(" \n\t", 18, nil); len(f) != 0 {
		t.Errorf("whitespace has features %v", f)
	}
	// 10 runes: 10 unigrams + 9 bigrams + 8 trigrams, all different here.
	if f := extract("一二三四五六七八九十", 20, nil); len(f) != 27 {
		t.Errorf("got %d features, want 27", len(f))
	}
}

func TestProbabilities(t *testing.T) {
	for _, z := range [][2]float64{{0, 0}, {5, -5}, {-40, 40}, {800, -800}} {
		p, u, n := Probabilities(z[0], z[1])
		if math.Abs(p+u+n-1) > 1e-12 || p < 0 || u < 0 || n < 0 || math.IsNaN(p+u+n) {
			t.Errorf("Probabilities(%v) = %v %v %v", z, p, u, n)
		}
	}
	if l, _ := (Prediction{PolarityLogit: -3, NeutralLogit: -3}).Label(); l != Negative {
		t.Errorf("label %s, want negative", l)
	}
	if l, _ := (Prediction{PolarityLogit: 3, NeutralLogit: 2}).Label(); l != Neutral {
		t.Errorf("label %s, want neutral", l)
	}
}

func TestSplitOf(t *testing.T) {
	counts := map[Split]int{}
	for i := range 10000 {
		s := SplitOf(fmt.Sprintf("第%d条微博", i), true)
		counts[s]++
		if SplitOf(fmt.Sprintf("第 %d 条\n微博", i), true) != s {
			t.Fatal("whitespace changed the split")
		}
		if SplitOf(fmt.Sprintf("第%d条微博", i), false) == SplitHeldOut {
			t.Fatal("a set that is not held out has held-out rows")
		}
	}
	for _, s := range []Split{SplitCalibration, SplitHeldOut} {
		if counts[s] < 900 || counts[s] > 1100 {
			t.Errorf("split %d has %d of 10000 rows, want about 1000", s, counts[s])
		}
	}
}

func TestLoadData(t *testing.T) {
	dir := t.TempDir()
	// Find texts by split, to build a file whose rows land where we want.
	var heldOut, train string
	for i := 0; heldOut == "" || train == ""; i++ {
		s := fmt.Sprintf("文本%d", i)
		switch SplitOf(s, true) {
		case SplitHeldOut:
			heldOut = s
		case SplitTrain:
			train = s
		}
	}
	write(t, dir, "chnsenticorp_validation.jsonl", `{"text":"评测文本","label":"pos"}`+"\n")
	write(t, dir, "weibo2018_train.jsonl", fmt.Sprintf("{\"text\":%q,\"label\":\"pos\"}\n{\"text\":%q,\"label\":\"neg\"}\n", heldOut, train))
	// The shopping set repeats the held-out Weibo text and the evaluation
	// text: both must be dropped. Its 酒店 row is research-only.
	write(t, dir, "online_shopping_10_cats.jsonl", fmt.Sprintf(
		"{\"text\":%q,\"label\":\"pos\",\"cat\":\"水果\"}\n{\"text\":\"评测 文本\",\"label\":\"pos\",\"cat\":\"水果\"}\n{\"text\":\"好酒店\",\"label\":\"pos\",\"cat\":\"酒店\"}\n{\"text\":%q,\"label\":\"neg\",\"cat\":\"水果\"}\n",
		heldOut, train+"啊"))
	write(t, dir, "chnsenticorp_train.jsonl", `{"text":"研究用","label":"pos"}`+"\n")

	d, err := LoadData(dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.HeldOut["weibo2018"]; len(got) != 1 || got[0].Text != heldOut {
		t.Errorf("held-out weibo2018 %+v", got)
	}
	if got := d.HeldOut["chnsenticorp_validation"]; len(got) != 1 || got[0].Label != Positive {
		t.Errorf("held-out validation %+v", got)
	}
	var texts []string
	for _, r := range append(d.Train, d.Calibration...) {
		texts = append(texts, r.Text)
		if r.Set == "chnsenticorp" || r.Text == "好酒店" {
			t.Errorf("research-only row %+v used without -research", r)
		}
		if r.Text == heldOut || key(r.Text) == "评测文本" {
			t.Errorf("evaluation text %q trained on", r.Text)
		}
	}
	if len(texts) != 2 {
		t.Errorf("trained on %q, want the two training texts", texts)
	}
	for _, s := range d.Sets {
		if s.Name == "online_shopping" && s.Excluded != 2 {
			t.Errorf("online_shopping excluded %d rows, want 2", s.Excluded)
		}
	}

	r, err := LoadData(dir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Train) + len(r.Calibration); n != 4 {
		t.Errorf("research: %d rows, want 4 (with 好酒店 and 研究用)", n)
	}

	write(t, dir, "waimai_10k.jsonl", "{\"text\":\"ok\",\"label\":\"pos\"}\nnot json\n")
	if _, err := LoadData(dir, false, nil); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want one naming line 2", err)
	}
	if _, err := LoadData(t.TempDir(), false, nil); err == nil {
		t.Error("an empty directory trained")
	}
}

func TestReadCorrections(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		n              int
	}{
		{"good", "{\"text\":\"强拆\",\"label\":\"negative\"}\n\n{\"text\":\"通知\",\"label\":\"neutral\"}\n", "", 2},
		{"bad label", "{\"text\":\"强拆\",\"label\":\"neg\"}\n", "line 1: label \"neg\"", 0},
		{"bad json", "{\"text\":\"a\",\"label\":\"positive\"}\n{oops\n", "line 2", 0},
		{"empty text", "{\"text\":\" \",\"label\":\"positive\"}\n", "empty text", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := ReadCorrections(strings.NewReader(tc.in))
			if tc.want == "" {
				if err != nil || len(rows) != tc.n || rows[0].Set != CorrectionsSet {
					t.Errorf("rows %+v err %v", rows, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDefaultModel(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	if info.Research {
		t.Error("the shipped model was trained on research-only data")
	}
	for _, s := range info.Sets {
		if s.Name == "chnsenticorp" {
			t.Errorf("the shipped model lists ChnSentiCorp: %+v", s)
		}
	}
	if l, _ := m.Predict("非常满意，强烈推荐").Label(); l != Positive {
		t.Errorf("clear praise labelled %s", l)
	}
	if l, _ := m.Predict("太失望了，再也不来了").Label(); l != Negative {
		t.Errorf("clear complaint labelled %s", l)
	}
}

// TestEmbeddedModelOnHeldOutRows measures the shipped model alone (without
// the analyzer's normalisation and rule layer) on the rows it was not
// trained on, and logs the figures. The floors catch a broken model; the
// acceptance figures come from yuqing analyze (see NOTICE.md).
func TestEmbeddedModelOnHeldOutRows(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the labelled sets; skipped with -short")
	}
	d, err := LoadData("../../../shared/data/sentiment", false, nil)
	if err != nil {
		testenv.Missing(t, "data", "labelled data not available: %v", err)
	}
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set   string
		floor float64 // accuracy of positive vs not; macro-F1 for smp2020
	}{
		{"chnsenticorp_validation", 0.80},
		{"weibo2018", 0.78},
		{"smp2020", 0.68},
	} {
		rows := d.HeldOut[tc.set]
		if len(rows) == 0 {
			t.Logf("%s: no held-out rows", tc.set)
			continue
		}
		idx := map[string]int{Positive: 0, Neutral: 1, Negative: 2}
		var ok int
		var tp, fp, fn [3]float64
		for _, r := range rows {
			l, _ := m.Predict(r.Text).Label()
			if tc.set != "smp2020" {
				if (l == Positive) == (r.Label == Positive) {
					ok++
				}
				continue
			}
			g, p := idx[r.Label], idx[l]
			if g == p {
				ok++
				tp[g]++
			} else {
				fp[p]++
				fn[g]++
			}
		}
		got := float64(ok) / float64(len(rows))
		if tc.set == "smp2020" {
			var f float64
			for c := range 3 {
				f += 2 * tp[c] / (2*tp[c] + fp[c] + fn[c])
			}
			t.Logf("%s: n=%d accuracy %.4f macro-F1 %.4f", tc.set, len(rows), got, f/3)
			got = f / 3
		} else {
			t.Logf("%s: n=%d positive-vs-not accuracy %.4f", tc.set, len(rows), got)
		}
		if got < tc.floor {
			t.Errorf("%s: %.4f below the floor %.2f", tc.set, got, tc.floor)
		}
	}
}
