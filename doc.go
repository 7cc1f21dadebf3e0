// Package gopline puts one process's part of gopline together: a Node is
// the actor system, the topics (a transport.Bus), the remote node that
// serves them to other processes and reaches theirs (transport/remote), and
// the state file that keeps persistent topics' GOP caches across restarts
// (storage). Pipelines run on a node and share its topics.
//
//	n, err := gopline.New(gopline.WithListen("127.0.0.1:7400"))
//	if err != nil { ... }
//	defer n.Close()
//	p, err := n.Parse("testsrc ! h264enc ! publish topic=/camera", reg)
//
// New starts the parts in the order they need (the remote node before any
// pipeline: protoactor's remote sets the actor system's address without a
// lock), and Close stops them in the reverse order: the node's pipelines,
// the topics (their caches written), the remote node, the actor system,
// the state file. Options are applied in order, defaults first; one that
// does not hold makes New fail.
//
// A node listens for other nodes only when asked (WithListen or WithRemote):
// a pipeline that subscribes to another node's topic needs one (a
// subscriber listens too, on a free loopback port, because replies come
// back by connection).
//
// A node with a remote node finds other nodes (package discovery): a
// subscriber that names no node subscribes to the one other node that
// publishes its topic when this process does not (Node.Directory). A node
// that serves, at an address other than SubscriberAddr (or at it, with
// WithAnnouncing), announces itself, at the port it was given, on its host
// and by multicast DNS (WithName, WithoutMDNS, WithoutAnnouncing); Close
// ends the announcement first.
package gopline
