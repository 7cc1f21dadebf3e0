// Package qos holds gopline's quality-of-service logic: the GOP gate, which
// keeps undecodable packets away from a decoder; the limiter that bounds
// keyframe requests; QoS profiles (durability, history, reliability,
// deadline, lifespan, liveliness) with ROS 2's compatibility rules; and the
// GOP cache that keeps a topic's latest GOPs for subscribers that join late.
// Its types are plain values that the actors own and feed: they start no
// goroutines and take their time from an injected clock.
//
// # Basics
//
// An H.264 delta packet decodes only on top of every packet before it back to
// its keyframe. A Gate sits in front of each subscriber's decoder and passes a
// packet only when the decoder has that whole chain: a keyframe, then deltas
// of the same Epoch and GOP with no hole in Seq (media.Chain, the one chain
// rule that the GOPCache, the decoders and the recorder follow too). When a packet is lost, the
// encoder restarts (a new Epoch) or a subscriber starts in the middle of a
// GOP, the Gate drops deltas until the next keyframe and says, in the
// Decision, when to send a keyframe request upstream. The owner of a Gate
// does, per packet:
//
//	d := gate.Admit(p)
//	if d.RequestKeyframe {
//		// send a keyframe request to the topic's broker
//	}
//	if d.Pass {
//		// hand p to the decoder
//	}
//
// and calls Gate.Break when the decoder reports a corrupt packet, so that the
// Gate drops until the next keyframe again; Break says whether to send a
// keyframe request, under the same limiter. In a pipeline, a decoding stage
// keeps a Gate of its own and reports damage with a keyframe request, which
// a gate element upstream answers with its Break.
//
// A KeyframeLimiter allows at most one keyframe request per interval
// (DefaultKeyframeRequestInterval, 300 ms). Each Gate has one for its own
// requests; the topic broker keeps one per topic, so that many subscribers
// asking at once cost one keyframe, not one each.
//
// A Resume keeps a subscription session's place across its subscriptions (a
// remote link that subscribes again after a stall): the replay a new
// subscription brings passes nothing at or before the last packet the
// session was passed, so its pictures never go back in time, and the packets
// no subscription carried are counted as dropped.
//
// # Caveats
//
// None of the types is safe for concurrent use: one actor owns each.
//
// The Gate does not reorder. A packet that arrives after a later one has
// already been dropped as a SeqHole does not mend the chain; only a keyframe
// does. Duplicates are recognised against the last passed packet alone: the
// Gate keeps no history, so a packet it dropped earlier and sees again is
// judged afresh.
//
// Epochs are random, not ordered. A keyframe of any Epoch other than the
// chain's passes and the Gate follows that Epoch from then on, so a stray
// keyframe of a stopped encoder switches the Gate back to it until the next
// keyframe of the live one.
//
// While the Gate waits for a keyframe, a keyframe of the chain's GOP (or a
// later GOP) passes even when its Seq is not new: that is how a GOP cache
// answers a keyframe request. The decoder then decodes again pictures it has
// shown; the replay marking of the delivery, not the Gate, decides whether
// they are shown.
//
// Keyframe requests are only sent in answer to packets (or a Break): if a
// request is lost and the stream then falls silent, the Gate asks again at the
// next dropped packet, once the interval allows.
package qos
