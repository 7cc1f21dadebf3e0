package rtsp

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// seqs returns the sequence numbers of packets.
func seqs(in []received) []uint16 {
	var out []uint16
	for _, r := range in {
		out = append(out, r.pkt.SequenceNumber)
	}
	return out
}

func TestReorderPutsPacketsBackInOrder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	pkt := func(seq uint16, ssrc uint32, ms int) received {
		return received{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, SSRC: ssrc}}, at: t0.Add(time.Duration(ms) * time.Millisecond)}
	}
	var o reorder
	steps := []struct {
		in   received
		want []uint16
	}{
		{pkt(65534, 1, 0), []uint16{65534}},
		{pkt(65535, 1, 1), []uint16{65535}},
		{pkt(1, 1, 2), nil},            // 0 overtaken: held
		{pkt(3, 1, 3), nil},            // and 2
		{pkt(1, 1, 4), nil},            // a duplicate of one held
		{pkt(0, 1, 5), []uint16{0, 1}}, // 0 came: 0 and 1 go on, 3 waits for 2
		{pkt(2, 1, 6), []uint16{2, 3}}, //
		{pkt(2, 1, 7), []uint16{2}},    // a duplicate of one gone on: for the unit to drop
		{pkt(65000, 1, 8), []uint16{65000}},
		{pkt(5, 1, 9), nil},             // 4 missing
		{pkt(9, 7, 10), []uint16{5, 9}}, // a new sender: what the old one left, then its own
		{pkt(10, 7, 11), []uint16{10}},
	}
	for i, s := range steps {
		if got := seqs(o.push(s.in)); fmt.Sprint(got) != fmt.Sprint(s.want) {
			t.Fatalf("step %d, packet %d: %v go on, want %v", i, s.in.pkt.SequenceNumber, got, s.want)
		}
	}
	if _, held := o.due(); held {
		t.Fatal("packets held with no gap")
	}

	// A gap not filled: the packets after it wait reorderWait from the
	// earliest of them to come, then go on in order.
	o.push(pkt(13, 7, 20))
	o.push(pkt(12, 7, 15))
	if due, held := o.due(); !held || !due.Equal(t0.Add(15*time.Millisecond+reorderWait)) {
		t.Fatalf("due %v %v, want the earliest arrival plus %v", due, held, reorderWait)
	}
	if got := seqs(o.flush()); fmt.Sprint(got) != "[12 13]" {
		t.Fatalf("flush: %v", got)
	}
	if got := seqs(o.push(pkt(14, 7, 21))); fmt.Sprint(got) != "[14]" {
		t.Fatalf("after the flush: %v", got)
	}

	// At most reorderPackets wait.
	var out []uint16
	for seq := uint16(16); seq < 16+reorderPackets; seq++ {
		out = append(out, seqs(o.push(pkt(seq, 7, 30)))...)
	}
	if len(out) != reorderPackets || out[0] != 16 || out[len(out)-1] != 16+reorderPackets-1 {
		t.Fatalf("%d packets after a gap: %v go on", reorderPackets, out)
	}
}
