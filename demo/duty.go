package demo

import (
	"bufio"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/notify"
)

// The demo's duty group: a stand-in for the office's DingTalk or WeCom
// group, so that `yuqing run` shows alerts reaching duty staff. It
// receives the responder's signed webhook notifications at /duty/webhook
// and shows them at /duty/.
const (
	dutyChannel       = "demo-duty-group"
	dutyWebhookSecret = "yuqing-demo-duty-webhook-secret"
	// dutyAckSecret signs the demo's acknowledgement links. It is public on
	// purpose: the demo has nothing to protect.
	dutyAckSecret = "yuqing-demo-ack-secret-not-for-production"
	dutyFile      = "duty-messages.jsonl"
)

// DutyMessage is one notification the duty group received.
type DutyMessage struct {
	At        time.Time `json:"at"`
	Key       string    `json:"key"`
	Kind      string    `json:"kind"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	Recipient string    `json:"recipient"`
	AckURL    string    `json:"ack_url,omitempty"`
}

type dutyGroup struct {
	mu   sync.Mutex
	msgs []DutyMessage
	path string // where received messages are kept, "" for memory only
}

// loadDuty reads the messages received before a restart.
func loadDuty(stateDir string) (*dutyGroup, error) {
	d := &dutyGroup{}
	if stateDir == "" {
		return d, nil
	}
	d.path = filepath.Join(stateDir, dutyFile)
	f, err := os.Open(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m DutyMessage
		if json.Unmarshal(sc.Bytes(), &m) == nil { // a line cut by a crash is skipped
			d.msgs = append(d.msgs, m)
		}
	}
	return d, sc.Err()
}

func (d *dutyGroup) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := notify.VerifyWebhook([]byte(dutyWebhookSecret), r.Header, body, time.Now(), 10*time.Minute); err != nil {
		http.Error(w, "bad signature: "+err.Error(), http.StatusUnauthorized)
		return
	}
	var p struct {
		Key       string `json:"key"`
		Kind      string `json:"kind"`
		Subject   string `json:"subject"`
		Text      string `json:"text"`
		AckURL    string `json:"ack_url"`
		Recipient struct {
			Name string `json:"name"`
		} `json:"recipient"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "bad payload: "+err.Error(), http.StatusBadRequest)
		return
	}
	m := DutyMessage{At: time.Now().UTC(), Key: p.Key, Kind: p.Kind, Subject: p.Subject, Text: p.Text, Recipient: p.Recipient.Name, AckURL: p.AckURL}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.path != "" {
		line, _ := json.Marshal(m)
		f, err := os.OpenFile(d.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = f.Write(append(line, '\n'))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			// The sender retries a 5xx; the message is not lost.
			http.Error(w, "cannot keep the message: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	d.msgs = append(d.msgs, m)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

func (d *dutyGroup) messages() []DutyMessage {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]DutyMessage, len(d.msgs))
	copy(out, d.msgs)
	return out
}

var dutyPage = template.Must(template.New("duty").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.In(model.China).Format("01-02 15:04:05") },
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10"><title>值班群(演示)</title>
<style>body{font-family:"Noto Sans CJK SC",sans-serif;background:#eef1f5;margin:0}header{background:#1f6feb;color:#fff;padding:10px 20px;font-size:18px}
.m{background:#fff;margin:12px 20px;padding:10px 14px;border-radius:6px;white-space:pre-wrap;font-size:14px}.t{color:#888;font-size:12px}</style></head>
<body><header>青岚县舆情值班群(演示) · 共{{len .}}条提醒</header>
{{range .}}<div class="m"><div class="t">{{when .At}} · 发给 {{.Recipient}}</div><b>{{.Subject}}</b>
{{.Text}}{{if .AckURL}}
<a href="{{.AckURL}}">确认收到</a>{{end}}</div>{{else}}<p style="padding:20px">暂无提醒。</p>{{end}}
</body></html>`))

func (d *dutyGroup) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/duty/webhook" && r.Method == http.MethodPost:
		d.receive(w, r)
	case r.URL.Path == "/duty/messages.json" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(d.messages())
	case r.URL.Path == "/duty/" && r.Method == http.MethodGet:
		msgs := d.messages()
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
		w.Header().Set("Content-Type", htmlUTF8)
		_ = dutyPage.Execute(w, msgs)
	default:
		http.NotFound(w, r)
	}
}

// NotifyConfig returns the alerting of the demo: the responder's
// notifications go to the demo duty group's webhook, to a duty officer on
// duty around the clock, with a section chief and a leader above. consoleURL
// is where links in the messages point.
func (s *Site) NotifyConfig(consoleURL string) config.NotifyConfig {
	person := func(id, name, title string) config.PersonConfig {
		return config.PersonConfig{ID: id, Name: name, Title: title, Contacts: map[string]string{dutyChannel: id}}
	}
	c := config.NotifyConfig{
		ConsoleURL: consoleURL,
		AckSecret:  dutyAckSecret,
		Channels:   []config.ChannelConfig{{Name: dutyChannel, Type: notify.TypeWebhook, URL: s.URL() + "/duty/webhook", Secret: dutyWebhookSecret}},
		Roster: config.RosterConfig{
			People:     []config.PersonConfig{person("duty", "周值班", "值班员"), person("chief", "李科长", "网络舆情科科长"), person("leader", "陈主任", "分管领导")},
			Weekly:     []config.ShiftConfig{{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", End: "00:00", Duty: "duty"}},
			Escalation: []string{"chief", "leader"},
		},
	}
	c.ApplyDefaults()
	return c
}
