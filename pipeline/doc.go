// Package pipeline runs graphs of media stages on actors.
//
// # The basics
//
// A Pipeline is a graph of named nodes. Each node runs one Element: a kind
// of stage (an encoder, a gate, a topic subscriber) with the caps of what it
// takes and gives. Build the graph with Add and Link, or Chain, or from one
// line of text with Parse and a Registry; then Start it, and Wait for the end
// of its sources or Stop it. A Pipeline runs once. Wait and Stop return nil
// only when every node did its work: nodes that counted errors or panicked
// come back as a *FailedError, which wraps their last errors.
//
// Items are *media.Frame and *media.Packet (media.Item). A stage is typed by
// what it takes and gives: a Processor[*media.Frame, *media.Packet] (an
// encoder) takes frames and emits packets, a Sink takes, a Source produces
// when asked, a PushSource emits as actor messages come (a topic
// subscriber). The element constructors (ProcessorElement, SinkElement,
// SourceElement, PushSourceElement) tie those Go types to the element's
// caps, so a stage handed the wrong item, or emitting one, does not compile,
// and a link from raw frames into a packet input is refused by Link with
// both nodes named.
//
// Every node runs in its own actor, whose state outlives the actor: the
// stage is the only part made anew after a panic.
//
//   - A chain runs in one goroutine. A node fed by a node that feeds only
//     it runs in that node's calls, as a GStreamer element's chain function
//     runs in the thread before it; sources, branches and Queue start
//     goroutines of their own. Put a Queue between a live source and a
//     slow stage to keep them apart.
//   - Links carry credits. A link carries at most DefaultWindow items that
//     the node downstream has not yet handed on; a node credits an item back
//     once everything it made of it has left the node. A slow stage thus
//     slows its upstream, and no queue grows. A paced source (a camera) drops
//     a late frame instead of falling behind; see Source.
//   - End of stream travels down every link after the items before it. A
//     node flushes its stage (Flusher, ProcessorFlusher) first. The pipeline is done (Done)
//     when every sink has seen it.
//   - Keyframe requests travel up, node by node, to a stage that can answer
//     them (KeyframeForcer: an encoder, or a subscriber that asks its topic).
//   - Supervision: the nodes are children of one coordinator actor, with a
//     one-for-one strategy. A stage that panics is restarted with a new
//     stage; the item it panicked on is lost and credited, and the stream
//     goes on. More than MaxRestarts panics within RestartWindow stop the
//     node and fail the pipeline (ErrNodeFailed). A stage that cannot start
//     fails Start, which names the node.
//   - A stage that can never process its input (an encoder that can
//     never take the pictures' size) returns its error marked Final: its
//     node counts it once, takes no more input (what still comes is
//     dropped and credited), and sends end of stream downstream. A node
//     whose every output has so ended takes no more input either, and a
//     source stops making items; one that feeds a live branch goes on, as
//     does the rest of the pipeline. Wait and Stop return a *FinalError
//     naming the node (finish.go).
//
// # The stop sequence
//
// Stop (or the cancelling of Start's context) ends the stream gracefully, in
// this order, and is the only place that order is written down (a context
// cancelled while the stages start, or a stage that fails to start, closes
// Env.Stopping at once, and the rest follows once every Start has returned):
//
//	Stop closes Env.Stopping (a stage waiting inside a call returns), then
//	Stop --halt--> coordinator
//	                 |
//	   1.            +--halt--> producing sources (Source: cameras, files, players)
//	                              | end of stream, after the items before it;
//	                              | every node flushes, publishers leave their topics
//	                              v
//	                            their sinks --done--> coordinator
//	                 |
//	   2. once all those sinks are done, or StopTimeout/2 has passed:
//	                 +--halt--> push sources (PushSource.Halt: subscribers, recorders of topics)
//	                              | Unsubscribe with farewell
//	                              v
//	                            topic --EndOfStream--> push source
//	                              (after the deliveries on their way and the
//	                              last packet of this pipeline's publishers;
//	                              a push source that hears nothing within a
//	                              quarter of StopTimeout ends by itself)
//	                              | end of stream
//	                              v
//	                            their sinks --done--> coordinator
//	                 |
//	   3. every sink done (Done), or StopTimeout passed (ErrStopTimeout):
//	Stop --stop--> coordinator --stop--> every node: Stage.Stop
//	                 (a stage stuck in a call for another StopTimeout is left behind)
//	   4. the bus and the actor system, if the pipeline made them, are closed.
//
// Who waits for whom: Stop waits for the sinks (step 3); the push sources
// wait for the producing sources' sinks (step 2), so that what a pipeline
// publishes to itself reaches its own subscribers and is counted; a push
// source waits for its topic's answer. Nothing waits longer than its share of
// StopTimeout.
//
// # Caveats
//
//   - A node has one input; branch a stream by linking one output to several
//     nodes (tee names the point). Branches share one pace: put a topic, not
//     a tee, between a live camera and a slow consumer.
//   - A frame with several outputs is shared by every branch: stages must not
//     change an item they did not make (see media.FramePool for releasing).
//   - emit never blocks, but a node that holds an item no link could take
//     yet takes no further input until it can.
//   - A restarted source starts its stream again (a camera reopens; a file
//     starts over).
//   - Stage methods are called on the node's actor, one at a time: a stage
//     needs no locks, and must not block without a bound (Stop waits).
package pipeline
