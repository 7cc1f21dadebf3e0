package transport

import (
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/rs/zerolog"
)

// keyframeKinds is the policy that tells what a topic's H.264 keyframes
// are. A camera that uses intra refresh or open GOPs sends an IDR when it
// starts and recovery points after (h264.AccessOf); its sources mark those
// Key, and the topic's cache, windows and keyframe requests treat them as
// keyframes. That works, but a browser viewer may wait for an IDR and a
// keyframe request cannot force one, so the topic's first recovery point
// of each stream is said in the log, naming the topic (the broker's
// logger) and the publisher, and every one is counted in the stats.
type keyframeKinds struct {
	log zerolog.Logger
	// recoveryPoints counts the keyframes that were recovery points.
	recoveryPoints uint64
	// said is set once the stream's first recovery point was said.
	said bool
}

func (k *keyframeKinds) handle(_ time.Time, in input, do []action) []action {
	switch {
	case in.kind == inStreamStarted:
		k.said = false
	case in.kind == inPublished && in.packet.Key && in.packet.Codec == media.H264:
		if !isRecoveryPoint(in.packet) {
			return do
		}
		k.recoveryPoints++
		if k.said {
			return do
		}
		k.said = true
		pub := "-"
		if in.pub != nil {
			pub = ActorName(in.pub.pid)
		}
		k.log.Warn().Str("publisher", pub).Uint64("seq", in.packet.Seq).
			Msg("the topic's keyframes are recovery points, not IDRs: this camera uses intra refresh or open GOP. " +
				"The topic starts its GOPs there (cache, late joiners, subscribers that fall behind, recording); " +
				"a keyframe request cannot make the camera send an IDR, and browser viewers may wait for one")
	}
	return do
}

// isRecoveryPoint reports whether an H.264 keyframe is a recovery point
// rather than an IDR.
func isRecoveryPoint(p *media.Packet) bool {
	nalus, err := h264.SplitAnnexB(p.Data)
	return err == nil && h264.AccessOf(nalus) == h264.AccessRecoveryPoint
}

func (k *keyframeKinds) due() time.Time { return time.Time{} }

func (k *keyframeKinds) report(_ time.Time, st *TopicStats) {
	st.RecoveryPointKeyframes = k.recoveryPoints
}
