package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/yuqing-project/yuqing/analyzer/sentiment"
	"github.com/yuqing-project/yuqing/model"
)

func do(t *testing.T, method, u, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// postView is the part of the posts API the correction tests read.
type postView struct {
	ID        string `json:"id"`
	Sentiment struct {
		Label       string    `json:"label"`
		Score       float64   `json:"score"`
		Negativity  float64   `json:"negativity"`
		Corrected   bool      `json:"corrected"`
		CorrectedBy string    `json:"corrected_by"`
		CorrectedAt time.Time `json:"corrected_at"`
		Note        string    `json:"note"`
	} `json:"sentiment"`
	ModelSentiment model.Sentiment `json:"model_sentiment"`
}

func getPostView(t *testing.T, u string) postView {
	t.Helper()
	code, body := get(t, u)
	if code != 200 {
		t.Fatalf("GET %s = %d %s", u, code, body)
	}
	var v postView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSentimentCorrection(t *testing.T) {
	srv, st, s := newServer(t)
	gather := s.officers.corrections
	u := srv.URL + "/api/v1/posts/p2/sentiment"
	for _, tc := range []struct {
		path, body string
		code       int
		want       string
	}{
		{u, `{"label":"good","by":"张三"}`, 400, `invalid field label=\"good\": want positive, neutral or negative`},
		{u, `{"label":"negative"}`, 400, `missing field by: who corrects the sentiment`},
		{u, `{"label":"","by":""}`, 400, `invalid field label=\"\"`},
		{u, `{"label":"negative","by":"张三","note":"` + strings.Repeat("长", 501) + `"}`, 400, `invalid field note: 501 characters, at most 500`},
		{u, `{"label":"negative","by":"张三","score":1}`, 400, `unknown field \"score\"`},
		{srv.URL + "/api/v1/posts/none/sentiment", `{"label":"negative","by":"张三"}`, 404, `not found`},
		{u, `{"label":"neutral","by":"李四"}`, 201, `"corrected_by":"李四"`},
		{u, `{"label":"negative","by":"张三","note":"实为反讽"}`, 201, `"sentiment":{"label":"negative","score":1,"negativity":1,"corrected":true,"corrected_by":"张三"`},
	} {
		code, _, body := do(t, http.MethodPost, tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %.80s = %d %s; want %d containing %s", tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}

	// The latest correction shows, with the model's label beside it, in
	// the post and in the list, and the sentiment filter follows it.
	v := getPostView(t, srv.URL+"/api/v1/posts/p2")
	if v.Sentiment.Label != model.Negative || !v.Sentiment.Corrected || v.Sentiment.CorrectedBy != "张三" || v.Sentiment.Note != "实为反讽" ||
		v.Sentiment.CorrectedAt.IsZero() || v.ModelSentiment.Label != model.Positive || v.ModelSentiment.Score != 0.8 {
		t.Errorf("corrected post = %+v", v)
	}
	code, body := get(t, srv.URL+"/api/v1/posts?sentiment=negative")
	var list struct {
		Total int64      `json:"total"`
		Items []postView `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil {
		t.Fatalf("GET posts = %d %s (%v)", code, body, err)
	}
	if list.Total != 2 || len(list.Items) != 2 {
		t.Fatalf("negative posts = %+v, want p1 and the corrected p2", list)
	}
	for _, it := range list.Items {
		if it.Sentiment.Label != model.Negative || it.Sentiment.Corrected != (it.ID == "p2") {
			t.Errorf("listed post %+v", it)
		}
	}
	if code, body := get(t, srv.URL+"/api/v1/posts?sentiment=positive"); code != 200 || !strings.Contains(body, `"total":0`) {
		t.Errorf("positive posts = %d %s, want none", code, body)
	}

	// A redelivered or re-analysed post keeps its correction.
	ctx := context.Background()
	p, err := st.GetPost(ctx, "p2")
	if err != nil {
		t.Fatal(err)
	}
	p.Version++
	p.Sentiment = model.Sentiment{Label: model.Positive, Score: 0.95}
	if err := st.UpsertPosts(ctx, []model.Post{p, p}); err != nil {
		t.Fatal(err)
	}
	if v := getPostView(t, srv.URL+"/api/v1/posts/p2"); v.Sentiment.Label != model.Negative || v.ModelSentiment.Score != 0.95 {
		t.Errorf("post after re-analysis = %+v, want the correction over the new analysis", v)
	}

	if got := testutil.ToFloat64(gather.WithLabelValues(model.Positive, model.Negative)); got != 1 {
		t.Errorf("corrections positive→negative = %v, want 1", got)
	}
	if got := testutil.ToFloat64(gather.WithLabelValues(model.Positive, model.Neutral)); got != 1 {
		t.Errorf("corrections positive→neutral = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(gather); n != 9 {
		t.Errorf("correction series = %d, want the 9 label pairs", n)
	}
}

func TestCorrectionsExport(t *testing.T) {
	srv, _, _ := newServer(t)
	code, hdr, body := do(t, http.MethodGet, srv.URL+"/api/v1/corrections", "")
	if code != 200 || body != "" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/x-ndjson") {
		t.Errorf("no corrections = %d %q %q, want 200 and no lines", code, hdr.Get("Content-Type"), body)
	}
	for _, c := range []struct{ post, body string }{
		{"p1", `{"label":"neutral","by":"张三"}`},
		{"p2", `{"label":"negative","by":"张三"}`},
		{"p1", `{"label":"negative","by":"李四","note":"确认负面"}`}, // p1's latest
	} {
		if code, _, body := do(t, http.MethodPost, srv.URL+"/api/v1/posts/"+c.post+"/sentiment", c.body); code != 201 {
			t.Fatalf("POST correction = %d %s", code, body)
		}
		time.Sleep(2 * time.Millisecond) // distinct correction times
	}
	code, _, body = do(t, http.MethodGet, srv.URL+"/api/v1/corrections", "")
	want := `{"text":"全县秋粮丰收\n粮食产量创新高。","label":"negative"}
{"text":"化工厂爆炸事故致3人死亡\n青岚县化工厂发生爆炸。","label":"negative"}
`
	if code != 200 || body != want {
		t.Fatalf("GET corrections = %d\n%s\nwant\n%s", code, body, want)
	}
	// The trainer reads the export as it is.
	rows, err := sentiment.ReadCorrections(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Label != sentiment.Negative || rows[1].Text != "化工厂爆炸事故致3人死亡\n青岚县化工厂发生爆炸。" {
		t.Errorf("trainer read %+v", rows)
	}
}

func TestDictionaryAPI(t *testing.T) {
	srv, _, s := newServer(t)
	u := srv.URL + "/api/v1/dictionary"
	steps := []struct {
		method, body string
		code         int
		want         string
	}{
		{"GET", ``, 200, `{"items":[],"version":{"changes":0}}`},
		{"POST", `{"word":"青岚化工","freq":500,"pos":"nt","by":"李四"}`, 201, `"word":"青岚化工","freq":500,"pos":"nt","by":"李四"`},
		{"POST", `{"word":"澜江大桥","by":"李四"}`, 201, `"word":"澜江大桥","by":"李四"`},
		{"POST", `{"word":"青岚化工","freq":800,"by":"王五"}`, 201, `"freq":800`},
		{"POST", `{"word":"","by":"李四"}`, 400, `missing field word: the word to add`},
		{"POST", `{"word":"青岚 化工","by":"李四"}`, 400, `invalid field word=\"青岚 化工\": must not contain white space`},
		{"POST", `{"word":"` + strings.Repeat("字", 33) + `","by":"李四"}`, 400, `33 characters, at most 32`},
		{"POST", `{"word":"青岚","pos":"noun","by":"李四"}`, 400, `invalid field pos=\"noun\": want one of gse's tags`},
		{"POST", `{"word":"青岚","freq":-3,"by":"李四"}`, 400, `invalid field freq=-3`},
		{"POST", `{"word":"青岚"}`, 400, `missing field by: who changes the dictionary`},
		{"POST", `{"word":"青岚","by":"李四","weight":1}`, 400, `unknown field \"weight\"`},
		{"DELETE", `{"word":"澜江大桥","by":"王五"}`, 200, `"removed":true`},
		{"DELETE", `{"word":"澜江大桥","by":"王五"}`, 404, `not found: word \"澜江大桥\" is not in the user dictionary`},
		{"DELETE", `{"word":"澜江大桥","pos":"ns","by":"王五"}`, 400, `removing a word takes only word and by`},
		{"DELETE", `{"word":"澜江大桥"}`, 400, `missing field by`},
		{"GET", ``, 200, `"items":[{"id":"W-`},
	}
	for _, st := range steps {
		code, _, body := do(t, st.method, u, st.body)
		if code != st.code || !strings.Contains(body, st.want) {
			t.Errorf("%s %s = %d %s; want %d containing %s", st.method, st.body, code, body, st.code, st.want)
		}
	}
	_, _, body := do(t, "GET", u, "")
	var d model.UserDictionary
	var got struct {
		Version model.DictionaryVersion `json:"version"`
		Items   []model.DictionaryEntry `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	d.Version, d.Words = got.Version, got.Items
	if d.Version.Changes != 4 || d.Version.LastChange.IsZero() || len(d.Words) != 1 || d.Words[0].Word != "青岚化工" || d.Words[0].Freq != 800 ||
		d.Words[0].POS != "" || d.Words[0].By != "王五" {
		t.Errorf("dictionary = %+v, want 青岚化工 as 王五 last set it, after 4 changes", d)
	}
	want := `
# HELP yuqing_console_dictionary_changes_total Changes officers made to the user dictionary, by change (add, remove).
# TYPE yuqing_console_dictionary_changes_total counter
yuqing_console_dictionary_changes_total{change="add"} 3
yuqing_console_dictionary_changes_total{change="remove"} 1
`
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.officers.dictionary)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
