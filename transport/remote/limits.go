package remote

import "time"

// What a peer can make a node spend, each bounded. grpc-go takes a
// message's memory as its bytes arrive (not as a peer declares), so what a
// connection holds is at most its flow-control windows and, per stream, the
// message being read: with the limits below, a peer that is not
// authenticated holds at most maxPendingPerPeer × (connWindowBytes +
// maxStreamsPerConn × maxMessageBytes) ≈ 72 MiB, and all of them together
// maxPending times one connection's share. docs/remote.md lists them.
const (
	// MaxPacketBytes bounds one packet's data carried between nodes: the
	// largest H.264 access unit of a 4K stream (level 5.1: 36,864
	// macroblocks of at most 3,200 bits each, ITU-T H.264 A.3.1) is
	// 14.7 MB, and a raw 4K picture in YUV 4:2:0 is 12.4 MB. A larger
	// packet is not sent (the publisher's node drops it, with a warning)
	// and not accepted.
	MaxPacketBytes = 16 << 20
	// partBytes is the largest piece of packet data in one wire message:
	// a larger packet travels in parts, so that one gRPC message stays
	// small whatever the packets.
	partBytes = 64 << 10
	// envelopeBytes bounds what a wire message adds to its data: the
	// packet's other fields, protoactor's envelope, type names and PIDs.
	envelopeBytes = 4 << 10
	// writerBatch is how many messages protoactor packs into one gRPC
	// message.
	writerBatch = 16
	// maxMessageBytes bounds one gRPC message, a batch: gRPC refuses a
	// larger one, and a peer can make a stream hold at most this.
	maxMessageBytes = writerBatch * (partBytes + envelopeBytes)
	// maxHeaderBytes bounds a stream's headers (gRPC's default is 16 MiB):
	// gopline sends a token and protoactor's few fields.
	maxHeaderBytes = 16 << 10
	// streamWindowBytes and connWindowBytes are the flow-control windows
	// of what a peer sends to this node: what it may send before the node
	// has read it. They bound a link's throughput to window / round trip:
	// 4 MiB over 100 ms is 40 MB/s, beyond a 4K camera's stream. (1 MiB
	// halved the throughput of 1.5 MB keyframes on loopback.)
	streamWindowBytes = 4 << 20
	connWindowBytes   = 8 << 20
	// maxStreamsPerConn bounds the concurrent streams of one connection:
	// protoactor opens one per connection, and one more may start while
	// the previous one ends.
	maxStreamsPerConn = 2
	// maxConnsPerPeer and maxConns bound the connections of authenticated
	// peers (the node's token, or an allowed client certificate): one per
	// gopline process of a peer host.
	maxConnsPerPeer = 32
	maxConns        = 256
	// maxPendingPerPeer and maxPending bound the connections of peers not
	// authenticated: every peer of a node without a token or client
	// certificates, and, on a node with them, a connection until its
	// first stream brings them. A host that runs a few gopline processes
	// (a viewer, a recorder, a listing) needs one each.
	maxPendingPerPeer = 8
	maxPending        = 32
	// authTimeout is how long a connection to a node with a token or
	// client certificates may stay without an authenticated stream.
	authTimeout = 10 * time.Second
	// handshakeTimeout bounds a connection's TLS and HTTP/2 handshakes: a
	// peer that connects and sends nothing is closed after it.
	handshakeTimeout = 5 * time.Second
	// maxIdle closes a connection without a stream for this long:
	// protoactor keeps its stream open for as long as it uses a
	// connection, so only a peer that opens none is idle.
	maxIdle = 30 * time.Second
	// idleTimeout closes a connection that has carried no message the
	// node acts on for this long and serves no live subscription: a
	// stream held open and silent holds a place of the limits above, and
	// gRPC's keepalive cannot tell it from a quiet peer (the peer answers
	// the pings). A subscription's connections stay, however quiet its
	// topic: their messages went to its ends, which still run.
	idleTimeout = 20 * time.Second
	// quietToGiveWay is how long a connection not authenticated must have
	// been quiet before a new one may take its place when the limits are
	// full (the longest quiet first): a peer that connects sends its first
	// message within a few round trips, and one that acks a live stream
	// sends a message a frame. A quiet subscription's connection gives way
	// only after idleTimeout.
	quietToGiveWay = 2 * time.Second
	// maxRefusingPerPeer and maxRefusing bound the connections over the
	// limits that the node lets through the handshake to tell them why
	// (the node is at its connection limit), each closed refusedLinger
	// after its first call was answered, and at most handshakeTimeout
	// after it connected. Beyond them a connection is closed during its
	// handshake, unanswered.
	maxRefusingPerPeer = 1
	maxRefusing        = 8
	// refusedLinger leaves the answer to a refused connection's call the
	// time to leave before the connection closes.
	refusedLinger = time.Second
	// DefaultKeepalive is how long a connection may be silent before its
	// end pings the other; an unanswered ping ends it after half that
	// again (Config.Keepalive).
	DefaultKeepalive = 10 * time.Second
	// DefaultGiveUpAfter is how long a link tries to reach a node before
	// its first subscription: long enough for a node that is starting
	// (a few attempts with backoff), short enough that a wrong address
	// fails a command.
	DefaultGiveUpAfter = 10 * time.Second
	// minKeepalive is the shortest keepalive a node accepts from its
	// peers (gRPC ends a connection whose peer pings more often).
	minKeepalive = time.Second
)
