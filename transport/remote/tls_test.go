package remote

import (
	"crypto/tls"
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
	ids := make([]Identity, len(names))
	for i, name := range names {
		ids[i] = Identity{Name: name, Hosts: []string{"127.0.0.1"}}
	}
	files, err := MakePKI(filepath.Join(dir, ca), ids, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		files[i].RequireClientCert = false // each test says
	}
	return files
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

// A node whose certificate does not name the host it listens on is told
// so at start, before its peers find out one by one.
func TestACertificateThatDoesNotNameTheListenHostIsSaid(t *testing.T) {
	dir := t.TempDir()
	files, err := MakePKI(filepath.Join(dir, "pki"), []Identity{{Name: "robot"}, {Name: "named", Hosts: []string{"10.0.0.5"}}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bare, _, err := LoadTLS(files[0])
	if err != nil {
		t.Fatal(err)
	}
	named, _, err := LoadTLS(files[1])
	if err != nil {
		t.Fatal(err)
	}
	if w := unnamedHost("127.0.0.1", bare); !strings.Contains(w, "names robot, not 127.0.0.1") {
		t.Fatalf("a certificate for robot alone on 127.0.0.1: %q", w)
	}
	for _, c := range []struct {
		host   string
		server *tls.Config
	}{{"10.0.0.5", named}, {"0.0.0.0", bare}, {"::", bare}, {"127.0.0.1", nil}} {
		if w := unnamedHost(c.host, c.server); w != "" {
			t.Fatalf("listening on %s: %q, want nothing said", c.host, w)
		}
	}
}
