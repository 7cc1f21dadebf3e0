package elements

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// AppSinkConfig configures an AppSink. The zero value is ready to use.
type AppSinkConfig struct {
	// MaxQueued is how many items may wait for Pull; 0 takes
	// DefaultAppQueue. With 1 and OverflowDropOldest, Pull always gives the
	// newest picture.
	MaxQueued int
	// Overflow is what the AppSink does with an item that comes while
	// MaxQueued wait: OverflowDropOldest (the default, taken for zero)
	// drops the oldest, so that a slow consumer never holds the pipeline
	// back (a slow detector does not stop a recording on another branch);
	// OverflowBlock makes the pipeline wait for Pull, which slows what
	// feeds the AppSink (a live source then drops pictures, counted in its
	// stats); OverflowDropNewest drops the new item.
	Overflow Overflow
}

// AppSink hands frames, or packets, from a pipeline to Go code: put its
// Element at the end of a chain, Start the pipeline, and Pull (or range
// over All) until io.EOF, the end of the stream.
//
// Items wait in a queue of MaxQueued for Pull. What the Overflow policy
// drops is counted in the node's stats (Dropped) and the AppSink's Stats,
// and the log says so. Packets are dropped whole GOPs at a time, as a
// topic drops them for a slow subscriber: once a packet is dropped, the
// deltas after it are too, up to the next keyframe, so every packet Pull
// gives decodes after the ones before it (their Seq shows the gap).
//
// An item Pull returns is the caller's: nothing in the pipeline reads or
// writes it again. A frame from a pool (gopline's sources and decoders
// make them so) goes back to its pool when the caller calls Release, once
// done with its pixels; a frame never released is collected by the garbage
// collector, so releasing is an optimisation, never a duty. A packet is
// shared with the pipeline's other consumers: read it, never change it
// (media.Packet). Frames the AppSink drops it releases itself.
//
// The stream ends when end of stream reaches the AppSink (the pipeline's
// sources ended, or it was stopped): Done is closed, and Pull returns
// what still waits, then io.EOF. An AppSink takes from one pipeline, once;
// it is safe for concurrent use.
type AppSink[T media.Item] struct {
	cfg AppSinkConfig
	el  pipeline.Element
	h   *handoff[T]

	attached atomic.Bool
	items    atomic.Uint64
	dropped  atomic.Uint64
	early    atomic.Uint64

	warns lograte.Limiter // the node's
}

// NewAppSink makes an AppSink of T: *media.Frame, *media.Packet (of any
// codec), or media.Item for either.
func NewAppSink[T media.Item](cfg AppSinkConfig) (*AppSink[T], error) {
	size, overflow, err := checkQueue("appsink", cfg.MaxQueued, cfg.Overflow, OverflowDropOldest)
	if err != nil {
		return nil, err
	}
	cfg.MaxQueued, cfg.Overflow = size, overflow
	var caps pipeline.Caps
	switch any(new(T)).(type) {
	case **media.Frame:
		caps = pipeline.Frames
	case **media.Packet:
		caps = pipeline.Packets(media.CodecUnknown)
	case *media.Item:
		caps = pipeline.Any
	default:
		return nil, fmt.Errorf("%w: an AppSink takes *media.Frame, *media.Packet or media.Item, not %T", pipeline.ErrBadGraph, *new(T))
	}
	s := &AppSink[T]{cfg: cfg, h: newHandoff[T](size, overflow), warns: lograte.Limiter{Interval: dropWarnInterval}}
	s.el = pipeline.SinkElement("appsink", caps, func() (pipeline.Sink[T], error) { return &appSinkStage[T]{s: s}, nil })
	return s, nil
}

// Element is the AppSink's element, for one pipeline's Add or Chain.
func (s *AppSink[T]) Element() pipeline.Element { return s.el }

// Pull returns the next item, waiting for one until ctx is done (ctx's
// error); at the end of the stream, once none waits, io.EOF.
func (s *AppSink[T]) Pull(ctx context.Context) (T, error) { return s.h.take(ctx, true, false) }

// TryPull returns the next item if one waits; false when none does (at the
// end of the stream too: see Done).
func (s *AppSink[T]) TryPull() (T, bool) {
	it, err := s.h.take(context.Background(), false, false)
	return it, err == nil
}

// All yields the items as Pull returns them, until the end of the stream
// or ctx is done.
func (s *AppSink[T]) All(ctx context.Context) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			it, err := s.Pull(ctx)
			if err != nil || !yield(it) {
				return
			}
		}
	}
}

// Done is closed when end of stream reached the AppSink; items may still
// wait for Pull.
func (s *AppSink[T]) Done() <-chan struct{} { return s.h.done }

// Stats counts what came to the AppSink so far.
func (s *AppSink[T]) Stats() AppStats {
	return AppStats{Items: s.items.Load(), Dropped: s.dropped.Load(), BeforeKeyframe: s.early.Load(), Queued: s.h.queued()}
}

// appSinkStage is an AppSink's stage: it queues what comes.
type appSinkStage[T media.Item] struct {
	s   *AppSink[T]
	env *pipeline.Env
}

func (st *appSinkStage[T]) Start(env *pipeline.Env) error {
	if !st.s.attached.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: this AppSink already takes from a running pipeline: make an AppSink for each", pipeline.ErrBadGraph)
	}
	st.env = env
	st.s.h.attach(env.Stopping)
	return nil
}

// Stop ends the stream for Pull when the pipeline stops before end of
// stream came (not when the stage is made anew after a panic).
func (st *appSinkStage[T]) Stop() error {
	if st.env == nil {
		return nil // it did not start
	}
	if stopped(st.env) {
		st.s.h.end(errAppSinkEnded)
	}
	st.s.attached.Store(false)
	return nil
}

// errAppSinkEnded ends an AppSink's hand-over: Pull returns io.EOF.
var errAppSinkEnded = errors.New("appsink: end of stream")

// Flush: end of stream came; Pull returns what waits, then io.EOF.
func (st *appSinkStage[T]) Flush() error {
	st.s.h.end(errAppSinkEnded)
	return nil
}

// Process queues item for Pull. Under OverflowBlock it waits while the
// queue is full, until the pipeline stops: then the item is dropped.
func (st *appSinkStage[T]) Process(item T) error {
	s := st.s
	s.items.Add(1)
	r, err := s.h.put(context.Background(), item, false, s.cfg.Overflow == OverflowBlock, false)
	if err != nil { // stopping, or ended: nobody will take it
		r.dropped = append(r.dropped, item)
	}
	if r.early {
		s.early.Add(1)
		st.env.Skipped("before_keyframe", 1)
		releaseAll([]T{item})
	}
	if n := len(r.dropped); n > 0 {
		s.dropped.Add(uint64(n))
		st.env.Dropped(n)
		releaseAll(r.dropped)
		if ok, _ := s.warns.Allow(st.env.Now()); ok {
			st.env.Log.Warn().Uint64("dropped", s.dropped.Load()).Uint64("items", s.items.Load()).
				Str("overflow", s.cfg.Overflow.String()).
				Msg("appsink: items come faster than Pull takes them, and are dropped (the pipeline's stats count them)")
		}
	}
	return nil
}
