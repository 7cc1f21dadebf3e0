package discovery

import (
	"errors"
	"strings"
	"testing"
)

// txtCases feed the TXT test and the fuzz seeds.
var txtCases = []struct {
	fields []string
	want   Peer
	err    string
}{
	{[]string{"v=1", "node=robot-1", "addr=10.0.0.5:7400"}, Peer{Name: "robot-1", Addr: "10.0.0.5:7400"}, ""},
	{[]string{"addr=[fe80::1%eth0]:7400", "future=x", "node=r_2", "v=1"}, Peer{Name: "r_2", Addr: "[fe80::1%eth0]:7400"}, ""},
	{[]string{"node=robot", "addr=10.0.0.5:7400"}, Peer{}, "TXT version"},
	{[]string{"v=2", "node=robot", "addr=10.0.0.5:7400"}, Peer{}, "TXT version"},
	{[]string{"v=1", "node=ro.bot", "addr=10.0.0.5:7400"}, Peer{}, "only letters"},
	{[]string{"v=1", "node=", "addr=10.0.0.5:7400"}, Peer{}, "want 1 to 63"},
	{[]string{"v=1", "node=" + strings.Repeat("a", 64), "addr=10.0.0.5:7400"}, Peer{}, "want 1 to 63"},
	{[]string{"v=1", "node=robot", "addr=10.0.0.5"}, Peer{}, "missing port"},
	{[]string{"v=1", "node=robot", "addr=10.0.0.5:0"}, Peer{}, "want host:port"},
	{[]string{"v=1", "node=robot", "addr=:7400"}, Peer{}, "want host:port"},
	{[]string{"v=1", "node=robot", "addr=10.0.0.5:7400", strings.Repeat("x", 256)}, Peer{}, "TXT field of 256 bytes"},
	{[]string{"v=1", "a", "b", "c", "d", "e", "f", "g", "h"}, Peer{}, "9 TXT fields"},
}

func TestParseTXT(t *testing.T) {
	for _, c := range txtCases {
		p, err := parseTXT(c.fields)
		if c.err == "" {
			if err != nil || p != c.want {
				t.Errorf("parseTXT(%q) = %+v, %v; want %+v", c.fields, p, err, c.want)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrBadAnnouncement) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("parseTXT(%q) = %+v, %v; want an error with %q", c.fields, p, err, c.err)
		}
	}
}

func TestTXTRoundTrip(t *testing.T) {
	p := Peer{Name: DefaultName(), Addr: "192.168.1.20:7400"}
	got, err := parseTXT(txtFields(p))
	if err != nil || got != p {
		t.Fatalf("parseTXT(txtFields(%+v)) = %+v, %v", p, got, err)
	}
}

// FuzzParseTXT: any TXT record a peer sends either parses into a peer
// whose name and address check, or is refused; nothing panics.
func FuzzParseTXT(f *testing.F) {
	for _, c := range txtCases {
		f.Add(strings.Join(c.fields, "\n"))
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := parseTXT(strings.Split(text, "\n"))
		if err != nil {
			return
		}
		if CheckName(p.Name) != nil || checkAddr(p.Addr) != nil {
			t.Fatalf("parseTXT(%q) took a bad peer %+v", text, p)
		}
	})
}
