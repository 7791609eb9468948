package console

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// This file serves what officers add to the analysis: corrections of a
// post's sentiment, which the sentiment model can be retrained on, and the
// user dictionary, which the analyzer polls.

// officerMetrics count officers' changes. Their labels are bounded: the
// three sentiment labels (and "" for a post the analyzer gave none), and
// add or remove.
type officerMetrics struct {
	corrections *prometheus.CounterVec
	dictionary  *prometheus.CounterVec
}

func newOfficerMetrics(reg prometheus.Registerer) officerMetrics {
	m := officerMetrics{
		corrections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_console_sentiment_corrections_total",
			Help: "Sentiment corrections officers made, by the analyzer's label and the label they gave.",
		}, []string{"model_label", "label"}),
		dictionary: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_console_dictionary_changes_total",
			Help: "Changes officers made to the user dictionary, by change (add, remove).",
		}, []string{"change"}),
	}
	reg.MustRegister(m.corrections, m.dictionary)
	labels := []string{model.Positive, model.Neutral, model.Negative}
	for _, from := range labels {
		for _, to := range labels {
			m.corrections.WithLabelValues(from, to)
		}
	}
	m.dictionary.WithLabelValues("add")
	m.dictionary.WithLabelValues("remove")
	return m
}

func (s *Server) registerOfficerRoutes() {
	s.handle("POST /api/v1/posts/{id}/sentiment", s.correctSentiment)
	s.handle("GET /api/v1/corrections", s.corrections)
	s.handle("GET /api/v1/dictionary", s.dictionary)
	s.handle("POST /api/v1/dictionary", s.addWord)
	s.handle("DELETE /api/v1/dictionary", s.removeWord)
}

// SentimentView is a post's sentiment as the API shows it: the officer's
// correction where there is one (the latest), else the analyzer's. A
// person's label is certain, so a corrected sentiment has Score 1 and
// Negativity 1 when negative, 0 otherwise; the analyzer's own sentiment
// stays visible as the post's model_sentiment.
type SentimentView struct {
	Label      string  `json:"label"`
	Score      float64 `json:"score"`
	Negativity float64 `json:"negativity"`
	// Evidence are the words the analyzer's reading rests on (absent once
	// an officer corrected it: the model_sentiment keeps them).
	Evidence []string `json:"evidence,omitempty"`
	// Corrected is set when an officer corrected it: who, when, why.
	Corrected   bool      `json:"corrected"`
	CorrectedBy string    `json:"corrected_by,omitempty"`
	CorrectedAt time.Time `json:"corrected_at,omitzero"`
	Note        string    `json:"note,omitempty"`
}

// sentimentView overlays c, if not nil, on the analyzer's sentiment m.
func sentimentView(m model.Sentiment, c *model.SentimentCorrection) SentimentView {
	if c == nil {
		return SentimentView{Label: m.Label, Score: m.Score, Negativity: m.Negativity, Evidence: m.Evidence}
	}
	v := SentimentView{Label: c.Label, Score: 1, Corrected: true, CorrectedBy: c.By, CorrectedAt: c.At, Note: c.Note}
	if c.Label == model.Negative {
		v.Negativity = 1
	}
	return v
}

// queryPosts returns a page of posts as the store holds them and the latest
// corrections of its posts, keyed by post ID, for the views to overlay.
func (s *Server) queryPosts(ctx context.Context, q store.PostQuery) (store.PostPage, map[string]model.SentimentCorrection, error) {
	page, err := s.st.QueryPosts(ctx, q)
	if err != nil {
		return page, nil, err
	}
	ids := make([]string, len(page.Items))
	for i, p := range page.Items {
		ids[i] = p.ID
	}
	corrections, err := s.st.PostCorrections(ctx, ids)
	return page, corrections, err
}

// correctionOf returns the correction of id in cs, or nil.
func correctionOf(cs map[string]model.SentimentCorrection, id string) *model.SentimentCorrection {
	if c, ok := cs[id]; ok {
		return &c
	}
	return nil
}

