package actors

import (
	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// H264EncConfig configures the H.264 encoder; zero values take the
// encoder's defaults (veryfast, CRF 23, GOP 30).
type H264EncConfig struct {
	Preset, Tune string
	CRF          int   // 0: the default (use Bitrate for rate control)
	Lossless     bool  // CRF 0: every picture exactly as given (large)
	Bitrate      int64 // bits per second; 0: CRF
	GOP          int
	Threads      int
	Rate         int // nominal frames per second, for rate control
}

func (c H264EncConfig) options() []ffmpeg.EncoderOption {
	var opts []ffmpeg.EncoderOption
	if c.Preset != "" {
		opts = append(opts, ffmpeg.WithPreset(c.Preset))
	}
	if c.Tune != "" {
		opts = append(opts, ffmpeg.WithTune(c.Tune))
	}
	if c.Lossless {
		opts = append(opts, ffmpeg.WithCRF(0))
	} else if c.CRF > 0 {
		opts = append(opts, ffmpeg.WithCRF(c.CRF))
	}
	if c.Bitrate > 0 {
		opts = append(opts, ffmpeg.WithBitrate(c.Bitrate))
	}
	if c.GOP > 0 {
		opts = append(opts, ffmpeg.WithGOP(c.GOP))
	}
	if c.Threads > 0 {
		opts = append(opts, ffmpeg.WithThreads(c.Threads))
	}
	if c.Rate > 0 {
		opts = append(opts, ffmpeg.WithFrameRate(c.Rate))
	}
	return opts
}

// H264Enc encodes frames to H.264 with libx264, one access unit per frame,
// and forces an IDR when a keyframe request comes from downstream.
func H264Enc(cfg H264EncConfig) pipeline.Element {
	return pipeline.ProcessorElement("h264enc", pipeline.Frames, pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Frame, *media.Packet], error) {
			return &encoder{open: func(w, h int) (codecs.Encoder, error) { return ffmpeg.NewH264Encoder(w, h, cfg.options()...) }}, nil
		})
}

// JPEGEnc encodes frames to JPEG with FFmpeg's MJPEG encoder at qscale
// (2 best ... 31 worst; 0: the default).
func JPEGEnc(qscale int) pipeline.Element {
	return pipeline.ProcessorElement("jpegenc", pipeline.Frames, pipeline.Packets(media.JPEG),
		func() (pipeline.Processor[*media.Frame, *media.Packet], error) {
			return &encoder{open: func(w, h int) (codecs.Encoder, error) {
				if qscale == 0 {
					return ffmpeg.NewJPEGEncoder(w, h)
				}
				return ffmpeg.NewJPEGEncoder(w, h, ffmpeg.WithQScale(qscale))
			}}, nil
		})
}

// encoder opens its codec on the first frame, and again when the frame size
// changes (a new encoder: a new epoch, so receivers wait for its keyframe).
type encoder struct {
	open          func(w, h int) (codecs.Encoder, error)
	enc           codecs.Encoder
	width, height int
	env           *pipeline.Env
	forceKey      bool
}

func (e *encoder) Start(env *pipeline.Env) error { e.env = env; return nil }

func (e *encoder) Process(f *media.Frame, emit func(*media.Packet)) error {
	defer f.Release() // the codec copies the picture in
	if e.enc == nil || f.Width != e.width || f.Height != e.height {
		if e.enc != nil {
			e.enc.Close()
		}
		enc, err := e.open(f.Width, f.Height)
		if err != nil {
			e.enc = nil
			return err
		}
		e.enc, e.width, e.height = enc, f.Width, f.Height
	}
	if e.forceKey {
		e.enc.ForceKeyframe()
		e.forceKey = false
	}
	p, err := e.enc.Encode(f)
	if err != nil {
		return err
	}
	emit(p)
	return nil
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
