package pipeline

import (
	"errors"
	"io"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// pump asks a source for items while its outputs take them, as its pacer
// says (see pacer).
func (n *node) pump(ctx actor.Context) {
	if n.drv.next == nil || !n.begun || n.inputEnded {
		return
	}
	for {
		do, at := n.pace.step(n.pipe.now(), n.outs.drained(), n.outs.free())
		switch do {
		case paceFetch:
			n.fetch()
		case paceEmit:
			v, planned := n.pace.takePlanned()
			if planned {
				if v = n.make(); v == nil {
					continue
				}
			}
			n.emit(v)
		case paceDrop:
			n.stats.dropped.Add(1)
			n.warnDropped(n.pipe.now())
			v, planned := n.pace.takePlanned()
			if planned {
				n.drv.plan.Skip()
			} else if f, ok := v.(*media.Frame); ok {
				f.Release()
			}
		case paceWake:
			n.wakeAt(ctx, at)
			return
		case paceLookAgain:
			ctx.Send(ctx.Self(), &tickMsg{gen: n.gen})
			return
		case paceEnd:
			n.endOfInput(ctx)
			return
		default: // paceWait: a credit pumps again
			return
		}
	}
}

// dropWarnInterval is the shortest time between two warnings that a live
// source dropped frames.
const dropWarnInterval = 10 * time.Second

// warnDropped says in the log, at most once per dropWarnInterval, that the
// live source dropped a frame that had fallen late behind its moment: its
// chain, or the machine, does not keep up. The count stays in the stats.
// It is called before the held frame is taken.
func (n *node) warnDropped(now time.Time) {
	if ok, count := n.drops.Allow(now); ok {
		n.env.Log.Warn().Uint64("dropped_since_last_warning", count).Dur("late", n.pace.lateness(now)).
			Msg("live source fell behind its clock and dropped frames: the stages after it are too slow or the machine too busy")
	}
}

// fetch asks the source for its next item. An error ends the stream, as
// io.EOF does, once what is held has gone out.
// A Planner's next frame is only planned here (its moment), and made
// once it is to go out (make).
func (n *node) fetch() {
	if n.drv.plan != nil {
		due, err := n.drv.plan.Plan()
		if err != nil {
			n.sourceEnded(err)
			return
		}
		n.pace.addPlanned(due, n.pipe.now())
		return
	}
	v, due, err := n.drv.next()
	if err != nil {
		n.sourceEnded(err)
		return
	}
	n.pace.add(v, due, n.pipe.now())
}

// make makes a Planner's planned frame that is to go out; nil when the
// source failed to, which ends its stream.
func (n *node) make() media.Item {
	v, _, err := n.drv.next()
	if err != nil {
		n.sourceEnded(err)
		return nil
	}
	return v
}

// sourceEnded ends the stream of a source that gave err (io.EOF: its end),
// once what is held has gone out.
func (n *node) sourceEnded(err error) {
	if !errors.Is(err, io.EOF) {
		n.stats.failed(err)
		n.env.Log.Error().Err(err).Msg("source failed; ending its stream")
	}
	n.pace.end()
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
