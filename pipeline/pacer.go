package pipeline

import (
	"time"

	"github.com/gopline/gopline/media"
)

// pacer decides when a source's items go out. An unpaced item (zero due
// time) goes out as soon as the outputs have sent the one before, and the
// source is asked for it only once the outputs can take it: an item read
// ahead would only wait, holding its picture, and a chain in the source's
// calls is then done with a picture before the next is read. A paced
// item waits for its moment, then goes out when every output can take it;
// if it still cannot when the next item's moment comes, it is dropped for
// the newer one. So a live source of frames holds at most one frame back
// while its outputs are busy, and drops only when the graph is a whole
// frame behind; a chain in its own calls may take it further (slack,
// below).
// Paced packets (a player, a passthrough camera) are never dropped: a lost
// delta breaks every picture up to the next keyframe, so they wait for
// credit and the source catches up; topics shed whole GOPs for slow
// subscribers instead.
//
// A frame can also be late without the outputs being busy when the pacer
// looks: a chain that runs in the source's own calls (see runsInline) is
// done with the item before it, but the time it took may have passed the
// next frames' moments. So a frame the source gave only after its moment
// goes out only once the pacer has its successor, and only while it is
// less than slack frames behind: otherwise it is dropped for the newer
// one. The first item is not late: a source's clock may start before the
// pipeline lets items flow.
//
// slack is the window of the link a chain runs on (DefaultWindow unless
// the element sets it): the frames that link would hold if the chain ran
// on a goroutine of its own, as a camera's driver holds a few captured
// frames for a reader that is a moment late. A live source then rides out
// a stall of a few frames (an encoder's first keyframe, a neighbour taking
// the core) as latency that its chain works off, falls at most slack
// frames behind, and drops only beyond that. With its own goroutine
// downstream (a queue, branches) the link holds the frames and slack is 1.
//
// A source that plans its frames (Planner: it knows a frame's moment before
// it makes it) is asked only for the moment at paceFetch; the frame is made
// when it is to go out, and a dropped one is skipped, never made, so a live
// source whose downstream is slow spends nothing on the frames it drops.
//
// pacer is a plain value: the node asks step what to do, with the time and
// the state of its outputs, and does it.
type pacer struct {
	// slack is how many frame periods a frame may fall behind its moment
	// before it is dropped for a newer one; 0 and 1 both mean one.
	slack      int
	held, next paced
	ended      bool // the source has no more items
	// looked is set once, finding the graph busy with a newer item
	// overdue, the node has let in the credits waiting in its mailbox.
	looked bool
	// took is set once an item has gone out or been dropped: the first
	// item is never late, whatever the pipeline's start took.
	took bool
	// unpaced is set while the source's last item had no moment: its
	// next is asked for only once the outputs can take it.
	unpaced bool
}

// paced is an item and when it is due; late is set when the source gave it
// only after that moment.
type paced struct {
	item media.Item
	due  time.Time
	late bool
	// planned is an item of a Planner not made yet: a frame, whose
	// making waits until it is to go out, and which a drop skips.
	planned bool
}

// empty reports whether there is no item here, made or planned.
func (x paced) empty() bool { return x.item == nil && !x.planned }

// frame reports whether the item is a frame (a planned one is).
func (x paced) frame() bool {
	_, ok := x.item.(*media.Frame)
	return ok || x.planned
}

// pace is what the node is to do next for its source.
type pace uint8

const (
	paceFetch     pace = iota // ask the source for an item and add it
	paceEmit                  // take the held item and emit it
	paceDrop                  // take the held item and drop it (counted)
	paceWake                  // wait until the time step returns
	paceWait                  // wait for credit
	paceLookAgain             // handle the mailbox, then step again
	paceEnd                   // the source ended and nothing is held: end the stream
)

