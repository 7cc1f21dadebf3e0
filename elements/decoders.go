package elements

import (
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/internal/lograte"
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
	// Conceal makes the H.264 decoder conceal damage (FFmpeg's error
	// concealment) instead of dropping pictures until the next keyframe:
	// a smeared picture rather than a frozen one. Concealed frames are
	// marked media.Frame.Concealed.
	Conceal bool
	// Threads is the H.264 decoder's slice-thread count (default 1): more
	// decode a picture of several slices (libx264's sliced threads make
	// one per encoder thread) on several cores at once, with no delay.
	Threads int
	// Deinterlace says which decoded H.264 pictures are deinterlaced:
	// "auto" (or empty) those the stream flags as interlaced, "all" every
	// one, "off" none (see VideoSrcConfig.Deinterlace).
	Deinterlace string
}

// decoderSpec is the spec of a decoder element; open opens its codec.
// decoderSpec is the spec of a decoder element; open opens its codec, and
// extra are the fields only that decoder has.
func decoderSpec(name, summary, doc, codec string, in media.Codec, open func(DecoderConfig, zerolog.Logger) (codecs.Decoder, error),
	extra ...pipeline.Field[DecoderConfig]) pipeline.ElementSpec[DecoderConfig] {
	fields := append([]pipeline.Field[DecoderConfig]{
		formatField(func(c *DecoderConfig) *media.PixelFormat { return &c.Format }),
		pipeline.EnumOf("replay", qos.ReplayLatest, []qos.ReplayView{qos.ReplayLatest, qos.ReplayAll},
			func(c *DecoderConfig) *qos.ReplayView { return &c.Replay }).
			Doc("pictures of a replayed GOP to emit: the newest only, or all"),
	}, extra...)
	return pipeline.ElementSpec[DecoderConfig]{
		Name: name, Summary: summary, Doc: doc, In: codec + " packets", Out: "raw frames", Fields: fields,
		New: func(cfg DecoderConfig) (pipeline.Element, error) {
			return pipeline.ProcessorElement(name, pipeline.Packets(in), pipeline.Frames,
				func() (pipeline.Processor[*media.Packet, *media.Frame], error) {
					return newDecoder(cfg.Replay, func(log zerolog.Logger) (codecs.Decoder, error) { return open(cfg, log) })
				}), nil
		},
	}
}

var h264DecSpec = decoderSpec("h264dec", "strict H.264 decoder (FFmpeg)",
	"Decodes H.264. A damaged packet is a warning and counted as an error, never shown as a smeared picture unless conceal=true; the decoder then drops deltas until the next keyframe and asks upstream for one (a gate in front answers with its own break). Of a GOP a durable topic replays to a late subscriber it shows only the newest picture (replay=latest), or every one (replay=all). At the end of the stream it gives out the pictures a stream with reordering held back.",
	"h264", media.H264, func(cfg DecoderConfig, log zerolog.Logger) (codecs.Decoder, error) {
		opts := []ffmpeg.DecoderOption{ffmpeg.WithOutputFormat(cfg.Format), ffmpeg.WithDecoderLogger(log)}
		if cfg.Conceal {
			opts = append(opts, ffmpeg.WithConcealment())
		}
		if cfg.Threads > 1 {
			opts = append(opts, ffmpeg.WithDecoderThreads(cfg.Threads))
		}
		mode, err := ffmpeg.ParseDeinterlace(cfg.Deinterlace)
		if err != nil {
			return nil, err
		}
		return ffmpeg.NewH264Decoder(append(opts, ffmpeg.WithDecoderDeinterlace(mode))...)
	},
	pipeline.BoolField("conceal", false, func(c *DecoderConfig) *bool { return &c.Conceal }).
		Doc("conceal damage (a smeared picture, marked concealed) instead of dropping until the next keyframe"),
	pipeline.IntField("threads", 1, func(c *DecoderConfig) *int { return &c.Threads }).Range(1, 64).
		Doc("slice threads: a picture of several slices decodes on several cores at once, with no delay"),
	pipeline.EnumField("deinterlace", "auto", ffmpeg.DeinterlaceModes, func(c *DecoderConfig) *string { return &c.Deinterlace }).
		Doc("deinterlace decoded pictures: auto those the stream flags as interlaced, all every one, off none; the first field is kept and the other rebuilt from it, with no picture held back"))

