package pipeline

import "github.com/asynkron/protoactor-go/actor"

// Which goroutine runs a node. Every node is an actor of its own (its
// mailbox, its supervision, its PID), but not every node needs a goroutine
// of its own: a node fed by a node that feeds only it runs in the calls of
// its upstream, as a GStreamer element's chain function runs in the thread
// of the element before it. An item then goes from a source through its
// encoder to its publisher in one goroutine, with no wake of another
// goroutine between two stages (docs/design.md: each such wake cost a
// context switch of an OS thread, and put the encode job's CPU above
// gst-launch's).
//
// The mailbox stays: a message to an idle node is handled at once in the
// sender's goroutine, and one sent while the node is busy (its own credit
// coming back up the chain) waits in the mailbox for the node to finish,
// so a node's calls still come one at a time and never nest.
//
// A node gets a goroutine of its own when it is
//   - a source: it waits on a clock or on a topic, and must be free to
//     answer a halt while its chain works;
//   - one of several branches: each branch goes at its own pace, on its
//     own core;
//   - a queue (Element.Queue): the user's thread boundary, as gst's queue.
//
// A node that runs inline takes its messages from other goroutines too (a
// timer's, a topic's keyframe request) in that goroutine; its stage cannot
// tell, since its calls never overlap.
func runsInline(n *node) bool {
	up := n.graph.from
	return up != nil && up.graph.feeds == 1 && !n.element.Queue
}

// inline runs a mailbox in the goroutine that posts to it while the mailbox
// is idle; it yields the processor after as many messages as protoactor's
// own dispatcher does.
var inline = actor.NewSynchronizedDispatcher(300)

// nodeProps are the props of a node's actor.
func nodeProps(n *node) *actor.Props {
	producer := func() actor.Actor { return &nodeActor{n: n} }
	if runsInline(n) {
		return actor.PropsFromProducer(producer, actor.WithDispatcher(inline))
	}
	return actor.PropsFromProducer(producer)
}
