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
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
)

func do(t *testing.T, method, u, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := clientFor(u).Do(req)
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
	addAccounts(t, s, auth.RoleMonitor, "zhangsan", "lisi")
	gather := s.officers.corrections
	u := srv.URL + "/api/v1/posts/p2/sentiment"
	for _, tc := range []struct {
		as, path, body string
		code           int
		want           string
	}{
		{"zhangsan", u, `{"label":"good"}`, 400, `invalid field label=\"good\": want positive, neutral or negative`},
		{"zhangsan", u, `{"label":""}`, 400, `invalid field label=\"\"`},
		{"zhangsan", u, `{"label":"negative","note":"` + strings.Repeat("长", 501) + `"}`, 400, `invalid field note: 501 characters, at most 500`},
		{"zhangsan", u, `{"label":"negative","score":1}`, 400, `unknown field \"score\"`},
		{"zhangsan", srv.URL + "/api/v1/posts/none/sentiment", `{"label":"negative"}`, 404, `not found`},
		// The corrector is the account logged in, whatever the body says.
		{"lisi", u, `{"label":"neutral","by":"张三"}`, 201, `"corrected_by":"lisi"`},
		{"zhangsan", u, `{"label":"negative","note":"实为反讽"}`, 201, `"sentiment":{"label":"negative","score":1,"negativity":1,"corrected":true,"corrected_by":"zhangsan"`},
	} {
		useRole(t, srv, tc.as)
		code, _, body := do(t, http.MethodPost, tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %.80s as %s = %d %s; want %d containing %s", tc.path, tc.body, tc.as, code, body, tc.code, tc.want)
		}
	}
	// A role without the permission is refused, and nothing is stored.
	useRole(t, srv, auth.RoleDuty)
	if code, _, body := do(t, http.MethodPost, u, `{"label":"positive"}`); code != 403 {
		t.Errorf("POST as duty = %d %s, want 403", code, body)
	}

	// The latest correction shows, with the model's label beside it, in
	// the post and in the list, and the sentiment filter follows it.
	v := getPostView(t, srv.URL+"/api/v1/posts/p2")
	if v.Sentiment.Label != model.Negative || !v.Sentiment.Corrected || v.Sentiment.CorrectedBy != "zhangsan" || v.Sentiment.Note != "实为反讽" ||
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
	useRole(t, srv, auth.RoleMonitor)
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
	addAccounts(t, s, auth.RoleMonitor, "lisi", "wangwu")
	u := srv.URL + "/api/v1/dictionary"
	steps := []struct {
		as, method, body string
		code             int
		want             string
	}{
		{"lisi", "GET", ``, 200, `{"items":[],"version":{"changes":0}}`},
		{"lisi", "POST", `{"word":"青岚化工","freq":500,"pos":"nt","by":"李四"}`, 201, `"word":"青岚化工","freq":500,"pos":"nt","by":"lisi"`},
		{"lisi", "POST", `{"word":"澜江大桥"}`, 201, `"word":"澜江大桥","by":"lisi"`},
		{"wangwu", "POST", `{"word":"青岚化工","freq":800,"by":"lisi"}`, 201, `"freq":800,"by":"wangwu"`},
		{"lisi", "POST", `{"word":""}`, 400, `missing field word: the word to add`},
		{"lisi", "POST", `{"word":"青岚 化工"}`, 400, `invalid field word=\"青岚 化工\": must not contain white space`},
		{"lisi", "POST", `{"word":"` + strings.Repeat("字", 33) + `"}`, 400, `33 characters, at most 32`},
		{"lisi", "POST", `{"word":"青岚","pos":"noun"}`, 400, `invalid field pos=\"noun\": want one of gse's tags`},
		{"lisi", "POST", `{"word":"青岚","freq":-3}`, 400, `invalid field freq=-3`},
		{"lisi", "POST", `{"word":"青岚","weight":1}`, 400, `unknown field \"weight\"`},
		{auth.RoleViewer, "POST", `{"word":"青岚"}`, 403, `forbidden`},
		{auth.RoleViewer, "DELETE", `{"word":"澜江大桥"}`, 403, `forbidden`},
		{"wangwu", "DELETE", `{"word":"澜江大桥"}`, 200, `"removed":true`},
		{"wangwu", "DELETE", `{"word":"澜江大桥","by":"王五"}`, 404, `not found: word \"澜江大桥\" is not in the user dictionary`},
		{"wangwu", "DELETE", `{"word":"澜江大桥","pos":"ns"}`, 400, `removing a word takes only word and by`},
		{"lisi", "GET", ``, 200, `"items":[{"id":"W-`},
	}
	for _, st := range steps {
		useRole(t, srv, st.as)
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
		d.Words[0].POS != "" || d.Words[0].By != "wangwu" {
		t.Errorf("dictionary = %+v, want 青岚化工 as wangwu last set it, after 4 changes", d)
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
