package remote

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
)

// subscriptionKeyBytes is the size of a subscription's key: 128 bits, too
// many to guess.
const subscriptionKeyBytes = 16

// subscriptionKey is a remote subscription's secret (see wire.Subscribe):
// the link makes it, sends it to the node's gateway with its Subscribe,
// and the two ends put it in every message they send each other. The
// sender of a message is written by the peer that sends it, and so is the
// connection's claimed address; the key is known to the two ends only, so
// a peer that did not take part in the subscription cannot pose as either
// end: it can neither end nor credit the subscription, nor slip a packet
// into it. It is shared, never modified, by the messages that carry it.
type subscriptionKey []byte

// newSubscriptionKey returns a key from the system's random source.
func newSubscriptionKey() subscriptionKey {
	k := make(subscriptionKey, subscriptionKeyBytes)
	rand.Read(k) // never fails: the runtime ends the process when it cannot read randomness
	return k
}

// parseSubscriptionKey takes the key of a peer's Subscribe, which must be
// of subscriptionKeyBytes.
func parseSubscriptionKey(b []byte) (subscriptionKey, error) {
	if len(b) != subscriptionKeyBytes {
		return nil, fmt.Errorf("the subscription carries no key of %d bytes (got %d): the subscriber's gopline does not match this node's", subscriptionKeyBytes, len(b))
	}
	return subscriptionKey(append([]byte(nil), b...)), nil
}

// matches reports whether b is the key, in a time that does not depend
// on where they differ.
func (k subscriptionKey) matches(b []byte) bool {
	return len(k) == subscriptionKeyBytes && subtle.ConstantTimeCompare(k, b) == 1
}
