package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/transport"
)

var pipelineIDs atomic.Uint64

// Pipeline is a graph of named nodes, each running one Element in an actor.
//
// Build it with Add and Link (or Parse for the one-line syntax), then Start,
// then Wait for the end of its sources or Stop it. A Pipeline runs once.
type Pipeline struct {
	cfg    config
	log    zerolog.Logger
	now    func() time.Time
	system *actor.ActorSystem
	bus    *transport.Bus
	id     string
	owner  transport.Owner // its publishers' owner on the bus

	order []string
	nodes map[string]*node

	// line and places: where the nodes of a pipeline made by Parse are in
	// its line, for errors found after parsing.
	line   string
	places map[string]syntax.Pos

	mu       sync.Mutex
	started  bool
	stopped  bool
	startAt  time.Time
	coord    *actor.PID
	done     chan struct{}
	doneOnce sync.Once
	// stopping is closed when Stop begins (Env.Stopping).
	stopping     chan struct{}
	stoppingOnce sync.Once
	// actorsStopped is closed when the coordinator and its nodes have stopped.
	actorsStopped chan struct{}
	failure       error
	finished      chan struct{} // closed once the actors are all stopped
}

// New makes an empty pipeline.
func New(opts ...Option) *Pipeline {
	cfg := config{log: zerolog.Nop(), now: time.Now, stopTimeout: DefaultStopTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	return &Pipeline{cfg: cfg, log: cfg.log, now: cfg.now, nodes: map[string]*node{},
		id: fmt.Sprintf("pipeline-%d", pipelineIDs.Add(1)), owner: transport.NewOwner(), done: make(chan struct{}), finished: make(chan struct{}), stopping: make(chan struct{}),
		actorsStopped: make(chan struct{})}
}

// Start checks the graph, starts every node's stage, and then lets the
// sources produce. It returns the first error of a stage that could not
// start (a missing file, a bad device), after stopping what had started;
// Env.Stopping closes at that error, so that the stages still inside
// their Start (a camera slow to answer) return at once.
// ctx cancels the pipeline as Stop does; cancelled while the stages start,
// it closes Env.Stopping at once, for a stage waiting inside its Start.
// Already done, it fails Start with its error, and nothing starts.
func (p *Pipeline) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pipeline: not started: %w", err)
	}
	p.mu.Lock()
	if p.started {
		p.mu.Unlock()
		return ErrStarted
	}
	if err := p.check(); err != nil {
		p.mu.Unlock()
		return err
	}
	p.started = true
	p.startAt = p.now()
	p.system = p.cfg.system
	if p.system == nil {
		p.system = NewSystem(p.log)
	}
	p.bus = p.cfg.bus
	if p.bus == nil {
		p.bus = transport.NewBus(p.system, append([]transport.Option{transport.WithLogger(p.log)}, p.cfg.busOpts...)...)
	}
	p.mu.Unlock()

	p.wire()
	started := make(chan error, 1)
	props := actor.PropsFromProducer(func() actor.Actor { return newCoordinator(p, started) },
		actor.WithSupervisor(actor.NewOneForOneStrategy(MaxRestarts, RestartWindow, actor.DefaultDecider)))
	coord, err := p.system.Root.SpawnNamed(props, p.id)
	if err != nil {
		err = fmt.Errorf("pipeline: spawning: %w", err)
		p.fail(err)
		p.abandon()
		return err
	}
	p.mu.Lock()
	p.coord = coord
	p.mu.Unlock()
	if err := p.awaitStart(ctx, started); err != nil {
		p.fail(err) // Wait's and Stop's too
		// The other stages still in their Start (a camera slow to answer)
		// return at once: the run fails now, not after their openings.
		p.stoppingOnce.Do(func() { close(p.stopping) })
		p.system.Root.Stop(coord)
		select {
		case <-p.actorsStopped:
		case <-time.After(p.cfg.stopTimeout):
		}
		p.abandon()
		return err
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = p.Stop()
		case <-p.finished:
		}
	}()
	return nil
}

// awaitStart waits until every stage has started, or one failed. When ctx
// is done meanwhile, Env.Stopping closes, so that a stage waiting inside
// its Start (opening a camera that does not answer) returns at once; the
// stop follows once every stage is back.
func (p *Pipeline) awaitStart(ctx context.Context, started <-chan error) error {
	select {
	case err := <-started:
		return err
	case <-ctx.Done():
		p.stoppingOnce.Do(func() { close(p.stopping) })
		return <-started
	}
}

// wire gives every node its actor, and links each to the nodes it feeds
// with a full window of credit. The coordinator spawns the nodes under
// these actors' names.
func (p *Pipeline) wire() {
	for _, name := range p.order {
		p.nodes[name].pid = p.system.NewLocalPID(p.id + "/" + name)
	}
	for _, name := range p.order {
		n := p.nodes[name]
		if up := n.graph.from; up != nil {
			n.upstream = up.pid
			window := n.element.Window
			if window <= 0 {
				window = DefaultWindow
			}
			l := newLinks(window, n.pid)
			l[0].inline = runsInline(n)
			up.outs = append(up.outs, l...)
			if l[0].inline {
				up.pace.slack = window // see pacer
			}
		}
	}
}

