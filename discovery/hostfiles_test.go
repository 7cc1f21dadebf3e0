package discovery

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHostFilesAnnounceAndForget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nodes")
	a, err := Announce(Config{Name: "robot", Addr: "127.0.0.1:7400", HostDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	peers, err := readHostFiles(dir)
	if err != nil || len(peers) != 1 || peers[0] != (Peer{Name: "robot", Addr: "127.0.0.1:7400"}) {
		t.Fatalf("announced: %+v, %v", peers, err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if peers, err := readHostFiles(dir); err != nil || len(peers) != 0 {
		t.Fatalf("after Close: %+v, %v", peers, err)
	}
}

func TestHostFilesOfDeadProcessesAreRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nodes")
	if err := ensurePrivateDir(dir); err != nil {
		t.Fatal(err)
	}
	// A pid above the kernel's largest (4194304) runs no process.
	stale := filepath.Join(dir, "4194305.node")
	if err := os.WriteFile(stale, []byte(`{"node":"gone","addr":"127.0.0.1:7401","pid":4194305}`), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "1.node")
	if err := os.WriteFile(other, []byte(`{"node":"elsewhere","addr":"127.0.0.1:7402","pid":1,"netns":"net:[1]"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "2.node"), []byte("not json"), 0o600)
	peers, err := readHostFiles(dir)
	if err != nil || len(peers) != 0 {
		t.Fatalf("peers %+v, %v; want none (one dead, one of another namespace, one bad)", peers, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the dead node's file is still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("the file of a live process of another namespace was removed: %v", err)
	}
}

func TestHostDirOfAnotherUserIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gopline-x")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	_, err := Announce(Config{Name: "robot", Addr: "127.0.0.1:7400", HostDir: filepath.Join(dir, "nodes")})
	if err == nil || !strings.Contains(err.Error(), "writable by others") {
		t.Fatalf("Announce in a directory others may write: %v", err)
	}
}

var hostFileSeeds = []string{
	`{"node":"robot","addr":"127.0.0.1:7400","pid":12}`,
	`{"node":"robot","addr":"127.0.0.1:7400","pid":0}`,
	`{"node":"r o","addr":"127.0.0.1:7400","pid":3}`,
	`{"node":"robot","addr":"127.0.0.1","pid":3}`,
	`{"node":"robot","addr":"127.0.0.1:7400","pid":3,"netns":"net:[4026531840]"}`,
	`[]`, ``,
}

func TestParseHostFile(t *testing.T) {
	want := []bool{true, false, false, false, true, false, false}
	for i, s := range hostFileSeeds {
		if _, err := parseHostFile([]byte(s)); (err == nil) != want[i] {
			t.Errorf("parseHostFile(%s): %v", s, err)
		}
	}
	if _, err := parseHostFile(make([]byte, maxHostFile+1)); err == nil || !strings.Contains(err.Error(), "more than 4096 bytes") {
		t.Errorf("a large host file: %v", err)
	}
}

// FuzzParseHostFile: a host file either parses into a peer that checks,
// or is refused.
func FuzzParseHostFile(f *testing.F) {
	for _, s := range hostFileSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseHostFile(data)
		if err != nil {
			return
		}
		if h.PID <= 0 || checkPeer(Peer{Name: h.Name, Addr: h.Addr}) != nil {
			t.Fatalf("parseHostFile(%q) took %+v", data, h)
		}
	})
}
