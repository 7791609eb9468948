package model

import (
	"strings"
	"testing"
	"time"
)

func TestSourceValidateAndRoundTrip(t *testing.T) {
	s := Source{ID: "gov-1", Name: "县政府网", Kind: KindPortal, Authority: TierOfficial, URL: "https://www.example.gov.cn/", Interval: "15m"}
	s.List.Links = "ul a"
	if err := s.Validate(); err != nil {
		t.Fatalf("valid source: %v", err)
	}
	ch := s.Change("c1", "张三", time.Unix(1, 0))
	if err := ch.Validate(); err != nil || ch.Kind != SettingSource || ch.Key != "gov-1" {
		t.Fatalf("change = %+v, %v", ch, err)
	}
	back, err := DecodeSource(ch)
	if err != nil || back.Name != s.Name || back.List.Links != "ul a" || back.Interval != "15m" {
		t.Fatalf("decoded = %+v, %v", back, err)
	}
	if d, err := back.IntervalOf(); err != nil || d != 15*time.Minute {
		t.Errorf("interval = %v, %v", d, err)
	}
	for field, bad := range map[string]Source{
		"id":        {ID: "a.b", Name: "x", Kind: KindNews, URL: "https://a/"},
		"name":      {ID: "a", Kind: KindNews, URL: "https://a/"},
		"kind":      {ID: "a", Name: "x", Kind: "telegram", URL: "https://a/"},
		"authority": {ID: "a", Name: "x", Kind: KindNews, Authority: "小道消息", URL: "https://a/"},
		"url":       {ID: "a", Name: "x", Kind: KindNews},
		"interval":  {ID: "a", Name: "x", Kind: KindNews, URL: "https://a/", Interval: "soon"},
	} {
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "field "+field) {
			t.Errorf("%s: %v; want an error naming the field", field, err)
		}
	}
}

func TestSourcePollValidate(t *testing.T) {
	p := SourcePoll{ID: "gov-1", SourceID: "gov", At: time.Unix(1, 0), Result: PollOK}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []SourcePoll{
		{SourceID: "gov", At: time.Unix(1, 0), Result: PollOK},
		{ID: "x", At: time.Unix(1, 0), Result: PollOK},
		{ID: "x", SourceID: "gov", Result: PollOK},
		{ID: "x", SourceID: "gov", At: time.Unix(1, 0), Result: "fine"},
		{ID: "x", SourceID: "gov", At: time.Unix(1, 0), Result: PollFetchError, Error: strings.Repeat("e", MaxPollErrorLen+1)},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validates", bad)
		}
	}
}
