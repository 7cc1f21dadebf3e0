package ffmpeg

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// corruption damages a copy of a packet.
type corruption struct {
	name string
	// keyOnly damages only keyframes, and only matters to a decoder that
	// has not seen the stream before.
	keyOnly bool
	apply   func(p *media.Packet, rng *rand.Rand) *media.Packet
}

var corruptions = []corruption{
	{"truncate to half", false, func(p *media.Packet, _ *rand.Rand) *media.Packet {
		c := p.Clone()
		c.Data = c.Data[:len(c.Data)/2]
		return c
	}},
	{"truncate to the headers", false, func(p *media.Packet, _ *rand.Rand) *media.Packet {
		c := p.Clone()
		c.Data = c.Data[:min(len(c.Data), 12)]
		return c
	}},
	{"flip bits in the slice data", false, func(p *media.Packet, rng *rand.Rand) *media.Packet {
		c := p.Clone()
		start := lastSliceStart(c.Data) + 8
		for range 16 {
			i := start + rng.IntN(len(c.Data)-start)
			c.Data[i] ^= 1 << rng.IntN(8)
		}
		return c
	}},
	{"random bytes", false, func(p *media.Packet, rng *rand.Rand) *media.Packet {
		c := p.Clone()
		for i := range c.Data {
			c.Data[i] = byte(rng.Uint32())
		}
		return c
	}},
	{"random bytes behind a start code", false, func(p *media.Packet, rng *rand.Rand) *media.Packet {
		c := p.Clone()
		for i := 4; i < len(c.Data); i++ {
			c.Data[i] = byte(rng.Uint32())
		}
		c.Data[0], c.Data[1], c.Data[2], c.Data[3] = 0, 0, 0, 1
		return c
	}},
	{"drop the SPS", true, func(p *media.Packet, _ *rand.Rand) *media.Packet {
		c := p.Clone()
		nalus, _ := h264.SplitAnnexB(c.Data)
		var keep [][]byte
		for _, n := range nalus {
			if h264.TypeOf(n) != h264.NALUTypeSPS {
				keep = append(keep, n)
			}
		}
		c.Data = h264.JoinAnnexB(keep)
		return c
	}},
	{"empty", false, func(p *media.Packet, _ *rand.Rand) *media.Packet {
		c := p.Clone()
		c.Data = nil
		return c
	}},
}

// lastSliceStart returns the offset of the last NAL unit (a slice) in an
// Annex B access unit.
func lastSliceStart(b []byte) int {
	i := bytes.LastIndex(b, []byte{0, 0, 1})
	return i + 3
}

// TestDecoderRecoversFromCorruptPackets damages one packet of the second GOP,
// a keyframe or a delta, and checks the typed errors and that the third GOP
// decodes to the right pictures.
func TestDecoderRecoversFromCorruptPackets(t *testing.T) {
	const gop = 10
	p := pattern(t, 320, 240)
	pkts := encodeClip(t, p, 3*gop, WithGOP(gop))
	for _, c := range corruptions {
		for _, at := range []int{gop, gop + 4} { // the keyframe, a delta
			if c.keyOnly && at != gop {
				continue
			}
			t.Run(c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(at), 7))
				d := mustDecoder(t)
				if !c.keyOnly {
					for _, pkt := range pkts[:gop] {
						decodeOne(t, d, pkt)
					}
				}
				for _, pkt := range pkts[gop:at] {
					decodeOne(t, d, pkt)
				}
				bad := c.apply(pkts[at], rng)
				before := bad.Clone()
				frames, err := d.Decode(bad)
				if !errors.Is(err, codecs.ErrCorrupt) || len(frames) != 0 {
					t.Fatalf("damaged packet %d: %d pictures, error %v; want ErrCorrupt", at, len(frames), err)
				}
				if !bytes.Equal(bad.Data, before.Data) {
					t.Fatal("the decoder wrote to its input")
				}
				for _, pkt := range pkts[at+1 : 2*gop] {
					if _, err := d.Decode(pkt); !errors.Is(err, codecs.ErrNeedKeyframe) {
						t.Fatalf("delta %d after damage: %v, want ErrNeedKeyframe", pkt.Seq, err)
					}
				}
				for _, pkt := range pkts[2*gop:] {
					got := decodeOne(t, d, pkt)
					if psnr := lumaPSNR(t, p.Frame(pkt.Seq), got); psnr < 35 {
						t.Fatalf("frame %d after recovery: PSNR %.1f dB", pkt.Seq, psnr)
					}
				}
			})
		}
	}
}

