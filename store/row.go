package store

//lint:file-ignore U1000 staticcheck does not follow the generic listOf into the listCodec interface it is stored as (Column.list); its methods are all called through it

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// This file is the one row-mapping layer of the store. A Table says, once
// for both drivers, which columns a model type is kept in and how each
// field becomes a column value and back; a driver states only how it lays
// values out (Layout) and writes its own SQL and DDL around the column
// names the Table gives it. So a new table is a Table here plus a
// migration step in each driver.

// Kind is how a column's value is kept. Each driver maps a kind to one of
// its column types; the Go values a driver sends and scans for each kind
// are fixed by its Layout (see Table.Values and Table.Scanner).
type Kind uint8

// The kinds of column.
const (
	// KindString is a string.
	KindString Kind = iota + 1
	// KindInt is an int, kept as a signed 64-bit integer.
	KindInt
	// KindUint64 is a uint64 kept bit for bit (a fingerprint).
	KindUint64
	// KindVersion is a row's version, a uint64 the store compares: of two
	// rows with one ID the higher version wins.
	KindVersion
	// KindFloat is a float64.
	KindFloat
	// KindBool is a bool.
	KindBool
	// KindTime is a time.Time kept as Unix nanoseconds, exact; the zero
	// time is 0 and a time reads back in UTC. Times must lie between 1677
	// and 2262.
	KindTime
	// KindStrings is a []string; an empty one reads back nil.
	KindStrings
	// KindUint64s is a []uint64; an empty one reads back nil.
	KindUint64s
	// KindList is a slice of structs, whose fields are the column's parts;
	// an empty one reads back nil, and so does an empty KindStrings part of
	// an element.
	KindList
)

// Layout is how a driver lays a row out: the few choices in which the
// drivers differ. Everything else about a row is its Table's.
type Layout struct {
	// JSONLists keeps every list (KindStrings, KindUint64s, KindList) as
	// one JSON text column, an empty list as []. Otherwise a list of
	// scalars is one array column and a list of structs one array column
	// per part (parallel arrays: part i of element j is item j of the
	// part's array), an empty list an empty, never nil, array.
	JSONLists bool
	// TimeSuffix is appended to the name of every time column, e.g. _ns.
	TimeSuffix string
	// SignedIntegers keeps uint64 values as int64, for a database without
	// unsigned integers: a KindUint64 by its bits, a KindVersion only up to
	// math.MaxInt64 (above, the stored order would differ from the
	// version order, so such a row is refused).
	SignedIntegers bool
	// BoolsAsUint8 keeps a bool as a uint8, 0 or 1.
	BoolsAsUint8 bool
}

// Table describes how rows of T are kept: a table called Name whose
// columns are Columns, in order. The first column is the row's ID.
type Table[T any] struct {
	// Name is the table's name in both databases and its label in the
	// store metrics.
	Name string
	// Singular and Plural name a row in errors: "cannot store post %q",
	// "cannot upsert 3 posts".
	Singular, Plural string
	Columns          []Column[T]
	// ID returns the row's ID, for errors.
	ID func(*T) string
	// Validate, when set, is run on every row before it is written; a
	// batch with an invalid row is refused whole.
	Validate func(*T) error
}

// Versioned reports whether the table has a KindVersion column: its rows
// are upserted by ID, the higher version winning. A table without one is
// an append-only log: a row whose ID is stored already is not stored
// again.
func (t *Table[T]) Versioned() bool {
	for _, c := range t.Columns {
		if c.kind == KindVersion {
			return true
		}
	}
	return false
}

// Verb is what writing a batch of rows is called in errors: upsert for a
// versioned table, append for a log.
func (t *Table[T]) Verb() string {
	if t.Versioned() {
		return "upsert"
	}
	return "append"
}