var jpegDecSpec = decoderSpec("jpegdec", "JPEG decoder (pure Go)",
	"Decodes JPEG with gopline's memory-safe Go decoder; damaged pictures are counted as errors.",
	"jpeg", media.JPEG, func(cfg DecoderConfig, _ zerolog.Logger) (codecs.Decoder, error) {
		return jpeg.NewDecoder(jpeg.WithOutputFormat(cfg.Format))
	})

// H264Dec decodes H.264 packets into frames of the given format (YUV420P
// when unknown). A damaged packet is an error (counted, and a warning at most
// once every few seconds), never a smeared picture unless
// DecoderConfig.Conceal asks for one; the decoder then waits for the next
// keyframe, dropping deltas (counted) and asking upstream for a keyframe
// once per wait; upstream (a gate element, the topic) limits how often
// requests go further. Of a GOP replayed to a late subscriber
// it shows only the newest picture (qos.ReplayLatest); H264DecWith can show
// them all. At the end of the stream it gives out the pictures a stream with
// reordering held back.
func H264Dec(format media.PixelFormat) pipeline.Element {
	return H264DecWith(DecoderConfig{Format: format})
}

// H264DecWith is H264Dec with the choice of replayed pictures, concealment
// and threads.
func H264DecWith(cfg DecoderConfig) pipeline.Element { return h264DecSpec.Element(cfg) }

// JPEGDec decodes JPEG packets into frames of the given format (YUV420P when
// unknown), with gopline's memory-safe Go decoder.
func JPEGDec(format media.PixelFormat) pipeline.Element {
	return JPEGDecWith(DecoderConfig{Format: format})
}

// JPEGDecWith is JPEGDec with the choice of replayed pictures.
func JPEGDecWith(cfg DecoderConfig) pipeline.Element { return jpegDecSpec.Element(cfg) }

// damageWarnInterval is the shortest time between two warnings of a
// decoder about concealed pictures: a damaged stream shows in the log at the
// default level without flooding it; the counts go on in the warnings.
const damageWarnInterval = 5 * time.Second

// skipReplayed is the reason a decoder counts the older pictures of a
// replayed GOP under: decoded to reach the newest, and not shown
// (qos.ReplayLatest).
const skipReplayed = "replayed"

// decoder is a decoding stage. Its chain is a qos.Gate: packets that cannot
// decode are dropped before the codec, and damage the codec finds breaks the
// chain (Gate.Break). It asks upstream for a keyframe once per wait
// (qos.WithRequestOncePerWait): the one limiter of the viewer's requests is
// upstream's, a gate element's (which answers with its own Break, so that
// it, too, drops deltas until the next keyframe, and asks again while it
// waits) or the topic's.
type decoder struct {
	open func(zerolog.Logger) (codecs.Decoder, error)
	dec  codecs.Decoder
	view qos.ReplayView
	gate *qos.Gate
	env  *pipeline.Env

	damaged, concealed uint64          // packets damaged, frames concealed
	warnings           lograte.Limiter // of concealment
}

// newDecoder returns a decoding stage whose codec open opens as it starts,
// with the node's logger.
func newDecoder(view qos.ReplayView, open func(zerolog.Logger) (codecs.Decoder, error)) (pipeline.Processor[*media.Packet, *media.Frame], error) {
	return &decoder{open: open, view: view, warnings: lograte.Limiter{Interval: damageWarnInterval}}, nil
}

func (d *decoder) Start(env *pipeline.Env) error {
	d.env = env
	var err error
	if d.gate, err = qos.NewGate(qos.WithClock(env.Now), qos.WithRequestOncePerWait()); err != nil {
		return err
	}
	d.dec, err = d.open(env.Log)
	return err
}

