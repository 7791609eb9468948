package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// The tables of the store, each defined once for both drivers. Column
// order is the order of each driver's INSERT and SELECT lists; the
// drivers' DDL names the same columns (their tests check it).

// PostsTable keeps model.Post: the document's fields, the analysis, and
// the monitoring schemes the post matched.
var PostsTable = &Table[model.Post]{
	Name: TablePosts, Singular: "post", Plural: "posts",
	ID: func(p *model.Post) string { return p.ID },
	Columns: []Column[model.Post]{
		Col("id", func(p *model.Post) *string { return &p.ID }),
		VersionCol(func(p *model.Post) *uint64 { return &p.Version }),
		Col("schema", func(p *model.Post) *int { return &p.Schema }),
		Col("url", func(p *model.Post) *string { return &p.URL }),
		Col("source_id", func(p *model.Post) *string { return &p.SourceID }),
		Col("source_name", func(p *model.Post) *string { return &p.SourceName }),
		Col("source_kind", func(p *model.Post) *string { return &p.SourceKind }),
		Col("authority", func(p *model.Post) *string { return &p.Authority }),
		Col("region_code", func(p *model.Post) *string { return &p.RegionCode }),
		Col("title", func(p *model.Post) *string { return &p.Title }),
		Col("body", func(p *model.Post) *string { return &p.Body }),
		Col("author", func(p *model.Post) *string { return &p.Author }),
		Col("origin", func(p *model.Post) *string { return &p.Origin }),
		Col("published_at", func(p *model.Post) *time.Time { return &p.PublishedAt }),
		Col("published_at_source", func(p *model.Post) *string { return &p.PublishedAtSource }),
		Col("fetched_at", func(p *model.Post) *time.Time { return &p.FetchedAt }),
		Col("content_hash", func(p *model.Post) *string { return &p.ContentHash }),
		Col("encoding", func(p *model.Post) *string { return &p.Encoding }),
		Col("analyzed_at", func(p *model.Post) *time.Time { return &p.AnalyzedAt }),
		Col("sentiment_label", func(p *model.Post) *string { return &p.Sentiment.Label }),
		Col("sentiment_score", func(p *model.Post) *float64 { return &p.Sentiment.Score }),
		Col("sentiment_negativity", func(p *model.Post) *float64 { return &p.Sentiment.Negativity }),
		ListCol("topics", func(p *model.Post) *[]model.Topic { return &p.Topics },
			Field("topic_names", func(t *model.Topic) *string { return &t.Name }),
			Field("topic_scores", func(t *model.Topic) *float64 { return &t.Score }),
			// Added by schema version 2; older rows have no terms.
			Field("topic_terms", func(t *model.Topic) *[]string { return &t.Terms }).Optional()),
		ListCol("keywords", func(p *model.Post) *[]model.Keyword { return &p.Keywords },
			Field("keyword_words", func(k *model.Keyword) *string { return &k.Word }),
			Field("keyword_weights", func(k *model.Keyword) *float64 { return &k.Weight })),
		ListCol("regions", func(p *model.Post) *[]model.Region { return &p.Regions },
			Field("region_codes", func(r *model.Region) *string { return &r.Code }),
			Field("region_names", func(r *model.Region) *string { return &r.Name }),
			Field("region_roles", func(r *model.Region) *string { return &r.Role })),
		ListCol("entities", func(p *model.Post) *[]model.Entity { return &p.Entities },
			Field("entity_texts", func(e *model.Entity) *string { return &e.Text }),
			Field("entity_kinds", func(e *model.Entity) *string { return &e.Kind })),
		Col("simhash", func(p *model.Post) *uint64 { return &p.SimHash }),
		Col("flags", func(p *model.Post) *[]string { return &p.Flags }),
		ListCol("schemes", func(p *model.Post) *[]model.SchemeHit { return &p.Schemes },
			Field("scheme_ids", func(h *model.SchemeHit) *string { return &h.ID }),
			Field("scheme_names", func(h *model.SchemeHit) *string { return &h.Name }),
			Field("scheme_terms", func(h *model.SchemeHit) *[]string { return &h.Terms }),
			Field("scheme_alerts", func(h *model.SchemeHit) *bool { return &h.Alert })),
		Col("sentiment_evidence", func(p *model.Post) *[]string { return &p.Sentiment.Evidence }),
	},
}

