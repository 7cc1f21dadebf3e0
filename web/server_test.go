package web

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// selfSigned returns a server certificate for 127.0.0.1 and a client that
// trusts it.
func selfSigned(t *testing.T) (*tls.Config, *http.Client) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gopline test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return server, client
}

func listen(t *testing.T, n *liveNode, tlsConfig *tls.Config) *Server {
	t.Helper()
	s, err := Listen(n.handler, "127.0.0.1:0", tlsConfig)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestHTTPSAndWSSWithTheToken(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	serverTLS, client := selfSigned(t)
	s := listen(t, n, serverTLS)
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %q, want https", s.URL())
	}
	req, _ := http.NewRequest("GET", s.URL()+"/api/topics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("topics over HTTPS: %d", res.StatusCode)
	}
	if _, err := http.Get(s.URL() + "/"); err == nil {
		t.Error("a client that does not trust the certificate was served")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss://"+s.Addr()+"/foxglove?token=s3cret",
		&websocket.DialOptions{HTTPClient: client, Subprotocols: []string{foxgloveSubprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if _, data, err := ws.Read(ctx); err != nil || !strings.Contains(string(data), "serverInfo") {
		t.Errorf("over WSS: %q %v, want serverInfo", data, err)
	}
}

// A client that sends its headers slowly (slowloris) is cut off after
// ReadHeaderTimeout, and everyone else is served meanwhile.
func TestSlowHeadersAreCutOff(t *testing.T) {
	n := newLiveNode(t, Config{})
	s := listen(t, n, nil)
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(s.URL() + "/api/topics")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("another client while one stalls: %v %v", res, err)
	}
	res.Body.Close()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(ReadHeaderTimeout + 10*time.Second))
	_, err = bufio.NewReader(conn).ReadString('\n')
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the stalled connection was still open %v later", time.Since(start))
	}
	t.Logf("stalled connection closed after %v", time.Since(start).Round(time.Millisecond))
}

// A viewer port beyond loopback says what it exposes, as the remote port
// does; its URL is one a browser opens, localhost for every interface.
func TestAViewerPortSaysWhatItExposes(t *testing.T) {
	for _, c := range []struct {
		addr       string
		token, tls bool
		want       string
	}{
		{"127.0.0.1:8080", false, false, ""},
		{"[::1]:8080", false, false, ""},
		{"0.0.0.0:8080", false, false, "without a token"},
		{"[::]:8080", true, false, "token travels in clear text"},
		{"10.0.0.5:8080", true, true, ""},
	} {
		if got := Exposure(c.addr, c.token, c.tls); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s token %v tls %v: %q, want %q", c.addr, c.token, c.tls, got, c.want)
		}
	}
	n := newLiveNode(t, Config{})
	s, err := Listen(n.handler, "0.0.0.0:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, port, _ := net.SplitHostPort(s.Addr()); s.URL() != "http://localhost:"+port {
		t.Errorf("URL %s of %s", s.URL(), s.Addr())
	}
}
