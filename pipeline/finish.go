package pipeline

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// How a chain ends before its source does. A stage may say that an error
// is final for its stream (Final): every later item would fail the same
// way (an encoder that can never take the pictures' size). Failing item
// after item would count an error a frame for as long as the source runs
// and keep the source making frames for nobody; stopping the pipeline
// would stop a robot's other cameras with it. So the node ends its own
// chain, and only it:
//
//   - it counts the error once, logs it as an error, and keeps it as the
//     pipeline's failure (a *FinalError, which Wait and Stop return);
//   - it takes no more input: items still on their way are dropped,
//     counted and credited back at once, so nothing upstream waits on it;
//   - it flushes its stage and sends end of stream downstream after what
//     the stage gave, so that a recorder there closes its file;
//   - it tells its upstream (finishedMsg), which sends it nothing more. A
//     node whose every output has so finished is unneeded: a processor
//     takes no more input and tells its own upstream, a source stops
//     making items (told so if it implements Unneeded), a push source
//     ends at once if it can (Unneeded: a topic subscriber leaves its
//     topic), else is halted. A node that still feeds a live branch goes
//     on.
//
// Which outputs are finished, and when a node is unneeded, is links'
// (links.go); this file acts on it.

// stageFailed counts and warns of an error of the stage, or ends the
// node's chain when the error is final (Final).
func (n *node) stageFailed(ctx actor.Context, what string, err error) {
	if !errors.Is(err, ErrStageFinal) || n.finished {
		n.failed(what, err)
		return
	}
	n.stats.failed(err)
	n.env.Log.Error().Err(err).
		Msg("the stage can never process its input: its chain ends here (end of stream downstream; what feeds only this node stops)")
	n.pipe.fail(&FinalError{Node: n.name, Element: n.element.Type, Err: err})
	n.finish(ctx)
	if n.drv.push != nil {
		n.halt(ctx)
		return
	}
	n.endOfInput(ctx)
}

// finish makes the node take no more input, and tells its upstream so.
func (n *node) finish(ctx actor.Context) {
	if n.finished {
		return
	}
	n.finished = true
	if n.upstream != nil {
		ctx.Send(n.upstream, &finishedMsg{from: ctx.Self()})
	}
}

// refuse drops an item that came after the node finished, counted, and
// credits it back at once: nothing of it is left to hand on.
func (n *node) refuse(ctx actor.Context, v media.Item) {
	n.stats.in.Add(1)
	n.stats.dropped.Add(1)
	releaseItem(v)
	if n.upstream != nil {
		ctx.Send(n.upstream, &creditMsg{n: 1, from: ctx.Self()})
	}
}

// onFinished: a node this one feeds takes no more items. What waited for
// it is dropped; once no output takes items, the node is unneeded.
func (n *node) onFinished(ctx actor.Context, m *finishedMsg) {
	dropped := n.outs.finish(m.from)
	n.stats.dropped.Add(uint64(len(dropped)))
	for _, v := range dropped {
		releaseItem(v)
	}
	if n.outs.unneeded() {
		n.unneeded(ctx)
		return
	}
	// What waited for the finished node no longer holds the rest back.
	n.tryDrain(ctx)
	n.pump(ctx)
}

// unneeded stops the node's work once nothing takes what it gives: a
// source ends its stream (nothing is made, drawn or decoded for nobody), a
// push source ends at once (Unneeded) or is halted, a processor takes no
// more input.
func (n *node) unneeded(ctx actor.Context) {
	switch {
	case n.inputEnded:
		return // its stream has ended anyway
	case n.drv.push != nil:
		n.env.Log.Info().Msg("nothing takes this source's items any more: halting it")
		if u, ok := n.drv.stage.(Unneeded); ok {
			u.Unneeded()
			return
		}
		n.halt(ctx)
	case n.isSource():
		n.env.Log.Info().Msg("nothing takes this source's items any more: it stops")
		if u, ok := n.drv.stage.(Unneeded); ok {
			u.Unneeded()
		}
		n.endOfInput(ctx)
	default:
		n.finish(ctx)
		n.tryDrain(ctx)
	}
}

// releaseItem lets go of an item the node drops: a frame's pixels go back
// to their pool once every holder has let go (see media.FramePool).
func releaseItem(v media.Item) {
	if f, ok := v.(*media.Frame); ok {
		f.Release()
	}
}
