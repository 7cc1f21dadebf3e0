package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gopline/gopline/transport"
)

// TopicInfo is one topic as /api/topics lists it.
type TopicInfo struct {
	Name        string  `json:"name"`
	Codec       string  `json:"codec"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	FPS         float64 `json:"fps"`
	Bitrate     float64 `json:"bitrate"` // bits per second published
	QoS         string  `json:"qos"`
	Publishers  int     `json:"publishers"`
	Subscribers int     `json:"subscribers"`
	// Dropped counts the packets the topic dropped for its subscribers,
	// those of other nodes whose links could not carry them included, and
	// those that have left; SubscriberStats says which subscriber each of
	// the current ones was dropped for.
	Dropped uint64 `json:"dropped"`
	// SubscriberStats are the current subscribers, in the order they
	// subscribed, each with what the topic delivered and dropped for it.
	SubscriberStats []SubscriberInfo `json:"subscriber_stats"`
	// CachedFrames is how many packets the topic's GOP cache holds: what a
	// viewer that joins now is sent first.
	CachedFrames int `json:"cached_frames"`
	// Reordered is set for an H.264 topic with B-frames (its packets come
	// in decode order, not display order), which WebRTC cannot carry: the
	// node's pages play it over the WebSocket and WHEP refuses it. It is
	// known once the node has seen some of the topic's packets.
	Reordered bool `json:"reordered"`
	// Undecodable, when not empty, says why browsers and Foxglove show
	// nothing of the topic: its H.264 is of a profile, chroma format or
	// bit depth they do not decode (High 4:4:4 Predictive, say).
	Undecodable string `json:"undecodable,omitempty"`
	// PixelAspect is the shape of the stream's pixels its H.264 SPS
	// states ("64:45", a PAL camera's 16:9 kept as coded), empty for
	// square pixels or while not known. The WebRTC viewer draws the
	// pictures in that shape, which Chromium's WebRTC does not.
	PixelAspect string `json:"pixel_aspect,omitempty"`
	// Viewers are the topic's WebRTC viewers: each one's estimated
	// bandwidth and whether its picture is thinned.
	Viewers []ViewerInfo `json:"viewers"`
}

// Topics lists the handler's topics with what their brokers say now. A
// topic whose broker does not answer in time is left out.
// Whether a topic is Reordered is what the node knows now: Topics starts no
// probe.
func (h *Handler) Topics() []TopicInfo { return h.topicInfos(h.topicStats()) }

func (h *Handler) topicInfos(stats []transport.TopicStats) []TopicInfo {
	out := make([]TopicInfo, 0, len(stats))
	for _, st := range stats {
		out = append(out, h.topicInfo(st))
	}
	return out
}

func (h *Handler) topicInfo(st transport.TopicStats) TopicInfo {
	ti := TopicInfo{Name: st.Topic, Codec: st.Codec.String(), Width: st.Width, Height: st.Height, FPS: st.Rate,
		Bitrate: st.ByteRate * 8, QoS: st.QoS, Publishers: st.Publishers, Subscribers: len(st.Subscribers), Dropped: st.Dropped,
		SubscriberStats: subscriberInfos(st.Subscribers),
		Reordered:       h.order.order(st.Topic) == orderReordered,
		Undecodable:     h.formats.undecodable(st.Topic), PixelAspect: h.formats.aspect(st.Topic), Viewers: h.viewersOf(st.Topic)}
	if st.Published == 0 {
		ti.Codec = ""
	}
	if st.Cache != nil {
		ti.CachedFrames = st.Cache.Frames
	}
	return ti
}

// serveTopics lists the topics. An H.264 topic whose order is not known
// yet is probed first, for at most probeWait, so that a page knows which
// topics WebRTC cannot carry before it plays them.
func (h *Handler) serveTopics(w http.ResponseWriter, _ *http.Request) {
	stats := h.topicStats()
	present := make(map[string]bool, len(stats))
	for _, st := range stats {
		present[st.Topic] = true
	}
	h.order.keepOnly(func(topic string) bool { return present[topic] })
	h.formats.keepOnly(func(topic string) bool { return present[topic] })
	h.learnOrder(stats, probeWait)
	writeJSON(w, h.topicInfos(stats))
}

// serveTopic describes one topic (GET /api/topics/NAME, NAME without its
// leading slash), probing its order as serveTopics does.
func (h *Handler) serveTopic(w http.ResponseWriter, r *http.Request) {
	topic := "/" + r.PathValue("topic")
	if err := transport.ValidateTopicName(topic); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	st, err := h.cfg.Bus.Stats(topic)
	switch {
	case errors.Is(err, transport.ErrUnknownTopic):
		http.Error(w, fmt.Sprintf("no topic %s on this node", topic), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	h.learnOrder([]transport.TopicStats{st}, probeWait)
	writeJSON(w, h.topicInfo(st))
}

// viewersOf returns the status of topic's WebRTC viewers, by session id.
func (h *Handler) viewersOf(topic string) []ViewerInfo {
	h.mu.Lock()
	sessions := make([]*whepSession, 0, len(h.sessions))
	for _, s := range h.sessions {
		if s.topic == topic {
			sessions = append(sessions, s)
		}
	}
	h.mu.Unlock()
	out := make([]ViewerInfo, 0, len(sessions))
	for _, s := range sessions {
		out = append(out, s.info())
	}
	slices.SortFunc(out, func(a, b ViewerInfo) int { return strings.Compare(a.Session, b.Session) })
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// topicStats returns the stats of every topic whose broker answers in time.
func (h *Handler) topicStats() []transport.TopicStats {
	var out []transport.TopicStats
	for _, name := range h.cfg.Bus.Topics() {
		if st, err := h.cfg.Bus.Stats(name); err == nil {
			out = append(out, st)
		}
	}
	return out
}
