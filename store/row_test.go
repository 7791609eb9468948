package store_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// layouts are the drivers' layouts.
var layouts = map[string]store.Layout{
	"sqlite":     {JSONLists: true, SignedIntegers: true},
	"clickhouse": {TimeSuffix: "_ns", BoolsAsUint8: true},
}

// roundTrip writes row's values into the destinations of a scanner, as a
// driver would, which checks that every value has the type its
// destination scans, and returns the row read back.
func roundTrip[T any](t *testing.T, tab *store.Table[T], l store.Layout, row T) T {
	t.Helper()
	values, err := tab.Values(l, &row)
	if err != nil {
		t.Fatalf("Values: %v", err)
	}
	dest, read := tab.Scanner(l)
	if len(values) != len(dest) || len(values) != len(tab.Physical(l)) {
		t.Fatalf("%d values, %d destinations, %d columns", len(values), len(dest), len(tab.Physical(l)))
	}
	for i, v := range values {
		d := reflect.ValueOf(dest[i]).Elem()
		if reflect.TypeOf(v) != d.Type() {
			t.Fatalf("column %s: value of type %T scans into %s", tab.Physical(l)[i].Name, v, d.Type())
		}
		d.Set(reflect.ValueOf(v))
	}
	got, err := read()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return got
}

func TestRowRoundTrip(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	published := time.Date(2024, 3, 1, 8, 30, 15, 123456789, cst)
	post := model.Post{
		Document:  model.Document{Schema: 2, ID: "p", Version: 1710000000123456789, Title: "标题", PublishedAt: published},
		Sentiment: model.Sentiment{Label: model.Negative, Score: 0.5, Evidence: []string{}},
		Topics:    []model.Topic{{Name: "安全生产", Score: 0.75, Terms: []string{"爆炸"}}, {Name: "应急", Terms: []string{}}},
		Regions:   []model.Region{{Code: "320581", Name: "常熟市", Role: "publisher"}},
		SimHash:   math.MaxUint64,
		Flags:     []string{},
		Schemes:   []model.SchemeHit{{ID: "chem", Terms: []string{"化工厂"}, Alert: true}, {ID: "county", Terms: []string{}}},
	}
	want := post
	want.PublishedAt = published.UTC()
	want.Sentiment.Evidence, want.Flags = nil, nil
	want.Topics = []model.Topic{post.Topics[0], {Name: "应急"}}
	want.Schemes = []model.SchemeHit{post.Schemes[0], {ID: "county"}}
	event := model.Event{ID: "e", Version: 2, SimHashes: []uint64{math.MaxUint64}, Keywords: []string{}}
	wantEvent := event
	wantEvent.Keywords = nil
	incident := model.Incident{ID: "i", Version: 3, Open: true, AckedBy: "duty", OpenedAt: published,
		Obligations: []model.Obligation{{Rule: "R-5H", DueAt: published}}}
	wantIncident := incident
	wantIncident.OpenedAt, wantIncident.Obligations = published.UTC(), []model.Obligation{{Rule: "R-5H", DueAt: published.UTC()}}
	for name, l := range layouts {
		t.Run(name, func(t *testing.T) {
			if got := roundTrip(t, store.PostsTable, l, post); !reflect.DeepEqual(got, want) {
				t.Errorf("post:\n got %+v\nwant %+v", got, want)
			}
			if got := roundTrip(t, store.EventsTable, l, event); !reflect.DeepEqual(got, wantEvent) {
				t.Errorf("event:\n got %+v\nwant %+v", got, wantEvent)
			}
			if got := roundTrip(t, store.IncidentsTable, l, incident); !reflect.DeepEqual(got, wantIncident) {
				t.Errorf("incident:\n got %+v\nwant %+v", got, wantIncident)
			}
			d := model.Delivery{ID: "d", Final: true, At: published}
			if got := roundTrip(t, store.DeliveriesTable, l, d); !got.Final || !got.At.Equal(published) || got.At.Location() != time.UTC {
				t.Errorf("delivery = %+v", got)
			}
		})
	}
}

func TestRowErrors(t *testing.T) {
	huge := model.Post{Document: model.Document{ID: "huge", Version: 1 << 63, PublishedAt: time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)}}
	tests := []struct {
		layout string
		want   []string
	}{
		{"sqlite", []string{`cannot store post "huge": version 9223372036854775808 is above the largest storable 9223372036854775807`,
			"published_at: time 2500-01-01T00:00:00Z is outside the storable range"}},
		{"clickhouse", []string{`cannot store post "huge": published_at: time 2500-01-01T00:00:00Z is outside the storable range`}},
	}
	for _, tt := range tests {
		_, err := store.PostsTable.Values(layouts[tt.layout], &huge)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: Values error = %v, want it to contain %q", tt.layout, err, w)
			}
		}
	}
	bad := model.SentimentCorrection{ID: "c", Label: "angry"}
	if _, err := store.CorrectionsTable.Values(layouts["sqlite"], &bad); err == nil || !strings.Contains(err.Error(), `cannot store sentiment correction "c": `) {
		t.Errorf("invalid correction: error %v", err)
	}
	// A list whose parallel arrays differ in length cannot be read.
	l := layouts["clickhouse"]
	dest, read := store.PostsTable.Scanner(l)
	for i, c := range store.PostsTable.Physical(l) {
		if c.Name == "keyword_words" {
			*dest[i].(*[]string) = []string{"a", "b"}
		}
		if c.Name == "id" {
			*dest[i].(*string) = "p"
		}
	}
	if _, err := read(); err == nil || err.Error() != `cannot read post "p": column keywords: its parallel arrays differ in length` {
		t.Errorf("mismatched arrays: error %v", err)
	}
}

func TestPhysicalNames(t *testing.T) {
	got := strings.Join(store.EventsTable.ColumnNames(layouts["clickhouse"]), ",")
	if want := "id,version,title,first_post_id,first_seen_ns,last_seen_ns,post_count,negative_count,source_count,heat,keywords,simhashes,post_ids,sources,incident_id,merged_into"; got != want {
		t.Errorf("events columns in ClickHouse:\n got %s\nwant %s", got, want)
	}
}
