package elements

import (
	"bytes"
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
