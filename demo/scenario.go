package demo

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// scenario is one scripted happening the demo web plays over its
// background chatter: its items, the words its templates are filled from
// and, for measuring the judgement, which of its stories deserve an
// incident.
type scenario struct {
	name string
	// main is the story of the script items that name none.
	main   string
	script []scripted
	vars   func(epoch time.Time) vars
	// incidents are the stories that deserve an incident: something went
	// wrong and the government must answer.
	incidents []string
}

// The scenarios. The explosion is the default that `yuqing run` plays.
var (
	defaultScenario = &scenario{name: "explosion", main: "explosion", script: incidentScript, vars: incidentVars,
		incidents: []string{"explosion"}}
	floodScenario = &scenario{name: "flood-wages", main: "flood", script: floodScript, vars: floodVars,
		incidents: []string{"flood", "wages"}}
	scenarios = []*scenario{defaultScenario, floodScenario}
)

// Scenarios returns the names of the scenarios the demo knows, the default
// first.
func Scenarios() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

func scenarioByName(name string) (*scenario, error) {
	for _, s := range scenarios {
		if s.name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no demo scenario %q (have %s)", name, strings.Join(Scenarios(), ", "))
}

// build returns the scenario's words and every site's timeline for epoch.
func (sc *scenario) build(epoch time.Time) (vars, map[string]*timeline) {
	tls := make(map[string]*timeline, len(siteDefs))
	for _, d := range siteDefs {
		var own []scripted
		for _, it := range sc.script {
			if it.site == d.key {
				if it.story == "" {
					it.story = sc.main
				}
				own = append(own, it)
			}
		}
		tls[d.key] = newTimeline(epoch.UnixNano(), d.key, own)
	}
	return sc.vars(epoch), tls
}

// Labelled is one published item of a scenario as the crawler would hand
// it on (title, body, source, publish time), with what the scenario knows
// about it.
type Labelled struct {
	Doc model.Document
	// Offset is when the item was published, relative to the epoch;
	// negative for the backlog.
	Offset time.Duration
	// Story names the story the item belongs to. Background items made
	// from one template are one story (they differ only in filler names);
	// a policy's notice, its 政策解读 and the news explainers of it are
	// one story.
	Story string
	// Official is set for the government's own voice: every item of the
	// county portal (notices, 情况通报, press conferences, 政策解读).
	Official bool
	// Incident is set when the item's story is one of the scenario's
	// incidents. A background story may deserve one too, when its
	// complaints happen to pile up (see Tone).
	Incident bool
	// Tone is the intended polarity of a background item's template:
	// positive, neutral or negative; empty for the scenario's own items.
	Tone string
}

// Truth is a scenario's published items up to some moment, oldest first.
type Truth struct {
	Scenario string
	Epoch    time.Time
	Items    []Labelled
	// Incidents are the stories that deserve an incident.
	Incidents []string
}

// Stream returns what scenario name publishes from the backlog up to
// until after epoch, with the truth about every item: the labelled stream
// that measures how well the pipeline groups posts into stories, tells the
// official voice apart and opens incidents. The documents are built from
// the items directly (no HTTP, no extraction); their IDs and URLs are those
// the demo web serves at base "http://demo.invalid".
func Stream(name string, epoch time.Time, until time.Duration) (Truth, error) {
	sc, err := scenarioByName(name)
	if err != nil {
		return Truth{}, err
	}
	s := &Site{epoch: epoch, speed: 1}
	s.incVars, s.timelines = sc.build(epoch)
	now := int64(until / time.Second)
	want := map[string]bool{}
	for _, st := range sc.incidents {
		want[st] = true
	}
	tr := Truth{Scenario: sc.name, Epoch: epoch, Incidents: append([]string(nil), sc.incidents...)}
	for _, d := range siteDefs {
		for pos, e := range s.timelines[d.key].visible(now) {
			it := s.item(d.key, e, pos)
			tr.Items = append(tr.Items, Labelled{Doc: it.document(d), Offset: time.Duration(e.offset) * time.Second,
				Story: it.story, Official: d.authority == model.TierOfficial, Incident: want[it.story], Tone: it.tone})
		}
	}
	sort.SliceStable(tr.Items, func(i, j int) bool {
		if tr.Items[i].Offset != tr.Items[j].Offset {
			return tr.Items[i].Offset < tr.Items[j].Offset
		}
		return tr.Items[i].Doc.ID < tr.Items[j].Doc.ID
	})
	return tr, nil
}

// document is the item as a crawled document of source d.
func (it *item) document(d siteDef) model.Document {
	url := "http://demo.invalid" + it.path()
	body := strings.Join(it.paras, "\n")
	at := it.at.UTC()
	return model.Document{
		Schema: 1, ID: model.DocumentID(url), Version: uint64(at.UnixNano()), URL: url,
		SourceID: d.id, SourceName: d.name, SourceKind: d.kind, Authority: d.authority, RegionCode: d.region,
		Title: it.title, Body: body, Author: it.author, Origin: it.origin,
		PublishedAt: at, PublishedAtSource: "text", PublishedAtConfidence: 1, FetchedAt: at,
		ContentHash: model.DocumentID(it.title + "\n" + body),
	}
}