// PhysicalColumn is one column of a table as a driver with a given layout
// keeps it.
type PhysicalColumn struct {
	Name string
	// Kind is the kind of the value, or of the items of a part's array.
	Kind Kind
	// Part is set on the array of one part of a KindList laid out as
	// parallel arrays.
	Part bool
	// JSON is set on a list kept as one JSON text column.
	JSON bool
}

// Physical returns the columns the table has in layout l, in the order of
// the values Values returns and Scanner scans.
func (t *Table[T]) Physical(l Layout) []PhysicalColumn {
	var out []PhysicalColumn
	for _, c := range t.Columns {
		switch {
		case c.kind == KindTime:
			out = append(out, PhysicalColumn{Name: c.name + l.TimeSuffix, Kind: KindTime})
		case c.kind == KindList && !l.JSONLists:
			for _, p := range c.list.parts() {
				out = append(out, PhysicalColumn{Name: p.name, Kind: p.kind, Part: true})
			}
		default:
			out = append(out, PhysicalColumn{Name: c.name, Kind: c.kind, JSON: l.JSONLists && isList(c.kind)})
		}
	}
	return out
}

// ColumnNames returns the names of Physical(l).
func (t *Table[T]) ColumnNames(l Layout) []string {
	var names []string
	for _, c := range t.Physical(l) {
		names = append(names, c.Name)
	}
	return names
}

// Values returns row's values in layout l, in the order of Physical(l):
// what a driver binds to an INSERT. A row that does not validate, or a
// value the layout cannot keep, is an error naming the row.
func (t *Table[T]) Values(l Layout, row *T) ([]any, error) {
	if t.Validate != nil {
		if err := t.Validate(row); err != nil {
			return nil, fmt.Errorf("cannot store %s %q: %w", t.Singular, t.ID(row), err)
		}
	}
	out := make([]any, 0, len(t.Columns))
	var errs []error
	for _, c := range t.Columns {
		if c.kind == KindList && !l.JSONLists {
			out = append(out, c.list.split(row, l)...)
			continue
		}
		v, err := c.value(l, row)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, v)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("cannot store %s %q: %w", t.Singular, t.ID(row), err)
	}
	return out, nil
}

