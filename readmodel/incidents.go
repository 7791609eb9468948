package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/rules"
	"github.com/yuqing-project/yuqing/store"
)

// IncidentAndEvent is an incident with the event it was opened on. Its
// fields are in the order of their JSON names, the order the API always
// answered them in.
type IncidentAndEvent struct {
	// Event is the incident's event; zero for an incident opened by hand
	// or a disclosure item, which have none.
	Event    model.Event    `json:"event"`
	Incident model.Incident `json:"incident"`
}

// IncidentWithEvent returns incident id with its event, or an error
// wrapping store.ErrNotFound when the incident is not stored.
func (v *Views) IncidentWithEvent(ctx context.Context, id string) (IncidentAndEvent, error) {
	inc, err := v.st.GetIncident(ctx, id)
	if err != nil {
		return IncidentAndEvent{}, fmt.Errorf("cannot read incident %q: %w", id, err)
	}
	ev, err := v.st.GetEvent(ctx, inc.EventID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return IncidentAndEvent{}, fmt.Errorf("cannot read event %q of incident %q: %w", inc.EventID, id, err)
	}
	return IncidentAndEvent{Event: ev, Incident: inc}, nil
}

// ObligationView is an obligation with the rule it comes from.
type ObligationView struct {
	Obligation model.Obligation
	// Rule is the rule in force that Obligation.Rule names; zero when the
	// views were given no rules or the rule is not among them.
	Rule rules.Rule
}

// DeliveryView is one alert delivery as the delivery log records it.
type DeliveryView struct {
	At                                  time.Time
	NotificationKey, Channel, Recipient string
	Status, Error                       string
	Attempts                            int
}

// IncidentView is what duty staff read about one incident: its figures,
// its deadlines with the rule each comes from, its history and the alerts
// sent about it.
type IncidentView struct {
	Incident    model.Incident
	Obligations []ObligationView
	History     []model.HistoryEntry
	// Deliveries are the delivery log's entries whose detail could be
	// read, oldest first.
	Deliveries []DeliveryView
}

// Incident returns the view of incident id, or an error wrapping
// store.ErrNotFound.
func (v *Views) Incident(ctx context.Context, id string) (IncidentView, error) {
	inc, err := v.st.GetIncident(ctx, id)
	if err != nil {
		return IncidentView{}, fmt.Errorf("cannot read incident %q: %w", id, err)
	}
	hist, err := v.st.ListHistory(ctx, inc.ID)
	if err != nil {
		return IncidentView{}, fmt.Errorf("cannot read the history of incident %q: %w", id, err)
	}
	obs := make([]ObligationView, len(inc.Obligations))
	for i, o := range inc.Obligations {
		obs[i].Obligation = o
		if v.rules != nil {
			obs[i].Rule, _ = v.rules.Get(o.Rule)
		}
	}
	ds, err := v.st.ListDeliveries(ctx, inc.ID)
	if err != nil {
		return IncidentView{}, fmt.Errorf("cannot read the deliveries of incident %q: %w", id, err)
	}
	deliveries := make([]DeliveryView, 0, len(ds))
	for _, d := range ds {
		var detail struct {
			NotificationKey string `json:"notification_key"`
			Channel         string `json:"channel"`
			Recipient       string `json:"recipient"`
			Status          string `json:"status"`
			Error           string `json:"error"`
			Attempts        int    `json:"attempts"`
		}
		if json.Unmarshal([]byte(d.Detail), &detail) == nil {
			deliveries = append(deliveries, DeliveryView{d.At, detail.NotificationKey, detail.Channel, detail.Recipient,
				detail.Status, detail.Error, detail.Attempts})
		}
	}
	return IncidentView{Incident: inc, Obligations: obs, History: hist, Deliveries: deliveries}, nil
}

// Home is the overview officers open first.
type Home struct {
	// Incidents are the open opinion incidents among the 20 most recently
	// opened open incidents; Disclosures the open disclosure items among
	// them.
	Incidents, Disclosures []model.Incident
	// Posts are the 30 latest posts, with their corrections overlaid.
	Posts []PostItem
	// Total is how many posts are stored; Negative how many of them are
	// negative, corrections counted.
	Total, Negative int64
	// Words is the user dictionary.
	Words []model.DictionaryEntry
}

// Home returns the overview's figures.
func (v *Views) Home(ctx context.Context) (Home, error) {
	incs, err := v.st.ListIncidents(ctx, store.IncidentQuery{OnlyOpen: true, Limit: 20})
	if err != nil {
		return Home{}, fmt.Errorf("cannot list open incidents: %w", err)
	}
	posts, err := v.Posts(ctx, store.PostQuery{Limit: 30})
	if err != nil {
		return Home{}, err
	}
	dict, err := v.st.UserDictionary(ctx)
	if err != nil {
		return Home{}, fmt.Errorf("cannot read the user dictionary: %w", err)
	}
	neg, err := v.st.QueryPosts(ctx, store.PostQuery{Sentiment: model.Negative, Limit: 1})
	if err != nil {
		return Home{}, fmt.Errorf("cannot count negative posts: %w", err)
	}
	h := Home{Posts: posts.Items, Total: posts.Total, Negative: neg.Total, Words: dict.Words}
	for _, inc := range incs {
		if inc.Kind == "" {
			h.Incidents = append(h.Incidents, inc)
		} else {
			h.Disclosures = append(h.Disclosures, inc)
		}
	}
	return h, nil
}
