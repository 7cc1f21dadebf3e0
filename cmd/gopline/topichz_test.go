package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// gopline topic hz says, once a second, how many of the stream's packets
// did not arrive among those of its window, besides the rate; packets
// replayed from the topic's cache count in neither.
func TestTopicHzSaysTheDropsOfItsWindow(t *testing.T) {
	var out bytes.Buffer
	each := hzWatcher(&topicFlags{window: 100}, &out)
	at := time.Unix(100, 0)
	for seq := uint64(0); seq < 3; seq++ { // the cache's replay, at once
		if err := each(&media.Packet{Epoch: 1, Seq: seq, Replay: media.Replay{Replayed: true}}, at); err != nil {
			t.Fatal(err)
		}
	}
	for seq := uint64(3); seq <= 30; seq++ { // 10 a second, 14..16 dropped
		at = at.Add(100 * time.Millisecond)
		if seq >= 14 && seq <= 16 {
			continue
		}
		if err := each(&media.Packet{Epoch: 1, Seq: seq}, at); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "average rate: ") || !strings.HasSuffix(lines[1], " window: 10 dropped: 0 (0.0%)") ||
		!strings.HasSuffix(lines[3], " window: 17 dropped: 3 (14.3%)") {
		t.Fatalf("topic hz wrote %q; want two reports, the second (at seq 23) with 3 of 21 packets dropped", out.String())
	}
}

// gopline topic delay says, once a second, the time from the packets'
// capture to their arrival; packets replayed from the topic's cache,
// captured long before, count in none.
func TestTopicDelayLeavesTheCachesReplayOut(t *testing.T) {
	var out bytes.Buffer
	each := delayWatcher(&topicFlags{window: 100}, &out)
	at := time.Unix(100, 0)
	for seq := uint64(0); seq < 3; seq++ { // the cache's replay: a second old
		if err := each(&media.Packet{Epoch: 1, Seq: seq, CaptureTime: at.Add(-time.Second), Replay: media.Replay{Replayed: true}}, at); err != nil {
			t.Fatal(err)
		}
	}
	for seq := uint64(3); seq <= 13; seq++ { // 10 a second, each 40 ms after its capture
		at = at.Add(100 * time.Millisecond)
		if err := each(&media.Packet{Epoch: 1, Seq: seq, CaptureTime: at.Add(-40 * time.Millisecond)}, at); err != nil {
			t.Fatal(err)
		}
	}
	if want := "average delay: 0.040\n\tmin: 0.040s max: 0.040s std dev: 0.00000s window: 11\n"; out.String() != want {
		t.Fatalf("topic delay wrote %q; want %q", out.String(), want)
	}
}

// While a publisher stalls, topic hz says once a second that no new packet
// came, as ros2 topic hz says "no new messages"; before the first packet,
// and while packets come, the ticks say nothing.
func TestTopicHzSaysWhenNoNewPacketCame(t *testing.T) {
	var out bytes.Buffer
	f := &topicFlags{window: 100}
	each := hzWatcher(f, &out)
	at := time.Unix(100, 0)
	if err := f.tick(at); err != nil || out.Len() != 0 {
		t.Fatalf("before any packet: %q, %v", out.String(), err)
	}
	for seq := uint64(0); seq < 5; seq++ {
		at = at.Add(100 * time.Millisecond)
		if err := each(&media.Packet{Epoch: 1, Seq: seq}, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.tick(at.Add(500 * time.Millisecond)); err != nil || out.Len() != 0 {
		t.Fatalf("half a second after a packet: %q, %v", out.String(), err)
	}
	for i := 1; i <= 3; i++ { // the stall
		if err := f.tick(at.Add(time.Duration(i) * time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if out.String() != "no new packets\nno new packets\nno new packets\n" {
		t.Fatalf("a stall of 3 s: %q", out.String())
	}
}
