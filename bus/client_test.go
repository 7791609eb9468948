package bus

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 to dir and
// returns the server's TLS config and the CA file path.
func selfSigned(t *testing.T, dir string) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "yuqing test broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, caFile
}

// TestExternalBrokerWithTLSAndSASL connects to a broker that requires TLS
// and SCRAM authentication, as a production cluster does, through the
// options the config produces.
func TestExternalBrokerWithTLSAndSASL(t *testing.T) {
	dir := t.TempDir()
	serverTLS, caFile := selfSigned(t, dir)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(serverTLS), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "yuqing", "s3cret"), kfake.SeedTopics(1, TopicDocs, TopicPosts, TopicDeadLetter))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	m := NewMetrics(prometheus.NewRegistry())

	good := config.KafkaConfig{ClientID: "yuqing-test",
		TLS:  config.TLSConfig{Enabled: true, CAFile: caFile},
		SASL: config.SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "yuqing", Password: "s3cret"}}
	opts, err := ClientOptions(good, brokers)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProducer(opts, m)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := p.Publish(ctx, model.Document{ID: "tls-1", Title: "加密连接"}); err != nil {
		t.Fatalf("publish over TLS with SCRAM: %v", err)
	}

	// A wrong password is refused by the broker.
	wrong := good
	wrong.SASL.Password = "guess"
	opts, err = ClientOptions(wrong, brokers)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := NewProducer(opts, m)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := bad.Publish(sctx, model.Document{ID: "tls-2"}); err == nil {
		t.Fatal("publish with a wrong SCRAM password succeeded")
	}
}

func TestClientOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config.KafkaConfig
		want string
	}{
		{"missing CA file", config.KafkaConfig{TLS: config.TLSConfig{Enabled: true, CAFile: "/nonexistent/ca.pem"}},
			`cannot read TLS CA file "/nonexistent/ca.pem"`},
		{"unknown mechanism", config.KafkaConfig{SASL: config.SASLConfig{Mechanism: "GSSAPI"}}, `unknown SASL mechanism "GSSAPI"`},
		{"missing client cert", config.KafkaConfig{TLS: config.TLSConfig{Enabled: true, CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"}},
			`cannot load TLS client certificate "/nonexistent/c.pem"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ClientOptions(tc.cfg, []string{"127.0.0.1:9092"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