// Scanner returns the destinations a driver scans one row into, in the
// order of Physical(l), and the function that turns what was scanned into
// a T. Call it once per row.
func (t *Table[T]) Scanner(l Layout) (dest []any, row func() (T, error)) {
	dests := make([][]any, len(t.Columns)) // each column's destinations
	for i, c := range t.Columns {
		if c.kind == KindList && !l.JSONLists {
			dests[i] = c.list.dests(l)
		} else {
			dests[i] = []any{c.dest(l)}
		}
		dest = append(dest, dests[i]...)
	}
	return dest, func() (T, error) {
		var v T
		var errs []error
		for i, c := range t.Columns {
			var err error
			if c.kind == KindList && !l.JSONLists {
				err = c.list.join(&v, dests[i], l)
			} else {
				err = c.set(l, &v, dests[i][0])
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("column %s: %w", c.name, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return v, fmt.Errorf("cannot read %s %q: %w", t.Singular, t.ID(&v), err)
		}
		return v, nil
	}
}

// Column is one column of a Table[T]. Build it with Col, VersionCol,
// TextCol or ListCol.
type Column[T any] struct {
	name string
	kind Kind
	// ptr returns a pointer to the field (scalar kinds and lists of
	// scalars).
	ptr func(*T) any
	// get and set convert a computed text column.
	get func(*T) (string, error)
	put func(*T, string) error
	// list is the codec of a KindList.
	list listCodec[T]
}

// Name returns the column's name (without a layout's time suffix).
func (c Column[T]) Name() string { return c.name }

// Kind returns the column's kind.
func (c Column[T]) Kind() Kind { return c.kind }

// Col is a column kept from the field f points at. Its kind follows the
// field's type: string, int, uint64 (KindUint64), float64, bool,
// time.Time, []string or []uint64; any other type is a bug.
func Col[T, V any](name string, f func(*T) *V) Column[T] {
	var kind Kind
	switch any((*V)(nil)).(type) {
	case *string:
		kind = KindString
	case *int:
		kind = KindInt
	case *uint64:
		kind = KindUint64
	case *float64:
		kind = KindFloat
	case *bool:
		kind = KindBool
	case *time.Time:
		kind = KindTime
	case *[]string:
		kind = KindStrings
	case *[]uint64:
		kind = KindUint64s
	default:
		panic(fmt.Sprintf("BUG: column %s has a type no column kind keeps: %T", name, (*V)(nil)))
	}
	return Column[T]{name: name, kind: kind, ptr: func(row *T) any { return f(row) }}
}

// VersionCol is the version column of a versioned table, named version.
func VersionCol[T any](f func(*T) *uint64) Column[T] {
	return Column[T]{name: "version", kind: KindVersion, ptr: func(row *T) any { return f(row) }}
}

// TextCol is a string column computed from the row (get) and turned back
// into its fields (set) when read; set sees the columns before it already
// read.
func TextCol[T any](name string, get func(*T) (string, error), set func(*T, string) error) Column[T] {
	return Column[T]{name: name, kind: KindString, get: get, put: set}
}

// ListCol is a column of the slice of structs f points at, each element
// kept as parts, one per field of E that is kept.
func ListCol[T, E any](name string, f func(*T) *[]E, parts ...Part[E]) Column[T] {
	return Column[T]{name: name, kind: KindList, list: listOf[T, E]{field: f, ps: parts}}
}

// Part is one field of the elements of a ListCol. Build it with Field.
type Part[E any] struct {
	name     string
	kind     Kind
	optional bool
	ptr      func(*E) any
}

// Field is a part kept from the field f points at, of type string,
// float64, bool or []string. name is the part's column name where lists
// are parallel arrays.
func Field[E, V any](name string, f func(*E) *V) Part[E] {
	var kind Kind
	switch any((*V)(nil)).(type) {
	case *string:
		kind = KindString
	case *float64:
		kind = KindFloat
	case *bool:
		kind = KindBool
	case *[]string:
		kind = KindStrings
	default:
		panic(fmt.Sprintf("BUG: part %s has a type no part kind keeps: %T", name, (*V)(nil)))
	}
	return Part[E]{name: name, kind: kind, ptr: func(e *E) any { return f(e) }}
}

// Optional marks a part that rows written before it existed lack: as
// parallel arrays, an empty array of it leaves the field zero in every
// element instead of being an error.
func (p Part[E]) Optional() Part[E] {
	p.optional = true
	return p
}

func isList(k Kind) bool { return k == KindStrings || k == KindUint64s || k == KindList }

// value returns the column's value of row in layout l (not for a KindList
// laid out as parts).
func (c Column[T]) value(l Layout, row *T) (any, error) {
	if c.get != nil {
		return c.get(row)
	}
	if c.kind == KindList {
		return c.list.marshal(row)
	}
	switch p := c.ptr(row).(type) {
	case *string:
		return *p, nil
	case *int:
		return int64(*p), nil
	case *uint64:
		switch {
		case !l.SignedIntegers:
			return *p, nil
		case c.kind == KindVersion && *p > math.MaxInt64:
			return nil, fmt.Errorf("version %d is above the largest storable %d", *p, int64(math.MaxInt64))
		}
		return int64(*p), nil
	case *float64:
		return *p, nil
	case *bool:
		if l.BoolsAsUint8 {
			return boolByte(*p), nil
		}
		return *p, nil
	case *time.Time:
		return UnixNanos(c.name, *p)
	case *[]string:
		if l.JSONLists {
			return jsonText(*p)
		}
		return nonNil(*p), nil
	case *[]uint64:
		if l.JSONLists {
			return jsonText(*p)
		}
		return nonNil(*p), nil
	}
	panic(fmt.Sprintf("BUG: column %s has no value", c.name))
}

// dest returns what the column scans into in layout l (not for a KindList
// laid out as parts).
func (c Column[T]) dest(l Layout) any {
	switch c.kind {
	case KindString:
		return new(string)
	case KindInt, KindTime:
		return new(int64)
	case KindUint64, KindVersion:
		if l.SignedIntegers {
			return new(int64)
		}
		return new(uint64)
	case KindFloat:
		return new(float64)
	case KindBool:
		if l.BoolsAsUint8 {
			return new(uint8)
		}
		return new(bool)
	case KindStrings:
		if l.JSONLists {
			return new(string)
		}
		return new([]string)
	case KindUint64s:
		if l.JSONLists {
			return new(string)
		}
		return new([]uint64)
	case KindList:
		return new(string)
	}
	panic(fmt.Sprintf("BUG: column %s has kind %d", c.name, c.kind))
}

// set stores what the column scanned into dest (from dest(l)) in row.
func (c Column[T]) set(l Layout, row *T, dest any) error {
	if c.put != nil {
		return c.put(row, *dest.(*string))
	}
	if c.kind == KindList {
		return c.list.unmarshal(row, []byte(*dest.(*string)))
	}
	switch p := c.ptr(row).(type) {
	case *string:
		*p = *dest.(*string)
	case *int:
		*p = int(*dest.(*int64))
	case *uint64:
		if l.SignedIntegers {
			*p = uint64(*dest.(*int64))
		} else {
			*p = *dest.(*uint64)
		}
	case *float64:
		*p = *dest.(*float64)
	case *bool:
		if l.BoolsAsUint8 {
			*p = *dest.(*uint8) == 1
		} else {
			*p = *dest.(*bool)
		}
	case *time.Time:
		*p = FromUnixNanos(*dest.(*int64))
	case *[]string:
		if l.JSONLists {
			return fromJSONText(*dest.(*string), p)
		}
		*p = nilIfEmpty(*dest.(*[]string))
	case *[]uint64:
		if l.JSONLists {
			return fromJSONText(*dest.(*string), p)
		}
		*p = nilIfEmpty(*dest.(*[]uint64))
	}
	return nil
}

// listCodec converts a KindList column of T, whatever its element type.
type listCodec[T any] interface {
	parts() []partInfo
	marshal(row *T) (string, error)
	unmarshal(row *T, b []byte) error
	split(row *T, l Layout) []any
	dests(l Layout) []any
	join(row *T, dests []any, l Layout) error
}

type listOf[T, E any] struct {
	field func(*T) *[]E
	ps    []Part[E]
}

// partInfo is what a layout needs of a part, whatever its element type.
type partInfo struct {
	name string
	kind Kind
}

func (c listOf[T, E]) parts() []partInfo {
	out := make([]partInfo, len(c.ps))
	for i, p := range c.ps {
		out[i] = partInfo{name: p.name, kind: p.kind}
	}
	return out
}

func (c listOf[T, E]) marshal(row *T) (string, error) {
	return jsonText(*c.field(row))
}

func (c listOf[T, E]) unmarshal(row *T, b []byte) error {
	f := c.field(row)
	if err := fromJSONText(string(b), f); err != nil {
		return err
	}
	c.normalize(*f)
	return nil
}

// normalize makes the empty []string parts of elems nil, as they read
// back from either layout.
func (c listOf[T, E]) normalize(elems []E) {
	for i := range elems {
		for _, p := range c.ps {
			if p.kind == KindStrings {
				s := p.ptr(&elems[i]).(*[]string)
				*s = nilIfEmpty(*s)
			}
		}
	}
}

func (c listOf[T, E]) split(row *T, l Layout) []any {
	elems := *c.field(row)
	out := make([]any, len(c.ps))
	for i, p := range c.ps {
		switch p.kind {
		case KindString:
			v := make([]string, len(elems))
			for j := range elems {
				v[j] = *p.ptr(&elems[j]).(*string)
			}
			out[i] = v
		case KindFloat:
			v := make([]float64, len(elems))
			for j := range elems {
				v[j] = *p.ptr(&elems[j]).(*float64)
			}
			out[i] = v
		case KindBool:
			if l.BoolsAsUint8 {
				v := make([]uint8, len(elems))
				for j := range elems {
					v[j] = boolByte(*p.ptr(&elems[j]).(*bool))
				}
				out[i] = v
			} else {
				v := make([]bool, len(elems))
				for j := range elems {
					v[j] = *p.ptr(&elems[j]).(*bool)
				}
				out[i] = v
			}
		case KindStrings:
			v := make([][]string, len(elems))
			for j := range elems {
				v[j] = nonNil(*p.ptr(&elems[j]).(*[]string))
			}
			out[i] = v
		}
	}
	return out
}

func (c listOf[T, E]) dests(l Layout) []any {
	out := make([]any, len(c.ps))
	for i, p := range c.ps {
		switch p.kind {
		case KindString:
			out[i] = new([]string)
		case KindFloat:
			out[i] = new([]float64)
		case KindBool:
			if l.BoolsAsUint8 {
				out[i] = new([]uint8)
			} else {
				out[i] = new([]bool)
			}
		case KindStrings:
			out[i] = new([][]string)
		}
	}
	return out
}

// partLen returns the length of the array a part scanned into.
func partLen(dest any) int {
	switch d := dest.(type) {
	case *[]string:
		return len(*d)
	case *[]float64:
		return len(*d)
	case *[]uint8:
		return len(*d)
	case *[]bool:
		return len(*d)
	case *[][]string:
		return len(*d)
	}
	panic(fmt.Sprintf("BUG: part scanned into %T", dest))
}

func (c listOf[T, E]) join(row *T, dests []any, l Layout) error {
	n := -1
	for i, p := range c.ps {
		if m := partLen(dests[i]); !p.optional {
			if n >= 0 && m != n {
				return errors.New("its parallel arrays differ in length")
			}
			n = m
		}
	}
	for i, p := range c.ps {
		if m := partLen(dests[i]); p.optional && m != 0 && m != n {
			return errors.New("its parallel arrays differ in length")
		}
	}
	if n <= 0 {
		*c.field(row) = nil
		return nil
	}
	elems := make([]E, n)
	for i, p := range c.ps {
		if partLen(dests[i]) == 0 {
			continue // an optional part the row was written without
		}
		for j := range elems {
			switch d := dests[i].(type) {
			case *[]string:
				*p.ptr(&elems[j]).(*string) = (*d)[j]
			case *[]float64:
				*p.ptr(&elems[j]).(*float64) = (*d)[j]
			case *[]uint8:
				*p.ptr(&elems[j]).(*bool) = (*d)[j] == 1
			case *[]bool:
				*p.ptr(&elems[j]).(*bool) = (*d)[j]
			case *[][]string:
				*p.ptr(&elems[j]).(*[]string) = nilIfEmpty((*d)[j])
			}
		}
	}
	*c.field(row) = elems
	return nil
}

// Times representable as Unix nanoseconds in an int64.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// UnixNanos returns t as a time column keeps it, Unix nanoseconds with the
// zero time as 0, or an error naming column when t is outside the range
// an int64 holds.
func UnixNanos(column string, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("%s: time %s is outside the storable range %s to %s", column,
			t.Format(time.RFC3339), minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// FromUnixNanos is the inverse of UnixNanos, in UTC.
func FromUnixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// jsonText encodes a list column; an empty list is stored as [] so SQL
// JSON functions can read every row.
func jsonText[E any](v []E) (string, error) {
	if len(v) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// fromJSONText decodes a list column into v; an empty list reads back as
// nil.
func fromJSONText[E any](text string, v *[]E) error {
	*v = nil
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return err
	}
	*v = nilIfEmpty(*v)
	return nil
}

// nonNil returns s, or an empty slice for nil: a driver appends an empty
// array for it, where some driver versions refuse nil.
func nonNil[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

func nilIfEmpty[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	return s
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
