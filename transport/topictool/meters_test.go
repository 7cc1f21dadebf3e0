package topictool

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

func TestHzOfAKnownRate(t *testing.T) {
	h := NewHz(10)
	if st := h.Stats(); st.Window != 0 || st.Rate != 0 {
		t.Fatalf("no packets: %+v", st)
	}
	t0 := time.Unix(100, 0)
	// 40 ms, 60 ms alternating: 20 Hz on average, std 10 ms; the first
	// five intervals (of 1 s) leave the window of 10.
	at := t0
	seq := uint64(0)
	next := func() *media.Packet { seq++; return &media.Packet{Epoch: 1, Seq: seq} }
	for range 5 {
		at = at.Add(time.Second)
		h.Add(next(), at)
	}
	for i := range 10 {
		at = at.Add(time.Duration(40+20*(i%2)) * time.Millisecond)
		h.Add(next(), at)
	}
	st := h.Stats()
	if math.Abs(st.Rate-20) > 1e-9 || st.Min != 40*time.Millisecond || st.Max != 60*time.Millisecond ||
		st.Std != 10*time.Millisecond || st.Window != 10 || st.Dropped != 0 {
		t.Fatalf("stats %+v; want 20 Hz, 40..60 ms, std 10 ms over 10", st)
	}
	h.Add(next(), at.Add(-time.Second)) // the clock stepped back: not an interval
	if got := h.Stats(); got.Window != 10 || got.Max != st.Max {
		t.Fatalf("after a step back: %+v", got)
	}
	var out bytes.Buffer
	st.Write(&out)
	if want := "average rate: 20.000\n\tmin: 0.040s max: 0.060s std dev: 0.01000s window: 10 dropped: 0 (0.0%)\n"; out.String() != want {
		t.Fatalf("%q; want %q", out.String(), want)
	}
}

// Hz counts the packets of the stream that did not arrive (holes in Seq)
// among those of its window, and forgets them as they leave it.
func TestHzCountsTheDropsWithinItsWindow(t *testing.T) {
	h := NewHz(4)
	at := time.Unix(100, 0)
	for _, seq := range []uint64{10, 11, 15, 16, 17} { // 12..14 dropped
		at = at.Add(100 * time.Millisecond)
		h.Add(&media.Packet{Epoch: 1, Seq: seq}, at)
	}
	st := h.Stats()
	if st.Window != 4 || st.Dropped != 3 {
		t.Fatalf("stats %+v; want 3 dropped over 4 intervals", st)
	}
	var out bytes.Buffer
	st.Write(&out)
	if !strings.HasSuffix(out.String(), " window: 4 dropped: 3 (37.5%)\n") {
		t.Fatalf("%q; want 3 dropped of the 8 packets of the window", out.String())
	}
	// The interval that ended at 15 leaves the window with its drops.
	at = at.Add(100 * time.Millisecond)
	h.Add(&media.Packet{Epoch: 1, Seq: 18}, at)
	if st := h.Stats(); st.Dropped != 3 {
		t.Fatalf("stats %+v; want the 3 dropped before 15 while 15 is in the window", st)
	}
	at = at.Add(100 * time.Millisecond)
	h.Add(&media.Packet{Epoch: 1, Seq: 19}, at)
	if st := h.Stats(); st.Dropped != 0 {
		t.Fatalf("stats %+v; want no drop once the hole left the window", st)
	}
}

// Missed counts the holes in each stream's Seq: not at a stream's first
// packet (a watcher's first, a restart), nor at a packet it had (a
// resent keyframe), and apart for streams that interleave (two
// publishers on one topic).
func TestMissedCountsEachStreamsHoles(t *testing.T) {
	var m Missed
	for i, c := range []struct {
		epoch, seq, want uint64
	}{
		{1, 100, 0}, // the watcher's first
		{1, 101, 0},
		{1, 105, 3},
		{1, 103, 0}, // resent: no hole, and the stream's last stays 105
		{1, 106, 0},
		{2, 0, 0}, // another stream (a restart, or a second publisher)
		{1, 108, 1},
		{2, 1, 0},
		{2, 5, 3},
	} {
		if got := m.Next(&media.Packet{Epoch: c.epoch, Seq: c.seq}); got != c.want {
			t.Errorf("packet %d (epoch %d, seq %d): %d missed, want %d", i, c.epoch, c.seq, got, c.want)
		}
	}
	// Beyond maxStreams streams, the one heard of longest ago is forgotten.
	for e := uint64(10); e < 10+maxStreams; e++ {
		m.Next(&media.Packet{Epoch: e, Seq: 0})
	}
	if got := m.Next(&media.Packet{Epoch: 1, Seq: 120}); got != 0 {
		t.Errorf("a forgotten stream's packet counts %d missed, want none", got)
	}
	if got := m.Next(&media.Packet{Epoch: 10 + maxStreams - 1, Seq: 2}); got != 1 {
		t.Errorf("the latest stream's hole counts %d missed, want 1", got)
	}
}

