package model

import (
	"strings"
	"testing"
)

func TestWriteTrainingLines(t *testing.T) {
	cs := []SentimentCorrection{
		{ID: "a", Label: "negative", Title: " 化工厂<爆炸> ", Body: "造成3人死亡。\n"},
		{ID: "b", Label: "neutral", Title: "", Body: "  "}, // no text: left out
		{ID: "c", Label: "positive", Title: "秋粮丰收"},
		{ID: "d", Label: "neutral", Body: "只有正文 \"引号\""},
	}
	var b strings.Builder
	n, err := WriteTrainingLines(&b, cs)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"text":"化工厂<爆炸>\n造成3人死亡。","label":"negative"}
{"text":"秋粮丰收","label":"positive"}
{"text":"只有正文 \"引号\"","label":"neutral"}
`
	if n != 3 || b.String() != want {
		t.Errorf("WriteTrainingLines = %d lines\n%s\nwant 3\n%s", n, b.String(), want)
	}
}
