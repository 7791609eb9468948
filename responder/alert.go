package responder

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
	"github.com/yuqing-project/yuqing/store"
)

// alert is a notification the responder decided is due. Its key is stable
// (incident, obligation, point), so deciding it again never sends it twice:
// the dispatcher's delivery log keeps what was delivered.
type alert struct {
	inc      model.Incident
	ob       model.Obligation // zero for an incident-level alert
	key      string
	kind     notify.Kind
	escalate bool // also to every step of the escalation chain
	// step, when above zero, sends the alert to that step of the
	// escalation chain only (an unacknowledged alert going up).
	step int
	note string
}

// Alerter delivers the responder's alerts to duty staff: it picks the
// recipients from the duty roster and hands the messages to the
// dispatcher. Send blocks while the dispatcher retries.
type Alerter struct {
	cfg config.NotifyConfig
	d   *notify.Dispatcher
	// base is the configured roster: its people and escalation chain;
	// roster is the roster in force, base with the settings' shifts
	// (SetShifts) once they were applied.
	base   *notify.Roster
	roster atomic.Pointer[notify.Roster]
	log    *slog.Logger
	now    func() time.Time
	// done holds the messages (incident and message key) the dispatcher
	// settled since the start: every delivery sent, failed for good or
	// held. The deadline check decides the same alerts again every tick;
	// done keeps them from going back to the dispatcher (and its delivery
	// log) each time. After a restart it is empty, and the delivery log
	// stops a repeat.
	mu   sync.Mutex
	done map[string]bool
}

// NewAlerter builds the alerting of cfg. Its delivery log is kept in the
// store (so a standby taking over on another machine knows what was sent),
// or in the file the config names. It returns nil, nil when no channel is
// configured: deadlines are then tracked and recorded, nobody alerted.
func NewAlerter(cfg config.NotifyConfig, st store.Store, reg prometheus.Registerer, log *slog.Logger, now func() time.Time) (*Alerter, error) {
	if len(cfg.Channels) == 0 {
		return nil, nil
	}
	if now == nil {
		now = time.Now
	}
	chans, err := notify.BuildChannels(&cfg, now)
	if err != nil {
		return nil, fmt.Errorf("cannot build notification channels: %w", err)
	}
	roster, err := notify.BuildRoster(&cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot build the duty roster: %w", err)
	}
	quiet, err := notify.QuietHoursFrom(&cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot read quiet hours: %w", err)
	}
	var dl notify.DeliveryLog = storeDeliveryLog{st}
	if cfg.DeliveryLog != "" {
		fl, err := notify.OpenFileLog(cfg.DeliveryLog)
		if err != nil {
			return nil, fmt.Errorf("cannot open the delivery log %q: %w", cfg.DeliveryLog, err)
		}
		dl = fl
	}
	var acker *notify.Acker
	if cfg.AckSecret != "" {
		if acker, err = notify.NewAcker(cfg.AckSecret, cfg.AckURL, cfg.AckTTL, now); err != nil {
			return nil, fmt.Errorf("cannot sign acknowledgement links: %w", err)
		}
	}
	d, err := notify.NewDispatcher(chans, dl, reg, notify.DispatcherOptions{Quiet: quiet, Retry: notify.RetryPolicyFrom(&cfg), Acker: acker, Now: now, Logger: log})
	if err != nil {
		return nil, err
	}
	a := &Alerter{cfg: cfg, d: d, base: roster, log: log, now: now, done: map[string]bool{}}
	a.roster.Store(roster)
	return a, nil
}

// SetShifts makes shifts (the store's duty shifts in force) the roster's
// periods, keeping the configured people and escalation chain; the next
// alert goes by them. A shift of a person the configuration no longer has
// is left out (and logged), as the console leaves it out of who is on
// duty; a shift that does not validate refuses the set, keeping the
// roster in use. On a nil Alerter (no channel) it does nothing.
func (a *Alerter) SetShifts(shifts []model.Shift) error {
	if a == nil {
		return nil
	}
	var known []model.Shift
	for _, s := range shifts {
		if _, ok := a.base.Person(s.Person); !ok {
			if a.log == nil {
				continue
			}
			a.log.Warn("duty shift of a person not in the roster left out", "shift", s.ID, "person", s.Person)
			continue
		}
		known = append(known, s)
	}
	r, err := a.base.WithShifts(known)
	if err != nil {
		return err
	}
	a.roster.Store(r)
	return nil
}

