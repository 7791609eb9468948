package inspect

import (
	"context"
	"fmt"
	"time"

	"github.com/yuqing-project/yuqing/calendar"
	"github.com/yuqing-project/yuqing/model"
)

// Message is one 网民留言 as an inspection saw it.
type Message struct {
	URL      string    `json:"url"`
	Title    string    `json:"title"`
	PostedAt time.Time `json:"posted_at"`
	// RepliedAt is when the reply was posted; zero when there is none.
	RepliedAt time.Time `json:"replied_at,omitzero"`
	// Workdays is the working days the reply took, or the working days
	// the message has waited so far.
	Workdays int       `json:"workdays"`
	DueAt    time.Time `json:"due_at"`
}

// ReplyDue returns when a reply to a message posted at posted is due under
// a limit of n working days: the end of the n-th working day after the day
// it was posted (that day not counted).
func ReplyDue(cal *calendar.Calendar, posted time.Time, n int) time.Time {
	due, _ := cal.AddWorkdays(calendar.DateOf(posted), n)
	return due.Deadline()
}

// checkBoard reads the board's list pages, newest first, and each
// message's page within the census's one-year window, and records a
// finding for every message unanswered past the local limit (C-REPLY-LOCAL),
// a 单项否决 one when it has waited more than three months (C-REPLY-3M).
func (r *run) checkBoard(ctx context.Context) error {
	b := *r.p.Board
	if b.Rows == "" {
		b.Rows = "table tr"
	}
	if b.Next == "" {
		b.Next = "a.next"
	}
	if b.Posted == "" {
		b.Posted = ".msg-info"
	}
	if b.Reply == "" {
		b.Reply = ".reply"
	}
	if b.MaxPages <= 0 {
		b.MaxPages = 50
	}
	c := r.in.o.Census
	local, veto := c.Rule("C-REPLY-LOCAL"), c.Rule("C-REPLY-3M")
	limit := local.Workdays
	if r.p.ReplyWorkdays > 0 {
		limit = r.p.ReplyWorkdays
	}
	cal := r.in.o.Calendar
	next := b.URL
	visited := map[string]bool{}
	for pages := 0; next != "" && pages < b.MaxPages && !visited[next]; pages++ {
		visited[next] = true
		lp, err := r.get(ctx, next)
		if err != nil || lp == nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		}
		next = ""
		if a := lp.doc.Find(b.Next).First(); a.Length() > 0 {
			if l, ok := lp.resolve(a); ok {
				next = l.url
			}
		}
		old := false
		for _, it := range lp.items(b.Rows) {
			if !sameSite(r.home, it.link.url) {
				continue
			}
			if !it.date.IsZero() && r.now.Sub(it.date) > veto.Window {
				old = true
				continue
			}
			mp, err := r.get(ctx, it.link.url)
			if err != nil || mp == nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
			m := Message{URL: it.link.url, Title: it.link.text, PostedAt: it.date}
			if t := firstDate(mp.doc.Find(b.Posted).First().Text()); !t.IsZero() {
				m.PostedAt = t
			}
			if m.PostedAt.IsZero() {
				continue
			}
			if rp := mp.doc.Find(b.Reply).First(); rp.Length() > 0 {
				m.RepliedAt = firstDate(rp.Text())
				if m.RepliedAt.IsZero() {
					m.RepliedAt = m.PostedAt // a reply without a date: replied, time unknown
				}
			}
			m.DueAt = ReplyDue(cal, m.PostedAt, limit)
			r.rep.Stats.Messages++
			r.rep.Messages = append(r.rep.Messages, m)
			mi := len(r.rep.Messages) - 1
			if !m.RepliedAt.IsZero() {
				m.Workdays, _ = cal.WorkdaysBetween(calendar.DateOf(m.PostedAt), calendar.DateOf(m.RepliedAt))
				r.rep.Stats.Replied++
				r.rep.Stats.ReplyWorkdays = append(r.rep.Stats.ReplyWorkdays, m.Workdays)
				r.rep.Messages[mi] = m
				r.in.m.replyDays.WithLabelValues(r.p.ID).Observe(float64(m.Workdays))
				continue
			}
			m.Workdays, _ = cal.WorkdaysBetween(calendar.DateOf(m.PostedAt), calendar.DateOf(r.now))
			r.rep.Messages[mi] = m
			if !r.now.After(m.DueAt) {
				r.rep.Stats.Pending++
				continue
			}
			r.rep.Stats.Overdue++
			isVeto := r.now.Sub(m.PostedAt) > veto.MaxAge
			rule := local.ID
			evidence := fmt.Sprintf("网民留言“%s”于%s提交，至今%d个工作日未回复，超过%d个工作日的办理时限（应于%s前回复）",
				m.Title, m.PostedAt.In(model.China).Format("2006年1月2日 15:04"), m.Workdays, limit, day(m.DueAt.Add(-time.Second)))
			if isVeto {
				rule = veto.ID
				evidence += "；超过3个月未回应，属普查单项否决情形"
			}
			f := r.add(model.FindingUnansweredMessage, rule, m.URL, m.Title, evidence, isVeto)
			f.DueAt = m.DueAt.UTC()
		}
		if old {
			break // the list is newest first: the rest is older than the window
		}
	}
	return nil
}
