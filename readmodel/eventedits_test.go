package readmodel

import (
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// TestEventHistoryLines: merges and splits by hand read as Chinese, in
// China time, with full-width punctuation.
func TestEventHistoryLines(t *testing.T) {
	at := time.Date(2026, 11, 21, 8, 5, 0, 0, time.UTC)
	lines := History(model.Incident{}, []model.HistoryEntry{
		{ID: "1", IncidentID: "EV-1", At: at, Actor: "王五", Action: model.RequestPrefix + model.RequestEventSplit, Reason: `{"posts":["p1","p2"],"reason":"另一起"}`},
		{ID: "2", IncidentID: "EV-1", At: at, Actor: "王五", Action: model.ActionEventSplit, From: "EV-1", To: "EV-S-1", Reason: "人工拆分:拆出2条信息,另立事件EV-S-1《甲》"},
		{ID: "3", IncidentID: "EV-1", At: at, Actor: "王五", Action: model.RequestPrefix + model.RequestEventMerge, Reason: `{"into":"EV-2"}`},
		{ID: "4", IncidentID: "EV-1", At: at, Actor: "王五", Action: model.ActionEventMerged, From: "EV-1", To: "EV-2", Reason: "人工合并:本事件并入事件EV-2"},
		{ID: "5", IncidentID: "EV-2", At: at, Actor: "王五", Action: model.ActionEventAbsorbed, From: "EV-1", To: "EV-2"},
		{ID: "6", IncidentID: "EV-S-1", At: at, Actor: "王五", Action: model.ActionEventSplitFrom, From: "EV-1", To: "EV-S-1"},
	})
	want := []HistoryLine{
		{At: "11月21日 16:05", Actor: "王五", What: "申请拆分事件", Note: "拆出2条信息另立事件，说明：另一起"},
		{At: "11月21日 16:05", Actor: "王五", What: "拆分事件", Change: "拆出 EV-S-1", Note: "人工拆分：拆出2条信息，另立事件EV-S-1《甲》"},
		{At: "11月21日 16:05", Actor: "王五", What: "申请合并事件", Note: "并入事件EV-2"},
		{At: "11月21日 16:05", Actor: "王五", What: "并入其他事件", Change: "并入 EV-2", Note: "人工合并：本事件并入事件EV-2"},
		{At: "11月21日 16:05", Actor: "王五", What: "合并其他事件", Change: "EV-1 并入"},
		{At: "11月21日 16:05", Actor: "王五", What: "由拆分而来", Change: "拆自 EV-1"},
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
}
