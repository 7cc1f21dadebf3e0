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

// DecoderConfig configures a decoder.
type DecoderConfig struct {
	// Format of the frames; zero takes the default, YUV420P.
	Format media.PixelFormat
	// Replay says which pictures of a replayed GOP are emitted: the newest
	// only (the zero value, for viewers) or all.
	Replay qos.ReplayView
}

// decoderSpec is the spec of a decoder element; open opens its codec.
func decoderSpec(name, summary, doc, codec string, in media.Codec, open func(DecoderConfig) (codecs.Decoder, error)) pipeline.ElementSpec[DecoderConfig] {
	return pipeline.ElementSpec[DecoderConfig]{
		Name: name, Summary: summary, Doc: doc, In: codec + " packets", Out: "raw frames",
		Fields: []pipeline.Field[DecoderConfig]{
			formatField(func(c *DecoderConfig) *media.PixelFormat { return &c.Format }),
			pipeline.EnumOf("replay", qos.ReplayLatest, []qos.ReplayView{qos.ReplayLatest, qos.ReplayAll},
				func(c *DecoderConfig) *qos.ReplayView { return &c.Replay }).
				Doc("pictures of a replayed GOP to emit: the newest only, or all"),
		},
		New: func(cfg DecoderConfig) (pipeline.Element, error) {
			return pipeline.Element{In: pipeline.Packets(in), Out: pipeline.Frames, New: func() (pipeline.Stage, error) {
				return newDecoder(cfg.Replay, func() (codecs.Decoder, error) { return open(cfg) })
			}}, nil
		},
	}
}

var h264DecSpec = decoderSpec("h264dec", "strict H.264 decoder (FFmpeg)",
	"Decodes H.264. A damaged packet is counted as an error, never shown as a smeared picture; the decoder then drops deltas until the next keyframe and asks upstream for one. Of a GOP a durable topic replays to a late subscriber it shows only the newest picture (replay=latest), or every one (replay=all).",
	"h264", media.H264, func(cfg DecoderConfig) (codecs.Decoder, error) {
		return ffmpeg.NewH264Decoder(ffmpeg.WithOutputFormat(cfg.Format))
	})

var jpegDecSpec = decoderSpec("jpegdec", "JPEG decoder (pure Go)",
	"Decodes JPEG with gopline's memory-safe Go decoder; damaged pictures are counted as errors.",
	"jpeg", media.JPEG, func(cfg DecoderConfig) (codecs.Decoder, error) {
		return jpeg.NewDecoder(jpeg.WithOutputFormat(cfg.Format))
	})

// H264Dec decodes H.264 packets into frames of the given format (YUV420P
// when unknown). A damaged packet is an error (counted), never a smeared
// picture; the decoder then waits for the next keyframe, dropping deltas
// (counted) and asking upstream for a keyframe at most every 300 ms. Of a
// GOP replayed to a late subscriber it shows only the newest picture
// (qos.ReplayLatest); H264DecWith can show them all.
func H264Dec(format media.PixelFormat) pipeline.Element {
	return H264DecWith(DecoderConfig{Format: format})
}

// H264DecWith is H264Dec with the choice of replayed pictures.
func H264DecWith(cfg DecoderConfig) pipeline.Element { return h264DecSpec.Element(cfg) }

// JPEGDec decodes JPEG packets into frames of the given format (YUV420P when
// unknown), with gopline's memory-safe Go decoder.
func JPEGDec(format media.PixelFormat) pipeline.Element {
	return JPEGDecWith(DecoderConfig{Format: format})
}

// JPEGDecWith is JPEGDec with the choice of replayed pictures.
func JPEGDecWith(cfg DecoderConfig) pipeline.Element { return jpegDecSpec.Element(cfg) }

type decoder struct {
	dec     codecs.Decoder
	view    qos.ReplayView
	limiter *qos.KeyframeLimiter
	env     *pipeline.Env
}

func newDecoder(view qos.ReplayView, open func() (codecs.Decoder, error)) (*decoder, error) {
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

func (d *decoder) Process(v any) error {
	p := v.(*media.Packet)
	var frames []*media.Frame
	var err error
	if dd, ok := d.dec.(codecs.Discarder); ok && !d.view.Shows(p) {
		err = dd.DecodeDiscard(p)
	} else {
		frames, err = d.dec.Decode(p)
	}
	for _, f := range frames {
		if d.view.Shows(p) {
			d.env.Emit(f)
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

var gateSpec = pipeline.ElementSpec[struct{}]{
	Name: "gate", Summary: "GOP gate: passes only decodable packets", In: "packets", Out: "packets",
	Doc: "Passes a delta only when its whole chain since its keyframe passed. A hole in Seq, a new encoder epoch or a delta before any keyframe makes it drop until the next keyframe and ask upstream for one (at most every 300 ms). Drops are counted by reason.",
	New: func(struct{}) (pipeline.Element, error) {
		return pipeline.Element{In: pipeline.Packets(media.CodecUnknown), Out: pipeline.Packets(media.CodecUnknown),
			New: func() (pipeline.Stage, error) { return &gate{}, nil }}, nil
	},
}

// Gate passes a packet only when it can be decoded: a delta only when its
// whole chain since the keyframe passed (qos.Gate). While it waits for a
// keyframe it drops (counted by reason) and asks upstream for one, at most
// every 300 ms.
func Gate() pipeline.Element { return gateSpec.Element(struct{}{}) }

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

func (g *gate) Process(v any) error {
	d := g.g.Admit(v.(*media.Packet))
	if d.Pass {
		g.env.Emit(v)
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
