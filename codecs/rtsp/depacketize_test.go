package rtsp

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/pion/rtp"
)

// NAL units of a made-up stream: a picture's first slice has
// first_mb_in_slice 0 (its second byte's top bit set), a later one not.
var (
	sps      = []byte{0x67, 0x42, 0xc0, 0x1e, 0xda}
	pps      = []byte{0x68, 0xce, 0x3c, 0x80}
	idrFirst = []byte{0x65, 0x88, 0x84, 0x00, 0x33}
	idrLater = []byte{0x65, 0x40, 0x12, 0x34} // first_mb_in_slice 1
	pFirst   = []byte{0x41, 0x9a, 0x02, 0x03}
)

// packetsOf makes RTP packets: each payload with seq from first, the
// given timestamp, and the marker on the last.
func packetsOf(first uint16, ts uint32, payloads ...[]byte) []*rtp.Packet {
	var out []*rtp.Packet
	for i, p := range payloads {
		out = append(out, &rtp.Packet{
			Header:  rtp.Header{SequenceNumber: first + uint16(i), Timestamp: ts, Marker: i == len(payloads)-1},
			Payload: p,
		})
	}
	return out
}

// fragmentsOf splits nalu into FU-A fragments of at most size bytes of its body.
func fragmentsOf(nalu []byte, size int) [][]byte {
	var out [][]byte
	body := nalu[1:]
	for off := 0; off < len(body); off += size {
		end := min(off+size, len(body))
		header := nalu[0] & 0x1f
		if off == 0 {
			header |= 0x80
		}
		if end == len(body) {
			header |= 0x40
		}
		out = append(out, append([]byte{nalu[0]&0xe0 | 28, header}, body[off:end]...))
	}
	return out
}

// stapA aggregates nalus into one STAP-A payload.
func stapAOf(nalus ...[]byte) []byte {
	out := []byte{24}
	for _, n := range nalus {
		out = append(out, byte(len(n)>>8), byte(len(n)))
		out = append(out, n...)
	}
	return out
}

type pushed struct {
	units []accessUnit
	errs  int
}

func pushAll(d *depacketizer, pkts []*rtp.Packet) pushed {
	var out pushed
	for _, p := range pkts {
		units, err := d.push(p)
		if err != nil {
			out.errs++
		}
		out.units = append(out.units, units...)
	}
	return out
}

func TestDepacketizerPutsAccessUnitsTogether(t *testing.T) {
	big := append([]byte{0x65, 0x88}, bytes.Repeat([]byte{0xab}, 3000)...)
	cases := []struct {
		name  string
		pkts  []*rtp.Packet
		units [][][]byte
		whole []bool
		errs  int
		// afterLoss are the units packets were lost before (or in).
		afterLoss []int
	}{
		{"single NAL units, the last marked",
			packetsOf(0, 100, sps, pps, idrFirst),
			[][][]byte{{sps, pps, idrFirst}}, []bool{true}, 0, nil},
		{"STAP-A then a slice",
			packetsOf(7, 100, stapAOf(sps, pps), idrFirst),
			[][][]byte{{sps, pps, idrFirst}}, []bool{true}, 0, nil},
		{"a slice in FU-A fragments",
			packetsOf(65530, 100, fragmentsOf(big, 1000)...),
			[][][]byte{{big}}, []bool{true}, 0, nil},
		{"two slices of one picture",
			packetsOf(0, 100, idrFirst, idrLater),
			[][][]byte{{idrFirst, idrLater}}, []bool{true}, 0, nil},
		{"a sender without markers: a unit ends where the timestamp changes",
			append(unmarked(packetsOf(0, 100, idrFirst)), unmarked(packetsOf(1, 3100, pFirst))...),
			[][][]byte{{idrFirst}}, []bool{true}, 0, nil},
		{"start codes inside a payload",
			packetsOf(0, 100, append(append([]byte{0, 0, 0, 1}, sps...), append([]byte{0, 0, 1}, pps...)...), idrFirst),
			[][][]byte{{sps, pps, idrFirst}}, []bool{true}, 0, nil},
		{"a packet lost inside a unit",
			slices.Delete(packetsOf(0, 100, fragmentsOf(big, 1000)...), 1, 2),
			[][][]byte{nil}, []bool{false}, 2, []int{0}}, // 2 errors: the fragments after the gap
		{"a unit without its first slice",
			packetsOf(0, 100, idrLater),
			[][][]byte{{idrLater}}, []bool{false}, 0, nil},
		{"a unit whose marked packet was lost, then the next",
			append(slices.Delete(packetsOf(0, 100, idrFirst, idrLater), 1, 2), packetsOf(2, 3100, pFirst)...),
			[][][]byte{{idrFirst}, {pFirst}}, []bool{false, true}, 0, []int{0}},
		{"loss between two units leaves the next whole when it begins with its first slice",
			append(packetsOf(0, 100, idrFirst), packetsOf(5, 3100, pFirst)...),
			[][][]byte{{idrFirst}, {pFirst}}, []bool{true, true}, 0, []int{1}},
		{"a duplicate packet is dropped, not a gap",
			append(unmarked(packetsOf(0, 100, sps, pps)), append(unmarked(packetsOf(1, 100, pps)), packetsOf(2, 100, idrFirst)...)...),
			[][][]byte{{sps, pps, idrFirst}}, []bool{true}, 1, nil},
		{"numbering that starts over far behind is a gap",
			append(packetsOf(500, 100, idrFirst), packetsOf(3, 3100, pFirst)...),
			[][][]byte{{idrFirst}, {pFirst}}, []bool{true, true}, 0, []int{1}},
		{"an interleaved-mode packet",
			packetsOf(0, 100, []byte{25, 0, 1, 2}, idrFirst),
			[][][]byte{{idrFirst}}, []bool{false}, 1, nil},
		{"an empty payload",
			packetsOf(0, 100, []byte{}, idrFirst),
			[][][]byte{{idrFirst}}, []bool{false}, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := clonePackets(c.pkts)
			var d depacketizer
			got := pushAll(&d, c.pkts)
			if got.errs != c.errs {
				t.Errorf("%d errors, want %d", got.errs, c.errs)
			}
			if len(got.units) != len(c.units) {
				t.Fatalf("%d units, want %d", len(got.units), len(c.units))
			}
			for i, u := range got.units {
				if want := slices.Contains(c.afterLoss, i); u.afterLoss != want {
					t.Errorf("unit %d afterLoss %v, want %v", i, u.afterLoss, want)
				}
				if u.whole != c.whole[i] {
					t.Errorf("unit %d whole %v, want %v", i, u.whole, c.whole[i])
				}
				if c.units[i] != nil && !slices.EqualFunc(u.nalus, c.units[i], bytes.Equal) {
					t.Errorf("unit %d: % x, want % x", i, u.nalus, c.units[i])
				}
			}
			for i := range c.pkts {
				if !bytes.Equal(c.pkts[i].Payload, before[i].Payload) {
					t.Fatalf("packet %d's payload was changed", i)
				}
			}
		})
	}
}