// correctionRequest is the body of POST /api/v1/posts/{id}/sentiment.
type correctionRequest struct {
	Label string `json:"label"`
	// By is who corrects; until the console has logins it is given here.
	By   string `json:"by"`
	Note string `json:"note"`
}

// correctSentiment records an officer's correction of a post's sentiment
// and answers 201 with the post as the API now shows it. The stored
// analysis is not changed: the correction is overlaid when the post is
// read, so a re-analysis of the post does not undo it.
func (s *Server) correctSentiment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req correctionRequest
	if !decodeBody(w, r, &req) {
		return
	}
	now := s.now()
	c := model.SentimentCorrection{ID: "SC-" + uniqueID(now, id, req.Label, req.By, req.Note), PostID: id,
		Label: req.Label, By: req.By, At: now.UTC(), Note: req.Note}
	if err := c.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	p, err := s.st.GetPost(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c.ModelLabel, c.Title, c.Body = p.Sentiment.Label, p.Title, p.Body
	if err := s.st.AppendCorrections(r.Context(), []model.SentimentCorrection{c}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.officers.corrections.WithLabelValues(c.ModelLabel, c.Label).Inc()
	s.log.Info("sentiment corrected", "post", id, "from", c.ModelLabel, "to", c.Label, "by", c.By)
	writeJSON(w, http.StatusCreated, postItem(p, true, &c))
}

// corrections answers the latest correction of every corrected post as
// JSON lines {"text","label"}, oldest first: the file
// `yuqing train sentiment -corrections FILE` reads.
func (s *Server) corrections(w http.ResponseWriter, r *http.Request) {
	cs, err := s.st.ListCorrections(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if _, err := model.WriteTrainingLines(&buf, cs); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="corrections.jsonl"`)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

// dictionary answers the user dictionary: its words and its version.
func (s *Server) dictionary(w http.ResponseWriter, r *http.Request) {
	d, err := s.st.UserDictionary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": d.Version, "items": nonNil(d.Words)})
}

// wordRequest is the body of POST and DELETE /api/v1/dictionary; DELETE
// reads only word and by.
type wordRequest struct {
	Word string  `json:"word"`
	Freq float64 `json:"freq"`
	POS  string  `json:"pos"`
	By   string  `json:"by"`
}

// addWord adds a word to the user dictionary, or replaces its frequency
// and part of speech, and answers 201 with the change.
func (s *Server) addWord(w http.ResponseWriter, r *http.Request) {
	var req wordRequest
	if !decodeBody(w, r, &req) {
		return
	}
	now := s.now()
	e := model.DictionaryEntry{ID: "W-" + uniqueID(now, req.Word, req.By), Word: req.Word, Freq: req.Freq, POS: req.POS, By: req.By, At: now.UTC()}
	s.changeDictionary(w, r, e, "add", http.StatusCreated)
}

// removeWord takes a word out of the user dictionary and answers 200 with
// the change, or 404 when the word is not in it.
func (s *Server) removeWord(w http.ResponseWriter, r *http.Request) {
	var req wordRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Freq != 0 || req.POS != "" {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid request body: removing a word takes only word and by"})
		return
	}
	now := s.now()
	e := model.DictionaryEntry{ID: "W-" + uniqueID(now, req.Word, req.By, "removed"), Word: req.Word, By: req.By, At: now.UTC(), Removed: true}
	if err := e.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	d, err := s.st.UserDictionary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !slices.ContainsFunc(d.Words, func(x model.DictionaryEntry) bool { return x.Word == req.Word }) {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("not found: word %q is not in the user dictionary", req.Word)})
		return
	}
	s.changeDictionary(w, r, e, "remove", http.StatusOK)
}

func (s *Server) changeDictionary(w http.ResponseWriter, r *http.Request, e model.DictionaryEntry, change string, code int) {
	if err := e.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	if err := s.st.AppendDictionary(r.Context(), []model.DictionaryEntry{e}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.officers.dictionary.WithLabelValues(change).Inc()
	s.log.Info("user dictionary changed", "change", change, "word", e.Word, "by", e.By)
	writeJSON(w, code, map[string]any{"entry": e})
}
