package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/transport"
)

// Supervision of every node: a panicking stage is restarted with a fresh
// Stage, up to MaxRestarts times within RestartWindow; past that the node is
// stopped and the pipeline fails with ErrNodeFailed.
const (
	MaxRestarts   = 10
	RestartWindow = 10 * time.Second
)

// DefaultStopTimeout bounds how long Stop waits for end of stream to reach
// every sink before it stops the actors anyway.
const DefaultStopTimeout = 5 * time.Second

type config struct {
	log         zerolog.Logger
	system      *actor.ActorSystem
	bus         *transport.Bus
	busOpts     []transport.Option
	now         func() time.Time
	stopTimeout time.Duration
}

// Option configures a Pipeline.
type Option func(*config)

// WithLogger sets the pipeline's logger (default: none). When the pipeline
// makes its own actor system, protoactor's log goes to it too, at warning
// level and above.
func WithLogger(log zerolog.Logger) Option { return func(c *config) { c.log = log } }

// WithSystem runs the pipeline on an existing actor system, shared with
// other pipelines of the process. By default it makes its own and shuts it
// down after Stop.
func WithSystem(system *actor.ActorSystem) Option { return func(c *config) { c.system = system } }

// WithBus makes the pipeline's publish and subscribe elements use bus, so
// that several pipelines of one process share topics. The bus must belong to
// the pipeline's actor system. By default the pipeline makes its own.
func WithBus(bus *transport.Bus) Option { return func(c *config) { c.bus = bus } }

// WithBusOptions configures the bus the pipeline makes when it is given
// none (WithBus): its default QoS (transport.WithDefaultQoS), where durable
// topics keep their GOPs (transport.WithRetainer), and so on. The bus logs
// to the pipeline's logger unless these options say otherwise.
func WithBusOptions(opts ...transport.Option) Option {
	return func(c *config) { c.busOpts = append(c.busOpts, opts...) }
}

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithStopTimeout bounds how long Stop waits for the stream to drain.
func WithStopTimeout(d time.Duration) Option { return func(c *config) { c.stopTimeout = d } }

// NewSystem makes an actor system whose own log goes to log at warning
// level and above: protoactor's info lines (every actor start) are noise in
// a media pipeline.
func NewSystem(log zerolog.Logger) *actor.ActorSystem {
	plog := log.With().Str("lib", "protoactor").Logger().Level(max(log.GetLevel(), zerolog.WarnLevel))
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(demote{zerolog.NewSlogHandler(plog)})
	}))
}

// demote lowers protoactor's log lines that report what gopline handles
// and logs itself to info: a connection to a peer that ended (a process
// that exits, a link that breaks) is an error line of protoactor's remote,
// while gopline's link reports it, with what it does about it.
type demote struct{ slog.Handler }

// demoted are the messages demote lowers.
var demoted = map[string]bool{"EndpointWriter lost connection": true, "EndpointWriter failed to connect": true}

func (d demote) Handle(ctx context.Context, r slog.Record) error {
	if demoted[r.Message] && r.Level > slog.LevelInfo {
		r.Level = slog.LevelInfo
		if !d.Handler.Enabled(ctx, r.Level) {
			return nil
		}
	}
	return d.Handler.Handle(ctx, r)
}

func (d demote) WithAttrs(as []slog.Attr) slog.Handler { return demote{d.Handler.WithAttrs(as)} }
func (d demote) WithGroup(name string) slog.Handler    { return demote{d.Handler.WithGroup(name)} }

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

	order  []string
	nodes  map[string]*node
	inputs map[string]string // node -> its upstream node
	// outKnown holds what pass-through nodes give, once settled (outCaps).
	outKnown map[string]Caps

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
	return &Pipeline{cfg: cfg, log: cfg.log, now: cfg.now, nodes: map[string]*node{}, inputs: map[string]string{},
		id: fmt.Sprintf("pipeline-%d", pipelineIDs.Add(1)), done: make(chan struct{}), finished: make(chan struct{}),
		actorsStopped: make(chan struct{})}
}

// Add adds a node running el under a unique name.
func (p *Pipeline) Add(name string, el Element) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return ErrStarted
	}
	if name == "" {
		return fmt.Errorf("%w: a node needs a name", ErrBadGraph)
	}
	if _, dup := p.nodes[name]; dup {
		return fmt.Errorf("%w: %q", ErrDuplicateNode, name)
	}
	if el.New == nil {
		return fmt.Errorf("%w: node %q: element %q has no constructor", ErrBadGraph, name, el.Type)
	}
	p.nodes[name] = &node{name: name, element: el, pipe: p}
	p.order = append(p.order, name)
	return nil
}

