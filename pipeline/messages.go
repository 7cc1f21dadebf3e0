package pipeline

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// Messages between nodes: an item, and the credit that answers it once the
// receiver has handed on what it made of it (see links).
type (
	itemMsg struct {
		v    media.Item
		from *actor.PID
	}
	creditMsg struct {
		n    int
		from *actor.PID
	}
	// eosMsg is end of stream, after the last item of the link.
	eosMsg struct{}
	// keyframeMsg is a keyframe request travelling upstream.
	keyframeMsg struct{}
	// finishedMsg tells a node upstream that the sender takes no more
	// items (finish.go).
	finishedMsg struct{ from *actor.PID }
)

// A node's messages to itself.
type (
	// tickMsg: a paced item's moment has come.
	tickMsg struct{ gen uint64 }
	// afterMsg carries a stage's own timed call (Env.After).
	afterMsg struct {
		gen   uint64
		f     func() error
		timer *time.Timer
	}
)

// Messages between the coordinator and its nodes.
type (
	// startedMsg: a node's stage started (or could not: err).
	startedMsg struct {
		node *node
		err  error
		push bool // the stage is a PushSource
	}
	// beginMsg: every stage of the node's chain, and every push source of
	// the pipeline, started; items may flow and sources begin.
	beginMsg struct{}
	// haltMsg: to the coordinator, stop gracefully; to a source, end
	// the stream (see the stop sequence in the package documentation).
	haltMsg struct{}
	// doneMsg: end of stream reached this sink.
	doneMsg struct{ node *node }
	// haltPushMsg: time to halt the push sources, drained or not.
	haltPushMsg struct{}
	// startCheckMsg fails the start if a node that stopped while starting
	// reported no error of its own.
	startCheckMsg struct{ who *actor.PID }
)
