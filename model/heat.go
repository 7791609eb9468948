package model

import "math"

// Heat is the event's heat index, a transparent sum shown to officers:
//
//	heat = 10·ln(1+posts) + 8·ln(1+sources) + 20·negative share + authority + velocity
//
// where authority is the highest tier that covered it (官方 10, 中央媒体 10,
// 省级媒体 6, 地方媒体 4, 自媒体 2, 论坛 1) and velocity is 5·ln(1+posts per
// hour) over the event's span (at least one hour).
func Heat(ev *Event, authority float64) float64 {
	p := HeatParts(ev, authority)
	return math.Round((p.Volume+p.Sources+p.Negativity+p.Authority+p.Velocity)*10) / 10
}

// HeatPartsOf are the terms of the heat index, so an officer can see why an
// event is hot.
type HeatPartsOf struct {
	Volume     float64 `json:"volume"`     // 10·ln(1+posts)
	Sources    float64 `json:"sources"`    // 8·ln(1+sources)
	Negativity float64 `json:"negativity"` // 20·negative share
	Authority  float64 `json:"authority"`  // the highest tier that covered it
	Velocity   float64 `json:"velocity"`   // 5·ln(1+posts per hour)
}

// HeatParts returns the terms of Heat.
func HeatParts(ev *Event, authority float64) HeatPartsOf {
	if ev.PostCount == 0 {
		return HeatPartsOf{}
	}
	hours := math.Max(ev.LastSeen.Sub(ev.FirstSeen).Hours(), 1)
	return HeatPartsOf{
		Volume:     10 * math.Log1p(float64(ev.PostCount)),
		Sources:    8 * math.Log1p(float64(ev.SourceCount)),
		Negativity: 20 * float64(ev.NegativeCount) / float64(ev.PostCount),
		Authority:  authority,
		Velocity:   5 * math.Log1p(float64(ev.PostCount)/hours),
	}
}

// AuthorityWeight is the heat index's weight of a source's authority tier.
func AuthorityWeight(tier string) float64 {
	switch tier {
	case TierOfficial, TierCentral:
		return 10
	case TierProvincial:
		return 6
	case TierLocal:
		return 4
	case TierSelfMedia:
		return 2
	default:
		return 1
	}
}