// abandon ends a pipeline whose start failed.
func (p *Pipeline) abandon() {
	p.shutdown()
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.stoppingOnce.Do(func() { close(p.stopping) })
	p.closeDone()
	close(p.finished)
}

func (p *Pipeline) shutdown() {
	if p.cfg.bus == nil && p.bus != nil {
		p.bus.Close()
	}
	if p.cfg.system == nil && p.system != nil {
		p.system.Shutdown()
	}
}

// closeDone closes the done channel once: when every sink has seen the end
// of the stream, when the pipeline fails, or when Stop has stopped it.
func (p *Pipeline) closeDone() { p.doneOnce.Do(func() { close(p.done) }) }

// Done is closed when every sink has seen the end of the stream, the
// pipeline failed, or Stop has stopped it.
func (p *Pipeline) Done() <-chan struct{} { return p.done }

// Wait waits until every sink has seen the end of its stream (every source
// ended), then stops the actors. It returns ErrNodeFailed when a node failed
// past its restarts, and, as every later call of Wait and Stop does, the
// error of Start that failed or of the Stop that stopped the pipeline
// (ErrStopTimeout: a stage left behind), whoever called it (a cancelled
// context, Node.Close), joined with a FailedError when nodes failed their
// part (a source that never opened, a stage that failed on items or
// panicked): nil means every node did its work. Before Start it returns
// ErrNotStarted at once.
func (p *Pipeline) Wait() error {
	p.mu.Lock()
	started := p.started
	p.mu.Unlock()
	if !started {
		return ErrNotStarted
	}
	<-p.done
	return p.Stop()
}

// Stop stops the pipeline gracefully, as the stop sequence in the package
// documentation says: producing sources end, their end of stream flows to
// the sinks, push sources are halted and end, and then the actors stop and
// free their resources. It waits at most the stop timeout for the stream to
// drain, and as long again for the actors to stop. It returns what Wait
// returns. Stop is safe to call more than once: every call returns the
// first's error. Before Start it does nothing.
func (p *Pipeline) Stop() error {
	p.mu.Lock()
	if !p.started || p.coord == nil { // not started, or its start failed
		p.mu.Unlock()
		return p.err()
	}
	if p.stopped {
		p.mu.Unlock()
		<-p.finished
		return p.err()
	}
	p.stopped = true
	p.mu.Unlock()

	p.stoppingOnce.Do(func() { close(p.stopping) })
	err := p.drain()
	p.closeDone()
	// A stage stuck in a call (a device read that hangs) keeps its actor from
	// stopping; the pipeline gives up on it after the stop timeout.
	p.system.Root.Stop(p.coord)
	select {
	case <-p.actorsStopped:
	case <-time.After(p.cfg.stopTimeout):
		if err == nil {
			err = fmt.Errorf("%w: a stage did not stop", ErrStopTimeout)
		}
	}
	if err != nil {
		p.fail(err)
	}
	p.shutdown()
	p.failNodes()
	close(p.finished)
	return p.err()
}

// failNodes adds to the pipeline's error the nodes that failed their part
// of the run (a FailedError), once its actors have stopped.
func (p *Pipeline) failNodes() {
	failed := failures(p.Stats())
	if failed == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failure == nil {
		p.failure = failed
		return
	}
	p.failure = errors.Join(p.failure, failed)
}

// drain halts the sources and waits, at most the stop timeout, for end of
// stream to reach every sink.
func (p *Pipeline) drain() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	p.system.Root.Send(p.coord, &haltMsg{})
	timeout := time.NewTimer(p.cfg.stopTimeout)
	defer timeout.Stop()
	select {
	case <-p.done:
		return nil
	case <-timeout.C:
		return p.stopTimedOut()
	}
}

func (p *Pipeline) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failure
}

func (p *Pipeline) fail(err error) {
	p.mu.Lock()
	if p.failure == nil {
		p.failure = err
	}
	p.mu.Unlock()
}

// Stats returns a snapshot of every node's counters, in the order nodes
// were added.
func (p *Pipeline) Stats() []NodeStats {
	var elapsed time.Duration
	if !p.startAt.IsZero() {
		elapsed = p.now().Sub(p.startAt)
	}
	out := make([]NodeStats, 0, len(p.order))
	for _, name := range p.order {
		n := p.nodes[name]
		out = append(out, n.stats.snapshot(name, n.element.Type, elapsed))
	}
	return out
}

// ID names the pipeline in its actors' names and logs ("pipeline-1"):
// unique within the process.
func (p *Pipeline) ID() string { return p.id }

// Bus returns the topics the pipeline publishes and subscribes on (nil
// before Start).
func (p *Pipeline) Bus() *transport.Bus { return p.bus }
