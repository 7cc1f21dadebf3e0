package pipeline

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// DefaultWindow is how many items a link carries unacknowledged: enough to
// keep every stage busy while the next item is on its way, few enough that a
// stalled stage holds back at most a few frames (latency, memory).
const DefaultWindow = 4

// Messages between nodes. Every item is answered with credit once the
// receiver has handed on what it made of it, so each link holds at most
// DefaultWindow items and a slow stage slows its upstream instead of letting
// queues grow.
type (
	itemMsg struct {
		v    any // *media.Frame or *media.Packet
		from *actor.PID
	}
	creditMsg struct {
		n    int
		from *actor.PID
	}
	eosMsg      struct{}
	keyframeMsg struct{}
	tickMsg     struct{ gen uint64 } // a paced item's moment has come
	// afterMsg carries a stage's own timed message (Env.After).
	afterMsg struct {
		gen   uint64
		msg   any
		timer *time.Timer
	}
	beginMsg   struct{}
	haltMsg    struct{}
	startedMsg struct {
		name string
		err  error
		push bool // the stage is a push source (see Stage)
	}
	doneMsg struct{ name string }
)

// link is one output of a node.
type link struct {
	to      *actor.PID
	credit  int
	pending []any
}

// node is one running node. Its fields outlive restarts of its actor, so
// credits, counters and queued items survive a panic in the stage; only the
// Stage is made anew. Only the node's actor goroutine touches it (stats
// excepted).
type node struct {
	name     string
	element  Element
	pipe     *Pipeline
	upstream *actor.PID // nil for sources
	outs     []*link
	stats    nodeStats

	stage   Stage
	env     *Env
	started bool // the stage has been started at least once

	unacked    int  // items received and not yet credited back upstream
	inputEnded bool // end of stream reached this node
	flushed    bool
	eosSent    bool

	// sources: the item waiting to go out, and for a paced source the one
	// after it, fetched when the first could not go out in time
	begun     bool
	held      any
	heldDue   time.Time
	next      any
	nextDue   time.Time
	sourceEnd bool // Next returned io.EOF (or failed) with items still held
	// looked is set once the source, finding the graph busy with a newer
	// item overdue, has let the credits waiting in its mailbox in.
	looked bool
	timer  *time.Timer
	gen    uint64

	// timers the stage set with Env.After, stopped with the stage, and the
	// generation of the stage they belong to
	stageTimers map[*time.Timer]struct{}
	stageGen    uint64

	// panicked is what the stage last panicked with, for the restart's log
	// line; stack is where.
	panicked any
	stack    []byte
}

// nodeActor is the actor shell around a node: it turns messages into calls
// on the node and its Stage.
type nodeActor struct{ n *node }

func (a *nodeActor) Receive(ctx actor.Context) {
	n := a.n
	defer func() {
		if r := recover(); r != nil {
			// Noted for the log, then on to the supervisor, which
			// restarts the stage.
			n.panicked, n.stack = r, debug.Stack()
			panic(r)
		}
	}()
	if n.env != nil {
		n.env.ctx = ctx
	}
	switch m := ctx.Message().(type) {
	case *actor.Started:
		n.start(ctx)
	case *actor.Restarting:
		n.stats.restarts.Add(1)
		n.pipe.log.Warn().Str("node", n.name).Str("element", n.element.Type).Uint64("restarts", n.stats.restarts.Load()).
			Str("panic", fmt.Sprint(n.panicked)).Msg("stage panicked; restarting it")
		n.pipe.log.Debug().Str("node", n.name).Bytes("stack", n.stack).Msg("where the stage panicked")
		n.stopStage()
	case *actor.Stopping:
		n.stopStage()
	case *itemMsg:
		n.onItem(ctx, m)
	case *creditMsg:
		n.onCredit(ctx, m)
	case *eosMsg:
		n.endOfInput(ctx)
	case *keyframeMsg:
		n.onKeyframeRequest(ctx)
	case *tickMsg:
		if m.gen == n.gen {
			n.timer = nil
			n.pump(ctx)
		}
	case *afterMsg:
		delete(n.stageTimers, m.timer)
		if r, ok := n.stage.(Receiver); ok && m.gen == n.stageGen && n.stage != nil {
			if _, err := r.Receive(m.msg); err != nil {
				n.stats.errors.Add(1)
				n.env.Log.Warn().Err(err).Msg("stage timer message failed")
			}
			n.tryDrain(ctx)
		}
	case *beginMsg:
		n.begun = true
		n.sendPending(ctx)
		n.tryDrain(ctx)
		n.pump(ctx)
	case *haltMsg:
		n.halt(ctx)
	default:
		if r, ok := n.stage.(Receiver); ok && n.stage != nil {
			if _, err := r.Receive(m); err != nil {
				n.stats.errors.Add(1)
				n.pipe.log.Warn().Err(err).Str("node", n.name).Msg("stage message failed")
			}
			n.tryDrain(ctx)
		}
	}
}

