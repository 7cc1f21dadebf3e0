// Package transport carries encoded packets from publishers to subscribers
// through named topics.
//
// # Basics
//
// A topic is a name like "/camera/front" (see ValidateTopicName). Each topic
// has a broker, an actor that a Bus spawns on first use (Bus.Topic). A
// publisher sends the broker Publish messages; a subscriber sends Subscribe
// and then receives one Delivery per packet, which it answers with an Ack
// once it is done with the packet. The messages are in messages.go.
//
// The broker never waits for anybody. Each subscriber has a Window: how many
// deliveries it may leave unacknowledged (Subscribe.Window, DefaultWindow
// if 0). When a subscriber's window is full, the broker drops packets for that
// subscriber alone, and drops them GOP-aware: a delta is useless without
// every packet before it back to its keyframe, so once one packet is dropped
// the rest of its GOP is dropped too, and delivery resumes at the next
// keyframe that finds room. A subscriber thus never receives a packet it
// cannot decode, however slow it is, and neither the publisher nor the other
// subscribers notice it. The next Delivery's Dropped says how many packets
// were dropped before it; TopicStats counts them per subscriber.
//
// A subscriber that joins in the middle of a GOP starts at the next keyframe.
// When the last publisher leaves (PublisherLeft, or the publisher actor
// stops), every subscriber receives EndOfStream. A subscriber that lost the
// chain anyway (a corrupt packet) sends KeyframeRequest; the broker forwards
// it to the publishers, at most once per qos.DefaultKeyframeRequestInterval
// for the whole topic, so that many subscribers in trouble at once cost one
// keyframe.
//
// A publisher that is not an actor can publish from the root context:
//
//	pid, err := bus.Topic("/camera")
//	...
//	system.Root.Send(pid, &transport.Publish{Packet: p})
//
// Bus.Stats reads a topic's counters by asking its broker, so nothing inside
// the broker is shared or locked.
//
// # Caveats
//
// Topics are in-process only for now: subscribers are actors of the same
// actor system.
//
// Packets are shared, not copied: every subscriber of a topic receives the
// same *media.Packet, so a published packet must never be changed, by the
// publisher or by anyone who receives it (see media.Packet).
//
// Topics are VOLATILE: a late subscriber sees only live packets, from the
// next keyframe on. The Retainer interface is where durability plugs in (a GOP
// cache replaying the latest GOP to late joiners); the default, Volatile,
// keeps nothing.
//
// The window trusts the publisher's sequence: it keeps the chain of each
// subscriber whole as long as the publisher's Seq has no holes. A subscriber
// that must survive holes, restarts of the encoder (a new Epoch) or corrupt
// packets puts a qos.Gate in front of its decoder.
//
// A broker that panics is restarted with its subscribers and publishers, but
// it forgets what each subscriber has in flight: every window resumes at the
// next keyframe, and acknowledgements of deliveries from before the restart
// return credit early, so for a short while a subscriber may hold more than
// its window.
package transport
