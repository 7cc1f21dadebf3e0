package rtsp

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/pion/rtp"
)

// The made-up stream of depacketize_test as whole units: a keyframe
// without its parameter sets, which the session description gave, then
// deltas.
func TestPacketMakerWaitsForAKeyframeAfterAUnitLeftOut(t *testing.T) {
	var st Stats
	m := newPacketMaker(&st, sps, pps)
	units := []struct {
		au   accessUnit
		want string // "key", "delta" or "" (left out)
	}{
		{accessUnit{nalus: [][]byte{pFirst}, whole: true}, ""}, // before the first keyframe
		{accessUnit{nalus: [][]byte{idrFirst}, whole: true}, "key"},
		{accessUnit{nalus: [][]byte{pFirst}, whole: true}, "delta"},
		{accessUnit{nalus: [][]byte{pFirst}, whole: false}, ""}, // lost packets
		{accessUnit{nalus: [][]byte{pFirst}, whole: true}, ""},  // built on the one left out
		{accessUnit{nalus: [][]byte{sps, pps, idrFirst}, whole: true}, "key"},
		{accessUnit{nalus: [][]byte{pFirst}, whole: true}, "delta"},
		{accessUnit{nalus: [][]byte{pFirst}, whole: true, afterLoss: true}, ""}, // whole, but after pictures lost
		{accessUnit{nalus: [][]byte{idrFirst}, whole: true, afterLoss: true}, "key"},
	}
	var seqs []uint64
	for i, u := range units {
		p, _ := m.packet(u.au, int64(i)*3000)
		got := ""
		if p != nil {
			got = map[bool]string{true: "key", false: "delta"}[p.Key]
			seqs = append(seqs, p.Seq)
		}
		if got != u.want {
			t.Fatalf("unit %d: %q, want %q", i, got, u.want)
		}
		if p != nil && p.Key {
			nalus, err := h264.SplitAnnexB(p.Data)
			if err != nil || len(nalus) != 3 || !bytes.Equal(nalus[0], sps) || !bytes.Equal(nalus[1], pps) {
				t.Fatalf("keyframe %d: % x (%v); want SPS and PPS in front", i, nalus, err)
			}
		}
	}
	if st != (Stats{BeforeKeyframe: 1, Damaged: 3}) {
		t.Fatalf("stats %+v; want 1 before the keyframe, 3 damaged", st)
	}
	if len(seqs) != 5 || seqs[4] != 4 {
		t.Fatalf("seqs %v: want 0 to 4, no hole", seqs)
	}
}

// A keyframe whose parameter sets never came (none in band, none in the
// session description) decodes nowhere: it is left out, not handed on.
func TestPacketMakerLeavesOutAKeyframeWithoutParameterSets(t *testing.T) {
	var st Stats
	m := newPacketMaker(&st, nil, nil)
	if p, _ := m.packet(accessUnit{nalus: [][]byte{idrFirst}, whole: true}, 0); p != nil {
		t.Fatal("handed on a keyframe without parameter sets")
	}
	if st.BeforeKeyframe != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// The watch for parameter sets counts whole keyframes only: one the
// network broke says nothing of the sender, and must not spend the watch's
// one error.
func TestReaderWatchesWholeKeyframesForParameterSets(t *testing.T) {
	r := newReader("rtp://127.0.0.1:5000", defaultConfig())
	r.maker = newPacketMaker(&r.stats, nil, nil)
	for i, unit := range [][]byte{idrFirst, idrFirst, idrLater, idrFirst} {
		r.take(received{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * 3600), Marker: true},
			Payload: unit}, at: time.Now()})
		if failed := r.failed != nil; failed != (i == 3) {
			t.Fatalf("after unit %d: failed %v (%v)", i, failed, r.failed)
		}
	}
}
