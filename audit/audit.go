// Package audit owns the security audit log (等保2.0 level 3, GB/T
// 22239-2019 安全审计): who did what to what, from where, and how it
// ended, for every login, logout, denied request and change made through
// the console's API or the CLI.
//
// The log is append-only and tamper-evident. Every writing process keeps
// a hash chain of its own (a Log, whose chain ID is new at every start):
// records are numbered 1, 2, … and each carries the SHA-256 of its fields
// and the hash and time of the record before it; the first record of a
// chain carries those of the latest record in the store when it was
// written, so chains are linked too and a whole chain cannot vanish
// unnoticed. Verify recomputes every chain, so a record edited in the
// database (its hash no longer matches), deleted (a number is missing, the
// next record's previous hash no longer matches, or a later chain's anchor
// is gone) or inserted is reported. What no hash chain shows is the removal
// of the very newest records; the store's own refusal (SQLite's triggers)
// and the export an auditor keeps cover that. Records older than
// store.AuditRetention may be purged (PurgeBefore), which the log itself
// records, so that Verify accepts a chain whose first records are gone
// only where a purge removed them.
//
// Record blocks until the record is durable in the store; the records of
// one Log are written one after the other, in the order of their numbers.
package audit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// ActionPurge is the action of the record PurgeBefore appends; its Object
// is "before:" and the cutoff in RFC 3339 with nanoseconds.
const ActionPurge = "audit.purge"

// Entry is what a caller records: the rest of a model.AuditRecord (its
// chain, number, time and hashes) the Log adds.
type Entry struct {
	// Account is the authenticated account (or the name tried, for a
	// failed login); "system" for what the process does itself.
	Account string
	// Address is the client's address; "cli" for a command.
	Address string
	// Action names what was done: login, logout, request.close,
	// account.add, …
	Action string
	// Object is what it was done to: account:NAME, incident:ID, a path.
	Object string
	// Result is model.AuditOK, AuditFailed, AuditDenied or AuditLocked.
	Result string
	// Detail is free text: why it failed, what changed.
	Detail string
}

// Options configure a Log.
type Options struct {
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Registerer receives the log's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Logger receives write failures; nil is slog.Default().
	Logger *slog.Logger
}

// Log appends records to one hash chain of its own. It is safe for
// concurrent use.
type Log struct {
	st      store.Audit
	now     func() time.Time
	log     *slog.Logger
	chain   string
	records *prometheus.CounterVec
	failed  prometheus.Counter

	mu       sync.Mutex
	seq      int
	anchored bool
	prevAt   time.Time
	prevHash string
}

// New returns a Log writing to st, on a new chain.
func New(st store.Audit, opts Options) (*Log, error) {
	if st == nil {
		return nil, errors.New("cannot build the audit log: a store is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	l := &Log{st: st, now: opts.Now, log: opts.Logger,
		chain: opts.Now().UTC().Format("20060102T150405") + "." + hex.EncodeToString(b[:]),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yuqing_audit_records_total",
			Help: "Audit records written, by result of the audited action."}, []string{"result"}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "yuqing_audit_write_failures_total",
			Help: "Audit records that could not be written (the audited action was refused or failed with them)."}),
	}
	for _, r := range []string{model.AuditOK, model.AuditFailed, model.AuditDenied, model.AuditLocked} {
		l.records.WithLabelValues(r)
	}
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{l.records, l.failed} {
			if err := opts.Registerer.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					return nil, err
				}
			}
		}
	}
	return l, nil
}

// Chain returns the ID of the Log's chain.
func (l *Log) Chain() string { return l.chain }

// Record appends e to the chain and returns once it is durable. A record
// that cannot be written is an error (counted and logged): the caller
// refuses or undoes what it audits rather than act unaudited.
func (l *Log) Record(ctx context.Context, e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.anchored {
		last, err := l.st.LastAudit(ctx)
		switch {
		case err == nil:
			l.prevAt, l.prevHash = last.At, last.Hash
		case !errors.Is(err, store.ErrNotFound):
			l.failed.Inc()
			return fmt.Errorf("cannot write the audit record of %s: %w", e.Action, err)
		}
		l.anchored = true
	}
	at := l.now().UTC()
	if !at.After(l.prevAt) {
		at = l.prevAt.Add(time.Nanosecond) // times within a chain increase
	}
	r := model.AuditRecord{ID: RecordID(l.chain, l.seq+1), Chain: l.chain, Seq: l.seq + 1, At: at,
		Account: e.Account, Address: e.Address, Action: e.Action, Object: e.Object, Result: e.Result, Detail: e.Detail,
		PrevAt: l.prevAt, PrevHash: l.prevHash}
	if r.Result == "" {
		r.Result = model.AuditOK
	}
	r.Hash = Hash(r)
	if err := l.st.AppendAudit(ctx, []model.AuditRecord{r}); err != nil {
		l.failed.Inc()
		l.log.Error("cannot write an audit record", "action", e.Action, "account", e.Account, "err", err)
		return fmt.Errorf("cannot write the audit record of %s: %w", e.Action, err)
	}
	l.records.WithLabelValues(r.Result).Inc()
	l.seq, l.prevAt, l.prevHash = r.Seq, r.At, r.Hash
	return nil
}

