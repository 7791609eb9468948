package notify

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Status is the outcome of one delivery attempt series.
type Status string

// Delivery statuses.
const (
	StatusSent   Status = "sent"   // the channel accepted the message
	StatusFailed Status = "failed" // the channel refused it, or every retry failed
	StatusHeld   Status = "held"   // quiet hours hold it until HoldUntil
)

// Delivery is one entry of the delivery log: what happened to one message
// on one channel for one recipient.
type Delivery struct {
	// Key is DeliveryKey of the four fields below.
	Key             string `json:"key"`
	IncidentID      string `json:"incident_id"`
	NotificationKey string `json:"notification_key"`
	Channel         string `json:"channel"`
	Recipient       string `json:"recipient"`
	Kind            Kind   `json:"kind"`
	Level           Level  `json:"level"`
	Status          Status `json:"status"`
	// Permanent is set on a failure that retrying cannot fix; such a
	// delivery is final and is not attempted again.
	Permanent bool      `json:"permanent,omitempty"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
	HoldUntil time.Time `json:"hold_until,omitzero"`
	MessageID string    `json:"message_id,omitempty"`
	Remote    string    `json:"remote,omitempty"`
}

// Final reports whether the delivery settles its key: it was sent, or it
// failed permanently. A held delivery, or one whose retries ran out on
// errors that may pass, is not final and is attempted again when the
// notification is dispatched again.
func (d Delivery) Final() bool {
	return d.Status == StatusSent || (d.Status == StatusFailed && d.Permanent)
}

// DeliveryKey is the idempotency key of a notification to one recipient on
// one channel: a hash, so it is safe in headers and Message-IDs whatever
// the IDs contain.
func DeliveryKey(incidentID, notificationKey, channel, recipientID string) string {
	sum := sha256.Sum256([]byte(incidentID + "\x00" + notificationKey + "\x00" + channel + "\x00" + recipientID))
	return hex.EncodeToString(sum[:16])
}

// DeliveryLog remembers deliveries so that a notification is never sent
// twice, also across restarts. Implementations are safe for concurrent use.
type DeliveryLog interface {
	// Seen reports whether a final delivery (see Delivery.Final) was
	// recorded under key.
	Seen(key string) (bool, error)
	// Record appends d to the log. It returns once d is durable: after a
	// crash, Seen answers as if d had been recorded.
	Record(d Delivery) error
}

// MemoryLog is a DeliveryLog in memory, for tests and for deployments that
// accept a repeat after a restart.
type MemoryLog struct {
	mu    sync.Mutex
	final map[string]bool
	all   []Delivery
}

// NewMemoryLog returns an empty in-memory log.
func NewMemoryLog() *MemoryLog { return &MemoryLog{final: map[string]bool{}} }

// Seen implements DeliveryLog.
func (l *MemoryLog) Seen(key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.final[key], nil
}

// Record implements DeliveryLog.
func (l *MemoryLog) Record(d Delivery) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, d)
	if d.Final() {
		l.final[d.Key] = true
	}
	return nil
}

// Deliveries returns the recorded deliveries of an incident ("" for all),
// oldest first.
func (l *MemoryLog) Deliveries(incidentID string) []Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return filterDeliveries(l.all, incidentID)
}

func filterDeliveries(all []Delivery, incidentID string) []Delivery {
	var out []Delivery
	for _, d := range all {
		if incidentID == "" || d.IncidentID == incidentID {
			out = append(out, d)
		}
	}
	return out
}

// FileLog is a DeliveryLog in a file of JSON lines, one Delivery a line,
// fsynced on every Record and read back when opened. The whole history is
// held in memory, which suits the few thousand deliveries a year of a
// jurisdiction; a store-backed log replaces it at larger scale.
type FileLog struct {
	mu    sync.Mutex
	path  string
	f     *os.File
	size  int64 // bytes of whole lines, where the next line starts
	final map[string]bool
	all   []Delivery
}

// OpenFileLog opens or creates the log at path and loads it. A last line
// cut short by a crash during a write is dropped (its Record never returned,
// so nobody relied on it); any other unreadable line is an error, because
// skipping it could send a notification twice.
func OpenFileLog(path string) (*FileLog, error) {
	l := &FileLog{path: path, final: map[string]bool{}}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read delivery log %s: %w", path, err)
	}
	created := errors.Is(err, os.ErrNotExist)
	valid := len(b)
	if i := bytes.LastIndexByte(b, '\n'); i+1 != len(b) {
		valid = i + 1 // a torn last line
	}
	sc := bufio.NewScanner(bytes.NewReader(b[:valid]))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var d Delivery
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("cannot parse delivery log %s line %d: %w", path, line, err)
		}
		l.all = append(l.all, d)
		if d.Final() {
			l.final[d.Key] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read delivery log %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open delivery log %s: %w", path, err)
	}
	if valid != len(b) {
		if err := f.Truncate(int64(valid)); err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot drop the torn last line of delivery log %s: %w", path, err)
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot open delivery log %s: %w", path, err)
	}
	if created {
		// The new file's directory entry must be durable too, or a crash
		// could lose the whole log.
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot create delivery log %s: %w", path, err)
		}
	}
	l.f = f
	l.size = int64(valid)
	return l, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Seen implements DeliveryLog.
func (l *FileLog) Seen(key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.final[key], nil
}

// Record implements DeliveryLog: it appends d as one line and fsyncs.
func (l *FileLog) Record(d Delivery) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("cannot encode delivery %s: %w", d.Key, err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("cannot record delivery %s: delivery log %s is closed", d.Key, l.path)
	}
	if _, err := l.f.Write(b); err != nil {
		// Cut off whatever part of the line was written, so the next
		// record starts on a line of its own.
		if terr := l.f.Truncate(l.size); terr == nil {
			_, _ = l.f.Seek(l.size, io.SeekStart)
		}
		return fmt.Errorf("cannot write delivery %s to %s: %w", d.Key, l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("cannot sync delivery log %s: %w", l.path, err)
	}
	l.size += int64(len(b))
	l.all = append(l.all, d)
	if d.Final() {
		l.final[d.Key] = true
	}
	return nil
}

// Deliveries returns the recorded deliveries of an incident ("" for all),
// oldest first.
func (l *FileLog) Deliveries(incidentID string) []Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return filterDeliveries(l.all, incidentID)
}

// Close closes the file.
func (l *FileLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("cannot close delivery log %s: %w", l.path, err)
	}
	return nil
}
