package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// HostDir is the directory where the nodes of this user on this host
// announce themselves: $XDG_RUNTIME_DIR/gopline/nodes, or
// /tmp/gopline-UID/nodes without it.
func HostDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "gopline", "nodes")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("gopline-%d", os.Getuid()), "nodes")
}

// hostFileExt ends the name of a node's host file; the name is the node's
// process id.
const hostFileExt = ".node"

// hostFile is what a node writes in the host's directory.
type hostFile struct {
	Name string `json:"node"`
	Addr string `json:"addr"`
	PID  int    `json:"pid"`
	// NetNS names the node's network namespace: a node of another
	// namespace shares the host's files but not its loopback.
	NetNS string `json:"netns,omitempty"`
}

// netNS names this process's network namespace, "" where it cannot tell.
func netNS() string {
	ns, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return ""
	}
	return ns
}

// writeHostFile announces p in dir, atomically (a reader sees the whole
// file or none), and returns the file's path.
func writeHostFile(dir string, p Peer) (string, error) {
	if err := ensurePrivateDir(dir); err != nil {
		return "", err
	}
	data, err := json.Marshal(hostFile{Name: p.Name, Addr: p.Addr, PID: os.Getpid(), NetNS: netNS()})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, strconv.Itoa(os.Getpid())+hostFileExt)
	tmp, err := os.CreateTemp(dir, ".announce-*")
	if err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("discovery: %w", err)
	}
	return path, nil
}

// ensurePrivateDir makes dir, readable and writable by the user alone, and
// refuses one that another user owns or others may write: its files say
// where to connect.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if !strings.HasPrefix(filepath.Base(d), "gopline") && d != dir {
			return nil
		}
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("discovery: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("discovery: %s is another user's or writable by others", d)
		}
	}
}

// readHostFiles returns the nodes announced in dir that run in this network
// namespace, at most maxHostFiles files read. The files of processes that
// are gone are removed. A directory that does not exist has none.
func readHostFiles(dir string) ([]Peer, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	ns := netNS()
	var peers []Peer
	read := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), hostFileExt) || !e.Type().IsRegular() {
			continue
		}
		if read++; read > maxHostFiles || len(peers) >= maxPeers {
			break
		}
		path := filepath.Join(dir, e.Name())
		f, err := readHostFile(path)
		switch {
		case err != nil:
			continue // being replaced, or not ours: skip it
		case !alive(f.PID):
			os.Remove(path)
		case f.NetNS == ns:
			peers = append(peers, Peer{Name: f.Name, Addr: f.Addr})
		}
	}
	return peers, nil
}

// readHostFile reads and checks one host file, of at most maxHostFile
// bytes.
func readHostFile(path string) (hostFile, error) {
	fh, err := os.Open(path)
	if err != nil {
		return hostFile{}, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxHostFile+1))
	if err != nil {
		return hostFile{}, err
	}
	return parseHostFile(data)
}

// parseHostFile reads a host file's bytes.
func parseHostFile(data []byte) (hostFile, error) {
	if len(data) > maxHostFile {
		return hostFile{}, fmt.Errorf("%w: a host file of more than %d bytes", ErrBadAnnouncement, maxHostFile)
	}
	var f hostFile
	if err := json.Unmarshal(data, &f); err != nil {
		return hostFile{}, fmt.Errorf("%w: %v", ErrBadAnnouncement, err)
	}
	if f.PID <= 0 {
		return hostFile{}, fmt.Errorf("%w: pid %d", ErrBadAnnouncement, f.PID)
	}
	if len(f.NetNS) > maxAddr {
		return hostFile{}, fmt.Errorf("%w: a network namespace name of %d bytes", ErrBadAnnouncement, len(f.NetNS))
	}
	return f, checkPeer(Peer{Name: f.Name, Addr: f.Addr})
}

// alive reports whether the process pid runs (or runs as another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
