package notify

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Rendered is a message rendered for people: a subject line, plain text
// (email, webhook) and markdown (robots).
type Rendered struct {
	Subject  string
	Text     string
	Markdown string
}

// view is what the templates see.
type view struct {
	IncidentID, Prefix, Headline, Title string
	Level, State, Countdown, Due, Note  string
	ConsoleURL, AckURL                  string
}

// The templates are plain text/template (not html/template): robots and
// mail bodies are not HTML, and escaping would mangle titles such as
// "A&B公司".
var (
	subjectTmpl = template.Must(template.New("subject").Parse(
		`{{.Prefix}}{{.Headline}}：{{.Title}}`))
	textTmpl = template.Must(template.New("text").Parse(
		`{{.Headline}}：{{.Title}}
{{- if .Level}}
事件编号：{{.IncidentID}}
级别：{{.Level}}
{{- end}}
状态：{{.State}}
{{- if .Countdown}}
时限：{{.Countdown}}{{if .Due}}（截止 {{.Due}}）{{end}}
{{- end}}
{{- if .Note}}
说明：{{.Note}}
{{- end}}
{{- if .ConsoleURL}}
查看详情：{{.ConsoleURL}}
{{- end}}
{{- if .AckURL}}
确认收到：{{.AckURL}}
{{- end}}
`))
	markdownTmpl = template.Must(template.New("markdown").Parse(
		`### {{.Prefix}}{{.Headline}}
**{{.Title}}**
{{if .Level}}
- 级别：**{{.Level}}**
{{- end}}
- 状态：{{.State}}
{{- if .Countdown}}
- 时限：**{{.Countdown}}**{{if .Due}}（截止 {{.Due}}）{{end}}
{{- end}}
{{- if .Note}}
- 说明：{{.Note}}
{{- end}}
{{if or .ConsoleURL .AckURL}}
{{if .ConsoleURL}}[查看详情]({{.ConsoleURL}}){{end}}{{if and .ConsoleURL .AckURL}}　{{end}}{{if .AckURL}}[确认收到]({{.AckURL}}){{end}}
{{- end}}
`))
)

// Render renders m with the Chinese templates. The countdown is computed
// from m.At (now when m.At is zero).
func Render(m Message) Rendered {
	at := m.At
	if at.IsZero() {
		at = time.Now()
	}
	v := view{
		IncidentID: m.IncidentID,
		Prefix:     threadPrefix(m.IncidentID),
		Headline:   m.Kind.Headline(),
		Title:      oneLine(m.Title),
		Level:      m.Level.Numeral(),
		State:      m.State,
		Note:       oneLine(m.Note),
		ConsoleURL: m.ConsoleURL,
		AckURL:     m.AckURL,
	}
	if m.Level.Valid() {
		v.Level += "（" + m.Level.Name() + "）"
	}
	if m.Kind.IsBrief() {
		v.Level, v.Prefix = "", ""
	}
	if v.State == "" {
		v.State = "—"
	}
	switch {
	case m.Kind == KindFulfilled && m.Obligation != "":
		v.Countdown = m.Obligation + "已履行"
	case !m.DueAt.IsZero():
		v.Countdown = Countdown(m.Obligation, m.DueAt, at)
		v.Due = m.DueAt.In(model.China).Format("2006-01-02 15:04")
	}
	return Rendered{
		Subject:  execute(subjectTmpl, v),
		Text:     execute(textTmpl, v),
		Markdown: execute(markdownTmpl, v),
	}
}

func execute(t *template.Template, v view) string {
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		// The templates are constants executed on a struct of strings:
		// failing here is a programming error, not a runtime condition.
		panic(fmt.Sprintf("BUG: notification template %s: %v", t.Name(), err))
	}
	return b.String()
}

// Countdown says how long is left until due as duty staff read it:
// "距5小时权威发布时限还剩 1小时12分", or once due has passed,
// "5小时权威发布已超时 35分钟". Durations are truncated to the minute, so the
// time left is never overstated.
func Countdown(obligation string, due, at time.Time) string {
	left := due.Sub(at)
	if left > 0 {
		if obligation == "" {
			return "距截止时限还剩 " + humanDuration(left)
		}
		return "距" + obligation + "时限还剩 " + humanDuration(left)
	}
	return obligation + "已超时 " + humanDuration(-left)
}

// humanDuration writes d in Chinese units: 2天3小时, 1小时12分, 35分钟,
// 不足1分钟.
func humanDuration(d time.Duration) string {
	mins := int(d / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case days > 0:
		return fmt.Sprintf("%d天", days)
	case hours > 0 && m > 0:
		return fmt.Sprintf("%d小时%d分", hours, m)
	case hours > 0:
		return fmt.Sprintf("%d小时", hours)
	case m > 0:
		return fmt.Sprintf("%d分钟", m)
	}
	return "不足1分钟"
}

// oneLine keeps a title or note on one line, so it cannot break the
// message layout or an email header.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u2028", " ")), " ")
}