func TestDecoderWaitsForKeyframeAtStartAndAfterHoles(t *testing.T) {
	const gop = 10
	p := pattern(t, 320, 240)
	pkts := encodeClip(t, p, 3*gop, WithGOP(gop))
	d := mustDecoder(t)
	if _, err := d.Decode(pkts[3]); !errors.Is(err, codecs.ErrNeedKeyframe) {
		t.Fatalf("delta first: %v", err)
	}
	for _, pkt := range pkts[gop : gop+3] {
		decodeOne(t, d, pkt)
	}
	// A hole: packet gop+3 is lost.
	if _, err := d.Decode(pkts[gop+4]); !errors.Is(err, codecs.ErrNeedKeyframe) {
		t.Fatalf("after a hole: %v", err)
	}
	decodeOne(t, d, pkts[2*gop])
	// A new epoch: another encoder's delta.
	other := encodeClip(t, p, 2)
	if _, err := d.Decode(other[1]); !errors.Is(err, codecs.ErrNeedKeyframe) {
		t.Fatalf("new epoch: %v", err)
	}
	if _, err := d.Decode(&media.Packet{Codec: media.JPEG, Data: []byte{0xff, 0xd8}, Key: true}); !errors.Is(err, codecs.ErrWrongCodec) {
		t.Fatalf("jpeg packet: %v", err)
	}
}

func TestDecoderOutputFormats(t *testing.T) {
	p := pattern(t, 320, 240)
	pkts := encodeClip(t, p, 1)
	for _, f := range []media.PixelFormat{media.RGB24, media.GRAY8} {
		d := mustDecoder(t, WithOutputFormat(f))
		got := decodeOne(t, d, pkts[0])
		want, err := p.Frame(0).Convert(f)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format != f {
			t.Fatalf("format %v, want %v", got.Format, f)
		}
		if psnr, _ := media.PlanePSNR(want, got, 0); psnr < 30 {
			t.Errorf("%v output: PSNR %.1f dB", f, psnr)
		}
	}
}

func FuzzDecode(f *testing.F) {
	p := pattern(f, 64, 48)
	e := mustEncoder(f, 64, 48, WithGOP(4))
	var pkts []*media.Packet
	for i := range uint64(4) {
		pkt, err := e.Encode(p.Frame(i))
		if err != nil {
			f.Fatal(err)
		}
		pkts = append(pkts, pkt)
		f.Add(pkt.Data, pkt.Key)
	}
	f.Add([]byte{0, 0, 1}, true)
	f.Add([]byte{0, 0, 0, 1, 0x65}, true)
	f.Fuzz(func(t *testing.T, data []byte, key bool) {
		d := mustDecoder(t)
		decodeOne(t, d, pkts[0])
		if _, err := d.Decode(&media.Packet{Codec: media.H264, Data: data, Key: key, Seq: 1, Epoch: pkts[0].Epoch, Width: 64, Height: 48}); err != nil &&
			!errors.Is(err, codecs.ErrCorrupt) && !errors.Is(err, codecs.ErrNeedKeyframe) {
			t.Fatalf("untyped error: %v", err)
		}
		// Whatever came before, the next keyframe decodes.
		next := *pkts[0]
		next.Seq = 9
		decodeOne(t, d, &next)
	})
}

