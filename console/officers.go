package console

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
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
	// refused counts requests on incidents answered 409 because the
	// incident's state would refuse or ignore them, by action.
	refused *prometheus.CounterVec
}

func newOfficerMetrics(reg prometheus.Registerer) (officerMetrics, error) {
	m := officerMetrics{
		corrections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_console_sentiment_corrections_total",
			Help: "Sentiment corrections officers made, by the analyzer's label and the label they gave.",
		}, []string{"model_label", "label"}),
		dictionary: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_console_dictionary_changes_total",
			Help: "Changes officers made to the user dictionary, by change (add, remove).",
		}, []string{"change"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yuqing_console_requests_refused_total",
			Help: "Requests on incidents refused with 409 because the incident's state would refuse or ignore them, by action.",
		}, []string{"action"}),
	}
	for _, c := range []prometheus.Collector{m.corrections, m.dictionary, m.refused} {
		if err := reg.Register(c); err != nil {
			return officerMetrics{}, fmt.Errorf("cannot register the console's metrics: %w", err)
		}
	}
	labels := []string{model.Positive, model.Neutral, model.Negative}
	for _, from := range labels {
		for _, to := range labels {
			m.corrections.WithLabelValues(from, to)
		}
	}
	m.dictionary.WithLabelValues("add")
	m.dictionary.WithLabelValues("remove")
	for _, a := range actions {
		m.refused.WithLabelValues(a)
	}
	return m, nil
}

// correctionRequest is the body of POST /api/v1/posts/{id}/sentiment.
type correctionRequest struct {
	Label string `json:"label"`
	// By is who corrects: the authenticated account, whatever the body
	// says (a body's by is accepted for older clients and ignored).
	By   string `json:"by"`
	Note string `json:"note"`
}

// correctSentiment records an officer's correction of a post's sentiment
// and answers 201 with the post as the API now shows it. The stored
// analysis is not changed: the correction is overlaid when the post is
// read, so a re-analysis of the post does not undo it.
func (c *Console) correctSentiment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req correctionRequest
	if !decodeBody(w, r, &req) {
		return
	}
	req.By = actorName(r)
	note(r, "post.correct", "post:"+id, req.Label)
	now := c.now()
	sc := model.SentimentCorrection{ID: "SC-" + uniqueID(now, id, req.Label, req.By, req.Note), PostID: id,
		Label: req.Label, By: req.By, At: now.UTC(), Note: req.Note}
	if err := sc.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	p, err := c.st.GetPost(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sc.ModelLabel, sc.Title, sc.Body = p.Sentiment.Label, p.Title, p.Body
	if err := c.st.AppendCorrections(r.Context(), []model.SentimentCorrection{sc}); err != nil {
		c.fail(w, r, err)
		return
	}
	c.officers.corrections.WithLabelValues(sc.ModelLabel, sc.Label).Inc()
	c.log.Info("sentiment corrected", "post", id, "from", sc.ModelLabel, "to", sc.Label, "by", sc.By)
	writeJSON(w, http.StatusCreated, readmodel.NewPostItem(p, true, &sc))
}

// corrections answers the latest correction of every corrected post as
// JSON lines {"text","label"}, oldest first: the file
// `yuqing train sentiment -corrections FILE` reads.
func (c *Console) corrections(w http.ResponseWriter, r *http.Request) {
	cs, err := c.st.ListCorrections(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if _, err := model.WriteTrainingLines(&buf, cs); err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="corrections.jsonl"`)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

// dictionary answers the user dictionary: its words and its version.
func (c *Console) dictionary(w http.ResponseWriter, r *http.Request) {
	d, err := c.st.UserDictionary(r.Context())
	if err != nil {
		c.fail(w, r, err)
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
func (c *Console) addWord(w http.ResponseWriter, r *http.Request) {
	var req wordRequest
	if !decodeBody(w, r, &req) {
		return
	}
	req.By = actorName(r)
	note(r, "dictionary.add", "word:"+req.Word, req.POS)
	now := c.now()
	e := model.DictionaryEntry{ID: "W-" + uniqueID(now, req.Word, req.By), Word: req.Word, Freq: req.Freq, POS: req.POS, By: req.By, At: now.UTC()}
	c.changeDictionary(w, r, e, "add", http.StatusCreated)
}

// removeWord takes a word out of the user dictionary and answers 200 with
// the change, or 404 when the word is not in it.
func (c *Console) removeWord(w http.ResponseWriter, r *http.Request) {
	var req wordRequest
	if !decodeBody(w, r, &req) {
		return
	}
	req.By = actorName(r)
	note(r, "dictionary.remove", "word:"+req.Word, "")
	if req.Freq != 0 || req.POS != "" {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid request body: removing a word takes only word and by"})
		return
	}
	now := c.now()
	e := model.DictionaryEntry{ID: "W-" + uniqueID(now, req.Word, req.By, "removed"), Word: req.Word, By: req.By, At: now.UTC(), Removed: true}
	if err := e.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	d, err := c.st.UserDictionary(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if !slices.ContainsFunc(d.Words, func(x model.DictionaryEntry) bool { return x.Word == req.Word }) {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("not found: word %q is not in the user dictionary", req.Word)})
		return
	}
	c.changeDictionary(w, r, e, "remove", http.StatusOK)
}

func (c *Console) changeDictionary(w http.ResponseWriter, r *http.Request, e model.DictionaryEntry, change string, code int) {
	if err := e.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	if err := c.st.AppendDictionary(r.Context(), []model.DictionaryEntry{e}); err != nil {
		c.fail(w, r, err)
		return
	}
	c.officers.dictionary.WithLabelValues(change).Inc()
	c.log.Info("user dictionary changed", "change", change, "word", e.Word, "by", e.By)
	writeJSON(w, code, map[string]any{"entry": e})
}
