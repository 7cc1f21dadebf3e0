// Package remotebench measures a topic subscribed to from another process:
// how many megabytes a second one remote subscription carries, how long a
// packet takes from its publish to its subscriber, and how long a viewer
// that joins another node's live camera waits for its first picture.
//
// Two sides take part, normally in two processes with a transport/remote
// node each (`gopline bench remote` starts the publishing one itself, as a
// child process: StartPublisher):
//
//   - Serve, on the publishing node, publishes one topic per Run of a
//     Config, each while its subscriber's run lasts; then it leaves the
//     topic, and the stream's end tells the subscriber to go. A throughput
//     run publishes as fast as the topic's credits allow: it reads its
//     subscriber's window from the broker (transport.Bus.Stats) and tops it
//     up, so the link, not the publisher, sets the pace and nothing is
//     dropped. A latency run publishes at a fixed rate whatever the credits
//     say, as a camera does; a subscriber that falls a window behind loses
//     whole GOPs at the topic, counted as dropped.
//
//   - Measure, on the subscribing node, subscribes to one run's topic with
//     the default window (transport.DefaultWindow: flow control on), lets a
//     warm-up pass, and counts what arrives for the run's duration:
//     megabytes a second, and the latency of each packet, its receive time
//     minus the CaptureTime stamped just before its publish. Both sides
//     must read the same clock: one host. It unsubscribes once the stream
//     has ended, when nothing is on its way to it any more.
//
//   - ServeCamera, on the publishing node, publishes a live encoded
//     camera (640x480, 30 frames/s, an IDR a second) on a durable topic,
//     from its first subscriber on; MeasureLateJoin, on the subscribing
//     node, lets viewers (subscribe remote=... ! gate ! h264dec) join it at
//     random moments and times each one's first decoded picture. This run
//     comes last, so that no encoder runs during the packet runs.
//
//   - ServeAnchor, on the publishing node, and MeasureAnchor, on the
//     subscribing one, are the anchor: protoactor remote alone between
//     the same two nodes, a plain actor sending payloads of the main runs'
//     size to another under the same window of credits, one back per
//     payload. gopline's throughput over the anchor's, measured in the
//     same run, says what gopline's remote topics cost.
//
// The packet runs' packets are H.264-shaped (a keyframe opens every GOP,
// Seq without holes) but carry filler bytes: nothing is encoded or decoded,
// so their figures are the transport's alone. NewSummary gathers every
// figure in one object, and Summary.WriteTable prints it. MeasureNode and
// ServeNode are the two sides, each on a gopline.Node of its own, as
// `gopline bench remote` runs them.
//
// Serve and Measure speak the broker's protocol (package transport) to
// whatever actor stands for the topic, so they also run against a local
// node's Bus in one process, which is how this package's tests run them;
// so do ServeCamera and MeasureLateJoin, with a Bus whose remote topics are
// its own (transport.Bus.SetRemote).
package remotebench
