package remote

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/gopline/gopline/internal/testlog"
)

func TestAdmissionPools(t *testing.T) {
	// Its own goroutines: an earlier test's actor system may still have
	// its dead letters' throttle waiting out its period.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := newAdmission(true)
	closed := 0
	var conns []*admitted
	for i := range maxPendingPerPeer {
		c, err := a.admit("10.0.0.1:"+string(rune('a'+i)), func() error { closed++; return nil })
		if err != nil {
			t.Fatalf("connection %d refused: %v", i, err)
		}
		conns = append(conns, c)
	}
	if _, err := a.admit("10.0.0.1:z", nil); !errors.Is(err, errTooManyConns) {
		t.Fatalf("one more unauthenticated connection from the host: %v", err)
	}
	if _, err := a.admit("10.0.0.2:a", func() error { return nil }); err != nil {
		t.Fatalf("another host refused: %v", err)
	}
	// Authenticating frees a pending place.
	if err := a.authenticated("10.0.0.1:a"); err != nil {
		t.Fatal(err)
	}
	if pending, authed := a.counts(); pending != maxPendingPerPeer || authed != 1 {
		t.Fatalf("pending %d, authenticated %d", pending, authed)
	}
	if _, err := a.admit("10.0.0.1:y", func() error { return nil }); err != nil {
		t.Fatalf("a place freed by authentication is refused: %v", err)
	}
	for i, c := range conns {
		a.release("10.0.0.1:"+string(rune('a'+i)), c)
		a.release("10.0.0.1:"+string(rune('a'+i)), c) // twice: counted once
	}
	if pending, authed := a.counts(); pending != 2 || authed != 0 {
		t.Fatalf("after the releases: pending %d, authenticated %d", pending, authed)
	}
}

func TestRefusalLogIsRateLimitedAndTellsTheCount(t *testing.T) {
	var buf testlog.Buffer
	now := time.Unix(0, 0)
	var flush func()
	r := newRefusalLog(zerolog.New(&buf))
	r.now = func() time.Time { return now }
	r.after = func(d time.Duration, f func()) func() bool { flush = f; return func() bool { return true } }
	for i := range 50000 {
		r.refused("10.0.0."+string(rune('0'+i%10))+":1", "stream", errors.New("wrong token"))
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Fatalf("%d lines for 50,000 refusals in an interval, want 1", n)
	}
	now = now.Add(refusalInterval)
	flush()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], `"count":49999`) || !strings.Contains(lines[1], `"peer":"10.0.0.`) {
		t.Fatalf("the interval's end does not tell the count and a peer:\n%s", buf.String())
	}
}

func TestPartsRoundTrip(t *testing.T) {
	for _, size := range []int{1, partBytes, partBytes + 1, 5*partBytes + 7} {
		data := bytes.Repeat([]byte{1, 2, 3}, size/3+1)[:size]
		parts, last := splitData(data)
		var a assembly
		for _, p := range parts {
			if len(p) > partBytes {
				t.Fatalf("a part of %d bytes", len(p))
			}
			a.add(p)
		}
		got, err := a.finish(last)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes came back as %d (%v)", size, len(got), err)
		}
	}
	var a assembly
	for range MaxPacketBytes/partBytes + 1 {
		a.add(make([]byte, partBytes))
	}
	if _, err := a.finish(nil); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("a packet over MaxPacketBytes: %v", err)
	}
}

// BenchmarkAssembly gathers a 4K keyframe of 1.5 MB from its parts.
func BenchmarkAssembly(b *testing.B) {
	parts, last := splitData(make([]byte, 1_500_000))
	b.SetBytes(1_500_000)
	b.ReportAllocs()
	for b.Loop() {
		var a assembly
		for _, p := range parts {
			a.add(p)
		}
		if _, err := a.finish(last); err != nil {
			b.Fatal(err)
		}
	}
}

// A connection the node closed as idle is housekeeping: it is logged as
// closed, at info, not as a refused peer.
func TestIdleCloseIsNotLoggedAsARefusal(t *testing.T) {
	var buf testlog.Buffer
	r := newRefusalLog(zerolog.New(&buf))
	a := newAdmission(false)
	a.watch(nil, r.closed)
	if _, err := a.admit("10.0.0.1:5000", nil); err != nil {
		t.Fatal(err)
	}
	a.dropAll()
	got := buf.String()
	if strings.Contains(got, "refused") || !strings.Contains(got, `"level":"info"`) ||
		!strings.Contains(got, `"closed":"idle connection"`) || !strings.Contains(got, "closed a peer's connection") {
		t.Fatalf("an idle connection closed was logged as:\n%s", got)
	}
}
