package web

import (
	"fmt"
	"net/netip"

	"github.com/gopline/gopline/transport"
)

// SubscriberInfo is one subscriber of a topic as /api/topics lists it:
// who it is and what the topic delivered and dropped for it, from the
// topic's own account (transport.SubscriberStats), the one gopline topic
// info and a node's listing show too. A subscriber that drops while the
// others do not is the slow one: a viewer whose link or browser does not
// keep up, another node whose link does not.
type SubscriberInfo struct {
	// Name says who it is: "WebRTC viewer ADDR session ID" (the session
	// of the topic's viewers), "WebSocket client ADDR:PORT subscription
	// N" (the node's page over the WebSocket, or Foxglove), another node's
	// link (ADDRESS/gopline-link-N), or the actor of a pipeline of this
	// node (pipeline-1/subscribe0).
	Name string `json:"name"`
	// QoS is what it requested; empty when it takes the topic's offer.
	QoS string `json:"qos,omitempty"`
	// Delivered and Dropped count the packets the topic delivered to it and
	// dropped for it (its window full, so the rest of a GOP, and, for
	// another node, what its link could not carry); Skipped those passed
	// over while it waited for its first keyframe, which are not drops.
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
	Skipped   uint64 `json:"skipped"`
	// Window is how many deliveries it may leave unacknowledged, InFlight
	// how many it does now: a window that stays full is a subscriber that
	// does not keep up.
	Window   int `json:"window"`
	InFlight int `json:"in_flight"`
	// Incompatible is set while the topic's offer does not meet its QoS: it
	// is sent nothing.
	Incompatible bool `json:"incompatible,omitempty"`
}

// subscriberInfos describes a topic's subscribers, in the order they
// subscribed.
func subscriberInfos(subs []transport.SubscriberStats) []SubscriberInfo {
	out := make([]SubscriberInfo, len(subs))
	for i, s := range subs {
		out[i] = SubscriberInfo{Name: s.Who(), QoS: s.QoS, Delivered: s.Delivered, Dropped: s.Dropped, Skipped: s.Skipped,
			Window: s.Size, InFlight: s.InFlight, Incompatible: s.Incompatible}
	}
	return out
}

// whepViewerName names a WebRTC viewer's subscription: its address and
// session's tag, the name /api/topics lists its link under
// (ViewerInfo.Session).
func whepViewerName(addr netip.Addr, session string) string {
	return fmt.Sprintf("WebRTC viewer %s session %s", addr, session)
}

// webSocketClientName names one subscription of a WebSocket client (the
// node's page over the WebSocket, or Foxglove): its address and port, and
// the client's id of the subscription.
func webSocketClientName(peer string, subscription uint32) string {
	return fmt.Sprintf("WebSocket client %s subscription %d", peer, subscription)
}

// probeName names the node's own short subscription that learns whether a
// topic's H.264 has B-frames.
const probeName = "the node's B-frame probe"
