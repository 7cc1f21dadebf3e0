package ffmpeg

import (
	"testing"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

var (
	pal169 = media.PixelAspect{Width: 64, Height: 45}
	bt709  = media.Colour{Primaries: media.ColourBT709, Transfer: media.ColourBT709, Matrix: media.ColourBT709, Range: media.RangeLimited}
)

// spsOf returns the SPS in front of a keyframe, or nil when it has none.
func spsOf(t *testing.T, p *media.Packet) *h264.SPS {
	t.Helper()
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nalus {
		if len(n) > 0 && h264.NALUType(n[0]&0x1f) == h264.NALUTypeSPS {
			sps, err := h264.ParseSPS(n)
			if err != nil {
				t.Fatal(err)
			}
			return sps
		}
	}
	return nil
}

// vuiSays returns what an SPS says of its pictures, as a Frame would.
func vuiSays(sps *h264.SPS) (media.PixelAspect, media.Colour) {
	v := sps.VUI
	if v == nil {
		return media.PixelAspect{}, media.Colour{}
	}
	a := media.PixelAspect{Width: int(v.SARWidth), Height: int(v.SARHeight)}.Reduced()
	var c media.Colour
	if v.ColourDescription {
		code := func(x uint8) uint8 {
			if x == 2 {
				return 0
			}
			return x
		}
		c = media.Colour{Primaries: code(v.ColourPrimaries), Transfer: code(v.TransferCharacteristics), Matrix: code(v.MatrixCoefficients), Range: media.RangeLimited}
		if v.VideoFullRange {
			c.Range = media.RangeFull
		}
	}
	return a, c
}

func describedFrames(t *testing.T, n int, a media.PixelAspect, c media.Colour) []*media.Frame {
	t.Helper()
	p := pattern(t, 160, 120)
	frames := make([]*media.Frame, n)
	for i := range frames {
		frames[i] = p.Frame(uint64(i)).Clone()
		frames[i].Aspect, frames[i].Colour = a, c
	}
	return frames
}

// The encoder writes what its Frames say of their pixels' shape and their
// colours into its stream's VUI, which a decoder reads back onto its
// Frames; Frames that say nothing make a stream that says nothing.
func TestEncoderWritesWhatFramesSay(t *testing.T) {
	for _, c := range []struct {
		name   string
		aspect media.PixelAspect
		colour media.Colour
	}{
		{"nothing", media.PixelAspect{}, media.Colour{}},
		{"PAL 16:9 BT.709", pal169, bt709},
		{"aspect alone", media.PixelAspect{Width: 128, Height: 90}, media.Colour{}},
		{"JPEG's matrix made video range", media.PixelAspect{Width: 1, Height: 1}, media.Colour{Matrix: media.ColourBT470BG, Range: media.RangeLimited}},
	} {
		t.Run(c.name, func(t *testing.T) {
			frames := describedFrames(t, 3, c.aspect, c.colour)
			for _, opts := range [][]EncoderOption{nil, {WithDescriptionOf(frames[0])}} {
				e := mustEncoder(t, 160, 120, opts...)
				d := mustDecoder(t)
				for i, f := range frames {
					p, err := e.Encode(f)
					if err != nil {
						t.Fatal(err)
					}
					if i == 0 {
						a, col := vuiSays(spsOf(t, p))
						if a != c.aspect.Reduced() || col != c.colour {
							t.Errorf("%d options: the SPS says %v, %v; want %v, %v", len(opts), a, col, c.aspect.Reduced(), c.colour)
						}
					}
					if p.Key != (i == 0) {
						t.Errorf("%d options: packet %d key %v", len(opts), i, p.Key)
					}
					out := decodeOne(t, d, p)
					if out.Aspect != c.aspect.Reduced() || out.Colour != c.colour {
						t.Errorf("%d options: decoded picture %d says %v, %v; want %v, %v", len(opts), i, out.Aspect, out.Colour, c.aspect.Reduced(), c.colour)
					}
					out.Release()
				}
			}
		})
	}
}

// A description that changes mid-stream is written from the next
// keyframe on, the GOP's own or a forced one: no keyframe is added for it.
func TestEncoderDescribesAgainAtTheNextKeyframe(t *testing.T) {
	const gop = 6
	first := describedFrames(t, 3, pal169, bt709)
	then := describedFrames(t, 2*gop, media.PixelAspect{Width: 1, Height: 1}, media.Colour{Matrix: media.ColourSMPTE170M, Range: media.RangeLimited})
	frames := append(first, then...)
	e := mustEncoder(t, 160, 120, WithGOP(gop))
	var keys []int
	for i, f := range frames {
		if i == gop+2 {
			e.ForceKeyframe()
		}
		p, err := e.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Key {
			continue
		}
		keys = append(keys, i)
		a, c := vuiSays(spsOf(t, p))
		want := frames[i]
		if a != want.Aspect || c != want.Colour {
			t.Errorf("keyframe %d's SPS says %v, %v; want %v, %v", i, a, c, want.Aspect, want.Colour)
		}
	}
	if want := []int{0, gop, gop + 2, 2*gop + 2}; !equalInts(keys, want) {
		t.Errorf("keyframes %v, want %v", keys, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
