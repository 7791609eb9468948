package model

import "time"

// Delivery is one entry of the notification delivery log: what happened to
// one alert on one channel for one recipient. The store keeps it for the
// responder, so that after a restart or a failover to another machine no
// alert is sent twice, and shows it to duty staff.
type Delivery struct {
	// ID identifies the entry (its delivery key and time), so appending it
	// again stores it once.
	ID string `json:"id"`
	// Key is the delivery key: incident, notification, channel, recipient.
	Key        string    `json:"key"`
	IncidentID string    `json:"incident_id"`
	At         time.Time `json:"at"`
	// Final is set when the entry settles its key (sent, or failed for
	// good): the alert is not attempted again.
	Final bool `json:"final"`
	// Detail is the entry as the notifier wrote it (JSON).
	Detail string `json:"detail"`
}
