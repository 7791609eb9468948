package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// BriefType is the kind of a brief (简报) leaders read.
type BriefType string

// The kinds of brief.
const (
	BriefDaily   BriefType = "daily"
	BriefWeekly  BriefType = "weekly"
	BriefMonthly BriefType = "monthly"
	BriefSpecial BriefType = "special" // 专报 on one incident
	// BriefAnnual is the 政府信息公开工作年度报告: the statistical tables
	// of the national template from the tracked disclosure items.
	BriefAnnual BriefType = "annual"
)

// BriefTypes lists every kind of brief.
var BriefTypes = []BriefType{BriefDaily, BriefWeekly, BriefMonthly, BriefSpecial, BriefAnnual}

// Valid reports whether t is one of BriefTypes.
func (t BriefType) Valid() bool { return slices.Contains(BriefTypes, t) }

// Name is the brief's name as printed in its 报头.
func (t BriefType) Name() string {
	switch t {
	case BriefDaily:
		return "舆情日报"
	case BriefWeekly:
		return "舆情周报"
	case BriefMonthly:
		return "舆情月报"
	case BriefSpecial:
		return "舆情专报"
	case BriefAnnual:
		return "政府信息公开工作年度报告"
	}
	return "舆情简报"
}

// Brief states: a generated draft (拟稿) is submitted for review (审核),
// signed off by a leader (签发) and then issued (已印发), when it gets its
// 期号.
const (
	BriefDraft  = "拟稿"
	BriefReview = "审核"
	BriefSigned = "签发"
	BriefIssued = "已印发"
)

// Brief is one numbered brief: its 报头 and 报尾, its workflow and its
// content. A brief is written by the brief package and the console
// (upserts by ID, the higher Version winning); only the store's IssueBrief
// gives it its 期号.
type Brief struct {
	ID      string    `json:"id"`
	Version uint64    `json:"version"`
	Type    BriefType `json:"type"`
	// Title is the brief's name in its 报头 (舆情日报); a 专报 adds the
	// incident's title below it.
	Title string `json:"title"`
	// PeriodStart (inclusive) and PeriodEnd (exclusive) bound what a
	// periodic brief covers; a 专报 covers its incident up to PeriodEnd.
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	IncidentID  string    `json:"incident_id,omitempty"`
	// Subject is a 专报's heading below the 报头 (关于……的舆情专报).
	Subject string `json:"subject,omitempty"`
	// Year and Number are the 期号 (第Number期 of Year), zero until
	// issued; Serial, when positive, is 总第Serial期 across years.
	Year   int `json:"year,omitempty"`
	Number int `json:"number,omitempty"`
	Serial int `json:"serial,omitempty"`
	// Unit is the 编发单位.
	Unit string `json:"unit"`
	// Classification is 内部资料 or a 密级 (秘密, 机密); CopyNo is the
	// copy number printed beside it, Copies how many copies are printed.
	Classification string `json:"classification"`
	CopyNo         string `json:"copy_no,omitempty"`
	Copies         int    `json:"copies,omitempty"`
	// ReportTo, SendTo and CopyTo are the 报, 送 and 发 recipients.
	ReportTo []string `json:"report_to,omitempty"`
	SendTo   []string `json:"send_to,omitempty"`
	CopyTo   []string `json:"copy_to,omitempty"`

	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	Signer    string    `json:"signer,omitempty"`
	SignedAt  time.Time `json:"signed_at,omitzero"`
	IssuedAt  time.Time `json:"issued_at,omitzero"`
	// Steps are the workflow's steps, oldest first.
	Steps   []BriefStep  `json:"steps,omitempty"`
	Content BriefContent `json:"content"`
}

// BriefStep is one step of a brief's workflow and who took it.
type BriefStep struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	Note   string    `json:"note,omitempty"`
}

// BriefContent is a brief's body: sections of blocks, and the figures the
// text was written from (by name), so the figures can be checked against
// the same queries through the API.
type BriefContent struct {
	Sections []BriefSection   `json:"sections"`
	Figures  map[string]int64 `json:"figures,omitempty"`
}

// BriefSection is one numbered section (一、舆情概况).
type BriefSection struct {
	Title  string       `json:"title"`
	Blocks []BriefBlock `json:"blocks"`
}

// Block kinds.
const (
	BlockText    = "text"
	BlockQuote   = "quote"
	BlockTable   = "table"
	BlockChart   = "chart"
	BlockHeading = "heading"
)

