package demo

import "github.com/yuqing-project/yuqing/config"

// Places returns the invented county's own places below county level —
// its towns, villages, communities and roads, and the scenarios' places —
// for the analyzer's segmenter (analyzer.SetPlaces).
func Places() []string {
	out := []string{}
	for _, l := range [][]string{towns, villages, communities, roads, {floodRiver, "锦绣华庭", "工业园区"}} {
		out = append(out, l...)
	}
	return out
}

// Regions returns the invented divisions of the demo (its city and county
// do not exist, so no division table has them) and the county, the demo
// office's home jurisdiction.
func Regions() (home string, divisions []config.Division) {
	return countyCode, []config.Division{{Code: cityCode, Name: cityName}, {Code: countyCode, Name: countyName}}
}