func (n *node) start(ctx actor.Context) {
	restart := n.started
	n.gen++      // ticks of a previous incarnation are stale
	n.stageGen++ // and so are its own timed messages
	n.env = &Env{Node: n.name, Log: n.pipe.log.With().Str("node", n.name).Str("element", n.element.Type).Logger(),
		Now: n.pipe.now, Bus: n.pipe.bus, Owner: n.pipe.owner, StopTimeout: n.pipe.cfg.stopTimeout, node: n, ctx: ctx}
	stage, err := newStage(n.element, n.env)
	if err != nil {
		err = fmt.Errorf("%s (%s): %w", n.name, n.element.Type, err)
		if !restart {
			ctx.Send(ctx.Parent(), &startedMsg{name: n.name, err: err})
		} else {
			n.pipe.log.Error().Err(err).Msg("stage cannot start again after a restart; stopping the node")
		}
		ctx.Stop(ctx.Self())
		return
	}
	n.stage, n.started = stage, true
	if !restart {
		_, pull := stage.(Source)
		ctx.Send(ctx.Parent(), &startedMsg{name: n.name, push: n.element.In.Kind == KindNone && !pull})
		return
	}
	// The item that made the stage panic is lost; credit it so upstream
	// does not lose a slot of its window, and carry on. A source starts
	// again from its new stage.
	n.held, n.next, n.sourceEnd, n.looked = nil, nil, false, false
	n.tryDrain(ctx)
	if n.inputEnded {
		n.finishInput(ctx)
		return
	}
	n.pump(ctx)
}

// newStage makes and starts an element's stage. A panic in New or Start is
// an error like any other, and a stage that fails to start is stopped, so
// that what it opened is freed.
func newStage(el Element, env *Env) (stage Stage, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while starting: %v", r)
			if stage != nil {
				stopQuietly(stage)
			}
			stage = nil
		}
	}()
	if stage, err = el.New(); err != nil {
		return nil, err
	}
	if err = stage.Start(env); err != nil {
		stopQuietly(stage)
		return nil, err
	}
	return stage, nil
}

// stopQuietly stops a stage that failed to start; what Stop says, or a
// panic in it, adds nothing to the start error already reported.
func stopQuietly(s Stage) {
	defer func() { _ = recover() }()
	_ = s.Stop()
}

func (n *node) stopStage() {
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
	for t := range n.stageTimers {
		t.Stop()
	}
	n.stageTimers = nil
	if n.stage != nil {
		if err := n.stage.Stop(); err != nil {
			n.pipe.log.Warn().Err(err).Str("node", n.name).Msg("stage stop")
		}
		n.stage = nil
	}
}

func (n *node) onItem(ctx actor.Context, m *itemMsg) {
	n.unacked++
	n.stats.in.Add(1)
	proc, ok := n.stage.(Processor)
	if !ok {
		n.tryDrain(ctx)
		return
	}
	if err := n.element.In.accepts(m.v); err != nil {
		n.stats.errors.Add(1)
		n.env.Log.Warn().Err(err).Msg("item refused")
	} else if err := proc.Process(m.v); err != nil {
		n.stats.errors.Add(1)
		n.env.Log.Debug().Err(err).Msg("item failed")
	}
	n.observe(m.v)
	n.tryDrain(ctx)
}