// PurgeBefore removes the records older than before (refused, with
// store.ErrRetention, within store.AuditRetention of now) and records the
// purge in the chain, so that Verify knows those records were removed.
func (l *Log) PurgeBefore(ctx context.Context, before time.Time, account, address string) (int64, error) {
	if err := store.CheckPurge(before, l.now()); err != nil {
		return 0, err
	}
	// The purge is recorded first: a purge that fails after it leaves an
	// announced cutoff, which Verify only uses for records before it.
	obj := "before:" + before.UTC().Format(time.RFC3339Nano)
	if err := l.Record(ctx, Entry{Account: account, Address: address, Action: ActionPurge, Object: obj}); err != nil {
		return 0, err
	}
	return l.st.PurgeAudit(ctx, before, l.now())
}

// RecordID is the ID of record seq of chain.
func RecordID(chain string, seq int) string { return fmt.Sprintf("%s-%012d", chain, seq) }

// Hash returns the hash of r's fields other than Hash and ID: the SHA-256
// (hex) of a JSON array of them, times as Unix nanoseconds.
func Hash(r model.AuditRecord) string {
	ns := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixNano()
	}
	b, _ := json.Marshal([]any{r.Chain, r.Seq, ns(r.At), r.Account, r.Address, r.Action, r.Object, r.Result, r.Detail,
		ns(r.PrevAt), r.PrevHash}) // a list of strings and integers always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Report is what Verify found.
type Report struct {
	Records int
	Chains  int
	// Problems are the breaks found, in Chinese, one a line; none when
	// the log is intact.
	Problems []string
}

// OK reports whether no problem was found.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify reads the whole log and checks every chain: each record's hash,
// the numbering, and the link to the record before it.
func Verify(ctx context.Context, st store.Audit) (Report, error) {
	recs, err := st.ListAudit(ctx, store.AuditQuery{})
	if err != nil {
		return Report{}, err
	}
	rep := Report{Records: len(recs)}
	var purges []time.Time
	hashes := map[string]bool{}
	for _, r := range recs {
		hashes[r.Hash] = true
	}
	chains := map[string][]model.AuditRecord{}
	var order []string
	for _, r := range recs {
		if _, ok := chains[r.Chain]; !ok {
			order = append(order, r.Chain)
		}
		chains[r.Chain] = append(chains[r.Chain], r)
		if r.Action == ActionPurge && Hash(r) == r.Hash {
			if t, err := time.Parse(time.RFC3339Nano, r.Object[len("before:"):]); err == nil {
				purges = append(purges, t)
			}
		}
	}
	rep.Chains = len(order)
	bad := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	for _, chain := range order {
		rs := chains[chain]
		slices.SortFunc(rs, func(a, b model.AuditRecord) int { return a.Seq - b.Seq })
		for i, r := range rs {
			if r.ID != RecordID(r.Chain, r.Seq) {
				bad("记录 %s 的编号与链 %s 第 %d 条不符：记录被改动或伪造。", r.ID, r.Chain, r.Seq)
			}
			if Hash(r) != r.Hash {
				bad("记录 %s（%s %s）的哈希不符：内容被改动。", r.ID, r.Action, r.Object)
			}
			if i == 0 {
				purged := slices.ContainsFunc(purges, func(t time.Time) bool { return r.PrevAt.Before(t) })
				switch {
				case r.Seq != 1 && !purged:
					bad("链 %s 缺少第 1 至 %d 条记录，且没有清理这些记录的审计记录：记录被删除。", chain, r.Seq-1)
				case r.Seq == 1 && r.PrevHash != "" && !hashes[r.PrevHash] && !purged:
					bad("链 %s 开始时的最新记录（%s）已不存在：记录被删除。", chain, r.PrevAt.In(model.China).Format("2006-01-02 15:04:05.000"))
				case r.Seq == 1 && r.PrevHash == "" && len(recs) > 0 && r.At.Sub(recs[0].At) > time.Minute:
					bad("链 %s 没有链接到此前的记录，而此前已有记录：记录被删除或伪造。", chain)
				}
				continue
			}
			p := rs[i-1]
			switch {
			case r.Seq == p.Seq:
				bad("链 %s 第 %d 条记录出现两次。", chain, r.Seq)
			case r.Seq != p.Seq+1:
				bad("链 %s 缺少第 %d 至 %d 条记录：记录被删除。", chain, p.Seq+1, r.Seq-1)
			case r.PrevHash != p.Hash || !r.PrevAt.Equal(p.At):
				bad("记录 %s 与前一条记录 %s 的哈希链接不符：记录被改动或替换。", r.ID, p.ID)
			}
		}
	}
	return rep, nil
}

// Export writes the records at or after since as CSV with a header, in
// Chinese, times in China Standard Time, for the 审计管理员; it returns
// how many records it wrote.
func Export(ctx context.Context, st store.Audit, since time.Time, w io.Writer) (int, error) {
	recs, err := st.ListAudit(ctx, store.AuditQuery{Since: since})
	if err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"时间", "账号", "地址", "操作", "对象", "结果", "详情", "链", "序号", "哈希"})
	for _, r := range recs {
		_ = cw.Write([]string{r.At.In(model.China).Format("2006-01-02 15:04:05.000"), r.Account, r.Address, r.Action, r.Object,
			ResultName(r.Result), r.Detail, r.Chain, strconv.Itoa(r.Seq), r.Hash})
	}
	cw.Flush()
	return len(recs), cw.Error()
}

// ResultName is the Chinese name of a result.
func ResultName(result string) string {
	switch result {
	case model.AuditOK:
		return "成功"
	case model.AuditFailed:
		return "失败"
	case model.AuditDenied:
		return "拒绝"
	case model.AuditLocked:
		return "锁定"
	}
	return result
}

// Store returns the store the log writes to.
func (l *Log) Store() store.Audit { return l.st }
