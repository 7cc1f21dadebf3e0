package web

import (
	"encoding/json"
	"net/http"
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
	names := h.cfg.Bus.Topics()
	out := make([]TopicInfo, 0, len(names))
	for _, name := range names {
		st, err := h.cfg.Bus.Stats(name)
		if err != nil {
			continue
		}
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
