package analyzer

import (
	"testing"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/model"
)

// FuzzAnalyze: the analyzer takes any text without a panic and returns a
// sentiment score in [0, 1].
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"某县化工厂今晨发生爆炸事故，造成3人死亡、5人受伤。", "全县秋粮丰收", "\xff\xfe", "身份证号110101199003071234，电话13800138000", ""} {
		f.Add("标题", s)
	}
	f.Fuzz(func(t *testing.T, title, body string) {
		if !utf8.ValidString(title) || !utf8.ValidString(body) {
			return // documents are UTF-8 by the time they reach the analyzer
		}
		p := testAnalyzer(t).Analyze(model.Document{ID: "f", Title: title, Body: body})
		if p.Sentiment.Score < 0 || p.Sentiment.Score > 1 {
			t.Errorf("score %v out of [0,1] for %q", p.Sentiment.Score, body)
		}
	})
}