// step says what to do now, given whether the outputs have sent everything
// (drained) and whether every output can take an item at once (free).
func (p *pacer) step(now time.Time, drained, free bool) (pace, time.Time) {
	if p.held.empty() {
		if p.next.empty() {
			if p.ended {
				return paceEnd, time.Time{}
			}
			if p.unpaced && !free {
				return paceWait, time.Time{}
			}
			return paceFetch, time.Time{}
		}
		p.held, p.next = p.next, paced{}
	}
	switch {
	case p.held.due.IsZero(): // unpaced
		if !drained {
			return paceWait, time.Time{}
		}
		return paceEmit, time.Time{}
	case p.held.due.After(now): // paced, not yet due
		return paceWake, p.held.due
	case free:
		return p.lateOrEmit(now)
	}
	// Paced, due, and the graph is busy.
	if !p.held.frame() {
		return paceWait, time.Time{}
	}
	if p.next.empty() {
		if p.ended {
			return paceWait, time.Time{}
		}
		return paceFetch, time.Time{}
	}
	if d := p.deadline(); d.After(now) {
		return paceWake, d // a credit may come first
	}
	if !p.looked {
		// Credits may be waiting in the mailbox: look again after them
		// before dropping.
		p.looked = true
		return paceLookAgain, time.Time{}
	}
	return paceDrop, time.Time{}
}

// lateOrEmit decides for a paced item that is due while the outputs are
// free: a frame given late waits for its successor, and makes way for it if
// that one is due too.
func (p *pacer) lateOrEmit(now time.Time) (pace, time.Time) {
	if !p.held.frame() || !p.held.late {
		return paceEmit, time.Time{}
	}
	switch {
	case p.next.empty() && !p.ended:
		return paceFetch, time.Time{}
	case !p.next.empty() && !p.deadline().After(now):
		return paceDrop, time.Time{}
	}
	return paceEmit, time.Time{}
}

// deadline is when the held frame has fallen slack frame periods behind
// its moment, the period being the time to the next item's: from then on
// it is dropped for the next. With a slack of one that is the next item's
// moment, and so it is for items whose moments do not advance.
func (p *pacer) deadline() time.Time {
	period := p.next.due.Sub(p.held.due)
	if p.slack <= 1 || period <= 0 {
		return p.next.due
	}
	return p.held.due.Add(time.Duration(p.slack) * period)
}

// add takes the item the source gave for paceFetch at now.
func (p *pacer) add(item media.Item, due, now time.Time) {
	p.put(paced{item: item, due: due, late: p.took && !due.IsZero() && due.Before(now)})
}

// addPlanned takes, for paceFetch, the moment a Planner gave for its next
// frame, which is made only if it is to go out (takePlanned).
func (p *pacer) addPlanned(due, now time.Time) {
	p.put(paced{planned: true, due: due, late: p.took && !due.IsZero() && due.Before(now)})
}

func (p *pacer) put(it paced) {
	p.unpaced = it.due.IsZero()
	if p.held.empty() {
		p.held = it
	} else {
		p.next = it
	}
}

// end notes that the source has no more items (paceFetch found none). A
// planned item that follows is forgotten: its source failed to make the one
// before it.
func (p *pacer) end() {
	p.ended = true
	if p.next.planned {
		p.next = paced{}
	}
}

// lateness is how long past its moment the held item is at now.
func (p *pacer) lateness(now time.Time) time.Duration {
	if p.held.due.IsZero() {
		return 0
	}
	return now.Sub(p.held.due)
}

// take removes the held item, for paceEmit and paceDrop.
func (p *pacer) take() media.Item {
	it, _ := p.takePlanned()
	return it
}

// takePlanned removes the held item, and says whether it is planned (not
// made yet: nil).
func (p *pacer) takePlanned() (media.Item, bool) {
	it, planned := p.held.item, p.held.planned
	p.held, p.looked, p.took = paced{}, false, true
	return it, planned
}

// reset forgets what is held: the stream ended, or the source's stage was
// made anew after a panic (which starts it again).
func (p *pacer) reset() { *p = pacer{slack: p.slack} }
