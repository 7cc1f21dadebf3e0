package remote

import "time"

// confirmTimeout is how long an end of a subscription waits for the other
// end to answer a Confirm before it takes it for gone. Any message of the
// other end's that comes meanwhile gives it another confirmTimeout: on a
// slow link the answer queues behind the packets in flight (4 MiB, 3 s at
// 10 Mbit/s), which come first and show the other end sending.
const confirmTimeout = 5 * time.Second

// confirmation is one end's check that the other end of its subscription
// still holds it, made when the other end sent nothing for confirmEvery,
// or when the end hears that it may be gone: an actor.DeadLetterResponse,
// which any peer can send naming any actor, or an actor.Terminated other
// than the node's own word that the connection ended
// (TerminatedReason_AddressTerminated, taken at its word; the guard drops
// every Terminated a peer sends, see dropWatching). The end sends a
// Confirm with the key; the subscription ends only when
// neither the answer nor any other message of the other end comes within
// confirmTimeout. The zero value has no check under way.
type confirmation struct {
	checking bool
	// heard is set when a message of the other end came in the current
	// period of the check.
	heard bool
	// round tells the current check's timer from an earlier one's.
	round int
	// recent is set when a message of the other end came since the last
	// look at quiet.
	recent bool
}

// confirmEvery is how often an end whose other end sent nothing in the
// meantime checks that it is still there: the node's word that a
// connection ended covers a peer whose process ended, this a peer whose
// process lives on without its end of the subscription (it stopped on a
// panic, say) or a connection that stays up to a peer that no longer
// answers.
const confirmEvery = 15 * time.Second

// quietCheck tells an end that confirmEvery passed.
type quietCheck struct{}

// start begins a check and returns its round; ok is false when one is
// under way already (the end then sends nothing: a flood of forged
// messages costs one Confirm a round trip).
func (c *confirmation) start() (round int, ok bool) {
	if c.checking {
		return c.round, false
	}
	c.round++
	c.checking, c.heard = true, false
	return c.round, true
}

// heardFrom notes a message of the other end that carried the key.
func (c *confirmation) heardFrom() {
	c.recent = true
	if c.checking {
		c.heard = true
	}
}

// quiet reports whether no message of the other end came since the last
// call, and starts a new period.
func (c *confirmation) quiet() bool {
	q := !c.recent
	c.recent = false
	return q
}

// confirmed ends the check: the other end answered.
func (c *confirmation) confirmed() { c.checking = false }

// expired takes the end of a period of round's check: gone when nothing of
// the other end's came in it, again when something did and another period
// begins; neither when the check is over or stale.
func (c *confirmation) expired(round int) (gone, again bool) {
	if !c.checking || round != c.round {
		return false, false
	}
	if c.heard {
		c.heard = false
		return false, true
	}
	c.checking = false
	return true, false
}

// unconfirmed tells an end that a period of its check ended.
type unconfirmed struct{ round int }