// observe records an item's age when this node is done with it.
func (n *node) observe(v any) {
	var t time.Time
	switch it := v.(type) {
	case *media.Frame:
		t = it.CaptureTime
	case *media.Packet:
		t = it.CaptureTime
	}
	if !t.IsZero() {
		n.stats.latency.add(n.pipe.now().Sub(t))
	}
}

func (n *node) emit(ctx actor.Context, v any) {
	n.stats.out.Add(1)
	switch it := v.(type) {
	case *media.Packet:
		n.stats.bytes.Add(uint64(len(it.Data)))
	case *media.Frame:
		// Every link's consumer holds the frame (see media.FramePool).
		it.Retain(len(n.outs) - 1)
	}
	for _, l := range n.outs {
		// Until every node of the pipeline exists (beginMsg), items wait
		// here: a subscriber may receive packets before its downstream
		// node has been spawned.
		if n.begun && l.credit > 0 && len(l.pending) == 0 {
			l.credit--
			ctx.Send(l.to, &itemMsg{v: v, from: ctx.Self()})
		} else {
			l.pending = append(l.pending, v)
		}
	}
}

func (n *node) onCredit(ctx actor.Context, m *creditMsg) {
	for _, l := range n.outs {
		if l.to.Equal(m.from) {
			l.credit += m.n
		}
	}
	n.sendPending(ctx)
	n.tryDrain(ctx)
	n.pump(ctx)
}

// sendPending hands queued items to the links that have credit.
func (n *node) sendPending(ctx actor.Context) {
	if !n.begun {
		return
	}
	for _, l := range n.outs {
		for l.credit > 0 && len(l.pending) > 0 {
			l.credit--
			ctx.Send(l.to, &itemMsg{v: l.pending[0], from: ctx.Self()})
			l.pending[0] = nil
			l.pending = l.pending[1:]
		}
	}
}

// drained reports whether every output has handed on all it was given.
func (n *node) drained() bool {
	for _, l := range n.outs {
		if len(l.pending) > 0 {
			return false
		}
	}
	return true
}

// free reports whether every output can take an item now.
func (n *node) free() bool {
	for _, l := range n.outs {
		if l.credit == 0 || len(l.pending) > 0 {
			return false
		}
	}
	return true
}

// tryDrain credits upstream and moves end of stream on once the outputs
// have handed on everything.
func (n *node) tryDrain(ctx actor.Context) {
	if !n.drained() {
		return
	}
	if n.unacked > 0 && n.upstream != nil {
		ctx.Send(n.upstream, &creditMsg{n: n.unacked, from: ctx.Self()})
	}
	n.unacked = 0
	if d, ok := n.stage.(Drainer); ok {
		d.Drained()
	}
	if n.inputEnded && n.flushed && !n.eosSent {
		n.eosSent = true
		for _, l := range n.outs {
			ctx.Send(l.to, &eosMsg{})
		}
		if len(n.outs) == 0 {
			ctx.Send(ctx.Parent(), &doneMsg{name: n.name})
		}
		n.pipe.log.Debug().Str("node", n.name).Msg("end of stream")
	}
}

// endOfInput marks the end of the node's input (end of stream from
// upstream, or a source's own end) and flushes the stage.
func (n *node) endOfInput(ctx actor.Context) {
	if n.inputEnded {
		return
	}
	n.inputEnded = true
	n.finishInput(ctx)
}

func (n *node) finishInput(ctx actor.Context) {
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
	n.held, n.next = nil, nil
	if f, ok := n.stage.(Flusher); ok && !n.flushed {
		if err := f.Flush(); err != nil {
			n.stats.errors.Add(1)
			n.env.Log.Warn().Err(err).Msg("flush at end of stream")
		}
	}
	n.flushed = true
	n.tryDrain(ctx)
}

func (n *node) halt(ctx actor.Context) {
	if n.inputEnded {
		return
	}
	if s, ok := n.stage.(Stopper); ok {
		s.Halt()
		return
	}
	n.endOfInput(ctx)
}

func (n *node) onKeyframeRequest(ctx actor.Context) {
	if f, ok := n.stage.(KeyframeForcer); ok {
		f.ForceKeyframe()
		return
	}
	if n.upstream != nil {
		ctx.Send(n.upstream, &keyframeMsg{})
	}
}