// Roster returns the roster in force.
func (a *Alerter) Roster() *notify.Roster { return a.roster.Load() }

// obligationLabel names an obligation as officers say it: 5小时权威发布.
func obligationLabel(o model.Obligation) string {
	switch o.Rule {
	case "R-5H":
		return "5小时权威发布"
	case "R-24H":
		return "24小时新闻发布会"
	case "R-48H":
		return "48小时回应"
	}
	return o.Title
}

// Send delivers alerts. An error means some delivery may succeed if the
// same alerts are sent again later; what was delivered is never repeated.
func (a *Alerter) Send(ctx context.Context, alerts []alert) error {
	if _, err := a.d.ReleaseHeld(ctx); err != nil {
		a.log.Warn("cannot release held notifications", "err", err)
	}
	var firstErr error
	now := a.now()
	roster := a.Roster()
	for _, al := range alerts {
		m := notify.Message{IncidentID: al.inc.ID, Key: al.key, Kind: al.kind, Title: al.inc.Title,
			Level: notify.Level(al.inc.Level), State: al.inc.State, At: now, ConsoleURL: notify.IncidentURL(&a.cfg, al.inc.ID)}
		if al.ob.Rule != "" {
			m.Obligation, m.DueAt = obligationLabel(al.ob), al.ob.DueAt
			if al.ob.Evidence != nil {
				m.Note = "依据:" + al.ob.Evidence.Source + "《" + al.ob.Evidence.Title + "》(自动识别,待确认)"
			}
		}
		if al.note != "" {
			m.Note = al.note
		}
		if al.step > 0 {
			if p, ok := roster.Escalation(al.step, now); ok {
				if err := a.dispatch(ctx, withRecipient(m, p, al.step)); err != nil && firstErr == nil {
					firstErr = err
				}
			}
			continue
		}
		p, step, ok := roster.FirstResponder(now)
		if !ok {
			a.log.Error("nobody on duty or in the escalation chain; alert not sent", "incident", al.inc.ID, "key", al.key)
			continue
		}
		steps := []notify.Message{withRecipient(m, p, step)}
		if al.escalate {
			for s := step + 1; s < roster.ChainLength(); s++ {
				if p, ok := roster.Escalation(s, now); ok {
					e := withRecipient(m, p, s)
					e.Key = fmt.Sprintf("%s/step%d", m.Key, s)
					steps = append(steps, e)
				}
			}
		}
		for _, msg := range steps {
			if err := a.dispatch(ctx, msg); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// dispatch hands m to the dispatcher unless it settled m already.
func (a *Alerter) dispatch(ctx context.Context, m notify.Message) error {
	key := m.IncidentID + "\x00" + m.Key
	a.mu.Lock()
	settled := a.done[key]
	a.mu.Unlock()
	if settled {
		return nil
	}
	if _, err := a.d.Dispatch(ctx, m); err != nil {
		return err
	}
	a.mu.Lock()
	a.done[key] = true
	a.mu.Unlock()
	return nil
}

func withRecipient(m notify.Message, p notify.Person, step int) notify.Message {
	m.Recipients = []notify.Recipient{p.Recipient()}
	m.Step = step
	return m
}

// storeDeliveryLog keeps the notification delivery log in the store.
type storeDeliveryLog struct{ st store.Store }

// storeTimeout bounds one delivery-log call; the notifier's interface has
// no context.
const storeTimeout = 10 * time.Second

func (l storeDeliveryLog) Seen(key string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	return l.st.DeliveryFinal(ctx, key)
}

func (l storeDeliveryLog) Record(d notify.Delivery) error {
	detail, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("cannot encode delivery %s: %w", d.Key, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	return l.st.AppendDeliveries(ctx, []model.Delivery{{ID: d.Key + "@" + strconv.FormatInt(d.At.UnixNano(), 10) + "@" + string(d.Status),
		Key: d.Key, IncidentID: d.IncidentID, At: d.At.UTC(), Final: d.Final(), Detail: string(detail)}})
}
