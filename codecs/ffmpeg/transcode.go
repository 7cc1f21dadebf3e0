package ffmpeg

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/media"
)

// Transcoder turns one stream's pictures coded in a codec gopline does not
// carry (H.265, VP9, AV1, VP8) into H.264: what a bag from a robot whose
// camera encodes H.265 (a Jetson's hevc_nvenc) holds. It decodes with
// FFmpeg and encodes with an H264Encoder opened at the first picture's size
// (again at each change of size), an IDR where the stream has a keyframe
// and at least every GOP frames.
//
// Pictures go in in decode order, numbered from 0; H.264 pictures come out
// in presentation order, one for each picture shown, each with the number
// of the picture it comes from as its Seq and that picture's capture time.
// A number that never comes out is a picture left out: one before the
// first keyframe, a damaged one, or one after damage up to the next
// keyframe (its references are gone).
//
// It is not safe for concurrent use. Close frees its FFmpeg objects.
type Transcoder struct {
	name  string // the codec, as named to NewTranscoder
	codec *astiav.Codec
	ctx   *astiav.CodecContext
	logs  contextLog
	logAt uintptr
	pkt   *astiav.Packet
	frame *astiav.Frame
	buf   []byte

	scale   *scaler
	enc     *H264Encoder
	encOpts []EncoderOption
	// times are the capture times of the last pictures sent, by number
	// (modulo its length: more than the deepest reordering).
	times   [64]time.Time
	n       uint64 // pictures sent
	waitKey bool   // pictures are left out up to the next keyframe
}

// maxTranscodePixels bounds the pictures a Transcoder decodes: what a
// hostile stream's parameter sets make the decoder allocate.
const maxTranscodePixels = media.MaxDimension * media.MaxDimension

// NewTranscoder opens a Transcoder of the codec named as a robot's bag
// names it ("h265", "hevc", "hevc_nvenc", "libx265", "vp9", "vp8", "av1";
// or any decoder's name in FFmpeg), encoding with opts. It returns an
// error wrapping ErrCodecNotFound for a codec FFmpeg has no decoder of.
func NewTranscoder(codec string, opts ...EncoderOption) (*Transcoder, error) {
	dec := transcodeDecoder(codec)
	if dec == nil {
		return nil, fmt.Errorf("%w: a decoder of %q", ErrCodecNotFound, codec)
	}
	// The options are checked now, not at the first picture.
	if _, err := encoderConfigOf(opts); err != nil {
		return nil, err
	}
	t := &Transcoder{name: codec, codec: dec, encOpts: opts, waitKey: true}
	if err := t.open(); err != nil {
		t.Close()
		return nil, err
	}
	t.pkt = astiav.AllocPacket()
	t.frame = astiav.AllocFrame()
	return t, nil
}

// transcodeDecoder returns FFmpeg's decoder of a codec so named, or nil.
func transcodeDecoder(name string) *astiav.Codec {
	n := strings.ToLower(name)
	var names []string
	switch {
	case strings.Contains(n, "265"), strings.Contains(n, "hevc"):
		names = []string{"hevc"}
	case strings.Contains(n, "vp9"):
		names = []string{"vp9"}
	case strings.Contains(n, "vp8"):
		names = []string{"vp8"}
	case strings.Contains(n, "av1"):
		names = []string{"libdav1d", "libaom-av1"} // FFmpeg 5.1's own av1 decodes on hardware only
	default:
		names = []string{n}
	}
	for _, name := range names {
		if c := astiav.FindDecoderByName(name); c != nil {
			return c
		}
	}
	return nil
}

// open makes and opens a fresh decoder context, replacing any old one:
// after damage it forgets the damaged pictures.
func (t *Transcoder) open() error {
	if t.ctx != nil {
		t.ctx.Free()
		t.logs.unbind(t.logAt)
	}
	if t.ctx = astiav.AllocCodecContext(t.codec); t.ctx == nil {
		return fmt.Errorf("ffmpeg: allocating %s decoder context failed", t.codec.Name())
	}
	t.logAt = t.logs.bind(t.ctx)
	t.ctx.SetThreadType(astiav.ThreadTypeSlice) // frame threads report damage pictures late
	t.ctx.SetThreadCount(0)
	dict := astiav.NewDictionary()
	defer dict.Free()
	for k, v := range map[string]string{"err_detect": errDetect(false), "max_pixels": fmt.Sprint(maxTranscodePixels)} {
		if err := dict.Set(k, v, 0); err != nil {
			return fmt.Errorf("ffmpeg: %s decoder option %s: %w", t.codec.Name(), k, err)
		}
	}
	if err := t.ctx.Open(t.codec, dict); err != nil {
		return fmt.Errorf("ffmpeg: opening %s decoder: %w", t.codec.Name(), err)
	}
	t.waitKey = true
	return nil
}

