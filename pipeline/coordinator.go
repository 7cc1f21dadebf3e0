package pipeline

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// coordinator is the parent of a pipeline's node actors: it spawns them,
// supervises them (see MaxRestarts), tells each chain to begin once it can
// (see beginReady), runs the stop sequence (see the package documentation) and
// reports the end of the stream. It knows its nodes by value: the *node
// each message names, or the node whose actor a system message is about.
type coordinator struct {
	p       *Pipeline
	started chan<- error
	byPID   map[string]*node // a node by its actor's id, for system messages
	roots   map[*node]*node  // every node's source

	waiting int // stages not yet started
	// pending counts the stages of each source's chain (by its source) not
	// yet started, and pushWaiting the push sources (subscribers) not yet
	// started; begun holds the chains told to begin, and sinksDone the
	// sinks that saw end of stream.
	pending     map[*node]int
	pushWaiting int
	begun       map[*node]bool
	sinksDone   map[*node]bool
	sinks       int // sinks that have not seen end of stream
	ended       bool
	failed      bool
	stopping    bool

	push      map[*node]bool // sources whose stage is a PushSource
	undrained int            // sinks of producing sources that have not seen end of stream
	halting   bool           // the producing sources were told to end
	pushHalt  bool           // and then the push sources
	pushTimer *time.Timer    // halts the push sources if the rest does not drain
}

// pushHaltShare: a stop halts the push sources at the latest after
// stopTimeout/pushHaltShare, when the producing sources' items have still
// not reached their sinks (a stage stuck in a call), leaving the rest of the
// budget for the push sources to end.
const pushHaltShare = 2

func newCoordinator(p *Pipeline, started chan<- error) *coordinator {
	c := &coordinator{p: p, started: started, byPID: map[string]*node{}, roots: p.roots(), push: map[*node]bool{},
		pending: map[*node]int{}, begun: map[*node]bool{}, sinksDone: map[*node]bool{}}
	for _, n := range p.nodes {
		c.byPID[n.pid.Id] = n
	}
	return c
}

func (c *coordinator) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.spawn(ctx)
	case *startedMsg:
		c.onStarted(ctx, m)
	case *haltMsg:
		c.halt(ctx)
	case *haltPushMsg:
		c.haltPush(ctx)
	case *doneMsg:
		c.onDone(ctx, m.node)
	case *startCheckMsg:
		if c.waiting > 0 && !c.failed {
			c.startFailed(fmt.Errorf("%w: %s stopped while starting", ErrNodeFailed, c.nameOf(m.who)))
		}
	case *actor.Terminated:
		c.onTerminated(ctx, m)
	case *actor.Stopping:
		c.stopping = true
		if c.pushTimer != nil {
			c.pushTimer.Stop()
		}
	case *actor.Stopped:
		close(c.p.actorsStopped)
	}
}

// spawn starts every node's actor, under the name wire gave it.
func (c *coordinator) spawn(ctx actor.Context) {
	c.waiting = len(c.p.order)
	for _, name := range c.p.order {
		n := c.p.nodes[name]
		if len(n.outs) == 0 {
			c.sinks++
		}
		c.pending[c.roots[n]]++
		if n.element.push {
			c.pushWaiting++
		}
		if _, err := ctx.SpawnNamed(nodeProps(n), name); err != nil {
			c.startFailed(fmt.Errorf("pipeline: spawning %s: %w", name, err))
			return
		}
	}
}

func (c *coordinator) onStarted(ctx actor.Context, m *startedMsg) {
	if c.failed {
		return
	}
	if m.err != nil {
		c.startFailed(m.err)
		return
	}
	c.push[m.node] = m.push
	c.pending[c.roots[m.node]]--
	if m.node.element.push {
		c.pushWaiting--
	}
	c.beginReady(ctx)
	if c.waiting--; c.waiting == 0 {
		c.started <- nil
	}
}