func (d *decoder) Process(p *media.Packet, emit func(*media.Frame)) error {
	if dec := d.gate.Admit(p); !dec.Pass {
		d.env.Dropped(1)
		if dec.RequestKeyframe {
			d.env.RequestKeyframe()
		}
		return nil
	}
	var frames []*media.Frame
	var err error
	shown := d.view.Shows(p)
	if dd, ok := d.dec.(codecs.Discarder); ok && !shown {
		err = dd.DecodeDiscard(p)
	} else {
		frames, err = d.dec.Decode(p)
	}
	d.emit(frames, shown, emit)
	if err == nil {
		if !shown {
			// An older picture of a replay: decoded for the newest, not
			// shown. Counted, so that "in" above "out" has its reason.
			d.env.Skipped(skipReplayed, 1)
		}
		return nil
	}
	if errors.Is(err, codecs.ErrCorrupt) {
		d.damaged++
	}
	if d.gate.Break() {
		d.env.RequestKeyframe()
	}
	// The node counts the error and warns, at most every few seconds.
	return fmt.Errorf("damaged packet (seq %d, %d so far); dropping until the next keyframe: %w", p.Seq, d.damaged, err)
}

// emit hands on the frames shown, releases the others, and counts the
// concealed ones.
func (d *decoder) emit(frames []*media.Frame, shown bool, emit func(*media.Frame)) {
	for _, f := range frames {
		if f.Concealed {
			d.concealed++
			d.warn("decoder: concealed a damaged picture")
		}
		if shown {
			emit(f)
		} else {
			f.Release()
		}
	}
}

// warn logs msg at most once per damageWarnInterval; the warning says how
// many it stands for.
func (d *decoder) warn(msg string) {
	if ok, count := d.warnings.Allow(d.env.Now()); ok {
		d.env.Log.Warn().Uint64("since_last_warning", count).Uint64("damaged", d.damaged).
			Uint64("concealed", d.concealed).Msg(msg)
	}
}

// Flush gives out the pictures the codec held back (reordering), at the
// end of the stream.
func (d *decoder) Flush(emit func(*media.Frame)) error {
	f, ok := d.dec.(codecs.Flusher)
	if !ok {
		return nil
	}
	frames, err := f.Flush()
	d.emit(frames, true, emit)
	return err
}

func (d *decoder) Stop() error {
	if d.dec == nil {
		return nil
	}
	return d.dec.Close()
}

var gateSpec = pipeline.ElementSpec[struct{}]{
	Name: "gate", Summary: "GOP gate: passes only decodable packets", In: "packets", Out: "packets",
	Doc: "Passes a delta only when its whole chain since its keyframe passed. A hole in Seq, a new encoder epoch or a delta before any keyframe makes it drop until the next keyframe and ask upstream for one (at most every 300 ms); so does a keyframe request from downstream (a decoder that met damage). Drops are counted by reason.",
	New: func(struct{}) (pipeline.Element, error) {
		return pipeline.ProcessorElement("gate", pipeline.Packets(media.CodecUnknown), pipeline.Packets(media.CodecUnknown),
			func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return &gate{}, nil }), nil
	},
}

// Gate passes a packet only when it can be decoded: a delta only when its
// whole chain since the keyframe passed (qos.Gate). While it waits for a
// keyframe it drops (counted by reason) and asks upstream for one, at most
// every 300 ms. A keyframe request from downstream (a decoder that met
// damage) breaks its chain the same way, under the same limit.
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

// ForceKeyframe answers a keyframe request from downstream (a decoder that
// met damage): the chain is broken, so the gate drops deltas until the next
// keyframe, and the request goes on upstream when the gate's limiter allows.
func (g *gate) ForceKeyframe() {
	if g.g.Break() {
		g.env.RequestKeyframe()
	}
}

func (g *gate) Stop() error {
	s := g.g.Stats()
	if s.Dropped > 0 || s.Breaks > 0 {
		by := zerolog.Dict()
		for r, n := range s.DroppedBy {
			if n > 0 {
				by.Uint64(qos.DropReason(r).String(), n)
			}
		}
		g.env.Log.Info().Uint64("passed", s.Passed).Uint64("dropped", s.Dropped).Dict("dropped_by", by).
			Uint64("breaks", s.Breaks).Uint64("keyframe_requests", s.KeyframeRequests).Msg("gate")
	}
	return nil
}
