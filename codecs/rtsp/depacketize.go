package rtsp

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/pion/rtp"
)

// maxAccessUnitBytes bounds the access unit a depacketizer puts together:
// a sender (or anyone on the path of its UDP) can send fragments without
// end, and the node would hold them all. A 4K keyframe of a camera at a
// high bitrate is a few MB; 16 MB leaves room for far more.
const maxAccessUnitBytes = 16 << 20

// RTP payload types of H.264's packetization (RFC 6184 5.2), beside the NAL
// unit types 1 to 23, each carried whole in a packet of its own.
const (
	stapA  = 24 // several NAL units of one access unit in one packet
	stapB  = 25
	mtap16 = 26
	mtap24 = 27
	fuA    = 28 // a NAL unit in fragments over several packets
	fuB    = 29
)

// lateWindow is how far behind the next expected sequence number a packet
// is taken for a duplicate, or for one that came after its gap was taken
// for a loss, and dropped; further back, it is a sender that restarted
// its numbering, a gap like any other.
const lateWindow = 64

// errLate is a packet push dropped: see lateWindow.
var errLate = errors.New("RTP packet behind the stream (a duplicate, or late)")

// errPayload is an RTP payload that is not H.264 in RFC 6184's
// non-interleaved modes.
var errPayload = errors.New("not an RFC 6184 H.264 payload")

// accessUnit is one picture's NAL units as a depacketizer put them
// together, without start codes, and the RTP timestamp they share.
type accessUnit struct {
	nalus     [][]byte
	timestamp uint32
	// whole: no packet of it was lost or refused, and it begins with its
	// picture's first slice; a unit that is not whole must not be decoded,
	// nor anything that refers to it.
	whole bool
	// afterLoss: packets were lost since the unit before ended, whole
	// pictures perhaps, which the ones after may refer to.
	afterLoss bool
}

// depacketizer puts H.264 access units together from RTP packets in
// sequence order (RFC 6184, single NAL unit and non-interleaved modes:
// single NAL unit packets, STAP-A, FU-A). An access unit ends at its last
// packet, the one with the marker bit, so it is handed on as soon as it
// came, not when the next one begins; for a sender that never sets the
// marker, it ends where the RTP timestamp changes. A gap in the sequence
// numbers (a packet lost on UDP) or a packet that cannot be read makes
// the unit it falls in not whole. A gap between two units leaves the next
// one whole only if it begins with its picture's first slice: what the gap
// may have taken of it are NAL units in front of its slices (a delimiter,
// SEI, parameter sets, which the stream's earlier ones stand in for). A
// unit after a gap says so (afterLoss): whole pictures may have been lost,
// which it may refer to.
//
// The zero value is ready to use. A depacketizer is not safe for
// concurrent use; the NAL units it returns are its own copies.
type depacketizer struct {
	started bool
	next    uint16 // the sequence number expected next

	cur       [][]byte // the unit under way
	curBytes  int
	curTS     uint32
	curBroken bool // a packet of cur was lost or refused
	open      bool // cur has a packet
	frag      []byte
	inFrag    bool // a FU-A fragment began and has not ended
	lost      bool // packets were lost since the last unit ended
}

// push takes the next RTP packet and returns the access units it ends: none
// while a unit is under way, one at its last packet, or two when a sender
// without marker bits begins a unit that is itself complete at once. An
// error says what was wrong with the packet; its unit is not whole, and
// the depacketizer goes on with the next packet. A packet a little behind
// the stream (errLate) is dropped and changes nothing.
func (d *depacketizer) push(pkt *rtp.Packet) ([]accessUnit, error) {
	var out []accessUnit
	if d.started && pkt.SequenceNumber != d.next {
		if behind := int16(d.next - pkt.SequenceNumber); behind > 0 && behind <= lateWindow {
			return nil, errLate
		}
		d.gap()
	}
	d.started, d.next = true, pkt.SequenceNumber+1
	if d.open && pkt.Timestamp != d.curTS {
		// The sender did not mark the unit's end (or its last packet was
		// lost, which the gap said): a new timestamp begins the next.
		out = append(out, d.end())
	}
	if !d.open {
		d.open, d.curTS = true, pkt.Timestamp
	}
	err := d.payload(pkt.Payload)
	if err != nil {
		d.curBroken = true
	}
	if pkt.Marker {
		out = append(out, d.end())
	}
	return out, err
}

// gap notes that packets were lost before the one at hand.
func (d *depacketizer) gap() {
	if d.open {
		d.curBroken = true
	}
	d.lost = true
	d.inFrag, d.frag = false, d.frag[:0]
}

