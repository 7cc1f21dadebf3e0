package pipeline

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

// node is one running node. Its fields outlive restarts of its actor, so
// credits, counters and queued items survive a panic in the stage; only the
// stage is made anew. Only the node's actor goroutine touches it (stats
// excepted).
type node struct {
	name     string
	element  Element
	pipe     *Pipeline
	pid      *actor.PID // the node's actor, once the pipeline starts
	upstream *actor.PID // nil for sources
	outs     links
	stats    nodeStats
	failures lograte.Limiter // warnings of the stage's errors (failed)
	drops    lograte.Limiter // warnings of a live source's dropped frames
	graph    graphNode       // its place in the graph, fixed once the pipeline starts
	progress progress        // what a stop that timed out reports (undrained.go)

	drv      driven // the running stage; drv.stage is nil when there is none
	env      *Env
	started  bool             // the stage has been started at least once
	emitItem func(media.Item) // n.emit, made once

	unacked    int  // items received and not yet credited back upstream
	inputEnded bool // end of stream reached this node
	// finished: the node takes no more input, before its upstream's end
	// of stream (finish.go)
	finished bool
	flushed  bool
	eosSent  bool

	begun bool  // every node of its chain exists: items may flow
	pace  pacer // sources: the items waiting to go out
	timer *time.Timer
	gen   uint64

	// timers the stage set with Env.After, stopped with the stage, and the
	// generation of the stage they belong to
	stageTimers map[*time.Timer]struct{}
	stageGen    uint64

	// panicked is what the stage last panicked with, for the restart's log
	// line; stack is where.
	panicked any
	stack    []byte
}

// isSource reports whether the node's element takes no input.
func (n *node) isSource() bool { return n.element.In.Kind == KindNone }

// nodeActor is the actor shell around a node: it turns messages into calls
// on the node and its stage.
type nodeActor struct{ n *node }

func (a *nodeActor) Receive(ctx actor.Context) {
	n := a.n
	defer func() {
		if r := recover(); r != nil {
			// Noted for the log, then on to the supervisor, which
			// restarts the stage.
			n.panicked, n.stack = r, debug.Stack()
			panic(r)
		}
	}()
	if n.env != nil {
		n.env.ctx = ctx
	}
	n.progress.busy.Store(n.pipe.now().UnixNano())
	defer n.progress.busy.Store(0)
	switch m := ctx.Message().(type) {
	case *actor.Started:
		n.start(ctx)
	case *actor.Restarting:
		n.stats.restarts.Add(1)
		n.stats.panics.Add(1)
		n.pipe.log.Warn().Str("node", n.name).Str("element", n.element.Type).Uint64("restarts", n.stats.restarts.Load()).
			Str("panic", fmt.Sprint(n.panicked)).Msg("stage panicked; restarting it")
		n.pipe.log.Debug().Str("node", n.name).Bytes("stack", n.stack).Msg("where the stage panicked")
		n.stopStage()
	case *actor.Stopping:
		n.stopStage()
	case *itemMsg:
		n.onItem(ctx, m)
	case *creditMsg:
		n.onCredit(ctx, m)
	case *eosMsg:
		n.endOfInput(ctx)
	case *finishedMsg:
		n.onFinished(ctx, m)
	case *keyframeMsg:
		n.onKeyframeRequest(ctx)
	case *transport.KeyframeRequest:
		// A topic asks the node that publishes on it for a keyframe: a
		// request from downstream like any other.
		n.onKeyframeRequest(ctx)
	case *tickMsg:
		if m.gen == n.gen {
			n.timer = nil
			n.pump(ctx)
		}
	case *afterMsg:
		n.onAfter(ctx, m)
	case *beginMsg:
		n.begin(ctx)
	case *haltMsg:
		n.halt(ctx)
	default:
		n.onMessage(ctx, m)
	}
}

// onMessage hands a message of the stage's own to a push source.
func (n *node) onMessage(ctx actor.Context, m any) {
	if n.drv.receive == nil {
		return
	}
	if _, err := n.drv.receive(m); err != nil {
		n.stageFailed(ctx, "stage message failed", err)
	}
	n.tryDrain(ctx)
}

