package elements

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// The errors of the app elements (AppSrc, AppSink).
var (
	// ErrAppClosed: a push after the AppSrc's Close.
	ErrAppClosed = errors.New("appsrc: closed")
	// ErrAppStopped: a push after the AppSrc's pipeline stopped, or
	// while it stops; or after nothing in the pipeline takes its items any
	// more (the stage after it failed for good: the pipeline's error says
	// why).
	ErrAppStopped = errors.New("appsrc: its pipeline stopped taking items")
	// ErrAppFull: TryPush found the queue full (OverflowBlock), or a Push
	// waiting for room; the item is still the caller's.
	ErrAppFull = errors.New("appsrc: queue full")
	// ErrAppRefused: a pushed item does not fit the stream (a frame of
	// another size, a packet that is not H.264 in Annex B form, a time that
	// goes back); the error names it and says what to do.
	ErrAppRefused = errors.New("appsrc: item refused")
)

// AppSrcConfig configures an AppSrc. The zero value is ready to use.
type AppSrcConfig struct {
	// MaxQueued is how many pushed items may wait for the pipeline; 0 takes
	// DefaultAppQueue.
	MaxQueued int
	// Overflow is what Push does while MaxQueued items wait: OverflowBlock
	// (the default, taken for zero) waits for room; the drop policies never
	// wait, and count what they drop in the node's stats (Dropped).
	Overflow Overflow
	// Width, Height and Format are the size and pixel format of every
	// frame: set all three, or none, and the first frame pushed sets them.
	// Unused for packets, whose size the SPS says.
	Width, Height int
	Format        media.PixelFormat
	// Now stamps a pushed item whose CaptureTime is zero; nil takes
	// time.Now. An item's own CaptureTime is kept.
	Now func() time.Time
}

// AppStats counts what went through an AppSrc or an AppSink.
type AppStats struct {
	// Items counts the items taken in: pushed into an AppSrc (refused ones
	// not counted), or come to an AppSink from its pipeline.
	Items uint64
	// Dropped counts the items the overflow policy dropped, with, for
	// packets, the deltas after a dropped packet that could not decode.
	Dropped uint64
	// BeforeKeyframe counts the packets left out before the first keyframe.
	BeforeKeyframe uint64
	// Queued is how many items wait now.
	Queued int
}

// AppSrc hands frames, or H.264 packets, from Go code to a pipeline: a
// camera SDK's callback, a ROS subscription, a decoder of one's own. Put
// its Element in a chain, Start the pipeline, and Push; Close ends the
// stream.
//
// Items wait in a queue of MaxQueued for the pipeline to take them, which
// it does as fast as the chain after the AppSrc goes. A Push that finds the
// queue full waits for room (OverflowBlock, the default), or never waits,
// dropping the oldest or the new item (OverflowDropOldest,
// OverflowDropNewest; the node's stats count the drops, and the log says
// so). TryPush never waits.
//
// Push takes the item: the caller must not change it afterwards (a frame's
// pixels, a packet's Data), and a frame from the caller's media.FramePool
// comes back to the pool once the pipeline is done with it. A pushed item
// is not changed: the pipeline gets a copy of its header, stamped (an item
// refused with an error stays as it was, and the caller's). An item
// without a CaptureTime is stamped with the time of its Push (Now). Frames
// are numbered (Seq) as the pipeline takes them.
//
// Frames must be valid and all of one size and format, captured in order.
// Packets are H.264 access units in Annex B form, in decode order; AppSrc
// finds the keyframes itself (Key, set, is checked), puts the latest SPS
// and PPS in front of each, and numbers them (Seq, GOP, one Epoch). Deltas
// pushed before the first keyframe are left out (counted in BeforeKeyframe
// and the node's stats as skipped "before_keyframe"), and a packet dropped
// takes the deltas after it up to the next keyframe with it, so that the
// pipeline never gets a packet it cannot decode. Each such loss asks for a
// keyframe on KeyframeRequests, as a downstream decoder's request does.
//
// An AppSrc feeds one pipeline, once: after that pipeline stops, pushes
// fail; make a new AppSrc for the next. It is safe for concurrent use;
// pushes from several goroutines are queued one at a time.
type AppSrc[T media.Item] struct {
	cfg  AppSrcConfig
	el   pipeline.Element
	h    *handoff[T]
	caps pipeline.Caps

	// turn lets one push at a time check, stamp and queue.
	turn *pushTurn
	// Held with the turn:
	frames  appFrames
	packets appPackets
	// refused is the item last refused for room, if ok.
	refused struct {
		pushedItem
		ok bool
	}

	keyframes chan struct{}
	attached  atomic.Bool
	items     atomic.Uint64
	dropped   atomic.Uint64
	early     atomic.Uint64

	// The node's, across restarts of its stage:
	numbers  appNumbers
	reported AppStats
	warns    lograte.Limiter
}