// BriefBlock is one block of a section. Text and quote blocks have an ID
// and may be edited while the brief is a draft or in review.
type BriefBlock struct {
	ID   string `json:"id,omitempty"`
	Kind string `json:"kind"`
	Text string `json:"text,omitempty"`
	// Source says where a quote comes from (source, time, link).
	Source string      `json:"source,omitempty"`
	Table  *BriefTable `json:"table,omitempty"`
	Chart  *BriefChart `json:"chart,omitempty"`
	// Edited is set once a person changed the generated text.
	Edited bool `json:"edited,omitempty"`
}

// BriefTable is a table with a header row.
type BriefTable struct {
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// BriefChart is a chart's data; the formats draw it.
type BriefChart struct {
	// Kind is line or bar.
	Kind   string             `json:"kind"`
	Title  string             `json:"title"`
	Labels []string           `json:"labels"`
	Series []BriefChartSeries `json:"series"`
}

// BriefChartSeries is one line or one set of bars of a chart.
type BriefChartSeries struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// ErrBriefState is returned for a workflow step the brief's state does
// not allow.
var ErrBriefState = errors.New("not allowed in this state")

// Brief workflow actions.
const (
	BriefActionGenerate = "generate"
	BriefActionEdit     = "edit"
	BriefActionSubmit   = "submit"
	BriefActionReturn   = "return"
	BriefActionSign     = "sign"
	BriefActionIssue    = "issue"
)

// BriefActionName is an action as people read it: 提交审核, 签发.
func BriefActionName(action string) string {
	switch action {
	case BriefActionGenerate:
		return "生成草稿"
	case BriefActionEdit:
		return "修改文字"
	case BriefActionSubmit:
		return "提交审核"
	case BriefActionReturn:
		return "退回修改"
	case BriefActionSign:
		return "签发"
	case BriefActionIssue:
		return "印发"
	}
	return action
}

// briefMoves are the workflow's transitions: action → from → to.
var briefMoves = map[string][2]string{
	BriefActionSubmit: {BriefDraft, BriefReview},
	BriefActionReturn: {BriefReview, BriefDraft},
	BriefActionSign:   {BriefReview, BriefSigned},
	BriefActionIssue:  {BriefSigned, BriefIssued},
}

// Step applies a workflow action (submit, return, sign, issue) taken by
// actor at at, and bumps Version. Issue only moves the state: the store's
// IssueBrief assigns the 期号 together with it.
func (b *Brief) Step(action, actor, note string, at time.Time) error {
	mv, ok := briefMoves[action]
	if !ok {
		return fmt.Errorf("unknown action %q", action)
	}
	if strings.TrimSpace(actor) == "" {
		return errors.New("actor: who takes the step is required")
	}
	if b.State != mv[0] {
		return fmt.Errorf("cannot %s a brief that is %s: %w", action, b.State, ErrBriefState)
	}
	b.Steps = append(b.Steps, BriefStep{At: at.UTC(), Actor: actor, Action: action, From: mv[0], To: mv[1], Note: note})
	b.State = mv[1]
	switch action {
	case BriefActionSign:
		b.Signer, b.SignedAt = actor, at.UTC()
	case BriefActionIssue:
		b.IssuedAt = at.UTC()
	}
	b.Version++
	return nil
}

// Edit replaces the text of the text or quote block id, while the brief
// is a draft or in review.
func (b *Brief) Edit(id, text, actor string, at time.Time) error {
	if b.State != BriefDraft && b.State != BriefReview {
		return fmt.Errorf("cannot edit a brief that is %s: %w", b.State, ErrBriefState)
	}
	if strings.TrimSpace(actor) == "" {
		return errors.New("actor: who edits is required")
	}
	for si := range b.Content.Sections {
		for bi := range b.Content.Sections[si].Blocks {
			bl := &b.Content.Sections[si].Blocks[bi]
			if bl.ID != id || bl.ID == "" {
				continue
			}
			if bl.Kind != BlockText && bl.Kind != BlockQuote {
				return fmt.Errorf("block %q is not text", id)
			}
			bl.Text, bl.Edited = text, true
			b.Steps = append(b.Steps, BriefStep{At: at.UTC(), Actor: actor, Action: BriefActionEdit, To: b.State, Note: id})
			b.Version++
			return nil
		}
	}
	return fmt.Errorf("block %q: no such block", id)
}

// NumberText is the 期号 line of the 报头: 2026年第3期（总第190期）, or
// 〔待印发〕 before it is issued.
func (b *Brief) NumberText() string {
	if b.Number == 0 {
		return "（期号印发时编排）"
	}
	s := fmt.Sprintf("%d年第%d期", b.Year, b.Number)
	if b.Serial > 0 {
		s += fmt.Sprintf("（总第%d期）", b.Serial)
	}
	return s
}