// EventsTable keeps model.Event.
var EventsTable = &Table[model.Event]{
	Name: TableEvents, Singular: "event", Plural: "events",
	ID: func(e *model.Event) string { return e.ID },
	Columns: []Column[model.Event]{
		Col("id", func(e *model.Event) *string { return &e.ID }),
		VersionCol(func(e *model.Event) *uint64 { return &e.Version }),
		Col("title", func(e *model.Event) *string { return &e.Title }),
		Col("first_post_id", func(e *model.Event) *string { return &e.FirstPostID }),
		Col("first_seen", func(e *model.Event) *time.Time { return &e.FirstSeen }),
		Col("last_seen", func(e *model.Event) *time.Time { return &e.LastSeen }),
		Col("post_count", func(e *model.Event) *int { return &e.PostCount }),
		Col("negative_count", func(e *model.Event) *int { return &e.NegativeCount }),
		Col("source_count", func(e *model.Event) *int { return &e.SourceCount }),
		Col("heat", func(e *model.Event) *float64 { return &e.Heat }),
		Col("keywords", func(e *model.Event) *[]string { return &e.Keywords }),
		Col("simhashes", func(e *model.Event) *[]uint64 { return &e.SimHashes }),
		Col("post_ids", func(e *model.Event) *[]string { return &e.PostIDs }),
		Col("sources", func(e *model.Event) *[]string { return &e.Sources }),
		Col("incident_id", func(e *model.Event) *string { return &e.IncidentID }),
		Col("merged_into", func(e *model.Event) *string { return &e.MergedInto }),
	},
}

// IncidentsTable keeps model.Incident: the fields queries filter and sort
// by in columns of their own, the rest of its lifecycle in one JSON
// column, detail.
var IncidentsTable = &Table[model.Incident]{
	Name: TableIncidents, Singular: "incident", Plural: "incidents",
	ID: func(in *model.Incident) string { return in.ID },
	Columns: []Column[model.Incident]{
		Col("id", func(in *model.Incident) *string { return &in.ID }),
		VersionCol(func(in *model.Incident) *uint64 { return &in.Version }),
		Col("event_id", func(in *model.Incident) *string { return &in.EventID }),
		Col("title", func(in *model.Incident) *string { return &in.Title }),
		Col("level", func(in *model.Incident) *string { return &in.Level }),
		Col("state", func(in *model.Incident) *string { return &in.State }),
		Col("opened_at", func(in *model.Incident) *time.Time { return &in.OpenedAt }),
		Col("clock_start", func(in *model.Incident) *time.Time { return &in.ClockStart }),
		Col("reason", func(in *model.Incident) *string { return &in.Reason }),
		Col("open", func(in *model.Incident) *bool { return &in.Open }),
		TextCol("detail", encodeIncidentDetail, decodeIncidentDetail),
	},
}

// HistoryTable keeps model.HistoryEntry, the append-only incident history.
var HistoryTable = &Table[model.HistoryEntry]{
	Name: TableHistory, Singular: "history entry", Plural: "history entries",
	ID: func(e *model.HistoryEntry) string { return e.ID },
	Columns: []Column[model.HistoryEntry]{
		Col("id", func(e *model.HistoryEntry) *string { return &e.ID }),
		Col("incident_id", func(e *model.HistoryEntry) *string { return &e.IncidentID }),
		Col("at", func(e *model.HistoryEntry) *time.Time { return &e.At }),
		Col("actor", func(e *model.HistoryEntry) *string { return &e.Actor }),
		Col("action", func(e *model.HistoryEntry) *string { return &e.Action }),
		Col("from_state", func(e *model.HistoryEntry) *string { return &e.From }),
		Col("to_state", func(e *model.HistoryEntry) *string { return &e.To }),
		Col("reason", func(e *model.HistoryEntry) *string { return &e.Reason }),
	},
}

// DeliveriesTable keeps model.Delivery, the append-only delivery log.
var DeliveriesTable = &Table[model.Delivery]{
	Name: TableDeliveries, Singular: "delivery", Plural: "deliveries",
	ID: func(d *model.Delivery) string { return d.ID },
	Columns: []Column[model.Delivery]{
		Col("id", func(d *model.Delivery) *string { return &d.ID }),
		Col("key", func(d *model.Delivery) *string { return &d.Key }),
		Col("incident_id", func(d *model.Delivery) *string { return &d.IncidentID }),
		Col("at", func(d *model.Delivery) *time.Time { return &d.At }),
		Col("final", func(d *model.Delivery) *bool { return &d.Final }),
		Col("detail", func(d *model.Delivery) *string { return &d.Detail }),
	},
}

