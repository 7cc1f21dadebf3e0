package transport

import "github.com/gopline/gopline/qos"

// keyframeLimit routes a topic's keyframe requests to its publishers, at
// most once per limiter interval for the whole topic, so that many
// subscribers in trouble at once cost one keyframe. The requests the cache
// answers (cache.handle, inKeyframeRequest) never reach it.
type keyframeLimit struct {
	limiter *qos.KeyframeLimiter
	// requests counts the requests received; forwarded and suppressed
	// those that went to the publishers and those that came too soon,
	// with the broker's own (a replay that stops short).
	requests, forwarded, suppressed uint64
}

// forward reports whether to ask the publishers for a keyframe now. With
// no publisher there is nobody to ask, and the limit is not used up.
func (k *keyframeLimit) forward(havePublishers bool) bool {
	if !havePublishers {
		return false
	}
	if !k.limiter.Allow() {
		k.suppressed++
		return false
	}
	k.forwarded++
	return true
}

func (k *keyframeLimit) report(st *TopicStats) {
	st.KeyframeRequests = k.requests
	st.KeyframeRequestsForwarded, st.KeyframeRequestsSuppressed = k.forwarded, k.suppressed
}