// beginReady tells the chains that can begin to: those whose every stage
// started, once every push source of the pipeline (a subscriber) started
// too, so that a subscriber's Subscribe reaches its topic before the first
// packet of a publisher in the same pipeline. A chain does not wait for the
// others' sources: a camera that takes its time to answer (a network
// stream's first opening) holds its own chain, not a test pattern's or
// another camera's.
func (c *coordinator) beginReady(ctx actor.Context) {
	if c.pushWaiting > 0 {
		return
	}
	for _, name := range c.p.order {
		if root := c.p.nodes[name]; root.isSource() && c.pending[root] == 0 && !c.begun[root] {
			c.begin(ctx, root)
		}
	}
}

// begin lets the chain of the source root flow: its sources begin.
func (c *coordinator) begin(ctx actor.Context, root *node) {
	c.begun[root] = true
	for _, name := range c.p.order {
		n := c.p.nodes[name]
		if c.roots[n] != root {
			continue
		}
		if len(n.outs) == 0 && !c.push[root] && !c.sinksDone[n] {
			c.undrained++
		}
		// A node that runs in its upstream's calls begins from there
		// (begin), not in the coordinator's goroutine.
		if !runsInline(n) {
			ctx.Send(n.pid, &beginMsg{})
		}
	}
}

// halt begins the stop sequence: the producing sources end their streams,
// and the push sources are halted once those have drained, or after a share
// of the stop timeout.
func (c *coordinator) halt(ctx actor.Context) {
	if c.halting {
		return
	}
	c.halting = true
	c.haltSources(ctx, false)
	if c.undrained == 0 {
		c.haltPush(ctx)
		return
	}
	self, root := ctx.Self(), c.p.system.Root
	c.pushTimer = time.AfterFunc(c.p.cfg.stopTimeout/pushHaltShare, func() { root.Send(self, &haltPushMsg{}) })
}

// haltSources tells the producing sources, or the push sources, to end
// their streams.
func (c *coordinator) haltSources(ctx actor.Context, push bool) {
	for _, name := range c.p.order {
		if n := c.p.nodes[name]; n.isSource() && c.push[n] == push {
			ctx.Send(n.pid, &haltMsg{})
		}
	}
}

func (c *coordinator) haltPush(ctx actor.Context) {
	if c.pushHalt {
		return
	}
	c.pushHalt = true
	if c.pushTimer != nil {
		c.pushTimer.Stop()
	}
	c.haltSources(ctx, true)
}

// onDone notes that end of stream reached sink.
func (c *coordinator) onDone(ctx actor.Context, sink *node) {
	c.sinksDone[sink] = true
	if root := c.roots[sink]; c.begun[root] && !c.push[root] {
		c.undrained--
	}
	if c.halting && !c.pushHalt && c.undrained == 0 {
		c.haltPush(ctx)
	}
	if c.sinks--; c.sinks == 0 && !c.ended {
		c.ended = true
		c.p.closeDone()
	}
}

func (c *coordinator) onTerminated(ctx actor.Context, m *actor.Terminated) {
	if c.waiting > 0 && !c.failed {
		// The node's own startedMsg (with its error) may still be in the
		// mailbox behind this system message: look after it.
		ctx.Send(ctx.Self(), &startCheckMsg{who: m.Who})
		return
	}
	if !c.ended && !c.failed && !c.stopping {
		c.p.fail(fmt.Errorf("%w: %s stopped after %d restarts", ErrNodeFailed, c.nameOf(m.Who), MaxRestarts))
		c.ended = true
		c.p.closeDone()
	}
}

// nameOf names the node whose actor pid is.
func (c *coordinator) nameOf(pid *actor.PID) string {
	if n := c.byPID[pid.Id]; n != nil {
		return n.name
	}
	return pid.Id
}

func (c *coordinator) startFailed(err error) {
	c.failed = true
	c.started <- err
}
