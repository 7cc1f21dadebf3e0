package elements

import (
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gopline/gopline/internal/bytesize"
	"github.com/gopline/gopline/media"
)

// stubStore is a packetStore whose writes can be held, as a disk that
// stalls: each Write waits for hold to be open (a nil hold never waits).
type stubStore struct {
	mu       sync.Mutex
	hold     chan struct{}
	writing  chan struct{} // receives when a Write begins, if set
	written  []*media.Packet
	streams  []string
	flushes  int
	flushed  int // packets written at the last Flush
	closed   bool
	outcomes map[uint64]writeOutcome // by Seq: what a Write answers
}

func (s *stubStore) Write(stream string, p *media.Packet) writeOutcome {
	if s.writing != nil {
		s.writing <- struct{}{}
	}
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written = append(s.written, p)
	s.streams = append(s.streams, stream)
	return s.outcomes[p.Seq]
}

func (s *stubStore) Flush() writeOutcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushes++
	s.flushed = len(s.written)
	return writeOutcome{}
}

func (s *stubStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.flushed = len(s.written)
	return nil
}

func (s *stubStore) state() (written, flushed int, closed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.written), s.flushed, s.closed
}

// packetOf returns a packet of n data bytes with Seq seq.
func packetOf(seq uint64, n int) *media.Packet {
	return &media.Packet{Seq: seq, GOP: seq, Key: true, Data: make([]byte, n), Codec: media.H264}
}

// The writer writes every packet in the order put, with its stream, and a
// Drain returns once they are all written and committed; Close closes the
// store and ends the writer.
func TestPacketCacheWritesEverythingInOrderAndDrains(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	store := &stubStore{}
	c := newPacketCache(store, 1<<20)
	for i := range 100 {
		stream := "/a"
		if i%3 == 0 {
			stream = "/b"
		}
		if !c.Put(stream, packetOf(uint64(i), 100)) {
			t.Fatalf("packet %d: a cache of 1 MiB is over its budget with 100 small packets", i)
		}
	}
	if !c.Drain(time.Minute) {
		t.Fatal("Drain gave up on a store that never stalls")
	}
	written, flushed, _ := store.state()
	if written != 100 || flushed != 100 {
		t.Fatalf("after Drain: %d written, %d committed; want 100", written, flushed)
	}
	for i, p := range store.written {
		want := "/a"
		if i%3 == 0 {
			want = "/b"
		}
		if p.Seq != uint64(i) || store.streams[i] != want {
			t.Fatalf("write %d: seq %d to %s; want seq %d to %s", i, p.Seq, store.streams[i], i, want)
		}
	}
	if closed, n, err := c.Close(time.Minute); !closed || n != 0 || err != nil {
		t.Fatalf("Close: closed %v, %d unwritten, %v", closed, n, err)
	}
	if _, _, closed := store.state(); !closed {
		t.Fatal("Close left the store open")
	}
	<-c.Done()
}

// The cache counts the bytes it holds against its budget: a packet that
// takes it over is reported, Room stays shut until the writer has made
// room, and nothing is refused.
func TestPacketCacheReportsItsBudgetAndOpensRoomAsTheWriterFreesIt(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hold := make(chan struct{})
	store := &stubStore{hold: hold, writing: make(chan struct{}, 100)}
	size := int64(1000 + cachedPacketOverhead)
	c := newPacketCache(store, 3*size)
	defer c.Close(time.Minute)
	for i := range 3 {
		if !c.Put("/a", packetOf(uint64(i), 1000)) {
			t.Fatalf("packet %d of 3 took the cache of three over its budget", i)
		}
	}
	if c.Put("/a", packetOf(3, 1000)) || c.Within() {
		t.Fatal("a fourth packet left the cache of three within its budget")
	}
	room := c.Room()
	select {
	case <-room:
		t.Fatal("room while the writer has written nothing")
	default:
	}
	<-store.writing // the writer holds the first packet
	store.mu.Lock()
	store.hold = nil
	store.mu.Unlock()
	close(hold)
	<-room
	if !c.Within() {
		t.Fatal("room is open and the cache over its budget")
	}
	if !c.Drain(time.Minute) {
		t.Fatal("Drain gave up")
	}
	if written, _, _ := store.state(); written != 4 {
		t.Fatalf("%d packets written, want 4: the cache refuses nothing", written)
	}
}

