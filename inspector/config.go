package inspector

import (
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/inspect"
)

// PortalOf is the inspection of a configured portal.
func PortalOf(c config.InspectPortal) inspect.Portal {
	p := inspect.Portal{ID: c.ID, Name: c.Name, Unit: c.Unit, Home: c.Home, AllowPrivate: c.AllowPrivate, Items: c.Items,
		ReplyWorkdays: c.ReplyWorkdays, AnnualDeadline: c.AnnualDeadline}
	for _, col := range c.Columns {
		p.Columns = append(p.Columns, inspect.Column{Name: col.Name, URL: col.URL, Category: col.Category})
	}
	if b := c.Board; b.URL != "" {
		p.Board = &inspect.Board{URL: b.URL, Rows: b.Rows, Next: b.Next, Posted: b.Posted, Reply: b.Reply, MaxPages: b.MaxPages}
	}
	return p
}
