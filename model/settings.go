package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Settings people change while the system runs (monitoring schemes, the
// duty roster's shifts) are kept as one append-only log of changes, like
// the user dictionary: each change names its kind and key (a scheme's ID,
// a shift's ID) and carries the whole new value as JSON; of the changes
// of one key the latest (greatest At, ties broken by the greater ID) is
// the value in force, and a change with Removed set takes the key out.
// The configuration file seeds the log (a value it defines is imported
// once, marked as from the configuration); the console appends people's
// changes and the stages poll the log.

// Kinds of setting.
const (
	// SettingScheme is a monitoring scheme (监测方案): Value is a Scheme.
	SettingScheme = "scheme"
	// SettingShift is a duty shift (值班班次): Value is a Shift.
	SettingShift = "shift"
	// SettingSource is a source the crawler polls (信息源): Value is a
	// Source.
	SettingSource = "source"
)

// SettingKinds are the kinds a setting change may have.
var SettingKinds = []string{SettingScheme, SettingShift, SettingSource}

// ConfigActor is who a change imported from the configuration file is
// recorded as.
const ConfigActor = "配置文件"

// SettingChange is one change of a setting.
type SettingChange struct {
	// ID identifies the change, so appending it again stores it once.
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Key is the setting's ID within its kind.
	Key string `json:"key"`
	// Value is the setting's whole new value as JSON (empty when
	// Removed).
	Value   string    `json:"value"`
	Removed bool      `json:"removed,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// MaxSettingValue bounds the JSON value of a setting change.
const MaxSettingValue = 64 << 10

// Validate returns what is wrong with c; nil if it may be stored. A store
// refuses to append a change that does not validate.
func (c *SettingChange) Validate() error {
	var errs []error
	if c.ID == "" {
		errs = append(errs, errors.New("BUG: a setting change needs an id"))
	}
	if !slices.Contains(SettingKinds, c.Kind) {
		errs = append(errs, fmt.Errorf("invalid field kind=%q: want one of %s", c.Kind, strings.Join(SettingKinds, ", ")))
	}
	if err := validateKey(c.Key); err != nil {
		errs = append(errs, err)
	}
	switch {
	case c.Removed && c.Value != "":
		errs = append(errs, errors.New("invalid field value: a removal has no value"))
	case !c.Removed && !json.Valid([]byte(c.Value)):
		errs = append(errs, errors.New("invalid field value: not JSON"))
	case len(c.Value) > MaxSettingValue:
		errs = append(errs, fmt.Errorf("invalid field value: %d bytes, at most %d", len(c.Value), MaxSettingValue))
	}
	errs = append(errs, validateBy(c.By, "who changes the setting"))
	if c.At.IsZero() {
		errs = append(errs, errors.New("missing field at"))
	}
	return errors.Join(errs...)
}

// MaxKeyRunes bounds a setting's key.
const MaxKeyRunes = 64

// validateKey checks a setting's key: one short line of letters, digits,
// '-', '_' or '.', or Chinese characters.
func validateKey(key string) error {
	switch {
	case key == "":
		return errors.New("missing field id")
	case !utf8.ValidString(key):
		return errors.New("invalid field id: not valid UTF-8")
	case utf8.RuneCountInString(key) > MaxKeyRunes:
		return fmt.Errorf("invalid field id=%q: at most %d characters", key, MaxKeyRunes)
	case strings.ContainsFunc(key, func(r rune) bool {
		return r <= ' ' || strings.ContainsRune(`/\?#%&"'<>`, r) || r == 0x7f || r == utf8.RuneError
	}):
		return fmt.Errorf("invalid field id=%q: letters, digits, '-', '_', '.' only", key)
	}
	return nil
}

// SettingsVersion is the change marker of one kind of setting: cheap to
// read, and different whenever its settings may have changed.
type SettingsVersion struct {
	// Changes is how many distinct changes of the kind were ever
	// appended; the log is append-only, so it only grows.
	Changes int64 `json:"changes"`
	// LastChange is the latest At of the kind's changes (zero for none).
	LastChange time.Time `json:"last_change,omitzero"`
}

// SettingSet is the settings of one kind in force, with the version they
// were read at.
type SettingSet struct {
	Version SettingsVersion `json:"version"`
	// Items are the latest change of every key whose latest change is not
	// a removal, sorted by key (bytewise).
	Items []SettingChange `json:"items"`
}

// Scheme is a monitoring scheme (监测方案) as the settings keep it: the
// words and expression the scheme package compiles, whether a match opens
// an incident, and whether the scheme is in use.
type Scheme struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Regions    []string `json:"regions,omitempty"`    // 地域词
	Subjects   []string `json:"subjects,omitempty"`   // 主体词
	Events     []string `json:"events,omitempty"`     // 事件词
	Exclusions []string `json:"exclusions,omitempty"` // 排除词
	Expression string   `json:"expression,omitempty"`
	// Alert makes a matching post open an incident.
	Alert bool `json:"alert,omitempty"`
	// Disabled schemes are kept but match nothing.
	Disabled bool `json:"disabled,omitempty"`
}