// NewAppSrc makes an AppSrc of T, *media.Frame or *media.Packet (H.264).
func NewAppSrc[T media.Item](cfg AppSrcConfig) (*AppSrc[T], error) {
	size, overflow, err := checkQueue("appsrc", cfg.MaxQueued, cfg.Overflow, OverflowBlock)
	if err != nil {
		return nil, err
	}
	cfg.MaxQueued, cfg.Overflow = size, overflow
	s := &AppSrc[T]{cfg: cfg, h: newHandoff[T](size, overflow), turn: newPushTurn(),
		keyframes: make(chan struct{}, 1), numbers: appNumbers{epoch: media.NewEpoch()},
		warns: lograte.Limiter{Interval: dropWarnInterval}}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	switch any(*new(T)).(type) {
	case *media.Frame:
		if s.frames, err = newAppFrames(cfg); err != nil {
			return nil, err
		}
		s.caps = pipeline.Frames
	case *media.Packet:
		s.caps = pipeline.Packets(media.H264)
	default:
		return nil, fmt.Errorf("%w: an AppSrc hands on *media.Frame or *media.Packet, not %T", pipeline.ErrBadGraph, *new(T))
	}
	s.el = pipeline.SourceElement("appsrc", s.caps, func() (pipeline.Source[T], error) { return &appSrcStage[T]{s: s}, nil })
	// A request from downstream comes on KeyframeRequests at once, though
	// the stage waits in Next for the next push.
	s.el.KeyframeRequested = s.requestKeyframe
	return s, nil
}

// dropWarnInterval is the shortest time between two warnings of an app
// element that dropped items.
const dropWarnInterval = 10 * time.Second

// Element is the AppSrc's element, for one pipeline's Add or Chain.
func (s *AppSrc[T]) Element() pipeline.Element { return s.el }

// Push hands item to the pipeline. With the queue full it waits for room
// under OverflowBlock (until ctx is done: ctx's error, the item still the
// caller's), and drops under the other policies. It fails with
// ErrAppRefused for an item that does not fit the stream, ErrAppClosed
// after Close, and ErrAppStopped once the pipeline stops, or stopped, or
// takes no more items: never does it block beyond ctx or a pipeline's stop.
// A Push before the pipeline starts queues the item (or waits).
func (s *AppSrc[T]) Push(ctx context.Context, item T) error {
	return s.push(ctx, item, s.cfg.Overflow == OverflowBlock)
}

// TryPush is Push that never waits: under OverflowBlock a full queue
// refuses the item with ErrAppFull, and so does a Push that waits for room
// (its item comes first); the item stays the caller's. Pushed
// again, it is checked again as it is then. A packet so refused that is
// not pushed again unchanged (the same Data, times and Key) breaks the
// chain: the deltas after it are left out up to the next keyframe.
func (s *AppSrc[T]) TryPush(item T) error { return s.push(context.Background(), item, false) }

func (s *AppSrc[T]) push(ctx context.Context, item T, wait bool) error {
	if err := s.turn.take(ctx, item, !wait); err != nil {
		return err
	}
	defer s.turn.give()
	if err := s.h.endedBy(); err != nil {
		return err
	}
	made, err := s.check(item)
	if err != nil {
		return err
	}
	pushed := pushedOf(item)
	again := s.refused.ok && s.refused.pushedItem == pushed
	r, err := s.h.put(ctx, made, again, false, true)
	var missed pushedItem
	var missedOK bool
	if r.full && wait {
		missed, missedOK = s.turn.wait(func() { r, err = s.h.put(ctx, made, true, true, true) })
	}
	if errors.Is(err, errStopping) {
		s.h.end(ErrAppStopped)
		err = ErrAppStopped
	}
	if r.full {
		s.refused.pushedItem, s.refused.ok = pushed, true
	}
	if err != nil {
		return err
	}
	// A TryPush that came while this push waited for room was refused: its
	// item comes next, if at all.
	s.refused.pushedItem, s.refused.ok = missed, missedOK
	if missedOK {
		s.h.refuse()
	}
	switch it := any(made).(type) {
	case *media.Frame:
		s.frames.took(it)
	case *media.Packet:
		s.packets.took(it)
	}
	s.items.Add(1)
	if r.early {
		s.early.Add(1)
	}
	if len(r.dropped) > 0 {
		s.dropped.Add(uint64(len(r.dropped)))
		releaseAll(r.dropped)
	}
	if _, packets := any(made).(*media.Packet); packets && (r.early || len(r.dropped) > 0) {
		s.requestKeyframe()
	}
	return nil
}