func (n *node) requestKeyframe(ctx actor.Context) {
	if n.upstream != nil {
		ctx.Send(n.upstream, &keyframeMsg{})
		return
	}
	if f, ok := n.stage.(KeyframeForcer); ok {
		f.ForceKeyframe()
	}
}

// pump asks a Source for items while the outputs take them. An unpaced
// item goes out as soon as the outputs have handed on the one before. A paced
// item waits for its moment, then goes out when every output can take it; if
// it still cannot when the next item's moment comes, it is dropped for the
// newer one. So a live source of frames holds at most one frame back and never
// falls behind, and drops only when the graph is a whole frame behind. Paced
// packets (a player, a passthrough camera) are never dropped here: they wait
// and the source catches up.
func (n *node) pump(ctx actor.Context) {
	src, ok := n.stage.(Source)
	if !ok || !n.begun || n.inputEnded {
		return
	}
	for {
		if n.held == nil {
			if n.next != nil {
				n.held, n.heldDue, n.next = n.next, n.nextDue, nil
			} else if !n.fetch(ctx, src, &n.held, &n.heldDue) {
				return
			}
		}
		now := n.pipe.now()
		switch {
		case n.heldDue.IsZero(): // unpaced
			if !n.drained() {
				return
			}
		case n.heldDue.After(now): // paced, not yet due
			n.wakeAt(ctx, n.heldDue)
			return
		case !n.free(): // paced, due, and the graph is busy
			if _, encoded := n.held.(*media.Packet); encoded {
				// An encoded packet is never dropped at its source: a
				// lost delta breaks every picture up to the next
				// keyframe. It waits for a credit (onCredit pumps) and
				// the source catches up; topics shed whole GOPs for
				// slow subscribers instead.
				return
			}
			if n.next == nil && !n.fetch(ctx, src, &n.next, &n.nextDue) {
				return
			}
			if n.next != nil && n.nextDue.After(now) {
				n.wakeAt(ctx, n.nextDue) // a credit may come first: onCredit pumps
				return
			}
			if !n.looked {
				// Credits may be waiting in the mailbox behind this
				// turn: look again after them before dropping.
				n.looked = true
				ctx.Send(ctx.Self(), &tickMsg{gen: n.gen})
				return
			}
			n.looked = false
			n.stats.dropped.Add(1)
			if f, ok := n.held.(*media.Frame); ok {
				f.Release()
			}
			n.held = nil
			continue
		}
		n.looked = false
		n.emit(ctx, n.held)
		n.held = nil
	}
}

// fetch asks the source for its next item. It returns false when there is
// none: at the end of the stream (ended once nothing is held) or after an
// error, which ends the stream too.
func (n *node) fetch(ctx actor.Context, src Source, item *any, due *time.Time) bool {
	if n.sourceEnd {
		if n.held == nil && n.next == nil {
			n.endOfInput(ctx)
		}
		return false
	}
	v, d, err := src.Next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			n.stats.errors.Add(1)
			n.env.Log.Error().Err(err).Msg("source failed; ending its stream")
		}
		n.sourceEnd = true
		if n.held == nil && n.next == nil {
			n.endOfInput(ctx)
		}
		return false
	}
	*item, *due = v, d
	return true
}

// after sends msg to the stage after d (Env.After).
func (n *node) after(ctx actor.Context, d time.Duration, msg any) {
	if n.stageTimers == nil {
		n.stageTimers = map[*time.Timer]struct{}{}
	}
	m := &afterMsg{gen: n.stageGen, msg: msg}
	self, root := ctx.Self(), n.pipe.system.Root
	m.timer = time.AfterFunc(d, func() { root.Send(self, m) })
	n.stageTimers[m.timer] = struct{}{}
}

// wakeAt arranges a tick at t, replacing any earlier arrangement.
func (n *node) wakeAt(ctx actor.Context, t time.Time) {
	if n.timer != nil {
		n.timer.Stop()
	}
	n.gen++
	self, gen, root := ctx.Self(), n.gen, n.pipe.system.Root
	n.timer = time.AfterFunc(max(t.Sub(n.pipe.now()), 0), func() { root.Send(self, &tickMsg{gen: gen}) })
}