// Decoding the older packets of a GOP with DecodeDiscard leaves the decoder
// where Decode would: the next picture is the same.
func TestDecodeDiscardKeepsTheReferences(t *testing.T) {
	const gop = 10
	p := pattern(t, 320, 240)
	pkts := encodeClip(t, p, gop, WithGOP(gop))
	full, skip := mustDecoder(t), mustDecoder(t)
	var want *media.Frame
	for i, pkt := range pkts {
		want = decodeOne(t, full, pkt)
		if i < gop-1 {
			if err := skip.DecodeDiscard(pkt); err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
		}
	}
	got := decodeOne(t, skip, pkts[gop-1])
	if !bytes.Equal(got.Planes[0], want.Planes[0]) || got.Seq != want.Seq {
		t.Fatal("the picture after DecodeDiscard differs from a full decode's")
	}
	// The chain went on through the discarded packets: an old one is a
	// duplicate (media.Chain), not a packet to decode again.
	if _, err := skip.Decode(pkts[3]); !errors.Is(err, codecs.ErrDuplicate) {
		t.Fatalf("DecodeDiscard does not keep the Seq chain: %v", err)
	}
}

// With concealment a damaged delta gives a picture marked Concealed where
// the strict decoder gives ErrCorrupt, and the pictures after it come out
// too, instead of nothing until the next keyframe, marked Concealed as
// well: they are predicted from the smeared one.
func TestConcealingDecoderMarksConcealedPictures(t *testing.T) {
	const gop = 30
	p := pattern(t, 320, 240)
	pkts := encodeClip(t, p, gop, WithGOP(gop))
	truncate := corruptions[0]
	bad := truncate.apply(pkts[4], nil)
	strict, soft := mustDecoder(t), mustDecoder(t, WithConcealment())
	for _, pkt := range pkts[:4] {
		decodeOne(t, strict, pkt)
		if f := decodeOne(t, soft, pkt); f.Concealed {
			t.Fatalf("picture %d of an intact packet marked concealed", pkt.Seq)
		}
	}
	if _, err := strict.Decode(bad); !errors.Is(err, codecs.ErrCorrupt) {
		t.Fatalf("strict decoder: %v, want ErrCorrupt", err)
	}
	got := decodeOne(t, soft, bad)
	if !got.Concealed {
		t.Fatal("the picture of a damaged packet is not marked concealed")
	}
	for _, pkt := range pkts[5:] {
		if _, err := strict.Decode(pkt); !errors.Is(err, codecs.ErrNeedKeyframe) {
			t.Fatalf("strict decoder after damage, delta %d: %v", pkt.Seq, err)
		}
		if f := decodeOne(t, soft, pkt); !f.Concealed {
			t.Fatalf("picture %d, predicted from the concealed one, is not marked concealed", pkt.Seq)
		}
	}
}

// Frame threads hold pictures back; with Flush every packet's picture comes
// out, in order, and the same as a one-thread decoder's.
func TestFrameThreadsGiveEveryPictureWithFlush(t *testing.T) {
	const gop = 12
	pkts := encodeClip(t, pattern(t, 320, 240), gop, WithGOP(gop))
	one, threaded := mustDecoder(t), mustDecoder(t, WithFrameThreads(3))
	var got []*media.Frame
	for _, pkt := range pkts {
		frames, err := threaded.Decode(pkt)
		if err != nil {
			t.Fatalf("seq %d: %v", pkt.Seq, err)
		}
		got = append(got, frames...)
	}
	rest, err := threaded.Flush()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, rest...)
	if len(got) != gop {
		t.Fatalf("%d pictures out of %d packets", len(got), gop)
	}
	for i, pkt := range pkts {
		want := decodeOne(t, one, pkt)
		if got[i].Seq != pkt.Seq || !bytes.Equal(got[i].Planes[0], want.Planes[0]) {
			t.Fatalf("picture %d (Seq %d) differs from the one-thread decoder's picture of Seq %d", i, got[i].Seq, pkt.Seq)
		}
	}
	if _, err := NewH264Decoder(WithFrameThreads(65)); !errors.Is(err, ErrBadOption) {
		t.Fatalf("65 frame threads: %v, want ErrBadOption", err)
	}
}
