package remote

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// handshake runs a TLS handshake between a server and a client
// configuration over a pipe, the client reaching the server as host.
func handshake(server, client *tls.Config, host string) error {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := client.Clone()
	c.ServerName = host
	errs := make(chan error, 1)
	go func() { errs <- tls.Server(a, server).Handshake() }()
	cerr := tls.Client(b, c).Handshake()
	if cerr != nil {
		a.Close() // ends the server's handshake too
	}
	serr := <-errs
	if cerr != nil {
		return cerr
	}
	return serr
}

// MakePKI's certificates let a robot and its operator authenticate each
// other both ways, by the names and addresses given; another CA's are
// refused; a second call never overwrites the first's files.
func TestMakePKI(t *testing.T) {
	dir := t.TempDir()
	ids, err := ParseIdentities("robot=127.0.0.1+robot.local,viewer")
	if err != nil {
		t.Fatal(err)
	}
	files, err := MakePKI(dir, ids, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	robotServer, _, err := LoadTLS(files[0])
	if err != nil {
		t.Fatal(err)
	}
	_, viewerClient, err := LoadTLS(files[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "robot.local"} {
		if err := handshake(robotServer, viewerClient, host); err != nil {
			t.Fatalf("the viewer reaching the robot as %s: %v", host, err)
		}
	}
	if err := handshake(robotServer, viewerClient, "10.9.9.9"); err == nil {
		t.Fatal("the robot's certificate passed for an address it does not name")
	}
	other, err := MakePKI(filepath.Join(dir, "other"), []Identity{{Name: "intruder"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, intruder, err := LoadTLS(other[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(robotServer, intruder, "127.0.0.1"); err == nil {
		t.Fatal("the robot accepted a certificate another CA signed")
	}
	if st, err := os.Stat(files[0].Key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the robot's key: %v, mode %v", err, st.Mode())
	}
	if _, err := MakePKI(dir, ids, time.Hour); err == nil {
		t.Fatal("a second MakePKI overwrote the first's files")
	}
	if _, err := ParseIdentities("robot,,viewer"); err == nil {
		t.Fatal("an empty name passed")
	}
}

func TestMakePKIFromSpec(t *testing.T) {
	dir := t.TempDir()
	f, err := MakePKIFromSpec(dir + ":robot=127.0.0.1,viewer")
	if err != nil {
		t.Fatal(err)
	}
	if f.Cert != filepath.Join(dir, "robot.pem") || f.CA != filepath.Join(dir, "ca.pem") || !f.RequireClientCert {
		t.Fatalf("the first identity's files: %+v", f)
	}
	if _, err := os.Stat(filepath.Join(dir, "viewer.key")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"robot", ":robot", dir + "/x:", dir + "/y:robot,,viewer"} {
		if _, err := MakePKIFromSpec(bad); err == nil {
			t.Errorf("%q passed", bad)
		}
	}
}