func (n *node) start(ctx actor.Context) {
	restart := n.started
	n.gen++      // ticks of a previous incarnation are stale
	n.stageGen++ // and so are its own timed calls
	n.env = &Env{Node: n.name, Log: n.pipe.log.With().Str("node", n.name).Str("element", n.element.Type).Logger(),
		Now: n.pipe.now, Bus: n.pipe.bus, Owner: n.pipe.owner, StopTimeout: n.pipe.cfg.stopTimeout,
		Stopping: n.pipe.stopping, node: n, ctx: ctx}
	if n.emitItem == nil {
		n.emitItem = n.emit
	}
	drv, err := newStage(n.element, n.env, n.emitItem)
	if err != nil {
		err = &StartError{Node: n.name, Element: n.element.Type, Err: err}
		if !restart {
			ctx.Send(ctx.Parent(), &startedMsg{node: n, err: err})
		} else {
			n.pipe.log.Error().Err(err).Msg("stage cannot start again after a restart; stopping the node")
		}
		ctx.Stop(ctx.Self())
		return
	}
	n.drv, n.started = drv, true
	n.progress.push.Store(drv.push != nil)
	if !restart {
		ctx.Send(ctx.Parent(), &startedMsg{node: n, push: drv.push != nil})
		return
	}
	// The item that made the stage panic is lost; credit it so upstream
	// does not lose a slot of its window, and carry on. A source starts
	// again from its new stage.
	n.pace.reset()
	n.tryDrain(ctx)
	if n.inputEnded {
		n.finishInput(ctx)
		return
	}
	n.pump(ctx)
}

// newStage makes, adapts and starts an element's stage. A panic in New or
// Start is an error like any other, and a stage that fails to start is
// stopped, so that what it opened is freed.
func newStage(el Element, env *Env, emit func(media.Item)) (drv driven, err error) {
	var stage Stage
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while starting: %v", r)
			if stage != nil {
				stopQuietly(stage)
			}
			drv = driven{}
		}
	}()
	if stage, err = el.New(); err != nil {
		return driven{}, err
	}
	if drv, err = el.drive(stage, emit); err != nil {
		stopQuietly(stage)
		return driven{}, err
	}
	if err = stage.Start(env); err != nil {
		stopQuietly(stage)
		return driven{}, err
	}
	return drv, nil
}

// stopQuietly stops a stage that failed to start; what Stop says, or a
// panic in it, adds nothing to the start error already reported.
func stopQuietly(s Stage) {
	defer func() { _ = recover() }()
	_ = s.Stop()
}

func (n *node) stopStage() {
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
	for t := range n.stageTimers {
		t.Stop()
	}
	n.stageTimers = nil
	if n.drv.stage != nil {
		// A stage's Stop can lose what it holds (a recording that cannot
		// be closed): an error of the node, counted, so that a run that
		// ends so does not pass for one that went well.
		if err := n.drv.stage.Stop(); err != nil {
			n.stats.failed(err)
			n.pipe.log.Warn().Err(err).Str("node", n.name).Msg("stage stop failed")
		}
		n.drv = driven{}
	}
}

// after calls f on the node's actor after d (Env.After).
func (n *node) after(ctx actor.Context, d time.Duration, f func() error) {
	if n.stageTimers == nil {
		n.stageTimers = map[*time.Timer]struct{}{}
	}
	m := &afterMsg{gen: n.stageGen, f: f}
	self, root := ctx.Self(), n.pipe.system.Root
	m.timer = time.AfterFunc(d, func() { root.Send(self, m) })
	n.stageTimers[m.timer] = struct{}{}
}

func (n *node) onAfter(ctx actor.Context, m *afterMsg) {
	delete(n.stageTimers, m.timer)
	if m.gen != n.stageGen || n.drv.stage == nil {
		return // set by a stage that is gone
	}
	if err := m.f(); err != nil {
		n.stageFailed(ctx, "stage timer failed", err)
	}
	n.tryDrain(ctx)
}