func TestBandwidthOfAKnownStream(t *testing.T) {
	b := NewBandwidth(4)
	t0 := time.Unix(100, 0)
	for i, size := range []int{9999, 1000, 3000, 1000, 3000} { // the first leaves the window
		b.Add(t0.Add(time.Duration(i)*100*time.Millisecond), size)
	}
	st := b.Stats()
	// From the window's first (at 100 ms) to its last (400 ms): 7000 bytes
	// after the first in 300 ms.
	if math.Abs(st.BytesPerSec-7000/0.3) > 1e-6 || st.Mean != 2000 || st.Min != 1000 || st.Max != 3000 || st.Window != 4 {
		t.Fatalf("stats %+v", st)
	}
	var out bytes.Buffer
	st.Write(&out)
	if !strings.HasPrefix(out.String(), "23.3 kB/s from 4 packets\n\tpacket size mean: 2.0 kB min: 1.0 kB max: 3.0 kB") {
		t.Fatalf("%q", out.String())
	}
}

func TestEchoLines(t *testing.T) {
	capture := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &media.Packet{Codec: media.H264, Data: make([]byte, 1234), Key: true, Seq: 30, GOP: 30, CaptureTime: capture,
		Width: 640, Height: 480, Replay: media.Replay{Replayed: true}}
	var out bytes.Buffer
	NewEcho(&out, false).Write(p, capture.Add(2500*time.Microsecond))
	if want := "seq=30 gop=30 key h264 640x480 size=1234 capture=03:04:05.000 received=03:04:05.002 latency=2.5ms replayed\n"; out.String() != want {
		t.Fatalf("%q; want %q", out.String(), want)
	}
	out.Reset()
	NewEcho(&out, true).Write(p, capture.Add(2500*time.Microsecond))
	var l EchoLine
	if err := json.Unmarshal(out.Bytes(), &l); err != nil || l.Seq != 30 || !l.Key || l.Bytes != 1234 || l.LatencyMS != 2.5 ||
		!l.Capture.Equal(capture) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("%v: %s", err, out.String())
	}
}

// Delay is the time from capture to arrival, over the window's latest
// packets; a packet without a capture time is left out.
func TestDelayMeasuresCaptureToArrivalOverItsWindow(t *testing.T) {
	d := NewDelay(3)
	if st := d.Stats(); st.Window != 0 {
		t.Fatalf("stats before any packet: %+v", st)
	}
	at := time.Unix(100, 0)
	for i, delay := range []time.Duration{500 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond} {
		arrived := at.Add(time.Duration(i) * time.Second)
		d.Add(&media.Packet{CaptureTime: arrived.Add(-delay)}, arrived)
	}
	d.Add(&media.Packet{}, at.Add(9*time.Second)) // no capture time
	st := d.Stats()
	if st.Window != 3 || st.Mean != 20*time.Millisecond || st.Min != 10*time.Millisecond || st.Max != 30*time.Millisecond {
		t.Fatalf("stats %+v, want the latest 3: mean 20ms, 10ms to 30ms", st)
	}
	if want := time.Duration(8164966); st.Std < want-1000 || st.Std > want+1000 { // sqrt(200/3) ms
		t.Errorf("std dev %v, want about %v", st.Std, want)
	}
	var out bytes.Buffer
	if err := st.Write(&out); err != nil {
		t.Fatal(err)
	}
	if want := "average delay: 0.020\n\tmin: 0.010s max: 0.030s std dev: 0.00816s window: 3\n"; out.String() != want {
		t.Errorf("wrote %q, want %q", out.String(), want)
	}
}
