package pipeline

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// What a stop that timed out says. "end of stream did not drain" alone
// leaves a user of a graph with several branches guessing which one
// stalled; the error names each chain whose sink end of stream did not
// reach, as "source → sink", and the node it waited on.

// progress is how far end of stream got in a node, and whether the node
// is inside a call, as Stop reads it from its own goroutine while the node's
// actor runs: atomics, written by the node's actor only.
type progress struct {
	eosIn  atomic.Bool  // end of stream reached the node
	eosOut atomic.Bool  // and it passed it on (a sink: it is done)
	busy   atomic.Int64 // when the message it handles began (unix ns); 0 when idle
	push   atomic.Bool  // its stage is a PushSource
}

// nodeView is what the report knows of one node of a chain.
type nodeView struct {
	name          string
	push          bool // a push source: it ends when its topic answers its farewell
	eosIn, eosOut bool
	busyFor       time.Duration // how long it has been in one call; 0 when idle
	held          int           // items waiting in its outputs for credit
	heldFor       string        // the node the first of them waits for
}

// stall says, for one chain (source first, sink last) whose sink end of
// stream did not reach, what it waited for. A node inside a call is named
// first: the deepest such one, since a node that runs in its upstream's
// calls keeps the upstream in the call too.
func stall(chain []nodeView) string {
	src, sink := chain[0], chain[len(chain)-1]
	head := src.name + " → " + sink.name + ": "
	at := -1 // the first node that has not passed end of stream on
	for i, v := range chain {
		if !v.eosOut {
			at = i
			break
		}
	}
	where := "end of stream never left " + src.name
	if at > 0 {
		where = "end of stream reached " + chain[at-1].name + " but not past " + chain[at].name
	}
	for i := len(chain) - 1; i >= 0; i-- {
		if v := chain[i]; v.busyFor > 0 {
			return head + fmt.Sprintf("%s has been in one call for %s (%s)", v.name, v.busyFor.Round(time.Millisecond), where)
		}
	}
	if at < 0 {
		return head + "drained" // not an undrained chain; never asked
	}
	v := chain[at]
	switch {
	case at == 0 && v.push:
		return head + src.name + " has not ended its stream: it waits for its topic to answer its farewell"
	case v.held > 0:
		return head + fmt.Sprintf("%s holds %d items that %s took no credit for (%s)", v.name, v.held, v.heldFor, where)
	case at == 0:
		return head + src.name + " has not ended its stream"
	case !v.eosIn:
		return head + fmt.Sprintf("end of stream waits in %s's mailbox (%s)", v.name, where)
	default:
		return head + fmt.Sprintf("%s did not pass end of stream on (%s)", v.name, where)
	}
}

// undrained describes the chains whose sink has not seen end of stream, in
// the order the sinks were added; nil when every sink has.
func (p *Pipeline) undrained() []string {
	now := p.now()
	byPID := make(map[string]*node, len(p.nodes))
	for _, n := range p.nodes {
		byPID[n.pid.Id] = n
	}
	var out []string
	for _, name := range p.order {
		sink := p.nodes[name]
		if len(sink.outs) > 0 || sink.progress.eosOut.Load() {
			continue
		}
		var chain []nodeView
		for n := sink; n != nil; n = n.graph.from {
			v := nodeView{name: n.name, push: n.progress.push.Load(), eosIn: n.progress.eosIn.Load(), eosOut: n.progress.eosOut.Load()}
			if b := n.progress.busy.Load(); b != 0 {
				v.busyFor = max(now.Sub(time.Unix(0, b)), time.Nanosecond)
			}
			for _, l := range n.outs {
				if h := int(l.held.Load()); h > 0 {
					if v.held == 0 {
						if to := byPID[l.to.Id]; to != nil {
							v.heldFor = to.name
						}
					}
					v.held += h
				}
			}
			chain = append([]nodeView{v}, chain...)
			if len(chain) > len(p.nodes) { // a cycle, which check refuses
				break
			}
		}
		out = append(out, stall(chain))
	}
	return out
}

// stopTimedOut is ErrStopTimeout with every undrained chain named.
func (p *Pipeline) stopTimedOut() error {
	chains := p.undrained()
	if len(chains) == 0 {
		return ErrStopTimeout
	}
	return fmt.Errorf("%w: %s", ErrStopTimeout, strings.Join(chains, "; "))
}
