package model

import "time"

// AuditRecord is one entry of the security audit log (等保2.0 level 3):
// who (Account, from Address) did what (Action) to what (Object) and how
// it ended (Result). Records form hash chains: every writer (one process)
// appends to a chain of its own, Seq counting from 1, and each record
// carries the hash and time of the record before it in its chain, so that
// an edited or deleted record breaks the chain.
type AuditRecord struct {
	// ID is Chain and Seq: "CHAIN-000000000042".
	ID      string
	Chain   string
	Seq     int
	At      time.Time
	Account string
	Address string
	Action  string
	Object  string
	// Result is one of the Audit* results.
	Result string
	Detail string
	// PrevAt and PrevHash are the time and hash of the previous record of
	// the chain (zero and empty for Seq 1).
	PrevAt   time.Time
	PrevHash string
	// Hash is the SHA-256 (hex) of the record's other fields.
	Hash string
}

// Results of audited actions.
const (
	AuditOK     = "ok"
	AuditFailed = "failed"
	AuditDenied = "denied"
	AuditLocked = "locked"
)
