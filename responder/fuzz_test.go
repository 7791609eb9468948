package responder

import "testing"

// FuzzCasualties: casualty figures from arbitrary text never panic and are
// never negative.
func FuzzCasualties(f *testing.F) {
	for _, s := range []string{"造成12人死亡、5人受伤", "死亡人数升至十二人", "3名工人遇难，2人失踪", "直接经济损失约1.5亿元", "造成99999999999999999999人死亡"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := Casualties(text)
		if c.Deaths < 0 || c.Injured < 0 || c.Missing < 0 {
			t.Errorf("negative figures %+v from %q", c, text)
		}
		_ = c.Level()
	})
}
