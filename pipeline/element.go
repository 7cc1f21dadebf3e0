package pipeline

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/transport"
)

// Element is one kind of stage, as a graph sees it: its type name, what it
// takes and what it gives, and how to make its logic. New is called when the
// node starts and again after every restart (a panic in the stage), so a
// restarted stage begins from a clean state.
type Element struct {
	// Type is the element's registry name, e.g. "h264enc".
	Type string
	// In is None for sources; Out is None for sinks.
	In, Out Caps
	New     func() (Stage, error)
}

// Stage is the logic of one running node. The node's actor calls it from one
// goroutine at a time, so a Stage needs no locks.
//
// A Stage is also one of: a Processor (it has an input), a Source (it
// produces items when asked), or a push source (no input and no Next: its
// items come from actor messages it handles with Receiver, e.g. a topic
// subscriber).
type Stage interface {
	// Start prepares the stage; env stays valid until Stop returns.
	Start(env *Env) error
	// Stop frees the stage's resources. It is called when the pipeline
	// stops and before a restart; it must not emit.
	Stop() error
}

// Processor is a stage with an input: Process handles one item (a
// *media.Frame or *media.Packet matching the element's In caps) and emits
// zero or more items with Env.Emit. An error is logged and counted; the
// stream goes on.
type Processor interface {
	Stage
	Process(item any) error
}

// Source is a stage that produces items when asked. Next returns the next
// item and when it is due: a zero time means "as fast as the pipeline
// takes it" (a file read to the end), a time means "at that moment" (a
// camera, or real-time pacing). A paced frame whose moment comes while the
// pipeline is still busy is dropped and counted, so a live source never
// falls behind. A paced *media.Packet is never dropped at the source, since
// a lost delta breaks its GOP: it goes out late and the source catches up
// (a topic sheds whole GOPs for slow subscribers). Next returns io.EOF at
// the end of the stream.
type Source interface {
	Stage
	Next() (item any, due time.Time, err error)
}

// Flusher is implemented by stages that hold items back (a recorder's
// batch, a decoder with reordering): Flush is called at end of stream,
// before the end travels on, and may emit.
type Flusher interface{ Flush() error }

// KeyframeForcer is implemented by stages that can answer a keyframe request
// from downstream: an encoder forces an IDR, a subscriber forwards the request
// to its topic. Requests reaching other stages travel further upstream.
type KeyframeForcer interface{ ForceKeyframe() }

// Receiver is implemented by stages that handle actor messages of their own,
// such as a subscriber's deliveries from its topic. Receive reports whether
// it handled msg.
type Receiver interface {
	Receive(msg any) (handled bool, err error)
}

// Drainer is implemented by push sources that must know when everything they
// emitted has been taken by the downstream links (to acknowledge their own
// upstream, e.g. a topic's window).
type Drainer interface{ Drained() }

// Stopper is implemented by push sources that stop by themselves when the
// pipeline stops gracefully: Halt makes the stage end its stream (Env.End),
// at once or, after what is already on its way has arrived, later within
// the stop timeout. A stop halts push sources only after the producing
// sources' items have reached their sinks (or half the stop timeout has
// passed), so a push source fed by the same pipeline has what it published.
type Stopper interface{ Halt() }

// Env is what a running stage gets from the pipeline.
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

	node *node
	ctx  actor.Context
}

// Emit hands an item to every downstream link. Emit never blocks: an item a
// link cannot take yet waits in the node until it can, and the node takes no
// further input until then.
func (e *Env) Emit(item any) { e.node.emit(e.ctx, item) }

// End ends the stage's stream: after what was emitted, downstream receives
// end of stream. For sources and push sources.
func (e *Env) End() { e.node.endOfInput(e.ctx) }

// RequestKeyframe asks upstream for a keyframe (a gate lost the chain, a
// decoder met damage).
func (e *Env) RequestKeyframe() { e.node.requestKeyframe(e.ctx) }

// Dropped counts n items the stage dropped on purpose (a gate waiting for a
// keyframe, a recorder shedding a GOP).
func (e *Env) Dropped(n int) { e.node.stats.dropped.Add(uint64(n)) }

// After delivers msg to the stage's Receive once d has passed (a flush
// timer, a timeout). The timer belongs to the node: it is stopped when the
// stage stops, and a message due to a stage that was replaced after a panic
// is not delivered to its successor.
func (e *Env) After(d time.Duration, msg any) { e.node.after(e.ctx, d, msg) }

// Received counts n items a push stage took in through its own messages (a
// recorder's deliveries), which the node's "in" counter does not see.
func (e *Env) Received(n int) { e.node.stats.in.Add(uint64(n)) }

// Self is the node's actor.
func (e *Env) Self() *actor.PID { return e.ctx.Self() }

// Send sends an actor message from the node, e.g. to a topic's broker.
func (e *Env) Send(pid *actor.PID, msg any) { e.ctx.Send(pid, msg) }
