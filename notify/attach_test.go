package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
)

// TestEmailAttachment sends a brief's message with its DOCX attached: a
// multipart/mixed mail whose text part has no level and whose second part
// is the file, byte for byte.
func TestEmailAttachment(t *testing.T) {
	srv, pool := newSMTPServer(t, "duty@example.gov.cn", "p@ss")
	ch, err := NewEmail("mail", EmailOptions{
		Addr: srv.addr(), Username: "duty@example.gov.cn", Password: "p@ss", From: "duty@example.gov.cn", RequireTLS: true,
		TLSConfig: &tls.Config{ServerName: "127.0.0.1", RootCAs: pool, MinVersion: tls.VersionTLS12}, Now: newClock(testNow).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	docx := bytes.Repeat([]byte("PK\x03\x04 docx bytes "), 40)
	m := Message{IncidentID: "brief:daily-1", Key: "issued", Kind: KindBrief, Title: "舆情日报 2026年第1期", State: "已印发",
		ConsoleURL: "http://c/briefs/daily-1", Recipients: []Recipient{{ID: "li", Name: "李领导", Contacts: map[string]string{"mail": "li@example.gov.cn"}}},
		Attachments: []Attachment{{Name: "舆情日报-2026年第1期.docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Data: docx}}}
	if _, err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("%d mails", len(got))
	}
	msg := parseMail(t, got[0].data)
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	text, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(text)
	body, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	mustContain(t, "body", string(body), "舆情简报已印发：舆情日报 2026年第1期", "查看详情：http://c/briefs/daily-1")
	if strings.Contains(string(body), "级别") {
		t.Errorf("a brief's mail names a level:\n%s", body)
	}
	att, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if att.FileName() != "舆情日报-2026年第1期.docx" {
		t.Errorf("attachment name %q", att.FileName())
	}
	raw, _ = io.ReadAll(att)
	data, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	if !bytes.Equal(data, docx) {
		t.Error("the attachment changed on the way")
	}
}
