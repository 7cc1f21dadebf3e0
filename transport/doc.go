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
// Topics are durable by default: a topic keeps its latest GOP (the Bus's
// default QoS is qos.DurableVideo, see WithDefaultQoS; its Retainer, see
// WithRetainer) and replays it, keyframe first, to a subscriber that joins
// late, in the same broker turn as the live packets that follow, so there is
// neither a gap nor a duplicate; a best-effort subscriber gets nothing
// replayed (see qos.Reliability). A topic whose first publisher offers
// VOLATILE keeps nothing, and a subscriber that joins in the middle of a GOP
// starts at the next keyframe. When the last publisher leaves
// (PublisherLeft, or the publisher actor stops), every subscriber receives
// EndOfStream. A subscriber that lost the chain anyway (a corrupt packet)
// sends KeyframeRequest; the broker answers it from the cache when that
// repairs the chain, and otherwise forwards it to the publishers, at most
// once per qos.DefaultKeyframeRequestInterval for the whole topic, so that
// many subscribers in trouble at once cost one keyframe.
//
// The broker itself only keeps the registries of subscribers and publishers
// and the windows; each QoS concern (the cache's replay and repair,
// compatibility, deadlines, liveliness, farewells, the rate) is a policy of
// its own, a plain value the broker tells what happens and whose answers it
// carries out (policy.go). Deadlines and leases run on the Bus's Clock
// (WithClock), with one timer per topic.
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
// A topic that nothing holds (no publisher, no subscriber, no cached GOP)
// for the Bus's linger (DefaultIdleTopicLinger, WithIdleTopicLinger) is
// forgotten, as ROS 2's graph forgets a topic when its last endpoint goes:
// its broker stops, it leaves Bus.Topics, and Bus.Topic makes it afresh. So
// a name typed wrong once does not stay listed. Send the broker that
// Bus.Topic returns your Subscribe or PublisherJoined at once: a topic
// handed out while it lingers stays another linger, but one taken before
// it became idle and used only a linger later may have been forgotten.
// Brokers are named after their topics, so such a PID reaches the topic
// again once Bus.Topic has made it afresh; what it is sent before is lost.
//
// # Caveats
//
// A Bus holds the topics of one process. Subscribers of other processes
// reach them through transport/remote, which speaks the same messages on
// their behalf (Bus.RemoteTopic for the other way round); within a process,
// publishers and subscribers are actors of the Bus's actor system.
//
// Packets are shared, not copied: every subscriber of a topic receives the
// same *media.Packet, so a published packet must never be changed, by the
// publisher or by anyone who receives it (see media.Packet).
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
