package calendar

import "time"

// lunarYear holds, for one Gregorian year, the dates of the statutory
// holidays that follow the lunar calendar or the solar terms: 正月初一
// (the Spring Festival; 除夕 is the day before), 清明 (the day the Sun reaches
// apparent ecliptic longitude 15°), 端午 (五月初五) and 中秋 (八月十五), each
// reckoned in China Standard Time.
type lunarYear struct {
	springFestival, qingming, duanwu, zhongqiu Date
}

// lunarTable covers 2015–2035. It is used only for years whose notice is not
// loaded; 2015–2026 are in it so that a test can check the table against the
// notices (every statutory day it yields must be a holiday there).
//
// How the 2027–2035 entries were verified (internal/gen/lunar_check.py
// reproduces it): the festival dates were taken from ICU's Chinese calendar
// (Node.js Intl, calendar "chinese"), and the first day of each month
// concerned was checked against the new moon computed with astropy 5.2
// (ERFA Sun, Meeus/ELP Moon; the error is well under a minute) converted to
// UTC+8. ICU was wrong for two Spring Festivals whose new moon is within
// minutes of midnight: 2027 (new moon 2027-02-06 23:56 CST, so 正月初一 is
// 2027-02-06, not ICU's 02-07) and 2030 (2030-02-03 00:07 CST, so 02-03, not
// 02-02); the table follows the astronomy. Every other new moon and every
// 清明 is more than an hour from midnight. The month numbering (which new
// moon starts 五月 and 八月) follows ICU and agrees with the leap months
// 2017 闰六月, 2020 闰四月, 2023 闰二月, 2025 闰六月, 2028 闰五月, 2031 闰三月
// and 2033 闰十一月 (GB/T 33661-2017).
var lunarTable = map[int]lunarYear{
	2015: {ymd(2015, 2, 19), ymd(2015, 4, 5), ymd(2015, 6, 20), ymd(2015, 9, 27)},
	2016: {ymd(2016, 2, 8), ymd(2016, 4, 4), ymd(2016, 6, 9), ymd(2016, 9, 15)},
	2017: {ymd(2017, 1, 28), ymd(2017, 4, 4), ymd(2017, 5, 30), ymd(2017, 10, 4)},
	2018: {ymd(2018, 2, 16), ymd(2018, 4, 5), ymd(2018, 6, 18), ymd(2018, 9, 24)},
	2019: {ymd(2019, 2, 5), ymd(2019, 4, 5), ymd(2019, 6, 7), ymd(2019, 9, 13)},
	2020: {ymd(2020, 1, 25), ymd(2020, 4, 4), ymd(2020, 6, 25), ymd(2020, 10, 1)},
	2021: {ymd(2021, 2, 12), ymd(2021, 4, 4), ymd(2021, 6, 14), ymd(2021, 9, 21)},
	2022: {ymd(2022, 2, 1), ymd(2022, 4, 5), ymd(2022, 6, 3), ymd(2022, 9, 10)},
	2023: {ymd(2023, 1, 22), ymd(2023, 4, 5), ymd(2023, 6, 22), ymd(2023, 9, 29)},
	2024: {ymd(2024, 2, 10), ymd(2024, 4, 4), ymd(2024, 6, 10), ymd(2024, 9, 17)},
	2025: {ymd(2025, 1, 29), ymd(2025, 4, 4), ymd(2025, 5, 31), ymd(2025, 10, 6)},
	2026: {ymd(2026, 2, 17), ymd(2026, 4, 5), ymd(2026, 6, 19), ymd(2026, 9, 25)},
	2027: {ymd(2027, 2, 6), ymd(2027, 4, 5), ymd(2027, 6, 9), ymd(2027, 9, 15)},
	2028: {ymd(2028, 1, 26), ymd(2028, 4, 4), ymd(2028, 5, 28), ymd(2028, 10, 3)},
	2029: {ymd(2029, 2, 13), ymd(2029, 4, 4), ymd(2029, 6, 16), ymd(2029, 9, 22)},
	2030: {ymd(2030, 2, 3), ymd(2030, 4, 5), ymd(2030, 6, 5), ymd(2030, 9, 12)},
	2031: {ymd(2031, 1, 23), ymd(2031, 4, 5), ymd(2031, 6, 24), ymd(2031, 10, 1)},
	2032: {ymd(2032, 2, 11), ymd(2032, 4, 4), ymd(2032, 6, 12), ymd(2032, 9, 19)},
	2033: {ymd(2033, 1, 31), ymd(2033, 4, 4), ymd(2033, 6, 1), ymd(2033, 9, 8)},
	2034: {ymd(2034, 2, 19), ymd(2034, 4, 5), ymd(2034, 6, 20), ymd(2034, 9, 27)},
	2035: {ymd(2035, 2, 8), ymd(2035, 4, 5), ymd(2035, 6, 10), ymd(2035, 9, 16)},
}

func ymd(year int, month time.Month, day int) Date {
	return Date{Year: year, Month: month, Day: day}
}

// statutoryHoliday reports whether d is a holiday for all citizens under
// 全国年节及纪念日放假办法 (第二条) and names it. The 2024 text applies from
// 2025 (春节 is 除夕 to 初三, 劳动节 is 1–2 May); the 2013 text before it
// (春节 初一 to 初三, 劳动节 1 May only). The lunar holidays are known only
// for the years of lunarTable; outside it only the fixed-date ones (元旦,
// 劳动节, 国庆节) are counted.
//
// This is deliberately not the year's actual arrangement: a notice also
// moves days to build long breaks (调休) and gives substitute days for a
// holiday on a weekend (第六条), and where it does so is its own choice.
// That is why dates computed from here are always flagged provisional.
func statutoryHoliday(day Date) (name string, ok bool) {
	law2024 := day.Year >= 2025
	switch {
	case day.Month == time.January && day.Day == 1:
		return "元旦", true
	case day.Month == time.May && (day.Day == 1 || (law2024 && day.Day == 2)):
		return "劳动节", true
	case day.Month == time.October && day.Day <= 3:
		return "国庆节", true
	}
	ly, ok := lunarTable[day.Year]
	if !ok {
		return "", false
	}
	first := ly.springFestival
	if law2024 && day == first.AddDays(-1) {
		return "春节", true
	}
	if !day.Before(first) && !day.After(first.AddDays(2)) {
		return "春节", true
	}
	switch day {
	case ly.qingming:
		return "清明节", true
	case ly.duanwu:
		return "端午节", true
	case ly.zhongqiu:
		return "中秋节", true
	}
	return "", false
}
