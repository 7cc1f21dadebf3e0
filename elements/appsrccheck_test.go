package elements

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// FuzzAppSrcPacketCheck feeds the AppSrc's check of pushed packets any
// bytes: it never panics, never changes what it was given, and what it
// takes is H.264 whose Key says whether a decoder can start there, a
// keyframe carrying its parameter sets.
func FuzzAppSrcPacketCheck(f *testing.F) {
	if idr, err := os.ReadFile("../codecs/h264/testdata/x264_320x240_idr.h264"); err == nil {
		f.Add(idr, false)
		f.Add(idr, true)
	}
	f.Add([]byte{0, 0, 0, 1, 0x65, 0x88, 0x84}, true)                    // an IDR slice without parameter sets
	f.Add([]byte{0, 0, 1, 0x41, 0x9a, 0x02}, false)                      // a delta
	f.Add([]byte{0, 0, 0, 1, 0x67, 0x42, 0, 0x1e, 0, 0, 1, 0x68}, false) // SPS and PPS alone
	f.Add([]byte{0, 0, 0, 5, 0x65, 0x88, 0x84, 0, 0}, false)             // AVCC
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, key bool) {
		var c appPackets
		in := &media.Packet{Data: data, Key: key}
		before := bytes.Clone(data)
		out, err := c.check(in, now)
		if !bytes.Equal(data, before) || in.Seq != 0 || !in.CaptureTime.IsZero() {
			t.Fatal("check changed the pushed packet")
		}
		if err != nil {
			return
		}
		nalus, serr := h264.SplitAnnexB(out.Data)
		if serr != nil || out.Codec != media.H264 || out.Key != h264.IsRandomAccess(nalus) || (key && !out.Key) {
			t.Fatalf("took %+v (split: %v), pushed Key %v", out, serr, key)
		}
		if out.Key {
			var sps, pps bool
			for _, n := range nalus {
				sps = sps || h264.TypeOf(n) == h264.NALUTypeSPS
				pps = pps || h264.TypeOf(n) == h264.NALUTypePPS
			}
			if !sps || !pps {
				t.Fatalf("a keyframe taken without its parameter sets: SPS %v, PPS %v", sps, pps)
			}
		}
		c.took(out)
	})
}

// A packet refused (here its time goes back) commits nothing: the SPS and
// PPS it carried are not put in front of later keyframes.
func TestARefusedPacketLeavesTheParameterSetsAsTheyWere(t *testing.T) {
	small := encodedPackets(t, 64, 48, 1, 10)[0]
	large := encodedPackets(t, 128, 96, 1, 10)[0]
	var c appPackets
	now := time.Unix(1_700_000_000, 0)
	first, err := c.check(&media.Packet{Data: small.Data, CaptureTime: now}, now)
	if err != nil {
		t.Fatal(err)
	}
	c.took(first)
	if _, err := c.check(&media.Packet{Data: large.Data, CaptureTime: now.Add(-time.Second)}, now); !errors.Is(err, ErrAppRefused) {
		t.Fatalf("a packet whose time goes back: %v, want ErrAppRefused", err)
	}
	next, err := c.check(&media.Packet{Data: withoutParamSets(t, small.Data), CaptureTime: now.Add(time.Second)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if next.Width != 64 || next.Height != 48 {
		t.Fatalf("a keyframe after a refused packet's SPS was given a %dx%d SPS, want the stream's 64x48", next.Width, next.Height)
	}
}