// Link connects the output of node from to the input of node to. The link's
// types are checked here: an error names both nodes and what each side
// carries.
func (p *Pipeline) Link(from, to string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return ErrStarted
	}
	src, ok := p.nodes[from]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownNode, from)
	}
	dst, ok := p.nodes[to]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownNode, to)
	}
	if src.element.Out.Kind == KindNone {
		return fmt.Errorf("%w: %s (%s) is a sink: it has no output to link to %s", ErrBadGraph, from, src.element.Type, to)
	}
	if dst.element.In.Kind == KindNone {
		return fmt.Errorf("%w: %s (%s) is a source: it takes no input from %s", ErrBadGraph, to, dst.element.Type, from)
	}
	if out := p.outCaps(from); !out.CanFeed(dst.element.In) {
		return fmt.Errorf("%w: %s (%s) gives %v but %s (%s) takes %v", ErrMismatch,
			from, src.element.Type, out, to, dst.element.Type, dst.element.In)
	}
	if up, ok := p.inputs[to]; ok {
		return fmt.Errorf("%w: %s already takes its input from %s; a node has one input", ErrBadGraph, to, up)
	}
	if from == to {
		return fmt.Errorf("%w: %s links to itself", ErrBadGraph, from)
	}
	p.inputs[to] = from
	return nil
}

// outCaps returns what node name gives: its element's Out caps, or, for an
// element that passes on its input (KindAny), what its upstream gives. An
// answer that no later link can change (it comes from a node that is not a
// pass-through) is kept for every node on the way, so a line of N tees
// costs N steps, not N*N.
func (p *Pipeline) outCaps(name string) Caps {
	var walked []string
	out, settled := Any, false
	for cur := name; len(walked) <= len(p.nodes); { // bounded: a cycle of pass-through nodes
		if c, ok := p.outKnown[cur]; ok {
			out, settled = c, true
			break
		}
		el := p.nodes[cur].element
		up, ok := p.inputs[cur]
		if el.Out.Kind != KindAny || !ok {
			out, settled = el.Out, el.Out.Kind != KindAny
			break
		}
		walked = append(walked, cur)
		cur = up
	}
	if settled {
		if p.outKnown == nil {
			p.outKnown = map[string]Caps{}
		}
		for _, n := range walked {
			p.outKnown[n] = out
		}
	}
	return out
}

