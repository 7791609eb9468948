package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// TableBriefs keeps model.Brief.
const TableBriefs = "briefs"

// Briefs is the briefs leaders read: drafts the brief package and the
// console write (upserts by ID, the higher Version winning) and the
// numbered briefs IssueBrief makes of them. Anyone may read them.
//
// The 期号 is the store's: IssueBrief gives an issued brief the next
// number of its type and year, consecutive, never skipped and never
// reused. On SQLite this holds for any number of processes on one file
// (the number is assigned in one IMMEDIATE transaction, and a unique
// index refuses a number twice). ClickHouse has no transactions: there
// IssueBrief serialises the issuers of one process and refuses to issue
// when it finds the number taken after writing, so a ClickHouse
// deployment issues from one process only (the console of the brief
// target; see README).
type Briefs interface {
	// UpsertBriefs writes briefs by ID, higher Version winning. It does
	// not number them: a brief written with a Number keeps it only if
	// IssueBrief gave it.
	UpsertBriefs(ctx context.Context, briefs []model.Brief) error
	// GetBrief returns one brief by ID, or ErrNotFound.
	GetBrief(ctx context.Context, id string) (model.Brief, error)
	// ListBriefs returns the briefs matching q, newest first (by
	// CreatedAt, ties by ID descending).
	ListBriefs(ctx context.Context, q BriefQuery) ([]model.Brief, error)
	// IssueBrief issues the signed brief id as actor at: it takes the next
	// 期号 of the brief's type in the year of at (China time), and the
	// next 总第M期 of its type when serialStart is positive (counting from
	// serialStart), moves it to model.BriefIssued and stores it, all at
	// once. A brief that is not signed is refused with an error wrapping
	// model.ErrBriefState; issuing an issued brief again returns it as it
	// is, its number unchanged.
	IssueBrief(ctx context.Context, id, actor string, at time.Time, serialStart int) (model.Brief, error)
}

// BriefQuery selects briefs. Zero fields do not filter.
type BriefQuery struct {
	Type  model.BriefType
	State string
	Year  int
	// Text is a substring of the title or of the content's text.
	Text  string
	Limit int // 0 means 100, at most 1000
}

// BriefLimit returns the limit q asks for.
func (q BriefQuery) BriefLimit() int {
	if q.Limit <= 0 {
		return 100
	}
	return min(q.Limit, 1000)
}

// ErrNumberTaken is returned when an issued brief's 期号 is found taken
// by another brief: on ClickHouse, two processes issued at once.
var ErrNumberTaken = errors.New("the 期号 is taken by another brief")

// BriefsTable keeps model.Brief: the fields queries filter and sort by in
// columns of their own, the whole brief in one JSON column, detail.
var BriefsTable = &Table[model.Brief]{
	Name: TableBriefs, Singular: "brief", Plural: "briefs",
	ID: func(b *model.Brief) string { return b.ID },
	Validate: func(b *model.Brief) error {
		if b.ID == "" || !b.Type.Valid() {
			return fmt.Errorf("brief %q: an ID and a type (daily, weekly, monthly, special, annual) are required", b.ID)
		}
		return nil
	},
	Columns: []Column[model.Brief]{
		Col("id", func(b *model.Brief) *string { return &b.ID }),
		VersionCol(func(b *model.Brief) *uint64 { return &b.Version }),
		Col("type", func(b *model.Brief) *string { return (*string)(&b.Type) }),
		Col("year", func(b *model.Brief) *int { return &b.Year }),
		Col("number", func(b *model.Brief) *int { return &b.Number }),
		Col("serial", func(b *model.Brief) *int { return &b.Serial }),
		Col("state", func(b *model.Brief) *string { return &b.State }),
		Col("title", func(b *model.Brief) *string { return &b.Title }),
		Col("incident_id", func(b *model.Brief) *string { return &b.IncidentID }),
		Col("period_start", func(b *model.Brief) *time.Time { return &b.PeriodStart }),
		Col("created_at", func(b *model.Brief) *time.Time { return &b.CreatedAt }),
		Col("issued_at", func(b *model.Brief) *time.Time { return &b.IssuedAt }),
		TextCol("detail", encodeBrief, decodeBrief),
	},
}

func encodeBrief(b *model.Brief) (string, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("cannot encode brief %q: %w", b.ID, err)
	}
	return string(data), nil
}

// decodeBrief fills the rest of b from its JSON column; the columns read
// before it win where both hold a field.
func decodeBrief(b *model.Brief, s string) error {
	var d model.Brief
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return err
	}
	keep := *b
	*b = d
	b.ID, b.Version, b.Type, b.Year, b.Number, b.Serial, b.State = keep.ID, keep.Version, keep.Type, keep.Year, keep.Number, keep.Serial, keep.State
	b.Title, b.IncidentID, b.PeriodStart, b.CreatedAt, b.IssuedAt = keep.Title, keep.IncidentID, keep.PeriodStart, keep.CreatedAt, keep.IssuedAt
	utc := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
	utc(&b.PeriodEnd)
	utc(&b.SignedAt)
	for i := range b.Steps {
		utc(&b.Steps[i].At)
	}
	return nil
}

// Issue applies the issue step to b with the numbers given: what every
// driver's IssueBrief does once it has found the next numbers.
func Issue(b *model.Brief, actor string, at time.Time, number, serial int) error {
	if err := b.Step(model.BriefActionIssue, actor, "", at); err != nil {
		return fmt.Errorf("cannot issue brief %q: %w", b.ID, err)
	}
	b.Year = at.In(model.China).Year()
	b.Number, b.Serial = number, serial
	return nil
}
