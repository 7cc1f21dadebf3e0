package web

import (
	"fmt"
	"sync"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// formatWatch keeps, for each H.264 topic, the picture format its latest
// keyframe's SPS names, as the order watch keeps its order: browsers and
// Foxglove decode only 8-bit 4:2:0 Baseline, Main or High
// (h264.PictureFormat.BrowserDecodable), and a viewer of another format
// (a passed-through High 4:4:4 camera) would receive the stream and show
// nothing, without saying why. It is safe for concurrent use.
//
// It keeps the shape of the topic's pixels its SPS states as well: Chromium
// shows a WebRTC stream's pictures as coded, whatever the aspect its SPS
// states, and the WebRTC viewer draws them in their shape from it.
type formatWatch struct {
	mu      sync.Mutex
	topics  map[string]h264.PictureFormat
	aspects map[string]string // "W:H", for pixels not square
}

func newFormatWatch() *formatWatch {
	return &formatWatch{topics: map[string]h264.PictureFormat{}, aspects: map[string]string{}}
}

// observe notes the format of p's SPS, when p is an H.264 keyframe that
// has one, and reports whether topic's format just became one browsers do
// not decode.
func (w *formatWatch) observe(topic string, p *media.Packet) (newlyUndecodable bool) {
	if p.Codec != media.H264 || !p.Key {
		return false
	}
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		return false
	}
	format, ok := h264.FindPictureFormat(nalus)
	if !ok {
		return false
	}
	aspect := pixelAspect(nalus)
	w.mu.Lock()
	defer w.mu.Unlock()
	last, known := w.topics[topic]
	w.topics[topic] = format
	if aspect != "" {
		w.aspects[topic] = aspect
	} else {
		delete(w.aspects, topic)
	}
	return !format.BrowserDecodable() && (!known || last != format)
}

// pixelAspect returns the sample aspect ratio the last SPS of nalus
// states, "W:H", or "" when it states none or square pixels.
func pixelAspect(nalus [][]byte) string {
	for i := len(nalus) - 1; i >= 0; i-- {
		if h264.TypeOf(nalus[i]) != h264.NALUTypeSPS {
			continue
		}
		sps, err := h264.ParseSPS(nalus[i])
		if err != nil || sps.VUI == nil {
			return ""
		}
		w, h := sps.VUI.SARWidth, sps.VUI.SARHeight
		if w == 0 || h == 0 || w == h {
			return ""
		}
		return fmt.Sprintf("%d:%d", w, h)
	}
	return ""
}

// aspect returns the shape of topic's pixels its latest keyframe's SPS
// states, "W:H", or "" for square pixels or when it is not known.
func (w *formatWatch) aspect(topic string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.aspects[topic]
}

// undecodable returns why browsers show nothing of topic's stream, or ""
// when its format is one they decode or is not known yet.
func (w *formatWatch) undecodable(topic string) string {
	w.mu.Lock()
	format, ok := w.topics[topic]
	w.mu.Unlock()
	if !ok || format.BrowserDecodable() {
		return ""
	}
	return undecodableReason(format)
}

// undecodableReason is what a viewer of a stream in format is told.
func undecodableReason(format h264.PictureFormat) string {
	return fmt.Sprintf("the stream is %s (%s, %d bit); browsers decode only 4:2:0 8-bit H.264 (Baseline, Main, High): "+
		"re-encode it (`! h264enc` in place of passthrough=true) to view it", format.ProfileName(), format.ChromaName(), format.BitDepthLuma)
}

// keepOnly forgets the topics for which keep is false (gone from the bus).
func (w *formatWatch) keepOnly(keep func(topic string) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for topic := range w.topics {
		if !keep(topic) {
			delete(w.topics, topic)
			delete(w.aspects, topic)
		}
	}
}
