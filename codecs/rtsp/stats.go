package rtsp

// Stats counts what a Reader left out of its camera's stream, so that
// nothing is skipped silently.
type Stats struct {
	// BeforeKeyframe counts the pictures before the stream's first
	// keyframe, which nothing can decode: a camera joined inside a GOP.
	// They are not damage.
	BeforeKeyframe int
	// Damaged counts pictures left out because packets of theirs were
	// lost or could not be read, and those after them until the next
	// keyframe, which would be built on a missing reference.
	Damaged int
	// Truncated counts pictures the loss of the stream cut short (the
	// connection dropped inside one).
	Truncated int
	// LostPackets counts the RTP packets that never came (gaps in their
	// sequence numbers).
	LostPackets int
	// Restarts counts the times the stream's timestamps jumped and its
	// capture times went on from the moment of the jump, and the times its
	// sender restarted (a new RTP synchronization source), whose stream
	// went on from its next keyframe in a new Epoch.
	Restarts int
	// OtherSenders counts the packets a port (ListenRTP, ListenSession)
	// left out because they came from another sender than its stream's,
	// the one whose packet came first.
	OtherSenders int
}
