package ffmpeg

import (
	"errors"
	"fmt"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// pendingLimit bounds how many capture times the decoder remembers for
// packets whose pictures have not come out yet (only streams with
// reordering hold any back).
const pendingLimit = 64

type decoderConfig struct {
	format  media.PixelFormat
	threads int
}

// DecoderOption configures a Decoder.
type DecoderOption func(*decoderConfig) error

// WithOutputFormat sets the pixel format of decoded Frames (YUV420P by
// default); pictures in other layouts are converted with swscale.
func WithOutputFormat(p media.PixelFormat) DecoderOption {
	return func(c *decoderConfig) error {
		if !p.Valid() {
			return fmt.Errorf("%w: output format %v", ErrBadOption, p)
		}
		c.format = p
		return nil
	}
}

// WithDecoderThreads sets the slice-thread count (default 1). Only slice
// threads are used, since frame threads would hold pictures back. Above 1 the
// decoder is faster on streams with several slices per picture but, in FFmpeg
// 5.1, damage inside a slice decoded by a worker thread is concealed without
// being reported: the caller may get a smeared picture instead of
// codecs.ErrCorrupt. 0 lets FFmpeg choose.
func WithDecoderThreads(n int) DecoderOption {
	return func(c *decoderConfig) error {
		if n < 0 || n > 64 {
			return fmt.Errorf("%w: threads %d (want 0..64)", ErrBadOption, n)
		}
		c.threads = n
		return nil
	}
}

// Decoder decodes H.264 Packets into Frames with FFmpeg's decoder, tuned for
// live streams: no frame-thread delay, one picture out per access unit.
//
// It is strict about damage. A packet FFmpeg rejects, a picture it had to
// conceal, or a packet that is not valid Annex B gives an error wrapping
// codecs.ErrCorrupt and no Frame. After such an error, after a hole in Seq,
// after a new Epoch, and at the start, the decoder waits for a keyframe:
// deltas in between give an error wrapping codecs.ErrNeedKeyframe, because
// their pictures would be built on a broken or missing reference. The next
// keyframe and its GOP decode normally.
//
// It is not safe for concurrent use. Close frees its FFmpeg objects.
type Decoder struct {
	codec   *astiav.Codec
	threads int
	format  media.PixelFormat
	ctx     *astiav.CodecContext
	pkt     *astiav.Packet
	frame   *astiav.Frame
	scale   *scaler
	buf     []byte

	needKey   bool
	started   bool
	lastSeq   uint64
	lastEpoch uint64
	capture   map[int64]time.Time
}

var _ codecs.Decoder = (*Decoder)(nil)

// NewH264Decoder opens an H.264 decoder.
func NewH264Decoder(opts ...DecoderOption) (*Decoder, error) {
	cfg := decoderConfig{format: media.YUV420P, threads: 1}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	codec := astiav.FindDecoder(astiav.CodecIDH264)
	if codec == nil {
		return nil, fmt.Errorf("%w: h264 decoder", ErrCodecNotFound)
	}
	d := &Decoder{codec: codec, threads: cfg.threads, format: cfg.format, needKey: true, capture: make(map[int64]time.Time)}
	var err error
	if d.scale, err = newScaler(0, 0, cfg.format); err != nil {
		return nil, err
	}
	if err := d.open(); err != nil {
		d.Close()
		return nil, err
	}
	d.pkt = astiav.AllocPacket()
	d.frame = astiav.AllocFrame()
	return d, nil
}

// open makes and opens a fresh decoder context, replacing any old one.
func (d *Decoder) open() error {
	if d.ctx != nil {
		d.ctx.Free()
	}
	if d.ctx = astiav.AllocCodecContext(d.codec); d.ctx == nil {
		return errors.New("ffmpeg: allocating h264 decoder context failed")
	}
	d.ctx.SetThreadType(astiav.ThreadTypeSlice)
	d.ctx.SetThreadCount(d.threads)
	d.ctx.SetFlags(d.ctx.Flags().Add(astiav.CodecContextFlagLowDelay))
	dict := astiav.NewDictionary()
	defer dict.Free()
	// Report damage instead of concealing it: "explode" makes the decoder
	// fail a slice on the first inconsistency it detects.
	if err := dict.Set("err_detect", "crccheck+bitstream+buffer+explode", 0); err != nil {
		return fmt.Errorf("ffmpeg: decoder option: %w", err)
	}
	if err := d.ctx.Open(d.codec, dict); err != nil {
		return fmt.Errorf("ffmpeg: opening h264 decoder: %w", err)
	}
	return nil
}

// Decode decodes one access unit. See Decoder for the errors it returns;
// after any of them the decoder stays usable.
func (d *Decoder) Decode(p *media.Packet) ([]*media.Frame, error) { return d.decode(p, true) }

// DecodeDiscard decodes one access unit for its effect on the decoder's
// state (the reference pictures the next packets need) and discards the
// pictures it yields without converting them: what a viewer does with the
// older pictures of a replayed GOP. Its errors are Decode's.
func (d *Decoder) DecodeDiscard(p *media.Packet) error {
	_, err := d.decode(p, false)
	return err
}

func (d *Decoder) decode(p *media.Packet, keep bool) ([]*media.Frame, error) {
	if d.ctx == nil {
		return nil, codecs.ErrClosed
	}
	if p.Codec != media.H264 {
		return nil, fmt.Errorf("%w: %v packet to the h264 decoder", codecs.ErrWrongCodec, p.Codec)
	}
	if d.started && (p.Epoch != d.lastEpoch || p.Seq != d.lastSeq+1) {
		d.needKey = true
	}
	d.started, d.lastSeq, d.lastEpoch = true, p.Seq, p.Epoch
	if d.needKey && !p.Key {
		return nil, fmt.Errorf("%w: seq %d", codecs.ErrNeedKeyframe, p.Seq)
	}
	if _, err := h264.SplitAnnexB(p.Data); err != nil {
		return nil, d.fail(p, err)
	}
	if p.Key {
		d.needKey = false
	}
	d.buf = append(append(d.buf[:0], p.Data...), zeroPadding[:]...)
	if err := d.pkt.FromData(d.buf); err != nil {
		return nil, fmt.Errorf("ffmpeg: packet buffer: %w", err)
	}
	d.pkt.SetSize(len(p.Data))
	d.pkt.SetPts(int64(p.Seq))
	if p.Key {
		d.pkt.SetFlags(d.pkt.Flags().Add(astiav.PacketFlagKey))
	}
	err := d.ctx.SendPacket(d.pkt)
	d.pkt.Unref()
	if err != nil {
		return nil, d.fail(p, err)
	}
	if len(d.capture) < pendingLimit {
		d.capture[int64(p.Seq)] = p.CaptureTime
	}
	var out []*media.Frame
	for {
		err := d.ctx.ReceiveFrame(d.frame)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return nil, d.fail(p, err)
		}
		if frameCorrupt(d.frame) {
			d.frame.Unref()
			return nil, d.fail(p, errors.New("picture was concealed"))
		}
		pts := d.frame.Pts()
		if !keep {
			d.frame.Unref()
			delete(d.capture, pts)
			continue
		}
		f, err := d.scale.convert(d.frame)
		d.frame.Unref()
		if err != nil {
			return nil, err
		}
		f.Seq = uint64(pts)
		f.CaptureTime = d.capture[pts]
		delete(d.capture, pts)
		out = append(out, f)
	}
	return out, nil
}

// fail drops the decoder's state after damage so that the next keyframe
// starts clean, and returns the error the caller sees.
func (d *Decoder) fail(p *media.Packet, cause error) error {
	d.needKey = true
	clear(d.capture)
	err := fmt.Errorf("%w: seq %d (%d bytes): %w", codecs.ErrCorrupt, p.Seq, len(p.Data), cause)
	// A fresh context forgets every reference picture of the damaged
	// stream; it costs far less than a GOP of smeared pictures.
	if oerr := d.open(); oerr != nil {
		return errors.Join(err, oerr)
	}
	return err
}

// Close frees the decoder.
func (d *Decoder) Close() error {
	if d.frame != nil {
		d.frame.Free()
		d.frame = nil
	}
	if d.pkt != nil {
		d.pkt.Free()
		d.pkt = nil
	}
	if d.ctx != nil {
		d.ctx.Free()
		d.ctx = nil
	}
	if d.scale != nil {
		d.scale.close()
		d.scale = nil
	}
	return nil
}
