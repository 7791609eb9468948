package console

import (
	"errors"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/scheme"
	"github.com/yuqing-project/yuqing/settings"
	"github.com/yuqing-project/yuqing/store"
)

// backtestRequest is the body of POST /api/v1/schemes/backtest.
type backtestRequest struct {
	Scheme config.Scheme `json:"scheme"`
	// Days is how far back stored posts are read (1–90).
	Days int `json:"days"`
	// Samples is how many matching posts are returned (default 10).
	Samples int `json:"samples"`
}

// maxBacktestPosts bounds the posts one back-test reads.
const maxBacktestPosts = 50000

// backtest tells an officer, before a monitoring scheme goes live, how many
// stored posts of the last days it would match, with samples and the words
// that matched. Terms compile under Options.SchemeOptions, as live matching
// compiles them. NEAR distances are counted in characters here (the
// console does not segment); live matching counts them in words.
func (c *Console) backtest(w http.ResponseWriter, r *http.Request) {
	var req backtestRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Days < 1 || req.Days > 90 {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("invalid field days=%d: must be between 1 and 90", req.Days)})
		return
	}
	if req.Samples <= 0 {
		req.Samples = 10
	}
	sc := req.Scheme
	if sc.ID == "" {
		sc.ID = "backtest"
	}
	m, err := scheme.Compile([]scheme.Scheme{{ID: sc.ID, Name: sc.Name, Regions: sc.Regions, Subjects: sc.Subjects,
		Events: sc.Events, Exclusions: sc.Exclusions, Expression: sc.Expression}}, c.schemes)
	if err != nil {
		// The error in the API's words, and for the page in Chinese with
		// the field it is in.
		ms := settings.FromConfig(sc)
		field, msg := explainScheme(err, &ms)
		writeJSON(w, http.StatusBadRequest, fieldError{err.Error(), "scheme." + field, msg})
		return
	}
	since := c.now().Add(-time.Duration(req.Days) * 24 * time.Hour)
	titles := map[string]string{}
	var readErr error
	// The store hands over only what matching reads (ID, title, body),
	// newest first. It cannot narrow the posts by the scheme's terms: the
	// stored text is as published, and the matcher normalises it (a post
	// in traditional characters matches a simplified term), which a
	// substring search in the database would miss.
	posts := iter.Seq[scheme.Post](func(yield func(scheme.Post) bool) {
		page, err := c.st.QueryCandidates(r.Context(), store.CandidateQuery{Filter: store.Filter{Since: since}, Limit: maxBacktestPosts})
		if err != nil {
			readErr = err
			return
		}
		for _, p := range page.Items {
			titles[p.ID] = p.Title
			if !yield(scheme.Post{ID: p.ID, Text: p.Title + "\n" + p.Body}) {
				return
			}
		}
	})
	rep := scheme.BackTest(m, posts, req.Samples)
	if readErr != nil {
		c.fail(w, r, errors.Join(errors.New("cannot read stored posts for the back-test"), readErr))
		return
	}
	type sample struct {
		PostID string   `json:"post_id"`
		Title  string   `json:"title"`
		Terms  []string `json:"terms"`
	}
	out := map[string]any{"posts": rep.Posts, "days": req.Days, "matched": 0, "samples": []sample{}}
	if len(rep.Schemes) == 1 {
		var samples []sample
		for _, sm := range rep.Schemes[0].Samples {
			samples = append(samples, sample{sm.PostID, titles[sm.PostID], sm.Terms})
		}
		out["matched"], out["samples"] = rep.Schemes[0].Matched, nonNil(samples)
	}
	writeJSON(w, http.StatusOK, out)
}
