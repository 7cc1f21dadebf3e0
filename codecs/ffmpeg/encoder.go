package ffmpeg

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/asticode/go-astiav"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/media"
)

// Encoder defaults: fast enough for several 640x480 streams on one core,
// and a quality (CRF 23, libx264's own default) that keeps luma PSNR above
// 35 dB on camera pictures.
const (
	DefaultPreset    = "veryfast"
	DefaultCRF       = 23
	DefaultGOP       = 30
	DefaultFrameRate = 30
)

// MaxGOP bounds the GOP length: ten seconds at 30 fps. A late joiner without
// the durable cache waits up to a GOP for a picture; longer GOPs only save
// bytes on static scenes.
const MaxGOP = 300

type encoderConfig struct {
	preset  string
	tune    string
	crf     int
	bitrate int64
	gop     int
	fps     int
	threads int
	params  string
	log     *zerolog.Logger
	desc    streamDescription
}

// EncoderOption configures an H264Encoder.
type EncoderOption func(*encoderConfig) error

// WithEncoderLogger sends the encoder's FFmpeg log lines (libx264's) to
// log instead of to SetLogger's.
func WithEncoderLogger(log zerolog.Logger) EncoderOption {
	return func(c *encoderConfig) error { c.log = &log; return nil }
}

// WithDescriptionOf makes the stream state f's pixel aspect and colour
// description (see H264Encoder) from its first picture on: give the first
// Frame to be encoded, so that the encoder need not open again for it.
func WithDescriptionOf(f *media.Frame) EncoderOption {
	return func(c *encoderConfig) error { c.desc = describedBy(f); return nil }
}

// WithPreset sets libx264's speed preset (ultrafast ... placebo).
func WithPreset(preset string) EncoderOption {
	return func(c *encoderConfig) error {
		switch preset {
		case "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo":
			c.preset = preset
			return nil
		}
		return fmt.Errorf("%w: preset %q (want ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow or placebo)", ErrBadOption, preset)
	}
}

// WithTune adds a libx264 tune (film, animation, grain, stillimage, psnr,
// ssim, fastdecode) to zerolatency, which is always on: it is what gives one
// access unit per frame with no delay.
func WithTune(tune string) EncoderOption {
	return func(c *encoderConfig) error {
		switch tune {
		case "", "zerolatency":
			c.tune = ""
		case "film", "animation", "grain", "stillimage", "psnr", "ssim", "fastdecode":
			c.tune = tune
		default:
			return fmt.Errorf("%w: tune %q (want film, animation, grain, stillimage, psnr, ssim or fastdecode)", ErrBadOption, tune)
		}
		return nil
	}
}

// WithCRF sets constant-rate-factor quality (0 lossless ... 51 worst); it
// turns off a bitrate set before it.
func WithCRF(crf int) EncoderOption {
	return func(c *encoderConfig) error {
		if crf < 0 || crf > 51 {
			return fmt.Errorf("%w: crf %d (want 0..51)", ErrBadOption, crf)
		}
		c.crf, c.bitrate = crf, 0
		return nil
	}
}

// WithBitrate sets an average bitrate in bits per second instead of CRF,
// with a VBV buffer of one second so the rate holds over short windows.
func WithBitrate(bitsPerSecond int64) EncoderOption {
	return func(c *encoderConfig) error {
		if bitsPerSecond < 10_000 || bitsPerSecond > 1_000_000_000 {
			return fmt.Errorf("%w: bitrate %d (want 10000..1000000000 bit/s)", ErrBadOption, bitsPerSecond)
		}
		c.bitrate = bitsPerSecond
		return nil
	}
}

// WithGOP sets the keyframe interval in frames (1..MaxGOP): an IDR every gop
// frames, counted from the last IDR (forced ones included).
func WithGOP(gop int) EncoderOption {
	return func(c *encoderConfig) error {
		if gop < 1 || gop > MaxGOP {
			return fmt.Errorf("%w: gop %d (want 1..%d)", ErrBadOption, gop, MaxGOP)
		}
		c.gop = gop
		return nil
	}
}

