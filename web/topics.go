package web

import (
	"encoding/json"
	"net/http"

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
	// CachedFrames is how many packets the topic's GOP cache holds: what a
	// viewer that joins now is sent first.
	CachedFrames int `json:"cached_frames"`
}

// Topics lists the handler's topics with what their brokers say now. A
// topic whose broker does not answer in time is left out.
func (h *Handler) Topics() []TopicInfo {
	stats := h.topicStats()
	out := make([]TopicInfo, 0, len(stats))
	for _, st := range stats {
		name := st.Topic
		ti := TopicInfo{Name: name, Codec: st.Codec.String(), Width: st.Width, Height: st.Height, FPS: st.Rate,
			Bitrate: st.ByteRate * 8, QoS: st.QoS, Publishers: st.Publishers, Subscribers: len(st.Subscribers)}
		if st.Published == 0 {
			ti.Codec = ""
		}
		if st.Cache != nil {
			ti.CachedFrames = st.Cache.Frames
		}
		out = append(out, ti)
	}
	return out
}

func (h *Handler) serveTopics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(h.Topics())
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