// check checks item and makes what the pipeline gets of it, committing
// nothing (took does): an item refused for room and pushed again is
// checked again, as the caller may have changed it.
func (s *AppSrc[T]) check(item T) (T, error) {
	now := s.cfg.Now()
	var made media.Item
	var err error
	switch it := any(item).(type) {
	case *media.Frame:
		made, err = s.frames.check(it, now)
	case *media.Packet:
		made, err = s.packets.check(it, now)
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return made.(T), nil
}

// Close ends the stream: what was pushed goes out, then end of stream
// (what still waits when the pipeline stops first is dropped, counted).
// Pushes after it fail with ErrAppClosed; a Push waiting for room returns
// it. Close returns nil, and may be called more than once.
func (s *AppSrc[T]) Close() error {
	s.h.end(ErrAppClosed)
	return nil
}

// KeyframeRequests receives when the pipeline asks for a keyframe (a
// decoder downstream lost its chain), or when the AppSrc left packets out
// until the next keyframe: a source that can make one (an encoder SDK's
// force-IDR) should. Requests that come before the last was received make
// one. A request from downstream comes as it is made, while the AppSrc
// waits for the next Push.
func (s *AppSrc[T]) KeyframeRequests() <-chan struct{} { return s.keyframes }

func (s *AppSrc[T]) requestKeyframe() {
	select {
	case s.keyframes <- struct{}{}:
	default:
	}
}

// Stats counts what went through the AppSrc so far.
func (s *AppSrc[T]) Stats() AppStats {
	return AppStats{Items: s.items.Load(), Dropped: s.dropped.Load(), BeforeKeyframe: s.early.Load(), Queued: s.h.queued()}
}

// appSrcStage is an AppSrc's stage: a source whose Next waits for the next
// pushed item. Like a camera's, its stream paces itself: items go out as
// they come, as fast as the chain takes them, and it is asked for one only
// once its outputs can take it.
type appSrcStage[T media.Item] struct {
	s   *AppSrc[T]
	env *pipeline.Env
}

func (st *appSrcStage[T]) Start(env *pipeline.Env) error {
	if !st.s.attached.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: this AppSrc already feeds a running pipeline: make an AppSrc for each", pipeline.ErrBadGraph)
	}
	st.env = env
	st.s.h.attach(env.Stopping)
	return nil
}

// Stop ends the hand-over when the pipeline stops (not when the stage is
// made anew after a panic: the queue and its items outlive it). What was
// pushed and never taken is dropped then, counted and released.
func (st *appSrcStage[T]) Stop() error {
	if st.env == nil {
		return nil // it did not start
	}
	if stopped(st.env) {
		st.s.h.end(ErrAppStopped)
		left := st.s.h.drain()
		st.s.dropped.Add(uint64(len(left)))
		releaseAll(left)
	}
	st.report()
	st.s.attached.Store(false)
	return nil
}

// Next waits for the next pushed item; at Close, or when the pipeline
// stops, the items queued go out and then the stream ends.
func (st *appSrcStage[T]) Next() (T, time.Time, error) {
	it, err := st.s.h.take(context.Background(), true, true)
	if errors.Is(err, errStopping) {
		st.s.h.end(ErrAppStopped)
		it, err = st.s.h.take(context.Background(), false, false)
	}
	st.report()
	if err != nil {
		var zero T
		return zero, time.Time{}, io.EOF
	}
	st.s.numbers.number(it)
	return it, time.Time{}, nil
}

// ForceKeyframe passes a keyframe request from downstream to the Go code
// (KeyframeRequests); such requests come to the element's
// KeyframeRequested at once, not here.
func (st *appSrcStage[T]) ForceKeyframe() { st.s.requestKeyframe() }

// Unneeded: nothing in the pipeline takes the items any more; pushes fail.
func (st *appSrcStage[T]) Unneeded() {
	st.s.h.end(ErrAppStopped)
	st.env.End()
}

// report adds what the pushes dropped since the last report to the node's
// stats, and warns of drops, at most once per dropWarnInterval.
func (st *appSrcStage[T]) report() {
	s, env := st.s, st.env
	now := s.Stats()
	if n := now.Dropped - s.reported.Dropped; n > 0 {
		env.Dropped(int(n))
		if ok, _ := s.warns.Allow(env.Now()); ok {
			env.Log.Warn().Uint64("dropped", now.Dropped).Uint64("pushed", now.Items).Str("overflow", s.cfg.Overflow.String()).
				Msg("appsrc: items were pushed faster than the pipeline takes them, and dropped (the pipeline's stats count them)")
		}
	}
	if n := now.BeforeKeyframe - s.reported.BeforeKeyframe; n > 0 {
		env.Skipped("before_keyframe", int(n))
		if s.reported.BeforeKeyframe == 0 {
			env.Log.Info().Msg("appsrc: packets pushed before the first keyframe are left out: a decoder cannot start at them")
		}
	}
	s.reported = now
}