// WithFrameRate sets the nominal frame rate, which rate control uses to
// spread a bitrate over frames.
func WithFrameRate(fps int) EncoderOption {
	return func(c *encoderConfig) error {
		if fps < 1 || fps > 1000 {
			return fmt.Errorf("%w: frame rate %d (want 1..1000)", ErrBadOption, fps)
		}
		c.fps = fps
		return nil
	}
}

// WithThreads sets libx264's thread count; 0 (the default) lets it choose.
// Threads work on slices of one frame, so they add no delay.
func WithThreads(n int) EncoderOption {
	return func(c *encoderConfig) error {
		if n < 0 || n > 64 {
			return fmt.Errorf("%w: threads %d (want 0..64)", ErrBadOption, n)
		}
		c.threads = n
		return nil
	}
}

// WithX264Params passes extra libx264 parameters ("key=value:key=value").
// gopline's own settings (no B-frames, no lookahead, fixed GOP) are applied
// after them and win.
func WithX264Params(params string) EncoderOption {
	return func(c *encoderConfig) error { c.params = params; return nil }
}

// H264Encoder encodes YUV420P frames (RGB24 and GRAY8 are converted first)
// with libx264 into H.264 access units for live streaming: exactly one
// Packet per Frame, in order; no B-frames; SPS and PPS in front of every IDR;
// an IDR every GOP frames and on ForceKeyframe.
//
// The stream's VUI states what the Frames say of their pictures, as
// ffmpeg's libx264 encoder and gst's x264enc do: the pixel aspect
// (Frame.Aspect), so that players show pictures of pixels that are not
// square in their shape, and the colour description (Frame.Colour), so
// that they show BT.709 SD or BT.601 HD pictures in their colours. Frames
// that say nothing make a stream that says nothing. When the Frames come
// to say something else, the stream says it from its next IDR on (the
// GOP's own or a forced one, by a new libx264 context; no IDR is added
// for it), so that a description that flickers costs no keyframe; the
// new context's rate control starts afresh there (with a bitrate, its
// first GOP is sized without the history of the ones before).
//
// It is not safe for concurrent use. Close frees its FFmpeg objects.
type H264Encoder struct {
	width, height int
	gop           int
	epoch         uint64
	seq           uint64
	gopStart      uint64
	forceKey      bool
	turns         schedTurns

	codec *astiav.Codec
	cfg   encoderConfig
	// desc is what the stream says of its pictures (see H264Encoder).
	desc  streamDescription
	ctx   *astiav.CodecContext
	frame *astiav.Frame // a copy of a Go-memory picture goes here
	ref   *astiav.Frame // a reference to a Frame's FFmpeg picture, for one Encode
	pkt   *astiav.Packet

	// logs is where ctx's log lines go; logAt is ctx's address there.
	logs  contextLog
	logAt uintptr
}

var _ codecs.Encoder = (*H264Encoder)(nil)