// CorrectionsTable keeps model.SentimentCorrection, the append-only log
// of officers' corrections.
var CorrectionsTable = &Table[model.SentimentCorrection]{
	Name: TableCorrections, Singular: "sentiment correction", Plural: "sentiment corrections",
	ID:       func(c *model.SentimentCorrection) string { return c.ID },
	Validate: func(c *model.SentimentCorrection) error { return c.Validate() },
	Columns: []Column[model.SentimentCorrection]{
		Col("id", func(c *model.SentimentCorrection) *string { return &c.ID }),
		Col("post_id", func(c *model.SentimentCorrection) *string { return &c.PostID }),
		Col("label", func(c *model.SentimentCorrection) *string { return &c.Label }),
		Col("corrected_by", func(c *model.SentimentCorrection) *string { return &c.By }),
		Col("at", func(c *model.SentimentCorrection) *time.Time { return &c.At }),
		Col("note", func(c *model.SentimentCorrection) *string { return &c.Note }),
		Col("model_label", func(c *model.SentimentCorrection) *string { return &c.ModelLabel }),
		Col("title", func(c *model.SentimentCorrection) *string { return &c.Title }),
		Col("body", func(c *model.SentimentCorrection) *string { return &c.Body }),
	},
}

// DictionaryTable keeps model.DictionaryEntry, the append-only log of
// changes to the user dictionary.
var DictionaryTable = &Table[model.DictionaryEntry]{
	Name: TableDictionary, Singular: "dictionary entry", Plural: "dictionary entries",
	ID:       func(e *model.DictionaryEntry) string { return e.ID },
	Validate: func(e *model.DictionaryEntry) error { return e.Validate() },
	Columns: []Column[model.DictionaryEntry]{
		Col("id", func(e *model.DictionaryEntry) *string { return &e.ID }),
		Col("word", func(e *model.DictionaryEntry) *string { return &e.Word }),
		Col("freq", func(e *model.DictionaryEntry) *float64 { return &e.Freq }),
		Col("pos", func(e *model.DictionaryEntry) *string { return &e.POS }),
		Col("changed_by", func(e *model.DictionaryEntry) *string { return &e.By }),
		Col("at", func(e *model.DictionaryEntry) *time.Time { return &e.At }),
		Col("removed", func(e *model.DictionaryEntry) *bool { return &e.Removed }),
	},
}

// SettingsTable keeps model.SettingChange, the append-only log of
// changes to the settings people edit while the system runs.
var SettingsTable = &Table[model.SettingChange]{
	Name: TableSettings, Singular: "setting change", Plural: "setting changes",
	ID:       func(c *model.SettingChange) string { return c.ID },
	Validate: func(c *model.SettingChange) error { return c.Validate() },
	Columns: []Column[model.SettingChange]{
		Col("id", func(c *model.SettingChange) *string { return &c.ID }),
		Col("kind", func(c *model.SettingChange) *string { return &c.Kind }),
		Col("setting_key", func(c *model.SettingChange) *string { return &c.Key }),
		Col("value", func(c *model.SettingChange) *string { return &c.Value }),
		Col("removed", func(c *model.SettingChange) *bool { return &c.Removed }),
		Col("changed_by", func(c *model.SettingChange) *string { return &c.By }),
		Col("at", func(c *model.SettingChange) *time.Time { return &c.At }),
	},
}

// SourcePollsTable keeps model.SourcePoll, the outcome of every poll of
// the crawler, which the console shows as the sources' status.
var SourcePollsTable = &Table[model.SourcePoll]{
	Name: TableSourcePolls, Singular: "poll record", Plural: "poll records",
	ID:       func(p *model.SourcePoll) string { return p.ID },
	Validate: func(p *model.SourcePoll) error { return p.Validate() },
	Columns: []Column[model.SourcePoll]{
		Col("id", func(p *model.SourcePoll) *string { return &p.ID }),
		Col("source_id", func(p *model.SourcePoll) *string { return &p.SourceID }),
		Col("at", func(p *model.SourcePoll) *time.Time { return &p.At }),
		Col("result", func(p *model.SourcePoll) *string { return &p.Result }),
		Col("problem", func(p *model.SourcePoll) *string { return &p.Problem }),
		Col("error", func(p *model.SourcePoll) *string { return &p.Error }),
		Col("documents", func(p *model.SourcePoll) *int { return &p.Documents }),
		Col("fetched", func(p *model.SourcePoll) *int { return &p.Fetched }),
		Col("robots_refused", func(p *model.SourcePoll) *int { return &p.RobotsRefused }),
	},
}