// end returns the unit under way and starts the next.
func (d *depacketizer) end() accessUnit {
	au := accessUnit{nalus: d.cur, timestamp: d.curTS, whole: !d.curBroken && !d.inFrag && startsPicture(d.cur), afterLoss: d.lost}
	d.lost = false
	if d.inFrag {
		d.inFrag, d.frag = false, d.frag[:0]
	}
	d.cur, d.curBytes, d.open, d.curBroken = nil, 0, false, false
	return au
}

// startsPicture reports whether nalus begins with its picture's first
// slice: first_mb_in_slice, the slice header's first field, is 0, the
// single bit 1 of its exp-Golomb code. A unit whose first packets were lost
// begins at a later slice.
func startsPicture(nalus [][]byte) bool {
	for _, n := range nalus {
		switch h264.TypeOf(n) {
		case h264.NALUTypeIDR, h264.NALUTypeNonIDR:
			return len(n) > 1 && n[1]&0x80 != 0
		}
	}
	return false // no slice: nothing to show
}

// payload reads one RTP payload into the unit under way.
func (d *depacketizer) payload(p []byte) error {
	if len(p) == 0 {
		return fmt.Errorf("%w: empty payload", errPayload)
	}
	if bytes.HasPrefix(p, []byte{0, 0, 1}) || bytes.HasPrefix(p, []byte{0, 0, 0, 1}) {
		return d.add(p) // NAL units in start codes, as some cameras send them
	}
	switch typ := p[0] & 0x1f; typ {
	case stapA:
		return d.aggregate(p[1:])
	case fuA:
		return d.fragment(p)
	case 0, stapB, mtap16, mtap24, fuB, 30, 31:
		return fmt.Errorf("%w: packet type %d (the interleaved mode, or reserved)", errPayload, typ)
	default:
		return d.add(p)
	}
}

// aggregate reads a STAP-A's NAL units, each behind its 16-bit size.
func (d *depacketizer) aggregate(p []byte) error {
	for len(p) > 0 {
		if len(p) < 2 {
			return fmt.Errorf("%w: STAP-A ends inside a size", errPayload)
		}
		size := int(p[0])<<8 | int(p[1])
		p = p[2:]
		if size == 0 || size > len(p) {
			if size == 0 && allZero(p) { // padding
				return nil
			}
			return fmt.Errorf("%w: STAP-A unit of %d bytes in %d", errPayload, size, len(p))
		}
		if err := d.add(p[:size]); err != nil {
			return err
		}
		p = p[size:]
	}
	return nil
}

// fragment reads a FU-A: a NAL unit's start, middle or end.
func (d *depacketizer) fragment(p []byte) error {
	if len(p) < 3 {
		return fmt.Errorf("%w: FU-A of %d bytes", errPayload, len(p))
	}
	start, end := p[1]&0x80 != 0, p[1]&0x40 != 0
	switch {
	case start:
		if d.inFrag { // the previous one's end never came
			d.curBroken = true
		}
		d.frag = append(d.frag[:0], p[0]&0xe0|p[1]&0x1f)
		d.inFrag = true
	case !d.inFrag:
		return fmt.Errorf("%w: FU-A fragment without its start", errPayload)
	}
	if d.curBytes+len(d.frag)+len(p)-2 > maxAccessUnitBytes {
		d.inFrag, d.frag = false, d.frag[:0]
		return fmt.Errorf("%w: access unit over %d bytes", errPayload, maxAccessUnitBytes)
	}
	d.frag = append(d.frag, p[2:]...)
	if !end {
		return nil
	}
	d.inFrag = false
	err := d.add(d.frag)
	d.frag = d.frag[:0]
	return err
}

// add appends a copy of one whole NAL unit (or, from a sender that wraps
// them in start codes, several) to the unit under way.
func (d *depacketizer) add(nalu []byte) error {
	if bytes.HasPrefix(nalu, []byte{0, 0, 1}) || bytes.HasPrefix(nalu, []byte{0, 0, 0, 1}) {
		split, err := h264.SplitAnnexB(nalu)
		if err != nil {
			return fmt.Errorf("%w: %w", errPayload, err)
		}
		for _, n := range split {
			if err := d.add(n); err != nil {
				return err
			}
		}
		return nil
	}
	if len(nalu) == 0 || nalu[0]&0x80 != 0 {
		return fmt.Errorf("%w: NAL unit with its forbidden bit set", errPayload)
	}
	if d.curBytes+len(nalu) > maxAccessUnitBytes || len(d.cur) >= h264.MaxNALUsPerAccessUnit {
		return fmt.Errorf("%w: access unit over %d bytes or %d NAL units", errPayload, maxAccessUnitBytes, h264.MaxNALUsPerAccessUnit)
	}
	d.cur = append(d.cur, bytes.Clone(nalu))
	d.curBytes += len(nalu)
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
