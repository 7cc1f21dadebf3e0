package ffmpeg

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
)

// slicedPictures returns the NAL units of x264enc tune=zerolatency's
// first three pictures at 160x120, two slices each: AUD SPS PPS SEI IDR
// IDR, then AUD P P twice.
func slicedPictures(t *testing.T) [][]byte {
	t.Helper()
	b, err := os.ReadFile("../h264/testdata/x264_160x120_slices.h264")
	if err != nil {
		t.Fatal(err)
	}
	n, err := h264.SplitAnnexB(b)
	if err != nil || len(n) != 12 {
		t.Fatalf("%d NAL units, %v", len(n), err)
	}
	return n
}

// sent returns the packets FFmpeg's parser makes of the pictures as
// rtph264pay config-interval=-1 sends them: each keyframe cut in two at the
// SPS and PPS in front of its second slice. The first packet has no
// timestamp, as the parser gives it none.
func sent(n [][]byte, cutKeyframe bool) []joinPacket {
	aud, sps, pps, sei, idr0, idr1 := n[0], n[1], n[2], n[3], n[4], n[5]
	key := astiav.PacketFlags(astiav.PacketFlagKey)
	var ps []joinPacket
	if cutKeyframe {
		ps = append(ps,
			joinPacket{data: h264.JoinAnnexB([][]byte{aud, sps, pps, sei, sps, pps, idr0}), pts: astiav.NoPtsValue, dts: astiav.NoPtsValue, flags: key},
			joinPacket{data: h264.JoinAnnexB([][]byte{sps, pps, idr1}), pts: 0, dts: 0, flags: key})
	} else {
		ps = append(ps, joinPacket{data: h264.JoinAnnexB([][]byte{aud, sps, pps, sei, idr0, idr1}), flags: key})
	}
	return append(ps,
		joinPacket{data: h264.JoinAnnexB(n[6:9]), pts: 3000, dts: 3000},
		joinPacket{data: h264.JoinAnnexB(n[9:12]), pts: 6000, dts: 6000})
}

// out pushes ps through j and returns what came out after each.
func out(j *pictureJoin, ps []joinPacket) [][]joinPacket {
	var got [][]joinPacket
	for _, p := range ps {
		j.push(p)
		var now []joinPacket
		for p, ok := j.pop(); ok; p, ok = j.pop() {
			now = append(now, p)
		}
		got = append(got, now)
	}
	return got
}

func TestPictureJoinMendsACutKeyframeAndHoldsTheNextOnes(t *testing.T) {
	n := slicedPictures(t)
	var j pictureJoin
	got := out(&j, sent(n, true))
	if len(got[0]) != 0 || len(got[1]) != 0 {
		t.Fatalf("the parts of a keyframe came out before the next picture: %d, %d", len(got[0]), len(got[1]))
	}
	if len(got[2]) != 2 || len(got[3]) != 1 {
		t.Fatalf("after the first P picture %d packets came out, after the second %d; want 2 and 1", len(got[2]), len(got[3]))
	}
	key := got[2][0]
	want := h264.JoinAnnexB([][]byte{n[0], n[1], n[2], n[3], n[4], n[5]})
	if !bytes.Equal(key.bytes(), want) {
		t.Error("the joined keyframe is not the encoder's access unit")
	}
	if key.pts != 0 || key.dts != 0 || !key.flags.Has(astiav.PacketFlagKey) {
		t.Errorf("joined keyframe pts %d dts %d flags %v, want 0, 0 and key", key.pts, key.dts, key.flags)
	}
	if got[2][1].pts != 3000 || !bytes.Equal(got[2][1].bytes(), h264.JoinAnnexB(n[6:9])) {
		t.Error("the P picture after the keyframe changed")
	}
	// The stream cuts its keyframes: the next one is held, and joined.
	got = out(&j, sent(n, true)[:2])
	if len(got[0]) != 0 || len(got[1]) != 0 {
		t.Fatal("a later cut keyframe was not held")
	}
	j.flush()
	if p, ok := j.pop(); !ok || !bytes.Equal(p.bytes(), want) {
		t.Fatal("flush did not let the held keyframe out whole")
	}
}

func TestPictureJoinHoldsOnlyTheFirstKeyframeOfAStreamThatDoesNotCutThem(t *testing.T) {
	n := slicedPictures(t)
	var j pictureJoin
	got := out(&j, sent(n, false))
	if len(got[0]) != 0 || len(got[1]) != 2 {
		t.Fatalf("first keyframe: %d out, then %d; want 0 and 2", len(got[0]), len(got[1]))
	}
	got = out(&j, sent(n, false))
	if len(got[0]) != 1 || !got[0][0].flags.Has(astiav.PacketFlagKey) {
		t.Fatal("a later keyframe of a stream that does not cut them was held")
	}
	if got[0][0].data == nil {
		t.Error("an access unit with nothing to change was rewritten")
	}
}

func TestPictureJoinDropsRepeatedParameterSets(t *testing.T) {
	n := slicedPictures(t)
	var j pictureJoin
	j.push(joinPacket{data: h264.JoinAnnexB([][]byte{n[0], n[1], n[2], n[1], n[2], n[4], n[5]}), flags: astiav.PacketFlags(astiav.PacketFlagKey)})
	j.flush()
	p, ok := j.pop()
	if want := h264.JoinAnnexB([][]byte{n[0], n[1], n[2], n[4], n[5]}); !ok || !bytes.Equal(p.bytes(), want) {
		t.Fatal("SPS and PPS sent twice were not kept once")
	}
}

func TestPictureJoinKeepsApartWhatIsNotOnePicture(t *testing.T) {
	n := slicedPictures(t)
	ps := sent(n, true)
	ps[0].pts, ps[1].pts = 90000, 93000 // another picture's time
	var j pictureJoin
	got := out(&j, ps[:2])
	if len(got[0]) != 0 || len(got[1]) != 2 || got[1][0].pts != 90000 || got[1][1].pts != 93000 {
		t.Fatalf("%d and %d out, want both parts apart at the second", len(got[0]), len(got[1]))
	}
	notAnnexB := []byte{1, 2, 3}
	j.push(joinPacket{data: notAnnexB, pts: 96000})
	p, ok := j.pop()
	if !ok || !bytes.Equal(p.bytes(), notAnnexB) {
		t.Fatal("bytes that are not Annex B did not pass as they are")
	}
	if _, ok := j.pop(); ok {
		t.Fatal("more came out than went in")
	}
	if !slices.Equal(ps[1].data, h264.JoinAnnexB([][]byte{n[1], n[2], n[5]})) {
		t.Fatal("push modified a packet")
	}
}
