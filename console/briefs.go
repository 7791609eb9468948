package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// Briefs is what the console's brief pages and API use: the store's briefs
// and the brief package's generation and formats, which internal/app
// joins (the console imports no target). Generate only builds a draft; the
// console stores it.
type Briefs interface {
	store.Briefs
	// Generate builds a draft: a 专报 on incident, or the periodic brief
	// of type t whose period holds ref.
	Generate(ctx context.Context, t model.BriefType, incident string, ref time.Time, actor string) (model.Brief, error)
	// Step takes a workflow step (submit, return, sign, issue) as actor:
	// issue numbers the brief through the store.
	Step(ctx context.Context, id, action, actor string, now time.Time) (model.Brief, error)
	// Render writes a brief as docx, html or pdf.
	Render(ctx context.Context, b *model.Brief, format string, w io.Writer) error
	// Chart draws chart number n of a brief (counted through its
	// sections) as PNG.
	Chart(b *model.Brief, n int) ([]byte, error)
}

// ErrFormatUnavailable is what Briefs.Render wraps when a format cannot be
// made here (PDF without LibreOffice): the API answers 501 saying so.
var ErrFormatUnavailable = errors.New("this format cannot be made on this server")

// briefSummary is a brief in the archive's list.
type briefSummary struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Title       string    `json:"title"`
	Number      string    `json:"number"`
	State       string    `json:"state"`
	PeriodStart time.Time `json:"period_start"`
	IncidentID  string    `json:"incident_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	Signer      string    `json:"signer,omitempty"`
}

func summarize(b model.Brief) briefSummary {
	return briefSummary{ID: b.ID, Type: string(b.Type), Title: b.Title, Number: b.NumberText(), State: b.State,
		PeriodStart: b.PeriodStart, IncidentID: b.IncidentID, CreatedAt: b.CreatedAt, Signer: b.Signer}
}

func (c *Console) briefQuery(r *http.Request) (store.BriefQuery, error) {
	q := store.BriefQuery{Type: model.BriefType(r.URL.Query().Get("type")), State: r.URL.Query().Get("state"),
		Text: strings.TrimSpace(r.URL.Query().Get("text"))}
	if q.Type != "" && !q.Type.Valid() {
		return q, &badParam{"type", string(q.Type), "want daily, weekly, monthly, special or annual"}
	}
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2200 {
			return q, &badParam{"year", y, "want a year"}
		}
		q.Year = n
	}
	limit, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		return q, err
	}
	q.Limit = limit
	return q, nil
}

func (c *Console) noBriefs(w http.ResponseWriter) bool {
	if c.briefs == nil {
		writeJSON(w, http.StatusNotFound, apiError{"briefs are not enabled on this console"})
		return true
	}
	return false
}

// listBriefs answers GET /api/v1/briefs: the archive, newest first.
func (c *Console) listBriefs(w http.ResponseWriter, r *http.Request) {
	if c.noBriefs(w) {
		return
	}
	q, err := c.briefQuery(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bs, err := c.briefs.ListBriefs(r.Context(), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	out := []briefSummary{}
	for _, b := range bs {
		out = append(out, summarize(b))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// getBrief answers GET /api/v1/briefs/{id}: the whole brief.
func (c *Console) getBrief(w http.ResponseWriter, r *http.Request) {
	if c.noBriefs(w) {
		return
	}
	b, err := c.briefs.GetBrief(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// generateRequest is the body of POST /api/v1/briefs.
type generateRequest struct {
	Type     string `json:"type"`
	Incident string `json:"incident"`
	// Period is a day of the period (YYYY-MM-DD); empty is yesterday's.
	Period string `json:"period"`
	// Actor is ignored: the brief is generated as the signed-in account.
	Actor string `json:"actor"`
}

// generateBrief answers POST /api/v1/briefs: it generates a draft and
// stores it (201 with the brief).
func (c *Console) generateBrief(w http.ResponseWriter, r *http.Request) {
	if c.noBriefs(w) {
		return
	}
	var req generateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	t := model.BriefType(req.Type)
	switch {
	case !t.Valid():
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("invalid field type=%q: want daily, weekly, monthly, special or annual", req.Type)})
		return
	case t == model.BriefSpecial && req.Incident == "":
		writeJSON(w, http.StatusBadRequest, apiError{"invalid field incident: a 专报 needs an incident ID"})
		return
	}
	ref := c.now().AddDate(0, 0, -1)
	if req.Period != "" {
		d, err := time.ParseInLocation("2006-01-02", req.Period, model.China)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("invalid field period=%q: want YYYY-MM-DD", req.Period)})
			return
		}
		ref = d
	}
	b, err := c.briefs.Generate(r.Context(), t, req.Incident, ref, signerName(r))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.briefs.UpsertBriefs(r.Context(), []model.Brief{b}); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

// briefActionRequest is the body of POST /api/v1/briefs/{id}/actions.
type briefActionRequest struct {
	// Action is submit, return, sign or issue.
	Action string `json:"action"`
	// Actor is ignored: the step is taken as the signed-in account.
	Actor string `json:"actor"`
}

// briefAction answers POST /api/v1/briefs/{id}/actions: a workflow step.
// Signing and returning are the 领导's (permission brief.sign), the other
// steps the drafting office's (brief.draft).
func (c *Console) briefAction(w http.ResponseWriter, r *http.Request) {
	if c.noBriefs(w) {
		return
	}
	var req briefActionRequest
	if !decodeBody(w, r, &req) {
		return
	}
	switch req.Action {
	case model.BriefActionSubmit, model.BriefActionReturn, model.BriefActionSign, model.BriefActionIssue:
	default:
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("invalid field action=%q: want submit, return, sign or issue", req.Action)})
		return
	}
	// 签发 and 退回 are the reviewer's (a 领导), submitting the drafting
	// office's; a signed brief is issued by either.
	perm := auth.PermBriefDraft
	switch {
	case req.Action == model.BriefActionSign || req.Action == model.BriefActionReturn:
		perm = auth.PermBriefSign
	case req.Action == model.BriefActionIssue && principal(r).Can(auth.PermBriefSign):
		perm = auth.PermBriefSign
	}
	if !c.allow(w, r, perm) {
		return
	}
	note(r, "brief."+req.Action, r.PathValue("id"), "")
	b, err := c.briefs.Step(r.Context(), r.PathValue("id"), req.Action, signerName(r), c.now())
	if errors.Is(err, model.ErrBriefState) {
		writeJSON(w, http.StatusConflict, apiError{err.Error()})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// editRequest is the body of POST /api/v1/briefs/{id}/blocks.
type editRequest struct {
	Block string `json:"block"`
	Text  string `json:"text"`
	// Actor is ignored: the edit is made as the signed-in account.
	Actor string `json:"actor"`
}

// editBrief answers POST /api/v1/briefs/{id}/blocks: a person rewrites a
// text block of a draft or a brief in review.
func (c *Console) editBrief(w http.ResponseWriter, r *http.Request) {
	if c.noBriefs(w) {
		return
	}
	var req editRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid field text: must not be empty"})
		return
	}
	b, err := c.briefs.GetBrief(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := b.Edit(req.Block, strings.TrimSpace(req.Text), signerName(r), c.now()); err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, model.ErrBriefState) {
			code = http.StatusConflict
		}
		writeJSON(w, code, apiError{"invalid field block: " + err.Error()})
		return
	}
	if err := c.briefs.UpsertBriefs(r.Context(), []model.Brief{b}); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// briefFile answers GET /api/v1/briefs/{id}/file?format=docx|html|pdf.
func (c *Console) briefFile(w http.ResponseWriter, r *http.Request) {
	if c.noBriefs(w) {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "docx"
	}
	if format != "docx" && format != "html" && format != "pdf" {
		c.fail(w, r, &badParam{"format", format, "want docx, html or pdf"})
		return
	}
	b, err := c.briefs.GetBrief(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := c.briefs.Render(r.Context(), &b, format, &buf); err != nil {
		if errors.Is(err, ErrFormatUnavailable) {
			writeJSON(w, http.StatusNotImplemented, apiError{err.Error()})
			return
		}
		c.fail(w, r, err)
		return
	}
	types := map[string]string{"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
	w.Header().Set("Content-Type", types[format])
	if format != "html" {
		name := b.Title + "-" + b.ID + "." + format
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	}
	_, _ = w.Write(buf.Bytes())
}

// briefChart answers GET /api/v1/briefs/{id}/charts/{n}: a chart as PNG.
func (c *Console) briefChart(w http.ResponseWriter, r *http.Request) {
	if c.noBriefs(w) {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		c.fail(w, r, &badParam{"n", r.PathValue("n"), "want a chart number from 1"})
		return
	}
	b, err := c.briefs.GetBrief(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	png, err := c.briefs.Chart(&b, n)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=60")
	_, _ = w.Write(png)
}

// briefBlockView is a block on the brief's page, its chart numbered.
type briefBlockView struct {
	model.BriefBlock
	ChartNo int
}

type briefSectionView struct {
	Title  string
	Blocks []briefBlockView
}

// briefPageData is the data of the briefs' pages.
type briefPageData struct {
	// CSRFToken and User are filled once the console has accounts.
	CSRFToken string
	User      any
	Query     store.BriefQuery
	Items     []briefSummary
	Brief     *model.Brief
	Sections  []briefSectionView
	Editable  bool
}

// briefsPage is the archive: search, the list, and the generate form.
func (c *Console) briefsPage(w http.ResponseWriter, r *http.Request) {
	if c.briefs == nil {
		c.render(w, r, http.StatusNotFound, "message", map[string]string{"Head": "简报未启用", "Text": "本系统未启用舆情简报。如需使用，请联系系统管理员在配置中启用。"})
		return
	}
	q, err := c.briefQuery(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bs, err := c.briefs.ListBriefs(r.Context(), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := briefPageData{Query: q}
	for _, b := range bs {
		d.Items = append(d.Items, summarize(b))
	}
	c.render(w, r, http.StatusOK, "briefs", d)
}

// briefPage shows one brief as leaders read it, with the workflow's
// controls.
func (c *Console) briefPage(w http.ResponseWriter, r *http.Request) {
	if c.briefs == nil {
		c.render(w, r, http.StatusNotFound, "message", map[string]string{"Head": "简报未启用", "Text": "本系统未启用舆情简报。如需使用，请联系系统管理员在配置中启用。"})
		return
	}
	b, err := c.briefs.GetBrief(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := briefPageData{Brief: &b, Editable: b.State == model.BriefDraft || b.State == model.BriefReview}
	n := 0
	for _, s := range b.Content.Sections {
		sv := briefSectionView{Title: s.Title}
		for _, bl := range s.Blocks {
			v := briefBlockView{BriefBlock: bl}
			if bl.Kind == model.BlockChart {
				n++
				v.ChartNo = n
			}
			sv.Blocks = append(sv.Blocks, v)
		}
		d.Sections = append(d.Sections, sv)
	}
	c.render(w, r, http.StatusOK, "brief", d)
}

// signerName is how a brief names who took a step (its 签发人 above all):
// the signed-in account's display name, or its name when it has none.
func signerName(r *http.Request) string {
	if p := principal(r); p.DisplayName != "" {
		return p.DisplayName
	}
	return actorName(r)
}
