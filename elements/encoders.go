package elements

import (
	"errors"
	"fmt"
	"math"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// H264EncConfig configures the H.264 encoder. DefaultH264EncConfig has the
// defaults (preset veryfast, CRF 23, GOP 30); a field left at zero takes its
// default where zero is not a value it accepts (Preset, Tune, GOP, Rate).
// Zero is a value of CRF (lossless), of Bitrate (rate control by CRF) and
// of Threads (automatic), so start from DefaultH264EncConfig.
type H264EncConfig struct {
	Preset, Tune string
	CRF          int   // constant quality, 0 (lossless) to 51
	Bitrate      int64 // average bits per second instead of CRF; 0: CRF
	GOP          int
	Threads      int // 0: automatic
	Rate         int // nominal frames per second, for rate control
}

func (c H264EncConfig) options() []ffmpeg.EncoderOption {
	opts := []ffmpeg.EncoderOption{ffmpeg.WithPreset(c.Preset), ffmpeg.WithTune(c.Tune), ffmpeg.WithCRF(c.CRF),
		ffmpeg.WithGOP(c.GOP), ffmpeg.WithFrameRate(c.Rate)}
	if c.Bitrate > 0 {
		opts = append(opts, ffmpeg.WithBitrate(c.Bitrate)) // after WithCRF, which turns a bitrate off
	}
	if c.Threads > 0 {
		opts = append(opts, ffmpeg.WithThreads(c.Threads))
	}
	return opts
}

// minBitrate is the lowest average bitrate h264enc takes, 10 kbit/s: below
// it a number was most likely meant in kbit/s, as gst's x264enc takes it.
const minBitrate = 10_000

var h264EncSpec = pipeline.ElementSpec[H264EncConfig]{
	Name: "h264enc", Summary: "H.264 encoder (libx264), one access unit per frame", In: "raw frames", Out: "h264 packets",
	Doc: "libx264 tuned for live streams: zero latency, no B-frames, an IDR every gop frames with SPS and PPS in front, and an IDR at once when a keyframe request comes from downstream. Quality by crf, or an average bitrate (bit/s). The stream states the pixel aspect and colours its source gives (a camera's 720x576 of 64:45 pixels is shown 16:9, a BT.709 SD picture in BT.709's colours), from the next IDR on when they change.",
	Fields: []pipeline.Field[H264EncConfig]{
		pipeline.IntField("gop", ffmpeg.DefaultGOP, func(c *H264EncConfig) *int { return &c.GOP }).Range(1, 300).Unit(pipeline.UnitFrames).
			Doc("frames from one IDR to the next (a time, gop=1s, is refused with the frames it is at rate=)"),
		pipeline.EnumField("preset", ffmpeg.DefaultPreset, []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"},
			func(c *H264EncConfig) *string { return &c.Preset }).Doc("speed against compression"),
		pipeline.EnumField("tune", "zerolatency", []string{"zerolatency", "film", "animation", "grain", "stillimage", "psnr", "ssim", "fastdecode"},
			func(c *H264EncConfig) *string { return &c.Tune }).Doc("added to zerolatency, which is always on"),
		pipeline.IntField("crf", ffmpeg.DefaultCRF, func(c *H264EncConfig) *int { return &c.CRF }).Range(0, 51).
			Doc("constant quality, lower is better; 0 is lossless"),
		pipeline.IntField("bitrate", 0, func(c *H264EncConfig) *int64 { return &c.Bitrate }).Range(0, 1e9).Unit(pipeline.UnitBitRate).
			Doc("average bit/s instead of crf, e.g. 2000000, 2M or 500k (0: use crf; at least 10000)"),
		pipeline.IntField("threads", 0, func(c *H264EncConfig) *int { return &c.Threads }).Range(0, 64).
			Doc("encoder threads, 0 for automatic"),
		pipeline.IntField("rate", ffmpeg.DefaultFrameRate, func(c *H264EncConfig) *int { return &c.Rate }).Range(1, 1000).Unit(pipeline.UnitFrameRate).
			Doc("nominal frames per second: a bitrate is spread over this many frames a second (set the source's rate; a warning says when the frames come at another)"),
	},
	New: func(cfg H264EncConfig) (pipeline.Element, error) {
		if cfg.Bitrate > 0 && cfg.Bitrate < minBitrate {
			return pipeline.Element{}, &pipeline.PropError{Element: "h264enc", Prop: "bitrate",
				Msg: fmt.Sprintf("%d bit/s is %.3g kbit/s, too low for video: bitrate is in bit/s (gst's x264enc takes kbit/s; write bitrate=%d for %d kbit/s)",
					cfg.Bitrate, float64(cfg.Bitrate)/1000, cfg.Bitrate*1000, cfg.Bitrate)}
		}
		return pipeline.ProcessorElement("h264enc", pipeline.Frames, pipeline.Packets(media.H264),
			func() (pipeline.Processor[*media.Frame, *media.Packet], error) {
				e := &encoder{open: func(f *media.Frame, log zerolog.Logger) (codecs.Encoder, error) {
					return ffmpeg.NewH264Encoder(f.Width, f.Height, append(cfg.options(), ffmpeg.WithEncoderLogger(log), ffmpeg.WithDescriptionOf(f))...)
				}}
				if cfg.Bitrate > 0 {
					e.watch, e.bitrate = &rateWatch{nominal: float64(cfg.Rate)}, cfg.Bitrate
				}
				return e, nil
			}), nil
	},
}

// DefaultH264EncConfig returns the H.264 encoder's defaults.
func DefaultH264EncConfig() H264EncConfig { return h264EncSpec.Defaults() }

// H264Enc encodes frames to H.264 with libx264, one access unit per frame,
// and forces an IDR when a keyframe request comes from downstream.
func H264Enc(cfg H264EncConfig) pipeline.Element { return h264EncSpec.Element(cfg) }

// JPEGEncConfig configures the JPEG encoder.
type JPEGEncConfig struct {
	// QScale is FFmpeg's quantiser scale: 2 best and largest ... 31 worst
	// and smallest; 0 takes the default.
	QScale int
}

var jpegEncSpec = pipeline.ElementSpec[JPEGEncConfig]{
	Name: "jpegenc", Summary: "JPEG encoder (FFmpeg MJPEG)", In: "raw frames", Out: "jpeg packets",
	Doc: "Baseline JPEG, every picture a keyframe. qscale is FFmpeg's quantiser scale: 2 is best and largest, 31 worst and smallest.",
	Fields: []pipeline.Field[JPEGEncConfig]{
		pipeline.IntField("qscale", ffmpeg.DefaultJPEGQScale, func(c *JPEGEncConfig) *int { return &c.QScale }).Range(2, 31).
			Doc("quantiser scale"),
	},
	New: func(cfg JPEGEncConfig) (pipeline.Element, error) {
		return pipeline.ProcessorElement("jpegenc", pipeline.Frames, pipeline.Packets(media.JPEG),
			func() (pipeline.Processor[*media.Frame, *media.Packet], error) {
				return &encoder{open: func(f *media.Frame, _ zerolog.Logger) (codecs.Encoder, error) {
					return ffmpeg.NewJPEGEncoder(f.Width, f.Height, ffmpeg.WithQScale(cfg.QScale))
				}}, nil
			}), nil
	},
}

// JPEGEnc encodes frames to JPEG with FFmpeg's MJPEG encoder at qscale
// (2 best ... 31 worst; 0: the default).
func JPEGEnc(qscale int) pipeline.Element { return jpegEncSpec.Element(JPEGEncConfig{QScale: qscale}) }

// encoder opens its codec on the first frame, and again when the frame size
// changes (a new encoder: a new epoch, so receivers wait for its keyframe).
type encoder struct {
	// open opens the codec for frames like f (its size; its description,
	// for H.264's VUI); log is the node's, for FFmpeg's lines.
	open          func(f *media.Frame, log zerolog.Logger) (codecs.Encoder, error)
	enc           codecs.Encoder
	width, height int
	env           *pipeline.Env
	forceKey      bool
	// watch, with a bitrate, notices frames at another rate than the
	// one the bitrate is spread over (see rateWatch).
	watch   *rateWatch
	bitrate int64
	failed  bool // refused has failed the pipeline
	// encoded is set once a frame was encoded: a refusal before it is the
	// stream's, final (see refused).
	encoded bool
}

func (e *encoder) Start(env *pipeline.Env) error { e.env = env; return nil }

func (e *encoder) Process(f *media.Frame, emit func(*media.Packet)) error {
	defer f.Release() // the codec copies the picture in, or takes its own reference to an FFmpeg one
	if e.enc == nil || f.Width != e.width || f.Height != e.height {
		if e.enc != nil {
			e.enc.Close()
		}
		enc, err := e.open(f, e.env.Log)
		if err != nil {
			e.enc = nil
			return e.refused(f, err)
		}
		e.enc, e.width, e.height = enc, f.Width, f.Height
	}
	if e.forceKey {
		e.enc.ForceKeyframe()
		e.forceKey = false
	}
	if e.watch != nil {
		if rate, off := e.watch.see(f.CaptureTime, f.Seq); off {
			e.env.Log.Warn().Int64("bitrate", e.bitrate).Float64("nominal_rate", e.watch.nominal).Float64("frame_rate", math.Round(rate*100)/100).
				Msgf("bitrate=%d is spread over rate=%g frames/s, but the frames come at %.3g a second: the stream gets about %.0f kbit/s; set h264enc rate=%.0f",
					e.bitrate, e.watch.nominal, rate, float64(e.bitrate)*rate/e.watch.nominal/1000, math.Round(rate))
		}
	}
	p, err := e.enc.Encode(f)
	if err != nil {
		if !e.encoded && errors.Is(err, codecs.ErrFrameMismatch) {
			// The stream's first frame does not fit the encoder opened
			// for it (a pixel format it cannot take): no later one will.
			return pipeline.Final(err)
		}
		return err
	}
	e.encoded = true
	emit(p)
	return nil
}

// refused says why the codec would not open for f's size, with the size
// to scale to when it can never take this one (an odd side for 4:2:0).
// At the stream's first frame such a refusal is final (pipeline.Final):
// every frame after would fail the same way, so the node ends the chain
// with one error, and the pipeline's other chains go on. A size that
// changes to one the codec cannot take later fails the pipeline once and
// each such frame, as the stream may change back.
func (e *encoder) refused(f *media.Frame, err error) error {
	if !errors.Is(err, media.ErrInvalidSize) {
		return err
	}
	if f.Width >= 2 && f.Height >= 2 && f.Width&^1 <= media.MaxDimension && f.Height&^1 <= media.MaxDimension {
		err = fmt.Errorf("%w; scale the frames to %dx%d at their source (videosrc size=%dx%d, testsrc size=%dx%d)",
			err, f.Width&^1, f.Height&^1, f.Width&^1, f.Height&^1, f.Width&^1, f.Height&^1)
	}
	if !e.encoded {
		return pipeline.Final(err)
	}
	if !e.failed {
		e.failed = true
		e.env.Fail(err)
	}
	return err
}

// ForceKeyframe answers a keyframe request from downstream.
func (e *encoder) ForceKeyframe() {
	if e.enc != nil {
		e.enc.ForceKeyframe()
	} else {
		e.forceKey = true
	}
}

func (e *encoder) Stop() error {
	if e.enc != nil {
		err := e.enc.Close()
		e.enc = nil
		return err
	}
	return nil
}
