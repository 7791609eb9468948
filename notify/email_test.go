package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a small SMTP submission server on 127.0.0.1 that offers
// STARTTLS, accepts AUTH PLAIN only over TLS and only with the right
// credentials, and keeps what it received.
type smtpServer struct {
	t        *testing.T
	ln       net.Listener
	tls      *tls.Config
	user     string
	pass     string
	noTLS    bool   // do not offer STARTTLS
	rcptCode string // answer to RCPT TO, "" for 250
	mu       sync.Mutex
	mails    []receivedMail
	wg       sync.WaitGroup
}

type receivedMail struct {
	tls      bool
	authUser string
	from     string
	rcpt     []string
	data     []byte
}

func newSMTPServer(t *testing.T, user, pass string) (*smtpServer, *x509.CertPool) {
	t.Helper()
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{t: t, ln: ln, user: user, pass: pass,
		tls: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s, pool
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) received() []receivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedMail(nil), s.mails...)
}

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	say := func(lines ...string) {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		w.Flush()
	}
	var cur receivedMail
	say("220 127.0.0.1 ESMTP test")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO":
			ext := []string{"250-127.0.0.1"}
			if !cur.tls && !s.noTLS {
				ext = append(ext, "250-STARTTLS")
			}
			if cur.tls {
				ext = append(ext, "250-AUTH PLAIN")
			}
			ext = append(ext, "250 8BITMIME")
			say(ext...)
		case verb == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(conn, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn = tc
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
			cur = receivedMail{tls: true}
		case verb == "AUTH":
			f := strings.Fields(line)
			if !cur.tls || len(f) != 3 || f[1] != "PLAIN" {
				say("538 encryption required")
				continue
			}
			b, _ := base64.StdEncoding.DecodeString(f[2])
			parts := strings.Split(string(b), "\x00")
			if len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				say("535 5.7.8 authentication failed")
				continue
			}
			cur.authUser = parts[1]
			say("235 2.7.0 ok")
		case strings.HasPrefix(strings.ToUpper(line), "MAIL FROM:"):
			if s.user != "" && cur.authUser == "" {
				say("530 5.7.0 authentication required")
				continue
			}
			cur.from, _, _ = strings.Cut(strings.Trim(line[len("MAIL FROM:"):], "< "), ">")
			say("250 ok")
		case strings.HasPrefix(strings.ToUpper(line), "RCPT TO:"):
			if s.rcptCode != "" {
				say(s.rcptCode + " rejected")
				continue
			}
			cur.rcpt = append(cur.rcpt, strings.Trim(line[len("RCPT TO:"):], "<> "))
			say("250 ok")
		case verb == "DATA":
			say("354 end with .")
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.data = data.Bytes()
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			say("250 2.0.0 queued as 42")
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown command")
		}
	}
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestEmailChannel(t *testing.T) {
	srv, pool := newSMTPServer(t, "duty@example.gov.cn", "p@ss")
	ch, err := NewEmail("mail", EmailOptions{
		Addr: srv.addr(), Username: "duty@example.gov.cn", Password: "p@ss",
		From: "duty@example.gov.cn", FromName: "舆情监测系统", RequireTLS: true,
		TLSConfig: &tls.Config{ServerName: "127.0.0.1", RootCAs: pool, MinVersion: tls.VersionTLS12},
		Now:       newClock(testNow).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	contacts := map[string]string{"mail": "zhangsan@example.gov.cn"}
	opened := testMessage(contacts)
	opened.Kind, opened.Key = KindOpened, ThreadRootKey
	opened.IdempotencyKey = DeliveryKey(opened.IncidentID, ThreadRootKey, "mail", "zhang")
	opened.ThreadKey = opened.IdempotencyKey
	reminder := testMessage(contacts)
	reminder.IdempotencyKey = DeliveryKey(reminder.IncidentID, reminder.Key, "mail", "zhang")
	reminder.ThreadKey = opened.IdempotencyKey

	for _, m := range []Message{opened, reminder} {
		rc, err := ch.Send(context.Background(), m)
		if err != nil {
			t.Fatalf("Send %s: %v", m.Key, err)
		}
		if want := "<" + m.IdempotencyKey + "@example.gov.cn>"; rc.MessageID != want {
			t.Errorf("receipt Message-ID = %q, want %q", rc.MessageID, want)
		}
	}
	got := srv.received()
	if len(got) != 2 {
		t.Fatalf("server received %d mails, want 2", len(got))
	}
	for i, rm := range got {
		if !rm.tls || rm.authUser != "duty@example.gov.cn" || rm.from != "duty@example.gov.cn" ||
			len(rm.rcpt) != 1 || rm.rcpt[0] != "zhangsan@example.gov.cn" {
			t.Errorf("mail %d envelope = tls %v, auth %q, from %q, rcpt %v", i, rm.tls, rm.authUser, rm.from, rm.rcpt)
		}
		for _, l := range strings.Split(string(rm.data), "\r\n") {
			if len(l) > 998 {
				t.Errorf("mail %d has a line of %d bytes", i, len(l))
			}
			for _, r := range l {
				if r > 127 {
					t.Fatalf("mail %d has a raw non-ASCII line %q: headers must be RFC 2047 encoded", i, l)
				}
			}
		}
	}
	msg0, msg1 := parseMail(t, got[0].data), parseMail(t, got[1].data)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg1.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "【舆情 INC-0123abcd】回应时限提醒：" + testTitle; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	from, err := mail.ParseAddress(msg1.Header.Get("From"))
	if err != nil || from.Name != "舆情监测系统" {
		t.Errorf("From = %q (%v), want the Chinese display name", msg1.Header.Get("From"), err)
	}
	to, err := mail.ParseAddress(msg1.Header.Get("To"))
	if err != nil || to.Name != "张三" || to.Address != "zhangsan@example.gov.cn" {
		t.Errorf("To = %q (%v)", msg1.Header.Get("To"), err)
	}
	if msg1.Header.Get("Content-Type") != "text/plain; charset=UTF-8" || msg1.Header.Get("Content-Transfer-Encoding") != "base64" {
		t.Errorf("content headers = %q, %q", msg1.Header.Get("Content-Type"), msg1.Header.Get("Content-Transfer-Encoding"))
	}
	raw, _ := io.ReadAll(msg1.Body)
	body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "body", string(body), testCountdown, "级别：Ⅱ级（重大）", "确认收到："+reminder.AckURL)
	// One thread per incident: the reminder replies to the opened mail.
	root := "<" + opened.IdempotencyKey + "@example.gov.cn>"
	if msg0.Header.Get("Message-ID") != root || msg0.Header.Get("In-Reply-To") != "" {
		t.Errorf("opened mail: Message-ID %q, In-Reply-To %q", msg0.Header.Get("Message-ID"), msg0.Header.Get("In-Reply-To"))
	}
	if msg1.Header.Get("In-Reply-To") != root || msg1.Header.Get("References") != root {
		t.Errorf("reminder: In-Reply-To %q, References %q, want %q", msg1.Header.Get("In-Reply-To"), msg1.Header.Get("References"), root)
	}
	if msg1.Header.Get("Message-ID") != "<"+reminder.IdempotencyKey+"@example.gov.cn>" {
		t.Errorf("reminder Message-ID = %q", msg1.Header.Get("Message-ID"))
	}
}

func parseMail(t *testing.T, data []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("cannot parse mail: %v\n%s", err, data)
	}
	return m
}

func TestEmailErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		setup     func(s *smtpServer, o *EmailOptions)
		permanent bool
	}{
		{"wrong password", func(s *smtpServer, o *EmailOptions) { o.Password = "wrong" }, true},
		{"mailbox unavailable", func(s *smtpServer, o *EmailOptions) { s.rcptCode = "550" }, true},
		{"greylisted", func(s *smtpServer, o *EmailOptions) { s.rcptCode = "451" }, false},
		{"no STARTTLS but required", func(s *smtpServer, o *EmailOptions) { s.noTLS = true }, true},
		{"untrusted certificate", func(s *smtpServer, o *EmailOptions) { o.TLSConfig.RootCAs = x509.NewCertPool() }, true},
		{"server down", func(s *smtpServer, o *EmailOptions) { o.Addr = "127.0.0.1:1" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, pool := newSMTPServer(t, "u", "p")
			o := EmailOptions{Addr: srv.addr(), Username: "u", Password: "p", From: "duty@example.gov.cn", RequireTLS: true,
				TLSConfig: &tls.Config{ServerName: "127.0.0.1", RootCAs: pool, MinVersion: tls.VersionTLS12}, Timeout: 5 * time.Second}
			tc.setup(srv, &o)
			ch, err := NewEmail("mail", o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ch.Send(context.Background(), testMessage(map[string]string{"mail": "z@example.gov.cn"}))
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("Send error %v: permanent %v, want %v", err, IsPermanent(err), tc.permanent)
			}
			if len(srv.received()) != 0 {
				t.Error("the server received a mail")
			}
		})
	}
}
