package store

import "fmt"

// SchemaBehindError is what a driver's Open returns for a database whose
// schema lacks steps this binary needs. Open never changes a schema: only
// `yuqing migrate` does (the drivers' Migrate), once, so that replicas
// starting together do not race on DDL. The embedded SQLite store is the
// exception the operator never sees: `yuqing run` migrates it itself.
type SchemaBehindError struct {
	// Have is the schema version the database is at: the last of the
	// steps 1, 2, … that it has all of (0 for an empty database).
	Have int
	// Want is the version this binary needs.
	Want int
}

func (e *SchemaBehindError) Error() string {
	return fmt.Sprintf(`store schema is at version %d, this yuqing needs %d: run "yuqing migrate -config FILE"`, e.Have, e.Want)
}

// CheckSchema returns a *SchemaBehindError unless applied, the migration
// steps a database has recorded, includes every step from 1 to want.
func CheckSchema(applied map[int]bool, want int) error {
	have := 0
	for applied[have+1] {
		have++
	}
	if have < want {
		return &SchemaBehindError{Have: have, Want: want}
	}
	return nil
}

// CheckSteps is CheckSchema for a driver whose step numbers need not be
// consecutive (a step numbered while others were being written, renumbered
// or filled in later): it returns a *SchemaBehindError unless applied
// includes every one of steps, which must be ascending. Have is then the
// last step of the unbroken run of steps the database has from the first.
func CheckSteps(applied map[int]bool, steps []int) error {
	have := 0
	for _, s := range steps {
		if !applied[s] {
			return &SchemaBehindError{Have: have, Want: steps[len(steps)-1]}
		}
		have = s
	}
	return nil
}
