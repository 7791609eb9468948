package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// EmailOptions configure the SMTP email channel.
type EmailOptions struct {
	// Addr is the submission server, host:port (587 with STARTTLS, or 25).
	Addr string
	// Username and Password authenticate with AUTH PLAIN; an empty
	// Username sends without authenticating (a relay that trusts the host).
	Username, Password string
	// From is the sender address and FromName its display name.
	From, FromName string
	// Domain is the right-hand side of Message-IDs; "" means From's domain.
	Domain string
	// RequireTLS refuses to send when the server does not offer STARTTLS.
	// Without it, STARTTLS is used whenever it is offered.
	RequireTLS bool
	// TLSConfig verifies the server; nil means the system roots and the
	// host of Addr as server name.
	TLSConfig *tls.Config
	// LocalName is the EHLO name; "" means "localhost".
	LocalName string
	// Timeout bounds one whole SMTP conversation; 0 means 30 s.
	Timeout time.Duration
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
}

// EmailChannel sends notifications as UTF-8 plain-text email over SMTP. All
// messages of an incident to a person form one thread: each refers
// (In-Reply-To, References) to the Message-ID of the incident's first
// message to that person.
type EmailChannel struct {
	name string
	o    EmailOptions
	host string
}

// NewEmail returns an SMTP email channel.
func NewEmail(name string, o EmailOptions) (*EmailChannel, error) {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("cannot create email channel %s: server %q is not host:port: %w", name, o.Addr, err)
	}
	from, err := mail.ParseAddress(o.From)
	if err != nil {
		return nil, fmt.Errorf("cannot create email channel %s: cannot parse sender %q: %w", name, o.From, err)
	}
	o.From = from.Address
	if o.Domain == "" {
		o.Domain = o.From[strings.LastIndexByte(o.From, '@')+1:]
	}
	if o.TLSConfig == nil {
		o.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	if o.LocalName == "" {
		o.LocalName = "localhost"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &EmailChannel{name: name, o: o, host: host}, nil
}

// Name implements Channel.
func (c *EmailChannel) Name() string { return c.name }

// MessageID is the Message-ID header value (with angle brackets) of the
// email whose idempotency key is key.
func (c *EmailChannel) MessageID(key string) string { return "<" + key + "@" + c.o.Domain + ">" }

// Send implements Channel.
func (c *EmailChannel) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := m.Validate(); err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot send on channel %s: %w", c.name, err))
	}
	to := m.Recipients[0]
	addr, err := mail.ParseAddress(to.Contacts[c.name])
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("cannot send on channel %s: recipient %s has no valid email address: %w", c.name, to.ID, err))
	}
	key := m.IdempotencyKey
	if key == "" {
		key = DeliveryKey(m.IncidentID, m.Key, c.name, to.ID)
	}
	msgID := c.MessageID(key)
	var thread string
	if m.ThreadKey != "" && m.ThreadKey != key {
		thread = c.MessageID(m.ThreadKey)
	}
	now := c.o.Now()
	data := c.compose(m, &mail.Address{Name: to.Name, Address: addr.Address}, msgID, thread, now)
	if err := c.deliver(ctx, addr.Address, data); err != nil {
		return Receipt{}, err
	}
	return Receipt{Channel: c.name, At: now, MessageID: msgID}, nil
}