// A disk that takes nothing: Drain and Close give up after their timeout,
// Close says how many packets it could not write (the one under way among
// them), and once the disk comes back the writer drops the rest, closes the
// store and returns: no goroutine is left.
func TestPacketCacheCloseGivesUpOnAStuckDiskAndTheWriterStillEnds(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hold := make(chan struct{})
	store := &stubStore{hold: hold, writing: make(chan struct{}, 100)}
	c := newPacketCache(store, 1<<20)
	for i := range 10 {
		c.Put("/a", packetOf(uint64(i), 100))
	}
	<-store.writing // stuck in the first write
	if c.Drain(time.Millisecond) {
		t.Fatal("Drain returned true with the disk stuck")
	}
	closed, unwritten, err := c.Close(time.Millisecond)
	if closed || unwritten != 10 || err != nil {
		t.Fatalf("Close on a stuck disk: closed %v, %d unwritten, %v; want 10 unwritten", closed, unwritten, err)
	}
	if c.Put("/a", packetOf(10, 100)); c.Unwritten() != 10 {
		t.Fatal("a cache that gave up took another packet")
	}
	close(hold)
	<-c.Done()
	written, _, closedStore := store.state()
	if written != 1 || !closedStore {
		t.Fatalf("after the disk came back: %d written (want the one under way), store closed %v", written, closedStore)
	}
}

// What the store answers comes back in Collect: drops summed, the rest in
// order, and the latest count of lost packets kept until it grows.
func TestPacketCacheReportsWhatTheStoreAnswered(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	failed, bad := errors.New("writes fail"), errors.New("another format")
	store := &stubStore{outcomes: map[uint64]writeOutcome{
		1: {dropped: 3, failed: failed},
		2: {dropped: 1},
		3: {resumed: true, lost: 4},
		4: {err: bad},
		5: {overwrittenGOPs: 2, overwrittenBytes: 2000},
	}}
	c := newPacketCache(store, 1<<20)
	defer c.Close(time.Minute)
	for i := range 6 {
		c.Put("/a", packetOf(uint64(i), 10))
	}
	c.Drain(time.Minute)
	rep := c.Collect()
	if rep.dropped != 4 || rep.lost != 4 || len(rep.notes) != 4 {
		t.Fatalf("report %+v: want 4 dropped, 4 lost, 4 notes", rep)
	}
	if rep.notes[0].failed != failed || !rep.notes[1].resumed || rep.notes[2].err != bad || rep.notes[3].overwrittenGOPs != 2 {
		t.Fatalf("notes out of order or lost: %+v", rep.notes)
	}
	if again := c.Collect(); again.dropped != 0 || len(again.notes) != 0 || again.lost != 4 {
		t.Fatalf("a second Collect: %+v; want nothing new, the lost count kept", again)
	}
}

func TestParseCacheSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"1", 1}, {"1048576", 1 << 20}, {"64MiB", 64 << 20}, {"64mib", 64 << 20}, {"500MB", 500e6}, {"2GiB", 2 << 30},
		{"10kb", 10e3}, {"100b", 100}, {" 3 KiB ", 3 << 10}} {
		if got, err := parseCacheSize(tc.in); err != nil || got != tc.want {
			t.Errorf("parseCacheSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "0", "-1", "MiB", "1.5MiB", "64 apples", "2000GiB"} {
		if got, err := parseCacheSize(in); err == nil {
			t.Errorf("parseCacheSize(%q) = %d; want an error", in, got)
		}
	}
	for _, n := range []int64{1, 1000, 64 << 20, 3 << 30} {
		if got, err := parseCacheSize(bytesize.Format(n)); err != nil || got != n {
			t.Errorf("%d written as %q reads as %d, %v", n, bytesize.Format(n), got, err)
		}
	}
}

// max-bytes= takes the units cache= does, and 0 for no bound.
func TestRecordMaxBytesTakesUnits(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1GiB": 1 << 30, "500MB": 500e6, "1048576": 1 << 20} {
		if got, err := parseRetentionSize(in); err != nil || got != want {
			t.Errorf("parseRetentionSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "lots", "2PiB"} {
		if got, err := parseRetentionSize(in); err == nil {
			t.Errorf("parseRetentionSize(%q) = %d; want an error", in, got)
		}
	}
	if err := parseAndCheck("testsrc ! h264enc ! record path=x.gopline max-bytes=1GiB", registry(t)); err != nil {
		t.Errorf("max-bytes=1GiB in a line: %v", err)
	}
}

// BenchmarkPacketCachePut is what the recorder's actor spends on a packet:
// a Put and a Collect, with the writer taking packets as fast as they come.
func BenchmarkPacketCachePut(b *testing.B) {
	c := newPacketCache(&nullStore{}, DefaultRecordCache)
	defer c.Close(time.Minute)
	p := packetOf(0, 4000)
	for b.Loop() {
		for !c.Put("/a", p) {
			<-c.Room()
		}
		c.Collect()
	}
}

// nullStore takes every packet at once and keeps nothing.
type nullStore struct{}

func (nullStore) Write(string, *media.Packet) writeOutcome { return writeOutcome{} }
func (nullStore) Flush() writeOutcome                      { return writeOutcome{} }
func (nullStore) Close() error                             { return nil }