// unmarked clears the marker bits of pkts.
func unmarked(pkts []*rtp.Packet) []*rtp.Packet {
	for _, p := range pkts {
		p.Marker = false
	}
	return pkts
}

func clonePackets(pkts []*rtp.Packet) []*rtp.Packet {
	out := make([]*rtp.Packet, len(pkts))
	for i, p := range pkts {
		out[i] = p.Clone()
	}
	return out
}

// A unit's NAL units are the depacketizer's own: the payloads they came
// in may be reused by the connection at once.
func TestDepacketizerKeepsCopies(t *testing.T) {
	var d depacketizer
	payload := slices.Clone(idrFirst)
	units, err := d.push(packetsOf(0, 1, payload)[0])
	if err != nil || len(units) != 1 {
		t.Fatalf("%v, %d units", err, len(units))
	}
	payload[2] = 0xff
	if !bytes.Equal(units[0].nalus[0], idrFirst) {
		t.Fatal("the unit shares the packet's payload")
	}
}

// A sender that never ends its fragments cannot make the node hold more
// than maxAccessUnitBytes.
func TestDepacketizerBoundsAUnit(t *testing.T) {
	var d depacketizer
	chunk := bytes.Repeat([]byte{0xab}, 60000)
	start := append([]byte{0x7c, 0x85}, chunk...)
	middle := append([]byte{0x7c, 0x05}, chunk...)
	var errs int
	for i := range maxAccessUnitBytes/len(chunk) + 10 {
		p := middle
		if i == 0 {
			p = start
		}
		if _, err := d.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: 5}, Payload: p}); err != nil {
			if !errors.Is(err, errPayload) {
				t.Fatal(err)
			}
			errs++
		}
		if d.curBytes+len(d.frag) > maxAccessUnitBytes {
			t.Fatalf("holds %d bytes after packet %d", d.curBytes+len(d.frag), i)
		}
	}
	if errs == 0 {
		t.Fatal("no error for a unit over the bound")
	}
}

// FuzzDepacketize feeds RTP packets of any bytes to a depacketizer and
// the units it ends to a packetMaker, as a Reader does with a server's.
func FuzzDepacketize(f *testing.F) {
	f.Add([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x65, 0x88, 0x84})
	f.Add(append([]byte{0x80, 0xe0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1}, stapAOf(sps, pps)...))
	f.Add(append([]byte{0x80, 0x60, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1}, fragmentsOf(idrFirst, 2)[0]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d depacketizer
		var st Stats
		var times rtpTime
		m := newPacketMaker(&st, sps, pps)
		// The input is a run of RTP packets, each behind its 16-bit length.
		for len(data) >= 2 {
			n := int(data[0])<<8 | int(data[1])
			data = data[2:]
			if n > len(data) {
				n = len(data)
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(data[:n]) == nil {
				units, _ := d.push(&pkt)
				at := times.unwrap(pkt.Timestamp)
				for _, u := range units {
					pts := at - int64(int32(pkt.Timestamp-u.timestamp))
					if p, dts := m.packet(u, pts); p != nil && dts > pts {
						t.Fatalf("decode time %d after presentation %d", dts, pts)
					}
					size := 0
					for _, n := range u.nalus {
						size += len(n)
					}
					if size > maxAccessUnitBytes {
						t.Fatalf("unit of %d bytes", size)
					}
				}
			}
			data = data[n:]
		}
	})
}
