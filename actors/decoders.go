package actors

import (
	"errors"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
)

// H264Dec decodes H.264 packets into frames of the given format (YUV420P
// when unknown). A damaged packet is an error (counted), never a smeared
// picture; the decoder then waits for the next keyframe, dropping deltas
// (counted) and asking upstream for a keyframe at most every 300 ms. Of a
// GOP replayed to a late subscriber it shows only the newest picture
// (qos.ReplayLatest); H264DecWith can show them all.
func H264Dec(format media.PixelFormat) pipeline.Element {
	return H264DecWith(DecoderConfig{Format: format})
}

// DecoderConfig configures a decoder.
type DecoderConfig struct {
	// Format of the frames (YUV420P when unknown).
	Format media.PixelFormat
	// Replay says which pictures of a replayed GOP are emitted: the newest
	// only (the zero value, for viewers) or all.
	Replay qos.ReplayView
}

// H264DecWith is H264Dec with the choice of replayed pictures.
func H264DecWith(cfg DecoderConfig) pipeline.Element {
	format := cfg.Format
	if !format.Valid() {
		format = media.YUV420P
	}
	return pipeline.ProcessorElement("h264dec", pipeline.Packets(media.H264), pipeline.Frames,
		func() (pipeline.Processor[*media.Packet, *media.Frame], error) {
			return newDecoder(cfg.Replay, func() (codecs.Decoder, error) {
				return ffmpeg.NewH264Decoder(ffmpeg.WithOutputFormat(format))
			})
		})
}

// JPEGDec decodes JPEG packets into frames of the given format (YUV420P when
// unknown), with gopline's memory-safe Go decoder.
func JPEGDec(format media.PixelFormat) pipeline.Element {
	return JPEGDecWith(DecoderConfig{Format: format})
}

// JPEGDecWith is JPEGDec with the choice of replayed pictures.
func JPEGDecWith(cfg DecoderConfig) pipeline.Element {
	format := cfg.Format
	if !format.Valid() {
		format = media.YUV420P
	}
	return pipeline.ProcessorElement("jpegdec", pipeline.Packets(media.JPEG), pipeline.Frames,
		func() (pipeline.Processor[*media.Packet, *media.Frame], error) {
			return newDecoder(cfg.Replay, func() (codecs.Decoder, error) { return jpeg.NewDecoder(jpeg.WithOutputFormat(format)) })
		})
}

type decoder struct {
	dec     codecs.Decoder
	view    qos.ReplayView
	limiter *qos.KeyframeLimiter
	env     *pipeline.Env
}

func newDecoder(view qos.ReplayView, open func() (codecs.Decoder, error)) (pipeline.Processor[*media.Packet, *media.Frame], error) {
	dec, err := open()
	if err != nil {
		return nil, err
	}
	return &decoder{dec: dec, view: view}, nil
}

func (d *decoder) Start(env *pipeline.Env) error {
	d.env = env
	var err error
	d.limiter, err = qos.NewKeyframeLimiter(qos.WithClock(env.Now))
	return err
}

func (d *decoder) Process(p *media.Packet, emit func(*media.Frame)) error {
	var frames []*media.Frame
	var err error
	if dd, ok := d.dec.(codecs.Discarder); ok && !d.view.Shows(p) {
		err = dd.DecodeDiscard(p)
	} else {
		frames, err = d.dec.Decode(p)
	}
	for _, f := range frames {
		if d.view.Shows(p) {
			emit(f)
		} else {
			f.Release()
		}
	}
	switch {
	case errors.Is(err, codecs.ErrNeedKeyframe):
		d.env.Dropped(1)
		d.askKeyframe()
		return nil
	case err != nil:
		d.askKeyframe()
		return err
	}
	return nil
}

func (d *decoder) askKeyframe() {
	if d.limiter.Allow() {
		d.env.RequestKeyframe()
	}
}

func (d *decoder) Stop() error { return d.dec.Close() }

// Gate passes a packet only when it can be decoded: a delta only when its
// whole chain since the keyframe passed (qos.Gate). While it waits for a
// keyframe it drops (counted by reason) and asks upstream for one, at most
// every 300 ms.
func Gate() pipeline.Element {
	return pipeline.ProcessorElement("gate", pipeline.Packets(media.CodecUnknown), pipeline.Packets(media.CodecUnknown),
		func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return &gate{}, nil })
}

type gate struct {
	g   *qos.Gate
	env *pipeline.Env
}

func (g *gate) Start(env *pipeline.Env) error {
	g.env = env
	var err error
	g.g, err = qos.NewGate(qos.WithClock(env.Now))
	return err
}

func (g *gate) Process(p *media.Packet, emit func(*media.Packet)) error {
	d := g.g.Admit(p)
	if d.Pass {
		emit(p)
	} else {
		g.env.Dropped(1)
	}
	if d.RequestKeyframe {
		// At most once per keyframe request interval. Waiting for the
		// first keyframe is how a stream joined mid-GOP starts.
		ev := g.env.Log.Info()
		if d.Reason == qos.NoKeyframeYet {
			ev = g.env.Log.Debug()
		}
		ev.Stringer("reason", d.Reason).Msg("gate: dropping deltas until the next keyframe, and asking for one")
		g.env.RequestKeyframe()
	}
	return nil
}

func (g *gate) Stop() error {
	s := g.g.Stats()
	if s.Dropped > 0 {
		by := zerolog.Dict()
		for r, n := range s.DroppedBy {
			if n > 0 {
				by.Uint64(qos.DropReason(r).String(), n)
			}
		}
		g.env.Log.Info().Uint64("passed", s.Passed).Uint64("dropped", s.Dropped).Dict("dropped_by", by).
			Uint64("keyframe_requests", s.KeyframeRequests).Msg("gate")
	}
	return nil
}