// Chain adds the named elements in order and links each to the next.
func (p *Pipeline) Chain(names []string, elements []Element) error {
	if len(names) != len(elements) {
		return fmt.Errorf("%w: %d names for %d elements", ErrBadGraph, len(names), len(elements))
	}
	for i := range names {
		if err := p.Add(names[i], elements[i]); err != nil {
			return err
		}
		if i > 0 {
			if err := p.Link(names[i-1], names[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Check verifies the whole graph as Start does: every node that takes
// items has an input, every output is taken, and no node is on a cycle.
// Graph errors wrap ErrBadGraph; for a node that came from Parse's line the
// error is a *syntax.Error pointing at it.
func (p *Pipeline) Check() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.check()
}

// check is Check with p.mu held.
func (p *Pipeline) check() error {
	if len(p.nodes) == 0 {
		return fmt.Errorf("%w: no nodes", ErrBadGraph)
	}
	err := p.checkNodes()
	var nerr *nodeError
	if !errors.As(err, &nerr) {
		return err
	}
	if pos, ok := p.places[nerr.node]; ok {
		return &syntax.Error{Line: p.line, Pos: pos, Msg: strings.TrimPrefix(nerr.Error(), "pipeline: "), Err: nerr}
	}
	return nerr
}

// nodeError is a graph error about one node.
type nodeError struct {
	node string
	err  error
}

func (e *nodeError) Error() string { return e.err.Error() }
func (e *nodeError) Unwrap() error { return e.err }

func (p *Pipeline) checkNodes() error {
	bad := func(node, format string, args ...any) error {
		return &nodeError{node: node, err: fmt.Errorf("%w: "+format, append([]any{ErrBadGraph}, args...)...)}
	}
	outputs := map[string]int{}
	for _, from := range p.inputs {
		outputs[from]++
	}
	for _, name := range p.order {
		n := p.nodes[name]
		if n.element.In.Kind != KindNone {
			if _, ok := p.inputs[name]; !ok {
				return bad(name, "%s (%s) needs an input of %v", name, n.element.Type, n.element.In)
			}
		}
		if n.element.Out.Kind != KindNone && outputs[name] == 0 {
			return bad(name, "%s (%s) gives %v but nothing takes them; end the chain with a sink such as fakesink",
				name, n.element.Type, n.element.Out)
		}
	}
	// With one input per node, a node no source reaches sits on a cycle. A
	// walk up stops at a node an earlier walk reached from a source, so each
	// node is walked once.
	walkOf := map[string]int{} // node -> the walk that passed it, from 1
	for i, name := range p.order {
		for cur := name; walkOf[cur] == 0; {
			walkOf[cur] = i + 1
			up, ok := p.inputs[cur]
			if !ok {
				break
			}
			if walkOf[up] == i+1 {
				return bad(name, "%s is on a cycle", name)
			}
			cur = up
		}
	}
	return nil
}

// Start checks the graph, starts every node's stage, and then lets the
// sources produce. It returns the first error of a stage that could not
// start (a missing file, a bad device), after stopping what had started.
// ctx cancels the pipeline as Stop does.
func (p *Pipeline) Start(ctx context.Context) error {
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
	if p.cfg.system == nil {
		p.system = NewSystem(p.log)
	} else {
		p.system = p.cfg.system
	}
	if p.cfg.bus == nil {
		p.bus = transport.NewBus(p.system, append([]transport.Option{transport.WithLogger(p.log)}, p.cfg.busOpts...)...)
	} else {
		p.bus = p.cfg.bus
	}
	p.mu.Unlock()

	for to, from := range p.inputs {
		src, dst := p.nodes[from], p.nodes[to]
		dst.upstream = p.system.NewLocalPID(p.id + "/" + from)
		src.outs = append(src.outs, &link{to: p.system.NewLocalPID(p.id + "/" + to), credit: DefaultWindow})
	}
	started := make(chan error, 1)
	props := actor.PropsFromProducer(func() actor.Actor { return &coordinator{p: p, started: started} },
		actor.WithSupervisor(actor.NewOneForOneStrategy(MaxRestarts, RestartWindow, actor.DefaultDecider)))
	coord, err := p.system.Root.SpawnNamed(props, p.id)
	if err != nil {
		p.shutdown()
		p.mu.Lock()
		p.stopped = true
		p.mu.Unlock()
		p.closeDone()
		close(p.finished)
		return fmt.Errorf("pipeline: spawning: %w", err)
	}
	p.mu.Lock()
	p.coord = coord
	p.mu.Unlock()
	if err := <-started; err != nil {
		p.system.Root.Stop(coord)
		select {
		case <-p.actorsStopped:
		case <-time.After(p.cfg.stopTimeout):
		}
		p.shutdown()
		p.mu.Lock()
		p.stopped = true
		p.mu.Unlock()
		p.closeDone()
		close(p.finished)
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
// past its restarts.
func (p *Pipeline) Wait() error {
	<-p.done
	return p.Stop()
}

// Stop stops the pipeline gracefully: sources end their streams, end of
// stream flows through every node (encoders and recorders flush), then the
// actors stop and free their resources. Sources that produce (a camera, a
// file) end first; push sources (topic subscribers, recorders of topics)
// are halted once everything the producing sources emitted has reached its
// sinks, or after half the stop timeout if it has not, so that what the
// pipeline publishes to itself arrives and is counted. It waits at most the
// stop timeout for the stream to drain. Stop is safe to call more than once.
func (p *Pipeline) Stop() error {
	p.mu.Lock()
	if !p.started || p.coord == nil {
		p.mu.Unlock()
		return nil
	}
	if p.stopped {
		p.mu.Unlock()
		<-p.finished
		return p.err()
	}
	p.stopped = true
	p.mu.Unlock()

	var err error
	select {
	case <-p.done:
	default:
		p.system.Root.Send(p.coord, &haltMsg{})
		select {
		case <-p.done:
		case <-time.After(p.cfg.stopTimeout):
			err = ErrStopTimeout
		}
	}
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
	p.shutdown()
	close(p.finished)
	if f := p.err(); f != nil {
		return f
	}
	return err
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

// sinkRoots maps every sink (a node without outputs) to the source its
// items come from. With one input per node, that source is unique.
func (p *Pipeline) sinkRoots() map[string]string {
	fed := map[string]bool{}
	for _, from := range p.inputs {
		fed[from] = true
	}
	roots := map[string]string{}
	for _, name := range p.order {
		if fed[name] {
			continue
		}
		root := name
		for up, ok := p.inputs[root]; ok; up, ok = p.inputs[root] {
			root = up
		}
		roots[name] = root
	}
	return roots
}

// Bus returns the topics the pipeline publishes and subscribes on (nil
// before Start).
func (p *Pipeline) Bus() *transport.Bus { return p.bus }

// startCheckMsg fails the start if a node that stopped while starting
// reported no error of its own.
type startCheckMsg struct{ who string }

// coordinator is the parent of a pipeline's node actors: it spawns them,
// supervises them (see MaxRestarts), tells sources to begin once every stage
// started, and reports the end of the stream.
type coordinator struct {
	p        *Pipeline
	started  chan<- error
	waiting  int
	sinks    int
	ended    bool
	failed   bool
	stopping bool

	roots     map[string]string // sink -> its source
	push      map[string]bool   // sources whose stage is a push source
	doneSinks map[string]bool
	halting   bool        // the producing sources were told to end
	pushHalt  bool        // and then the push sources
	pushTimer *time.Timer // ends the push sources if the rest does not drain
}

// haltPushMsg tells the coordinator to end the push sources.
type haltPushMsg struct{}

// pushHaltShare: a stop halts the push sources at the latest after
// stopTimeout/pushHaltShare, when the producing sources' items have still
// not reached their sinks (a stage stuck in a call), leaving the rest of the
// budget for the push sources to end.
const pushHaltShare = 2

func (c *coordinator) Receive(ctx actor.Context) {
	p := c.p
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.waiting = len(p.order)
		c.roots, c.push, c.doneSinks = p.sinkRoots(), map[string]bool{}, map[string]bool{}
		for _, name := range p.order {
			n := p.nodes[name]
			if len(n.outs) == 0 {
				c.sinks++
			}
			props := actor.PropsFromProducer(func() actor.Actor { return &nodeActor{n: n} })
			if _, err := ctx.SpawnNamed(props, name); err != nil {
				c.startFailed(fmt.Errorf("pipeline: spawning %s: %w", name, err))
				return
			}
		}
	case *startedMsg:
		if c.failed {
			return
		}
		if m.err != nil {
			c.startFailed(m.err)
			return
		}
		if m.push {
			c.push[m.name] = true
		}
		if c.waiting--; c.waiting == 0 {
			// Every node exists and every stage started: items may flow,
			// and sources begin.
			for _, pid := range ctx.Children() {
				ctx.Send(pid, &beginMsg{})
			}
			c.started <- nil
		}
	case *haltMsg:
		if c.halting {
			return
		}
		c.halting = true
		c.haltSources(ctx, false)
		if c.drained() {
			c.haltPush(ctx)
			return
		}
		self := ctx.Self()
		c.pushTimer = time.AfterFunc(p.cfg.stopTimeout/pushHaltShare, func() { p.system.Root.Send(self, &haltPushMsg{}) })
	case *haltPushMsg:
		c.haltPush(ctx)
	case *startCheckMsg:
		if c.waiting > 0 && !c.failed {
			c.startFailed(fmt.Errorf("%w: %s stopped while starting", ErrNodeFailed, m.who))
		}
	case *doneMsg:
		c.doneSinks[m.name] = true
		if c.halting && !c.pushHalt && c.drained() {
			c.haltPush(ctx)
		}
		if c.sinks--; c.sinks == 0 && !c.ended {
			c.ended = true
			p.closeDone()
		}
	case *actor.Stopping:
		c.stopping = true
		if c.pushTimer != nil {
			c.pushTimer.Stop()
		}
	case *actor.Stopped:
		close(p.actorsStopped)
	case *actor.Terminated:
		if c.waiting > 0 && !c.failed {
			// The node's own startedMsg (with its error) may still be in
			// the mailbox behind this system message: look after it.
			ctx.Send(ctx.Self(), &startCheckMsg{who: m.Who.Id})
			return
		}
		if !c.ended && !c.failed && !c.stopping {
			p.fail(fmt.Errorf("%w: %s stopped after %d restarts", ErrNodeFailed, m.Who.Id, MaxRestarts))
			c.ended = true
			p.closeDone()
		}
	}
}

// haltSources tells the producing sources, or the push sources, to end
// their streams.
func (c *coordinator) haltSources(ctx actor.Context, push bool) {
	p := c.p
	for _, pid := range ctx.Children() {
		name := pid.Id[len(p.id)+1:]
		if n := p.nodes[name]; n != nil && n.element.In.Kind == KindNone && c.push[name] == push {
			ctx.Send(pid, &haltMsg{})
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

// drained reports whether every sink fed by a producing source has seen
// the end of its stream.
func (c *coordinator) drained() bool {
	for name, root := range c.roots {
		if !c.push[root] && !c.doneSinks[name] {
			return false
		}
	}
	return true
}

func (c *coordinator) startFailed(err error) {
	c.failed = true
	c.started <- err
}
