package inspector

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
)

// DeliveryStore is where the delivery log of inspection alerts is kept:
// the store's Deliveries role.
type DeliveryStore interface {
	AppendDeliveries(ctx context.Context, ds []model.Delivery) error
	DeliveryFinal(ctx context.Context, key string) (bool, error)
}

// StoreLog is a notify.DeliveryLog in the store, so that an alert about a
// finding is sent once across restarts.
type StoreLog struct{ St DeliveryStore }

// storeTimeout bounds one delivery-log call; the notifier's interface has
// no context.
const storeTimeout = 10 * time.Second

// Seen reports whether a final delivery is stored under key.
func (l StoreLog) Seen(key string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	return l.St.DeliveryFinal(ctx, key)
}

// Record appends d to the store's delivery log.
func (l StoreLog) Record(d notify.Delivery) error {
	detail, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("cannot encode delivery %s: %w", d.Key, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	return l.St.AppendDeliveries(ctx, []model.Delivery{{ID: d.Key + "@" + strconv.FormatInt(d.At.UnixNano(), 10) + "@" + string(d.Status),
		Key: d.Key, IncidentID: d.IncidentID, At: d.At.UTC(), Final: d.Final(), Detail: string(detail)}})
}
