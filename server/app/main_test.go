package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestShutdownLetsRequestsInFlightFinish(t *testing.T) {
	ts := newTestServer(t)
	e := ts.App.Handler().(*echo.Echo)
	started := make(chan struct{})
	e.GET("/test/slow", func(c echo.Context) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.String(http.StatusOK, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ts.App, ln, e) }()

	type answer struct {
		status int
		body   string
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			got <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- answer{status: res.StatusCode, body: string(b)}
	}()
	<-started
	stop() // SIGTERM arrives while the request runs
	a := <-got
	if a.err != nil || a.status != 200 || a.body != "finished" {
		t.Errorf("request in flight: %+v", a)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	// No longer accepting.
	if _, err := http.Get("http://" + ln.Addr().String() + "/api/health"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

// writeSelfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "anju.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"anju.test"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestServesHTTPSWithTheConfiguredCertificate(t *testing.T) {
	ts := newTestServer(t)
	ts.App.Cfg.TLSCert, ts.App.Cfg.TLSKey = writeSelfSigned(t, t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ts.App, ln, ts.App.Handler()) }()
	defer func() { stop(); <-done }()

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := client.Get("https://" + ln.Addr().String() + "/api/ready")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil || res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("HTTPS answer: status %d, tls %v, HSTS %q", res.StatusCode, res.TLS != nil, res.Header.Get("Strict-Transport-Security"))
	}
	if got := res.TLS.PeerCertificates[0].Subject.CommonName; got != "anju.test" {
		t.Errorf("served certificate %q", got)
	}

	// The container's probe finds the same server through the environment.
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	t.Setenv("ANJU_ADDR", "127.0.0.1:"+port)
	t.Setenv("ANJU_TLS_CERT", ts.App.Cfg.TLSCert)
	t.Setenv("ANJU_TLS_KEY", ts.App.Cfg.TLSKey)
	if code := healthcheck(); code != 0 {
		t.Errorf("healthcheck exit %d, want 0", code)
	}
	t.Setenv("ANJU_TLS_CERT", "")
	t.Setenv("ANJU_TLS_KEY", "")
	if code := healthcheck(); code == 0 {
		t.Error("healthcheck over plain HTTP to an HTTPS server succeeded")
	}
}
