package ffmpeg

import (
	"errors"
	"testing"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

func TestEncodeDecodeKeepsPictureAndStructure(t *testing.T) {
	for _, size := range [][2]int{{320, 240}, {640, 480}} {
		w, h := size[0], size[1]
		p := pattern(t, w, h)
		const n, gop = 75, 30
		pkts := encodeClip(t, p, n, WithGOP(gop))
		d := mustDecoder(t)
		epoch := pkts[0].Epoch
		var sum float64
		for i, pkt := range pkts {
			if err := pkt.Validate(); err != nil {
				t.Fatalf("%dx%d packet %d: %v", w, h, i, err)
			}
			if pkt.Seq != uint64(i) || pkt.Epoch != epoch || pkt.Width != w || pkt.Height != h {
				t.Fatalf("%dx%d packet %d: seq %d epoch %x size %dx%d", w, h, i, pkt.Seq, pkt.Epoch, pkt.Width, pkt.Height)
			}
			if wantKey := i%gop == 0; pkt.Key != wantKey {
				t.Fatalf("%dx%d packet %d: key %v, want %v", w, h, i, pkt.Key, wantKey)
			}
			if want := uint64(i - i%gop); pkt.GOP != want {
				t.Fatalf("%dx%d packet %d: GOP %d, want %d", w, h, i, pkt.GOP, want)
			}
			checkAccessUnit(t, pkt)
			got := decodeOne(t, d, pkt)
			psnr := lumaPSNR(t, p.Frame(uint64(i)), got)
			if psnr < 35 {
				t.Errorf("%dx%d frame %d: luma PSNR %.2f dB < 35", w, h, i, psnr)
			}
			sum += media.CapPSNR(psnr)
		}
		t.Logf("%dx%d: mean luma PSNR %.2f dB", w, h, sum/n)
	}
}

// checkAccessUnit asserts one access unit: slices of one picture, an IDR
// exactly on keyframes, and SPS and PPS in front of every IDR.
func checkAccessUnit(t *testing.T, pkt *media.Packet) {
	t.Helper()
	nalus, err := h264.SplitAnnexB(pkt.Data)
	if err != nil {
		t.Fatalf("packet %d is not Annex B: %v", pkt.Seq, err)
	}
	if h264.IsRandomAccess(nalus) != pkt.Key {
		t.Fatalf("packet %d: Key %v but IsRandomAccess %v", pkt.Seq, pkt.Key, !pkt.Key)
	}
	var sps, pps, idr, slices int
	for _, n := range nalus {
		switch h264.TypeOf(n) {
		case h264.NALUTypeSPS:
			sps++
			s, err := h264.ParseSPS(n)
			if err != nil || s.Width() != pkt.Width || s.Height() != pkt.Height {
				t.Fatalf("packet %d: SPS %v says %dx%d", pkt.Seq, err, s.Width(), s.Height())
			}
		case h264.NALUTypePPS:
			pps++
		case h264.NALUTypeIDR:
			idr++
			if sps == 0 || pps == 0 {
				t.Fatalf("packet %d: IDR slice before SPS/PPS", pkt.Seq)
			}
		case h264.NALUTypeNonIDR:
			slices++
		}
	}
	if pkt.Key && (sps == 0 || pps == 0 || idr == 0) {
		t.Fatalf("packet %d: keyframe with %d SPS, %d PPS, %d IDR slices", pkt.Seq, sps, pps, idr)
	}
	if !pkt.Key && (slices == 0 || idr != 0) {
		t.Fatalf("packet %d: delta with %d slices, %d IDR slices", pkt.Seq, slices, idr)
	}
}

func TestForceKeyframeMakesNextFrameIDR(t *testing.T) {
	p := pattern(t, 320, 240)
	e := mustEncoder(t, 320, 240, WithGOP(30))
	var keys []uint64
	for i := range uint64(80) {
		if i == 10 || i == 11 {
			e.ForceKeyframe()
		}
		pkt, err := e.Encode(p.Frame(i))
		if err != nil {
			t.Fatal(err)
		}
		if pkt.Key {
			keys = append(keys, i)
		}
		checkAccessUnit(t, pkt)
	}
	// The GOP counts on from the last forced IDR: 0, 10, 11, then 41, 71.
	want := []uint64{0, 10, 11, 41, 71}
	if len(keys) != len(want) {
		t.Fatalf("keyframes at %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("keyframes at %v, want %v", keys, want)
		}
	}
}

func TestEncoderSettingsTakeEffect(t *testing.T) {
	p := pattern(t, 320, 240)
	size := func(opts ...EncoderOption) int {
		n := 0
		for _, pkt := range encodeClip(t, p, 30, opts...) {
			n += len(pkt.Data)
		}
		return n
	}
	if hi, lo := size(WithCRF(18)), size(WithCRF(35)); hi <= lo {
		t.Errorf("crf 18 gave %d bytes, crf 35 %d: higher quality should cost more", hi, lo)
	}
	low := size(WithBitrate(100_000), WithGOP(30))
	high := size(WithBitrate(2_000_000), WithGOP(30))
	if low >= high {
		t.Errorf("100 kbit/s gave %d bytes, 2 Mbit/s %d", low, high)
	}
	if size(WithPreset("ultrafast"), WithTune("film")) == 0 {
		t.Error("no output with preset ultrafast, tune film")
	}
}

func TestEncoderRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		w, h int
		opt  EncoderOption
		want error
	}{
		{"odd width", 321, 240, nil, media.ErrInvalidSize},
		{"zero height", 320, 0, nil, media.ErrInvalidSize},
		{"gop 0", 320, 240, WithGOP(0), ErrBadOption},
		{"crf 60", 320, 240, WithCRF(60), ErrBadOption},
		{"preset", 320, 240, WithPreset("quick"), ErrBadOption},
		{"tune", 320, 240, WithTune("cartoon"), ErrBadOption},
	} {
		opts := []EncoderOption{}
		if c.opt != nil {
			opts = append(opts, c.opt)
		}
		if _, err := NewH264Encoder(c.w, c.h, opts...); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	e := mustEncoder(t, 320, 240)
	if _, err := e.Encode(pattern(t, 640, 480).Frame(0)); !errors.Is(err, codecs.ErrFrameMismatch) {
		t.Errorf("wrong size frame: %v", err)
	}
	rgb, err := pattern(t, 320, 240).Frame(0).Convert(media.RGB24)
	if err != nil {
		t.Fatal(err)
	}
	if pkt, err := e.Encode(rgb); err != nil || !pkt.Key {
		t.Errorf("RGB24 frame: %v", err)
	}
	e.Close()
	if _, err := e.Encode(rgb); !errors.Is(err, codecs.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestEncodeDoesNotKeepOrChangeTheFrame(t *testing.T) {
	p := pattern(t, 320, 240)
	e := mustEncoder(t, 320, 240)
	f := p.Frame(3)
	before := f.Clone()
	if _, err := e.Encode(f); err != nil {
		t.Fatal(err)
	}
	if string(f.AppendPacked(nil)) != string(before.AppendPacked(nil)) {
		t.Error("Encode changed its input frame")
	}
}
