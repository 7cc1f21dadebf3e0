package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/pipeline/syntax"
)

// graphNode is a node's place in the graph, as Add and Link build it.
type graphNode struct {
	from  *node // the node that feeds this one; nil for none (yet)
	feeds int   // how many nodes this one feeds
	// capsFrom is the node up the chain whose Out caps this node's are
	// known to be (a pass-through node gives what its input gives); nil
	// until outCaps has followed the chain. capsCycle marks a chain of
	// pass-through nodes that runs in a cycle.
	capsFrom  *node
	capsCycle bool
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
	if el.New == nil || el.drive == nil {
		return fmt.Errorf("%w: node %q: element %q has no constructor (make it with ProcessorElement, SinkElement, SourceElement or PushSourceElement)",
			ErrBadGraph, name, el.Type)
	}
	if el.invalid != nil {
		return fmt.Errorf("node %q: %w", name, el.invalid)
	}
	p.nodes[name] = &node{name: name, element: el, pipe: p, failures: lograte.Limiter{Interval: failWarnInterval},
		drops: lograte.Limiter{Interval: dropWarnInterval}}
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
	if out := p.outCaps(src); !out.CanFeed(dst.element.In) {
		return fmt.Errorf("%w: %s (%s) gives %v but %s (%s) takes %v%s", ErrMismatch,
			from, src.element.Type, out, to, dst.element.Type, dst.element.In, mismatchHint(src.element.Type, out, dst.element.Type, dst.element.In))
	}
	if dst.graph.from != nil {
		return fmt.Errorf("%w: %s already takes its input from %s; a node has one input", ErrBadGraph, to, dst.graph.from.name)
	}
	if from == to {
		return fmt.Errorf("%w: %s links to itself", ErrBadGraph, from)
	}
	dst.graph.from = src
	src.graph.feeds++
	return nil
}

// outCaps returns what n gives: its element's Out caps, or, for an element
// that passes its input on (Any), what its upstream gives. Each node on the
// way remembers where the chain led (path compression), so linking the
// nodes of a long chain of pass-through nodes costs linear time in all,
// not quadratic.
func (p *Pipeline) outCaps(n *node) Caps {
	var path []*node
	cur := n
	for !cur.graph.capsCycle {
		next := cur.graph.capsFrom
		if next == nil {
			if cur.element.Out.Kind != KindAny || cur.graph.from == nil {
				for _, m := range path {
					m.graph.capsFrom = cur
				}
				return cur.element.Out
			}
			next = cur.graph.from
		}
		if len(path) > len(p.order) { // round a cycle of pass-through nodes
			break
		}
		path = append(path, cur)
		cur = next
	}
	for _, m := range path {
		m.graph.capsCycle = true
	}
	return Any
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
	if p.cfg.bad != nil {
		return p.cfg.bad
	}
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
	for _, name := range p.order {
		n := p.nodes[name]
		if n.element.In.Kind != KindNone && n.graph.from == nil {
			return bad(name, "%s (%s) needs an input of %v", name, n.element.Type, n.element.In)
		}
		if n.element.Out.Kind != KindNone && n.graph.feeds == 0 {
			return bad(name, "%s (%s) gives %v but nothing takes them; end the chain with a sink such as fakesink",
				name, n.element.Type, n.element.Out)
		}
	}
	roots := p.roots()
	for _, name := range p.order {
		if roots[p.nodes[name]] == nil {
			return bad(name, "%s is on a cycle", name)
		}
	}
	return nil
}

// roots maps every node to the source its items come from, nil for a node
// on a cycle or fed by one. With one input per node, that source is
// unique. Each node is walked once.
func (p *Pipeline) roots() map[*node]*node {
	const walking = 1
	roots := make(map[*node]*node, len(p.order))
	state := make(map[*node]int, len(p.order))
	var path []*node
	for _, name := range p.order {
		path = path[:0]
		cur := p.nodes[name]
		var root *node
		for {
			if r, done := roots[cur]; done {
				root = r
				break
			}
			if state[cur] == walking { // back where this walk has been: a cycle
				break
			}
			state[cur] = walking
			path = append(path, cur)
			if cur.graph.from == nil {
				root = cur
				break
			}
			cur = cur.graph.from
		}
		for _, m := range path {
			roots[m] = root
		}
	}
	return roots
}
