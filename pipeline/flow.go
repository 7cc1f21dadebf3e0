package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// How items, credit, end of stream and keyframe requests move through a
// node. Credit is kept by links (links.go); a source's pacing by pacer.

func (n *node) onItem(ctx actor.Context, m *itemMsg) {
	if n.finished {
		n.refuse(ctx, m.v)
		return
	}
	n.unacked++
	n.stats.in.Add(1)
	if n.drv.process == nil {
		n.tryDrain(ctx)
		return
	}
	if err := n.element.In.accepts(m.v); err != nil {
		n.failed("item refused", err)
	} else if err := n.drv.process(m.v); err != nil {
		n.stageFailed(ctx, "item failed", err)
	}
	n.observe(m.v)
	n.tryDrain(ctx)
}

// observe records an item's age when this node is done with it.
func (n *node) observe(v media.Item) {
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

// emit hands an item the stage made to every output that still takes
// items (see finish.go); with none, the item is dropped.
func (n *node) emit(v media.Item) {
	if isNil(v) {
		n.failed("the stage handed on a nil item; leaving it out", fmt.Errorf("%w: %s handed one on", ErrNilItem, n.element.Type))
		return
	}
	live := n.outs.live()
	if n.outs.unneeded() {
		n.stats.dropped.Add(1)
		releaseItem(v)
		return
	}
	n.stats.out.Add(1)
	switch it := v.(type) {
	case *media.Packet:
		n.stats.bytes.Add(uint64(len(it.Data)))
	case *media.Frame:
		// Every live link's consumer holds the frame (see media.FramePool).
		it.Retain(live - 1)
	}
	// Until every node of the chain exists (beginMsg), items wait in the
	// links: a subscriber may receive packets before its downstream node
	// has started.
	ctx := n.env.ctx
	for _, l := range n.outs {
		if l.finished {
			continue
		}
		if l.take(n.begun) {
			ctx.Send(l.to, &itemMsg{v: v, from: n.pid})
		} else {
			l.hold(v)
		}
	}
}

// begin lets items flow: every node of the chain exists. The nodes that
// run in this one's calls begin first, in its goroutine.
func (n *node) begin(ctx actor.Context) {
	n.begun = true
	for _, l := range n.outs {
		if l.inline {
			ctx.Send(l.to, &beginMsg{})
		}
	}
	n.sendPending(ctx)
	n.tryDrain(ctx)
	n.pump(ctx)
}

// sendPending sends the items waiting in the links that credit allows.
func (n *node) sendPending(ctx actor.Context) {
	if !n.begun {
		return
	}
	for _, l := range n.outs {
		for v, ok := l.release(); ok; v, ok = l.release() {
			ctx.Send(l.to, &itemMsg{v: v, from: n.pid})
		}
	}
}

func (n *node) onCredit(ctx actor.Context, m *creditMsg) {
	n.outs.credit(m.from, m.n)
	n.sendPending(ctx)
	n.tryDrain(ctx)
	n.pump(ctx)
}

// tryDrain credits upstream and moves end of stream on once the outputs
// have handed on everything.
func (n *node) tryDrain(ctx actor.Context) {
	if !n.outs.drained() {
		return
	}
	if n.unacked > 0 && n.upstream != nil {
		ctx.Send(n.upstream, &creditMsg{n: n.unacked, from: ctx.Self()})
	}
	n.unacked = 0
	if n.drv.push != nil {
		n.drv.push.Drained()
	}
	if n.inputEnded && n.flushed && !n.eosSent {
		n.eosSent = true
		n.progress.eosOut.Store(true)
		for _, l := range n.outs {
			ctx.Send(l.to, &eosMsg{})
		}
		if len(n.outs) == 0 {
			ctx.Send(ctx.Parent(), &doneMsg{node: n})
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
	n.progress.eosIn.Store(true)
	n.finishInput(ctx)
}

func (n *node) finishInput(ctx actor.Context) {
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
	n.pace.reset()
	flush := n.drv.flush
	if f, ok := n.drv.stage.(Flusher); ok {
		flush = f.Flush
	}
	if flush != nil && !n.flushed {
		if err := flush(); errors.Is(err, ErrLossSummary) {
			n.failed("the stage lost items over its run (a summary at end of stream)", err)
		} else if err != nil {
			n.failed("flush at end of stream failed", err)
		}
	}
	n.flushed = true
	n.tryDrain(ctx)
}

// halt ends a source's stream when the pipeline stops: a push source is
// asked to end it (Halt), a producing source's stream ends here.
func (n *node) halt(ctx actor.Context) {
	if n.inputEnded {
		return
	}
	if n.drv.push != nil {
		n.drv.push.Halt()
		return
	}
	n.endOfInput(ctx)
}

func (n *node) onKeyframeRequest(ctx actor.Context) {
	if f, ok := n.drv.stage.(KeyframeForcer); ok {
		f.ForceKeyframe()
		return
	}
	n.askUpstream(ctx)
}

func (n *node) requestKeyframe(ctx actor.Context) {
	if n.askUpstream(ctx) {
		return
	}
	if f, ok := n.drv.stage.(KeyframeForcer); ok {
		f.ForceKeyframe()
	}
}

// askUpstream passes a keyframe request to the node upstream, if any: to
// its element's KeyframeRequested at once, or else in a message.
func (n *node) askUpstream(ctx actor.Context) bool {
	if n.upstream == nil {
		return false
	}
	if up := n.graph.from; up != nil && up.element.KeyframeRequested != nil {
		up.element.KeyframeRequested()
		return true
	}
	ctx.Send(n.upstream, &keyframeMsg{})
	return true
}

// failWarnInterval is the shortest time between two warnings of a node
// about its stage's errors: every error is counted in the node's stats, and
// a stream of them shows in the log without flooding it.
const failWarnInterval = 5 * time.Second

// failed counts an error of the stage and warns of it, at most once per
// failWarnInterval; the warning says how many errors it stands for.
func (n *node) failed(what string, err error) {
	n.stats.failed(err)
	if ok, count := n.failures.Allow(n.pipe.now()); ok {
		n.env.Log.Warn().Err(err).Uint64("errors_since_last_warning", count).Msg(what)
	}
}
