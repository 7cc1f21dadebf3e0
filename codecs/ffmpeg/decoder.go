package ffmpeg

import (
	"errors"
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// pendingLimit bounds how many packets whose pictures have not come out
// yet the decoder remembers, for their Seqs and capture times (only streams
// with reordering hold any back, at most 16 by the H.264 standard's DPB).
const pendingLimit = 64

type decoderConfig struct {
	format media.PixelFormat
	// width, height: the size Frames are scaled to; 0: as decoded.
	width, height int
	threads       int
	frame         bool // frame threads instead of slice threads
	conceal       bool
	square        bool // WithSquarePixels
	deinterlace   Deinterlace
	log           *zerolog.Logger
}

// WithDecoderLogger sends the decoder's FFmpeg log lines (what it says of
// damage, say) to log instead of to SetLogger's.
func WithDecoderLogger(log zerolog.Logger) DecoderOption {
	return func(c *decoderConfig) error { c.log = &log; return nil }
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

// WithOutputSize scales decoded Frames to width x height (both 0, the
// default: the pictures' own size).
func WithOutputSize(width, height int) DecoderOption {
	return func(c *decoderConfig) error {
		if width < 0 || height < 0 || (width == 0) != (height == 0) || width > media.MaxDimension || height > media.MaxDimension {
			return fmt.Errorf("%w: output size %dx%d", ErrBadOption, width, height)
		}
		c.width, c.height = width, height
		return nil
	}
}

// WithSquarePixels makes Frames of pictures whose pixels are not square
// (the aspect an H.264 stream's SPS states: a PAL camera's 720x576 at
// 64:45) square, as players show them (see PixelAspect.SquareSize),
// unless WithOutputSize gives the size. By default they keep the coded
// size.
func WithSquarePixels() DecoderOption {
	return func(c *decoderConfig) error { c.square = true; return nil }
}

// WithDecoderDeinterlace sets which pictures the decoder deinterlaces:
// by default (DeinterlaceAuto) those the stream flags as interlaced (an
// analog camera's encoder coding fields), keeping the field shown first
// and rebuilding the other from it, with no picture held back (see
// Deinterlace).
func WithDecoderDeinterlace(mode Deinterlace) DecoderOption {
	return func(c *decoderConfig) error {
		if err := checkDeinterlace(mode); err != nil {
			return err
		}
		c.deinterlace = mode
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
		c.threads, c.frame = n, false
		return nil
	}
}

// WithFrameThreads makes the decoder decode with n frame threads (0 lets
// FFmpeg choose), several pictures at once, instead of slice threads. Each
// thread holds a picture back: a packet's picture comes out up to n-1
// packets later, and the newest ones only from Flush. That suits decoding a
// whole stored GOP at once (a replay, a recording) on a stream of one slice
// per picture, where slice threads cannot help; a live viewer wants its
// pictures as their packets come, and keeps slice threads. The last option
// of WithDecoderThreads and WithFrameThreads wins.
func WithFrameThreads(n int) DecoderOption {
	return func(c *decoderConfig) error {
		if n < 0 || n > 64 {
			return fmt.Errorf("%w: frame threads %d (want 0..64)", ErrBadOption, n)
		}
		c.threads, c.frame = n, true
		return nil
	}
}

// WithConcealment makes the decoder conceal damage instead of reporting it:
// FFmpeg's error concealment rebuilds a damaged picture from its neighbours
// and the decoder goes on, marking such Frames Concealed. It suits viewers
// who prefer a smeared picture to a frozen one until the next keyframe. By
// default the decoder is strict (see Decoder).
func WithConcealment() DecoderOption {
	return func(c *decoderConfig) error { c.conceal = true; return nil }
}

// Decoder decodes H.264 Packets into Frames with FFmpeg's decoder, tuned for
// live streams: no frame-thread delay, one picture out per access unit.
//
// It is strict about damage. A packet FFmpeg rejects, a picture it had to
// conceal, or a packet that is not valid Annex B gives an error wrapping
// codecs.ErrCorrupt and no Frame, and breaks the chain. It follows the chain
// rule of media.Chain: at the start, after damage, after a hole in Seq or a
// new Epoch it waits for a keyframe, and deltas in between give an error
// wrapping codecs.ErrNeedKeyframe, because their pictures would be built on a
// broken or missing reference; a packet it already has gives
// codecs.ErrDuplicate. The next keyframe and its GOP decode normally. A
// start at a recovery point (an intra-refresh or open-GOP camera's
// keyframe, see h264.AccessOf) is decoded without failing at the first
// inconsistency, until the next fresh start, since its pictures may unref
// pictures from before it: damage there is a picture FFmpeg had to
// conceal. With WithConcealment, damage FFmpeg can conceal is not an
// error: the picture comes out marked Concealed.
//
// A stream with reordering holds pictures back; Flush returns them (at the
// end of a stream), and a new Epoch's keyframe drains the old stream's first.
// Pictures come out in presentation order and are numbered in it with the
// Seqs of the packets fed: with B-frames, packets 0 1 2 3 in decode order
// give pictures 0 1 2 3 in presentation order, not the packets' own 0 2 3 1
// (see frameOrder). Each keyframe's picture has its packet's Seq.
//
// Its Frames are read-only FFmpeg pictures that outlive the Decoder;
// releasing each one when done lets the decoder reuse its memory (see the
// package's Ownership).
//
// It is not safe for concurrent use. Close frees its FFmpeg objects.
type Decoder struct {
	codec *astiav.Codec
	cfg   decoderConfig
	ctx   *astiav.CodecContext
	// logs is where ctx's log lines go; logAt is ctx's address there.
	logs  contextLog
	logAt uintptr
	pkt   *astiav.Packet
	frame *astiav.Frame
	scale *scaler
	buf   []byte
	// smear: concealing, which pictures carry a concealed one's smear.
	smear smear
	deint deinterlacer

	chain    media.Chain
	epoch    uint64 // the Epoch of the pictures the decoder holds
	recovery recoveryStart
	held     bool // packets were sent since the last drain
	order    frameOrder
}

var (
	_ codecs.Decoder   = (*Decoder)(nil)
	_ codecs.Flusher   = (*Decoder)(nil)
	_ codecs.Discarder = (*Decoder)(nil)
)

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
	d := &Decoder{codec: codec, cfg: cfg, deint: deinterlacer{mode: cfg.deinterlace}}
	if cfg.log != nil {
		d.logs.set(*cfg.log)
	}
	var err error
	if d.scale, err = newScaler(cfg.width, cfg.height, cfg.format); err != nil {
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

// errDetect is the decoder's err_detect option. Strict (conceal unset), it
// reports damage instead of concealing it: "explode" makes the decoder fail
// a slice on the first inconsistency it detects. Else it detects damage,
// flags the pictures, and conceals it (ec's default).
func errDetect(conceal bool) string {
	if conceal {
		return "crccheck+bitstream+buffer"
	}
	return "crccheck+bitstream+buffer+explode"
}

// open makes and opens a fresh decoder context, replacing any old one. A
// start at a recovery point later makes it lenient until the next open
// (recoveryStart.startsLenient).
func (d *Decoder) open() error {
	if err := d.openContext(errDetect(d.cfg.conceal)); err != nil {
		return err
	}
	d.recovery.reset()
	return nil
}

// openContext makes and opens a fresh decoder context with the err_detect
// option detect, replacing any old one.
func (d *Decoder) openContext(detect string) error {
	if d.ctx != nil {
		d.ctx.Free()
		d.logs.unbind(d.logAt)
	}
	if d.ctx = astiav.AllocCodecContext(d.codec); d.ctx == nil {
		return errors.New("ffmpeg: allocating h264 decoder context failed")
	}
	d.logAt = d.logs.bind(d.ctx)
	d.ctx.SetThreadCount(d.cfg.threads)
	if d.cfg.frame {
		// FFmpeg runs no frame threads on a low-delay context.
		d.ctx.SetThreadType(astiav.ThreadTypeFrame)
	} else {
		d.ctx.SetThreadType(astiav.ThreadTypeSlice)
		d.ctx.SetFlags(d.ctx.Flags().Add(astiav.CodecContextFlagLowDelay))
	}
	dict := astiav.NewDictionary()
	defer dict.Free()
	if err := dict.Set("err_detect", detect, 0); err != nil {
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
	switch l := d.chain.Check(p); {
	case l == media.LinkDuplicate:
		return nil, fmt.Errorf("%w: seq %d", codecs.ErrDuplicate, p.Seq)
	case l.NeedsKeyframe():
		d.chain.Take(p)
		return nil, fmt.Errorf("%w: seq %d (%v)", codecs.ErrNeedKeyframe, p.Seq, l)
	}
	var out []*media.Frame
	if p.Epoch != d.epoch {
		// The old stream's held-back pictures come out before the new one.
		var err error
		if out, err = d.drain(keep); err != nil {
			return out, err
		}
		d.epoch = p.Epoch
	}
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		return out, d.fail(p, err)
	}
	d.chain.Take(p)
	if d.recovery.feed(p, nalus) {
		return out, nil // a leading picture of the GOP before the recovery point
	}
	if d.recovery.startsLenient() && !d.cfg.conceal {
		// The context has decoded nothing yet: a lenient one replaces it.
		if err := d.openContext(errDetect(true)); err != nil {
			return out, err
		}
	}
	d.buf = append(append(d.buf[:0], p.Data...), zeroPadding[:]...)
	if err := d.pkt.FromData(d.buf); err != nil {
		return out, fmt.Errorf("ffmpeg: packet buffer: %w", err)
	}
	d.pkt.SetSize(len(p.Data))
	d.pkt.SetPts(int64(p.Seq))
	if p.Key {
		d.pkt.SetFlags(d.pkt.Flags().Add(astiav.PacketFlagKey))
	}
	err = d.ctx.SendPacket(d.pkt)
	d.pkt.Unref()
	if err != nil {
		return out, d.fail(p, err)
	}
	d.held = true
	d.order.fed(p.Seq, p.Key, p.CaptureTime)
	out, err = d.receive(out, keep)
	if err != nil {
		return out, d.fail(p, err)
	}
	return out, nil
}

// receive appends the pictures the decoder has ready to out, converted when
// keep is set and dropped otherwise.
func (d *Decoder) receive(out []*media.Frame, keep bool) ([]*media.Frame, error) {
	for {
		err := d.ctx.ReceiveFrame(d.frame)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		concealed := frameCorrupt(d.frame)
		if concealed && !d.cfg.conceal {
			d.frame.Unref()
			return out, errors.New("picture was concealed")
		}
		if d.cfg.conceal {
			concealed = d.smear.picture(concealed, d.frame.KeyFrame())
		}
		if d.recovery.firstPicture() && d.frame.Pts() >= 0 {
			d.order.clearBefore(uint64(d.frame.Pts())) // their pictures were not shown
		}
		seq, capture := d.order.picture(d.frame.Pts())
		if !keep {
			d.frame.Unref()
			continue
		}
		if err := d.deinterlace(); err != nil {
			d.frame.Unref()
			return out, err
		}
		aspect := aspectOf(d.frame.SampleAspectRatio())
		if d.cfg.square && d.cfg.width == 0 {
			d.scale.makeSquare(d.frame, aspect)
		}
		f, err := d.scale.convert(d.frame, aspect)
		d.frame.Unref()
		if err != nil {
			return out, err
		}
		f.Seq, f.CaptureTime, f.Concealed = seq, capture, concealed
		out = append(out, f)
	}
}

// Flush returns the pictures the decoder holds back (a stream with
// reordering holds some until later packets come), in presentation order:
// call it at the end of a stream, or before a restart of it. The decoder
// then waits for a keyframe, as at the start.
func (d *Decoder) Flush() ([]*media.Frame, error) {
	if d.ctx == nil {
		return nil, codecs.ErrClosed
	}
	out, err := d.drain(true)
	d.chain = media.Chain{}
	return out, err
}

// drain sends the decoder end of stream, collects what it held back, and
// opens a fresh context for what follows.
func (d *Decoder) drain(keep bool) ([]*media.Frame, error) {
	if !d.held {
		return nil, nil
	}
	d.held = false
	var out []*media.Frame
	err := d.ctx.SendPacket(nil)
	if err == nil {
		out, err = d.receive(nil, keep)
	}
	d.order.reset()
	if oerr := d.open(); oerr != nil {
		return out, errors.Join(err, oerr)
	}
	if err != nil {
		return out, fmt.Errorf("%w: draining: %w", codecs.ErrCorrupt, err)
	}
	return out, nil
}

// fail drops the decoder's state after damage so that the next keyframe
// starts clean, and returns the error the caller sees.
func (d *Decoder) fail(p *media.Packet, cause error) error {
	d.chain.Break()
	d.held = false
	d.order.reset()
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
		d.logs.unbind(d.logAt)
	}
	if d.scale != nil {
		d.scale.close()
		d.scale = nil
	}
	return nil
}

// deinterlace deinterlaces the decoded picture in d.frame as
// WithDecoderDeinterlace asks, and says once in the log that the stream
// is deinterlaced, or that its pixel format cannot be (High 10 coded in
// fields).
func (d *Decoder) deinterlace() error {
	before := d.deint.Pictures
	unsupported, err := d.deint.picture(d.frame)
	log := d.cfg.log
	switch {
	case log == nil:
	case unsupported && d.deint.Unsupported == 1:
		log.Warn().Str("pixel_format", d.frame.PixelFormat().String()).
			Msg("the stream's pictures are interlaced, but only pictures of 8-bit samples are deinterlaced: these go on with both fields woven")
	case before == 0 && d.deint.Pictures == 1 && d.deint.Fields == "":
		log.Info().Msg("deinterlacing every picture (deinterlace=all), keeping the top field and rebuilding the other from it")
	case before == 0 && d.deint.Pictures == 1:
		log.Info().Str("fields", d.deint.Fields).Msg("the stream is interlaced: deinterlacing its pictures, keeping the first field " +
			"and rebuilding the other from it (deinterlace=off keeps both fields woven)")
	}
	return err
}