// FindingsTable keeps model.Finding, the findings of inspections of own
// portals.
var FindingsTable = &Table[model.Finding]{
	Name: TableFindings, Singular: "inspection finding", Plural: "inspection findings",
	ID:       func(f *model.Finding) string { return f.ID },
	Validate: func(f *model.Finding) error { return f.Validate() },
	Columns: []Column[model.Finding]{
		Col("id", func(f *model.Finding) *string { return &f.ID }),
		VersionCol(func(f *model.Finding) *uint64 { return &f.Version }),
		Col("portal", func(f *model.Finding) *string { return &f.Portal }),
		Col("kind", func(f *model.Finding) *string { return &f.Kind }),
		Col("url", func(f *model.Finding) *string { return &f.URL }),
		Col("subject", func(f *model.Finding) *string { return &f.Subject }),
		Col("evidence", func(f *model.Finding) *string { return &f.Evidence }),
		Col("rule", func(f *model.Finding) *string { return &f.Rule }),
		Col("veto", func(f *model.Finding) *bool { return &f.Veto }),
		Col("first_seen", func(f *model.Finding) *time.Time { return &f.FirstSeen }),
		Col("last_seen", func(f *model.Finding) *time.Time { return &f.LastSeen }),
		Col("state", func(f *model.Finding) *string { return &f.State }),
		Col("due_at", func(f *model.Finding) *time.Time { return &f.DueAt }),
		Col("unit", func(f *model.Finding) *string { return &f.Unit }),
	},
}

// incidentDetail is the part of an incident the stores keep as one JSON
// column: what the lifecycle adds to the fixed columns.
type incidentDetail struct {
	EventTime   time.Time          `json:"event_time"`
	DetectedAt  time.Time          `json:"detected_at"`
	ClockAnchor string             `json:"clock_anchor,omitempty"`
	Category    string             `json:"category,omitempty"`
	Assignee    string             `json:"assignee,omitempty"`
	Obligations []model.Obligation `json:"obligations,omitempty"`
	Effect      *model.Effect      `json:"effect,omitempty"`
	Applied     []string           `json:"applied,omitempty"`
	AckedAt     time.Time          `json:"acked_at,omitzero"`
	AckedBy     string             `json:"acked_by,omitempty"`
	LevelOK     bool               `json:"level_confirmed,omitempty"`
	Kind        string             `json:"kind,omitempty"`
	Trigger     string             `json:"trigger,omitempty"`
	OpenedLevel string             `json:"opened_level,omitempty"`
}

// encodeIncidentDetail returns the JSON column that holds in's lifecycle
// fields.
func encodeIncidentDetail(in *model.Incident) (string, error) {
	b, err := json.Marshal(incidentDetail{in.EventTime, in.DetectedAt, in.ClockAnchor, in.Category, in.Assignee, in.Obligations, in.Effect, in.Applied, in.AckedAt, in.AckedBy, in.LevelConfirmed, in.Kind, in.Trigger, in.OpenedLevel})
	if err != nil {
		return "", fmt.Errorf("cannot encode the detail: %w", err)
	}
	return string(b), nil
}

// decodeIncidentDetail fills in's lifecycle fields from the JSON column;
// times come back in UTC.
func decodeIncidentDetail(in *model.Incident, s string) error {
	if s == "" {
		return nil
	}
	var d incidentDetail
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return err
	}
	utc := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.UTC()
	}
	in.EventTime, in.DetectedAt, in.ClockAnchor = utc(d.EventTime), utc(d.DetectedAt), d.ClockAnchor
	in.Category, in.Assignee, in.Effect, in.Applied = d.Category, d.Assignee, d.Effect, d.Applied
	in.AckedAt, in.AckedBy, in.LevelConfirmed, in.Kind, in.Trigger = utc(d.AckedAt), d.AckedBy, d.LevelOK, d.Kind, d.Trigger
	in.OpenedLevel = d.OpenedLevel
	in.Obligations = d.Obligations
	for i := range in.Obligations {
		o := &in.Obligations[i]
		o.DueAt, o.BreachedAt = utc(o.DueAt), utc(o.BreachedAt)
		if o.Evidence != nil {
			o.Evidence.PublishedAt, o.Evidence.DetectedAt = utc(o.Evidence.PublishedAt), utc(o.Evidence.DetectedAt)
		}
	}
	if in.Effect != nil {
		in.Effect.ResponseAt = utc(in.Effect.ResponseAt)
	}
	return nil
}
