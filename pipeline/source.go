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
			n.emit(n.pace.take())
		case paceDrop:
			n.stats.dropped.Add(1)
			if f, ok := n.pace.take().(*media.Frame); ok {
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

// fetch asks the source for its next item. An error ends the stream, as
// io.EOF does, once what is held has gone out.
func (n *node) fetch() {
	v, due, err := n.drv.next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			n.stats.failed(err)
			n.env.Log.Error().Err(err).Msg("source failed; ending its stream")
		}
		n.pace.end()
		return
	}
	n.pace.add(v, due, n.pipe.now())
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
