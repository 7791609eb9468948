package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BriefsConfig configures the briefs leaders read (the brief package and
// target): their fixed parts and their schedule.
type BriefsConfig struct {
	// Unit is the 编发单位 printed in the 报头. Default: 舆情监测中心.
	Unit string `yaml:"unit"`
	// Jurisdiction names what is watched, as the text says it (我县).
	// Default: 本地.
	Jurisdiction string `yaml:"jurisdiction"`
	// Classification is 内部资料 or a 密级. Default: 内部资料.
	Classification string `yaml:"classification"`
	// Copies is how many copies are printed (the 报尾's 共印N份); 0
	// prints no count.
	Copies int `yaml:"copies"`
	// SerialStart, when positive, prints 总第M期, counting each type's
	// issued briefs from it.
	SerialStart int `yaml:"serial_start"`
	// ReportTo, SendTo and CopyTo are the 报, 送 and 发 recipients.
	ReportTo []string `yaml:"report_to"`
	SendTo   []string `yaml:"send_to"`
	CopyTo   []string `yaml:"copy_to"`
	// TopEvents is how many hot events a periodic brief lists. Default: 5.
	TopEvents int `yaml:"top_events"`
	// ConsoleURL is the console's address as readers reach it, for the
	// links IM messages carry. Default: http:// + http.listen.
	ConsoleURL string        `yaml:"console_url"`
	Schedule   BriefSchedule `yaml:"schedule"`
}

// BriefSchedule says when the brief target generates each periodic brief
// (a draft for review; delivery follows its issue).
type BriefSchedule struct {
	// Daily is the time of day (HH:MM, China time) the daily brief of the
	// previous day is generated, or off. Default: 08:00.
	Daily string `yaml:"daily"`
	// Weekly is the weekday and time the weekly brief of the previous
	// week is generated (monday 08:30), or off. Default: monday 08:30.
	Weekly string `yaml:"weekly"`
	// Monthly is the day of the month (1–28) and time the monthly brief
	// of the previous month is generated (1 09:00), or off. Default:
	// 1 09:00.
	Monthly string `yaml:"monthly"`
	// Holidays says what happens to a daily brief due on a day off of the
	// working-day calendar: skip it (the day is covered by no daily
	// brief), or merge it into the next working day's, which then covers
	// every day since the last one. Default: merge.
	Holidays string `yaml:"holidays"`
}

func (b *BriefsConfig) applyDefaults(set func(string) bool) {
	d := defaulter{set}
	d.str("briefs.unit", &b.Unit, "舆情监测中心")
	d.str("briefs.jurisdiction", &b.Jurisdiction, "本地")
	d.str("briefs.classification", &b.Classification, "内部资料")
	d.int("briefs.top_events", &b.TopEvents, 5)
	d.str("briefs.schedule.daily", &b.Schedule.Daily, "08:00")
	d.str("briefs.schedule.weekly", &b.Schedule.Weekly, "monday 08:30")
	d.str("briefs.schedule.monthly", &b.Schedule.Monthly, "1 09:00")
	d.str("briefs.schedule.holidays", &b.Schedule.Holidays, "merge")
}

// ClockTime parses HH:MM into the time after midnight.
func ClockTime(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

// WeeklyAt parses a weekly schedule: a weekday and a time (monday 08:30).
func WeeklyAt(s string) (time.Weekday, time.Duration, error) {
	day, at, ok := strings.Cut(strings.TrimSpace(s), " ")
	wd, known := weekdays[strings.ToLower(day)]
	if !ok || !known {
		return 0, 0, fmt.Errorf("%q is not a weekday and a time (monday 08:30)", s)
	}
	d, err := ClockTime(strings.TrimSpace(at))
	return wd, d, err
}

// MonthlyAt parses a monthly schedule: a day of the month, 1–28, and a
// time (1 09:00).
func MonthlyAt(s string) (int, time.Duration, error) {
	day, at, ok := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.Atoi(day)
	if !ok || err != nil || n < 1 || n > 28 {
		return 0, 0, fmt.Errorf("%q is not a day of the month (1–28) and a time (1 09:00)", s)
	}
	d, err := ClockTime(strings.TrimSpace(at))
	return n, d, err
}

func (b *BriefsConfig) problems(bad func(path, format string, args ...any)) {
	if strings.TrimSpace(b.Unit) == "" {
		bad("briefs.unit", "must not be empty: it is printed in the 报头")
	}
	if strings.TrimSpace(b.Classification) == "" {
		bad("briefs.classification", "must not be empty: 内部资料 or a 密级")
	}
	if b.Copies < 0 {
		bad("briefs.copies", "must not be negative, got %d", b.Copies)
	}
	if b.TopEvents < 1 || b.TopEvents > 50 {
		bad("briefs.top_events", "must be in [1, 50], got %d", b.TopEvents)
	}
	s := b.Schedule
	if s.Daily != "off" {
		if _, err := ClockTime(s.Daily); err != nil {
			bad("briefs.schedule.daily", "%v, or off", err)
		}
	}
	if s.Weekly != "off" {
		if _, _, err := WeeklyAt(s.Weekly); err != nil {
			bad("briefs.schedule.weekly", "%v, or off", err)
		}
	}
	if s.Monthly != "off" {
		if _, _, err := MonthlyAt(s.Monthly); err != nil {
			bad("briefs.schedule.monthly", "%v, or off", err)
		}
	}
	if s.Holidays != "skip" && s.Holidays != "merge" {
		bad("briefs.schedule.holidays", "%q is not skip or merge", s.Holidays)
	}
}