// Transcode decodes one picture's packet, captured at capture, and returns
// the H.264 pictures ready (see Transcoder). A damaged packet returns an
// error wrapping codecs.ErrCorrupt, perhaps with pictures before it; the
// Transcoder stays usable, the next pictures left out up to a keyframe.
// One that does not decode while they wait (it needs the pictures before
// the first keyframe) returns one wrapping codecs.ErrNeedKeyframe.
func (t *Transcoder) Transcode(data []byte, capture time.Time) ([]*media.Packet, error) {
	if t.ctx == nil {
		return nil, codecs.ErrClosed
	}
	n := t.n
	t.n++
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: %s picture %d is empty", codecs.ErrCorrupt, t.name, n)
	}
	t.times[n%uint64(len(t.times))] = capture
	t.buf = append(append(t.buf[:0], data...), zeroPadding[:]...)
	if err := t.pkt.FromData(t.buf); err != nil {
		return nil, fmt.Errorf("ffmpeg: packet buffer: %w", err)
	}
	t.pkt.SetSize(len(data))
	t.pkt.SetPts(int64(n))
	err := t.ctx.SendPacket(t.pkt)
	t.pkt.Unref()
	if err != nil {
		return nil, t.fail(n, len(data), err)
	}
	out, err := t.receive(nil)
	if err != nil {
		return out, t.fail(n, len(data), err)
	}
	return out, nil
}

// Flush returns the pictures the decoder holds back (a stream with
// B-frames holds some until later packets come): call it at the end of
// the stream. The Transcoder then waits for a keyframe, as at the start.
func (t *Transcoder) Flush() ([]*media.Packet, error) {
	if t.ctx == nil {
		return nil, codecs.ErrClosed
	}
	var out []*media.Packet
	err := t.ctx.SendPacket(nil)
	if err == nil {
		out, err = t.receive(nil)
	}
	if oerr := t.open(); oerr != nil {
		return out, errors.Join(err, oerr)
	}
	if err != nil {
		return out, fmt.Errorf("%w: %s: draining: %w", codecs.ErrCorrupt, t.name, err)
	}
	return out, nil
}

// receive encodes the pictures the decoder has ready and appends them to
// out.
func (t *Transcoder) receive(out []*media.Packet) ([]*media.Packet, error) {
	for {
		err := t.ctx.ReceiveFrame(t.frame)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if frameCorrupt(t.frame) {
			t.frame.Unref()
			return out, errors.New("picture was concealed")
		}
		key := t.frame.KeyFrame()
		if t.waitKey && !key {
			t.frame.Unref()
			continue
		}
		t.waitKey = false
		p, err := t.encode(t.frame, key)
		t.frame.Unref()
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
}

// encode turns a decoded picture into an H.264 one, the encoder (re)opened
// at its size, scaled to the even size below an odd one.
func (t *Transcoder) encode(src *astiav.Frame, key bool) (*media.Packet, error) {
	w, h := src.Width()&^1, src.Height()&^1
	reopen := t.enc == nil || t.enc.width != w || t.enc.height != h
	if reopen {
		if t.enc != nil {
			t.enc.Close()
			t.enc = nil
		}
		if t.scale != nil {
			t.scale.close()
		}
		var err error
		if t.scale, err = newScaler(w, h, media.YUV420P); err != nil {
			return nil, err
		}
	}
	n := uint64(src.Pts()) // the number Transcode gave its packet
	f, err := t.scale.convert(src, aspectOf(src.SampleAspectRatio()))
	if err != nil {
		return nil, err
	}
	defer f.Release()
	if reopen {
		// Opened for the picture, so that its stream states its aspect
		// and colours from the start.
		if t.enc, err = NewH264Encoder(w, h, append(slices.Clip(t.encOpts), WithDescriptionOf(f))...); err != nil {
			return nil, err
		}
	}
	f.CaptureTime = t.times[n%uint64(len(t.times))]
	if key {
		t.enc.ForceKeyframe()
	}
	p, err := t.enc.Encode(f)
	if err != nil {
		return nil, err
	}
	p.Seq = n
	return p, nil
}

// fail starts the decoder afresh after damage in picture n, and returns
// the error the caller sees: one wrapping codecs.ErrNeedKeyframe while
// the pictures wait for a keyframe (at the start a picture that needs the
// ones before it fails to decode), else codecs.ErrCorrupt.
func (t *Transcoder) fail(n uint64, size int, cause error) error {
	kind := codecs.ErrCorrupt
	if t.waitKey {
		kind = codecs.ErrNeedKeyframe
	}
	err := fmt.Errorf("%w: %s picture %d (%d bytes): %w", kind, t.name, n, size, cause)
	if oerr := t.open(); oerr != nil {
		return errors.Join(err, oerr)
	}
	return err
}

// Close frees the Transcoder.
func (t *Transcoder) Close() error {
	if t.frame != nil {
		t.frame.Free()
		t.frame = nil
	}
	if t.pkt != nil {
		t.pkt.Free()
		t.pkt = nil
	}
	if t.ctx != nil {
		t.ctx.Free()
		t.ctx = nil
		t.logs.unbind(t.logAt)
	}
	if t.scale != nil {
		t.scale.close()
		t.scale = nil
	}
	if t.enc != nil {
		t.enc.Close()
		t.enc = nil
	}
	return nil
}
