// Package model owns the domain nouns of yuqing and their vocabularies:
// the Document a crawler publishes, the analysed Post, the Event that
// clusters posts, the Incident with its Obligations, Evidence and Effect,
// the people's Requests and the HistoryEntry that records them, the
// notification Delivery, and officers' data (SentimentCorrection,
// DictionaryEntry). It also fixes the words they are made of: authority
// tiers, source kinds, sentiment labels, incident levels and states, and
// the time zone people read times in.
//
// Every other package speaks these types: bus carries them in versioned
// messages, store keeps them, the stages make them and the console shows
// them. model imports nothing of yuqing, so it can never pull a stage or
// a transport into a reader.
package model

import (
	"slices"
	"time"
)

// China is the time zone people read times in (China Standard Time, UTC+8,
// no daylight saving). A fixed zone rather than
// time.LoadLocation("Asia/Shanghai") so that deadlines and displayed times
// do not depend on the tzdata of the machine.
var China = time.FixedZone("CST", 8*3600)

// Incident levels (突发事件分级: I 特别重大, II 重大, III 较大, IV 一般),
// most severe first. An incident not yet graded has the empty level.
const (
	LevelI   = "I"
	LevelII  = "II"
	LevelIII = "III"
	LevelIV  = "IV"
)

// Levels are the incident levels, most severe first.
var Levels = []string{LevelI, LevelII, LevelIII, LevelIV}

// ValidLevel reports whether l is one of Levels.
func ValidLevel(l string) bool { return slices.Contains(Levels, l) }

// LevelRank is l's position in Levels (0 for I, the most severe), or
// len(Levels) for a level that is not one of them (ungraded).
func LevelRank(l string) int {
	if i := slices.Index(Levels, l); i >= 0 {
		return i
	}
	return len(Levels)
}