// encoderConfigOf returns the defaults with opts applied.
func encoderConfigOf(opts []EncoderOption) (encoderConfig, error) {
	cfg := encoderConfig{preset: DefaultPreset, crf: DefaultCRF, gop: DefaultGOP, fps: DefaultFrameRate}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// NewH264Encoder opens a libx264 encoder for width x height pictures. Both
// must be even (4:2:0 chroma) and at most media.MaxDimension.
func NewH264Encoder(width, height int, opts ...EncoderOption) (*H264Encoder, error) {
	cfg, err := encoderConfigOf(opts)
	if err != nil {
		return nil, err
	}
	if width <= 0 || height <= 0 || width > media.MaxDimension || height > media.MaxDimension || width%2 != 0 || height%2 != 0 {
		return nil, fmt.Errorf("%w: H.264 4:2:0 needs even sizes from 2 to %d, got %dx%d", media.ErrInvalidSize, media.MaxDimension, width, height)
	}
	codec := astiav.FindEncoderByName("libx264")
	if codec == nil {
		return nil, fmt.Errorf("%w: libx264", ErrCodecNotFound)
	}
	e := &H264Encoder{width: width, height: height, gop: cfg.gop, epoch: media.NewEpoch(), codec: codec, cfg: cfg, desc: cfg.desc}
	if cfg.log != nil {
		e.logs.set(*cfg.log)
	}
	if e.ctx, e.logAt, err = e.openContext(cfg.desc); err != nil {
		e.Close()
		return nil, err
	}

	e.frame = astiav.AllocFrame()
	e.frame.SetWidth(width)
	e.frame.SetHeight(height)
	e.frame.SetPixelFormat(astiav.PixelFormatYuv420P)
	if err := e.frame.AllocBuffer(0); err != nil {
		e.Close()
		return nil, fmt.Errorf("ffmpeg: allocating encoder frame: %w", err)
	}
	e.ref = astiav.AllocFrame()
	e.pkt = astiav.AllocPacket()
	return e, nil
}

// openContext opens a libx264 context of the encoder's settings that
// writes d into its stream's VUI, and returns it with its address in
// e.logs.
func (e *H264Encoder) openContext(d streamDescription) (*astiav.CodecContext, uintptr, error) {
	cfg := e.cfg
	ctx := astiav.AllocCodecContext(e.codec)
	if ctx == nil {
		return nil, 0, errors.New("ffmpeg: allocating libx264 context failed")
	}
	at := e.logs.bind(ctx)
	fail := func(err error) (*astiav.CodecContext, uintptr, error) {
		ctx.Free()
		e.logs.unbind(at)
		return nil, 0, err
	}
	ctx.SetWidth(e.width)
	ctx.SetHeight(e.height)
	ctx.SetPixelFormat(astiav.PixelFormatYuv420P)
	ctx.SetTimeBase(astiav.NewRational(1, cfg.fps))
	ctx.SetFramerate(astiav.NewRational(cfg.fps, 1))
	ctx.SetGopSize(cfg.gop)
	ctx.SetThreadCount(cfg.threads)
	if cfg.bitrate > 0 {
		ctx.SetBitRate(cfg.bitrate)
	}
	if d.aspect.Known() {
		ctx.SetSampleAspectRatio(astiav.NewRational(d.aspect.Width, d.aspect.Height))
	}

	dict := astiav.NewDictionary()
	defer dict.Free()
	tune := "zerolatency"
	if cfg.tune != "" {
		tune = cfg.tune + ",zerolatency"
	}
	// keyint_min = GOP and scenecut=0 keep IDRs exactly GOP apart; bf=0 and
	// no lookahead give one access unit per frame; forced-idr makes a forced
	// keyframe an IDR; repeat-headers puts SPS/PPS before every IDR.
	params := strings.Trim(cfg.params+":scenecut=0:repeat-headers=1:rc-lookahead=0:sync-lookahead=0", ":")
	set := d.options()
	for k, v := range map[string]string{
		"preset":      cfg.preset,
		"tune":        tune,
		"bf":          "0",
		"g":           strconv.Itoa(cfg.gop),
		"keyint_min":  strconv.Itoa(cfg.gop),
		"forced-idr":  "1",
		"x264-params": params,
	} {
		set[k] = v
	}
	if cfg.bitrate == 0 {
		set["crf"] = strconv.Itoa(cfg.crf)
	} else {
		set["maxrate"] = strconv.FormatInt(cfg.bitrate, 10)
		set["bufsize"] = strconv.FormatInt(cfg.bitrate, 10)
	}
	for k, v := range set {
		if err := dict.Set(k, v, 0); err != nil {
			return fail(fmt.Errorf("ffmpeg: libx264 option %s=%s: %w", k, v, err))
		}
	}
	if err := ctx.Open(e.codec, dict); err != nil {
		return fail(fmt.Errorf("ffmpeg: opening libx264 %dx%d preset %s: %w", e.width, e.height, cfg.preset, err))
	}
	return ctx, at, nil
}

// describe makes the stream say d from f on, by a new libx264 context:
// its first picture is an IDR, which the caller would have made anyway.
// When the new context does not open, the old one goes on and d is taken
// as said, so that the error comes once.
func (e *H264Encoder) describe(d streamDescription) error {
	e.desc = d
	ctx, at, err := e.openContext(d)
	if err != nil {
		return fmt.Errorf("ffmpeg: libx264 for pictures of aspect %v, colour %v: %w", d.aspect, d.colour, err)
	}
	e.ctx.Free()
	e.logs.unbind(e.logAt)
	e.ctx, e.logAt = ctx, at
	return nil
}

// keyNext reports whether the next frame is to be an IDR: the first, a
// forced one, or the next GOP's.
func (e *H264Encoder) keyNext() bool {
	return e.seq == 0 || e.forceKey || e.seq-e.gopStart >= uint64(e.gop)
}

// Epoch returns the epoch stamped on this encoder's packets.
func (e *H264Encoder) Epoch() uint64 { return e.epoch }

// ForceKeyframe makes the next encoded frame an IDR. The regular GOP
// counts on from it.
func (e *H264Encoder) ForceKeyframe() { e.forceKey = true }

// Encode encodes f into one access unit. The packet's Seq counts from 0,
// its GOP is the Seq of the last IDR, and its Epoch is the encoder's. f is
// not kept; the returned Packet is the caller's.
//
// A YUV420P Frame whose pixels are an FFmpeg picture (from a Decoder or a
// Reader) goes to libx264 as it is, by a new reference to the picture that
// is dropped before Encode returns; any other is copied into the encoder's
// own picture first, since C must not keep Go memory.
func (e *H264Encoder) Encode(f *media.Frame) (*media.Packet, error) {
	if e.ctx == nil {
		return nil, codecs.ErrClosed
	}
	src, err := encoderInput(f, e.width, e.height)
	if err != nil {
		return nil, err
	}
	if d := describedBy(src); d != e.desc && e.keyNext() {
		if err := e.describe(d); err != nil {
			return nil, err
		}
	}
	in := e.frame
	if pic := pictureOf(src); pic != nil {
		if err := refPixels(e.ref, pic); err != nil {
			return nil, err
		}
		defer e.ref.Unref()
		in = e.ref
	} else if err := writeFrame(e.frame, src); err != nil {
		return nil, err
	}
	in.SetPts(int64(e.seq))
	if e.forceKey {
		in.SetPictureType(astiav.PictureTypeI)
	} else {
		in.SetPictureType(astiav.PictureTypeNone)
	}
	e.turns.take() // libx264's encode is long: see schedTurns
	if err := e.ctx.SendFrame(in); err != nil {
		return nil, fmt.Errorf("ffmpeg: libx264 send frame %d: %w", e.seq, err)
	}
	e.forceKey = false
	err = e.ctx.ReceivePacket(e.pkt)
	if errors.Is(err, astiav.ErrEagain) {
		return nil, fmt.Errorf("%w: frame %d", ErrNoOutput, e.seq)
	}
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: libx264 receive packet %d: %w", e.seq, err)
	}
	defer e.pkt.Unref()
	p := &media.Packet{
		Codec:       media.H264,
		Data:        e.pkt.Data(),
		Key:         e.pkt.Flags().Has(astiav.PacketFlagKey),
		Seq:         e.seq,
		Epoch:       e.epoch,
		CaptureTime: f.CaptureTime,
		Width:       e.width,
		Height:      e.height,
	}
	if p.Key {
		e.gopStart = e.seq
	}
	p.GOP = e.gopStart
	e.seq++
	return p, nil
}

// Close frees the encoder. Frames still buffered inside libx264 (none, with
// gopline's settings) are discarded.
func (e *H264Encoder) Close() error {
	if e.pkt != nil {
		e.pkt.Free()
		e.pkt = nil
	}
	if e.frame != nil {
		e.frame.Free()
		e.frame = nil
	}
	if e.ref != nil {
		e.ref.Free()
		e.ref = nil
	}
	if e.ctx != nil {
		e.ctx.Free()
		e.ctx = nil
		e.logs.unbind(e.logAt)
	}
	return nil
}