// MaxSchemeNameRunes bounds a scheme's name.
const MaxSchemeNameRunes = 64

// Validate checks what the settings themselves require of a scheme (the
// expression is the scheme package's to check), naming the field.
func (s *Scheme) Validate() error {
	var errs []error
	if err := validateKey(s.ID); err != nil {
		errs = append(errs, err)
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case strings.TrimSpace(s.Name) == "":
		errs = append(errs, errors.New("missing field name"))
	case n > MaxSchemeNameRunes || strings.ContainsAny(s.Name, "\r\n"):
		errs = append(errs, fmt.Errorf("invalid field name=%q: one line of at most %d characters", s.Name, MaxSchemeNameRunes))
	}
	return errors.Join(errs...)
}

// Change returns the setting change that makes s the scheme in force.
func (s Scheme) Change(id, by string, at time.Time) SettingChange {
	b, _ := json.Marshal(s) // a struct of strings and bools always encodes
	return SettingChange{ID: id, Kind: SettingScheme, Key: s.ID, Value: string(b), By: by, At: at}
}

// DecodeScheme returns the scheme a change sets.
func DecodeScheme(c SettingChange) (Scheme, error) {
	var s Scheme
	if err := json.Unmarshal([]byte(c.Value), &s); err != nil {
		return Scheme{}, fmt.Errorf("setting change %s: cannot decode scheme %q: %w", c.ID, c.Key, err)
	}
	s.ID = c.Key
	return s, nil
}

// Shift is a duty shift (值班班次) as the settings keep it: a person of
// the roster on duty from Start to End ("HH:MM", China Standard Time; an
// End at or before Start ends on the next day), either every week on Days
// (0 Sunday … 6 Saturday) or on one Date ("YYYY-MM-DD", which then wins
// over the weekly shifts, like a holiday duty).
type Shift struct {
	ID     string         `json:"id"`
	Person string         `json:"person"` // the person's ID in the roster
	Days   []time.Weekday `json:"days,omitempty"`
	Date   string         `json:"date,omitempty"`
	Start  string         `json:"start"`
	End    string         `json:"end"`
	// Role is the shift's role: ShiftDuty (值班) or ShiftLead (带班).
	Role string `json:"role"`
}

// Shift roles. The duty officer is who alerts go to; the lead (带班领导)
// is shown with the shift and alerted with the escalation chain.
const (
	ShiftDuty = "duty"
	ShiftLead = "lead"
)

// Validate returns what is wrong with s, naming the field; nil if it may be
// stored.
func (s *Shift) Validate() error {
	var errs []error
	if err := validateKey(s.ID); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(s.Person) == "" {
		errs = append(errs, errors.New("missing field person"))
	}
	switch {
	case s.Date == "" && len(s.Days) == 0:
		errs = append(errs, errors.New("missing field days: the weekdays of a weekly shift, or a date"))
	case s.Date != "" && len(s.Days) > 0:
		errs = append(errs, errors.New("invalid field date: a shift is weekly (days) or on one date, not both"))
	case s.Date != "":
		if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
			errs = append(errs, fmt.Errorf("invalid field date=%q: want YYYY-MM-DD", s.Date))
		}
	}
	for _, d := range s.Days {
		if d < time.Sunday || d > time.Saturday {
			errs = append(errs, fmt.Errorf("invalid field days: %d is not a weekday (0 Sunday … 6 Saturday)", d))
		}
	}
	for _, f := range []struct{ name, v string }{{"start", s.Start}, {"end", s.End}} {
		if _, err := ParseClock(f.v); err != nil {
			errs = append(errs, fmt.Errorf("invalid field %s=%q: %v", f.name, f.v, err))
		}
	}
	if s.Role != ShiftDuty && s.Role != ShiftLead {
		errs = append(errs, fmt.Errorf("invalid field role=%q: want %s or %s", s.Role, ShiftDuty, ShiftLead))
	}
	return errors.Join(errs...)
}

// ParseClock parses "HH:MM" (00:00–24:00) into minutes after midnight.
func ParseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, errors.New("want HH:MM")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, errors.New("want HH:MM between 00:00 and 24:00")
	}
	return hh*60 + mm, nil
}

// Change returns the setting change that makes s a shift in force.
func (s Shift) Change(id, by string, at time.Time) SettingChange {
	b, _ := json.Marshal(s)
	return SettingChange{ID: id, Kind: SettingShift, Key: s.ID, Value: string(b), By: by, At: at}
}

// DecodeShift returns the shift a change sets.
func DecodeShift(c SettingChange) (Shift, error) {
	var s Shift
	if err := json.Unmarshal([]byte(c.Value), &s); err != nil {
		return Shift{}, fmt.Errorf("setting change %s: cannot decode shift %q: %w", c.ID, c.Key, err)
	}
	s.ID = c.Key
	return s, nil
}