// compose writes the RFC 5322 message: RFC 2047 encoded-word headers and a
// base64 UTF-8 body, which survives any 7-bit relay.
func (c *EmailChannel) compose(m Message, to *mail.Address, msgID, thread string, now time.Time) []byte {
	r := Render(m)
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", (&mail.Address{Name: c.o.FromName, Address: c.o.From}).String())
	h("To", to.String())
	h("Subject", mime.BEncoding.Encode("UTF-8", r.Subject))
	h("Date", now.In(model.China).Format(time.RFC1123Z))
	h("Message-ID", msgID)
	if thread != "" {
		h("In-Reply-To", thread)
		h("References", thread)
	}
	h("MIME-Version", "1.0")
	// Auto-Submitted (RFC 3834) keeps vacation auto-replies from answering.
	h("Auto-Submitted", "auto-generated")
	h("X-Yuqing-Incident", m.IncidentID)
	boundary := "yuqing-" + strings.NewReplacer("<", "", ">", "", "@", "-").Replace(msgID)
	if len(m.Attachments) > 0 {
		h("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
		b.WriteString("\r\n--" + boundary + "\r\n")
	}
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	writeBase64(&b, []byte(strings.ReplaceAll(r.Text, "\n", "\r\n")))
	for _, a := range m.Attachments {
		b.WriteString("--" + boundary + "\r\n")
		h("Content-Type", a.ContentType)
		h("Content-Transfer-Encoding", "base64")
		h("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
		b.WriteString("\r\n")
		writeBase64(&b, a.Data)
	}
	if len(m.Attachments) > 0 {
		b.WriteString("--" + boundary + "--\r\n")
	}
	return b.Bytes()
}

// writeBase64 writes data base64-encoded in lines of 76 characters.
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// deliver runs one SMTP conversation. SMTP 4xx replies and network errors
// are retryable; 5xx replies, a missing STARTTLS when it is required and
// certificate errors are permanent.
func (c *EmailChannel) deliver(ctx context.Context, rcpt string, data []byte) (err error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.o.Addr)
	if err != nil {
		return fmt.Errorf("cannot connect to mail server %s for channel %s: %w", c.o.Addr, c.name, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl) // a failure shows up as an I/O error below
	}
	// Closing the connection when ctx ends unblocks a conversation stuck
	// in a read.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	cl, err := smtp.NewClient(conn, c.host)
	if err != nil {
		conn.Close()
		return c.smtpErr("greeting", err)
	}
	defer cl.Close()
	if err := cl.Hello(c.o.LocalName); err != nil {
		return c.smtpErr("EHLO", err)
	}
	if ok, _ := cl.Extension("STARTTLS"); ok {
		if err := cl.StartTLS(c.o.TLSConfig); err != nil {
			return c.smtpErr("STARTTLS", err)
		}
	} else if c.o.RequireTLS {
		return Permanent(fmt.Errorf("mail server %s for channel %s does not offer STARTTLS, which is required", c.o.Addr, c.name))
	}
	if c.o.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.o.Username, c.o.Password, c.host)); err != nil {
			return c.smtpErr("AUTH PLAIN", err)
		}
	}
	if err := cl.Mail(c.o.From); err != nil {
		return c.smtpErr("MAIL FROM", err)
	}
	if err := cl.Rcpt(rcpt); err != nil {
		return c.smtpErr("RCPT TO", err)
	}
	w, err := cl.Data()
	if err != nil {
		return c.smtpErr("DATA", err)
	}
	if _, err := w.Write(data); err != nil {
		return c.smtpErr("DATA", err)
	}
	if err := w.Close(); err != nil {
		return c.smtpErr("end of DATA", err)
	}
	// The message is accepted once the server answered the end of DATA;
	// a failed QUIT does not undo that.
	_ = cl.Quit()
	return nil
}

func (c *EmailChannel) smtpErr(step string, err error) error {
	wrapped := fmt.Errorf("mail server %s for channel %s failed at %s: %w", c.o.Addr, c.name, step, err)
	var te *textproto.Error
	if errors.As(err, &te) {
		if te.Code >= 500 {
			return Permanent(wrapped)
		}
		return wrapped
	}
	var ce *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	if errors.As(err, &ce) || errors.As(err, &ua) || errors.As(err, &hn) {
		return Permanent(wrapped)
	}
	// net/smtp refuses PLAIN over an unencrypted connection with a plain
	// error; that is configuration, not a transient failure.
	if strings.Contains(err.Error(), "unencrypted connection") {
		return Permanent(wrapped)
	}
	return wrapped
}
