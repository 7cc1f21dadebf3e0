package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// ErrNoPicture means a viewer's stream ended (the topic's publisher left, or
// the viewer was stopped) before its decoder emitted a picture.
var ErrNoPicture = errors.New("bench: the stream ended before the first picture")

// ViewerConfig says how a viewer joins a topic.
type ViewerConfig struct {
	Topic string
	// Remote, when set, is the host:port of the node whose topic the viewer
	// joins (elements.SubscribeConfig.Remote): the viewer's node must listen
	// (gopline.WithListen). The viewer then cannot tell how far the
	// topic has published (FirstPicture.NewestAtJoin is -1), nor send a
	// keyframe request as it joins.
	Remote string
	// QoS is the viewer's request; nil takes the topic's offer, so on a
	// durable topic the viewer is replayed the cached GOP.
	QoS *qos.Profile
	// RequestKeyframe sends the topic a transport.KeyframeRequest right
	// after the Subscribe, as a WebRTC receiver sends a PLI when it joins.
	RequestKeyframe bool
	// DecoderThreads is the decoder's slice-thread count
	// (elements.DecoderConfig.Threads; 0 or 1: one).
	DecoderThreads int
	// Log is the viewer pipeline's logger (default: none).
	Log zerolog.Logger
}

// FirstPicture is what a viewer saw up to its first decoded picture.
type FirstPicture struct {
	// Subscribed is when the viewer's Subscribe went to the topic; At is
	// when the decoder's first picture reached the viewer's sink. Both are
	// on the wall clock.
	Subscribed, At time.Time
	// NewestAtJoin is the Seq of the newest packet the topic had taken when
	// the Subscribe went out, -1 if none or if the topic is another node's:
	// the topic answered a stats request just before. It assumes one
	// encoder since the topic began, whose Seq counts from 0 (Seq = packets
	// published - 1).
	NewestAtJoin int64
	// First is the first packet the topic delivered: a replayed keyframe
	// on a durable topic, the next live keyframe otherwise. It is a copy of
	// the header; Data is not kept. Delivered is when it reached the
	// viewer's subscribe node.
	First     media.Packet
	Delivered time.Time
	// ReplayLast is the Seq of the newest packet of the replay, when the
	// topic replayed its cache (First.Replay.Replayed).
	ReplayLast uint64
	// Frame is the first picture: the viewer's own, never changed after.
	Frame *media.Frame
	// DecoderErrors counts the packets the viewer's decoder failed on up to
	// the first picture (read just after it arrived).
	DecoderErrors uint64
	// DecoderFirst is when the first packet reached the decoder stage and
	// DecoderDone when the stage handed on the first picture; DecoderBusy
	// is the time the stage spent on packets in between, the call that
	// gave the picture included. DecoderDone - DecoderFirst - DecoderBusy
	// is how long the decoder waited for packets.
	DecoderFirst, DecoderDone time.Time
	DecoderBusy               time.Duration
}

// Wait is the time from the Subscribe to the first picture.
func (f FirstPicture) Wait() time.Duration { return f.At.Sub(f.Subscribed) }

// Viewer is one subscriber that joins a live topic: subscribe ! gate !
// h264dec and a sink that keeps the first picture. Every viewer is a
// pipeline of its own on the topic's actor system, so it can join and leave
// at any moment.
type Viewer struct {
	p     *pipeline.Pipeline
	state *viewerState
}

// StartViewer starts a viewer of cfg.Topic on n, or of the topic of the
// node at cfg.Remote. Stop it when done.
func StartViewer(ctx context.Context, n *gopline.Node, cfg ViewerConfig) (*Viewer, error) {
	if cfg.QoS != nil {
		if err := cfg.QoS.Validate(); err != nil {
			return nil, err
		}
	}
	if cfg.Remote != "" && cfg.RequestKeyframe {
		// A remote link forwards requests only once the other node has
		// answered the Subscribe; a request sent with it would be lost.
		return nil, errors.New("bench: a viewer of a remote topic cannot request a keyframe as it joins")
	}
	state := &viewerState{first: make(chan struct{})}
	p, err := n.NewPipeline(pipeline.WithLogger(cfg.Log))
	if err != nil {
		return nil, err
	}
	err = p.Chain([]string{"subscribe", "gate", "decoder", "picture"}, []pipeline.Element{
		joining(cfg, state),
		elements.Gate(),
		timed(elements.H264DecWith(elements.DecoderConfig{Format: media.YUV420P, Threads: cfg.DecoderThreads}), state),
		firstPicture(state),
	})
	if err != nil {
		return nil, err
	}
	if err := p.Start(ctx); err != nil {
		return nil, fmt.Errorf("bench: starting a viewer of %s: %w", cfg.Topic, err)
	}
	return &Viewer{p: p, state: state}, nil
}

// Wait waits for the viewer's first picture. It returns ErrNoPicture when
// the stream ends first, and ctx's error when ctx ends first.
func (v *Viewer) Wait(ctx context.Context) (FirstPicture, error) {
	select {
	case <-v.state.first:
	case <-v.p.Done():
		select {
		case <-v.state.first: // the picture and the end came together
		default:
			return FirstPicture{}, ErrNoPicture
		}
	case <-ctx.Done():
		return FirstPicture{}, ctx.Err()
	}
	pic := v.state.picture()
	for _, s := range v.p.Stats() {
		if s.Node == "decoder" {
			pic.DecoderErrors = s.Errors
		}
	}
	return pic, nil
}

// Stop stops the viewer: it leaves the topic and frees its decoder.
func (v *Viewer) Stop() error { return v.p.Stop() }

// viewerState is what a viewer's nodes note for Wait. The nodes write it
// from their actors, Wait reads it from the caller's goroutine.
type viewerState struct {
	mu        sync.Mutex
	pic       FirstPicture
	delivered bool
	got       bool
	first     chan struct{} // closed at the first picture
}

