package remote

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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
)

// testPKI writes a CA and a node certificate it signed (for 127.0.0.1,
// usable to serve and to connect) into dir, and returns their files.
func testPKI(t *testing.T, dir, name string) TLSFiles { return testPKIFor(t, dir, name, name)[0] }

// testPKIFor writes a CA named ca and, for each name, a node certificate
// it signed with that common name (for 127.0.0.1, usable to serve and to
// connect), and returns each node's files.
func testPKIFor(t *testing.T, dir, ca string, names ...string) []TLSFiles {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caCert := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: ca + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caCert, caCert, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(dir, ca+"-ca.pem")
	if err := os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	var out []TLSFiles
	for i, name := range names {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		leaf := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
		leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		f := TLSFiles{Cert: filepath.Join(dir, name+".pem"), Key: filepath.Join(dir, name+".key"), CA: caPath}
		for path, block := range map[string]*pem.Block{
			f.Cert: {Type: "CERTIFICATE", Bytes: leafDER},
			f.Key:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
		} {
			if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, f)
	}
	return out
}

// A node with mutual TLS serves a peer whose certificate its CA signed, and
// refuses one without TLS and one whose certificate another CA signed.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	robot := testPKI(t, dir, "robot")
	robot.RequireClientCert = true
	pub := startChild(t, "pub", childArgs{TLS: &robot})

	stranger := testPKI(t, dir, "stranger")
	stranger.CA = robot.CA // trusts the robot, but the robot does not trust it
	for name, tls := range map[string]*TLSFiles{"plaintext": nil, "unknown CA": &stranger} {
		sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", TLS: tls})
		deadline := time.Now().Add(1500 * time.Millisecond)
		for r := sub.next(time.Until(deadline)); r != nil; r = sub.next(time.Until(deadline)) {
			if r.Packet {
				t.Fatalf("%s: got packet %d from a node with mutual TLS", name, r.Seq)
			}
		}
		sub.kill()
	}
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", TLS: &robot})
	checkContinuous(t, sub.packets(10))
}

// A node that allows some client names serves a peer whose certificate
// has one of them, and refuses one the same CA signed under another name.
func TestAllowedClients(t *testing.T) {
	files := testPKIFor(t, t.TempDir(), "fleet", "robot", "viewer", "intruder")
	robot, viewer, intruder := files[0], files[1], files[2]
	robot.RequireClientCert = true
	pub := startChild(t, "pub", childArgs{TLS: &robot, Allow: []string{"viewer"}})

	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", TLS: &intruder})
	// The node says why it refuses (not merely a slow start), and no
	// packet comes.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(pub.stderr.String(), "client certificate not allowed") {
		if time.Now().After(deadline) {
			t.Fatal("the node did not refuse the certificate it does not allow")
		}
		if r := sub.next(100 * time.Millisecond); r != nil && r.Packet {
			t.Fatalf("got packet %d with a certificate the node does not allow", r.Seq)
		}
	}
	sub.kill()
	for r := sub.next(0); r != nil; r = sub.next(0) {
		if r.Packet {
			t.Fatalf("got packet %d with a certificate the node does not allow", r.Seq)
		}
	}
	sub = startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", TLS: &viewer})
	checkContinuous(t, sub.packets(10))
}

func TestLoadTLSErrors(t *testing.T) {
	dir := t.TempDir()
	f := testPKI(t, dir, "node")
	for name, bad := range map[string]TLSFiles{
		"no key":     {Cert: f.Cert, CA: f.CA},
		"missing CA": {Cert: f.Cert, Key: f.Key, CA: filepath.Join(dir, "nope.pem")},
		"CA not PEM": {Cert: f.Cert, Key: f.Key, CA: f.Key + "x"},
		"key for CA": {Cert: f.Cert, Key: f.CA, CA: f.CA},
	} {
		if name == "CA not PEM" {
			os.WriteFile(bad.CA, []byte("not pem"), 0o600)
		}
		if _, _, err := LoadTLS(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, _, err := LoadTLS(f); err != nil {
		t.Fatal(err)
	}
}
