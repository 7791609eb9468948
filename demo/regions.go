package demo

import "github.com/yuqing-project/yuqing/config"

// Regions returns the invented divisions of the demo (its city and county
// do not exist, so no division table has them) and the county, the demo
// office's home jurisdiction.
func Regions() (home string, divisions []config.Division) {
	return countyCode, []config.Division{{Code: cityCode, Name: cityName}, {Code: countyCode, Name: countyName}}
}
