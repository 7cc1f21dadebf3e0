package pipeline

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/transport"
)

// Env is what a running stage gets from the pipeline. Its methods are for
// the stage's own calls (Start, Process, Receive, ...), on the node's actor.
type Env struct {
	// Node is the node's name in the graph.
	Node string
	// Log is the node's logger (fields: node, element).
	Log zerolog.Logger
	// Now is the pipeline's clock.
	Now func() time.Time
	// Bus holds the topics of the pipeline's process.
	Bus *transport.Bus
	// Owner is the pipeline's, one per pipeline: its publishers join their
	// topics with it, so that a topic tells them from others' (see
	// transport.Unsubscribe.AfterPublishersOf).
	Owner transport.Owner
	// StopTimeout is the pipeline's budget for a graceful stop (see
	// Pipeline.Stop); a push source's Halt should end its stream well
	// within it.
	StopTimeout time.Duration
	// Stopping is closed when the pipeline begins to stop: a stage that
	// waits inside a call (a source sleeping before it reconnects) returns
	// at once.
	Stopping <-chan struct{}

	node *node
	ctx  actor.Context
}

// End ends the stage's stream: after what was emitted, downstream receives
// end of stream. For sources and push sources.
func (e *Env) End() { e.node.endOfInput(e.ctx) }

// Fail fails the pipeline with err, for a reason no restart of the stage
// mends (another node refused its subscription, or cannot be reached):
// Wait and Stop return err. The stage still ends its stream itself (End),
// so that what it emitted drains.
func (e *Env) Fail(err error) { e.node.pipe.fail(fmt.Errorf("%s: %w", e.Node, err)) }

// RequestKeyframe asks upstream for a keyframe (a gate lost the chain, a
// decoder met damage).
func (e *Env) RequestKeyframe() { e.node.requestKeyframe(e.ctx) }

// Dropped counts n items the stage dropped on purpose (a gate waiting for a
// keyframe, a recorder shedding a GOP).
func (e *Env) Dropped(n int) { e.node.stats.dropped.Add(uint64(n)) }

// After calls f on the node's actor once d has passed (a flush timer, a
// timeout); an error f returns is logged and counted. The timer belongs to
// the node: it is stopped when the stage stops, and f is not called once
// the stage that set it was replaced after a panic.
func (e *Env) After(d time.Duration, f func() error) { e.node.after(e.ctx, d, f) }

// Skipped counts n items of its input the stage left out for reason, a
// short snake_case word ("undecodable", "other_streams"): they show in the
// node's stats (NodeStats.Skipped), so nothing is skipped silently.
func (e *Env) Skipped(reason string, n int) {
	if n > 0 {
		e.node.stats.skip(reason, uint64(n))
	}
}

// Restarted counts, in the node's restarts (NodeStats.Restarts), a new
// start of the stage's stream that no panic caused: a source that opened
// its camera again after the stream dropped.
func (e *Env) Restarted() {
	if e.node != nil { // an Env made outside a pipeline counts nothing
		e.node.stats.restarts.Add(1)
	}
}

// Received counts n items a push stage took in through its own messages (a
// recorder's deliveries), which the node's "in" counter does not see.
func (e *Env) Received(n int) { e.node.stats.in.Add(uint64(n)) }

// Self is the node's actor.
func (e *Env) Self() *actor.PID { return e.ctx.Self() }

// Send sends an actor message from the node, e.g. to a topic's broker.
func (e *Env) Send(pid *actor.PID, msg any) { e.ctx.Send(pid, msg) }