func (s *viewerState) subscribed(at time.Time, newest int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pic.Subscribed, s.pic.NewestAtJoin = at, newest
}

func (s *viewerState) delivery(p *media.Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.delivered {
		s.delivered = true
		s.pic.First, s.pic.Delivered = *p, time.Now()
		s.pic.First.Data = nil
	}
	if p.Replay.Replayed && p.Replay.Last && !s.got {
		s.pic.ReplayLast = p.Seq
	}
}

func (s *viewerState) decoded(first, done time.Time, busy time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pic.DecoderFirst, s.pic.DecoderDone, s.pic.DecoderBusy = first, done, busy
}

func (s *viewerState) picture() FirstPicture {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pic
}

func (s *viewerState) frame(f *media.Frame, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.got {
		f.Release() // only the first picture is kept
		return
	}
	s.got = true
	s.pic.Frame, s.pic.At = f, at
	close(s.first)
}

// joining is elements.SubscribeWith with the viewer's notes around it: it
// asks a local topic how far it has published just before the Subscribe
// goes out, notes when that is, sends the keyframe request if asked, and
// notes the first delivery and the end of the replay.
func joining(cfg ViewerConfig, state *viewerState) pipeline.Element {
	el := elements.SubscribeWith(elements.SubscribeConfig{Topic: cfg.Topic, QoS: cfg.QoS, Remote: cfg.Remote})
	inner := el.New
	el.New = func() (pipeline.Stage, error) {
		st, err := inner()
		if err != nil {
			return nil, err
		}
		push, ok := st.(pipeline.PushSource[*media.Packet])
		if !ok {
			return nil, fmt.Errorf("bench: the subscribe stage (%T) is no push source of packets", st)
		}
		return &joiningStage{PushSource: push, cfg: cfg, state: state}, nil
	}
	return el
}

// joiningStage wraps the subscribe stage, a push source, and passes on its
// keyframe requests.
type joiningStage struct {
	pipeline.PushSource[*media.Packet]
	cfg   ViewerConfig
	state *viewerState
}

func (s *joiningStage) Start(env *pipeline.Env) error {
	newest := int64(-1)
	if s.cfg.Remote == "" {
		if st, err := env.Bus.Stats(s.cfg.Topic); err == nil {
			newest = int64(st.Published) - 1
		}
	}
	s.state.subscribed(time.Now(), newest)
	if err := s.PushSource.Start(env); err != nil {
		return err
	}
	if s.cfg.RequestKeyframe {
		broker, err := env.Bus.Topic(s.cfg.Topic)
		if err != nil {
			return err
		}
		// After the Subscribe, from the same actor: the topic handles the
		// two in that order, so the forced IDR finds the viewer subscribed.
		env.Send(broker, &transport.KeyframeRequest{Topic: s.cfg.Topic, Subscriber: env.Self()})
	}
	return nil
}

func (s *joiningStage) Receive(msg any, emit func(*media.Packet)) (bool, error) {
	if d, ok := msg.(*transport.Delivery); ok && d.Packet != nil {
		s.state.delivery(d.Packet)
	}
	return s.PushSource.Receive(msg, emit)
}

func (s *joiningStage) ForceKeyframe() {
	if f, ok := s.PushSource.(pipeline.KeyframeForcer); ok {
		f.ForceKeyframe()
	}
}

// firstPicture is the viewer's sink: it keeps the first picture and drops
// the rest.
func firstPicture(state *viewerState) pipeline.Element {
	return pipeline.SinkElement("firstpicture", pipeline.Frames,
		func() (pipeline.Sink[*media.Frame], error) { return &pictureSink{state: state}, nil })
}

type pictureSink struct{ state *viewerState }

func (s *pictureSink) Start(*pipeline.Env) error { return nil }
func (s *pictureSink) Stop() error               { return nil }

func (s *pictureSink) Process(f *media.Frame) error {
	s.state.frame(f, time.Now())
	return nil
}

// timed wraps a decoder element so that its stage notes, in state, when
// the first packet came, how long it worked, and when it handed on the
// first picture.
func timed(el pipeline.Element, state *viewerState) pipeline.Element {
	inner := el.New
	el.New = func() (pipeline.Stage, error) {
		st, err := inner()
		if err != nil {
			return nil, err
		}
		dec, ok := st.(pipeline.Processor[*media.Packet, *media.Frame])
		if !ok {
			return nil, fmt.Errorf("bench: the decoder stage (%T) is no processor of packets into frames", st)
		}
		return &timedDecoder{Processor: dec, state: state}, nil
	}
	return el
}

// timedDecoder is a decoder stage that times itself up to its first
// picture.
type timedDecoder struct {
	pipeline.Processor[*media.Packet, *media.Frame]
	state *viewerState
	first time.Time
	busy  time.Duration
	shown bool
}

func (d *timedDecoder) Process(p *media.Packet, emit func(*media.Frame)) error {
	if d.shown {
		return d.Processor.Process(p, emit)
	}
	start := time.Now()
	if d.first.IsZero() {
		d.first = start
	}
	err := d.Processor.Process(p, func(f *media.Frame) {
		if !d.shown {
			// Noted before the picture goes on, so that Wait finds it.
			now := time.Now()
			d.shown = true
			d.state.decoded(d.first, now, d.busy+now.Sub(start))
		}
		emit(f)
	})
	d.busy += time.Since(start)
	return err
}

func (d *timedDecoder) Flush(emit func(*media.Frame)) error {
	if f, ok := d.Processor.(pipeline.ProcessorFlusher[*media.Frame]); ok {
		return f.Flush(emit)
	}
	return nil
}
